"""Watch files: declared watches applied by name, and errors that point at file:line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scraper.cli import main

REPO = Path(__file__).resolve().parents[1]


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_example_file_applies_and_is_idempotent(capsys: pytest.CaptureFixture[str]) -> None:
    example = str(REPO / "schedules" / "example.yaml")
    code, out, _ = run(capsys, "watch", "apply", example, "--json")
    assert code == 0
    assert json.loads(out) == [{"name": "lavrov", "result": "created"},
                               {"name": "isso-demo", "result": "created"}]
    code, out, _ = run(capsys, "watch", "apply", example, "--json")
    assert [r["result"] for r in json.loads(out)] == ["unchanged", "unchanged"]
    _, out, _ = run(capsys, "watch", "show", "isso-demo", "--json")
    watch = json.loads(out)
    assert watch["schedule"] == {"kind": "cron", "spec": "0 * * * *"}
    assert watch["confirm"] == 2
    assert watch["notify_on"] == ["comment_added", "comment_edited", "comment_removed", "article_edited"]
    assert watch["normalise"] == [{"regex": r"\d+ (minutes|hours) ago", "replace": ""}]
    _, out, _ = run(capsys, "watch", "show", "lavrov", "--json")
    lavrov = json.loads(out)
    assert (lavrov["email"], lavrov["digest"]) == ("desk@example.org", "daily")
    assert lavrov["notify"][0].startswith("ntfy://ntfy.example.org/… (#")  # the topic is masked
    assert "lavrov-desk" not in out


def test_changed_entry_updates_the_watch(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "w.yaml"
    path.write_text("watches:\n  - {name: a, url: 'https://a.example/1', every: 15m}\n")
    assert run(capsys, "watch", "apply", str(path))[0] == 0
    path.write_text("watches:\n  - {name: a, url: 'https://a.example/1', every: 1h, paused: true}\n")
    _, out, _ = run(capsys, "watch", "apply", str(path), "--json")
    assert json.loads(out) == [{"name": "a", "result": "updated"}]
    _, out, _ = run(capsys, "watch", "show", "a", "--json")
    assert json.loads(out)["schedule"]["spec"] == "1h" and json.loads(out)["paused"] is True


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("watches:\n  - name: a\n    url: https://a.example/\n    evry: 15m\n",
         "w.yaml:4: watches.0.evry: unknown key"),
        ("watches:\n  - name: a\n    url: https://a.example/\n  - name: b\n    url: 'file:///x'\n",
         "w.yaml:4: watches.1 (b): 'file:///x': 'file:' is not allowed"),
        ("watches:\n  - name: a\n    url: https://a.example/\n    cron: '0 0 32 * *'\n",
         "w.yaml:2: watches.0 (a): --cron"),
        ("watches:\n  - url: https://a.example/\n",
         "w.yaml:2: watches.0: every watch needs a name and a url"),
        ("watches: []\n", "w.yaml:1: watches: List should have at least 1 item"),
        ("watches:\n  - {name: a, url: 'https://a.example/'}\n  - {name: a, url: 'https://b.example/'}\n",
         "watch name 'a' is also declared"),
        ("- a list\n", "w.yaml:1: a watch file is a mapping"),
        ("watches:\n  - {name: a, url: 'https://a.example/', digest: weekly}\n",
         "w.yaml:2: watches.0 (a): --digest 'weekly': give hourly, daily or a cron expression"),
        ("watches:\n  - {name: a, url: 'https://a.example/', notify: ['nope://x/secret']}\n",
         "w.yaml:2: watches.0 (a): --notify nope://…: not a channel URL"),
    ],
)
def test_bad_watch_file_writes_nothing(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, text: str, expected: str
) -> None:
    good = tmp_path / "a-good.yaml"
    good.write_text("watches:\n  - {name: fine, url: 'https://fine.example/'}\n")
    bad = tmp_path / "w.yaml"
    bad.write_text(text)
    code, _, err = run(capsys, "watch", "apply", str(good), str(bad))
    assert code == 2
    assert expected in err
    _, out, _ = run(capsys, "watch", "list", "--json")
    assert json.loads(out) == []  # not even the good file's watch
