"""Frequency bands, lifecycle, retention, feature adoption, the go-live-relative axis and the
engagement score, on tiny data worked out by hand (SQLite and PostgreSQL)."""

import contextlib
import datetime as dt

import pytest

from collectors.run import collect
from hypercare.config import load_config
from metrics import engagement
from metrics.scopes import ALL, Scope, publishable_population
from metrics.store import open_store

ROSTER = (
    "user;team;wave;go_live\n"
    "a1;A;w1;2026-05-04\na2;A;w1;2026-05-04\nb1;B;w2;2026-05-18\nb2;B;w2;2026-05-18\n"
)
EVENTS = [
    ("05-04", "a1", "invoice.create"),
    ("05-05", "a1", "invoice.create"),
    ("05-12", "a1", "invoice.create"),
    ("05-26", "a1", "quote.create"),
    ("05-06", "a2", "invoice.create"),
    ("05-13", "a2", "invoice.create"),
    ("05-20", "a2", "invoice.create"),
    ("05-27", "a2", "invoice.create"),
    ("05-28", "a2", "invoice.create"),
    ("05-19", "b1", "payment.record"),
    ("05-29", "b1", "payment.record"),
    ("05-30", "X", "invoice.create"),  # outside the roster
]
USAGE = "ts;user;action\n" + "".join(f"2026-{d} 10:00;{u};{a}\n" for d, u, a in EVENTS)
AS_OF = dt.date(2026, 5, 31)
A, B = Scope("team", "A"), Scope("team", "B")


@contextlib.contextmanager
def collected(store_url, make_config, write, roster: str, usage: str):
    """A session on a store holding ``roster`` and ``usage`` (group size 2), with its population."""
    write("roster.csv", roster)
    write("usage.csv", usage)
    config = load_config(
        make_config(
            """
            privacy: {min_group_size: 2}
            sources:
              - {name: r, kind: roster, path: roster.csv}
              - {name: u, kind: usage, path: usage.csv}
            """,
            store=store_url,
        )
    )
    store = open_store(config.store_url)
    try:
        collect(config, store)
        with store.session() as s:
            yield s, publishable_population(s, 2)
    finally:
        store.dispose()


@pytest.fixture
def session(store_url, make_config, write):
    with collected(store_url, make_config, write, ROSTER, USAGE) as opened:
        yield opened


def test_frequency_bands(session):
    s, population = session
    bands = engagement.frequency_bands(s, AS_OF, population)
    # a1: 4 active days (regular), a2: 5 (regular), b1: 2 (occasional), b2: 0 (inactive).
    assert bands[ALL] == {"inactive": 1, "occasional": 1, "regular": 2, "frequent": 0}
    assert bands[A] == {"inactive": 0, "occasional": 0, "regular": 2, "frequent": 0}
    assert bands[B] == {"inactive": 1, "occasional": 1, "regular": 0, "frequent": 0}


def test_lifecycle(session):
    s, population = session
    rows = engagement.lifecycle(s, dt.date(2026, 5, 4), AS_OF, population)
    everyone = {
        r["week"].isoformat(): (r["new"], r["returning"], r["resurrecting"], r["dormant"])
        for r in rows
        if r["scope"] == "all"
    }
    assert everyone == {
        "2026-05-04": (2, 0, 0, 0),  # a1, a2 start
        "2026-05-11": (0, 2, 0, 0),  # both again
        "2026-05-18": (1, 1, 0, -1),  # b1 starts, a2 again, a1 dormant
        "2026-05-25": (1, 2, 1, 0),  # X starts, a2 and b1 again, a1 is back
    }
    team_a = [r for r in rows if r["scope"] == "team:A" and r["week"] == dt.date(2026, 5, 25)]
    assert (team_a[0]["resurrecting"], team_a[0]["returning"]) == (1, 1)


def test_lifecycle_of_late_weeks_knows_the_earlier_history(session):
    """Only the asked weeks and the one before are read, plus each person's first active day: a1,
    back in the week of 25/05 after a quiet one, is resurrecting, not new."""
    s, population = session
    rows = engagement.lifecycle(s, dt.date(2026, 5, 27), AS_OF, population)
    assert [
        (r["week"].isoformat(), r["new"], r["returning"], r["resurrecting"], r["dormant"])
        for r in rows
        if r["scope"] == "all"
    ] == [("2026-05-25", 1, 2, 1, 0)]
    rows = engagement.lifecycle(s, dt.date(2026, 5, 18), dt.date(2026, 5, 24), population)
    assert [
        (r["week"].isoformat(), r["new"], r["returning"], r["resurrecting"], r["dormant"])
        for r in rows
        if r["scope"] == "all"
    ] == [("2026-05-18", 1, 1, 0, -1)]  # X's event of 30/05 is after the end: not read


def test_retention_by_wave(session):
    s, population = session
    rows = engagement.retention_by_wave(s, AS_OF, population)
    got = {(r["wave"], r["week"]): r["retention"] for r in rows}
    # w1 (go-live 04/05): weeks 0-1 both active, week 2 only a2, week 3 both.
    # w2 (go-live 18/05): b1 active weeks 0 and 1, b2 never.
    assert got == {
        ("w1", 0): 1.0,
        ("w1", 1): 1.0,
        ("w1", 2): 0.5,
        ("w1", 3): 1.0,
        ("w2", 0): 0.5,
        ("w2", 1): 0.5,
    }


