"""A real WordPress on loopback: Debian's `wordpress` package, a throwaway MariaDB, PHP's built-in
server, and a post whose comments, replies and pingback were made by WordPress itself.

Nothing outside its own temporary folder is written, so runs in parallel (other engineers, CI jobs)
cannot meet: the MariaDB data directory and socket live there, and WordPress runs from a docroot of
symlinks to /usr/share/wordpress with this folder's own `wp-config.php` and `wp-content` (Debian's
wp-config.php would read /etc/wordpress/config-HOST.php, shared by the whole machine). Themes are
switched in place (`theme()`), one WordPress for every theme.

    with WordPressSite(folder) as wp:
        wp.theme("twentytwentyone")
        capture(wp.post_url)
"""

from __future__ import annotations

import getpass
import json
import os
import queue
import re
import shutil
import subprocess
import threading
import time
from pathlib import Path
from types import TracebackType
from typing import Any

from tests.processes import stop

HERE = Path(__file__).resolve().parent
WORDPRESS = Path("/usr/share/wordpress")
THEMES = ("twentytwentyone", "twentytwentytwo", "twentytwentythree")
THREAD: dict[str, Any] = json.loads((HERE / "thread.json").read_text(encoding="utf-8"))
READY_TIMEOUT = 30.0  # seconds for MariaDB and PHP to come up
POLL = 0.05
# What the tests need from the OS (scripts/bootstrap.sh --test installs them).
PACKAGES = ("wordpress", "mariadb-server", "php-cli", "php-mysql", "php-mbstring", "php-xml",
            *(f"wordpress-theme-{t}" for t in THEMES))


class WordPressError(RuntimeError):
    pass


def missing() -> list[str]:
    """What this machine lacks to run the test WordPress (empty when it has everything)."""
    needed = {"mariadb-install-db": "mariadb-server", "mariadbd": "mariadb-server", "php": "php-cli"}
    lacking = [pkg for cmd, pkg in needed.items() if shutil.which(cmd) is None]
    if not (WORDPRESS / "wp-settings.php").exists():
        lacking.append("wordpress")
    lacking += [f"wordpress-theme-{t}" for t in THEMES if not (WORDPRESS / "wp-content/themes" / t).exists()]
    return sorted(set(lacking))


