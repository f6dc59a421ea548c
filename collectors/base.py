"""The collector protocol: fields of a kind, row conversion, and what a kind must provide.

A *kind* (roster, usage, …) declares its canonical fields; ``RowConverter`` maps a reader's row to
those fields with the source's column mapping, value mapping and date options, raising
``RowError`` with the stage (parse, convert, validate) and a readable reason. The kind then writes
converted records and reports how many were new and how many were already in the store.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol
from zoneinfo import ZoneInfo

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from collectors.formats import Format
from collectors.privacy import Pseudonymizer
from collectors.readers import FileError, RawRow
from collectors.values import DateParser, parse_bool, parse_level, parse_number, parse_outcome

if TYPE_CHECKING:
    from hypercare.config import Config, SourceConfig


class RowError(Exception):
    """A row that cannot be stored: ``stage`` is parse, convert or validate."""

    def __init__(self, stage: str, reason: str) -> None:
        super().__init__(reason)
        self.stage = stage
        self.reason = reason


@dataclass(frozen=True)
class Field:
    """A canonical field of a kind. ``type`` is one of: text, id, datetime, date, bool, number,
    outcome, level."""

    name: str
    type: str
    required: bool = False
    help: str = ""
    max_length: int | None = None  # longer text is cut (with "…"); a longer identifier refused


ID_LIMIT = 200  # characters of an identifier (stored as is when pseudonymization is off)


def stable_hash(*parts: object) -> int:
    """A signed 64-bit BLAKE2b hash of the parts: the content key of a record."""
    text = "\x1f".join(["" if p is None else str(p) for p in parts])
    digest = hashlib.blake2b(text.encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


@dataclass
class CollectContext:
    """What a kind needs to convert and write rows of one source."""

    config: Config
    source: SourceConfig
    pseudonymize: Pseudonymizer
    company_tz: ZoneInfo
    touched_days: set[dt.date] = field(default_factory=set)
    roster_changed: bool = False
    file_id: int | None = None
    file_state: dict[str, Any] = field(default_factory=dict)  # a kind's scratch space per file
    progress: Callable[[str, int], None] | None = None  # (file, rows read so far), per batch

    def local_day(self, ts: dt.datetime) -> dt.date:
        """The company-local calendar day of an aware timestamp."""
        return ts.astimezone(self.company_tz).date()


@dataclass
class WriteResult:
    """What a kind did with a batch: new rows, rows already stored, rows it refused."""

    accepted: int = 0
    duplicates: int = 0
    rejected: list[tuple[RawRow, RowError]] = field(default_factory=list)


class Kind(Protocol):
    """What every kind module provides (see collectors/kinds/)."""

    name: str
    fields: dict[str, Field]

    def finish_record(
        self, record: dict[str, Any], ctx: CollectContext, row: RawRow
    ) -> dict[str, Any]:
        """Validate a converted record and add its key; raise RowError(validate) to refuse it.

        A kind may also define ``bind_header(converter, header, path)``, called once per file,
        to find columns of its own (survey questions) or raise FileError.
        """
        ...

    def write(
        self, session: Session, ctx: CollectContext, items: list[tuple[RawRow, dict[str, Any]]]
    ) -> WriteResult:
        """Store records (deduplicated by key); say how many were new, known or refused."""
        ...

    def after_file(self, session: Session, ctx: CollectContext) -> None:
        """Work done once per file inside its transaction (rollup refresh…)."""
        ...


def fields_of(*items: Field) -> dict[str, Field]:
    return {f.name: f for f in items}


def _folded(text: str) -> str:
    return " ".join(text.split()).casefold()


class RowConverter:
    """Maps the rows of one file to a kind's canonical fields."""

    def __init__(
        self,
        kind: Kind,
        ctx: CollectContext,
        header: list[str],
        path: str,
        fmt: Format | None = None,
    ) -> None:
        self.kind = kind
        self.ctx = ctx
        source = ctx.source
        dayfirst = source.dates.dayfirst
        if dayfirst is None and fmt is not None:
            folded_header = {_folded(h) for h in header}
            hints = [v for h, v in fmt.dayfirst_hints.items() if h in folded_header]
            dayfirst = hints[0] if hints else None
        if dayfirst is None:
            dayfirst = ctx.config.locale == "fr"
        source_tz = ZoneInfo(source.dates.timezone) if source.dates.timezone else ctx.company_tz
        self.decimal = (fmt.decimal if fmt is not None else None) or source.csv.decimal
        self.dates = {
            name: DateParser(dayfirst=dayfirst, fmt=source.dates.format, source_tz=source_tz)
            for name, f in kind.fields.items()
            if f.type in ("datetime", "date")
        }
        by_folded = {_folded(h): h for h in header}
        self.columns: dict[str, str] = {}
        missing: list[str] = []
        for name, f in kind.fields.items():
            wanted = source.columns.get(name)
            candidates = (
                (wanted,)
                if wanted
                else (*(fmt.default_columns(kind.name, name) if fmt else ()), name)
            )
            column = next((by_folded[c] for c in map(_folded, candidates) if c in by_folded), None)
            if column is not None:
                self.columns[name] = column
            elif wanted or f.required:
                missing.append(f"{wanted or name!r} (columns.{name})")
        if missing:
            shown = ", ".join(header[:30]) or "nothing"
            raise FileError(
                f"{path}: {'column' if len(missing) == 1 else 'columns'} {', '.join(missing)} "
                f"not in the header; the header has: {shown}. Fix {source.key_path}.columns"
            )
        maps = dict(fmt.default_values.get(kind.name, {})) if fmt is not None else {}
        maps.update(source.values)  # the source's own mapping of a field replaces the preset's
        self.value_maps = {
            name: ({k: v for k, v in m.items()}, {_folded(k): v for k, v in m.items()})
            for name, m in maps.items()
        }
        self.by_folded = by_folded
        bind = getattr(kind, "bind_header", None)
        if bind is not None:
            bind(self, header, path)
        self._plan: list[tuple[str, str, Callable[[str], Any]]] | None = None

    def _build_plan(self) -> list[tuple[str, str, Callable[[str], Any]]]:
        """One converting function per mapped column, specialized for its field's type.

        Built on the first row (``bind_header`` may add columns); each function gives the same
        value or ``ValueError`` as ``_convert_value``, only faster: the type is dispatched once,
        and the values of small domains (outcomes, levels, booleans, identifiers, short texts)
        are remembered per column.
        """
        plan = []
        for name, column in self.columns.items():
            plan.append((name, column, self._column_function(self.kind.fields[name])))
        self._unmapped = [name for name in self.kind.fields if name not in self.columns]
        self._required = [
            (name, self.columns.get(name, name))
            for name, f in self.kind.fields.items()
            if f.required
        ]
        return plan

    def _column_function(self, f: Field) -> Callable[[str], Any]:
        maps = self.value_maps.get(f.name)
        parse = self._parser(f)
        if maps is None:
            return parse
        exact, folded = maps
        typed = self._typed_mapped

        def mapped_or_parsed(text: str) -> Any:
            key = text.strip()
            if key in exact:
                return typed(f, exact[key])
            fold = _folded(key)
            if fold in folded:
                return typed(f, folded[fold])
            return parse(text)

        return _remembered(mapped_or_parsed) if f.type != "datetime" else mapped_or_parsed

    def _parser(self, f: Field) -> Callable[[str], Any]:
        """``_parse`` for one field, with the type chosen once."""
        if f.type == "number":
            decimal = self.decimal
            if decimal == ",":

                def number(text: str) -> float | None:
                    if "." not in text:
                        try:
                            value = float(text.replace(",", ".", 1))
                        except ValueError:
                            return parse_number(text, decimal)
                        if math.isfinite(value):
                            return value
                    return parse_number(text, decimal)

                return number
            if decimal in (".", None, ""):

                def point_number(text: str) -> float | None:
                    try:
                        value = float(text)
                    except ValueError:
                        return parse_number(text, ".")
                    return value if math.isfinite(value) else parse_number(text, ".")

                return point_number
        if f.type == "datetime":
            date_parser = self.dates[f.name]

            def moment(text: str) -> dt.datetime | None:
                return date_parser.parse(text) if text.strip() else None

            return moment

        def generic(text: str) -> Any:
            return self._parse(f, text)

        return generic if f.type == "date" else _remembered(generic)

    def convert(self, row: RawRow) -> dict[str, Any]:
        """The canonical record of a row; raises RowError."""
        values = row.values
        if values is None:
            raise RowError("parse", row.error or "the row cannot be read")
        plan = self._plan
        if plan is None:
            plan = self._plan = self._build_plan()
        record: dict[str, Any] = {}
        for name, column, function in plan:
            try:
                record[name] = function(values.get(column, ""))
            except ValueError as exc:
                raise RowError("convert", f"column {column!r} ({name}): {exc}") from None
        for name in self._unmapped:
            record[name] = None
        for name, column in self._required:
            value = record[name]
            if value is None or value == "":
                raise RowError("validate", f"column {column!r} ({name}) is empty")
        return self.kind.finish_record(record, self.ctx, row)

    def map_value(self, name: str, text: str) -> tuple[bool, Any]:
        """The source's value mapping of ``text`` for ``name``: (found, mapped value)."""
        maps = self.value_maps.get(name)
        if maps is not None:
            exact, folded = maps
            key = text.strip()
            if key in exact:
                return True, exact[key]
            if _folded(key) in folded:
                return True, folded[_folded(key)]
        return False, None

    def _convert_value(self, f: Field, text: str) -> Any:
        found, mapped = self.map_value(f.name, text)
        if found:
            return self._typed_mapped(f, mapped)
        return self._parse(f, text)

    def _typed_mapped(self, f: Field, value: Any) -> Any:
        """A mapped value as the field's type: kept when it already is one (``true`` for a bool,
        ``12`` for a number), read like text otherwise (``values: {ts: {Hier: 2026-05-30}}``)."""
        if value is None:
            return None
        if isinstance(value, bool):
            if f.type == "bool":
                return value
            value = "true" if value else "false"
        elif isinstance(value, int | float):
            if f.type == "number" and math.isfinite(value):
                return float(value)
            value = str(value)
        elif isinstance(value, dt.date):  # YAML reads 2026-05-30 as a date
            value = value.isoformat()
        elif not isinstance(value, str):
            raise ValueError(
                f"values.{f.name} maps it to {type(value).__name__} {value!r}, not a single value"
            )
        return self._parse(f, value)

    def _parse(self, f: Field, text: str) -> Any:
        kind = f.type
        if kind == "text":
            stripped = text.replace("\0", "").strip()
            if f.max_length is not None and len(stripped) > f.max_length:
                stripped = stripped[: f.max_length - 1] + "…"
            return stripped or None
        if kind == "id":
            stripped = text.replace("\0", "").strip()
            if not stripped:
                return None
            if len(stripped) > ID_LIMIT:
                raise ValueError(f"an identifier of {len(stripped)} characters is too long")
            return self.ctx.pseudonymize(stripped)
        if not text.strip():
            return None
        if kind == "datetime":
            return self.dates[f.name].parse(text)
        if kind == "date":
            return self.dates[f.name].parse(text).date()
        if kind == "bool":
            return parse_bool(text)
        if kind == "number":
            return parse_number(text, self.decimal)
        if kind == "outcome":
            return parse_outcome(text)
        if kind == "level":
            return parse_level(text)
        raise AssertionError(f"unknown field type {kind}")


