"""Support KPIs over tickets, each worked out by hand (SQLite and PostgreSQL)."""

import datetime as dt

import pytest

from collectors.run import collect
from hypercare.config import load_config
from metrics import compute
from metrics.scopes import ALL, Scope
from metrics.support import end_of_day

ROSTER = "user;email;team\nu1;u1@x.fr;A\nu2;u2@x.fr;A\nu3;u3@x.fr;B\n"
HEADER = (
    "Id,Requester email,Subject,Status,Priority,Created at,Solved at,First reply time in minutes\n"
)
TICKETS = HEADER + (
    "1,u1@x.fr,a,solved,Highest,2026-05-30 08:00:00 +0200,2026-05-30 12:00:00 +0200,30\n"
    "2,u2@x.fr,b,solved,Highest,2026-05-30 09:00:00 +0200,2026-05-30 15:00:00 +0200,120\n"
    "3,u3@x.fr,c,open,Low,2026-05-31 10:00:00 +0200,,\n"
    "4,u3@x.fr,d,open,Low,2026-05-20 10:00:00 +0200,,60\n"
    "5,ext@y.fr,e,solved,Medium,2026-05-29 10:00:00 +0200,2026-05-29 11:00:00 +0200,10\n"
    "6,u1@x.fr,f,solved,Highest,2026-02-01 10:00:00 +0100,2026-02-01 11:00:00 +0100,5\n"
    "7,u1@x.fr,g,open,Low,2026-01-10 10:00:00 +0100,,\n"
)
AS_OF = dt.date(2026, 5, 31)
A, B = Scope("team", "A"), Scope("team", "B")


@pytest.fixture
def snap(store_url, make_config, write):
    from metrics.store import open_store

    write("roster.csv", ROSTER)
    write("tickets.csv", TICKETS)
    config = load_config(
        make_config(
            """
            privacy: {min_group_size: 1}
            timezone: Europe/Paris
            support:
              sla_hours:
                Highest: {first_response: 1, resolution: 8}
                low: {first_response: 24, resolution: 120}
            sources:
              - {name: r, kind: roster, path: roster.csv}
              - {name: z, kind: tickets, format: zendesk-csv, path: tickets.csv}
            """,
            store=store_url,
        )
    )
    store = open_store(config.store_url)
    try:
        collect(config, store)
        with store.session() as session:
            yield compute.snapshot(session, compute.Settings.from_config(config), AS_OF)
    finally:
        store.dispose()


def test_end_of_day_in_the_company_zone():
    from zoneinfo import ZoneInfo

    end = end_of_day(AS_OF, ZoneInfo("Europe/Paris"))
    assert end == dt.datetime(2026, 5, 31, 22, 0, tzinfo=dt.UTC)


def test_open_tickets(snap):
    # Not resolved at the end of 31/05: #3, #4 (u3, team B) and #7 (u1, team A, from January).
    assert (snap[ALL]["tickets_open"], snap[A]["tickets_open"], snap[B]["tickets_open"]) == (
        3,
        1,
        2,
    )


def test_median_first_response_and_resolution(snap):
    # Created in the 90 days: first responses #1 0.5 h, #2 2 h, #4 1 h, #5 10 min;
    # all: median(0.1667, 0.5, 1, 2) = 0.75; A: median(0.5, 2) = 1.25; B: 1.
    assert snap[ALL]["first_response_p50_h"] == 0.75
    assert snap[A]["first_response_p50_h"] == 1.25
    assert snap[B]["first_response_p50_h"] == 1.0
    # Resolutions: #1 4 h, #2 6 h, #5 1 h → all 4, A 5, B none.
    assert snap[ALL]["resolution_p50_h"] == 4.0
    assert snap[A]["resolution_p50_h"] == 5.0
    assert snap[B]["resolution_p50_h"] is None


def test_sla_breach_rate(snap):
    # Judged: #1 kept (0.5 h ≤ 1, 4 h ≤ 8), #2 breached (first reply 2 h > 1), #4 breached
    # (open 11 days > 120 h). #3 is open within its targets (not judged yet), #5's priority has
    # no target (priorities match ignoring case: "low" in the config, "Low" in the export).
    assert snap[ALL]["sla_breach_rate"] == pytest.approx(2 / 3, abs=1e-4)
    assert snap[A]["sla_breach_rate"] == 0.5
    assert snap[B]["sla_breach_rate"] == 1.0


def test_jira_tickets_are_not_judged_on_first_response(store_url, make_config, write):
    from metrics.store import open_store

    write("roster.csv", ROSTER)
    write(
        "jira.csv",
        "Issue key,Summary,Priority,Status,Created,Resolved\n"
        "F-1,a,Highest,Done,30/May/26 8:00 AM,30/May/26 12:00 PM\n",
    )
    config = load_config(
        make_config(
            """
            privacy: {min_group_size: 1}
            timezone: Europe/Paris
            support: {sla_hours: {Highest: {first_response: 1, resolution: 8}}}
            sources:
              - {name: r, kind: roster, path: roster.csv}
              - {name: j, kind: tickets, format: jira-csv, path: jira.csv}
            """,
            store=store_url,
        )
    )
    store = open_store(config.store_url)
    try:
        collect(config, store)
        with store.session() as session:
            snap = compute.snapshot(session, compute.Settings.from_config(config), AS_OF)
        # Resolved in 4 h ≤ 8: kept; no first response can be measured, so none is checked.
        assert snap[ALL]["sla_breach_rate"] == 0.0
        assert snap[ALL]["first_response_p50_h"] is None
    finally:
        store.dispose()
