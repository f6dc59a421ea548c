"""Hypothesis strategies for the fuzz tests: one input shape per format of ``READERS``.

Each shape draws a ``Case``: the files of one source (name → bytes) and the source's keys (kind,
path, columns, questions…), well-formed-ish — the format's own layout with random values, types,
encodings, truncation and inserted junk — so that the fuzzing gets past the file-level checks and
into the rows. ``SHAPES`` maps a format name to its shape; ``tests/fuzz/test_fuzz_readers.py``
fails when a format of ``READERS`` has none.

The example counts are modest by default so that the suite stays fast; set
``HYPERCARE_FUZZ_EXAMPLES`` (e.g. 2000) for a longer run. Under CI (``CI`` set) the examples are
derandomized: the same inputs every run.
"""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import io
import json
import os
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from collectors.kinds import KINDS

FUZZ_ENV = "HYPERCARE_FUZZ_EXAMPLES"


def fuzz_settings(default: int) -> settings:
    """Hypothesis settings: ``default`` examples, or ``$HYPERCARE_FUZZ_EXAMPLES``."""
    examples = int(os.environ.get(FUZZ_ENV) or default)
    return settings(
        max_examples=examples,
        deadline=None,
        derandomize=bool(os.environ.get("CI")),
        database=None if os.environ.get("CI") else settings.default.database,
        suppress_health_check=[
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
            HealthCheck.function_scoped_fixture,
            HealthCheck.filter_too_much,
            HealthCheck.large_base_example,
        ],
    )


@dataclass
class Case:
    """One source's input: its files and its keys in the config (besides ``name``)."""

    files: dict[str, bytes]
    source: dict[str, Any]


# --------------------------------------------------------------------------------------------
# Values

PLAUSIBLE = [
    "",
    " ",
    "-",
    "0",
    "1",
    "-1",
    "42",
    "3.5",
    "12,5",
    "1 234,56",
    "1e309",
    "-1e309",
    "NaN",
    "inf",
    "99999999999999999999999999",
    "2026-05-31",
    "2026-05-31 14:03:00",
    "2026-05-31T14:03:00Z",
    "2026-05-31T14:03:00+02:00",
    "2026-05-31T14:03:00.123456789Z",
    "31/05/2026",
    "31/05/2026 14:03",
    "05/31/2026 02:03:04 PM",
    "2026-02-30",
    "0000-00-00",
    "0001-01-01",
    "9999-12-31T23:59:59",
    "10000-01-01",
    "1717171717",
    "1717171717171",
    "-62135596800",
    "20260531140304.123",
    "Oui",
    "Non",
    "true",
    "false",
    "yes",
    "ok",
    "OK",
    "Erreur",
    "error",
    "INFO",
    "WARNING",
    "ERROR",
    "CRITICAL",
    "50",
    "fatal",
    "jean.dupont@example.fr",
    "+33 6 12 34 56 78",
    "anonymous",
    "#N/A",
    "=1+1",
    "NULL",
    "null",
    "Comptabilité",
    "pilote",
    "Highest",
    "Low",
    "S",
    "F",
    "LOGIN_NO_ERROR",
    "1980-01-01 00:00:00",
    "Tout à fait d'accord",
    "Très satisfait",
    "10 - Extrêmement probable",
    "7",
    "11",
    "x" * 201,
    "é" * 1001,
    "y" * 9000,
    "a\0b",
    "\ud7ff\ufffe\uffff",
    "line\nbreak",
    'quo"te',
]

