"""Evidence for a watch with `evidence_on_change`: its checks are recorded, and a check that finds
changes keeps its recording as a bundle (the very session that saw the changes), as does the
watch's baseline (so every comment it reports is in some bundle: `scraper.evidence.proof`); a
check that finds none, or fails, discards it. The CLI, the dashboard and the daemon pass
`check_hook` (this and the pictures of `scraper.evidence.crops`) to each check
(`scraper.pipeline.hooks`): the check never imports this module."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from loguru import logger
from sqlalchemy import Engine
from sqlmodel import Session

from scraper.base.errors import ScraperError
from scraper.browser import RenderOptions
from scraper.config.settings import Settings
from scraper.evidence.bundle import seal, start
from scraper.evidence.crops import Screenshots
from scraper.evidence.recording import CaptureOptions
from scraper.model.record import Record
from scraper.pipeline.hooks import CheckHook, Hooks
from scraper.store import Capture, Watch


class ChangeEvidence:
    def __init__(self, url: str, watch_name: str, settings: Settings) -> None:
        self.url = url
        self.settings = settings
        self.recording = start(url, settings, CaptureOptions(note=f"watch {watch_name}: changes"))

    def render_options(self) -> RenderOptions:
        return self.recording.render_options()

    def keep(self, record: Record, engine: Engine, check_id: int,
             within: Callable[[Session, Capture], None] | None = None) -> Path | None:
        """Seal the recording as the check's bundle (its row committed with what `within`
        writes); None (logged) if that fails: the check and its changes are stored already, and a
        bundle is not worth losing them for."""
        try:
            bundle = seal(self.recording, record, url=self.url, settings=self.settings,
                          engine=engine, check_id=check_id, within=within)
        except (ScraperError, OSError) as exc:
            logger.warning("check {}: the evidence bundle could not be written: {}", check_id, exc)
            return None
        return bundle.folder

    def drop(self) -> None:
        self.recording.discard()


class EvidenceOnChange:
    """The check hook (`scraper.pipeline.hooks.CheckHook`): a recording for each check of a watch
    that keeps evidence of its changes."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def artifact(self, watch: Watch) -> ChangeEvidence | None:
        if not watch.evidence_on_change:
            return None
        return ChangeEvidence(watch.url, watch.name, self.settings)


def check_hook(settings: Settings, engine: Engine) -> CheckHook:
    """What every face passes to a check: pictures of changed items (`screenshots`), then an
    evidence bundle (`evidence_on_change`), for the watches that want them."""
    return Hooks(Screenshots(engine), EvidenceOnChange(settings))
