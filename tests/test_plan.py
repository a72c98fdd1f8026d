"""The scheduler's re-read of the watch table: unchanged watches are not planned again, changed and
new ones are, with their latest check looked up (real SQLite)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

from sqlalchemy import Engine, event
from sqlmodel import Session

from scraper import store
from scraper.config.settings import load_settings
from scraper.daemon.plan import PlanMemo, active_watches, host_of
from scraper.profiles import load_profiles
from scraper.profiles.schema import MatchSpec, PolitenessSpec
from scraper.watches.operations import WatchSpec, add_watch, update_watch


def _add(engine: Engine, url: str, name: str, **options: str) -> int:
    watch = add_watch(engine, WatchSpec(url=url, name=name, every="1h", **options), load_settings())
    assert watch.id is not None
    return watch.id


def _checked(engine: Engine, watch_id: int, started_at: datetime) -> None:
    with Session(engine) as session:
        store.add_check(session, session.get_one(store.Watch, watch_id), started_at=started_at,
                        duration_ms=10, status="failed", error="down", error_kind="network")
        session.commit()


def _statements(engine: Engine) -> list[str]:
    seen: list[str] = []
    event.listen(engine, "before_cursor_execute",
                 lambda _conn, _cursor, sql, *_args: seen.append(sql))
    return seen


def test_a_re_read_plans_only_new_and_changed_watches(local_engine: Engine) -> None:
    settings = load_settings()
    profiles = load_profiles(settings.profile_dirs)
    kept, *others = [_add(local_engine, f"https://a.example/{n}", f"kept{n}") for n in range(4)]
    edited = _add(local_engine, "https://b.example/2", "edited")
    memo = PlanMemo()
    first = active_watches(local_engine, settings, profiles, memo)
    assert set(first) == {kept, edited, *others}
    assert first[edited].last_started is None

    an_hour_ago = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)
    _checked(local_engine, edited, an_hour_ago)
    with Session(local_engine) as session:
        update_watch(session, session.get_one(store.Watch, edited), {"schedule": "5m"})
        session.commit()
    later = _add(local_engine, "https://c.example/3", "later")
    _checked(local_engine, later, an_hour_ago)

    statements = _statements(local_engine)
    second = active_watches(local_engine, settings, profiles, memo)
    assert second[kept] is first[kept]  # the same plan, not made again
    assert second[edited].schedule.spec == "5m"
    assert second[edited].last_started == an_hour_ago
    assert second[later].last_started == an_hour_ago
    # The latest checks were asked for the two re-planned watches only (two of six), not grouped
    # over every check.
    latest = [sql for sql in statements if "max(" in sql.lower()]
    assert len(latest) == 1 and " IN " in latest[0].upper()

    statements.clear()
    third = active_watches(local_engine, settings, profiles, memo)
    assert all(third[i] is second[i] for i in third)
    assert not [sql for sql in statements if "max(" in sql.lower()]  # nothing new: no check looked up


def test_changed_profiles_plan_every_watch_again(local_engine: Engine) -> None:
    settings = load_settings()
    profiles = load_profiles(settings.profile_dirs)
    watch = _add(local_engine, "https://x.example/p", "x", profile="wordpress")
    memo = PlanMemo()
    before = active_watches(local_engine, settings, profiles, memo)[watch]
    slower = profiles["wordpress"].model_copy(update={"politeness": PolitenessSpec(gap=42.0)})
    after = active_watches(local_engine, settings, {**profiles, "wordpress": slower}, memo)[watch]
    assert after is not before and after.limits.gap == 42.0 != before.limits.gap


def test_the_first_profile_a_url_matches_sets_its_limits(local_engine: Engine) -> None:
    """Matching stops at the last profile with politeness of its own, and keeps its answers: a URL
    matched first by a profile without politeness gets the installation's limits."""
    settings = load_settings()
    profiles = load_profiles(settings.profile_dirs)
    base = profiles["wordpress"]
    plain = base.model_copy(update={"name": "plain", "priority": 9,
                                    "match": MatchSpec(urls=("https://both.example/*",))})
    polite = base.model_copy(update={
        "name": "polite", "priority": 8, "politeness": PolitenessSpec(gap=42.0, cap=3),
        "match": MatchSpec(urls=("https://both.example/*", "re:^https://slow\\.example/"))})
    mine = {**profiles, "plain": plain, "polite": polite}
    both, slow, other = (_add(local_engine, f"https://{host}.example/p", host)
                         for host in ("both", "slow", "other"))
    plans = active_watches(local_engine, settings, mine)
    assert (plans[slow].limits.gap, plans[slow].limits.cap) == (42.0, 3)
    default = (settings.host_gap, settings.host_cap)
    assert (plans[both].limits.gap, plans[both].limits.cap) == default  # "plain" matched first
    assert (plans[other].limits.gap, plans[other].limits.cap) == default


def test_the_host_is_read_as_urlsplit_reads_it() -> None:
    urls = ["https://A.example/x", "http://a.example", "http://a.example?q=/x", "http://a.example#/f",
            "http://user:pw@b.example:8080/p", "http://[::1]:8080/x", "http://u@[fe80::1]/",
            "https://c.example\\@d.example/", " http://e.example/x", "http://f.exa\tmple/x",
            "http:/\t/g.example/x", "mailto:a@h.example", "1http://i.example/", "//j.example/x",
            "https://k.example//x//y", "", "nothing"]
    for url in urls:
        assert host_of(url) == (urlsplit(url).hostname or "").lower(), url