texts = st.text(max_size=15)  # every code point but surrogates: NUL, controls, emoji…
dates = st.datetimes(
    min_value=dt.datetime(1, 1, 1), max_value=dt.datetime(9999, 12, 31), timezones=st.none()
)
date_texts = st.builds(
    lambda moment, form: moment.strftime(form),
    dates,
    st.sampled_from(
        ["%Y-%m-%d", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S.%f", "%d/%m/%Y %H:%M", "%m/%d/%Y"]
    ),
)
cells = st.one_of(
    st.sampled_from(PLAUSIBLE),
    texts,
    date_texts,
    st.integers().map(str),
    st.floats().map(str),
)


def chance(draw: st.DrawFn, probability: float) -> bool:
    """True with about this probability (hypothesis' integers favour their bounds)."""
    return draw(st.randoms(use_true_random=False)).random() < probability


def _mutations(data: bytes) -> st.SearchStrategy[bytes]:
    """The bytes, or them cut short, with junk inserted, a slice dropped or a line repeated."""
    if not data:
        return st.just(data)
    index = st.integers(0, len(data))
    return st.one_of(
        st.just(data),
        st.just(data),
        st.just(data),
        st.just(data),
        index.map(lambda i: data[:i]),
        st.tuples(index, st.binary(min_size=1, max_size=8)).map(
            lambda t: data[: t[0]] + t[1] + data[t[0] :]
        ),
        st.tuples(index, index).map(lambda t: data[: min(t)] + data[max(t) :]),
        index.map(lambda i: data + data[i:]),
    )


@st.composite
def mutated(draw: st.DrawFn, data: bytes) -> bytes:
    """``data`` as it is (mostly), or damaged."""
    if not chance(draw, 0.3):
        return data
    return draw(_mutations(data))


# --------------------------------------------------------------------------------------------
# Text tables (CSV and friends)

ENCODINGS = ["utf-8", "utf-8-sig", "cp1252", "latin-1", "utf-16"]


@st.composite
def csv_file(draw: st.DrawFn, rows: list[list[str]]) -> tuple[bytes, dict[str, Any]]:
    """``rows`` written as CSV in a random dialect and encoding, and the source's ``csv`` keys
    (matching the file, or not)."""
    delimiter = draw(st.sampled_from([";", ",", "\t", "|"]))
    out = io.StringIO()
    writer = csv.writer(
        out,
        delimiter=delimiter,
        quoting=draw(st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL])),
        lineterminator=draw(st.sampled_from(["\n", "\r\n"])),
    )
    writer.writerows(rows)
    encoding = draw(st.sampled_from(ENCODINGS))
    data = out.getvalue().encode(encoding, errors="replace")
    options: dict[str, Any] = {}
    choice = draw(st.sampled_from(["auto", "exact", "exact", "none", "none", "none", "wrong"]))
    if choice == "exact":
        options = {"delimiter": "tab" if delimiter == "\t" else delimiter}
        if encoding != "utf-16":
            options["encoding"] = encoding
    elif choice == "wrong":
        options = {
            "delimiter": draw(st.sampled_from([";", ",", "|"])),
            "encoding": draw(st.sampled_from(["utf-8", "cp1252", "auto"])),
            "decimal": draw(st.sampled_from([".", ","])),
            "quotechar": draw(st.sampled_from(['"', "'"])),
        }
    elif choice == "auto":
        options = {"encoding": "auto"}
    return draw(mutated(data)), {"csv": options} if options else {}


ALIASES = {
    "ts": "Date",
    "user": "Utilisateur",
    "team": "Service",
    "wave": "Vague",
    "go_live": "Mise en service",
    "licensed": "Licence",
    "outcome": "Statut",
    "duration_ms": "Durée (ms)",
    "created_at": "Création",
    "ref": "Clé",
    "note": "Point",
}
QUESTIONS = {
    "nps": ["Recommanderiez-vous l'outil ?"],
    "csat": ["Satisfaction"],
    "ces": ["Effort"],
    "sus": [f"SUS {i}" for i in range(1, 11)],
    "umux_lite": ["Capacités", "Facilité"],
    "comment": ["Commentaire", "Qu'est-ce qui vous gêne ?"],
}
mapped_values = st.one_of(
    st.sampled_from(["ok", "error", "INFO", "x", ""]),
    st.booleans(),
    st.integers(),
    st.floats(),
    st.none(),
    st.lists(st.integers(), max_size=2),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
)


@st.composite
def value_maps(draw: st.DrawFn, kind: str) -> dict[str, Any]:
    """A ``values:`` mapping of some fields of ``kind`` (and survey instruments), or nothing."""
    if draw(st.booleans()):
        return {}
    names = list(KINDS[kind].fields) + (list(QUESTIONS) if kind == "survey" else [])
    chosen = draw(st.lists(st.sampled_from(names), max_size=3, unique=True))
    return {
        "values": {
            name: draw(st.dictionaries(st.sampled_from(PLAUSIBLE[:60]), mapped_values, max_size=3))
            for name in chosen
        }
    }


