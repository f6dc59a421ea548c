"""Data-quality reads (metrics/quality.py), each figure worked out by hand, on SQLite and
PostgreSQL: source health and freshness, the file ledger, roster coverage, alert states."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from collectors.run import collect
from hypercare.config import load_config
from metrics import quality
from metrics.store import open_store
from metrics.store.models import AlertState

TZ = ZoneInfo("Europe/Paris")
TODAY = dt.date(2026, 5, 31)

# 12 roster people u0..u11 in T0 / T1; u0 also writes as an e-mail alias.
ROSTER = "user;email;team\n" + "".join(f"u{i};u{i}@x.fr;T{i % 2}\n" for i in range(12))
# 10 usage rows: 8 by roster people (one through the alias), 2 by "ghost", 1 bad date.
USAGE = (
    "ts;user\n"
    "2026-05-20 10:00;u1\n2026-05-21 10:00;u2\n2026-05-22 10:00;u3\n2026-05-23 10:00;u4\n"
    "2026-05-24 10:00;u5\n2026-05-25 10:00;u6\n2026-05-26 10:00;u7\n2026-05-27 10:00;u0@x.fr\n"
    "2026-05-27 11:00;ghost\n2026-05-27 12:00;ghost\nnot a date;u1\n"
    "2026-05-20 10:00;u1\n"  # the same row again: a duplicate
)
# Error log: newest entry on 2026-05-20 (11 days before TODAY, later than errors' 7 days).
ERRORS = (
    "ts;level;module;user\n"
    "2026-05-18 09:00;ERROR;factures;u1\n2026-05-19 09:00;ERROR;factures;stranger\n"
    "2026-05-20 09:00;WARNING;devis;\n"
)
# Tickets: one by a roster person, one by an unknown reporter.
TICKETS = (
    "ref;created_at;priority;reporter\n"
    "T-1;2026-05-29 09:00;High;u2\nT-2;2026-05-30 09:00;Low;someone\n"
)


@pytest.fixture
def store(store_url, make_config, write):
    write("roster.csv", ROSTER)
    write("usage.csv", USAGE)
    write("errors.csv", ERRORS)
    write("tickets.csv", TICKETS)
    write("broken.csv", "nothing;useful\n1;2\n")  # no ts column: the file fails
    config = load_config(
        make_config(
            """
            timezone: Europe/Paris
            sources:
              - {name: r, kind: roster, path: roster.csv}
              - {name: u, kind: usage, path: usage.csv, dates: {format: "%Y-%m-%d %H:%M"}}
              - {name: e, kind: errors, path: errors.csv}
              - {name: t, kind: tickets, path: tickets.csv}
              - {name: b, kind: usage, path: broken.csv}
              - {name: later, kind: usage, path: later_*.csv}
            """,
            store=store_url,
        )
    )
    opened = open_store(config.store_url)
    try:
        collect(config, opened)
        yield opened, config
    finally:
        opened.dispose()


def health(db, config, today=TODAY):
    with db.session() as session:
        rows = quality.source_health(session, [(s.name, s.kind) for s in config.sources], today, TZ)
    return {r["source"]: r for r in rows}


def test_each_source_has_its_counts_freshness_and_state(store):
    db, config = store
    rows = health(db, config)
    assert list(rows) == ["r", "u", "e", "t", "b", "later"]  # the config's order

    usage = rows["u"]
    # 12 rows: 10 accepted (the ghost's too), 1 duplicate, 1 quarantined (the bad date).
    assert (usage["rows_read"], usage["accepted"], usage["duplicates"], usage["quarantined"]) == (
        12,
        10,
        1,
        1,
    )
    assert usage["files"] == 1
    assert usage["newest_day"] == dt.date(2026, 5, 27)
    assert usage["age_days"] == 4  # 31 − 27
    assert usage["state"] == "late"  # usage may be 3 days behind
    assert rows["u"]["last_success"] is not None and rows["u"]["last_error"] is None

    errors = rows["e"]
    assert errors["newest_day"] == dt.date(2026, 5, 20)
    assert (errors["age_days"], errors["late_after"], errors["state"]) == (11, 7, "late")

    tickets = rows["t"]
    assert tickets["newest_day"] == dt.date(2026, 5, 30)
    assert (tickets["age_days"], tickets["state"]) == (1, "ok")

    roster = rows["r"]
    assert roster["late_after"] is None and roster["state"] == "ok"  # never judged on freshness

    broken = rows["b"]
    assert broken["state"] == "error"
    assert broken["last_success"] is None and "ts" in broken["last_error"]

    # A glob that matches no file leaves no ledger row, but the run recorded why it failed.
    assert rows["later"]["state"] == "error"
    assert "no file matches 'later_*.csv'" in rows["later"]["last_error"]
    assert rows["later"]["rows_read"] == 0 and rows["later"]["last_read"] is None
    assert rows["later"]["last_run"] is not None and rows["later"]["last_success"] is None


def test_a_source_never_collected_is_never(store):
    db, _ = store
    with db.session() as session:
        rows = quality.source_health(session, [("new", "usage")], TODAY, TZ)
    assert rows[0]["source"] == "new" and rows[0]["state"] == "never"
    assert rows[0]["last_run"] is None and rows[0]["run_age_seconds"] is None


def test_the_last_successful_run_is_late_past_its_interval(store):
    db, config = store
    sources = [(s.name, s.kind) for s in config.sources]
    with db.session() as session:
        ran = quality.source_health(session, sources, dt.date(2026, 5, 30), TZ)
        tickets = next(r for r in ran if r["source"] == "t")
        done = tickets["last_success"]
        # Within its interval and a half: on time; past it: late, whatever its records' age.
        on_time = quality.source_health(
            session,
            sources,
            TODAY,
            TZ,
            now=done + dt.timedelta(minutes=20),
            intervals={"t": 900.0},
        )
        late = quality.source_health(
            session,
            sources,
            TODAY,
            TZ,
            now=done + dt.timedelta(minutes=23),
            intervals={"t": 900.0},
        )
        default = quality.source_health(
            session, sources, TODAY, TZ, now=done + dt.timedelta(hours=25)
        )
    by = {
        name: {r["source"]: r for r in rows}
        for name, rows in (("on_time", on_time), ("late", late), ("default", default))
    }
    assert (by["on_time"]["t"]["state"], by["on_time"]["t"]["run_late"]) == ("ok", False)
    assert by["on_time"]["t"]["run_age_seconds"] == 1200
    assert (by["late"]["t"]["state"], by["late"]["t"]["run_late"]) == ("late", True)
    assert by["late"]["t"]["run_late_after_seconds"] == 1350
    # Without an interval of its own a source may go 24 hours without a successful run.
    assert by["default"]["t"]["run_late"] and by["default"]["t"]["run_late_after_seconds"] == 86400
    assert by["default"]["r"]["state"] == "late"  # the roster too: its collector has not run


def test_freshness_is_judged_against_the_day_given(store):
    db, config = store
    assert health(db, config, dt.date(2026, 5, 30))["u"]["state"] == "ok"  # 3 days: on time


def test_sources_the_config_dropped_are_listed_after_the_others(store):
    db, _ = store
    with db.session() as session:
        rows = quality.source_health(session, [("u", "usage")], TODAY, TZ)
    assert [(r["source"], r["configured"]) for r in rows] == [
        ("u", True),
        ("b", False),
        ("e", False),
        ("later", False),
        ("r", False),
        ("t", False),
    ]


def test_the_file_ledger_has_one_row_per_file_read(store):
    db, _ = store
    with db.session() as session:
        files = quality.file_ledger(session)
        only_usage = quality.file_ledger(session, ["u"])
        run = quality.last_collect(session)
    assert {f["source"] for f in files} == {"r", "u", "e", "t", "b"}
    for f in files:
        assert f["rows_read"] == f["accepted"] + f["duplicates"] + f["quarantined"]
    assert [f["path"] for f in only_usage] == ["usage.csv"]
    assert next(f for f in files if f["source"] == "b")["status"] == "failed"
    assert run is not None and run["finished_at"] is not None


def test_roster_coverage_counts_records_and_identifiers_outside_the_roster(store):
    db, _ = store
    with db.session() as session:
        rows = quality.roster_coverage(session, TODAY, TZ)
    by_source = {r["source"]: r for r in rows}
    # Usage: 10 records of 9 identifiers; the ghost's 2 records are outside (the alias is in).
    assert by_source["u"] == {
        "source": "u",
        "kind": "usage",
        "records": 10,
        "records_outside": 2,
        "identifiers": 9,
        "identifiers_outside": 1,
    }
    # Errors: 2 entries with a user (the warning has none), the stranger's outside.
    assert (by_source["e"]["records"], by_source["e"]["records_outside"]) == (2, 1)
    # Tickets: u2 in, "someone" out.
    assert (by_source["t"]["identifiers"], by_source["t"]["identifiers_outside"]) == (2, 1)


def test_roster_coverage_keeps_to_its_window(store):
    db, _ = store
    with db.session() as session:
        rows = quality.roster_coverage(session, dt.date(2026, 7, 15), TZ)
    assert rows == []  # everything is more than 30 days before


def test_alert_states_are_empty_until_the_alerts_run(store):
    db, _ = store
    with db.session() as session:
        assert quality.alert_states(session) == []
        session.add(
            AlertState(
                rule="adoption-low",
                scope="team:T1",
                state="firing",
                since=dt.datetime(2026, 5, 30, tzinfo=dt.UTC),
                since_day=dt.date(2026, 5, 30),
                value=0.5,
                threshold=0.8,
            )
        )
    with db.session() as session:
        states = quality.alert_states(session)
    assert [(a["rule"], a["scope"], a["state"], a["since_day"]) for a in states] == [
        ("adoption-low", "team:T1", "firing", dt.date(2026, 5, 30))
    ]


def test_usage_freshness_comes_from_the_ledger(store):
    """Each usage file keeps the newest day it delivered; source health reads the ledger, not
    the newest of all events (a GROUP BY over millions of rows at scale)."""
    from sqlalchemy import func, select

    from metrics.store.models import IngestFile, UsageEvent

    db, config = store
    with db.session() as session:
        ledger = dict(
            session.execute(
                select(IngestFile.id, IngestFile.newest_day).where(IngestFile.kind == "usage")
            ).all()
        )
        events = dict(
            session.execute(
                select(UsageEvent.file_id, func.max(UsageEvent.day)).group_by(UsageEvent.file_id)
            ).all()
        )
    assert ledger and {k: v for k, v in ledger.items() if v is not None} == events
    with db.session() as session:  # an event stored since does not move the ledger's figure
        session.execute(
            UsageEvent.__table__.update()
            .where(UsageEvent.day == dt.date(2026, 5, 27))
            .values(day=dt.date(2026, 5, 30))
        )
    assert health(db, config)["u"]["newest_day"] == dt.date(2026, 5, 27)


def test_fresh_as_of_is_the_last_finished_run(store):
    """A collect still going, or killed before it finished (its run stays ``running``), does not
    blank the pages' "fresh as of" line: it keeps the last finished run."""
    from metrics.store.models import IngestRun

    db, _ = store
    with db.session() as session:
        before = quality.last_collect(session)
        session.add(IngestRun(started_at=dt.datetime.now(dt.UTC), status="running"))
    with db.session() as session:
        assert quality.last_collect(session) == before
    assert before is not None and before["finished_at"] is not None
