"""Soak: `scraper run` with many watches on short intervals for a long time, against local sites
that change at random, with faults injected (Chromium killed, the database locked, hostile pages,
the mail server taking messages and never confirming them, the webhook never answering).

At the end:
- every mutation (a comment added or edited on a demo site) is reported exactly once: one stored
  change per mutation, none lost to a failed check, none doubled by a retry;
- every report is delivered exactly once on each channel: one email (a real SMTP server on
  loopback) and one webhook POST per report (by its Message-ID), whatever the hangs in between;
- no zombie in the daemon's process tree;
- memory is flat: the daemon's process tree (Python, Playwright's driver, every Chromium process)
  in the last third of the run against the first third (after a warm-up).

    .venv/bin/python benchmarks/soak.py --minutes 30      # `make soak`; not part of CI

A site gets a new mutation only once a good check has seen its previous one, so "exactly once" is
a fair demand (two edits of one comment between two checks would rightly be one change). Exit
status 1 when any of the three fails; the figures are printed as JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from benchmarks.check_loop import tree_rss_mib  # noqa: E402
from scraper.config.settings import load_settings  # noqa: E402
from scraper.demo.site import DemoSite  # noqa: E402
from scraper.store import open_db  # noqa: E402
from scraper.watches.operations import WatchSpec, add_watch  # noqa: E402
from tests.fixtures.browser import LOOPBACK_ONLY  # noqa: E402
from tests.fixtures.smtp import SmtpServer  # noqa: E402
from tests.processes import chromium_browsers, stop, zombies  # noqa: E402
from tests.sites.hostile import HostileSite  # noqa: E402

HOSTILE = ("/meta-refresh", "/refresh-loop", "/never-loads", "/error", "/bidi")
MAX_GROWTH = 1.25
SEND_TIMEOUT = 10  # SCRAPER_SEND_TIMEOUT: what one hung send costs
HANG = (60, 150)  # seconds a channel hangs, at random in this range
# Drawn at random (a browser kill twice as often as the others).
FAULTS = ["browser_kill", "browser_kill", "lock_short", "lock_long", "smtp_hang", "webhook_hang"]


class _Hook(BaseHTTPRequestHandler):
    server: Webhook

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if self.server.hanging.is_set():  # took the request; never answers it (until the end)
            self.server.released.wait()
            return
        with self.server.lock:
            self.server.bodies.append(body)
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        pass


class Webhook(ThreadingHTTPServer):
    """A JSON webhook receiver on loopback that can hang (accept, read, never answer)."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Hook)
        self.bodies: list[bytes] = []
        self.lock = threading.Lock()
        self.hanging, self.released = threading.Event(), threading.Event()
        threading.Thread(target=self.serve_forever, daemon=True).start()

    def hang(self, seconds: float) -> None:
        self.released.clear()
        self.hanging.set()
        threading.Timer(seconds, self.answer).start()

    def answer(self) -> None:
        self.hanging.clear()
        self.released.set()


@dataclass
class Mutation:
    watch: str
    kind: str  # comment_added | comment_edited
    comment_id: str
    text: str
    at: datetime