@st.composite
def questions(draw: st.DrawFn) -> tuple[dict[str, list[str]], list[str]]:
    """A survey's ``questions:`` and the header cells holding them (one sometimes missing)."""
    chosen = draw(st.lists(st.sampled_from(list(QUESTIONS)), min_size=1, max_size=4, unique=True))
    mapping = {name: QUESTIONS[name] for name in chosen}
    columns = [h for name in chosen for h in QUESTIONS[name]]
    if columns and chance(draw, 0.1):
        columns.pop(draw(st.integers(0, len(columns) - 1)))
    return mapping, columns


recent = st.datetimes(min_value=dt.datetime(2024, 1, 1), max_value=dt.datetime(2026, 5, 31))
valid_dates = st.builds(
    lambda moment, form: moment.strftime(form),
    recent,
    st.sampled_from(
        [
            "%Y-%m-%d",
            "%Y-%m-%d %H:%M:%S",
            "%Y-%m-%dT%H:%M:%S",
            "%Y-%m-%dT%H:%M:%S+02:00",
            "%d/%m/%Y %H:%M",
            "%d/%m/%Y",
            "%m/%d/%Y %I:%M:%S %p",
        ]
    ),
)
TYPED: dict[str, st.SearchStrategy[str]] = {
    "datetime": valid_dates,
    "date": valid_dates,
    "id": st.one_of(
        st.from_regex(r"\A[a-z]{1,8}\.[a-z]{1,8}@example\.fr\Z"),
        st.from_regex(r"\ADE[0-9]{4}\Z"),
        st.sampled_from(["anonymous", "Jean Dupont", " "]),
    ),
    "bool": st.sampled_from(["Oui", "Non", "true", "false", "1", "0", "", "x", "yes"]),
    "number": st.one_of(
        st.integers(-10, 10**6).map(str),
        st.floats(0, 1e6, allow_nan=False).map(lambda f: f"{f:.2f}"),
        st.floats(0, 1e6, allow_nan=False).map(lambda f: f"{f:.2f}".replace(".", ",")),
    ),
    "outcome": st.sampled_from(["ok", "error", "OK", "Erreur", "", "succès", "KO"]),
    "level": st.sampled_from(["INFO", "WARNING", "ERROR", "CRITICAL", "50", "fatal", "debug"]),
    "text": st.one_of(texts, st.sampled_from(PLAUSIBLE)),
    "answer": st.one_of(
        st.integers(0, 11).map(str),
        st.sampled_from(["Tout à fait d'accord", "Neutre", "Très satisfait", "10 - Très probable"]),
        texts,
    ),
    "any": cells,
}


def typed_cell(kind: str) -> st.SearchStrategy[str]:
    """Mostly a value of the column's type; now and then anything at all."""
    return st.randoms(use_true_random=False).flatmap(
        lambda rng: cells if rng.random() < 0.04 else TYPED.get(kind, cells)
    )


@st.composite
def canonical_table(draw: st.DrawFn, kind: str) -> tuple[list[str], list[str], dict[str, Any]]:
    """A header naming ``kind``'s fields (as they are, or by an alias mapped in ``columns``),
    with the required ones (rarely one missing), extra columns, the columns' types and the
    source keys that go with it."""
    fields = KINDS[kind].fields
    names = [n for n, f in fields.items() if f.required or draw(st.booleans())]
    if names and chance(draw, 0.067):
        names.pop(draw(st.integers(0, len(names) - 1)))  # a required column missing
    header: list[str] = []
    types: list[str] = []
    columns: dict[str, str] = {}
    for name in names:
        if name in ALIASES and draw(st.booleans()):
            header.append(ALIASES[name])
            columns[name] = ALIASES[name]
        else:
            header.append(name)
        types.append(fields[name].type)
    extra = draw(st.lists(texts, max_size=2))
    header += extra
    types += ["any"] * len(extra)
    keys: dict[str, Any] = {"kind": kind}
    if columns:
        keys["columns"] = columns
    if kind == "survey":
        mapping, question_columns = draw(questions())
        header += question_columns
        types += ["answer"] * len(question_columns)
        keys["questions"] = mapping
    order = draw(st.permutations(range(len(header))))
    keys.update(draw(value_maps(kind)))
    return [header[i] for i in order], [types[i] for i in order], keys


@st.composite
def body(draw: st.DrawFn, types: list[str]) -> list[list[str]]:
    """Data rows with a cell of each column's type; a few rows shorter, longer or junk."""
    rows = []
    for _ in range(draw(st.integers(0, 8))):
        row = [draw(typed_cell(t)) for t in types]
        damage = draw(st.randoms(use_true_random=False)).random()
        if damage < 0.03 and row:
            row.pop()
        elif damage < 0.06:
            row.append(draw(cells))
        elif damage < 0.09:
            row = draw(st.lists(cells, max_size=len(types) + 1))
        rows.append(row)
    return rows


