"""Presets for activity reports and logs: ``m365-active-users``, ``salesforce-eventlog`` and
``json-log``.

Files are built in code with the published headers and shapes and their gotchas, read by the
readers, collected through the pipeline on SQLite and PostgreSQL, and fuzzed: the readers never
raise, and every row read ends as exactly one of accepted, duplicate or quarantined, with one
quarantine entry per quarantined row.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import itertools
import json
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from collectors.privacy import Pseudonymizer
from collectors.readers import READERS, FileError, m365_active_users
from collectors.readers import json_log as jl
from collectors.readers import salesforce_eventlog as sf
from collectors.run import collect
from hypercare.config import SourceConfig, load_config
from metrics.store import open_store
from metrics.store.models import ErrorEvent, IngestFile, Quarantine, UsageEvent

UTC = dt.UTC
BOM = "\ufeff"


def read_rows(fmt: str, path: Path):
    reading = READERS[fmt].read(
        path, SourceConfig(name="s", kind="usage", format=fmt, path="x", index=0)
    )
    return reading.header, list(reading.rows)


def ledger_holds(store) -> None:
    """read = accepted + duplicates + quarantined for every file read, and one quarantine entry
    per quarantined row of a file read for the first time."""
    with store.session() as session:
        for ledger in session.scalars(select(IngestFile).where(IngestFile.status == "ok")):
            assert ledger.rows_read == ledger.accepted + ledger.duplicates + ledger.quarantined
            entries = session.scalar(
                select(func.count()).select_from(Quarantine).where(Quarantine.file_id == ledger.id)
            )
            assert entries == ledger.quarantined, ledger.path


def counts(store) -> tuple[int, int, int]:
    with store.session() as session:
        return tuple(
            session.scalar(select(func.count()).select_from(model))
            for model in (UsageEvent, ErrorEvent, Quarantine)
        )


def quarantine_of(store, name: str):
    with store.session() as session:
        return session.execute(
            select(Quarantine.path, Quarantine.line, Quarantine.stage, Quarantine.reason)
            .add_columns(Quarantine.raw)
            .where(Quarantine.source == name)
            .order_by(Quarantine.path, Quarantine.line, Quarantine.raw)
        ).all()


def assert_collect_again_adds_nothing(config, store) -> None:
    before = counts(store)
    again = collect(config, store)
    assert {f.status for o in again for f in o.files} == {"skipped"}
    assert counts(store) == before


def by_name(outcomes):
    return {o.name: o for o in outcomes}


def tallies(outcome) -> list[tuple[int, int, int, int]]:
    return [(f.read, f.accepted, f.duplicates, f.quarantined) for f in outcome.files]


# ============================================================================================
# m365-active-users

M365_HEADER = [
    "Report Refresh Date",
    "User Principal Name",
    "Display Name",
    "Is Deleted",
    "Deleted Date",
    "Has Exchange License",
    "Has OneDrive License",
    "Has SharePoint License",
    "Has Skype For Business License",
    "Has Yammer License",
    "Has Teams License",
    "Exchange Last Activity Date",
    "OneDrive Last Activity Date",
    "SharePoint Last Activity Date",
    "Skype For Business Last Activity Date",
    "Yammer Last Activity Date",
    "Teams Last Activity Date",
    "Exchange License Assign Date",
    "OneDrive License Assign Date",
    "SharePoint License Assign Date",
    "Skype For Business License Assign Date",
    "Yammer License Assign Date",
    "Teams License Assign Date",
    "Assigned Products",
    "Report Period",
]
M365_DERIVED = ["ts", "user", "feature", "action", "event_id"]
PRODUCTS = ("exchange", "onedrive", "sharepoint", "skype", "yammer", "teams")
# With "display concealed user, group and site names" on, the UPN and the name are hex hashes.
CONCEALED = "6A5C3E8B2D1F4A7C9E0B1D3F5A7C9E1B"
CONCEALED_IDLE = "0F1E2D3C4B5A69788796A5B4C3D2E1F0"


def m365_row(
    upn: str, refresh: str = "2026-05-31", deleted: str = "", name: str | None = None, **days: str
) -> list[str]:
    """One report row; ``days`` maps a product (exchange, teams…) to its last activity date."""
    if name is None:
        name = upn.split("@")[0].replace(".", " ").title() if "@" in upn else upn
    licensed = ["True", "True", "True", "False", "False", "True"]
    last = [days.get(p, "") for p in PRODUCTS]
    assigned = ["2025-01-10", "2025-01-10", "2025-01-10", "", "", "2025-01-10"]
    is_deleted, deleted_date = ("True", deleted) if deleted else ("False", "")
    products = "MICROSOFT 365 E3+MICROSOFT TEAMS"
    return [
        refresh,
        upn,
        name,
        is_deleted,
        deleted_date,
        *licensed,
        *last,
        *assigned,
        products,
        "7",
    ]


def m365_csv(*rows: list[str]) -> bytes:
    """The report as the admin center writes it: UTF-8 with a BOM, CRLF line endings."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(M365_HEADER)
    writer.writerows(rows)
    return (BOM + out.getvalue()).encode("utf-8")


M365_REPORT = m365_csv(
    m365_row(
        "jean.dupont@acme.fr", exchange="2026-05-30", sharepoint="2026-05-28", teams="2026-05-31"
    ),
    m365_row(CONCEALED, teams="2026-05-29"),
    m365_row(CONCEALED_IDLE),  # licensed, never active: no event
    m365_row("old@acme.fr", deleted="2026-05-20", exchange="2026-05-19", teams="2026-02-30"),
    m365_row("", onedrive="2026-05-30"),
    m365_row("marie@acme.fr", exchange="2099-01-01", onedrive="2026-05-31", teams="2099-01-02"),
    ["2026-05-31", "short@acme.fr", "Short"],
)


def test_m365_golden_read(write):
    path = write("m365/active-users-2026-05-31.csv", M365_REPORT)
    header, rows = read_rows("m365-active-users", path)
    assert header == M365_HEADER + M365_DERIVED
    # number counts the rows read (events and malformed rows); line is the user's CSV line
    assert [(r.line, r.number) for r in rows] == [
        (2, 1),
        (2, 2),
        (2, 3),
        (3, 4),
        (5, 5),
        (5, 6),
        (6, 7),
        (7, 8),
        (7, 9),
        (7, 10),
        (8, 11),
    ]
    events = [tuple(r.values[k] for k in M365_DERIVED) for r in rows if r.values is not None]
    assert events == [
        ("2026-05-30", "jean.dupont@acme.fr", "exchange", "exchange.active", "exchange|2026-05-30"),
        (
            "2026-05-28",
            "jean.dupont@acme.fr",
            "sharepoint",
            "sharepoint.active",
            "sharepoint|2026-05-28",
        ),
        ("2026-05-31", "jean.dupont@acme.fr", "teams", "teams.active", "teams|2026-05-31"),
        ("2026-05-29", CONCEALED, "teams", "teams.active", "teams|2026-05-29"),
        ("2026-05-19", "old@acme.fr", "exchange", "exchange.active", "exchange|2026-05-19"),
        ("2099-01-01", "marie@acme.fr", "exchange", "exchange.active", "exchange|2099-01-01"),
        ("2026-05-31", "marie@acme.fr", "onedrive", "onedrive.active", "onedrive|2026-05-31"),
        ("2099-01-02", "marie@acme.fr", "teams", "teams.active", "teams|2099-01-02"),
    ]
    by_number = {r.number: r for r in rows}
    assert by_number[6].values["Is Deleted"] == "True"  # a deleted user's activity is kept
    assert by_number[6].values["Display Name"] == "Old"
    old_line = "2026-05-31,old@acme.fr,Old,True,2026-05-20,True,True,True,False,False,True,"
    assert (by_number[5].values, by_number[5].raw[: len(old_line)]) == (None, old_line)
    assert by_number[5].error == (
        "column 'Teams Last Activity Date': '2026-02-30' is not a yyyy-mm-dd date"
    )
    assert by_number[7].error == "column 'User Principal Name' is empty"
    assert by_number[11].error == "the row has 3 cells but the header has 25"
    assert by_number[11].raw == "2026-05-31,short@acme.fr,Short"
    # an event's raw text is its user's row (no BOM, no CR) and a line naming its column
    row_text, column = by_number[1].raw.split("\n")
    assert row_text.startswith("2026-05-31,jean.dupont@acme.fr,Jean Dupont,False,,")
    assert row_text.endswith(",MICROSOFT 365 E3+MICROSOFT TEAMS,7")
    assert column == "# Exchange Last Activity Date"
    assert by_number[3].raw == f"{row_text}\n# Teams Last Activity Date"


