"""The command line as people use it: --version, shell completion, help with examples and clear
metavars, and errors as JSON with --json (usage errors included)."""

from __future__ import annotations

import json
import os
import re
import shutil
import sys
from typing import Any

import pytest
import typer.main

from scraper.cli.app import package_version
from scraper.cli.commands import app
from tests.cli import run
from tests.processes import run_ok

SCRAPER = shutil.which("scraper", path=os.path.dirname(sys.executable))



def commands() -> list[list[str]]:
    """Every command's words: ["capture"], ["watch", "add"], …"""
    group: Any = typer.main.get_command(app)
    found = []
    for name, cmd in group.commands.items():
        subs = list(getattr(cmd, "commands", {}))
        found += [[name, sub] for sub in subs] if subs else [[name]]
    return found


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--version")
    assert code == 0 and out.startswith(f"scraper {package_version()} (Playwright ")
    assert package_version() != "unknown"


@pytest.mark.parametrize("words", commands(), ids=" ".join)
def test_every_help_has_an_example_and_plain_metavars(
    capsys: pytest.CaptureFixture[str], words: list[str]
) -> None:
    code, out, _ = run(capsys, *words, "--help")
    assert code == 0
    assert "Examples" in out and f"scraper {' '.join(words)}" in out.split("Examples", 1)[1]
    for odd in ("<bool>", "<str>", "<int", "<float", "<path>", "<list"):
        assert odd not in out, f"`scraper {' '.join(words)} --help` shows {odd}"
    usage = next(line for line in out.splitlines() if "Usage:" in line)
    assert "{" not in usage and "[OPTIONS]" in usage  # `URL`, not `{url}`
    if "--json" in out:  # --json says what it prints (the text may wrap inside the panel)
        assert "JSON document" in " ".join(re.sub(r"[│╭╮╰╯─]", " ", out).split())


def test_root_help_and_h(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "-h")
    assert code == 0 and "--install-completion" in out and "--version" in out and "<bool>" not in out


def test_errors_are_json_with_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "watch", "show", "nope", "--json")
    assert (code, out) == (2, "")
    error = json.loads(err)  # no database yet: it says so, and none is created
    assert error["error"].startswith("no watch 'nope'") and (error["where"], error["exit"]) == (None, 2)
    code, out, err = run(capsys, "watch", "add", "--json")  # a usage error, before any command runs
    assert (code, out) == (2, "")
    assert json.loads(err) == {"error": "Missing argument 'URL'.", "where": "URL", "exit": 2}
    code, out, err = run(capsys, "watch", "list", "--json", "--colour")
    assert (code, out) == (2, "")
    assert json.loads(err) == {"error": "No such option: --colour", "where": "--colour", "exit": 2}
    code, _, err = run(capsys, "watch", "list", "--colour")  # without --json: for people
    assert code == 2 and "No such option: --colour" in err and not err.startswith("{")


@pytest.mark.skipif(SCRAPER is None, reason="the scraper script is not installed beside Python")
def test_shell_completion_completes_commands_and_options() -> None:
    assert SCRAPER is not None
    # With shellingham installed, typer's --show-completion is a flag: the shell is found among the
    # process's ancestors (SHELL is read for a login shell only), and `bash` is a stray word. A run
    # with no shell above it (started detached: its parent is init) got "Shell  not supported.",
    # exit 1. Typer's switch for tests makes the option take the shell's name: this one, whoever
    # started the run.
    shown = run_ok([SCRAPER, "--show-completion", "bash"],
                   env={**os.environ, "_TYPER_COMPLETE_TEST_DISABLE_SHELL_DETECTION": "1"}).stdout
    assert "_SCRAPER_COMPLETE=complete_bash" in shown and "complete " in shown

    def complete(line: str) -> list[str]:
        words = line.split(" ")
        env = {**os.environ, "_SCRAPER_COMPLETE": "complete_bash", "COMP_WORDS": line,
               "COMP_CWORD": str(len(words) - 1)}
        done = run_ok([SCRAPER], env=env)
        return done.stdout.split()

    assert "watch" in complete("scraper wat")
    assert set(complete("scraper watch ")) >= {"add", "edit", "list", "export", "apply"}
    assert "--allow-duplicate" in complete("scraper watch add https://x.example/ --all")
    # --notify-on completes the change kinds, and its help lists every one of them (issue 26).
    from scraper.model.changes import CHANGE_KINDS

    assert complete("scraper watch add https://x.example/ --notify-on comment_") == [
        k for k in CHANGE_KINDS if k.startswith("comment_")]
    assert set(complete("scraper watch edit 1 --notify-on ")) == set(CHANGE_KINDS)
    shown_help = run_ok([SCRAPER, "watch", "add", "--help"],
                        env={**os.environ, "COLUMNS": "200"}).stdout
    assert all(kind in shown_help for kind in CHANGE_KINDS)