@st.composite
def generic_csv(draw: st.DrawFn, kinds: tuple[str, ...]) -> Case:
    kind = draw(st.sampled_from(kinds))
    header, types, keys = draw(canonical_table(kind))
    data, csv_keys = draw(csv_file([header, *draw(body(types))]))
    return Case({"data.csv": data}, {**keys, **csv_keys, "path": "data.csv"})


@st.composite
def preset_header(
    draw: st.DrawFn, fmt: Any, kind: str
) -> tuple[list[str], list[str], dict[str, Any]]:
    """A header with one of the preset's default columns for each field (rarely one missing),
    the columns' types and the source keys."""
    fields = KINDS[kind].fields
    header: list[str] = []
    types: list[str] = []
    for name in fmt.defaults.get(kind, {}):
        options = fmt.default_columns(kind, name)
        if options:
            header.append(draw(st.sampled_from(options)))
            types.append(fields[name].type if name in fields else "any")
    if header and chance(draw, 0.067):
        index = draw(st.integers(0, len(header) - 1))
        del header[index], types[index]
    keys: dict[str, Any] = {"kind": kind}
    if kind == "survey":
        mapping, question_columns = draw(questions())
        header += question_columns
        types += ["answer"] * len(question_columns)
        keys["questions"] = mapping
    extra = draw(st.lists(texts, max_size=2))
    header += extra
    types += ["any"] * len(extra)
    keys.update(draw(value_maps(kind)))
    order = draw(st.permutations(range(len(header))))
    return [header[i] for i in order], [types[i] for i in order], keys


def _kind_of(fmt: Any) -> str:
    return next(iter(fmt.defaults))


@st.composite
def preset_csv(draw: st.DrawFn, fmt: Any) -> Case:
    header, types, keys = draw(preset_header(fmt, _kind_of(fmt)))
    data, csv_keys = draw(csv_file([header, *draw(body(types))]))
    return Case({"export.csv": data}, {**keys, **csv_keys, "path": "export.csv"})


M365_COLUMNS = [
    "Report Refresh Date",
    "User Principal Name",
    "Display Name",
    "Is Deleted",
    "Deleted Date",
    "Exchange Last Activity Date",
    "OneDrive Last Activity Date",
    "SharePoint Last Activity Date",
    "Skype For Business Last Activity Date",
    "Yammer Last Activity Date",
    "Teams Last Activity Date",
    "Copilot Chat Last Activity Date",
    "Assigned Products",
]


@st.composite
def m365_csv(draw: st.DrawFn, fmt: Any) -> Case:
    header = draw(st.lists(st.sampled_from(M365_COLUMNS), min_size=1, unique=True))
    if not chance(draw, 0.1):
        header += [c for c in (M365_COLUMNS[1], M365_COLUMNS[10]) if c not in header]
    day = st.one_of(
        *[st.dates(dt.date(2024, 1, 1), dt.date(2026, 5, 31)).map(dt.date.isoformat)] * 4,
        st.dates().map(dt.date.isoformat),
        TYPED["id"],
        st.just(""),
        cells,
    )
    rows = draw(st.lists(st.lists(day, min_size=len(header), max_size=len(header)), max_size=8))
    data, csv_keys = draw(csv_file([header, *rows]))
    keys = {"kind": "usage", "path": "m365.csv", **csv_keys, **draw(value_maps("usage"))}
    return Case({"m365.csv": data}, keys)


SALESFORCE_COLUMNS = [
    "EVENT_TYPE",
    "TIMESTAMP",
    "TIMESTAMP_DERIVED",
    "REQUEST_ID",
    "USER_ID",
    "USER_ID_DERIVED",
    "RUN_TIME",
    "URI",
    "REQUEST_STATUS",
    "LOGIN_STATUS",
    "CLIENT_IP",
]
salesforce_cells = st.one_of(
    cells,
    st.sampled_from(["Login", "URI", "Logout", "LoginAs", "API"]),
    st.from_regex(r"\A\d{14}(\.\d{1,6})?\Z"),
    st.from_regex(r"\A005[A-Za-z0-9]{12}([A-Za-z0-9]{3})?\Z"),
    st.from_regex(r"\A/lightning/r/Account/001[A-Za-z0-9]{12}/view(\?.*)?\Z"),
)