def test_m365_a_row_with_several_problems_names_them_all(write):
    path = write("m365.csv", m365_csv(m365_row(" ", exchange="31/05/2026", teams="2026-05-31")))
    _, rows = read_rows("m365-active-users", path)
    assert [(r.number, r.values, r.error) for r in rows] == [
        (
            1,
            None,
            "column 'User Principal Name' is empty; "
            "column 'Exchange Last Activity Date': '31/05/2026' is not a yyyy-mm-dd date",
        )
    ]


@pytest.mark.parametrize(
    ("product", "slug"),
    [
        ("Exchange", "exchange"),
        ("OneDrive", "onedrive"),
        ("SharePoint", "sharepoint"),
        ("Skype For Business", "skype"),
        ("Yammer", "yammer"),
        ("Teams", "teams"),
        ("  teams ", "teams"),
        ("Microsoft 365 Copilot", "microsoft-365-copilot"),
    ],
)
def test_m365_product_slugs(product, slug):
    assert m365_active_users.product_slug(product) == slug


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("2026-05-31", "2026-05-31"),
        (" 2026-05-31 ", "2026-05-31"),
        ("2026-02-30", None),
        ("31/05/2026", None),
        ("2026-5-31", None),
        ("2026-05-31T00:00:00", None),
        ("٢٠٢٦-٠٥-٣١", None),  # Arabic-Indic digits match \d but are no date of this report
    ],
)
def test_m365_activity_dates_are_yyyy_mm_dd(text, day):
    assert m365_active_users.activity_date(text) == day


def test_m365_files_that_are_not_the_report(write):
    with pytest.raises(FileError, match="not a Microsoft 365 active users report: no 'User"):
        read_rows("m365-active-users", write("roster.csv", "Matricule;Service\nA1;Compta\n"))
    with pytest.raises(FileError, match="no '<Product> Last Activity Date' column"):
        read_rows("m365-active-users", write("upn.csv", "User Principal Name\na@x.fr\n"))
    assert read_rows("m365-active-users", write("empty.csv", b"")) == ([], [])
    header, rows = read_rows("m365-active-users", write("header_only.csv", m365_csv()))
    assert (header, rows) == (M365_HEADER + M365_DERIVED, [])


M365_CONFIG = """
timezone: Europe/Paris
sources:
  - name: m365
    kind: usage
    format: m365-active-users
    path: m365/active-users-*.csv
"""


def test_m365_through_the_pipeline(store_url, make_config, write):
    write("m365/active-users-2026-05-31.csv", M365_REPORT)
    config = load_config(make_config(M365_CONFIG, store=store_url))
    store = open_store(config.store_url)
    pseudo = Pseudonymizer(config.secret_key())
    try:
        (outcome,) = collect(config, store)
        # 11 rows: 6 events stored; 3 malformed rows and 2 events in the future quarantined
        assert [f.status for f in outcome.files] == ["ok"]
        assert tallies(outcome) == [(11, 6, 0, 5)]
        ledger_holds(store)
        with store.session() as session:
            events = session.execute(
                select(UsageEvent.ts, UsageEvent.day, UsageEvent.user_key, UsageEvent.feature)
                .add_columns(UsageEvent.action, UsageEvent.outcome, UsageEvent.status)
                .order_by(UsageEvent.ts, UsageEvent.feature)
            ).all()
        jean, marie = pseudo("jean.dupont@acme.fr"), pseudo("marie@acme.fr")
        assert [(day, user, feature, action) for _, day, user, feature, action, *_ in events] == [
            (dt.date(2026, 5, 19), pseudo("old@acme.fr"), "exchange", "exchange.active"),
            (dt.date(2026, 5, 28), jean, "sharepoint", "sharepoint.active"),
            (dt.date(2026, 5, 29), pseudo(CONCEALED), "teams", "teams.active"),
            (dt.date(2026, 5, 30), jean, "exchange", "exchange.active"),
            (dt.date(2026, 5, 31), marie, "onedrive", "onedrive.active"),
            (dt.date(2026, 5, 31), jean, "teams", "teams.active"),
        ]
        assert CONCEALED.casefold() not in {e.user_key for e in events}  # pseudonymized too
        assert {(e.outcome, e.status) for e in events} == {(None, None)}
        # a date is midnight in Paris: 22:00 UTC the day before, in May (UTC+2)
        assert events[1].ts.astimezone(UTC) == dt.datetime(2026, 5, 27, 22, 0, tzinfo=UTC)

        shown = "m365/active-users-2026-05-31.csv"
        entries = quarantine_of(store, "m365")
        assert [(path, line, stage) for path, line, stage, _, _ in entries] == [
            (shown, 5, "parse"),
            (shown, 6, "parse"),
            (shown, 7, "validate"),
            (shown, 7, "validate"),
            (shown, 8, "parse"),
        ]
        assert entries[0].reason == (
            "column 'Teams Last Activity Date': '2026-02-30' is not a yyyy-mm-dd date"
        )
        assert entries[1].reason == "column 'User Principal Name' is empty"
        # two events of one user refused later are two entries, each naming its column
        assert entries[2].reason == "the time 2099-01-01T00:00:00+01:00 is in the future"
        assert entries[2].raw.endswith("\n# Exchange Last Activity Date")
        assert entries[3].reason == "the time 2099-01-02T00:00:00+01:00 is in the future"
        assert entries[3].raw.endswith("\n# Teams Last Activity Date")
        assert entries[4].reason == "the row has 3 cells but the header has 25"
        assert entries[4].raw == "2026-05-31,short@acme.fr,Short"

        assert_collect_again_adds_nothing(config, store)

        # The next day's report: the same last dates are duplicates, a new one is an event.
        write(
            "m365/active-users-2026-06-01.csv",
            m365_csv(
                m365_row(
                    "jean.dupont@acme.fr",
                    refresh="2026-06-01",
                    exchange="2026-05-30",
                    sharepoint="2026-05-28",
                    teams="2026-06-01",
                ),
                m365_row(CONCEALED, refresh="2026-06-01", teams="2026-05-29"),
            ),
        )
        (next_day,) = collect(config, store)
        assert [f.status for f in next_day.files] == ["skipped", "ok"]
        assert tallies(next_day)[1] == (4, 1, 3, 0)
        assert counts(store)[0] == 7
        ledger_holds(store)
    finally:
        store.dispose()