class Soak:
    def __init__(self, home: Path, args: argparse.Namespace) -> None:
        self.home, self.args = home, args
        self.db = home / "scraper.db"
        self.rng = random.Random(args.seed)
        self.mutations: list[Mutation] = []
        self.faults: dict[str, int] = {"browser_kill": 0, "lock_short": 0, "lock_long": 0,
                                       "smtp_hang": 0, "webhook_hang": 0}
        self.smtp: SmtpServer | None = None
        self.hook: Webhook | None = None
        self.memory: list[tuple[float, float]] = []  # (seconds since start, MiB)
        self.zombie_samples: list[int] = []
        self.started = datetime.now(UTC)

    def ok_after(self, watch: str, moment: datetime) -> bool:
        """Has the watch had a good check that started after `moment`?"""
        with sqlite3.connect(self.db, timeout=30) as conn:
            row = conn.execute(
                "SELECT count(*) FROM checks JOIN watches ON watches.id = checks.watch_id "
                "WHERE watches.name = ? AND checks.status = 'ok' AND checks.started_at > ?",
                (watch, moment.replace(tzinfo=None).isoformat(" ")),
            ).fetchone()
        return bool(row[0])

    def mutate(self, sites: dict[str, DemoSite], added: dict[str, list[str]]) -> None:
        # A site changes only after its baseline was taken (a change before it is part of it) and
        # once a good check has seen its previous change.
        waiting = {m.watch for m in self.pending()}
        ready = [w for w in sites if w not in waiting and self.ok_after(w, self.started)]
        if not ready:
            return
        watch = self.rng.choice(ready)
        site, n = sites[watch], len(self.mutations)
        if added[watch] and self.rng.random() < 0.3:
            cid = self.rng.choice(added[watch])
            text = f"Edited remark {n} on {watch}."
            site.edit_comment(cid, text)
            kind = "comment_edited"
        else:
            text = f"Soak comment {n} on {watch}."
            cid = site.add_comment(f"Reader {n}", text)
            added[watch].append(cid)
            kind = "comment_added"
        self.mutations.append(Mutation(watch, kind, cid, text, datetime.now(UTC)))

    def unsent(self) -> int:
        """Reports still waiting in the outbox (queued for a retry after a hang)."""
        with sqlite3.connect(self.db, timeout=30) as conn:
            (n,) = conn.execute("SELECT count(*) FROM outbox WHERE status IN ('queued', 'sending')"
                                ).fetchone()
        return int(n)

    def pending(self) -> list[Mutation]:
        last: dict[str, Mutation] = {}
        for m in self.mutations:
            last[m.watch] = m
        return [m for m in last.values() if not self.ok_after(m.watch, m.at)]

    def fault(self, daemon: subprocess.Popen[bytes]) -> None:
        kind = self.rng.choice(self.args.faults)
        if kind == "smtp_hang" and self.smtp is not None:
            handler = self.smtp.handler
            handler.hold = True  # takes DATA, never answers it; the messages held are lost
            threading.Timer(self.rng.uniform(*HANG), lambda: setattr(handler, "hold", False)).start()
        elif kind == "webhook_hang" and self.hook is not None:
            self.hook.hang(self.rng.uniform(*HANG))
        elif kind == "browser_kill":
            for pid in chromium_browsers(daemon.pid):
                os.kill(pid, signal.SIGKILL)
        else:
            hold = 6 if kind == "lock_short" else 40  # past the busy timeout; past a check's budget
            conn = sqlite3.connect(self.db, timeout=60, isolation_level=None)
            conn.execute("BEGIN EXCLUSIVE")
            time.sleep(hold)  # the fault itself: a writer holding the database this long
            conn.execute("ROLLBACK")
            conn.close()
        self.faults[kind] += 1

    def reported(self) -> list[int]:
        """For each mutation, how many stored changes report it."""
        with sqlite3.connect(self.db, timeout=30) as conn:
            rows = conn.execute(
                "SELECT watches.name, changes.kind, changes.data FROM changes "
                "JOIN watches ON watches.id = changes.watch_id").fetchall()
        counts = []
        for m in self.mutations:
            n = 0
            for watch, kind, raw in rows:
                data = json.loads(raw)
                if watch != m.watch or kind != m.kind:
                    continue
                if kind == "comment_added" and (data.get("comment") or {}).get("id") == m.comment_id:
                    n += 1
                if kind == "comment_edited" and data.get("comment_id") == m.comment_id \
                        and data.get("new") == m.text:
                    n += 1
            counts.append(n)
        return counts

    def sent(self) -> tuple[list[int], list[int]]:
        """For each report the outbox holds, how many times it arrived: emails (by Message-ID) and
        webhook posts (by their message_id), each list in outbox order."""
        from collections import Counter
        from email import message_from_bytes, policy

        mails = Counter(str(message_from_bytes(r.data, policy=policy.default)["Message-ID"])
                        for r in (self.smtp.received if self.smtp else []))
        with self.hook.lock if self.hook else threading.Lock():
            posts = Counter(json.loads(b)["message_id"] for b in (self.hook.bodies if self.hook else []))
        with sqlite3.connect(self.db, timeout=30) as conn:
            rows = conn.execute("SELECT target_key, message_id FROM outbox ORDER BY id").fetchall()
        return ([mails[m] for key, m in rows if key.startswith("mailto:")],
                [posts[m] for key, m in rows if not key.startswith("mailto:")])