@st.composite
def salesforce_csv(draw: st.DrawFn, fmt: Any) -> Case:
    header = draw(st.lists(st.sampled_from(SALESFORCE_COLUMNS), min_size=1, unique=True))
    if not chance(draw, 0.1):
        wanted = ["EVENT_TYPE", "TIMESTAMP", "USER_ID", "URI", "REQUEST_STATUS", "RUN_TIME"]
        header += [c for c in wanted if c not in header]
    typed = {
        "EVENT_TYPE": st.sampled_from(["Login", "URI", "Logout", "LoginAs", "API"]),
        "TIMESTAMP": recent.map(lambda d: d.strftime("%Y%m%d%H%M%S.%f")[:18]),
        "TIMESTAMP_DERIVED": recent.map(lambda d: d.strftime("%Y-%m-%dT%H:%M:%S.000Z")),
        "USER_ID": st.from_regex(r"\A005[A-Za-z0-9]{12}([A-Za-z0-9]{3})?\Z"),
        "REQUEST_STATUS": st.sampled_from(["S", "F", "A", "U", ""]),
        "LOGIN_STATUS": st.sampled_from(["LOGIN_NO_ERROR", "LOGIN_ERROR_INVALID_PASSWORD", ""]),
        "RUN_TIME": st.integers(0, 10**5).map(str),
    }
    row = st.tuples(
        *[st.one_of(*[typed.get(c, salesforce_cells)] * 3, salesforce_cells) for c in header]
    )
    rows = draw(st.lists(row.map(list), max_size=8))
    data, csv_keys = draw(csv_file([header, *rows]))
    keys = {"kind": "usage", "path": "ELF.csv", **csv_keys, **draw(value_maps("usage"))}
    return Case({"ELF.csv": data}, keys)


SURVEYMONKEY_META = ["Respondent ID", "Collector ID", "Start Date", "End Date", "Email Address"]


@st.composite
def surveymonkey(draw: st.DrawFn, fmt: Any) -> Case:
    meta = draw(st.lists(st.sampled_from(SURVEYMONKEY_META[1:]), unique=True))
    if not chance(draw, 0.1):
        meta.insert(0, SURVEYMONKEY_META[0])
    mapping, question_columns = draw(questions())
    first = meta + question_columns
    second = [""] * len(meta) + [
        draw(st.sampled_from(["Response", "Open-Ended Response", "", "Option"]))
        for _ in question_columns
    ]
    rows = [first, second, *draw(body(["any"] * len(meta) + ["answer"] * len(question_columns)))]
    keys: dict[str, Any] = {"kind": "survey", "questions": mapping}
    if draw(st.booleans()):
        return Case({"sm.xlsx": draw(workbook(rows))}, {**keys, "path": "sm.xlsx"})
    data, csv_keys = draw(csv_file(rows))
    return Case({"sm.csv": data}, {**keys, **csv_keys, "path": "sm.csv"})


# --------------------------------------------------------------------------------------------
# Workbooks

spreadsheet_values = st.one_of(
    cells,
    st.integers(min_value=-(2**53), max_value=2**53),
    st.floats(allow_nan=False, allow_infinity=False),
    st.booleans(),
    st.none(),
    st.datetimes(min_value=dt.datetime(1900, 3, 1), max_value=dt.datetime(9999, 12, 31)),
    st.dates(min_value=dt.date(1900, 3, 1)),
    st.times(),
    st.timedeltas(min_value=dt.timedelta(days=-1000), max_value=dt.timedelta(days=1000)),
    st.sampled_from(["#N/A", "#DIV/0!", "#VALUE!", "=1/0", "=A1", "=SUM(A1:A3)"]),
)


