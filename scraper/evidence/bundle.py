"""`capture --evidence`: one browser session, every artifact, a signed bundle, a row in the store."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session

from scraper import store
from scraper.base.errors import InputError
from scraper.base.urls import check_url
from scraper.browser import BrowserSession
from scraper.config.settings import Settings
from scraper.evidence.provenance import profile_facts
from scraper.evidence.recording import Bundle, CaptureOptions, Recording, folder_name
from scraper.model.record import Record
from scraper.pipeline.capture import Overrides, capture
from scraper.profiles import load_profiles


def check_out_dir(out: Path) -> Path:
    """An --out folder must be new or empty: evidence is never mixed with other files."""
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise InputError(f"--out {out}: exists and is not an empty folder")
    return out


def start(url: str, settings: Settings, options: CaptureOptions,
          out: Path | None = None, root: Path | None = None) -> Recording:
    """A recording of `url` bound for `out`, or for a new `<UTC time>-<host>` folder in `root`
    (default: `$SCRAPER_HOME/captures`)."""
    if out is None:
        parent = root or settings.captures_dir
        name = folder_name(datetime.now(UTC), url)
        out, n = parent / name, 1
        while out.exists():  # two captures of one host in the same second
            n += 1
            out = parent / f"{name}-{n}"
    return Recording(out.resolve(), options)


def seal(recording: Recording, record: Record, *, url: str, settings: Settings, engine: Engine,
         check_id: int | None = None, extra: dict[str, Any] | None = None,
         within: Callable[[Session, store.Capture], None] | None = None) -> Bundle:
    """Package, sign and keep the recording; its row goes into the store, together with whatever
    `within` writes in that transaction (a report naming the bundle)."""
    profiles = load_profiles(settings.profile_dirs)
    used = profiles.get(record.profile)
    chain: list[str] = []
    while used is not None and used.extends and used.extends not in chain:
        chain.append(used.extends)
        used = profiles.get(used.extends)
    facts = profile_facts(record.profile, chain, settings.profile_dirs)
    bundle = recording.seal(record, url=url, profile=facts, settings=settings,
                            extra={**({"check_id": check_id} if check_id else {}), **(extra or {})})
    with Session(engine) as session:
        row = store.add_capture(session, store.Capture(
            url=url, final_url=record.final_url, captured_at=recording.started,
            path=str(bundle.folder), wacz=str(bundle.wacz), package_hash=bundle.package_hash,
            datapackage_hash=bundle.datapackage_hash, case_name=recording.options.case,
            note=recording.options.note, check_id=check_id,
        ))
        if within is not None:
            within(session, row)
        session.commit()
    return bundle


def capture_evidence(
    url: str,
    *,
    settings: Settings,
    engine: Engine,
    options: CaptureOptions,
    session: BrowserSession,
    profile: str | None = None,
    deadline: float | None = None,
    out: Path | None = None,
    root: Path | None = None,
    overrides: Overrides | None = None,
) -> Bundle:
    """Capture `url` with every artifact from one render; the bundle, sealed and recorded."""
    url = check_url(url)
    recording = start(url, settings, options, out, root)
    try:
        record = capture(url, profile=profile, deadline=deadline, session=session,
                         settings=settings, overrides=overrides,
                         options=recording.render_options())
    except BaseException:
        recording.discard()
        raise
    return seal(recording, record, url=url, settings=settings, engine=engine)
