"""Tickets from Jira, Zendesk and Freshdesk exports (headers as the tools publish them)."""

import datetime as dt

import pytest
from sqlalchemy import select

from collectors.run import collect
from hypercare.config import load_config
from metrics.store import open_store
from metrics.store.models import Quarantine, Ticket

UTC = dt.UTC

# Jira Cloud: repeated Component/s and Labels columns, "Reporter Id", dd/MMM/yy h:mm AM dates.
JIRA_CLOUD = (
    "Summary,Issue key,Issue id,Issue Type,Status,Priority,Resolution,Assignee,Reporter,"
    "Reporter Id,Created,Updated,Resolved,Component/s,Component/s,Labels,Labels,Description\n"
    "Export FEC refusé,FACT-180,10180,Bug,Done,Highest,Done,Ana,Jean,712020:aa,"
    "12/May/26 9:05 AM,13/May/26 4:10 PM,13/May/26 4:10 PM,Export,Comptabilité,fec,urgent,"
    '"Le cabinet refuse le fichier.\nContact: jean.dupont@x.fr"\n'
    "Lenteur,FACT-181,10181,Bug,In Progress,Medium,,Ana,Marie,712020:bb,"
    "12/May/26 2:30 PM,12/May/26 2:30 PM,,Factures,,,,Tout est lent\n"
    "Lenteur,FACT-181,10181,Bug,In Progress,Medium,,Ana,Marie,712020:bb,"
    "12/May/26 2:30 PM,12/May/26 2:30 PM,,Factures,,,,Tout est lent\n"  # listed twice
    "Date future,FACT-182,10182,Bug,Open,Low,,,Paul,712020:cc,12/May/36 2:30 PM,,,,,,,x\n"
)
# Jira Server/Data Center: no "Reporter Id", one Component/s column.
JIRA_SERVER = (
    "Issue key,Summary,Priority,Status,Reporter,Created,Resolved,Component/s\n"
    "OPS-1,Accès refusé,High,Closed,jdupont,03/Jun/26 11:00 AM,03/Jun/26 1:30 PM,Droits\n"
)
ZENDESK = (
    "Id,Requester,Requester email,Group,Subject,Status,Priority,Ticket type,Created at,"
    "Solved at,First reply time in minutes\n"
    "4512,Jean,jean@x.fr,ADV,Impossible de facturer,solved,urgent,problem,"
    "2026-05-20 08:00:00 +0200,2026-05-20 12:00:00 +0200,45\n"
    "4513,Marie,marie@x.fr,ADV,Question,open,low,question,2026-05-21 09:00:00 +0200,,\n"
)
FRESHDESK = (
    "Ticket ID,Subject,Description,Status,Priority,Group,Created time,Due by Time,"
    "Resolved time,Closed time,Initial response time,Email\n"
    "88,Relance client,Appeler le 06 12 34 56 78,Resolved,High,Support,2026-05-22 10:00:00,"
    "2026-05-22 18:00:00,2026-05-22 16:00:00,2026-05-22 16:00:00,2026-05-22 10:30:00,a@x.fr\n"
)


def collect_tickets(store_url, make_config, write, fmt, text, extra=""):
    write("tickets.csv", text)
    path = make_config(
        f"""
        timezone: Europe/Paris
        sources:
          - {{name: t, kind: tickets, format: {fmt}, path: tickets.csv{extra}}}
        """,
        store=store_url,
    )
    config = load_config(path)
    store = open_store(config.store_url)
    ((f,),) = [o.files for o in collect(config, store)]
    return store, f


def tickets(store):
    with store.session() as session:
        return {t.ticket_ref: t for t in session.scalars(select(Ticket))}


