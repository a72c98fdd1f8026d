"""The README is the manual: every command it shows exists with the options it shows, every
setting it documents is read by the code, and its record example has the record's exact keys."""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path
from typing import Any

import pytest
import typer.main

from scraper.cli import app
from scraper.model.record import Record

REPO = Path(__file__).resolve().parents[1]
README = (REPO / "README.md").read_text(encoding="utf-8")


def command_lines() -> list[str]:
    """`scraper …` lines from the README's shell blocks and from its command table."""
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
                f"`{words}` is not documented in the README"
            )


def test_documented_settings_are_read_by_the_code() -> None:
    """Every variable of the settings model is documented, and every documented one is a field."""
    from scraper.config.environment import VARIABLES

    documented = set(re.findall(r"^\| `(SCRAPER_[A-Z_]+)` \|", README, flags=re.M))
    assert documented == set(VARIABLES)


def test_record_example_has_the_record_keys() -> None:
    block = README.split("## The record", 1)[1]
    example = json.loads(re.search(r"```json\n(.*?)```", block, flags=re.S).group(1))  # type: ignore[union-attr]
    record = Record.model_validate(example)
    assert set(example) == set(record.to_dict())
    assert set(example["article"]) == set(record.to_dict()["article"])
    assert set(example["comments"][0]) == set(record.to_dict()["comments"][0])


def test_record_sources_are_each_explained() -> None:
    """Every value `sources` can take is named in the README's record section."""
    from typing import get_args

    from scraper.model.record import Source

    section = README.split("## The record", 1)[1].split("\n## ", 1)[0]
    for source in get_args(Source):
        assert f"`{source}`" in section, source
    assert "`warnings`" in section and "partial" in section
