"""Packaging, signing and verification as functions over files and keys: no browser."""

from __future__ import annotations

import base64
import hashlib
import json
import stat
import subprocess
import sys
import warnings
import zipfile
from io import BytesIO
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from scraper.evidence import signing, wacz
from scraper.evidence.bodies import restore
from scraper.evidence.verify import verify
from tests.evidence_util import flip, rewrite_member

URL = "http://127.0.0.1:1/post/"
CREATED = "2026-11-30T10:00:00Z"


def write_warc(path: Path) -> None:
    with path.open("wb") as handle:
        writer = WARCWriter(handle, gzip=True)
        headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html")], protocol="HTTP/1.1")
        writer.write_record(writer.create_warc_record(
            URL, "response", payload=BytesIO(b"<h1>hello</h1>"), http_headers=headers))


@pytest.fixture
def keys(tmp_path: Path) -> signing.KeyPair:
    return signing.load_or_create(tmp_path / "keys")


@pytest.fixture
def bundle(tmp_path: Path, keys: signing.KeyPair) -> Path:
    return make_bundle(tmp_path, keys)


def make_bundle(tmp_path: Path, keys: signing.KeyPair) -> Path:
    """A capture folder: the readable files and the signed .wacz that holds them."""
    folder = tmp_path / "capture"
    folder.mkdir(parents=True)
    warc = tmp_path / "data.warc.gz"
    write_warc(warc)
    (folder / "record.json").write_text('{"url": "x"}\n')
    (folder / "screenshot.png").write_bytes(b"\x89PNG fake")
    evidence = sorted(folder.iterdir())

    def sign(package_hash: str, created: str) -> dict[str, object]:
        return signing.sign(keys, package_hash, created, "scraper", "test")

    wacz.package(folder / "capture.wacz", warc=warc, evidence=evidence,
                 page=wacz.Page(URL, CREATED, "Hello"), metadata={"created": CREATED}, sign=sign)
    return folder


def failed(folder: Path) -> set[str]:
    return {f.subject for f in verify(folder).failed}


def test_a_fresh_bundle_verifies_and_lists_every_file(bundle: Path, keys: signing.KeyPair) -> None:
    report = verify(bundle, own_keys=[keys.public_b64])
    assert report.ok, report.failed
    subjects = {f.subject for f in report.findings}
    assert {"archive/data.warc.gz", "indexes/index.cdx", "pages/pages.jsonl",
            "evidence/record.json", "evidence/screenshot.png", "record.json", "screenshot.png",
            "datapackage.json", "datapackage-digest.json"} <= subjects
    assert report.key_fingerprint == keys.fingerprint
    assert any("this installation's key" in f.detail for f in report.findings)


def test_the_wacz_is_laid_out_as_the_spec_says(bundle: Path) -> None:
    with zipfile.ZipFile(bundle / "capture.wacz") as archive:
        names = archive.namelist()
        warc_info = archive.getinfo(wacz.WARC_MEMBER)
        datapackage = json.loads(archive.read(wacz.DATAPACKAGE))
        pages = archive.read(wacz.PAGES_MEMBER).decode().splitlines()
        index = archive.read(wacz.INDEX_MEMBER).decode()
    assert all("/" in n for n in names if not n.startswith("datapackage"))
    assert warc_info.compress_type == zipfile.ZIP_STORED  # replay seeks inside it
    assert datapackage["wacz_version"] == "1.1.1" and datapackage["created"] == CREATED
    assert {r["path"] for r in datapackage["resources"]} == set(names) - {
        wacz.DATAPACKAGE, wacz.DIGEST}
    assert all(r["hash"].startswith("sha256:") for r in datapackage["resources"])
    assert json.loads(pages[0])["format"] == "json-pages-1.0"
    assert json.loads(pages[1])["url"] == URL
    assert '"filename": "data.warc.gz"' in index and "127:1)/post" in index