# ============================================================================================
# salesforce-eventlog

SF_LOGIN_HEADER = (
    "EVENT_TYPE",
    "TIMESTAMP",
    "REQUEST_ID",
    "ORGANIZATION_ID",
    "USER_ID",
    "RUN_TIME",
    "CPU_TIME",
    "URI",
    "SESSION_KEY",
    "LOGIN_KEY",
    "USER_TYPE",
    "REQUEST_STATUS",
    "DB_TOTAL_TIME",
    "LOGIN_STATUS",
    "BROWSER_TYPE",
    "API_TYPE",
    "API_VERSION",
    "USER_NAME",
    "TLS_PROTOCOL",
    "CIPHER_SUITE",
    "TIMESTAMP_DERIVED",
    "USER_ID_DERIVED",
    "CLIENT_IP",
    "URI_ID_DERIVED",
)
SF_URI_HEADER = (
    "EVENT_TYPE",
    "TIMESTAMP",
    "REQUEST_ID",
    "ORGANIZATION_ID",
    "USER_ID",
    "RUN_TIME",
    "CPU_TIME",
    "URI",
    "SESSION_KEY",
    "LOGIN_KEY",
    "USER_TYPE",
    "REQUEST_STATUS",
    "DB_TOTAL_TIME",
    "REFERRER_URI",
)
ORG = "00D5e000000XyZa"
# The 18-character form of 0055e000001AbCd: chunks 0055e, 00000 and 1AbCd have their capitals at
# no position (→ A), none (→ A) and positions 1 and 3 (2 + 8 = 10 → K).
JEAN_15, JEAN_18 = "0055e000001AbCd", "0055e000001AbCdAAK"
# The same characters in another case: another user (chunk 1aBcD: positions 2 and 4 → U).
OTHER_15, OTHER_18 = "0055e000001aBcD", "0055e000001aBcDAAU"


