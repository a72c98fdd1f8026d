"""Profiles: loading, `extends`, matching, and errors that name the file, line and field."""

from __future__ import annotations

from pathlib import Path

import pytest

from scraper.base.errors import InputError
from scraper.profiles import load_profile_file, load_profiles, matching

REPO = Path(__file__).resolve().parents[1]
BUILTIN = REPO / "selectors"


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / f"{name}.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_builtin_profiles_load() -> None:
    profiles = load_profiles([BUILTIN])
    assert {"wordpress", "generic", "isso"} <= set(profiles)
    assert profiles["wordpress"].comments is not None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("name: bad\narticle:\n  titel: h1\n", "bad.yaml:3: article.titel: unknown key"),
        ("name: bad\narticle:\n  title: 'h1[['\n", "bad.yaml:3: article.title"),
        ("name: bad\narticle:\n  title: 'h1[['\n", "invalid CSS selector 'h1[['"),
        ("name: bad\ncomments:\n  item: li\n  id: {css: '::attr(id)', regex: '(['}\n",
         "bad.yaml:4: comments.id.regex: invalid regex"),
        ("name: bad\ndeadline: soon\n", "bad.yaml:2: deadline"),
        ("name: bad\nblock: [images]\n", "'images' is neither a resource kind"),
        ("name: bad\nactions:\n  - click: 'a.more'\n    max: 0\n",
         "bad.yaml:4: actions.0.max: Input should be greater than or equal to 1"),
        ("name: bad\nready:\n  selector: '//div['\n", "invalid XPath selector"),
        ("name: other\n", "name 'other' must match the file name 'bad'"),
        ("name: bad\n\tarticle: x\n", "bad.yaml:2: invalid YAML"),
        ("name: bad\nactions:\n  - jump: high\n", "bad.yaml:3: actions.0: an action is one of"),
        ("- just\n- a list\n", "bad.yaml:1: a profile must be a YAML mapping"),
        ("name: bad\nextends: nowhere\n", "bad.yaml:2: extends: no profile named 'nowhere'"),
    ],
)
def test_broken_profile_is_refused_with_file_line_field(tmp_path: Path, text: str, expected: str) -> None:
    write(tmp_path, "bad", text)
    with pytest.raises(InputError) as caught:
        load_profiles([tmp_path])
    assert expected in str(caught.value)
    assert caught.value.exit_code == 2


def test_one_broken_profile_means_none_is_loaded(tmp_path: Path) -> None:
    write(tmp_path, "good", "name: good\narticle:\n  title: h1\n")
    write(tmp_path, "bad", "name: bad\narticle:\n  nope: h1\n")
    with pytest.raises(InputError, match=r"bad\.yaml:3"):
        load_profiles([tmp_path])


def test_extends_inherits_and_overrides(tmp_path: Path) -> None:
    write(tmp_path, "base", "name: base\nignore: ['.ads']\narticle:\n  title: h1\n  author: '.by'\n"
                            "match:\n  detect: 'meta[name=x]'\n")
    write(tmp_path, "child", "name: child\nextends: base\narticle:\n  author: '.writer'\n")
    profiles = load_profiles([tmp_path])
    child = profiles["child"]
    assert child.article.title is not None and child.article.title.select == ("h1",)
    assert child.article.author is not None and child.article.author.select == (".writer",)
    assert child.ignore == (".ads",)
    assert child.match.detect is None  # a child is never matched by its parent's rules


def test_extends_cycle_is_refused(tmp_path: Path) -> None:
    write(tmp_path, "a", "name: a\nextends: b\n")
    write(tmp_path, "b", "name: b\nextends: a\n")
    with pytest.raises(InputError, match="cycle"):
        load_profiles([tmp_path])


def test_error_in_child_points_at_child_file(tmp_path: Path) -> None:
    write(tmp_path, "base", "name: base\narticle:\n  title: h1\n")
    write(tmp_path, "child", "name: child\nextends: base\n\narticle:\n  likes: {css: '.n', type: float}\n")
    with pytest.raises(InputError, match=r"child\.yaml:5: article\.likes\.type"):
        load_profiles([tmp_path])


def test_field_shorthands(tmp_path: Path) -> None:
    write(tmp_path, "p", "name: p\narticle:\n  title: h1\n  author: ['.a', '.b']\n"
                         "  published: {xpath: '//time/@datetime', type: datetime}\n")
    article = load_profiles([tmp_path])["p"].article
    assert article.author is not None and article.author.select == (".a", ".b")
    assert article.published is not None and article.published.select == ("xpath://time/@datetime",)


def test_profile_check_file_uses_profiles_it_extends(tmp_path: Path) -> None:
    mine = tmp_path / "mine"
    mine.mkdir()
    path = write(mine, "mysite", "name: mysite\nextends: wordpress\nmatch:\n  urls: ['*://example.org/*']\n")
    profile = load_profile_file(path, [BUILTIN])
    assert profile.comments is not None  # inherited from wordpress


def test_matching_order(tmp_path: Path) -> None:
    write(tmp_path, "generic", "name: generic\npriority: -100\n")
    write(tmp_path, "blog", "name: blog\npriority: 5\nmatch:\n  urls: ['*://blog.example/*']\n"
                            "  detect: 'meta[name=generator]'\n")
    write(tmp_path, "forum", "name: forum\nmatch:\n  urls: ['re:^https?://forum\\.example/t/\\d+']\n")
    profiles = load_profiles([tmp_path])
    assert matching.by_url(profiles, "https://blog.example/post") == profiles["blog"]
    assert matching.by_url(profiles, "https://forum.example/t/12") == profiles["forum"]
    assert matching.by_url(profiles, "https://other.example/") is None
    page = '<html><head><meta name="generator" content="x"></head></html>'
    assert matching.by_detection(profiles, page) == profiles["blog"]
    assert matching.by_detection(profiles, "<html></html>") is None
    assert matching.fallback(profiles) == profiles["generic"]
    with pytest.raises(InputError, match="no profile named 'nope'"):
        matching.named(profiles, "nope")


def test_later_folder_overrides_earlier(tmp_path: Path) -> None:
    override = tmp_path / "mine"
    override.mkdir()
    write(override, "wordpress", "name: wordpress\narticle:\n  title: 'h2.custom'\n")
    profiles = load_profiles([BUILTIN, override])
    title = profiles["wordpress"].article.title
    assert title is not None and title.select == ("h2.custom",)


def test_missing_profile_folder(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="does not exist"):
        load_profiles([tmp_path / "nowhere"])
