"""The architecture, checked: the folders show it, the flow runs one way, settings come from the
edges, and HTTP statuses come from error types (docs/architecture.md)."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PACKAGE = REPO / "scraper"
# Where a process starts: these build the settings and pass them down.
EDGES = ("cli", "web/server.py", "web/context.py", "demo", "config")  # config: where they are built


def _product_code() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if "migrations" not in p.parts)


def _below_edges(path: Path) -> bool:
    rel = path.relative_to(PACKAGE).as_posix()
    return not any(rel == edge or rel.startswith(edge + "/") for edge in EDGES)


def test_only_the_package_face_stays_at_the_top() -> None:
    assert sorted(p.name for p in PACKAGE.glob("*.py")) == ["__init__.py", "__main__.py"]


def test_the_imports_keep_the_layers() -> None:
    """`lint-imports` (import-linter) reads .importlinter: no import runs back up, no cycle."""
    lint = shutil.which("lint-imports", path=str(Path(sys.executable).parent))
    assert lint, "import-linter is part of the test extra"
    done = subprocess.run([lint, "--no-cache"], cwd=REPO, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]


def test_settings_are_built_at_the_edges_only() -> None:
    readers = [p.relative_to(REPO).as_posix() for p in _product_code()
               if _below_edges(p) and "load_settings(" in p.read_text()]
    assert readers == []


def test_no_message_text_decides_an_http_status() -> None:
    pattern = re.compile(r"str\(exc\)\.startswith|in str\(exc\)")
    found = [p.relative_to(REPO).as_posix() for p in (PACKAGE / "web").rglob("*.py")
             if pattern.search(p.read_text())]
    assert found == []