def sf_csv(header: tuple[str, ...], *rows: dict[str, str]) -> bytes:
    """An EventLogFile as Salesforce writes it: every cell quoted, LF endings, no BOM."""
    out = io.StringIO()
    writer = csv.writer(out, quoting=csv.QUOTE_ALL, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([row.get(h, "") for h in header])
    return out.getvalue().encode("utf-8")


SF_LOGIN = sf_csv(
    SF_LOGIN_HEADER,
    {
        "EVENT_TYPE": "Login",
        "TIMESTAMP": "20260531140304.123",
        "REQUEST_ID": "4exLFFQZ1234",
        "ORGANIZATION_ID": ORG,
        "USER_ID": JEAN_15,
        "RUN_TIME": "120",
        "CPU_TIME": "40",
        "URI": "/index.jsp",
        "USER_TYPE": "Standard",
        "LOGIN_STATUS": "LOGIN_NO_ERROR",
        "BROWSER_TYPE": "Chrome",
        "USER_NAME": "jean.dupont@acme.fr",
        "TIMESTAMP_DERIVED": "2026-05-31T14:03:04.123Z",
        "USER_ID_DERIVED": JEAN_18,
        "CLIENT_IP": "203.0.113.7",
    },
    {
        "EVENT_TYPE": "Login",
        "TIMESTAMP": "20260531223000.000",
        "REQUEST_ID": "4exLFFQZ1235",
        "ORGANIZATION_ID": ORG,
        "USER_ID": JEAN_15,
        "RUN_TIME": "80",
        "URI": "/index.jsp",
        "REQUEST_STATUS": "F",
        "LOGIN_STATUS": "LOGIN_ERROR_INVALID_PASSWORD",
        "TIMESTAMP_DERIVED": "2026-05-31T22:30:00.000Z",
        "USER_ID_DERIVED": JEAN_18,
    },
    {
        "EVENT_TYPE": "Login",
        "TIMESTAMP": "20260531250000.000",
        "REQUEST_ID": "4exLFFQZ1236",
        "USER_ID": JEAN_15,
        "LOGIN_STATUS": "LOGIN_NO_ERROR",
        "TIMESTAMP_DERIVED": "2026-05-31T25:00:00.000Z",
        "USER_ID_DERIVED": JEAN_18,
    },
)
# Only the compact TIMESTAMP (UTC) and the 15-character USER_ID: no derived fields.
SF_URI = sf_csv(
    SF_URI_HEADER,
    {
        "EVENT_TYPE": "URI",
        "TIMESTAMP": "20260531220500.5",
        "REQUEST_ID": "4exLFFQZ2001",
        "USER_ID": JEAN_15,
        "RUN_TIME": "350",
        "URI": "/lightning/r/Account/0015e00000AbCdEAAZ/view?ws=%2Flightning%2Fr",
        "REQUEST_STATUS": "S",
    },
    {
        "EVENT_TYPE": "URI",
        "TIMESTAMP": "20260531220501.000",
        "REQUEST_ID": "4exLFFQZ2002",
        "USER_ID": JEAN_15,
        "RUN_TIME": "90",
        "URI": "/0015e00000AbCdE",
        "REQUEST_STATUS": "F",
    },
    {
        "EVENT_TYPE": "URI",
        "TIMESTAMP": "20260531090000.000",
        "REQUEST_ID": "4exLFFQZ2003",
        "USER_ID": OTHER_15,
        "RUN_TIME": "",
        "URI": "/apex/InvoicePage",
        "REQUEST_STATUS": "N",
    },
    {
        "EVENT_TYPE": "URI",
        "TIMESTAMP": "2026053109",
        "REQUEST_ID": "4exLFFQZ2004",
        "USER_ID": OTHER_15,
        "URI": "/home/home.jsp",
        "REQUEST_STATUS": "S",
    },
)
SF_DERIVED = ["time_iso", "user", "feature", "action", "outcome", "duration_ms", "event_id"]


def test_salesforce_golden_read(write):
    header, rows = read_rows("salesforce-eventlog", write("Login.csv", SF_LOGIN))
    assert header == [*SF_LOGIN_HEADER, *SF_DERIVED]
    assert [(r.line, r.number) for r in rows] == [(2, 1), (3, 2), (4, 3)]
    assert [[r.values[c] for c in SF_DERIVED] for r in rows] == [
        ["2026-05-31T14:03:04.123Z", JEAN_18, "login", "login", "ok", "120", "4exLFFQZ1234"],
        ["2026-05-31T22:30:00.000Z", JEAN_18, "login", "login", "", "80", "4exLFFQZ1235"],
        ["2026-05-31T25:00:00.000Z", JEAN_18, "login", "login", "ok", "", "4exLFFQZ1236"],
    ]
    assert rows[0].values["CLIENT_IP"] == "203.0.113.7"  # the file's own columns are kept

    header, rows = read_rows("salesforce-eventlog", write("URI.csv", SF_URI))
    assert header == [*SF_URI_HEADER, *SF_DERIVED]
    assert [[r.values[c] for c in SF_DERIVED] for r in rows] == [
        [
            "2026-05-31T22:05:00.5+00:00",
            JEAN_18,
            "uri",
            "/lightning/r/Account/{id}/view",
            "ok",
            "350",
            "4exLFFQZ2001",
        ],
        ["2026-05-31T22:05:01.000+00:00", JEAN_18, "uri", "/{id}", "error", "90", "4exLFFQZ2002"],
        [
            "2026-05-31T09:00:00.000+00:00",
            OTHER_18,
            "uri",
            "/apex/InvoicePage",
            "",
            "",
            "4exLFFQZ2003",
        ],
        ["2026053109", OTHER_18, "uri", "/home/home.jsp", "ok", "", "4exLFFQZ2004"],
    ]


def test_salesforce_derived_columns_need_their_source_and_never_hide_the_files_own(write):
    path = write("odd.csv", "EVENT_TYPE,TIMESTAMP,Action,USER_NAME\nURI,20260531090000,mine,u@x\n")
    header, rows = read_rows("salesforce-eventlog", path)
    assert header == ["EVENT_TYPE", "TIMESTAMP", "Action", "USER_NAME", "time_iso", "feature"]
    assert rows[0].values["Action"] == "mine"
    assert rows[0].values["time_iso"] == "2026-05-31T09:00:00+00:00"
    plain = write("plain.csv", "a,b\n1,2\n")
    assert read_rows("salesforce-eventlog", plain) == (["a", "b"], read_rows("csv", plain)[1])
    assert read_rows("salesforce-eventlog", write("empty.csv", b"")) == ([], [])


@pytest.mark.parametrize(
    ("id15", "id18"),
    [
        ("001A0000006Vm9r", "001A0000006Vm9rIAC"),  # Salesforce's own example
        (JEAN_15, JEAN_18),
        (OTHER_15, OTHER_18),
        ("005000000000000", "005000000000000AAA"),
        ("ABCDEABCDEABCDE", "ABCDEABCDEABCDE555"),  # all capitals: 31 → 5
        (JEAN_18, JEAN_18),  # already 18 characters
        ("", ""),
        ("0055e000001AbC-", "0055e000001AbC-"),  # not an id: kept
        ("0055e000001AbCé", "0055e000001AbCé"),
    ],
)
def test_salesforce_15_character_ids_get_their_case_suffix(id15, id18):
    assert sf.id18(id15) == id18


@pytest.mark.parametrize(
    ("text", "iso"),
    [
        ("20260531140304.123", "2026-05-31T14:03:04.123+00:00"),
        ("20260531140304", "2026-05-31T14:03:04+00:00"),
        (" 20260531140304.5 ", "2026-05-31T14:03:04.5+00:00"),
        ("2026-05-31T14:03:04.123Z", "2026-05-31T14:03:04.123Z"),  # other text as it is
        ("20260531", "20260531"),
        ("", ""),
    ],
)
def test_salesforce_compact_timestamps_are_utc(text, iso):
    assert sf.compact_to_iso(text) == iso


@pytest.mark.parametrize(
    ("uri", "action"),
    [
        ("/lightning/r/Account/0015e00000AbCdEAAZ/view", "/lightning/r/Account/{id}/view"),
        ("/0015e00000AbCdE?srPos=0&srKp=001", "/{id}"),
        ("/0015e00000AbCdE/e#top", "/{id}/e"),
        ("/apex/InvoicePage", "/apex/InvoicePage"),
        ("/services/data/v60.0/sobjects/Account/12", "/services/data/v60.0/sobjects/Account/{id}"),
        ("/lightning/o/Opportunity/list", "/lightning/o/Opportunity/list"),
        (
            "/sfc/servlet.shepherd/version/download/0685e000001XyZaAAK",
            "/sfc/servlet.shepherd/version/download/{id}",
        ),
        ("/setup/SetupOneHome/home", "/setup/SetupOneHome/home"),  # 12 letters: not an id
        ("", ""),
    ],
)
def test_salesforce_uris_group_their_ids(uri, action):
    assert sf.normalize_uri(uri) == action


SF_CONFIG = """
timezone: Europe/Paris
sources:
  - name: salesforce
    kind: usage
    format: salesforce-eventlog
    path: salesforce/*.csv
    csv: {decimal: ","}
"""


def test_salesforce_through_the_pipeline(store_url, make_config, write):
    write("salesforce/Login-2026-05-31.csv", SF_LOGIN)
    write("salesforce/URI-2026-05-31.csv", SF_URI)
    config = load_config(make_config(SF_CONFIG, store=store_url))
    store = open_store(config.store_url)
    pseudo = Pseudonymizer(config.secret_key())
    try:
        (outcome,) = collect(config, store)
        assert [f.status for f in outcome.files] == ["ok", "ok"]
        assert tallies(outcome) == [(3, 2, 0, 1), (4, 3, 0, 1)]
        ledger_holds(store)
        with store.session() as session:
            events = session.execute(
                select(UsageEvent.ts, UsageEvent.day, UsageEvent.user_key, UsageEvent.feature)
                .add_columns(UsageEvent.action, UsageEvent.outcome, UsageEvent.duration_ms)
                .order_by(UsageEvent.ts)
            ).all()
        jean, other = pseudo(JEAN_18), pseudo(OTHER_18)
        assert jean != other  # 15-character ids differing only in case are two users
        assert [(ts.astimezone(UTC), *rest) for ts, *rest in events] == [
            (
                dt.datetime(2026, 5, 31, 9, 0, tzinfo=UTC),  # compact TIMESTAMP: UTC, not Paris
                dt.date(2026, 5, 31),
                other,
                "uri",
                "/apex/InvoicePage",
                None,  # N (not found): no outcome
                None,
            ),
            (
                dt.datetime(2026, 5, 31, 14, 3, 4, 123000, tzinfo=UTC),
                dt.date(2026, 5, 31),
                jean,
                "login",
                "login",
                "ok",
                120.0,
            ),
            (
                dt.datetime(2026, 5, 31, 22, 5, 0, 500000, tzinfo=UTC),
                dt.date(2026, 6, 1),  # 00:05 in Paris
                jean,  # USER_ID and USER_ID_DERIVED of one user are one person
                "uri",
                "/lightning/r/Account/{id}/view",
                "ok",
                350.0,
            ),
            (
                dt.datetime(2026, 5, 31, 22, 5, 1, tzinfo=UTC),
                dt.date(2026, 6, 1),
                jean,
                "uri",
                "/{id}",
                "error",
                90.0,
            ),
            (
                dt.datetime(2026, 5, 31, 22, 30, tzinfo=UTC),
                dt.date(2026, 6, 1),
                jean,
                "login",
                "login",
                None,  # LOGIN_ERROR_INVALID_PASSWORD: the user's doing, no outcome
                80.0,
            ),
        ]
        entries = quarantine_of(store, "salesforce")
        assert [(path, line, stage, reason) for path, line, stage, reason, _ in entries] == [
            (
                "salesforce/Login-2026-05-31.csv",
                4,
                "convert",
                "column 'time_iso' (ts): '2026-05-31T25:00:00.000Z' is not a date this source "
                "understands (set dates.format in the source config if it is unusual)",
            ),
            (
                "salesforce/URI-2026-05-31.csv",
                5,
                "convert",
                "column 'time_iso' (ts): '2026053109' is not a date this source understands "
                "(set dates.format in the source config if it is unusual)",
            ),
        ]
        assert entries[1].raw == (
            '"URI","2026053109","4exLFFQZ2004","","0055e000001aBcD","","","/home/home.jsp",'
            '"","","","S","",""'
        )
        assert_collect_again_adds_nothing(config, store)
    finally:
        store.dispose()


# ============================================================================================
# json-log

# python-json-logger: naive asctime with a comma, levelname, name, an e-mail in the message, an
# extra user, a traceback; then a level that is none, and a line cut short by a crash.
PYTHON_JSON_LOGGER = (
    '{"asctime": "2026-05-02 09:00:00,123", "levelname": "ERROR", "name": "billing.pdf", '
    '"message": "export failed for a1@x.fr", "user": "A1", '
    '"exc_info": "Traceback (most recent call last):\\n  File \\"pdf.py\\""}\n'
    '{"asctime": "2026-05-02 23:30:00,000", "levelname": "WARNING", "name": "sync", '
    '"message": "slow sync", "module": "jobs"}\n'
    '{"asctime": "2026-05-02 09:05:00,000", "levelname": "LOUD", "name": "billing", '
    '"message": "?"}\n'
    '{"asctime": "2026-05-02 09:06:00,000", "levelname": "ERROR", "name": "billing", "mess'
)
# pino: epoch milliseconds, numeric levels, msg, err.message when there is no msg, req.url, and
# a level that is not pino's.
PINO = (
    '{"level":50,"time":1717171717171,"pid":7,"hostname":"api-1","name":"api",'
    '"msg":"request failed","err":{"type":"Error","message":"ECONNRESET","stack":"Error: x"},'
    '"req":{"url":"/invoices/12","method":"GET"},"user":{"id":"A2"}}\n'
    '{"level":60,"time":1717171777000,"pid":7,"hostname":"api-1","name":"api",'
    '"err":{"type":"RangeError","message":"out of memory"}}\n'
    '{"level":30,"time":1717171800000,"pid":7,"hostname":"api-1","name":"api","msg":"listening"}\n'
    '{"level":35,"time":1717171801000,"name":"api","msg":"?"}\n'
)
# A Sentry export saved as one pretty-printed array: an event as the API lists it (dateCreated,
# level and logger only in tags, an empty message beside its title, the user's e-mail), a string,
# an event's own JSON (epoch timestamp, tags as pairs, logentry) and an event with no time.
SENTRY_EVENTS = [
    {
        "eventID": "9fac2ceed9344f2bbfdd1fdacb0ed9b1",
        "id": "9fac2ceed9344f2bbfdd1fdacb0ed9b1",
        "dateCreated": "2024-05-31T22:15:00.123000Z",
        "title": "ZeroDivisionError: division by zero",
        "message": "",
        "culprit": "billing.views in export_pdf",
        "user": {"id": None, "email": "jean.dupont@acme.fr", "username": None},
        "tags": [
            {"key": "environment", "value": "production"},
            {"key": "level", "value": "error"},
            {"key": "logger", "value": "billing"},
            {"key": "user", "value": "email:jean.dupont@acme.fr"},
        ],
    },
    "not an event",
    {
        "event_id": "3b8f2ce5a1d04f0e9c7b6a5d4e3f2a1b",
        "timestamp": 1717171717.5,
        "level": "fatal",
        "logger": "",
        "culprit": "sync.jobs in run",
        "logentry": {"formatted": "sync failed for marie@acme.fr, call 06 12 34 56 78"},
        "user": {"id": "42"},
        "tags": [["level", "fatal"], ["user", "id:42"]],
        "entries": [{"type": "exception", "data": {"values": [{"type": "MemoryError"}]}}],
    },
    {"event_id": "c0ffee", "level": "error", "title": "no time at all"},
]
SENTRY_ARRAY = json.dumps(SENTRY_EVENTS, indent=2)
# A Sentry export cut short in its second event.
SENTRY_CUT = (
    '[{"event_id":"a1","timestamp":1717171717,"level":"error","message":"first",'
    '"tags":[{"key":"user","value":"id:7"}]}, {"event_id":"a2","timestamp":17171'
)
# pino usage: the same event twice (a duplicate), and two alike but for their event_id.
PINO_USAGE = (
    '{"level":30,"time":1717171717171,"user":{"id":3},"msg":"invoice.create","event_id":"e1"}\n'
    '{"level":30,"time":1717171717171,"user":{"id":3},"msg":"invoice.create","event_id":"e1"}\n'
    '{"level":30,"time":1717171717171,"user":{"id":3},"msg":"invoice.create","event_id":"e2"}\n'
    '{"level":30,"time":1717171720000,"msg":"no user"}\n'
)
LOG_DERIVED = ["log_time", "log_level", "log_module", "log_message", "log_user", "log_event_id"]


def derived_of(rows) -> list[dict[str, str] | None]:
    return [
        None if r.values is None else {k: r.values[k] for k in LOG_DERIVED if k in r.values}
        for r in rows
    ]


def test_json_log_python_json_logger_and_pino(write):
    header, rows = read_rows("json-log", write("app.jsonl", PYTHON_JSON_LOGGER))
    assert header[-5:] == LOG_DERIVED[:5]  # no event_id key: no log_event_id
    assert derived_of(rows)[:2] == [
        {
            "log_time": "2026-05-02 09:00:00,123",
            "log_level": "error",
            "log_module": "billing.pdf",
            "log_message": "export failed for a1@x.fr",
            "log_user": "A1",
        },
        {
            "log_time": "2026-05-02 23:30:00,000",
            "log_level": "warning",
            "log_module": "sync",  # the logger name before the module
            "log_message": "slow sync",
        },
    ]
    assert [(r.line, r.number) for r in rows] == [(1, 1), (2, 2), (3, 3), (4, 4)]
    assert rows[3].values is None
    assert rows[3].error.startswith("line is not a JSON object: Unterminated string")

    _, rows = read_rows("json-log", write("api.jsonl", PINO))
    assert derived_of(rows) == [
        {
            "log_time": "2024-05-31T16:08:37.171000+00:00",
            "log_level": "error",
            "log_module": "api",
            "log_message": "request failed",
            "log_user": "A2",
        },
        {
            "log_time": "2024-05-31T16:09:37+00:00",
            "log_level": "fatal",
            "log_module": "api",
            "log_message": "out of memory",  # no msg: err.message
        },
        {
            "log_time": "2024-05-31T16:10:00+00:00",
            "log_level": "info",
            "log_module": "api",
            "log_message": "listening",
        },
        {
            "log_time": "2024-05-31T16:10:01+00:00",
            "log_level": "35",
            "log_module": "api",
            "log_message": "?",
        },
    ]
    assert rows[0].values["req.url"] == "/invoices/12"


def test_json_log_sentry_array(write):
    header, rows = read_rows("json-log", write("sentry.json", SENTRY_ARRAY))
    assert header[-6:] == LOG_DERIVED
    # one row per element: line and number are the element's position
    assert [(r.line, r.number) for r in rows] == [(1, 1), (2, 2), (3, 3), (4, 4)]
    assert derived_of(rows) == [
        {
            "log_time": "2024-05-31T22:15:00.123000Z",
            "log_level": "error",  # from the tags
            "log_module": "billing",  # the logger tag before the culprit
            "log_message": "ZeroDivisionError: division by zero",  # message is empty
            "log_user": "jean.dupont@acme.fr",
            "log_event_id": "9fac2ceed9344f2bbfdd1fdacb0ed9b1",
        },
        None,
        {
            "log_time": "2024-05-31T16:08:37.500000+00:00",
            "log_level": "fatal",
            "log_module": "sync.jobs in run",  # logger is empty
            "log_message": "sync failed for marie@acme.fr, call 06 12 34 56 78",
            "log_user": "42",
            "log_event_id": "3b8f2ce5a1d04f0e9c7b6a5d4e3f2a1b",
        },
        {
            "log_level": "error",
            "log_message": "no time at all",
            "log_event_id": "c0ffee",
        },
    ]
    assert rows[1].error == "element is not a JSON object: found a string"
    assert rows[1].raw == '"not an event"'
    assert rows[0].raw.startswith('{\n    "eventID": "9fac2ceed9344f2bbfdd1fdacb0ed9b1",')
    assert json.loads(rows[2].raw) == SENTRY_EVENTS[2]

    # the same events as one line, and as JSON Lines, read the same
    _, one_line = read_rows("json-log", write("sentry_one_line.json", json.dumps(SENTRY_EVENTS)))
    lines = "\n".join(json.dumps(e) for e in SENTRY_EVENTS)
    _, as_lines = read_rows("json-log", write("sentry.jsonl", lines))
    assert derived_of(one_line) == derived_of(as_lines) == derived_of(rows)
    assert [r.line for r in as_lines] == [1, 2, 3, 4]


def test_json_log_arrays_cut_short_empty_or_followed_by_junk(write):
    _, rows = read_rows("json-log", write("cut.json", SENTRY_CUT))
    assert [(r.line, r.values is None) for r in rows] == [(1, False), (2, True)]
    assert rows[0].values["log_user"] == "7"
    assert rows[0].values["log_time"] == "2024-05-31T16:08:37+00:00"
    assert rows[1].error.startswith("the array cannot be read from here on: Expecting ")
    assert rows[1].raw == '{"event_id":"a2","timestamp":17171'  # the rest of the file

    _, rows = read_rows("json-log", write("junk.json", '\ufeff [{"a": 1}] trailing\n'))
    assert [(r.line, r.values, r.error, r.raw) for r in rows] == [
        (1, {"a": "1"}, None, '{"a": 1}'),
        (2, None, "extra data after the end of the array", "trailing"),
    ]
    _, rows = read_rows("json-log", write("no_comma.json", '[{"a": 1} {"b": 2}]'))
    assert [r.error for r in rows] == [
        None,
        "the array cannot be read from here on: expected , or ] after an element",
    ]
    assert read_rows("json-log", write("empty_array.json", " [ ]\n")) == ([], [])
    assert read_rows("json-log", write("empty.json", "")) == ([], [])
    _, rows = read_rows("json-log", write("nan.json", '[{"a": NaN}, {"a": 2}]'))
    assert [r.error for r in rows] == ["element is not a JSON object: NaN is not valid JSON", None]
    _, rows = read_rows("json-log", write("bytes.json", b'[{"a": "\xff"}, {"a": "ok"}]'))
    assert rows[0].error == "element is not a JSON object: byte 0xff at position 7 is not UTF-8"
    assert rows[0].raw == '{"a": "\\xff"}'
    assert rows[1].values == {"a": "ok"}


def test_json_lines_whose_first_line_is_an_array_stay_json_lines(write):
    _, rows = read_rows("json-log", write("lines.jsonl", '[{"level": 30}]\n{"msg": "x"}\n'))
    assert [(r.line, r.error) for r in rows] == [
        (1, "line is not a JSON object: found an array"),
        (2, None),
    ]


def test_json_log_too_large_an_array_fails_the_file(write, monkeypatch):
    monkeypatch.setattr(jl, "ARRAY_MAX_BYTES", 10)
    with pytest.raises(
        FileError, match=r"too large to load whole.*export the events as JSON Lines"
    ):
        read_rows("json-log", write("big.json", '[{"a": "0123456789"}]'))


@pytest.mark.parametrize(
    ("tags", "found"),
    [
        ('[{"key":"level","value":"error"}]', {"level": "error"}),
        ('[["level","fatal"],["user","id:42"]]', {"level": "fatal", "user": "id:42"}),
        ('[{"key":"n","value":3},{"key":"n","value":4},["bad"],{"key":null}]', {"n": "3"}),
        ('{"level":"error"}', {}),
        ("[not json", {}),
        ("", {}),
    ],
)
def test_sentry_tags(tags, found):
    assert jl.sentry_tags(tags) == found


JSON_LOG_CONFIG = """
timezone: Europe/Paris
sources:
  - name: app-errors
    kind: errors
    format: json-log
    path: logs/app.jsonl
  - name: api-errors
    kind: errors
    format: json-log
    path: logs/api.jsonl
  - name: sentry
    kind: errors
    format: json-log
    path: sentry/*.json
  - name: api-usage
    kind: usage
    format: json-log
    path: logs/usage.jsonl
"""


def test_json_log_through_the_pipeline(store_url, make_config, write):
    write("logs/app.jsonl", PYTHON_JSON_LOGGER)
    write("logs/api.jsonl", PINO)
    write("sentry/events.json", SENTRY_ARRAY)
    write("sentry/events_cut.json", SENTRY_CUT)
    write("logs/usage.jsonl", PINO_USAGE)
    config = load_config(make_config(JSON_LOG_CONFIG, store=store_url))
    store = open_store(config.store_url)
    pseudo = Pseudonymizer(config.secret_key())
    try:
        outcomes = by_name(collect(config, store))
        assert {f.status for o in outcomes.values() for f in o.files} == {"ok"}
        assert tallies(outcomes["app-errors"]) == [(4, 2, 0, 2)]
        assert tallies(outcomes["api-errors"]) == [(4, 3, 0, 1)]
        assert tallies(outcomes["sentry"]) == [(4, 2, 0, 2), (2, 1, 0, 1)]
        assert tallies(outcomes["api-usage"]) == [(4, 2, 1, 1)]
        ledger_holds(store)

        def errors_of(name: str):
            with store.session() as session:
                return [
                    (ts.astimezone(UTC), *rest)
                    for ts, *rest in session.execute(
                        select(ErrorEvent.ts, ErrorEvent.day, ErrorEvent.level, ErrorEvent.module)
                        .add_columns(ErrorEvent.message, ErrorEvent.user_key)
                        .where(ErrorEvent.source == name)
                        .order_by(ErrorEvent.ts)
                    )
                ]

        # asctime has no offset: read in Paris (UTC+2 in May)
        assert errors_of("app-errors") == [
            (
                dt.datetime(2026, 5, 2, 7, 0, 0, 123000, tzinfo=UTC),
                dt.date(2026, 5, 2),
                "error",
                "billing.pdf",
                "export failed for [e-mail]",
                pseudo("A1"),
            ),
            (
                dt.datetime(2026, 5, 2, 21, 30, tzinfo=UTC),
                dt.date(2026, 5, 2),
                "warning",
                "sync",
                "slow sync",
                None,
            ),
        ]
        assert errors_of("api-errors") == [
            (
                dt.datetime(2024, 5, 31, 16, 8, 37, 171000, tzinfo=UTC),
                dt.date(2024, 5, 31),
                "error",
                "api",
                "request failed",
                pseudo("A2"),
            ),
            (
                dt.datetime(2024, 5, 31, 16, 9, 37, tzinfo=UTC),
                dt.date(2024, 5, 31),
                "critical",  # pino 60
                "api",
                "out of memory",
                None,
            ),
            (
                dt.datetime(2024, 5, 31, 16, 10, tzinfo=UTC),
                dt.date(2024, 5, 31),
                "info",
                "api",
                "listening",
                None,
            ),
        ]
        assert errors_of("sentry") == [
            (
                dt.datetime(2024, 5, 31, 16, 8, 37, tzinfo=UTC),
                dt.date(2024, 5, 31),
                "error",
                None,
                "first",
                pseudo("7"),
            ),
            (
                dt.datetime(2024, 5, 31, 16, 8, 37, 500000, tzinfo=UTC),
                dt.date(2024, 5, 31),
                "critical",  # Sentry's fatal
                "sync.jobs in run",
                "sync failed for [e-mail], call [téléphone]",
                pseudo("42"),
            ),
            (
                dt.datetime(2024, 5, 31, 22, 15, 0, 123000, tzinfo=UTC),
                dt.date(2024, 6, 1),  # 00:15 in Paris
                "error",
                "billing",
                "ZeroDivisionError: division by zero",
                pseudo("jean.dupont@acme.fr"),  # the e-mail is pseudonymized, never stored
            ),
        ]
        with store.session() as session:
            usage = session.execute(
                select(UsageEvent.ts, UsageEvent.user_key, UsageEvent.feature, UsageEvent.action)
            ).all()
        three = pseudo("3")
        moment = dt.datetime(2024, 5, 31, 16, 8, 37, 171000, tzinfo=UTC)
        assert [(ts.astimezone(UTC), *rest) for ts, *rest in usage] == [
            (moment, three, "invoice", "invoice.create"),
            (moment, three, "invoice", "invoice.create"),  # another event_id: another event
        ]

        assert [(line, stage) for _, line, stage, _, _ in quarantine_of(store, "app-errors")] == [
            (3, "convert"),
            (4, "parse"),
        ]
        (pino_bad,) = quarantine_of(store, "api-errors")
        assert (pino_bad.line, pino_bad.stage) == (4, "convert")
        assert pino_bad.reason.startswith("column 'log_level' (level): '35' is not a log level")
        sentry = quarantine_of(store, "sentry")
        assert [(path, line, stage, reason) for path, line, stage, reason, _ in sentry] == [
            ("sentry/events.json", 2, "parse", "element is not a JSON object: found a string"),
            ("sentry/events.json", 4, "validate", "column 'log_time' (ts) is empty"),
            (
                "sentry/events_cut.json",
                2,
                "parse",
                "the array cannot be read from here on: Expecting ',' delimiter: line 1 "
                f"column {len(SENTRY_CUT) + 1} (char {len(SENTRY_CUT)})",
            ),
        ]
        assert sentry[0].raw == '"not an event"'
        assert json.loads(sentry[1].raw) == SENTRY_EVENTS[3]
        (usage_bad,) = quarantine_of(store, "api-usage")
        assert (usage_bad.line, usage_bad.stage) == (4, "validate")
        assert usage_bad.reason == "column 'log_user' (user) is empty"

        assert_collect_again_adds_nothing(config, store)
        # the cut export completed: its first event is a duplicate, the second is new
        write("sentry/events_cut.json", SENTRY_CUT + '17171,"level":"warning","message":"2nd"}]')
        again = by_name(collect(config, store, ["sentry"]))
        assert tallies(again["sentry"])[1] == (2, 1, 1, 0)
        assert counts(store)[1] == 9
        ledger_holds(store)
    finally:
        store.dispose()


# ============================================================================================
# Fuzzing: the readers never raise, and every row read ends once in the ledger

FUZZ = settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
_text = st.text(st.characters(codec="utf-8"), max_size=14)
_ascii_date = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _is_day(text: str) -> bool:
    if not _ascii_date.fullmatch(text.strip()):
        return False
    try:
        dt.date.fromisoformat(text.strip())
    except ValueError:
        return False
    return True


_upns = st.sampled_from(["", " ", "a@x.fr", CONCEALED, " B@X.fr "]) | _text
_days = st.sampled_from(["", " ", "2026-05-31", "2026-02-30", "31/05/2026", "2026-05-31 "]) | _text
_m365_rows = st.lists(st.tuples(_upns, _text, st.lists(_days, min_size=6, max_size=6)), max_size=6)


def _m365_file(rows) -> bytes:
    return m365_csv(
        *(
            m365_row(upn, name=name, **dict(zip(PRODUCTS, days, strict=True)))
            for upn, name, days in rows
        )
    )


@FUZZ
@given(rows=_m365_rows)
def test_fuzz_m365_rows(tmp_path, rows):
    path = tmp_path / "m365_fuzz.csv"
    path.write_bytes(_m365_file(rows))
    _, got = read_rows("m365-active-users", path)
    expected_sizes = []
    for upn, name, days in rows:
        if any("\0" in cell for cell in (upn, name, *days)):
            expected_sizes.append(1)  # the CSV reader refuses the row
            continue
        bad = not upn.strip() or any(d.strip() and not _is_day(d) for d in days)
        good = [d for d in days if _is_day(d)] if upn.strip() else []
        if bad or good:
            expected_sizes.append(int(bad) + len(good))
    sizes = [len(list(group)) for _, group in itertools.groupby(got, key=lambda r: r.line)]
    assert sizes == expected_sizes
    assert [r.number for r in got] == list(range(1, len(got) + 1))
    for row in got:
        if row.values is None:
            assert row.error
        else:
            assert _is_day(row.values["ts"]) and row.values["user"].strip() == row.values["user"]
            assert row.values["action"] == row.values["feature"] + ".active"
            assert row.raw.split("\n")[-1].startswith("# ")


_compact = st.datetimes(
    min_value=dt.datetime(2000, 1, 1), max_value=dt.datetime(2099, 12, 31), timezones=st.none()
)
_sf_rows = st.lists(
    st.fixed_dictionaries(
        {
            "EVENT_TYPE": st.sampled_from(["Login", "URI", "Logout", "ApexExecution", ""]) | _text,
            "TIMESTAMP": _compact.map(lambda d: d.strftime("%Y%m%d%H%M%S.%f")[:-3]) | _text,
            "TIMESTAMP_DERIVED": st.sampled_from(["", "2026-05-31T14:03:04.123Z"]) | _text,
            "USER_ID": st.sampled_from([JEAN_15, OTHER_15, ""]) | _text,
            "USER_ID_DERIVED": st.sampled_from(["", "", JEAN_18]),
            "URI": st.sampled_from(["/0015e00000AbCdE", "/apex/X?id=1", ""]) | _text,
            "REQUEST_STATUS": st.sampled_from(["S", "F", "A", "U", "R", "N", ""]) | _text,
            "LOGIN_STATUS": st.sampled_from(["", "LOGIN_NO_ERROR", "LOGIN_ERROR_X"]) | _text,
            "RUN_TIME": st.sampled_from(["120", "", "-1", "1e3", "nan"]) | _text,
        }
    ),
    max_size=6,
)


@FUZZ
@given(rows=_sf_rows, with_derived=st.booleans())
def test_fuzz_salesforce_rows(tmp_path, rows, with_derived):
    header = SF_LOGIN_HEADER if with_derived else SF_URI_HEADER
    path = tmp_path / "sf_fuzz.csv"
    path.write_bytes(sf_csv(header, *rows))
    _, got = read_rows("salesforce-eventlog", path)
    assert [r.number for r in got] == list(range(1, len(rows) + 1))
    for row, written in zip(got, rows, strict=True):
        if row.values is None:
            assert "\0" in "".join(written[h] for h in header if h in written)
            continue
        values = row.values
        assert values["outcome"] in ("ok", "error", "")
        assert values["feature"] == written["EVENT_TYPE"].strip().casefold()
        derived = written["TIMESTAMP_DERIVED"].strip() if with_derived else ""
        stamp = written["TIMESTAMP"].strip()
        if derived:
            assert values["time_iso"] == derived
        elif re.fullmatch(r"[0-9]{14}\.[0-9]{3}", stamp):
            moment = dt.datetime.strptime(stamp, "%Y%m%d%H%M%S.%f").replace(tzinfo=UTC)
            assert dt.datetime.fromisoformat(values["time_iso"]) == moment
        user = (written["USER_ID_DERIVED"] if with_derived else "") or written["USER_ID"].strip()
        assert values["user"].startswith(user)


@FUZZ
@given(
    a=st.text("abcxyzABCXYZ019", min_size=15, max_size=15),
    b=st.text("abcxyzABCXYZ019", min_size=15, max_size=15),
)
def test_fuzz_18_character_ids_are_unique_ignoring_case(a, b):
    assert sf.id18(a)[:15] == a and len(sf.id18(a)) == 18
    assert (sf.id18(a).casefold() == sf.id18(b).casefold()) == (a == b)


_json_scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=12)
)
_json = st.recursive(
    _json_scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner),
    max_leaves=8,
)
_log_keys = st.sampled_from(
    [
        *("time", "level", "msg", "message", "name", "logger", "culprit", "title", "user"),
        *("tags", "dateCreated", "event_id", "err", "levelname", "asctime", "timestamp"),
    ]
)
_log_objects = st.dictionaries(
    _log_keys | st.text(max_size=6),
    _json
    | st.lists(
        st.fixed_dictionaries(
            {"key": st.sampled_from(["level", "user", "logger"]), "value": _json}
        ),
        max_size=3,
    ),
    max_size=6,
)
_elements = st.lists(_log_objects | _json, max_size=6)


