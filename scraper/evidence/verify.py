"""Verify a bundle: every file's hash, the datapackage digest, the signature, the timestamp.

Pure over files and keys. Every check is reported (what, whether it held, why); one changed byte
anywhere fails the check that names its file. A capture folder is verified as its .wacz plus the
readable files beside it, each of which must equal its copy inside the package.
"""

from __future__ import annotations

import base64
import hashlib
import json
import zipfile
from collections import Counter
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography import x509

from scraper.base.errors import InputError
from scraper.base.times import from_iso, iso
from scraper.evidence import signing, wacz
from scraper.evidence.timestamp import TimestampError, check_stamp

_CHUNK = 1 << 16


@dataclass(frozen=True)
class Finding:
    subject: str  # the file (or part) checked
    ok: bool
    detail: str


@dataclass
class Report:
    wacz: Path
    findings: list[Finding] = field(default_factory=list)
    key_fingerprint: str | None = None
    timestamp: str | None = None

    @property
    def ok(self) -> bool:
        return bool(self.findings) and all(f.ok for f in self.findings)

    @property
    def failed(self) -> list[Finding]:
        return [f for f in self.findings if not f.ok]

    def add(self, subject: str, ok: bool, detail: str) -> bool:
        self.findings.append(Finding(subject, ok, detail))
        return ok

    def to_dict(self) -> dict[str, Any]:
        return {"wacz": str(self.wacz), "ok": self.ok, "key_fingerprint": self.key_fingerprint,
                "timestamp": self.timestamp,
                "checks": [{"subject": f.subject, "ok": f.ok, "detail": f.detail}
                           for f in self.findings]}


def find_wacz(path: Path) -> Path:
    """`path` itself, or the one .wacz in a capture folder; InputError otherwise."""
    if path.is_file() and path.suffix == ".wacz":
        return path
    if path.is_dir():
        found = sorted(path.glob("*.wacz"))
        if len(found) == 1:
            return found[0]
        raise InputError(f"{path}: a capture folder holds exactly one .wacz; found {len(found)}")
    raise InputError(f"{path}: neither a .wacz file nor a capture folder")


def verify(path: Path, *, tsa_certs: Sequence[x509.Certificate] = (),
           own_keys: Collection[str] = (), trusted: Collection[str] | None = None) -> Report:
    """Check the bundle at `path`. `own_keys` (base64 public keys) name this installation's keys
    in the report; `trusted` (key fingerprints), when given, are the only keys a signature may be
    by; `tsa_certs` are the TSA certificates a timestamp must chain to."""
    report = Report(find_wacz(path))
    try:
        with zipfile.ZipFile(report.wacz) as archive:
            if not _unique_names(archive, report):
                return report
            resources = _members(archive, report)
            if resources is not None and path.is_dir():
                _loose_files(path, resources, report)
            if resources is not None:
                _signature(archive, report, tsa_certs, own_keys, trusted)
    except (zipfile.BadZipFile, OSError) as exc:
        report.add(report.wacz.name, False, f"not a readable ZIP file ({exc})")
    return report


def _unique_names(archive: zipfile.ZipFile, report: Report) -> bool:
    """A name twice in one ZIP is a forgery's tool: zipfile reads the last entry, other readers the
    first, so the file checked need not be the file another tool shows."""
    twice = sorted(name for name, count in Counter(archive.namelist()).items() if count > 1)
    for name in twice:
        report.add(name, False, "more than one entry of this name in the ZIP: readers disagree "
                                "which one is the file")
    return not twice


def _read(archive: zipfile.ZipFile, name: str, report: Report) -> bytes | None:
    try:
        return archive.read(name)
    except KeyError:
        report.add(name, False, "missing from the package")
    except (zipfile.BadZipFile, OSError) as exc:  # a changed byte in a compressed member
        report.add(name, False, f"damaged ({exc})")
    return None


def _members(archive: zipfile.ZipFile, report: Report) -> dict[str, dict[str, Any]] | None:
    """Check every resource the datapackage lists, and that it lists every member."""
    raw = _read(archive, wacz.DATAPACKAGE, report)
    if raw is None:
        return None
    try:
        resources = {r["path"]: r for r in json.loads(raw)["resources"]}
    except (ValueError, KeyError, TypeError) as exc:
        report.add(wacz.DATAPACKAGE, False, f"not a valid datapackage ({exc})")
        return None
    for name, resource in resources.items():
        _member(archive, name, resource, report)
    for name in archive.namelist():
        if name not in resources and name not in (wacz.DATAPACKAGE, wacz.DIGEST):
            report.add(name, False, "in the package but not listed in datapackage.json")
    return resources