@st.composite
def workbook(draw: st.DrawFn, rows: list[list[Any]]) -> bytes:
    """``rows`` (texts) in a new workbook's first sheet, with random cells mixed in; sometimes
    more sheets, empty leading rows or a number format that shows a time."""
    from openpyxl import Workbook
    from openpyxl.utils.exceptions import IllegalCharacterError

    book = Workbook()
    sheet = book.active
    sheet.title = draw(st.sampled_from(["Sheet1", "Feuil1", "Réponses"]))
    offset = draw(st.integers(0, 2))
    for r, row in enumerate(rows, start=1 + offset):
        for c, value in enumerate(row, start=1):
            if r > 1 + offset and chance(draw, 0.25):
                value = draw(spreadsheet_values)
            cell = sheet.cell(row=r, column=c)
            try:
                cell.value = value
            except (IllegalCharacterError, ValueError):
                cell.value = repr(value)
            if isinstance(value, dt.datetime | dt.date) and draw(st.booleans()):
                cell.number_format = draw(st.sampled_from(["dd/mm/yyyy", "yyyy-mm-dd hh:mm", "@"]))
    for name in draw(st.lists(st.sampled_from(["Autre", "Data"]), unique=True)):
        book.create_sheet(name).append([draw(st.text(alphabet="abc;#=1 ", max_size=5))])
    out = io.BytesIO()
    book.save(out)
    return draw(st.one_of(st.just(out.getvalue()), mutated(out.getvalue())))


@st.composite
def generic_xlsx(draw: st.DrawFn, kinds: tuple[str, ...]) -> Case:
    kind = draw(st.sampled_from(kinds))
    header, types, keys = draw(canonical_table(kind))
    data = draw(workbook([header, *draw(body(types))]))
    sheet = draw(st.sampled_from([None, None, "Feuil1", "Autre", "absente"]))
    if sheet is not None:
        keys["sheet"] = sheet
    return Case({"data.xlsx": data}, {**keys, "path": "data.xlsx"})


@st.composite
def preset_xlsx(draw: st.DrawFn, fmt: Any) -> Case:
    header, types, keys = draw(preset_header(fmt, _kind_of(fmt)))
    data = draw(workbook([header, *draw(body(types))]))
    return Case({"forms.xlsx": data}, {**keys, "path": "forms.xlsx"})


# --------------------------------------------------------------------------------------------
# JSON lines, JSON logs

json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=False),
    cells,
)
JSON_KEYS = [
    "time",
    "ts",
    "timestamp",
    "@timestamp",
    "asctime",
    "time_iso",
    "level",
    "levelname",
    "severity",
    "log.level",
    "msg",
    "message",
    "name",
    "logger",
    "module",
    "user",
    "userId",
    "event_id",
    "action",
    "title",
    "culprit",
    "dateCreated",
    "tags",
    "logentry",
    "metadata",
    "err",
]
json_values = st.recursive(
    json_scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=3),
        st.dictionaries(st.one_of(st.sampled_from(JSON_KEYS), texts), children, max_size=3),
    ),
    max_leaves=8,
)
sentry_tags = st.one_of(
    st.lists(
        st.fixed_dictionaries(
            {"key": st.sampled_from(["user", "level", "logger"]), "value": json_scalars}
        )
    ),
    st.lists(st.tuples(st.sampled_from(["user", "level", "logger", "x"]), json_scalars)),
    json_values,
)
json_objects = st.dictionaries(
    st.one_of(st.sampled_from(JSON_KEYS), texts),
    st.one_of(json_values, json_scalars),
    max_size=6,
).flatmap(
    lambda obj: (
        st.just(obj) if "tags" not in obj else sentry_tags.map(lambda tags: {**obj, "tags": tags})
    )
)


log_records = st.builds(
    lambda record, extra: {**extra, **record},
    st.fixed_dictionaries(
        {},
        optional={
            "time": st.one_of(
                recent.map(lambda d: d.isoformat() + "Z"),
                st.integers(1_600_000_000, 1_780_000_000),
                st.integers(1_600_000_000_000, 1_780_000_000_000),
                json_scalars,
            ),
            "level": st.one_of(st.sampled_from([10, 20, 30, 40, 50, 60]), TYPED["level"]),
            "msg": st.one_of(texts, st.sampled_from(PLAUSIBLE)),
            "name": st.sampled_from(["app.invoice", "app.sync", ""]),
            "user": st.one_of(TYPED["id"], st.fixed_dictionaries({"id": TYPED["id"]})),
            "event_id": st.uuids().map(str),
        },
    ),
    json_objects,
)


@st.composite
def json_line(draw: st.DrawFn) -> bytes:
    value = draw(st.one_of(log_records, log_records, log_records, json_objects, json_values))
    text = json.dumps(value, ensure_ascii=draw(st.booleans()), allow_nan=True)
    data = text.encode("utf-8", errors="surrogatepass")
    how = draw(st.integers(0, 9))
    if how == 0 and data:
        data = data[: draw(st.integers(0, len(data) - 1))]  # a line cut short by a crash
    elif how == 1:
        data = draw(st.binary(max_size=20))
    elif how == 2:
        data = b"\xef\xbb\xbf" + data
    return data


