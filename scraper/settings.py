"""Settings from the environment: one place that names every variable the tool reads.

Read at call time (not import time) so tests can point them at a temporary folder.
"""

from __future__ import annotations

import os
import shlex
from dataclasses import dataclass
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
# A checkout keeps the profiles in ../selectors; an installed wheel carries a copy in _profiles.
_REPO_PROFILES = PACKAGE_DIR.parent / "selectors"
_WHEEL_PROFILES = PACKAGE_DIR / "_profiles"

DEFAULT_DEADLINE = 45.0


@dataclass(frozen=True)
class Settings:
    home: Path
    database_url: str
    profile_dirs: tuple[Path, ...]
    browser_path: str | None
    browser_ws: str | None
    browser_args: tuple[str, ...]
    deadline: float

    @property
    def default_database(self) -> bool:
        return "SCRAPER_DATABASE_URL" not in os.environ


def _profile_dirs() -> tuple[Path, ...]:
    raw = os.environ.get("SCRAPER_PROFILES")
    if raw:
        return tuple(Path(p) for p in raw.split(os.pathsep) if p)
    return (_REPO_PROFILES if _REPO_PROFILES.is_dir() else _WHEEL_PROFILES,)


def load_settings() -> Settings:
    home = Path(os.environ.get("SCRAPER_HOME", "storage"))
    db = os.environ.get("SCRAPER_DATABASE_URL") or f"sqlite:///{home / 'scraper.db'}"
    deadline = float(os.environ.get("SCRAPER_DEADLINE", DEFAULT_DEADLINE))
    return Settings(
        home=home,
        database_url=db,
        profile_dirs=_profile_dirs(),
        browser_path=os.environ.get("SCRAPER_BROWSER") or None,
        browser_ws=os.environ.get("SCRAPER_BROWSER_WS") or None,
        browser_args=tuple(shlex.split(os.environ.get("SCRAPER_BROWSER_ARGS", ""))),
        deadline=deadline,
    )