@FUZZ
@given(elements=_elements, indent=st.sampled_from([None, 0, 2]), cut=st.none() | st.integers(0))
def test_fuzz_json_log_arrays(tmp_path, elements, indent, cut):
    text = json.dumps(elements, indent=indent)
    if cut is not None:
        text = text[: cut % (len(text) + 1)]
    path = tmp_path / "json_log_fuzz.json"
    path.write_text(text, encoding="utf-8")
    header, rows = read_rows("json-log", path)
    assert [r.line for r in rows] == [r.number for r in rows] == list(range(1, len(rows) + 1))
    for row in rows:
        if row.values is not None:
            assert set(row.values) <= set(header)
            assert all(isinstance(v, str) for v in row.values.values())
    if cut is None:
        assert len(rows) == len(elements)
        for row, element in zip(rows, elements, strict=True):
            assert (row.values is not None) == isinstance(element, dict)
    else:
        broken = [r for r in rows if r.error and "cannot be read from here on" in r.error]
        assert broken in ([], rows[-1:])


@FUZZ
@given(
    lines=st.lists(
        st.one_of(
            st.binary(max_size=80).map(lambda b: b.replace(b"\n", b"")),
            _log_objects.map(lambda o: json.dumps(o).encode()),
        ),
        max_size=6,
    )
)
def test_fuzz_json_log_lines_never_raise(tmp_path, lines):
    path = tmp_path / "json_log_fuzz.jsonl"
    path.write_bytes(b"\n".join(lines))
    header, rows = read_rows("json-log", path)
    numbers = [r.number for r in rows]
    assert numbers == sorted(set(numbers))
    for row in rows:
        assert "\x00" not in row.raw
        if row.values is not None:
            assert set(row.values) <= set(header)