def test_jira_cloud(store_url, make_config, write):
    store, f = collect_tickets(store_url, make_config, write, "jira-csv", JIRA_CLOUD)
    try:
        assert (f.read, f.accepted, f.duplicates, f.quarantined) == (4, 2, 1, 1)
        t = tickets(store)
        fec = t["FACT-180"]
        assert fec.module == "Export, Comptabilité"  # the repeated Component/s joined
        assert fec.priority == "Highest" and fec.status == "Done"
        # 12/May/26 9:05 AM in Paris (CEST) is 07:05 UTC
        assert fec.created_at.astimezone(UTC) == dt.datetime(2026, 5, 12, 7, 5, tzinfo=UTC)
        assert fec.resolved_at.astimezone(UTC) == dt.datetime(2026, 5, 13, 14, 10, tzinfo=UTC)
        assert fec.first_response_at is None  # Jira exports have none
        assert fec.description == "Le cabinet refuse le fichier.\nContact: [e-mail]"
        assert t["FACT-181"].resolved_at is None
        with store.session() as session:
            (reason,) = session.scalars(select(Quarantine.reason)).all()
        assert reason.startswith("the creation time 2036-05-12")
    finally:
        store.dispose()


def test_jira_server(store_url, make_config, write):
    store, f = collect_tickets(store_url, make_config, write, "jira-csv", JIRA_SERVER)
    try:
        assert (f.accepted, f.quarantined) == (1, 0)
        ops = tickets(store)["OPS-1"]
        assert ops.module == "Droits" and ops.reporter_key is not None
        assert ops.reporter_key != "jdupont"  # pseudonymized
    finally:
        store.dispose()


def test_zendesk(store_url, make_config, write):
    store, f = collect_tickets(store_url, make_config, write, "zendesk-csv", ZENDESK)
    try:
        assert (f.accepted, f.quarantined) == (2, 0)
        t = tickets(store)
        urgent = t["4512"]
        assert urgent.team == "ADV" and urgent.priority == "urgent"
        assert urgent.created_at.astimezone(UTC) == dt.datetime(2026, 5, 20, 6, 0, tzinfo=UTC)
        # first reply 45 minutes after creation
        assert urgent.first_response_at.astimezone(UTC) == dt.datetime(
            2026, 5, 20, 6, 45, tzinfo=UTC
        )
        assert t["4513"].first_response_at is None and t["4513"].resolved_at is None
    finally:
        store.dispose()


def test_freshdesk_and_update_in_place(store_url, make_config, write):
    store, f = collect_tickets(store_url, make_config, write, "freshdesk-csv", FRESHDESK)
    try:
        assert f.accepted == 1
        t = tickets(store)["88"]
        assert t.description == "Appeler le [téléphone]"
        assert t.first_response_at.astimezone(UTC) == dt.datetime(2026, 5, 22, 8, 30, tzinfo=UTC)
        assert t.resolved_at.astimezone(UTC) == dt.datetime(2026, 5, 22, 14, 0, tzinfo=UTC)
    finally:
        store.dispose()
    # The next export says the ticket was reopened: the same ticket is updated, not doubled.
    reopened = FRESHDESK.replace(",Resolved,High,", ",Open,High,").replace(
        "2026-05-22 16:00:00,2026-05-22 16:00:00", ","
    )
    store, f = collect_tickets(store_url, make_config, write, "freshdesk-csv", reopened)
    try:
        assert (f.read, f.accepted, f.duplicates) == (1, 1, 0)
        (t,) = tickets(store).values()
        assert t.status == "Open" and t.resolved_at is None
    finally:
        store.dispose()


def test_resolution_before_creation_is_quarantined(store_url, make_config, write):
    text = ZENDESK.replace("2026-05-20 12:00:00 +0200", "2026-05-19 12:00:00 +0200")
    store, f = collect_tickets(store_url, make_config, write, "zendesk-csv", text)
    try:
        assert (f.accepted, f.quarantined) == (1, 1)
        with store.session() as session:
            reason = session.scalar(select(Quarantine.reason))
        assert reason == (
            "resolved_at 2026-05-19T12:00:00+02:00 is before the creation 2026-05-20T08:00:00+02:00"
        )
    finally:
        store.dispose()


@pytest.mark.parametrize("fmt", ["jira-csv", "zendesk-csv", "freshdesk-csv"])
def test_missing_key_column_fails_the_file(store_url, make_config, write, fmt):
    store, f = collect_tickets(store_url, make_config, write, fmt, "Subject,Status\nx,open\n")
    store.dispose()
    assert f.status == "failed"
    assert "'ref' (columns.ref)" in f.error