def _member(archive: zipfile.ZipFile, name: str, resource: dict[str, Any], report: Report) -> None:
    digest, size = hashlib.sha256(), 0
    try:
        with archive.open(name) as member:
            while chunk := member.read(_CHUNK):
                digest.update(chunk)
                size += len(chunk)
    except KeyError:
        report.add(name, False, "listed in datapackage.json but missing from the package")
        return
    except (zipfile.BadZipFile, OSError) as exc:
        report.add(name, False, f"damaged ({exc})")
        return
    actual = "sha256:" + digest.hexdigest()
    if actual != resource.get("hash") or size != resource.get("bytes"):
        report.add(name, False, f"hash {actual} ({size} bytes) differs from the datapackage's "
                                f"{resource.get('hash')} ({resource.get('bytes')} bytes)")
        return
    report.add(name, True, f"{actual} ({size} bytes)")


def _loose_files(folder: Path, resources: dict[str, dict[str, Any]], report: Report) -> None:
    """The readable copies beside the .wacz must be the files inside it."""
    for path in sorted(folder.iterdir()):
        if path == report.wacz or not path.is_file() or path.name.startswith("."):
            continue
        resource = resources.get(wacz.EVIDENCE_DIR + path.name)
        if resource is None:
            report.add(path.name, False, "beside the .wacz but not in it")
            continue
        actual = "sha256:" + wacz.sha256_file(path)
        if actual != resource.get("hash"):
            report.add(path.name, False, f"hash {actual} differs from its copy in the .wacz")
        else:
            report.add(path.name, True, "equals its copy in the .wacz")


def _signature(archive: zipfile.ZipFile, report: Report, tsa_certs: Sequence[x509.Certificate],
               own_keys: Collection[str], trusted: Collection[str] | None) -> None:
    datapackage = _read(archive, wacz.DATAPACKAGE, report)
    raw = _read(archive, wacz.DIGEST, report)
    if datapackage is None or raw is None:
        return
    try:
        digest = json.loads(raw)
        created = json.loads(datapackage).get("created")
        signed = digest["signedData"]
    except (ValueError, KeyError, TypeError, AttributeError):
        report.add(wacz.DIGEST, False, "no readable signedData: the package is not signed")
        return
    actual = "sha256:" + hashlib.sha256(datapackage).hexdigest()
    if digest.get("hash") != actual or signed.get("hash") != actual:
        report.add(wacz.DATAPACKAGE, False,
                   f"hash {actual} is not the one in {wacz.DIGEST}: changed after signing")
        return
    report.add(wacz.DATAPACKAGE, True, f"{actual}, as in {wacz.DIGEST}")
    if signed.get("created") != created:
        report.add(wacz.DIGEST, False, "the signature's `created` is not the datapackage's")
        return
    try:
        signing.check(signed)
    except ValueError as exc:
        report.add(wacz.DIGEST, False, f"signature: {exc}")
        return
    report.key_fingerprint = signing.fingerprint(signed["publicKey"])
    whose = " (this installation's key)" if signed["publicKey"] in own_keys else ""
    report.add(wacz.DIGEST, True, f"signature valid: ECDSA key sha256:{report.key_fingerprint}{whose}")
    if trusted is not None:
        if report.key_fingerprint in trusted:
            report.add("signing key", True, f"sha256:{report.key_fingerprint} is a trusted key")
        else:
            report.add("signing key", False,
                       f"signed by key sha256:{report.key_fingerprint}, which is not one of the "
                       f"{len(trusted)} trusted key(s)")
    if "timeSignature" in signed:
        _timestamp(signed, str(created), report, tsa_certs)
    else:  # not a failure, but say it: without a stamp the time rests on this machine's clock
        report.add(wacz.DIGEST, True, "not timestamped (no RFC 3161 timestamp; SCRAPER_TSA_URL "
                                       "names a timestamp authority)")


def _timestamp(signed: dict[str, Any], created: str, report: Report,
               tsa_certs: Sequence[x509.Certificate]) -> None:
    try:
        moment = from_iso(created)
        stamp = check_stamp(base64.b64decode(signed["timeSignature"]),
                            base64.b64decode(signed["signature"]), moment, tsa_certs)
    except (TimestampError, ValueError) as exc:
        report.add(wacz.DIGEST, False, f"timestamp: {exc}")
        return
    report.timestamp = iso(stamp.time)
    if stamp.trusted is False:
        report.add(wacz.DIGEST, False,
                   f"timestamp by {stamp.tsa} does not chain to the given TSA certificate")
        return
    trust = ("chains to the given TSA certificate" if stamp.trusted
             else "its TSA certificate was not checked against a trusted one (give --tsa-cert)")
    report.add(wacz.DIGEST, True,
               f"RFC 3161 timestamp {report.timestamp} by {stamp.tsa} matches the signature; {trust}")
