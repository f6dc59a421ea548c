"""The Excel reader: workbooks built in code with openpyxl carrying real exports' gotchas, files
that are not workbooks, a roster and usage collected through the pipeline on SQLite and
PostgreSQL, and fuzzing (random cells never make it raise)."""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from collectors.privacy import Pseudonymizer
from collectors.readers import READERS, FileError
from collectors.readers.xlsx import cell_text, read_xlsx
from collectors.run import collect
from hypercare.config import SourceConfig, load_config
from metrics.store import open_store
from metrics.store.models import IngestFile, Person, PersonAlias, Quarantine, UsageEvent

SOURCE = SourceConfig(name="annuaire", kind="roster", format="xlsx", path="x.xlsx", index=0)


def workbook(path: Path, *sheets: tuple[str, list[list]]) -> Path:
    """Write a workbook with one sheet per (title, rows); ``None`` cells stay empty."""
    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, rows in sheets:
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(path)
    return path


def rows_of(path: Path, sheet: str | None = None):
    reading = read_xlsx(path, sheet)
    return reading.header, list(reading.rows)


# An HR export as an accountant keeps it: two empty rows above the header, accents, a repeated
# column, a trailing empty header cell, an empty row in the middle, a matricule typed as a number,
# dates as dates and as datetimes, amounts, a #N/A from a VLOOKUP and a #DIV/0!, a note typed to
# the right of the table.
ROSTER_ROWS = [
    [],
    [None, None],
    [
        " Matricule ",
        "Service",
        "Vague",
        "Mise en service",
        "Licence",
        "Téléphone",
        "Téléphone",
        None,
    ],
    ["A1", "Comptabilité", "pilote", dt.date(2026, 5, 31), True, "01 23", None],
    [1234, "ADV", "vague 2", dt.datetime(2026, 6, 1, 14, 3), False, None, "06 12"],
    [],
    ["A3", "#N/A", "pilote", dt.date(2026, 5, 31), True],
    ["A4", "Direction", "#DIV/0!", None, None, None, None, None, "à vérifier"],
    ["A5", "Logistique", None, dt.datetime(2026, 6, 2), 1, 12.0, 0.1, None, None, None],
]


def test_golden_roster_workbook(tmp_path):
    path = workbook(tmp_path / "xlsx_roster_fr_accents_errors.xlsx", ("Annuaire", ROSTER_ROWS))
    header, rows = rows_of(path)
    assert header == [
        "Matricule",
        "Service",
        "Vague",
        "Mise en service",
        "Licence",
        "Téléphone",
        "Téléphone (2)",
    ]
    assert [(r.line, r.number) for r in rows] == [(4, 1), (5, 2), (7, 3), (8, 4), (9, 5)]
    assert rows[0].values == {
        "Matricule": "A1",
        "Service": "Comptabilité",
        "Vague": "pilote",
        "Mise en service": "2026-05-31",
        "Licence": "true",
        "Téléphone": "01 23",
        "Téléphone (2)": "",
    }
    assert rows[0].raw == "A1;Comptabilité;pilote;2026-05-31;true;01 23"
    assert rows[1].values["Matricule"] == "1234"
    assert rows[1].values["Mise en service"] == "2026-06-01T14:03:00"  # naive: the source's zone
    assert rows[1].values["Licence"] == "false"
    assert rows[2].values is None
    assert rows[2].error == "cell B7 holds the spreadsheet error #N/A"
    assert rows[2].raw == "A3;#N/A;pilote;2026-05-31;true"
    assert rows[3].values is None
    assert rows[3].error == "cell C8 holds the spreadsheet error #DIV/0!"
    assert rows[4].values == {
        "Matricule": "A5",
        "Service": "Logistique",
        "Vague": "",
        "Mise en service": "2026-06-02T00:00:00",  # a datetime at midnight stays a datetime
        "Licence": "1",
        "Téléphone": "12",  # 12.0
        "Téléphone (2)": "0.1",
    }


def test_a_value_right_of_the_header_is_quarantined(tmp_path):
    path = workbook(tmp_path / "xlsx_note_beside.xlsx", ("S", [["a", "b"], [1, 2, None, "note"]]))
    _, (row,) = rows_of(path)
    assert row.values is None
    assert row.error == "cell D2 holds a value but the header (row 1) ends at column B"
    assert row.raw == "1;2;;note"


