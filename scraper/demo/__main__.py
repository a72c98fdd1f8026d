"""`python -m scraper.demo serve [--port N]`: run the demo site in the foreground until Ctrl+C.

The first line of output is the article URL alone, so scripts can read it.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from collections.abc import Sequence
from types import FrameType

from scraper.demo.site import DemoSite


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if not 0 <= args.port <= 65535:
        parser.error(f"--port must be 0..65535 (0 = a free port), got {args.port}")  # exits 2
    try:
        site = DemoSite(port=args.port).start()
    except OSError as exc:
        print(f"error: cannot listen on 127.0.0.1:{args.port}: {exc.strerror}", file=sys.stderr)
        return 1
    try:
        _print_urls(site)
        _wait_for_signal()
    finally:
        site.stop()
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m scraper.demo", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="serve the demo site on 127.0.0.1")
    serve.add_argument("--port", type=int, default=0, help="port to listen on (default: a free one)")
    return parser


def _print_urls(site: DemoSite) -> None:
    print(site.article_url)
    print(f"  load more:  {site.lazy_url}")
    print(f"  infinite:   {site.infinite_url}")
    print(f"  framed:     {site.framed_url}")
    print(f"  API:        {site.base_url}/api/  (the endpoints, with examples)")
    print("Press Ctrl+C to stop.", flush=True)


def _wait_for_signal() -> None:
    """Block until SIGINT or SIGTERM; both end the process cleanly (exit code 0)."""
    stop = threading.Event()

    def handle(signum: int, frame: FrameType | None) -> None:
        stop.set()

    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, handle)
    stop.wait()


if __name__ == "__main__":
    sys.exit(main())
