"""`scraper profile suggest URL`: render a page, write a draft profile for it, and show `profile test`
with the draft, so a person starts from selectors that already work on the page."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

import typer
from rich.text import Text

from scraper.base.errors import InputError
from scraper.cli.app import examples
from scraper.cli.output import err, out, output_target, write_atomic
from scraper.cli.profile_cmd import profile_app
from scraper.config.settings import check_deadline, load_settings

_NAME = re.compile(r"^[a-z0-9][a-z0-9_.-]*$")


def _name(url: str, output: Path | None) -> str:
    if output is None:
        host = urlsplit(url).hostname or "site"
        return re.sub(r"[^a-z0-9]+", "-", host.lower()).strip("-") or "site"
    if output.exists() and output.is_dir():
        raise InputError(f"--output {output}: is a folder; give a file such as {output}/mysite.yaml")
    if output.suffix not in (".yaml", ".yml") or not _NAME.match(output.stem):
        raise InputError(f"--output {output}: a profile file is NAME.yaml, NAME in lower-case letters, "
                         "digits, '.', '_' or '-' (the file name is the profile's name)")
    output_target(output)  # the rule of every file the CLI writes, checked before the browser
    return output.stem


@profile_app.command("suggest", epilog=examples(
    "scraper profile suggest https://example.org/post/",
    "scraper profile suggest https://example.org/post/ -o selectors/myblog.yaml",
))
def suggest_profile(
    url: str = typer.Argument(..., metavar="URL", help="The page to draft a profile for."),
    output: Path | None = typer.Option(None, "--output", "-o", metavar="FILE",
                                       help="Write the draft here (NAME.yaml)."),
    deadline: float | None = typer.Option(None, "--deadline", metavar="SECONDS",
                                          help="Seconds per render, up to 600 (default 45)."),
) -> None:
    """Render URL, infer a draft profile (title, author, date, body, comments, "load more"), check
    each selector on the page, and show `profile test` with the draft."""
    from scraper.base.urls import check_url
    from scraper.browser import BrowserSession
    from scraper.cli.profile_cmd import show_tested
    from scraper.service.profiles import draft_profile

    settings = load_settings()
    url = check_url(url)
    if deadline is not None:
        check_deadline(deadline, f"--deadline {deadline:g}")
    name = _name(url, output)
    with BrowserSession(settings) as session:
        drafted = draft_profile(session, url, name, deadline)
    header = f"# Draft profile for {url}, made by `scraper profile suggest`: check it, then edit.\n"
    if output is not None:
        write_atomic(output, header + drafted.yaml)
        err.print(Text(f"wrote {output}"))
    else:
        out.out(header + drafted.yaml, highlight=False)
    for note in drafted.notes:
        err.print(Text(f"note: {note}", style="yellow"))
    show_tested(drafted.test, as_json=False)
    extra = [f"{n} with {what}" for n, what in (
        (drafted.more_ids, "ids"), (drafted.more_parents, "their parent")) if n > 0]
    out.print(Text(
        f"{'✔' if drafted.same else '✘'} the draft's comment selectors give {drafted.comments} comments; "
        f"the fallback chain finds {drafted.detected}{'' if drafted.same else ', not the same'}"
        + (f" (the draft gives {', '.join(extra)} more)" if drafted.same and extra else ""),
        style="green" if drafted.same else "red"))
