"""The CSV reader on files that carry real exports' gotchas (built in code, named for them)."""

from pathlib import Path

import pytest

from collectors.readers import FileError
from collectors.readers.csv import detect_encoding, read_csv, sniff_delimiter, unique_header
from hypercare.config import CsvOptions


def rows_of(path: Path, **options):
    reading = read_csv(path, CsvOptions(**options))
    return reading.header, list(reading.rows)


def test_french_excel_bom_semicolon_crlf(write):
    path = write(
        "roster_fr_excel_bom_semicolon.csv",
        "\ufeffMatricule;Service;Durée (ms)\r\nDE01;Comptabilité;1 234,5\r\nDE02;ADV;12,0\r\n",
    )
    assert detect_encoding(path) == "utf-8-sig"
    header, rows = rows_of(path)
    assert header == ["Matricule", "Service", "Durée (ms)"]  # no BOM in the first name
    assert [r.values["Service"] for r in rows] == ["Comptabilité", "ADV"]
    assert [r.line for r in rows] == [2, 3]
    assert [r.number for r in rows] == [1, 2]
    assert rows[0].raw == "DE01;Comptabilité;1 234,5"


def test_cp1252_is_detected(write):
    path = write("usage_cp1252.csv", "Utilisateur;Équipe\nDE01;Comptabilité\n", encoding="cp1252")
    assert detect_encoding(path) == "cp1252"
    _, rows = rows_of(path)
    assert rows[0].values == {"Utilisateur": "DE01", "Équipe": "Comptabilité"}


def test_wrong_explicit_encoding_names_the_file_and_the_fix(write):
    path = write("latin.csv", "a;b\né;è\n", encoding="cp1252")
    with pytest.raises(FileError, match=r"latin.csv: the file is not utf-8-sig text.*csv.encoding"):
        rows_of(path, encoding="utf-8")


def test_quoted_multiline_cell_keeps_its_starting_line(write):
    path = write(
        "survey_multiline.csv",
        'id,comment,score\n1,"first line\nsecond line",9\n2,"with ""quotes"", and comma",7\n',
    )
    _, rows = rows_of(path)
    assert rows[0].values["comment"] == "first line\nsecond line"
    assert rows[0].line == 2
    assert rows[1].line == 4
    assert rows[1].values["comment"] == 'with "quotes", and comma'


def test_duplicate_header_names_and_trailing_empty_columns(write):
    path = write("jira_repeated_columns.csv", "Key,Comment,Comment,,\nA-1,x,y,,\n")
    header, rows = rows_of(path)
    assert header == ["Key", "Comment", "Comment (2)"]
    assert rows[0].values == {"Key": "A-1", "Comment": "x", "Comment (2)": "y"}


def test_short_and_long_rows_are_parse_errors(write):
    path = write("ragged.csv", "a;b;c\n1;2;3\n1;2\n1;2;3;4\n1;2;3;\n")
    _, rows = rows_of(path)
    assert [r.error for r in rows] == [
        None,
        "the row has 2 cells but the header has 3",
        "the row has 4 cells but the header has 3",
        None,  # an empty extra cell is harmless
    ]
    assert rows[1].values is None and rows[1].raw == "1;2"


def test_empty_file_and_header_only(write):
    assert rows_of(write("empty.csv", "")) == ([], [])
    assert rows_of(write("header_only.csv", "a;b\r\n")) == (["a", "b"], [])


def test_blank_lines_are_not_rows(write):
    _, rows = rows_of(write("blank_lines.csv", "a;b\n\n1;2\n\n"))
    assert len(rows) == 1 and rows[0].line == 3


def test_nul_bytes_are_refused_row_by_row(write):
    _, rows = rows_of(write("nul.csv", b"a;b\n1;\x002\n3;4\n"))
    assert rows[0].error == "the row contains NUL bytes"
    assert rows[1].values == {"a": "3", "b": "4"}


@pytest.mark.parametrize(
    ("line", "expected"),
    [("a;b;c", ";"), ("a,b,c", ","), ("a\tb", "\t"), ('"x;y",b,c', ","), ("single", ",")],
)
def test_sniff_delimiter(line, expected):
    assert sniff_delimiter(line) == expected


def test_unique_header():
    assert unique_header([" a ", "a", "", "b", "a", ""]) == ["a", "a (2)", "column 3", "b", "a (3)"]
