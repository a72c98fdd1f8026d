"""Watch files: declared watches applied by name, and errors that point at file:line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from scraper.cli import main
from scraper.watches.options import OPTIONS

REPO = Path(__file__).resolve().parents[1]


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_example_file_applies_and_is_idempotent(capsys: pytest.CaptureFixture[str]) -> None:
    example = str(REPO / "schedules" / "example.yaml")
    code, out, _ = run(capsys, "watch", "apply", example, "--json")
    assert code == 0
    assert json.loads(out) == {"dry_run": False, "watches": [
        {"name": "lavrov", "result": "created", "changed": []},
        {"name": "isso-demo", "result": "created", "changed": []}]}
    code, out, _ = run(capsys, "watch", "apply", example, "--json")
    assert [r["result"] for r in json.loads(out)["watches"]] == ["unchanged", "unchanged"]
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
    assert "NTFY_TOPIC" not in out
    # The topic is a secret, so the file names its variable; an export writes that back, unread.
    _, out, _ = run(capsys, "watch", "export")
    assert "ntfy://ntfy.example.org/${ENV:NTFY_TOPIC}" in out


def test_changed_entry_updates_the_watch(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "w.yaml"
    path.write_text("watches:\n  - {name: a, url: 'https://a.example/1', every: 15m}\n")
    assert run(capsys, "watch", "apply", str(path))[0] == 0
    path.write_text("watches:\n  - {name: a, url: 'https://a.example/1', every: 1h, paused: true}\n")
    _, out, _ = run(capsys, "watch", "apply", str(path), "--json")
    assert json.loads(out)["watches"] == [
        {"name": "a", "result": "updated", "changed": ["paused", "schedule"]}]
    _, out, _ = run(capsys, "watch", "show", "a", "--json")
    assert json.loads(out)["schedule"]["spec"] == "1h" and json.loads(out)["paused"] is True


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("watches:\n  - name: a\n    url: https://a.example/\n    evry: 15m\n",
         "w.yaml:4: watches.0.evry: unknown key"),
        ("watches:\n  - name: a\n    url: https://a.example/\n  - name: b\n    url: 'file:///x'\n",
         "w.yaml:5: watches.1.url: 'file:///x': 'file:' URLs are not allowed"),
        ("watches:\n  - name: a\n    url: https://a.example/\n    cron: '0 0 32 * *'\n",
         "w.yaml:4: watches.0.cron: '0 0 32 * *': "),
        ("watches:\n  - url: https://a.example/\n",
         "w.yaml:2: watches.0: every watch needs a name and a url"),
        ("watches: []\n", "w.yaml:1: a watch file is a mapping with a `watches:` list"),
        ("watches:\n  - {name: a, url: 'https://a.example/'}\n  - {name: a, url: 'https://b.example/'}\n",
         "w.yaml:3: watch name 'a' is also declared at "),
        ("- a list\n", "w.yaml:1: a watch file is a mapping"),
        ("watches:\n  - {name: a, url: 'https://a.example/'}\n  - {name: b, url: 'https://A.example'}\n",
         "w.yaml:3: watches (b): https://A.example is already watched by a; add `allow_duplicate: true`"),
        ("watches:\n  - {name: a, url: 'https://a.example/', digest: weekly}\n",
         "w.yaml:2: watches.0.digest: 'weekly': give hourly, daily or a cron expression"),
        ("watches:\n  - {name: a, url: 'https://a.example/', notify: ['nope://x/secret']}\n",
         "w.yaml:2: watches.0.notify.0: nope://…: not a channel URL"),
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


def test_every_mistake_of_every_file_in_one_run_at_its_line_in_yaml_words(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    first = tmp_path / "first.yaml"
    first.write_text(
        "defaults:\n"                                   # 1
        "  every: 5 minutes\n"                          # 2  used by `a`: reported at the default
        "watches:\n"                                    # 3
        "  - name: a\n"                                 # 4
        "    url: https://a.example/\n"                 # 5
        "    email: nobody\n"                           # 6
        "  - name: b\n"                                 # 7
        "    url: https://b.example/\n"                 # 8
        "    every: 1h\n"                               # 9
        "    cron: '0 * * * *'\n"                       # 10
        "    ignore: ['div', 'p[[']\n"                  # 11
        "    headers: {Authorization: Bearer abc}\n"    # 12
        "    confirm: many\n"                           # 13
    )
    second = tmp_path / "second.yaml"
    second.write_text(
        "watches:\n"                                    # 1
        "  - name: c\n"                                 # 2
        "    url: https://c.example/\n"                 # 3
        "    notify_on: [comment_added, comment_addded]\n"  # 4
        "    timezone: Mars/Olympus\n"                  # 5
        "    actions:\n"                                # 6
        "      - {fill: '#q'}\n"                        # 7
        "    profile: ./no-such-profile.yaml\n"         # 8
    )
    code, out, err = run(capsys, "watch", "apply", str(first), str(second))
    assert (code, out) == (2, "")
    assert "--" not in err.replace("---", "")  # YAML words: `every:`, never `--every`
    expected = [
        f"{first}:13: watches.1.confirm: Input should be a valid integer",
        f"{first}:2: defaults.every (for watch 'a'): '5 minutes': give a number and a unit",
        f"{first}:6: watches.0.email: 'nobody': not an e-mail address",
        f"{first}:10: watches.1.cron: give every or cron, not both",
        f"{second}:7: watches.0.actions.0.value: Field required",
        f"{second}:4: watches.0.notify_on.1: unknown change kind 'comment_addded'",
        f"{second}:5: watches.0.timezone: 'Mars/Olympus': not a time zone",
        f"{second}:8: watches.0.profile: ",
        f"{first}:11: watches.1.ignore.1: invalid CSS selector 'p[['",
        f"{first}:12: watches.1.headers: header Authorization: a secret written out",
    ]
    for line in expected:
        assert line in err, f"{line!r} not in:\n{err}"
    assert err.startswith("error: 10 problems in the watch files; nothing was changed")
    assert "abc" not in err


def test_dry_run_prune_and_export_round_trip(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "w.yaml"
    path.write_text("watches:\n  - {name: a, url: 'https://a.example/', every: 15m}\n")
    code, out, err = run(capsys, "watch", "apply", str(path), "--dry-run")
    assert code == 0 and "would be created   a" in out and "nothing was changed" in err
    assert json.loads(run(capsys, "watch", "list", "--json")[1]) == []

    # Watches made by hand, with every kind of option, and one file-declared watch.
    for argv in (
        ["https://a.example/", "--name", "a", "--every", "15m", "--allow-duplicate"],
        ["https://b.example/p", "--name", "b", "--cron", "0 8 * * 1-5", "--tag", "news", "--tag", "x",
         "--email", "desk@example.org", "--notify-on", "comment_added", "--ignore", "#ads",
         "--normalise", r"\d+ ago=>", "--confirm", "3", "--paused", "--user-agent", "Bot/2",
         "--header", "Accept-Language: fr", "--cookie", "sid=${ENV:SID}", "--locale", "fr-FR",
         "--timezone", "Europe/Paris", "--viewport", "1280x800", "--proxy", "socks5://127.0.0.1:1080",
         "--action", "{click: button.ok, max: 1}", "--action", "{fill: '#q', value: hello}",
         "--profile", "wordpress", "--digest", "daily", "--notify", "slack://${ENV:SLACK_TOKEN}/C1",
         "--notify", "${ENV:HOOK_URL}", "--evidence-on-change", "--screenshots", "--window",
         "mon-fri 08:00-20:00 Europe/Paris", "--jitter", "30s", "--host-gap", "2", "--host-cap", "1",
         "--alert-on", "truce", "--keep", "90d", "--keep-checks", "1000", "--render", "never"],
        ["https://b.example/p#top", "--name", "b2", "--allow-duplicate"],
        ["https://c.example/market", "--name", "c", "--select", "li.ad", "--select", "xpath://h2",
         "--keep-session", "--logged-in", "a.logout"],
    ):
        assert run(capsys, "watch", "add", *argv)[0] == 0
    exported = tmp_path / "export.yaml"
    code, text, _ = run(capsys, "watch", "export")
    assert code == 0
    exported.write_text(text)
    written = {key for entry in yaml.safe_load(text)["watches"] for key in entry}
    assert written >= {o.key for o in OPTIONS}  # every declared option goes through the round trip
    before = json.loads(run(capsys, "watch", "list", "--json")[1])

    monkeypatch.setenv("SCRAPER_HOME", str(tmp_path / "fresh"))
    code, out, err = run(capsys, "watch", "apply", str(exported), "--json")
    assert code == 0, err
    after = json.loads(run(capsys, "watch", "list", "--json")[1])
    volatile = ("created_at", "next_run", "id")
    assert [{k: v for k, v in w.items() if k not in volatile} for w in after] == [
        {k: v for k, v in w.items() if k not in volatile} for w in before]
    assert run(capsys, "watch", "export")[1] == text  # and it exports the same file again

    # Applying it again changes nothing; --prune removes what no file declares, after asking.
    code, out, _ = run(capsys, "watch", "apply", str(exported), "--json")
    assert {w["result"] for w in json.loads(out)["watches"]} == {"unchanged"}
    code, _, err = run(capsys, "watch", "apply", str(path), "--prune")
    assert code == 2 and "Remove 3 watch(es) no file declares" in err and "--yes" in err
    code, out, _ = run(capsys, "watch", "apply", str(path), "--prune", "--yes", "--json")
    assert code == 0
    assert json.loads(out)["watches"] == [
        {"name": "a", "result": "unchanged", "changed": []},
        {"name": "b", "result": "removed", "changed": []},
        {"name": "b2", "result": "removed", "changed": []},
        {"name": "c", "result": "removed", "changed": []},
    ]
    assert [w["name"] for w in json.loads(run(capsys, "watch", "list", "--json")[1])] == ["a"]


def test_a_profile_file_is_found_beside_the_watch_file(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "schedules"
    folder.mkdir()
    (folder / "blog.yaml").write_text("name: blog\nextends: wordpress\n")
    (folder / "w.yaml").write_text(
        "watches:\n  - {name: a, url: 'https://a.example/', profile: ./blog.yaml}\n")
    monkeypatch.chdir(tmp_path)  # not the watch file's folder
    code, _, err = run(capsys, "watch", "apply", "schedules/w.yaml")
    assert code == 0, err
    watch = json.loads(run(capsys, "watch", "show", "a", "--json")[1])
    assert (watch["profile"], watch["profile_file"]) == ("blog", str(folder / "blog.yaml"))
