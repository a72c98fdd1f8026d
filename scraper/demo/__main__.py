"""`python -m scraper.demo serve [--port N]`: run the demo site in the foreground until Ctrl+C.

The first line of output is the article URL alone, so scripts can read it.
"""

from __future__ import annotations

import argparse
import sys
import threading
from collections.abc import Sequence

from scraper.base.signals import on_stop_signals
from scraper.demo.site import DemoSite


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if not 0 <= args.port <= 65535:
        parser.error(f"--port must be 0..65535 (0 = a free port), got {args.port}")  # exits 2
    # SIGINT and SIGTERM both end the process cleanly (exit code 0). The handlers are in place
    # before the URLs are printed: whoever reads them may signal at once.
    stop = threading.Event()
    with on_stop_signals(lambda signum: stop.set()):
        try:
            site = DemoSite(port=args.port).start()
        except OSError as exc:
            print(f"error: cannot listen on 127.0.0.1:{args.port}: {exc.strerror}", file=sys.stderr)
            return 1
        try:
            _print_urls(site)
            stop.wait()
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


if __name__ == "__main__":
    sys.exit(main())