@pytest.mark.parametrize(
    ("value", "number_format", "text"),
    [
        (None, "General", ""),
        ("  spaced  ", "General", "  spaced  "),
        (True, "General", "true"),
        (12, "General", "12"),
        (12.0, "0.00", "12"),
        (-0.5, "General", "-0.5"),
        (1 / 3, "General", "0.3333333333333333"),
        (1e-05, "General", "1e-05"),
        (1e16, "General", "10000000000000000"),
        (dt.datetime(2026, 5, 31, 14, 3), "dd/mm/yyyy hh:mm", "2026-05-31T14:03:00"),
        (dt.datetime(2026, 5, 31), "dd/mm/yyyy", "2026-05-31"),
        (dt.datetime(2026, 5, 31), 'd "h" mmm yyyy', "2026-05-31"),  # quoted h is text
        (dt.datetime(2026, 5, 31), "[$-40C]d mmmm yyyy;@", "2026-05-31"),
        (dt.datetime(2026, 5, 31), "yyyy-mm-dd h:mm:ss", "2026-05-31T00:00:00"),
        (dt.datetime(2026, 5, 31, 8, 0, 0, 250000), "General", "2026-05-31T08:00:00.250000"),
        (dt.date(2026, 5, 31), "General", "2026-05-31"),
        (dt.time(14, 3), "h:mm", "14:03:00"),
        (dt.timedelta(days=1, hours=2, minutes=30), "[h]:mm", "26:30:00"),
        (dt.timedelta(minutes=-90), "[h]:mm", "-01:30:00"),
    ],
)
def test_cell_text(value, number_format, text):
    assert cell_text(value, number_format) == text


def test_dates_times_and_durations_round_trip_through_excel(tmp_path):
    rows = [
        ["quand", "heure", "durée", "jour"],
        [
            dt.datetime(2026, 5, 31, 14, 3),
            dt.time(8, 30),
            dt.timedelta(hours=26),
            dt.date(2026, 1, 2),
        ],
    ]
    _, (row,) = rows_of(workbook(tmp_path / "xlsx_dates.xlsx", ("S", rows)))
    assert row.values == {
        "quand": "2026-05-31T14:03:00",
        "heure": "08:30:00",
        "durée": "26:00:00",
        "jour": "2026-01-02",
    }


def test_named_sheet_first_sheet_and_empty_sheets(tmp_path):
    path = workbook(
        tmp_path / "xlsx_two_sheets.xlsx",
        ("Lisez-moi", [["Export du 31/05"]]),
        ("Données", [["id", "nom"], [1, "x"]]),
        ("Vide", []),
        ("Entête seule", [[None], ["a", "b"]]),
    )
    assert rows_of(path)[0] == ["Export du 31/05"]  # the first sheet, whatever it holds
    header, rows = rows_of(path, "Données")
    assert (header, [r.values for r in rows]) == (["id", "nom"], [{"id": "1", "nom": "x"}])
    assert rows_of(path, " données ")[0] == ["id", "nom"]  # case and spaces forgiven
    assert rows_of(path, "Vide") == ([], [])
    assert rows_of(path, "Entête seule") == (["a", "b"], [])
    with pytest.raises(FileError, match=r"no sheet named 'Data'; its sheets: 'Lisez-moi', 'Donn"):
        rows_of(path, "Data")


def test_a_wrong_size_record_does_not_cut_rows_off(tmp_path):
    path = workbook(tmp_path / "xlsx_dimension.xlsx", ("S", [["a"], [1], [2], [3]]))
    patched = io.BytesIO()
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(patched, "w") as dst:
        for item in src.infolist():
            data = src.read(item)
            if item.filename.startswith("xl/worksheets/"):
                data, count = re.subn(rb'<dimension ref="[^"]*"', b'<dimension ref="A1:A2"', data)
                assert count == 1
            dst.writestr(item, data)
    path.write_bytes(patched.getvalue())
    _, rows = rows_of(path)
    assert [r.values for r in rows] == [{"a": "1"}, {"a": "2"}, {"a": "3"}]


def test_any_file_name_is_read(tmp_path):
    path = workbook(tmp_path / "xlsx_export.xlsx", ("S", [["a"], [1]]))
    renamed = path.rename(tmp_path / "xlsx_export.dat")
    assert rows_of(renamed)[0] == ["a"]


SAVE_AS = "save it as an Excel workbook (.xlsx)"


@pytest.mark.parametrize(
    ("content", "reason", "hint"),
    [
        (
            b"Matricule;Service\nA1;Compta\n",
            "it is text, a CSV export perhaps",
            "format: csv",
        ),
        (b"", "the file is empty", "export the workbook again"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "old Excel 97-2003 .xls", SAVE_AS),
        (b"<html><table><tr><td>1</td></tr></table></html>", "an HTML or XML file", SAVE_AS),
        (b"\x00\x01\x02\x03binary", "it is not a zip archive", SAVE_AS),
    ],
)
def test_not_a_workbook_is_a_file_error_with_a_hint(tmp_path, content, reason, hint):
    path = tmp_path / "xlsx_not_a_workbook.xlsx"
    path.write_bytes(content)
    with pytest.raises(FileError) as raised:
        read_xlsx(path)
    message = str(raised.value)
    assert message.startswith(f"{path}: not an Excel .xlsx workbook (")
    head, _, tail = message.partition("); ")
    assert reason in head
    assert hint in tail