def test_wacz_validate_accepts_it(bundle: Path) -> None:
    result = subprocess.run([sys.executable, "-m", "wacz", "validate", "-f",
                             str(bundle / "capture.wacz")], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Validation succeeded" in result.stdout


@pytest.mark.parametrize("member", ["archive/data.warc.gz", "indexes/index.cdx",
                                    "pages/pages.jsonl", "evidence/record.json",
                                    "evidence/screenshot.png"])
def test_one_changed_byte_in_any_member_fails_naming_it(bundle: Path, member: str) -> None:
    rewrite_member(bundle / "capture.wacz", member, at=5)
    assert failed(bundle) == {member}


def test_a_changed_datapackage_fails_naming_it(bundle: Path) -> None:
    wacz_file = bundle / "capture.wacz"
    with zipfile.ZipFile(wacz_file) as archive:
        text = archive.read(wacz.DATAPACKAGE)
    rewrite_member(wacz_file, wacz.DATAPACKAGE, flip(text, text.index(b"created") + 12))
    assert failed(bundle) == {wacz.DATAPACKAGE}


def test_a_changed_signature_fails_naming_the_digest_file(bundle: Path) -> None:
    wacz_file = bundle / "capture.wacz"
    with zipfile.ZipFile(wacz_file) as archive:
        digest = json.loads(archive.read(wacz.DIGEST))
    raw = base64.b64decode(digest["signedData"]["signature"])
    digest["signedData"]["signature"] = base64.b64encode(flip(raw, 7)).decode()
    rewrite_member(wacz_file, wacz.DIGEST, json.dumps(digest).encode())
    report = verify(bundle)
    assert {f.subject for f in report.failed} == {wacz.DIGEST}
    assert "signature does not match" in report.failed[0].detail


def test_a_raw_byte_flipped_in_the_file_fails(bundle: Path) -> None:
    wacz_file = bundle / "capture.wacz"
    with zipfile.ZipFile(wacz_file) as archive:
        offset = archive.getinfo("evidence/screenshot.png").header_offset + 40
    data = bytearray(wacz_file.read_bytes())
    data[offset] ^= 0x01
    wacz_file.write_bytes(bytes(data))
    report = verify(bundle)
    assert not report.ok
    assert "evidence/screenshot.png" in {f.subject for f in report.failed}


def test_a_changed_readable_copy_fails_naming_it(bundle: Path) -> None:
    (bundle / "record.json").write_text('{"url": "y"}\n')
    assert failed(bundle) == {"record.json"}


def test_a_file_added_to_the_package_fails(bundle: Path) -> None:
    with zipfile.ZipFile(bundle / "capture.wacz", "a") as archive:
        archive.writestr("evidence/extra.txt", b"planted")
    assert failed(bundle) == {"evidence/extra.txt"}


def test_an_unsigned_package_fails(bundle: Path) -> None:
    rewrite_member(bundle / "capture.wacz", wacz.DIGEST, b'{"path": "datapackage.json"}')
    assert wacz.DIGEST in failed(bundle)


def test_the_private_key_is_0600_and_reused(tmp_path: Path, keys: signing.KeyPair) -> None:
    private = tmp_path / "keys" / signing.PRIVATE_KEY
    assert stat.S_IMODE(private.stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "keys").stat().st_mode) == 0o700
    assert signing.load_or_create(tmp_path / "keys").public_b64 == keys.public_b64


def test_a_signature_is_p384_raw_and_checks(keys: signing.KeyPair) -> None:
    signed = signing.sign(keys, "sha256:abc", CREATED, "scraper", "test")
    assert len(base64.b64decode(signed["signature"])) == 96  # r||s, as WebCrypto gives
    assert keys.private.curve.name == "secp384r1"  # the curve ReplayWeb.page imports keys with
    signing.check(signed)
    with pytest.raises(ValueError, match="does not match"):
        signing.check({**signed, "hash": "sha256:abd"})


def legacy_p256_key(keys_dir: Path) -> signing.KeyPair:
    """The P-256 key an installation made before P-384, where it kept it."""
    private = ec.generate_private_key(ec.SECP256R1())
    keys_dir.mkdir(parents=True, exist_ok=True)
    (keys_dir / signing.LEGACY_PRIVATE_KEY).write_bytes(private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()))
    der = private.public_key().public_bytes(serialization.Encoding.DER,
                                            serialization.PublicFormat.SubjectPublicKeyInfo)
    return signing.KeyPair(private, base64.b64encode(der).decode("ascii"))


def test_an_old_p256_bundle_still_verifies_as_this_installations(tmp_path: Path) -> None:
    keys_dir = tmp_path / "home-keys"
    old = legacy_p256_key(keys_dir)
    folder = make_bundle(tmp_path / "old", old)
    new = signing.load_or_create(keys_dir)  # an upgraded installation: a new P-384 key beside it
    assert new.private.curve.name == "secp384r1" and new.public_b64 != old.public_b64
    assert (keys_dir / signing.LEGACY_PRIVATE_KEY).is_file()  # the old key is kept, not replaced
    report = verify(folder, own_keys=signing.own_keys(keys_dir))
    assert report.ok, report.failed
    assert "(this installation's key)" in next(
        f.detail for f in report.findings if f.detail.startswith("signature valid"))
    assert verify(folder, trusted={old.fingerprint}).ok


def test_a_duplicate_entry_name_fails_whichever_entry_a_reader_takes(bundle: Path) -> None:
    # The forgery of the report: a tampered evidence/record.json first, the genuine one last, so
    # zipfile (which reads the last) sees the signed bytes and other readers the tampered ones.
    wacz_path = bundle / "capture.wacz"
    with zipfile.ZipFile(wacz_path) as source:
        members = [(info, source.read(info.filename)) for info in source.infolist()]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # zipfile's own "Duplicate name" warning
        with zipfile.ZipFile(wacz_path, "w") as target:
            target.writestr("evidence/record.json", b'{"url": "forged"}\n')
            for info, data in members:
                target.writestr(info, data)
    report = verify(bundle)
    assert not report.ok
    assert [(f.subject, f.detail) for f in report.failed] == [
        ("evidence/record.json", "more than one entry of this name in the ZIP: readers disagree "
                                 "which one is the file")]


