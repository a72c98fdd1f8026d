"""The README and the manual's pages (`docs/*.md`) say what is true: every command they show exists
with the options they show, every command is documented, every setting they document is read by the
code (and every one read is documented), the record example has the record's exact keys, and every
relative link and picture points at a file that exists."""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path
from typing import Any

import pytest
import typer.main

from scraper.cli.commands import app
from scraper.model.record import Record

REPO = Path(__file__).resolve().parents[1]
PAGES = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
TEXTS = {page: page.read_text(encoding="utf-8") for page in PAGES}
# The manual as one text: what a reader can find in the README or any page of docs/.
README = "\n\n".join(TEXTS.values())


def section(title: str) -> str:
    """The section under a heading (any level) of that title, up to the next heading as high."""
    match = re.search(rf"^(#+) {re.escape(title)}\n(.*)", README, flags=re.M | re.S)
    assert match is not None, f"no section {title!r} in the README or docs/"
    level, rest = len(match.group(1)), match.group(2)
    end = re.search(rf"^#{{1,{level}}} ", rest, flags=re.M)
    return rest[: end.start()] if end else rest


def command_lines() -> list[str]:
    """`scraper …` lines from the shell blocks and the command tables of the README and docs/."""
    lines = []
    for block in re.findall(r"```sh\n(.*?)```", README, flags=re.S):
        for line in block.splitlines():
            line = line.split("#", 1)[0].strip()
            if line.startswith("scraper "):
                lines.append(line)
    for cell in re.findall(r"^\| `(scraper [^`]+)`", README, flags=re.M):
        lines.append(cell.replace("\\|", "|"))
    return lines


def resolve(words: list[str]) -> tuple[Any, list[str]]:
    cmd: Any = typer.main.get_command(app)
    rest = list(words)
    while rest and hasattr(cmd, "commands") and rest[0] in cmd.commands:
        cmd = cmd.commands[rest.pop(0)]
    return cmd, rest


@pytest.mark.parametrize("line", command_lines())
def test_documented_command_exists_with_its_options(line: str) -> None:
    words = shlex.split(line.replace("…", ""))[1:]
    cmd, rest = resolve(words)
    # `scraper --version`: an option of scraper itself; a group is a command only when it runs
    # without a subcommand (`scraper outbox`); anything else must name a command.
    runnable = not hasattr(cmd, "commands") or getattr(cmd, "invoke_without_command", False)
    assert runnable or (rest and rest[0].startswith("-")), f"README shows `{line}`: no such command"
    known = {opt for param in cmd.params for opt in getattr(param, "opts", [])}
    known |= {opt for param in cmd.params for opt in getattr(param, "secondary_opts", [])}
    for word in rest:
        for option in re.findall(r"(?<![\w-])(--?[a-z][\w-]*)", word):
            assert option in known, f"README shows `{line}`: {option} is not an option of it"


def test_every_command_is_in_the_readme() -> None:
    group: Any = typer.main.get_command(app)
    documented = " ".join(command_lines())
    for name, cmd in group.commands.items():
        subs = list(getattr(cmd, "commands", {})) or [""]
        for sub in subs:
            words = f"scraper {name} {sub}".strip()
            assert words in documented or f"`{sub}`" in README, (
                f"`{words}` is not documented in the README or docs/"
            )


def test_documented_settings_are_read_by_the_code() -> None:
    """Every variable of the settings model is documented, and every documented one is a field."""
    from scraper.config.environment import VARIABLES

    documented = set(re.findall(r"^\| `(SCRAPER_[A-Z_]+)` \|", README, flags=re.M))
    assert documented == set(VARIABLES)


def test_record_example_has_the_record_keys() -> None:
    block = section("The record")
    example = json.loads(re.search(r"```json\n(.*?)```", block, flags=re.S).group(1))  # type: ignore[union-attr]
    record = Record.model_validate(example)
    assert set(example) == set(record.to_dict())
    assert set(example["article"]) == set(record.to_dict()["article"])
    assert set(example["comments"][0]) == set(record.to_dict()["comments"][0])


def test_record_sources_are_each_explained() -> None:
    """Every value `sources` can take is named in the manual's record section."""
    from typing import get_args

    from scraper.model.record import Source

    record = section("The record")
    for source in get_args(Source):
        assert f"`{source}`" in record, source
    assert "`warnings`" in record and "partial" in record


def test_the_manual_pages_are_read() -> None:
    """The moved sections are here, so the checks above cover them."""
    names = {page.name for page in PAGES}
    assert {"architecture.md", "commands.md", "record.md", "settings.md"} <= names
    assert len(TEXTS[REPO / "README.md"].splitlines()) <= 300, "the README is a front page"


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.relative_to(REPO).as_posix())
def test_relative_links_and_pictures_exist(page: Path) -> None:
    """Every relative link or picture of a page names a file that exists (docs pages link from docs/),
    and every `#anchor` names a heading of the page it points to."""
    for target in re.findall(r"\]\(([^)\s]+)\)", TEXTS[page]):
        if re.match(r"[a-z]+:", target):
            continue
        path, _, anchor = target.partition("#")
        linked = (page.parent / path).resolve() if path else page
        assert linked.exists(), f"{page.name}: {target} names no file"
        if anchor and linked.suffix == ".md":
            assert anchor in anchors(linked.read_text(encoding="utf-8")), f"{page.name}: {target}"


def anchors(text: str) -> set[str]:
    """GitHub's heading anchors: lower case, punctuation dropped, spaces as hyphens."""
    text = re.sub(r"```.*?```", "", text, flags=re.S)
    return {re.sub(r"[^\w\- ]", "", title.strip().lower()).replace(" ", "-")
            for title in re.findall(r"^#+ (.+)$", text, flags=re.M)}