def test_zips_that_are_not_workbooks(tmp_path):
    ods = tmp_path / "xlsx_really.ods.xlsx"
    with zipfile.ZipFile(ods, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr("content.xml", "<office:document-content/>")
    with pytest.raises(FileError, match=r"it is an OpenDocument spreadsheet \(\.ods\)"):
        read_xlsx(ods)
    other = tmp_path / "xlsx_plain.zip"
    with zipfile.ZipFile(other, "w") as archive:
        archive.writestr("readme.txt", "hello")
    with pytest.raises(FileError, match=r"\(a zip archive without an Excel workbook inside\)"):
        read_xlsx(other)


def test_a_damaged_sheet_is_a_file_error(tmp_path):
    path = workbook(tmp_path / "xlsx_damaged.xlsx", ("S", [["a"], [1], [2]]))
    patched = io.BytesIO()
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(patched, "w") as dst:
        for item in src.infolist():
            data = src.read(item)
            if item.filename.startswith("xl/worksheets/"):
                data = data.replace(b"<v>2</v>", b"<v>deux</v>")
            dst.writestr(item, data)
    path.write_bytes(patched.getvalue())
    reading = read_xlsx(path)
    with pytest.raises(FileError, match=r"the sheet 'S' cannot be read \(ValueError"):
        list(reading.rows)


def test_missing_file_and_the_registry(tmp_path):
    with pytest.raises(FileError, match="cannot open the file"):
        read_xlsx(tmp_path / "nowhere.xlsx")
    path = workbook(tmp_path / "xlsx_registry.xlsx", ("S", [["a"], ["b"]]))
    reading = READERS["xlsx"].read(path, SOURCE)
    assert (reading.header, [r.values for r in reading.rows]) == (["a"], [{"a": "b"}])


# --------------------------------------------------------------------------------------------
# Through the pipeline, on SQLite and PostgreSQL

PIPELINE_CONFIG = """
timezone: Europe/Paris
sources:
  - name: annuaire
    kind: roster
    format: xlsx
    path: rh/annuaire.xlsx
    columns: {user: Matricule, team: Service, wave: Vague, go_live: Mise en service,
              licensed: Licence, email: E-mail}
  - name: usage
    kind: usage
    format: xlsx
    path: exports/usage_*.xlsx
    columns: {ts: Horodatage, user: Utilisateur, action: Action, duration_ms: Durée (ms)}
"""


def test_collect_roster_and_usage_workbooks(store_url, make_config, tmp_path):
    roster = [
        ["Matricule ", "Service", "Vague", "Mise en service", "Licence", " E-mail"],
        ["A1", "Comptabilité", "pilote", dt.date(2026, 5, 4), "Oui", "a1@x.fr"],
        [],
        [1234, "ADV", "vague 2", dt.date(2026, 6, 1), False, None],
        ["A3", "#N/A", "pilote", None, True, None],  # a VLOOKUP that found nothing
        ["A4", None, "pilote", None, True, None],  # no team
        ["A1", "Comptabilité", "pilote", dt.date(2026, 5, 4), "Oui", "a1@x.fr"],  # repeated
    ]
    workbook(tmp_path / "rh" / "annuaire.xlsx", ("Feuil1", roster))
    usage = [
        ["Horodatage", "Utilisateur", "Action", "Durée (ms)"],
        [dt.datetime(2026, 5, 2, 0, 30), "a1@x.fr", "invoice.create", 1234.5],  # Paris time
        [dt.datetime(2026, 5, 2, 9, 0), 1234, "invoice.send", "#VALUE!"],
        [dt.datetime(2026, 5, 2, 9, 5), 1234, "invoice.send", "lent"],
    ]
    workbook(tmp_path / "exports" / "usage_mai.xlsx", ("Feuil1", usage))
    config = load_config(make_config(PIPELINE_CONFIG, store=store_url))
    store = open_store(config.store_url)
    try:
        outcomes = {o.name: o for o in collect(config, store)}
        (people,) = outcomes["annuaire"].files
        assert (people.read, people.accepted, people.duplicates, people.quarantined) == (5, 2, 1, 2)
        (events,) = outcomes["usage"].files
        assert (events.read, events.accepted, events.duplicates, events.quarantined) == (3, 1, 0, 2)
        pseudo = Pseudonymizer(config.secret_key())
        with store.session() as session:
            for ledger in session.scalars(select(IngestFile)):
                assert ledger.status == "ok"
                assert ledger.rows_read == ledger.accepted + ledger.duplicates + ledger.quarantined
            quarantine = session.execute(
                select(
                    Quarantine.source, Quarantine.line, Quarantine.stage, Quarantine.reason
                ).order_by(Quarantine.source, Quarantine.line)
            ).all()
            persons = {
                p.person_key: (p.team, p.wave, p.go_live, p.licensed)
                for p in session.scalars(select(Person))
            }
            alias = session.get(PersonAlias, pseudo("a1@x.fr"))
            event = session.scalars(select(UsageEvent)).one()
        assert quarantine == [
            ("annuaire", 5, "parse", "cell B5 holds the spreadsheet error #N/A"),
            ("annuaire", 6, "validate", "column 'Service' (team) is empty"),
            ("usage", 3, "parse", "cell D3 holds the spreadsheet error #VALUE!"),
            ("usage", 4, "convert", "column 'Durée (ms)' (duration_ms): 'lent' is not a number"),
        ]
        assert persons == {
            pseudo("A1"): ("Comptabilité", "pilote", dt.date(2026, 5, 4), True),
            pseudo("1234"): ("ADV", "vague 2", dt.date(2026, 6, 1), False),
        }
        assert alias is not None and alias.person_key == pseudo("A1")
        assert event.ts.astimezone(dt.UTC) == dt.datetime(2026, 5, 1, 22, 30, tzinfo=dt.UTC)
        assert (event.day, event.user_key, event.duration_ms) == (
            dt.date(2026, 5, 2),
            pseudo("a1@x.fr"),
            1234.5,
        )

        def counts():
            with store.session() as session:
                return tuple(
                    session.scalar(select(func.count()).select_from(model))
                    for model in (Person, UsageEvent, Quarantine)
                )

        before = counts()
        again = collect(config, store)
        assert [f.status for o in again for f in o.files] == ["skipped", "skipped"]
        assert counts() == before
    finally:
        store.dispose()


def test_a_csv_named_xlsx_fails_its_file_only(make_config, write):
    write("rh/annuaire.xlsx", "Matricule;Service\nA1;Compta\n")
    config = load_config(make_config(PIPELINE_CONFIG))
    store = open_store(config.store_url)
    try:
        outcome = {o.name: o for o in collect(config, store, ["annuaire"])}["annuaire"]
        (f,) = outcome.files
        assert f.status == "failed"
        assert "rh/annuaire.xlsx: not an Excel .xlsx workbook (it is text" in f.error
        with store.session() as session:
            assert session.scalar(select(func.count()).select_from(Person)) == 0
    finally:
        store.dispose()


# --------------------------------------------------------------------------------------------
# Fuzzing

FUZZ = settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
_ERRORS = ("#N/A", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#NULL!")
_cell = st.one_of(
    st.none(),
    st.none(),
    st.text(st.characters(exclude_categories=("Cc", "Cs")), max_size=12),
    st.sampled_from(("", " ", "=1/0", "=A1", *_ERRORS)),
    st.booleans(),
    st.integers(min_value=-(10**15), max_value=10**15),
    st.floats(allow_nan=False, allow_infinity=False, width=64),
    st.datetimes(min_value=dt.datetime(1901, 1, 1), max_value=dt.datetime(2100, 1, 1)).map(
        lambda d: d.replace(microsecond=0)
    ),
    st.dates(min_value=dt.date(1901, 1, 1), max_value=dt.date(2100, 1, 1)),
    st.times().map(lambda t: t.replace(microsecond=0)),
)


def _written_text(value) -> str:
    """What a cell written with ``value`` reads back as (formulas have no cached value)."""
    if isinstance(value, str) and value.startswith("=") and len(value) > 1:
        return ""
    if isinstance(value, dt.datetime):
        return value.isoformat()  # openpyxl's datetime format shows the time
    if isinstance(value, float):
        value = float(f"{value:.16g}")  # openpyxl writes 16 significant digits, as Excel keeps
    return cell_text(value)


@FUZZ
@given(grid=st.lists(st.lists(_cell, max_size=6), max_size=7))
def test_fuzz_random_cells_never_raise(tmp_path, grid):
    path = workbook(tmp_path / "xlsx_fuzz.xlsx", ("S", grid))
    header, rows = rows_of(path)
    texts = [[_written_text(v) for v in row] for row in grid]
    filled = [i for i, row in enumerate(texts, 1) if any(t.strip() for t in row)]
    if not filled:
        assert (header, rows) == ([], [])
        return
    assert header
    assert [r.line for r in rows] == filled[1:]
    assert [r.number for r in rows] == list(range(1, len(rows) + 1))
    for row in rows:
        expected = texts[row.line - 1]
        while expected and not expected[-1].strip():
            expected.pop()
        assert row.raw == ";".join(expected)
        has_error = any(t in _ERRORS for t in expected)
        if row.values is None:
            assert has_error or len(expected) > len(header), row.error
        else:
            assert not has_error
            assert list(row.values) == header
            assert [row.values[h] for h in header[: len(expected)]] == expected