def resign_forgery(folder: Path, forger: signing.KeyPair) -> None:
    """The report's forgery: the record edited, the datapackage and its digest re-hashed and
    re-signed with the forger's own key. Every hash and the signature hold."""
    path = folder / "capture.wacz"
    forged = b'{"url": "forged"}\n'
    with zipfile.ZipFile(path) as source:
        members = {info.filename: source.read(info.filename) for info in source.infolist()}
    package = json.loads(members[wacz.DATAPACKAGE])
    for resource in package["resources"]:
        if resource["path"] == "evidence/record.json":
            resource["hash"] = "sha256:" + hashlib.sha256(forged).hexdigest()
            resource["bytes"] = len(forged)
    members["evidence/record.json"] = forged
    members[wacz.DATAPACKAGE] = json.dumps(package).encode()
    package_hash = "sha256:" + hashlib.sha256(members[wacz.DATAPACKAGE]).hexdigest()
    digest = json.loads(members[wacz.DIGEST])
    digest["hash"] = package_hash
    digest["signedData"] = signing.sign(forger, package_hash, package["created"], "scraper", "x")
    members[wacz.DIGEST] = json.dumps(digest).encode()
    with zipfile.ZipFile(path, "w") as target:
        for name, data in members.items():
            target.writestr(name, data)
    (folder / "record.json").write_bytes(forged)


def test_a_bundle_resigned_by_another_key_fails_when_a_key_is_required(
        tmp_path: Path, bundle: Path, keys: signing.KeyPair) -> None:
    resign_forgery(bundle, signing.load_or_create(tmp_path / "forger"))
    assert verify(bundle).ok  # without a key to require, a re-signed forgery holds: why --key exists
    report = verify(bundle, own_keys=[keys.public_b64], trusted={keys.fingerprint})
    assert [f.subject for f in report.failed] == ["signing key"]
    assert "which is not one of the 1 trusted key(s)" in report.failed[0].detail


def test_trusted_keys_text_takes_pem_keys_and_fingerprints(tmp_path: Path,
                                                          keys: signing.KeyPair) -> None:
    other = signing.load_or_create(tmp_path / "other")
    pem = (tmp_path / "other" / signing.PUBLIC_KEY).read_text()
    text = f"# ours\nsha256:{keys.fingerprint.upper()}\n\n{pem}"
    assert signing.trusted_fingerprints(text, "keys.txt") == {keys.fingerprint, other.fingerprint}
    with pytest.raises(ValueError, match=r"keys.txt, line 2: neither a PEM public key"):
        signing.trusted_fingerprints("# x\nnot-a-key\n", "keys.txt")
    with pytest.raises(ValueError, match="without its -----END line"):
        signing.trusted_fingerprints(pem.splitlines()[0], "keys.txt")


def test_bodies_are_kept_when_exact_and_restored_when_transcoded() -> None:
    latin = "café".encode("latin-1")
    as_browser_gives = "café".encode()
    headers = {"Content-Type": "text/html; charset=ISO-8859-1", "Content-Length": str(len(latin))}
    restored = restore(as_browser_gives, headers)
    assert restored.data == latin and "restored" in (restored.note or "")
    assert restore(latin, headers).data == latin and restore(latin, headers).note is None
    utf8 = {"Content-Type": "text/html; charset=utf-8", "Content-Length": "5"}
    assert restore(as_browser_gives, utf8).note is None
    meta = b'<meta charset="windows-1252"><p>caf\xc3\xa9'
    assert restore(meta, {"Content-Type": "text/html"}).data == b'<meta charset="windows-1252"><p>caf\xe9'
    cut = restore(b"abc", {"Content-Type": "image/png", "Content-Length": "10"})
    assert cut.data == b"abc" and "announced 10" in (cut.note or "")


def test_verify_key_options_require_the_signers_key(
        tmp_path: Path, bundle: Path, keys: signing.KeyPair, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    from scraper.cli import main

    pem = tmp_path / "keys" / signing.PUBLIC_KEY
    assert main(["verify", str(bundle), "--key", keys.fingerprint]) == 0
    assert main(["verify", str(bundle), "--key", str(pem)]) == 0
    capsys.readouterr()
    other = signing.load_or_create(tmp_path / "other")
    assert main(["verify", str(bundle), "--key", other.fingerprint]) == 1
    out = capsys.readouterr().out
    assert f"FAILED signing key  signed by key sha256:{keys.fingerprint}, which is not one" in out
    listed = tmp_path / "trusted.txt"
    listed.write_text(f"# the desk's keys\n{other.fingerprint}\n")
    assert main(["verify", str(bundle), "--trusted-keys", str(listed)]) == 1
    monkeypatch.setenv("SCRAPER_TRUSTED_KEYS", str(listed))
    assert main(["verify", str(bundle)]) == 1
    assert main(["verify", str(bundle), "--key", keys.fingerprint]) == 0  # adds to the setting
    capsys.readouterr()
    assert main(["verify", str(bundle), "--key", "abc123"]) == 2
    assert "--key abc123, line 1: neither a PEM public key nor a SHA-256" in capsys.readouterr().err