def run(args: argparse.Namespace) -> dict[str, object]:
    home = Path(tempfile.mkdtemp(prefix="scraper-soak-"))
    soak = Soak(home, args)
    soak.smtp, soak.hook = SmtpServer().start(), Webhook()
    env = {**os.environ, "SCRAPER_HOME": str(home), "SCRAPER_DB_BUSY_TIMEOUT": "2",
           "SCRAPER_DEADLINE": "20", "SCRAPER_BROWSER_ARGS": LOOPBACK_ONLY,
           "SCRAPER_SMTP_HOST": "127.0.0.1", "SCRAPER_SMTP_PORT": str(soak.smtp.port),
           "SCRAPER_SMTP_SECURITY": "none", "SCRAPER_SEND_TIMEOUT": str(SEND_TIMEOUT),
           "NO_PROXY": "127.0.0.1,localhost", "no_proxy": "127.0.0.1,localhost"}
    os.environ.update(env)
    demo_count = args.watches - len(HOSTILE)
    sites = {f"demo-{i}": DemoSite().start() for i in range(demo_count)}
    hostile = HostileSite().__enter__()
    settings = load_settings()
    engine = open_db(settings)
    for name, site in sites.items():  # each reports by email and to the webhook
        add_watch(engine, WatchSpec(url=site.article_url, name=name, every=args.every,
                                    email="desk@example.org",
                                    notify=[f"http://127.0.0.1:{soak.hook.server_address[1]}/"]),
                  settings)
    for path in HOSTILE:
        add_watch(engine, WatchSpec(url=hostile.url(path), name=f"hostile{path.replace('/', '-')}",
                                    every=args.every), settings)
    engine.dispose()
    log = (home / "daemon.log").open("wb")
    daemon = subprocess.Popen([sys.executable, "-m", "scraper", "run"], env=env, stderr=log,
                              stdout=log)
    start = time.monotonic()
    end = start + args.minutes * 60
    added: dict[str, list[str]] = {name: [] for name in sites}
    first_round = min(60.0, args.minutes * 10)  # the baselines are taken first
    next_mutation, next_fault, next_sample = start + first_round, start + 2 * first_round, start
    try:
        while time.monotonic() < end:
            now = time.monotonic()
            if now >= next_sample:
                soak.memory.append((now - start, tree_rss_mib(daemon.pid)))
                soak.zombie_samples.append(len(zombies(daemon.pid)))
                next_sample = now + 30
            if now >= next_mutation:
                soak.mutate(sites, added)
                next_mutation = now + soak.rng.uniform(5, 20)
            if now >= next_fault:
                soak.fault(daemon)
                next_fault = time.monotonic() + soak.rng.uniform(*args.fault_every)
            time.sleep(1)  # the driver's own pace between looks at its schedule
        settle_until = time.monotonic() + 600
        soak.smtp.handler.hold = False  # the channels recover: what they missed is sent again
        soak.hook.answer()
        while (soak.pending() or soak.unsent()) and time.monotonic() < settle_until:
            time.sleep(5)  # waiting for the daemon's next checks and the outbox's retries
        final_zombies = zombies(daemon.pid)
    finally:
        daemon.send_signal(signal.SIGTERM)
        try:
            daemon.wait(timeout=120)
        finally:
            stop(daemon)
            log.close()
            hostile.__exit__(None, None, None)
            for site in sites.values():
                site.stop()
    counts = soak.reported()
    emails, posts = soak.sent()  # per report
    soak.smtp.stop()
    soak.hook.answer()
    soak.hook.shutdown()
    third = len(soak.memory) // 3
    warm_up = min(180.0, args.minutes * 20)  # seconds: the browser and caches fill up first
    warm = [m for t, m in soak.memory if t >= warm_up][: max(third, 1)]
    first, last = statistics.median(warm), statistics.median([m for _, m in soak.memory[-third:]])
    with sqlite3.connect(home / "scraper.db") as conn:
        statuses = dict(conn.execute("SELECT status, count(*) FROM checks GROUP BY status").fetchall())
        kinds = dict(conn.execute(
            "SELECT coalesce(error_kind, '-'), count(*) FROM checks WHERE status = 'failed' "
            "GROUP BY error_kind").fetchall())
    return {
        "minutes": args.minutes, "watches": args.watches, "every": args.every,
        "checks": statuses, "failed_by_kind": kinds, "faults": soak.faults,
        "mutations": len(counts), "reported_once": sum(1 for c in counts if c == 1),
        "lost": sum(1 for c in counts if c == 0), "doubled": sum(1 for c in counts if c > 1),
        "emails_once": sum(1 for c in emails if c == 1), "emails_lost": sum(1 for c in emails if c == 0),
        "emails_doubled": sum(1 for c in emails if c > 1),
        "posts_once": sum(1 for c in posts if c == 1), "posts_lost": sum(1 for c in posts if c == 0),
        "posts_doubled": sum(1 for c in posts if c > 1),
        "zombies_max_sampled": max(soak.zombie_samples, default=0), "zombies_at_end": len(final_zombies),
        "memory_mib_first_third": round(first), "memory_mib_last_third": round(last),
        "memory_growth": round(last / first, 3), "daemon_exit": daemon.returncode,
        "memory_mib_samples": [round(m) for _, m in soak.memory],
        "home": str(home), "finished": datetime.now(UTC).isoformat(timespec="seconds"),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--minutes", type=float, default=30)
    parser.add_argument("--watches", type=int, default=50)
    parser.add_argument("--every", default="90s")
    parser.add_argument("--seed", type=int, default=9)
    parser.add_argument("--faults", type=lambda raw: raw.split(","), default=FAULTS,
                        help="the faults to draw from, comma-separated (default: %(default)s)")
    parser.add_argument("--fault-every", type=float, nargs=2, default=(90, 180), metavar=("MIN", "MAX"),
                        help="seconds between two faults, drawn at random in this range")
    args = parser.parse_args()
    figures = run(args)
    print(json.dumps(figures, indent=2))
    ok = (figures["lost"] == figures["doubled"] == figures["zombies_at_end"] == 0
          and figures["emails_lost"] == figures["emails_doubled"] == 0
          and figures["posts_lost"] == figures["posts_doubled"] == 0
          and float(figures["memory_growth"]) <= MAX_GROWTH)  # type: ignore[arg-type]
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
