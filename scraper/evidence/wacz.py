"""Package a capture folder as one WACZ 1.1.1 file: a pure function over files.

    archive/data.warc.gz        the network exchanges (stored, not deflated: replay seeks in it)
    indexes/index.cdx           the CDXJ index of the WARC
    pages/pages.jsonl           the captured page
    evidence/*                  screenshot, PDF, DOM, MHTML, HAR, record and provenance
    datapackage.json            every file above with its SHA-256 and size
    datapackage-digest.json     the hash of datapackage.json, and its signature

Only `datapackage.json` and its digest sit at the root; `wacz validate` requires every other file
one folder deep.
"""

from __future__ import annotations

import hashlib
import io
import json
import time
import zipfile
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

WACZ_VERSION = "1.1.1"
WARC_MEMBER = "archive/data.warc.gz"
INDEX_MEMBER = "indexes/index.cdx"
PAGES_MEMBER = "pages/pages.jsonl"
EVIDENCE_DIR = "evidence/"
DATAPACKAGE = "datapackage.json"
DIGEST = "datapackage-digest.json"
# Already compressed: deflating again gains nothing and would stop replay from seeking.
_STORED_SUFFIXES = (".gz", ".png", ".pdf")
_CHUNK = 1 << 16

# Given the datapackage's hash and its `created` time, the signed data to put in the digest file.
Signer = Callable[[str, str], Mapping[str, Any]]


@dataclass(frozen=True)
class Page:
    url: str
    ts: str  # RFC 3339 UTC
    title: str | None = None


@dataclass(frozen=True)
class Packaged:
    path: Path
    datapackage_hash: str  # "sha256:…" of datapackage.json: what the signature covers
    sha256: str  # of the .wacz file itself


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def cdxj_index(warc: Path) -> bytes:
    """The CDXJ lines of `warc`, sorted, each naming it as `data.warc.gz` inside the package."""
    # Imported here: it pulls in pkg_resources and pyamf, a fifth of the start-up of every command
    # that can make evidence (`scraper run`, `scraper worker`), most of which never index a WARC.
    from cdxj_indexer.main import CDXJIndexer

    out = io.StringIO()
    indexer = CDXJIndexer(out, [str(warc)], sort=True, post_append=True,
                          filename=Path(WARC_MEMBER).name)
    indexer.process_all()
    return out.getvalue().encode("utf-8")


def pages_jsonl(page: Page) -> bytes:
    header = {"format": "json-pages-1.0", "id": "pages", "title": "All Pages"}
    entry = {"id": hashlib.sha256(f"{page.ts} {page.url}".encode()).hexdigest()[:16],
             "url": page.url, "ts": page.ts, **({"title": page.title} if page.title else {})}
    return (json.dumps(header) + "\n" + json.dumps(entry, ensure_ascii=False) + "\n").encode()


def package(
    out: Path,
    *,
    warc: Path,
    evidence: Iterable[Path],
    page: Page,
    metadata: Mapping[str, Any],
    sign: Signer | None = None,
) -> Packaged:
    """Write the WACZ at `out`. `metadata` goes into datapackage.json (title, created, software…);
    it must hold `created`, which a signature repeats."""
    members: list[tuple[str, Path | bytes]] = [
        (WARC_MEMBER, warc), (INDEX_MEMBER, cdxj_index(warc)), (PAGES_MEMBER, pages_jsonl(page)),
        *((EVIDENCE_DIR + path.name, path) for path in evidence),
    ]
    resources = []
    with zipfile.ZipFile(out, "w", allowZip64=True) as archive:
        for name, source in members:
            resources.append(_write(archive, name, source))
        datapackage = json.dumps({
            "profile": "data-package", "wacz_version": WACZ_VERSION, **metadata,
            "mainPageUrl": page.url, "mainPageDate": page.ts, "resources": resources,
        }, indent=2, ensure_ascii=False).encode("utf-8")
        _write(archive, DATAPACKAGE, datapackage)
        package_hash = "sha256:" + hashlib.sha256(datapackage).hexdigest()
        digest: dict[str, Any] = {"path": DATAPACKAGE, "hash": package_hash}
        if sign is not None:
            digest["signedData"] = dict(sign(package_hash, str(metadata["created"])))
        _write(archive, DIGEST, json.dumps(digest, indent=2).encode("utf-8"))
    return Packaged(out, package_hash, sha256_file(out))


def _write(archive: zipfile.ZipFile, name: str, source: Path | bytes) -> dict[str, Any]:
    """Add one member; its datapackage resource entry (name, path, hash, bytes)."""
    stored = name.endswith(_STORED_SUFFIXES)
    info = zipfile.ZipInfo(name, date_time=time.gmtime()[:6])
    info.compress_type = zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED
    # The size known up front: ZIP64 headers only where a file needs them (players read them).
    info.file_size = len(source) if isinstance(source, bytes) else source.stat().st_size
    digest, size = hashlib.sha256(), 0
    with archive.open(info, "w") as target:
        reader = io.BytesIO(source) if isinstance(source, bytes) else source.open("rb")
        with reader:
            while chunk := reader.read(_CHUNK):
                digest.update(chunk)
                size += len(chunk)
                target.write(chunk)
    return {"name": Path(name).name.lower(), "path": name,
            "hash": "sha256:" + digest.hexdigest(), "bytes": size}
