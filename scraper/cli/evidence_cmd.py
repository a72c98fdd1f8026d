"""`scraper verify PATH` and `scraper captures`: check a bundle, list the bundles."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.text import Text

from scraper.base.errors import InputError, JobFailed
from scraper.base.terminal import safe
from scraper.cli.app import app, examples
from scraper.cli.common import json_option, wide_option
from scraper.cli.output import out, print_json
from scraper.config.settings import load_settings


@app.command("verify", epilog=examples(
    "scraper verify storage/captures/20261127T120306Z-example.org/",
    "scraper verify bundle.wacz --tsa-cert tsa.pem --json",
    "scraper verify bundle.wacz --key 3f1c…(64 hex digits) --key colleague.pub.pem",
))
def verify_command(
    path: Path = typer.Argument(..., metavar="PATH", help="A .wacz file, or a capture folder."),
    tsa_cert: list[Path] = typer.Option([], "--tsa-cert", metavar="FILE",
                                        help="A TSA certificate (PEM) the timestamp must chain to."),
    key: list[str] = typer.Option([], "--key", metavar="FINGERPRINT|PEM",
                                  help="Require a signature by this key: its SHA-256 fingerprint, "
                                       "or a PEM public key file (repeatable)."),
    trusted_keys: Path | None = typer.Option(None, "--trusted-keys", metavar="FILE",
                                             help="Require a signature by a key this file names "
                                                  "(PEM keys and fingerprints; adds to "
                                                  "SCRAPER_TRUSTED_KEYS)."),
    as_json: bool = json_option("the checks"),
) -> None:
    """Check every file's hash, the datapackage digest, the signature and the timestamp."""
    from cryptography import x509

    from scraper.evidence import signing
    from scraper.evidence.verify import verify

    certs = []
    for cert_path in tsa_cert:
        try:
            certs.extend(x509.load_pem_x509_certificates(cert_path.read_bytes()))
        except (OSError, ValueError) as exc:
            raise InputError(f"--tsa-cert {cert_path}: not a PEM certificate ({exc})") from None
    settings = load_settings()
    trusted = _trusted(key, trusted_keys, settings.trusted_keys)
    report = verify(path, tsa_certs=certs, own_keys=signing.own_keys(settings.keys_dir),
                    trusted=trusted)
    if as_json:
        print_json(report.to_dict())
    else:
        for finding in report.findings:
            line = Text("ok     " if finding.ok else "FAILED ", style="green" if finding.ok else "bold red")
            line.append(safe(finding.subject), style="bold")
            line.append("  " + safe(finding.detail))
            out.print(line, soft_wrap=True)  # hashes stay on one line, whole
    if not report.ok:
        names = ", ".join(sorted({f.subject for f in report.failed})) or report.wacz.name
        raise JobFailed(f"{report.wacz}: verification failed: {names}")
    if not as_json:
        out.print(Text(f"verified: {report.wacz}", style="bold green"), soft_wrap=True)


def _trusted(keys: list[str], file: Path | None, setting: Path | None) -> set[str] | None:
    """The fingerprints a signature must be by, from --key, --trusted-keys and the setting; None
    when none of them is given (any valid signature holds)."""
    from scraper.evidence import signing

    if not keys and file is None and setting is None:
        return None
    found: set[str] = set()
    sources: list[tuple[str, str | Path]] = [(f"--key {value}", value) for value in keys]
    sources += [(f"--trusted-keys {file}", file)] if file is not None else []
    sources += [(f"SCRAPER_TRUSTED_KEYS={str(setting)!r}", setting)] if setting is not None else []
    for where, source in sources:
        try:
            if isinstance(source, str) and not Path(source).is_file():
                found |= signing.trusted_fingerprints(source, where)  # a fingerprint or PEM text
            else:
                found |= signing.trusted_fingerprints(Path(source).read_text(encoding="utf-8"), where)
        except (OSError, UnicodeDecodeError) as exc:
            raise InputError(f"{where}: unreadable ({exc})", where=where.split()[0]) from None
        except ValueError as exc:
            raise InputError(str(exc), where=where.split()[0]) from None
    if not found:
        raise InputError(f"{sources[0][0]}: names no key", where=sources[0][0].split()[0])
    return found


@app.command("captures", epilog=examples("scraper captures", "scraper captures --case acme --json"))
def captures_command(
    case: str | None = typer.Option(None, "--case", metavar="NAME", help="Only this case's captures."),
    wide: bool = wide_option(),
    as_json: bool = json_option("the captures"),
) -> None:
    """List the evidence captures, newest first."""
    from scraper.service.captures import listing
    from scraper.store import open_db

    rows = listing(open_db(load_settings(), read_only=True), case)
    if as_json:
        print_json([r.model_dump() for r in rows])
        return
    from scraper.cli.fit import Column, fitted, print_fitted
    from scraper.cli.watch_view import relative

    columns = [Column("id"), Column("captured"), Column("url", cut="middle", least=24),
               Column("case", priority=2, cut="end", least=8), Column("check", priority=3),
               Column("folder", priority=1, cut="middle", least=20),
               Column("sha256", priority=4)]
    cells: list[list[str | Text]] = [
        [str(r.id), relative(r.captured_at) if r.captured_at else "-", Text(safe(r.url)),
         Text(safe(r.case or "")), str(r.check_id or ""), Text(safe(r.path)), r.package_hash[:16]]
        for r in rows]
    print_fitted(fitted(columns, cells, out.width, wide=wide), wide=wide)