@st.composite
def jsonl_file(draw: st.DrawFn, fmt: Any) -> Case:
    lines = draw(st.lists(json_line(), max_size=8))
    ending = draw(st.sampled_from([b"\n", b"\r\n"]))
    data = ending.join(lines) + draw(st.sampled_from([b"", ending, ending * 2]))
    kind = draw(st.sampled_from(sorted(fmt.defaults)))
    keys: dict[str, Any] = {"kind": kind, "path": "app.jsonl", **draw(value_maps(kind))}
    return Case({"app.jsonl": draw(mutated(data))}, keys)


@st.composite
def json_log_file(draw: st.DrawFn, fmt: Any) -> Case:
    if draw(st.booleans()):
        return draw(jsonl_file(fmt))
    elements = draw(st.lists(st.one_of(log_records, log_records, json_values), max_size=6))
    text = json.dumps(elements, indent=draw(st.sampled_from([None, 2])), allow_nan=True)
    data = text.encode("utf-8", errors="surrogatepass")
    kind = draw(st.sampled_from(sorted(fmt.defaults)))
    keys: dict[str, Any] = {"kind": kind, "path": "sentry.json", **draw(value_maps(kind))}
    return Case({"sentry.json": draw(mutated(data))}, keys)


# --------------------------------------------------------------------------------------------
# Access logs, Markdown meeting notes

log_times = st.one_of(
    st.datetimes(min_value=dt.datetime(1, 1, 1), timezones=st.none()).map(
        lambda d: d.strftime("%d/%b/%Y:%H:%M:%S ") + "+0200"
    ),
    st.sampled_from(["31/May/2026:14:03:04 +0200", "31/Foo/2026:25:61:61 +9999", "", "-"]),
    texts,
)
tokens = st.one_of(st.sampled_from(["-", "", "alice", "10.0.0.1", "::1"]), texts)


@st.composite
def access_line(draw: st.DrawFn) -> str:
    method = draw(st.sampled_from(["GET", "POST", "PUT", "DELETE", "", "\\x16\\x03"]))
    target = draw(
        st.one_of(
            st.sampled_from(
                ["/", "/invoices/123", "/api/v1/quotes/0b8f7a3e-1c2d-4e5f-8a9b-0c1d2e3f4a5b", "*"]
            ),
            st.sampled_from(["/" + "a/" * 200, "http://x/y?z=1"]),
            texts.map(lambda t: "/" + t),
        )
    )
    protocol = draw(st.sampled_from([" HTTP/1.1", " HTTP/2.0", "", " HTTP/"]))
    request = f"{method} {target}{protocol}".replace('"', draw(st.sampled_from(['\\"', '"'])))
    status = draw(st.one_of(st.sampled_from(["200", "404", "500", "503", "999", "-"]), texts))
    size = draw(st.sampled_from(["123", "-", "0", "99999999999999999999"]))
    head = (
        f"{draw(tokens)} {draw(tokens)} {draw(tokens)} [{draw(log_times)}] "
        f'"{request}" {status} {size}'
    )
    tail = draw(
        st.sampled_from(
            [
                "",
                ' "-" "Mozilla/5.0"',
                ' "https://x/" "curl/8" "10.0.0.2"',
                ' "-" "-" 0.123',
                " 1.5",
            ]
        )
    )
    return head + tail + draw(st.sampled_from(["", " ", "\t"]))


@st.composite
def access_log(draw: st.DrawFn, fmt: Any) -> Case:
    lines = draw(st.lists(st.one_of(access_line(), access_line(), texts), max_size=8))
    ending = draw(st.sampled_from(["\n", "\r\n"]))
    data = (ending.join(lines) + ending).encode("utf-8", errors="surrogatepass")
    data = draw(mutated(data))
    name = "access.log"
    if chance(draw, 0.25):
        name = "access.log.2.gz"
        data = draw(mutated(gzip.compress(data)))
    keys = {"kind": "usage", "path": name, **draw(value_maps("usage"))}
    return Case({name: data}, keys)