_REMEMBERED = 4096  # distinct values remembered per column before the memory starts over


def _remembered(function: Callable[[str], Any]) -> Callable[[str], Any]:
    """``function`` with its results remembered per input text (errors are not remembered).

    Only for pure functions of the text; the memory is cleared when it holds ``_REMEMBERED``
    values, so a column of unique values costs one dictionary lookup more per row.
    """
    memory: dict[str, Any] = {}

    def remembered(text: str) -> Any:
        try:
            return memory[text]
        except KeyError:
            pass
        value = function(text)
        if len(memory) >= _REMEMBERED:
            memory.clear()
        memory[text] = value
        return value

    return remembered


def chunked(items: Iterable[Any], size: int) -> Iterable[list[Any]]:
    batch: list[Any] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def insert_new(session: Session, model: type, rows: list[dict[str, Any]]) -> tuple[int, int]:
    """Insert the rows whose ``event_key`` is new; return (inserted, duplicates).

    The rows are dicts with the same keys, column names of ``model``; see ``insert_new_tuples``.
    """
    if not rows:
        return 0, 0
    columns = list(rows[0])
    return insert_new_tuples(
        session, model, columns, [tuple(row[name] for name in columns) for row in rows]
    )


def insert_new_tuples(
    session: Session, model: type, columns: list[str], rows: list[tuple[Any, ...]]
) -> tuple[int, int]:
    """Insert the rows (tuples of ``columns``) whose ``event_key`` is new; return (inserted,
    duplicates).

    A key repeated in ``rows`` or already stored is a duplicate. The insert skips stored keys
    (``ON CONFLICT DO NOTHING``) and the database counts the rows it really wrote, so the count
    is exact and a collector running at the same time cannot make this one fail. SQLite gets one
    ``executemany`` of plain tuples; PostgreSQL a ``COPY`` into a temporary table and one
    ``INSERT … SELECT … ON CONFLICT DO NOTHING``.
    """
    key = columns.index("event_key")
    fresh: dict[int, tuple[Any, ...]] = {}
    for row in rows:
        fresh.setdefault(row[key], row)
    if not fresh:
        return 0, len(rows)
    table = model.__table__
    connection = session.connection()
    dialect = connection.dialect
    new = list(fresh.values())
    if dialect.name == "sqlite":
        inserted = _insert_sqlite(connection, table, columns, new)
    elif dialect.name == "postgresql" and dialect.driver == "psycopg":
        inserted = _insert_postgresql(connection, table, columns, new)
    else:
        inserted = _insert_checked(
            session, model, [dict(zip(columns, r, strict=True)) for r in new]
        )
    return inserted, len(rows) - inserted