def test_feature_adoption(session):
    s, population = session
    rows = {
        (r["scope"], r["feature"]): r["adoption"]
        for r in engagement.feature_adoption(s, AS_OF, population)
    }
    # 4 licensed people in all; X (outside the roster) does not count.
    assert rows[("all", "invoice")] == 0.5
    assert rows[("all", "quote")] == 0.25
    assert rows[("all", "payment")] == 0.25
    assert rows[("team:A", "invoice")] == 1.0
    assert rows[("team:B", "payment")] == 0.5


def test_go_live_relative(session):
    s, population = session
    rows = {
        (r["wave"], r["day"]): r["adoption_rate"]
        for r in engagement.go_live_relative(s, AS_OF, population)
    }
    # w1 day 0 = 04/05: a1 active that week → 1/2; day 2 (06/05): a1 and a2 → 1.
    assert (rows[("w1", 0)], rows[("w1", 2)]) == (0.5, 1.0)
    # w2 day 0 = 18/05: nobody of w2 in 12/05-18/05; day 1: b1.
    assert (rows[("w2", 0)], rows[("w2", 1)]) == (0.0, 0.5)


def test_engagement_score(session):
    s, population = session
    core = ("invoice.create", "quote.create", "payment.record", "invoice.send")
    scores = engagement.engagement_score(s, AS_OF, population, core)
    # all: adoption (2/4 + 1/4 + 1/4 + 1/4) / 4 = 0.3125; stickiness 12 person-days / 30 / 4 =
    # 0.1; growth over 4 weeks: came 2 + 1 + 2 = 5, went 1 → 5/6. Score 100 × mean = 41.5.
    assert scores[ALL]["engagement_adoption"] == 0.3125
    assert scores[ALL]["engagement_stickiness"] == 0.1
    assert scores[ALL]["engagement_growth"] == pytest.approx(5 / 6, abs=1e-4)
    assert scores[ALL]["engagement_score"] == 41.5
    # A: adoption (0.5 + 0.25) / 2; stickiness 9 / 30 / 2 = 0.15; growth 3 / 4 → 42.5.
    assert scores[A]["engagement_score"] == 42.5


def _lifecycle_by_hand(s, population, start, end):
    """The definition, person by person over the whole history (the way it was first written)."""
    from collections import defaultdict

    from sqlalchemy import select

    from metrics.store.models import Person, UsageDaily

    shown = {
        key: (team, wave)
        for key, team, wave in s.execute(
            select(Person.person_key, Person.team, Person.wave).where(population.people_filter())
        )
    }
    roster = set(s.scalars(select(Person.person_key)))
    weeks: dict[str, set[dt.date]] = defaultdict(set)
    for day, person in s.execute(select(UsageDaily.day, UsageDaily.person_key)):
        if day <= end and (person in shown or person not in roster):
            weeks[person].add(day - dt.timedelta(days=day.weekday()))
    out = {}
    week = start - dt.timedelta(days=start.weekday())
    while week <= end:
        previous = week - dt.timedelta(days=7)
        counts: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
        for person, active in weeks.items():
            now, before = week in active, previous in active
            if now and before:
                state = 1
            elif now and any(w < previous for w in active):
                state = 2
            elif now:
                state = 0
            elif before:
                state = 3
            else:
                continue
            scopes = ["all"]
            if person in shown:
                scopes += [f"team:{shown[person][0]}", f"wave:{shown[person][1]}"]
            for scope in scopes:
                counts[scope][state] += 1
        for scope, (new, returning, resurrecting, dormant) in counts.items():
            out[(week, scope)] = (new, returning, resurrecting, -dormant)
        week += dt.timedelta(days=7)
    return out


@pytest.mark.parametrize("seed", [3, 4])
def test_lifecycle_matches_the_definition_on_random_activity(store_url, make_config, write, seed):
    import random

    rng = random.Random(seed)
    roster = ["user;team;wave"] + [f"u{i};{'ABC'[i % 3]};w{i % 2}" for i in range(14)]
    roster.append("s1;Small;w1")  # a team of one: suppressed, counts nowhere
    users = [f"u{i}" for i in range(14)] + ["s1", "outside1", "outside2"]
    usage = ["ts;user;action"]
    for user in users:
        busy = rng.random()
        for offset in range(120):
            if rng.random() < busy * 0.3:
                day = AS_OF - dt.timedelta(days=offset)
                usage.append(f"{day.isoformat()} 10:00;{user};invoice.create")
    with collected(
        store_url, make_config, write, "\n".join(roster) + "\n", "\n".join(usage) + "\n"
    ) as (s, population):
        assert population.suppressed
        for start, end in (
            (dt.date(2026, 3, 2), AS_OF),
            (dt.date(2026, 5, 13), AS_OF),
            (dt.date(2026, 4, 1), dt.date(2026, 4, 20)),
        ):
            got = {
                (r["week"], r["scope"]): (r["new"], r["returning"], r["resurrecting"], r["dormant"])
                for r in engagement.lifecycle(s, start, end, population)
            }
            assert got == _lifecycle_by_hand(s, population, start, end), (start, end)
