"""Doctor: the settings, the profile folders and the data folder (SCRAPER_HOME)."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from scraper.config.settings import Settings
from scraper.doctor.result import Check
from scraper.profiles import collect_profiles
from scraper.profiles.matching import FALLBACK


def check_settings(variables: tuple[str, ...], problem: str | None) -> Check:
    named = list(variables)
    # Names only: a value can be a secret (a database URL with its password).
    facts = {"set": named}
    if problem is not None:
        return Check("settings", False, problem, fix="correct that variable, or unset it for the default",
                     facts=facts)
    return Check("settings", True, f"set: {', '.join(named)}" if named else "all defaults", facts=facts)


def check_profiles(settings: Settings) -> Check:
    folders = [str(folder) for folder in settings.profile_dirs]
    profiles, errors = collect_profiles(settings.profile_dirs)
    facts = {"folders": folders, "profiles": sorted(profiles), "errors": errors}
    where = ", ".join(folders)
    if errors:
        return Check("profiles", False,
                     f"{len(profiles)} loaded from {where}; {len(errors)} broken:\n" + "\n".join(errors),
                     fix="correct the files named above (`scraper profile check FILE` checks one), or "
                         "change SCRAPER_PROFILES",
                     facts=facts)
    if not profiles:
        return Check("profiles", False, f"no profiles in {where}",
                     fix="point SCRAPER_PROFILES at folders of profiles (*.yaml), or unset it for the "
                         "built-in ones", facts=facts)
    detail = f"{len(profiles)} from {where}: {', '.join(sorted(profiles))}"
    if FALLBACK not in profiles:
        detail += f" (no {FALLBACK!r}: a page no profile matches cannot be captured)"
    return Check("profiles", True, detail, facts=facts)


def check_home(settings: Settings) -> Check:
    home = settings.home.absolute()
    # The embedded database, evidence captures and signing keys live there (and the demo's data).
    place, problem = writable_place(home)
    facts: dict[str, object] = {"path": str(home), "exists": home.is_dir(), "writable": problem is None}
    if problem:
        return Check("home", False, f"SCRAPER_HOME {home}: {problem}",
                     fix=f"make {place} writable, or set SCRAPER_HOME to a folder you can write",
                     facts=facts)
    free = shutil.disk_usage(place).free
    facts["free_bytes"] = free
    state = "writable" if place == home else f"not created yet (made on first use in {place})"
    return Check("home", True, f"SCRAPER_HOME {home}: {state}, {free / 2**30:.1f} GiB free", facts=facts)


def writable_place(folder: Path) -> tuple[Path, str | None]:
    """The folder, or the nearest existing folder above it (where it would be created), and why
    nothing can be written there (None: it can). Probes with a nameless temporary file, gone at once."""
    place = folder.absolute()
    while not place.exists() and place != place.parent:
        place = place.parent
    if not place.is_dir():
        return place, f"{place} is not a folder"
    try:
        with tempfile.TemporaryFile(dir=place):
            pass
    except OSError as exc:
        return place, f"{place} is not writable ({exc.strerror or exc})"
    return place, None