class WordPressSite:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.root = folder / "docroot"
        self.socket = folder / "mysql.sock"
        self._db: subprocess.Popen[bytes] | None = None
        self._php: subprocess.Popen[str] | None = None
        self.base_url = ""
        self.post_url = ""
        self.quiet_url = ""
        self.comment_ids: dict[str, str] = {}

    # -- lifecycle --

    def __enter__(self) -> WordPressSite:
        try:
            self._start_database()
            self._docroot()
            self._start_php()
            made = self.wp("install")
        except BaseException:
            self.close()
            raise
        self.post_url, self.quiet_url = made["post"], made["quiet"]
        self.comment_ids = {key: str(value) for key, value in made["comments"].items()}
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    def close(self) -> None:
        for process in (self._php, self._db):
            if process is not None:
                stop(process)

    # -- commands --

    def wp(self, *args: str) -> dict[str, Any]:
        """Run tests/sites/wordpress/wp.php with WordPress loaded; its JSON answer."""
        result = subprocess.run(["php", "-d", "display_errors=stderr", str(HERE / "wp.php"), *args],
                                env=self._env(), capture_output=True, text=True, timeout=60, check=False)
        if result.returncode != 0 or not result.stdout.strip():
            raise WordPressError(f"wp.php {' '.join(args)} failed: {result.stderr or result.stdout}")
        answer: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
        return answer

    def theme(self, name: str) -> None:
        if self.wp("theme", name)["theme"] != name:
            raise WordPressError(f"theme {name} did not switch")

    # -- set-up --

    def _env(self) -> dict[str, str]:
        host = self.base_url.removeprefix("http://") or "127.0.0.1"
        return {**os.environ, "WP_TEST_ROOT": str(self.root), "WP_TEST_HOST": host}

    def _start_database(self) -> None:
        data = self.folder / "mysql"
        user = getpass.getuser()
        _run(["mariadb-install-db", "--no-defaults", f"--datadir={data}", f"--user={user}",
              "--skip-test-db", "--auth-root-authentication-method=normal"], "mariadb-install-db")
        log = self.folder / "mariadb.log"
        self._db = subprocess.Popen(
            ["mariadbd", "--no-defaults", f"--datadir={data}", f"--socket={self.socket}",
             "--skip-networking", "--skip-grant-tables", f"--user={user}", "--skip-log-bin",
             f"--pid-file={self.folder / 'mariadb.pid'}", f"--log-error={log}",
             "--innodb-buffer-pool-size=16M", "--innodb-log-file-size=8M",
             # A throwaway database: no waiting on the disk for durability.
             "--innodb-flush-log-at-trx-commit=0", "--innodb-doublewrite=0", "--innodb-flush-method=nosync"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        probe = ["mariadb", "--no-defaults", f"--socket={self.socket}", "-e",
                 "CREATE DATABASE IF NOT EXISTS wordpress CHARACTER SET utf8mb4"]
        deadline = time.monotonic() + READY_TIMEOUT
        while subprocess.run(probe, capture_output=True, check=False).returncode != 0:
            try:  # waiting on the server doubles as the poll interval: a crash ends it at once
                self._db.wait(timeout=POLL)
            except subprocess.TimeoutExpired:
                if time.monotonic() > deadline:
                    raise WordPressError(f"MariaDB not ready after {READY_TIMEOUT}s") from None
                continue
            raise WordPressError(f"mariadbd exited on start: {log.read_text(errors='replace')}")

    def _docroot(self) -> None:
        """/usr/share/wordpress by symlinks, with this site's own wp-config.php and wp-content."""
        self.root.mkdir()
        for entry in WORDPRESS.iterdir():
            if entry.name not in ("wp-config.php", "wp-content"):
                (self.root / entry.name).symlink_to(entry)
        themes = self.root / "wp-content" / "themes"
        themes.mkdir(parents=True)
        for theme in (WORDPRESS / "wp-content" / "themes").iterdir():
            (themes / theme.name).symlink_to(theme)
        (self.root / "wp-content" / "mu-plugins").mkdir()
        shutil.copy(HERE / "offline.php", self.root / "wp-content" / "mu-plugins" / "offline.php")
        shutil.copy(HERE / "wp-config.php", self.root / "wp-config.php")
        (self.root / "test-config.json").write_text(json.dumps({"socket": str(self.socket)}))

    def _start_php(self) -> None:
        # Port 0: PHP picks a free port and says which ("Development Server (http://…) started").
        self._php = subprocess.Popen(
            ["php", "-S", "127.0.0.1:0", "-t", str(self.root), str(HERE / "router.php")],
            env={**self._env(), "PHP_CLI_SERVER_WORKERS": "4"},
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )
        lines: queue.Queue[str] = queue.Queue()
        # The server logs every request: drain its output for as long as it runs.
        threading.Thread(target=_drain, args=(self._php, lines), daemon=True).start()
        deadline = time.monotonic() + READY_TIMEOUT
        while time.monotonic() < deadline:
            try:
                line = lines.get(timeout=max(deadline - time.monotonic(), POLL))
            except queue.Empty:
                break
            if m := re.search(r"\(http://(127\.0\.0\.1:\d+)\) started", line):
                self.base_url = f"http://{m.group(1)}"
                return
        raise WordPressError("PHP's built-in server did not start")


def _drain(process: subprocess.Popen[str], lines: queue.Queue[str]) -> None:
    assert process.stdout is not None
    for line in process.stdout:
        lines.put(line)


def _run(command: list[str], what: str) -> None:
    result = subprocess.run(command, capture_output=True, text=True, check=False, timeout=120)
    if result.returncode != 0:
        raise WordPressError(f"{what} failed ({result.returncode}): {result.stderr or result.stdout}")