def _bound_tuples(
    connection: Any, table: Any, columns: list[str], rows: list[tuple[Any, ...]]
) -> list[tuple[Any, ...]]:
    """The rows as tuples of driver values (the columns' own bind conversions applied)."""
    dialect = connection.dialect
    processors = [
        table.c[name].type.dialect_impl(dialect).bind_processor(dialect) for name in columns
    ]
    if not any(processors):
        return rows
    by_column: list[Any] = list(zip(*rows, strict=True))
    for index, process in enumerate(processors):
        if process is not None:
            process = _same_but_faster(process)
            by_column[index] = [None if v is None else process(v) for v in by_column[index]]
    return list(zip(*by_column, strict=True))


_SAMPLES = (
    dt.datetime(2026, 3, 29, 1, 2, 3, 4, tzinfo=dt.UTC),
    dt.datetime(999, 12, 31, 23, 59, 59),
    dt.datetime(2026, 11, 23),
)


def _iso_moment(value: dt.datetime) -> str:
    return value.isoformat(" ", "microseconds")[:26]


def _iso_day(value: dt.date) -> str:
    return value.isoformat()


def _same_but_faster(process: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """``isoformat`` in place of SQLite's date and time bind processors when it gives the very
    same text on samples (SQLAlchemy's default storage formats); else the processor itself."""
    try:
        if all(_iso_moment(v) == process(v) for v in _SAMPLES):
            return _iso_moment
    except (TypeError, ValueError, AttributeError):
        pass
    try:
        if all(_iso_day(v.date()) == process(v.date()) for v in _SAMPLES):
            return _iso_day
    except (TypeError, ValueError, AttributeError):
        pass
    return process


def _insert_sqlite(
    connection: Any, table: Any, columns: list[str], rows: list[tuple[Any, ...]]
) -> int:
    names = ", ".join(columns)
    marks = ", ".join("?" * len(columns))
    statement = (
        f"INSERT INTO {table.name} ({names}) VALUES ({marks}) ON CONFLICT (event_key) DO NOTHING"
    )
    if not connection.info.get("hc_ingest_cache"):
        # A larger page cache for the ingest: the random keys of the unique index touch pages
        # all over it (about 10 % faster on 90,000 rows; SQLite's default is 2 MiB).
        connection.exec_driver_sql("PRAGMA cache_size=-65536")
        connection.info["hc_ingest_cache"] = True
    result = connection.exec_driver_sql(statement, _bound_tuples(connection, table, columns, rows))
    return result.rowcount  # sqlite3 sums the changes of an executemany; skipped rows add 0


def _insert_postgresql(
    connection: Any, table: Any, columns: list[str], rows: list[tuple[Any, ...]]
) -> int:
    from sqlalchemy.exc import DBAPIError

    names = ", ".join(columns)
    staging = f"_hc_new_{table.name}"
    statements = [
        f"CREATE TEMPORARY TABLE IF NOT EXISTS {staging} ON COMMIT DROP AS "
        f"SELECT {names} FROM {table.name} WITH NO DATA",
        f"COPY {staging} ({names}) FROM STDIN",
        f"INSERT INTO {table.name} ({names}) SELECT {names} FROM {staging} "
        "ON CONFLICT (event_key) DO NOTHING",
        f"TRUNCATE {staging}",
    ]
    tuples = _bound_tuples(connection, table, columns, rows)
    cursor = connection.connection.cursor()
    statement = statements[0]
    try:
        cursor.execute(statement)
        statement = statements[1]
        with cursor.copy(statement) as copy:
            for values in tuples:
                copy.write_row(values)
        statement = statements[2]
        cursor.execute(statement)
        inserted = cursor.rowcount
        statement = statements[3]
        cursor.execute(statement)
    except connection.dialect.loaded_dbapi.Error as exc:
        # The same exceptions (DataError, IntegrityError…) as a statement run by SQLAlchemy.
        raise DBAPIError.instance(
            statement, None, exc, connection.dialect.loaded_dbapi.Error, dialect=connection.dialect
        ) from exc
    finally:
        cursor.close()
    return inserted


def _insert_checked(session: Session, model: type, rows: list[dict[str, Any]]) -> int:
    """Any other engine: stored keys looked up first, then the new rows inserted."""
    column = model.event_key
    keys = [row["event_key"] for row in rows]
    known: set[int] = set()
    for start in range(0, len(keys), 900):
        known.update(session.scalars(select(column).where(column.in_(keys[start : start + 900]))))
    new = [row for row in rows if row["event_key"] not in known]
    if new:
        session.connection().execute(insert(model.__table__), new)
    return len(new)


def first_in_file(
    ctx: CollectContext, key: object, row: RawRow, row_hash: int, result: WriteResult, conflict: str
) -> bool:
    """Whether ``row`` is the first of ``key`` in this file.

    A repeat with the same content counts as a duplicate; with other content it is refused with
    ``conflict`` (a message with a ``{line}`` field naming the first occurrence).
    """
    seen: dict[object, tuple[int, int]] = ctx.file_state.setdefault("seen", {})
    if key in seen:
        line, first_hash = seen[key]
        if first_hash == row_hash:
            result.duplicates += 1
        else:
            reason = conflict.replace("{line}", str(line))
            result.rejected.append((row, RowError("validate", reason)))
        return False
    seen[key] = (row.line, row_hash)
    return True
