"""Evidence beyond one capture: an RFC 3161 timestamp from a loopback TSA, a batch from a file of
URLs (one bad), and a watch that leaves a bundle when a check finds changes."""

from __future__ import annotations

import base64
import json
import zipfile
from dataclasses import replace
from pathlib import Path

import pytest

from scraper.browser import BrowserSession
from scraper.cli import main
from scraper.config.settings import Settings, load_settings
from scraper.demo.site import DemoSite
from scraper.evidence import signing
from scraper.evidence.bundle import capture_evidence
from scraper.evidence.on_change import EvidenceOnChange
from scraper.evidence.recording import CaptureOptions
from scraper.pipeline.check import run_check
from scraper.store import open_db
from scraper.watches.operations import WatchSpec, add_watch
from tests.evidence_util import flip, rewrite_member
from tests.fixtures.tsa import Tsa

pytestmark = pytest.mark.browser


def test_a_loopback_tsa_stamps_the_signature_and_verify_checks_it(
    tsa: Tsa, demo_site: DemoSite, chromium: BrowserSession, settings: Settings,
    tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    settings = replace(settings, tsa_url=tsa.url)
    engine = open_db(settings)
    bundle = capture_evidence(demo_site.article_url, settings=settings, engine=engine,
                              options=CaptureOptions(), session=chromium)
    engine.dispose()
    assert bundle.timestamp and bundle.timestamp_error is None
    assert len(tsa.stamps) == 1
    with zipfile.ZipFile(bundle.wacz) as archive:
        signed = json.loads(archive.read("datapackage-digest.json"))["signedData"]
    assert base64.b64decode(signed["timeSignature"]) == tsa.stamps[0]
    assert "BEGIN CERTIFICATE" in signed["timestampCert"]

    assert main(["verify", str(bundle.folder)]) == 0
    out = capsys.readouterr().out
    assert f"RFC 3161 timestamp {bundle.timestamp} by CN=Scraper Test TSA matches" in out
    assert "not timestamped" not in out
    assert main(["verify", str(bundle.folder), "--tsa-cert", str(tsa.ca_pem)]) == 0
    assert "chains to the given TSA certificate" in capsys.readouterr().out
    # Another authority's certificate: the stamp does not chain to it.
    other = tmp_path / "other.pem"
    other.write_text(signed["timestampCert"])  # the TSA's own leaf is no trust anchor
    assert main(["verify", str(bundle.folder), "--tsa-cert", str(other)]) == 1
    assert "does not chain" in capsys.readouterr().out
    # A stamp of another signature is refused, naming the digest file.
    signed["timeSignature"] = base64.b64encode(flip(tsa.stamps[0], -20)).decode()
    rewrite_member(bundle.wacz, "datapackage-digest.json",
                   json.dumps({"path": "datapackage.json", "hash": signed["hash"],
                               "signedData": signed}).encode())
    assert main(["verify", str(bundle.wacz)]) == 1
    captured = capsys.readouterr()
    assert "FAILED datapackage-digest.json  timestamp:" in captured.out


def test_a_batch_of_five_with_one_bad_gives_four_bundles_and_resumes(
    demo_site: DemoSite, tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    good = [f"{demo_site.article_url}?copy={n}" for n in range(1, 5)]
    bad = demo_site.base_url + "/no/such/post/"
    urls = tmp_path / "urls.txt"
    urls.write_text("# the case file\n" + "\n".join([good[0], good[1], bad, good[2], good[3]]) + "\n\n")
    out = tmp_path / "bundles"
    argv = ["capture", "--evidence", "--from-file", str(urls), "--case", "case-7", "--out", str(out)]

    assert main(argv) == 1
    captured = capsys.readouterr()
    assert "1 of 5 captures failed; the others are kept" in captured.err
    assert "failed" in captured.out and "HTTP 404" in captured.out  # the summary's failed row
    folders = sorted(p for p in out.iterdir() if p.is_dir())
    assert len(folders) == 4 and all(len(list(f.glob("*.wacz"))) == 1 for f in folders)
    pem = (Path(load_settings().keys_dir) / signing.PRIVATE_KEY).read_text()
    assert "".join(pem.splitlines()[1:-1]) not in captured.out + captured.err

    # A rerun skips what the case holds, and tries the bad one again.
    assert main([*argv, "--json"]) == 1
    rows = json.loads(capsys.readouterr().out)
    assert [r["outcome"] for r in rows] == ["skipped", "skipped", "failed", "skipped", "skipped"]
    assert len([p for p in out.iterdir() if p.is_dir()]) == 4
    assert main(["captures", "--case", "case-7", "--json"]) == 0
    assert sorted(r["url"] for r in json.loads(capsys.readouterr().out)) == sorted(good)


def test_a_batch_file_with_a_malformed_line_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    urls = tmp_path / "urls.txt"
    urls.write_text("http://127.0.0.1:1/a\nftp://example.org/file\n")
    assert main(["capture", "--evidence", "--from-file", str(urls)]) == 2
    assert f"{urls}:2:" in capsys.readouterr().err
    assert not (Path(load_settings().home)).exists()


def test_a_watch_with_evidence_on_change_leaves_a_bundle_when_a_check_finds_changes(
    demo_site: DemoSite, chromium: BrowserSession, capsys: pytest.CaptureFixture[str],
) -> None:
    settings = load_settings()
    engine = open_db(settings)
    watch = add_watch(engine, WatchSpec(url=demo_site.article_url, name="lavrov",
                                        evidence_on_change=True), settings)
    assert watch.id is not None and watch.evidence_on_change
    hook = EvidenceOnChange(settings)  # as the CLI, the dashboard and the daemon pass it
    baseline = run_check(engine, watch.id, chromium, hook=hook)
    # The baseline keeps its bundle: every comment a later check reports is in some bundle.
    assert baseline.baseline and baseline.evidence is not None
    assert [p.name for p in settings.captures_dir.iterdir()] == [baseline.evidence.name]

    unchanged = run_check(engine, watch.id, chromium, hook=hook)
    assert not unchanged.changes and unchanged.evidence is None  # nothing kept, no staging left
    assert [p.name for p in settings.captures_dir.iterdir()] == [baseline.evidence.name]

    demo_site.add_comment("Ann", "A new comment worth keeping.")
    changed = run_check(engine, watch.id, chromium, hook=hook)
    assert [c.kind for c in changed.changes] == ["comment_added"]
    assert changed.evidence is not None and changed.evidence.parent == settings.captures_dir
    assert sorted(p.name for p in settings.captures_dir.iterdir()) == sorted(
        [baseline.evidence.name, changed.evidence.name])
    provenance = json.loads((changed.evidence / "provenance.json").read_text())
    assert provenance["options"]["check_id"] == changed.check.id
    record = json.loads((changed.evidence / "record.json").read_text())
    assert "A new comment worth keeping." in [c["text"] for c in record["comments"]]
    assert changed.to_dict()["evidence"] == str(changed.evidence)
    engine.dispose()

    assert main(["captures", "--json"]) == 0
    row, first = json.loads(capsys.readouterr().out)  # newest first
    assert row["check_id"] == changed.check.id and row["path"] == str(changed.evidence)
    assert first["check_id"] == baseline.check.id
    assert main(["verify", str(changed.evidence)]) == 0


def test_capture_evidence_from_the_command_line_into_a_given_folder(
    demo_site: DemoSite, tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    out = tmp_path / "exhibit-1"
    code = main(["capture", demo_site.article_url, "--evidence", "--out", str(out), "--case", "c",
                 "--note", "exhibit 1", "--json"])
    assert code == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed["bundle"]["folder"] == str(out.resolve())
    assert printed["bundle"]["wacz"] == str(out.resolve() / "exhibit-1.wacz")
    assert printed["record"] == json.loads((out / "record.json").read_text())
    assert sorted(printed["bundle"]["files"]) == sorted(p.name for p in out.iterdir())
    assert main(["verify", str(out)]) == 0


@pytest.mark.parametrize("argv, message", [
    (["--case", "c"], "--case belongs to an evidence capture: add --evidence"),
    (["--evidence", "--out", "{nonempty}"], "exists and is not an empty folder"),
    (["--from-file", "{file}"], "--from-file captures evidence bundles: add --evidence"),
])
def test_evidence_options_are_checked_before_anything_is_written(
    argv: list[str], message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    nonempty = tmp_path / "full"
    nonempty.mkdir()
    (nonempty / "keep.txt").write_text("mine")
    (tmp_path / "urls.txt").write_text("http://127.0.0.1:1/\n")
    args = [a.format(nonempty=nonempty, file=tmp_path / "urls.txt") for a in argv]
    assert main(["capture", "http://127.0.0.1:1/", *args]) == 2
    assert message in capsys.readouterr().err
    assert not load_settings().home.exists()
    assert [p.name for p in nonempty.iterdir()] == ["keep.txt"]