# Through the pipeline: any of these files, collected once, ends row by row in the ledger, with
# one quarantine entry per quarantined row, and never fails the file.

FUZZ_CONFIG = """
timezone: Europe/Paris
sources:
  - name: m365
    kind: usage
    format: m365-active-users
    path: fuzz/m365/*.csv
  - name: salesforce
    kind: usage
    format: salesforce-eventlog
    path: fuzz/salesforce/*.csv
  - name: log-errors
    kind: errors
    format: json-log
    path: fuzz/log-errors/*.json
  - name: log-usage
    kind: usage
    format: json-log
    path: fuzz/log-usage/*.json
"""
_json_log_files = st.one_of(
    _elements.map(lambda e: json.dumps(e).encode()),
    st.tuples(_elements, st.integers(0)).map(
        lambda t: json.dumps(t[0]).encode()[: t[1] % (len(json.dumps(t[0])) + 1)]
    ),
    st.lists(_log_objects.map(json.dumps), max_size=6).map(lambda ls: "\n".join(ls).encode()),
)
_files = st.one_of(
    st.tuples(st.just("m365"), _m365_rows.map(_m365_file)),
    st.tuples(
        st.just("salesforce"),
        st.tuples(st.booleans(), _sf_rows).map(
            lambda t: sf_csv(SF_LOGIN_HEADER if t[0] else SF_URI_HEADER, *t[1])
        ),
    ),
    st.tuples(st.sampled_from(["log-errors", "log-usage"]), _json_log_files),
)


