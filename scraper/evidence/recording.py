"""One evidence recording: the recorders of a render, in a staging folder, then sealed into a
signed bundle (or discarded: a watch's check that found nothing keeps nothing).

Staging sits beside the destination, so the finished folder appears whole, by one rename.
"""

from __future__ import annotations

import base64
import json
import shutil
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from scraper.base.times import iso
from scraper.browser import Recorder, RenderOptions
from scraper.config.settings import Settings
from scraper.evidence import provenance, signing, wacz
from scraper.evidence.artifacts import PAGE_ARTIFACTS, Artifact
from scraper.evidence.facts import Facts
from scraper.evidence.network import WarcRecorder
from scraper.evidence.timestamp import TimestampError, request_stamp
from scraper.model.record import Record

RECORD_FILE = "record.json"
PROVENANCE_FILE = "provenance.json"


def software() -> dict[str, str]:
    return {"scraper": version("scraper"), "playwright": version("playwright"),
            "warcio": version("warcio"), "cryptography": version("cryptography")}


def folder_name(started: datetime, url: str) -> str:
    """`<UTC time>-<host>`: sorts by time, says what it is, and is safe on every file system."""
    host = (urlsplit(url).hostname or "page").replace(":", "_")
    return f"{started:%Y%m%dT%H%M%SZ}-{host}"


@dataclass(frozen=True)
class CaptureOptions:
    case: str | None = None
    note: str | None = None
    ignore_https_errors: bool = False


@dataclass
class Bundle:
    folder: Path
    wacz: Path
    package_hash: str  # SHA-256 of the .wacz
    datapackage_hash: str
    record: Record
    provenance: dict[str, Any]
    key_fingerprint: str
    timestamp: str | None = None  # the TSA's time, when stamped
    timestamp_error: str | None = None  # a TSA was configured but did not stamp
    files: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """What `capture --evidence --json` and the API say of a bundle."""
        return {
            "folder": str(self.folder), "wacz": str(self.wacz),
            "sha256": self.package_hash, "datapackage_hash": self.datapackage_hash,
            "key_fingerprint": self.key_fingerprint, "timestamp": self.timestamp,
            "timestamp_error": self.timestamp_error, "files": self.files,
            "artifacts": self.provenance["artifacts"],
        }


class Recording:
    def __init__(self, destination: Path, options: CaptureOptions) -> None:
        destination.parent.mkdir(parents=True, exist_ok=True)
        self.destination = destination
        self.options = options
        self.staging = Path(tempfile.mkdtemp(dir=destination.parent, prefix=".staging-"))
        self.started = datetime.now(UTC)
        self.facts = Facts()
        self.artifacts: list[Artifact] = [kind(self.staging) for kind in PAGE_ARTIFACTS]
        self.warc = WarcRecorder(self.staging / "data.warc.gz", f"scraper {version('scraper')}")

    def render_options(self) -> RenderOptions:
        """Facts first (nothing has touched the page yet), the WARC last (it waits for bodies).
        Nothing is blocked: evidence keeps every resource the page loads."""
        recorders: list[Recorder] = [self.facts, *self.artifacts, self.warc]
        return RenderOptions(recorders=recorders, block=(),
                             ignore_https_errors=self.options.ignore_https_errors)

    def discard(self) -> None:
        shutil.rmtree(self.staging, ignore_errors=True)

    def seal(self, record: Record, *, url: str, profile: dict[str, Any], settings: Settings,
             extra: dict[str, Any] | None = None) -> Bundle:
        """Write record and provenance, package, sign (and stamp), and move into place."""
        try:
            return self._seal(record, url, profile, settings, extra or {})
        except BaseException:
            self.discard()
            raise

    def _seal(self, record: Record, url: str, profile: dict[str, Any], settings: Settings,
              extra: dict[str, Any]) -> Bundle:
        ended = datetime.now(UTC)
        (self.staging / RECORD_FILE).write_text(record.to_json(indent=2) + "\n", encoding="utf-8")
        statement = provenance.assemble(
            started_at=iso(self.started), ended_at=iso(ended), requested_url=url,
            final_url=record.final_url, software=software(), session=self.facts.data,
            profile=profile,
            options={"case": self.options.case, "note": self.options.note,
                     "ignore_https_errors": self.options.ignore_https_errors, "blocked": [],
                     **extra},
            network={"exchanges": self.warc.records, "failed": self.warc.failed,
                     "notes": self.warc.notes},
            artifacts=[a.status() for a in self.artifacts],
            record={"file": RECORD_FILE, "content_hash": record.content_hash(),
                    "comments": len(record.comments)},
        )
        (self.staging / PROVENANCE_FILE).write_text(
            json.dumps(statement, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        keys = signing.load_or_create(settings.keys_dir)
        stamped: dict[str, str | None] = {"time": None, "error": None}

        def sign(package_hash: str, created: str) -> dict[str, Any]:
            signed = signing.sign(keys, package_hash, created, "scraper", version("scraper"))
            if settings.tsa_url:
                _stamp(signed, settings.tsa_url, stamped)
            return signed

        evidence = [p for p in sorted(self.staging.iterdir())
                    if p.is_file() and p != self.warc.path]
        out = self.staging / f"{self.destination.name}.wacz"
        packaged = wacz.package(
            out, warc=self.warc.path, evidence=evidence,
            page=wacz.Page(record.final_url, iso(self.started), self.facts.data.get("title")),
            metadata={"title": f"Capture of {url}", "created": iso(ended),
                      "software": f"scraper {version('scraper')}",
                      "description": f"Evidence capture of {url} ({self.options.case or 'no case'})"},
            sign=sign,
        )
        self.warc.path.unlink()  # it lives on inside the .wacz
        _move(self.staging, self.destination)
        return Bundle(
            folder=self.destination, wacz=self.destination / out.name,
            package_hash=packaged.sha256, datapackage_hash=packaged.datapackage_hash,
            record=record, provenance=statement, key_fingerprint=keys.fingerprint,
            timestamp=stamped["time"], timestamp_error=stamped["error"],
            files=sorted(p.name for p in self.destination.iterdir()),
        )


def _stamp(signed: dict[str, Any], tsa_url: str, stamped: dict[str, str | None]) -> None:
    try:
        stamp = request_stamp(tsa_url, base64.b64decode(signed["signature"]))
    except TimestampError as exc:
        stamped["error"] = str(exc)
        return
    signed["timeSignature"] = base64.b64encode(stamp.response).decode("ascii")
    signed["timestampCert"] = stamp.certificates_pem
    stamped["time"] = iso(stamp.time)


def _move(staging: Path, destination: Path) -> None:
    if destination.is_dir() and not any(destination.iterdir()):
        destination.rmdir()
    staging.rename(destination)