@st.composite
def meeting_notes(draw: st.DrawFn, fmt: Any) -> Case:
    heading = st.builds(
        lambda date, sep, team, title: f"## {date}{sep}{team}{sep}{title}",
        st.one_of(date_texts, st.sampled_from(PLAUSIBLE[:40])),
        st.sampled_from([" — ", " – ", " - ", " | ", ": ", "—", " "]),
        texts,
        texts,
    )
    line = st.one_of(
        heading,
        st.builds(lambda b, t: f"{b} {t}", st.sampled_from(["-", "*", "+", "1.", "12)"]), cells),
        st.builds(
            lambda k, v: f"{k} : {v}", st.sampled_from(["Auteur", "Author", "Lien", "Link"]), cells
        ),
        texts.map(lambda t: "  " + t),
        st.just(""),
        st.just("# Comptes rendus"),
        st.just("### sous-titre"),
        texts,
    )
    lines = draw(st.lists(line, max_size=12))
    ending = draw(st.sampled_from(["\n", "\r\n"]))
    encoding = draw(st.sampled_from(ENCODINGS))
    data = (ending.join(lines) + ending).encode(encoding, errors="replace")
    keys: dict[str, Any] = {"kind": "meetings", "path": "notes.md", **draw(value_maps("meetings"))}
    if draw(st.booleans()):
        keys["csv"] = {"encoding": draw(st.sampled_from(["auto", "utf-8", "cp1252"]))}
    return Case({"notes.md": draw(mutated(data))}, keys)


# --------------------------------------------------------------------------------------------
# SQL: random rows (any SQLite type in any column) in a database file

sql_values = st.one_of(
    st.none(),
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.floats(allow_nan=False),
    cells,
    st.binary(max_size=8),
    st.datetimes(min_value=dt.datetime(1, 1, 1)).map(str),
)


@st.composite
def sql_database(draw: st.DrawFn, fmt: Any) -> Case:
    kind = draw(st.sampled_from(sorted(KINDS)))
    header, types, keys = draw(canonical_table(kind))
    declared = [
        draw(st.sampled_from(["", "TEXT", "INTEGER", "REAL", "TIMESTAMP", "BLOB"])) for _ in header
    ]
    row = st.tuples(*[st.one_of(typed_cell(t), typed_cell(t), sql_values) for t in types])
    rows = draw(st.lists(row, max_size=8))
    conn = sqlite3.connect(":memory:")
    quoted = [f'"{h.replace(chr(34), chr(34) * 2)}"' for h in header]
    try:
        if header:
            typed = ", ".join(f"{q} {d}" for q, d in zip(quoted, declared, strict=True))
            conn.execute(f"CREATE TABLE t ({typed})")
            marks = ", ".join("?" for _ in header)
            conn.executemany(f"INSERT INTO t VALUES ({marks})", rows)
        conn.commit()
        data = conn.serialize()
    except (sqlite3.Error, ValueError):  # a NUL in a column name, a duplicate column…
        data = b""
        header = []
    finally:
        conn.close()
    watermark = draw(st.one_of(st.none(), st.sampled_from(header or ["missing"])))
    query = "SELECT * FROM t" if header else "SELECT * FROM missing_table"
    keys = {**keys, "url": "sqlite:///legacy.db", "query": query}
    if watermark is not None and watermark.isidentifier() and watermark.isascii():
        keys["watermark"] = watermark
    return Case({"legacy.db": data}, keys)


# --------------------------------------------------------------------------------------------
# The registry: format name → shape. A format added to READERS needs a line here.

GENERIC_KINDS = ("roster", "usage", "errors", "survey", "tickets", "meetings")

SHAPES: dict[str, Callable[[Any], st.SearchStrategy[Case]]] = {
    "csv": lambda fmt: generic_csv(GENERIC_KINDS),
    "xlsx": lambda fmt: generic_xlsx(GENERIC_KINDS),
    "meeting-notes-md": meeting_notes,
    "jsonl": jsonl_file,
    "sql": sql_database,
    "access-log": access_log,
    "google-forms": preset_csv,
    "jira-csv": preset_csv,
    "zendesk-csv": preset_csv,
    "freshdesk-csv": preset_csv,
    "limesurvey": preset_csv,
    "typeform": preset_csv,
    "m365-active-users": m365_csv,
    "salesforce-eventlog": salesforce_csv,
    "json-log": json_log_file,
    "microsoft-forms": preset_xlsx,
    "surveymonkey": surveymonkey,
}