_FILE_NUMBERS = itertools.count(1)  # every example writes a file of its own name


@pytest.fixture
def fuzz_store(store_url, make_config):
    config = load_config(make_config(FUZZ_CONFIG, store=store_url))
    store = open_store(config.store_url)
    yield config, store, set()
    store.dispose()


@settings(FUZZ, max_examples=200)
@given(file=_files)
def test_fuzz_through_the_pipeline(fuzz_store, tmp_path, file):
    config, store, collected = fuzz_store
    name, content = file
    folder = tmp_path / "fuzz" / name
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{next(_FILE_NUMBERS)}.{'csv' if name in ('m365', 'salesforce') else 'json'}"
    path.write_bytes(content)
    try:
        (outcome,) = collect(config, store, [name])
    finally:
        path.unlink()
    (read,) = outcome.files
    if (name, content) in collected:
        assert read.status == "skipped"  # the same bytes were read before, under another name
        return
    if read.status == "failed":
        # a file none of whose lines holds a time (or, for usage, a user) is refused whole
        assert "not in the header" in read.error and name.startswith("log-"), read.error
        with store.session() as session:
            ledger = session.scalars(select(IngestFile).where(IngestFile.path == read.path)).one()
            assert ledger.status == "failed" and not ledger.rows_read
        return
    assert read.status == "ok", (read.status, read.error)
    collected.add((name, content))
    with store.session() as session:
        ledger = session.scalars(select(IngestFile).where(IngestFile.path == read.path)).one()
        entries = session.scalar(
            select(func.count()).select_from(Quarantine).where(Quarantine.file_id == ledger.id)
        )
    assert ledger.rows_read == ledger.accepted + ledger.duplicates + ledger.quarantined
    assert (ledger.rows_read, entries) == (read.read, ledger.quarantined)
