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
from sqlalchemy.dialects import postgresql, sqlite
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
    text = "\x1f".join("" if p is None else str(p) for p in parts)
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

    def convert(self, row: RawRow) -> dict[str, Any]:
        """The canonical record of a row; raises RowError."""
        if row.values is None:
            raise RowError("parse", row.error or "the row cannot be read")
        record: dict[str, Any] = {}
        for name, column in self.columns.items():
            text = row.values.get(column, "")
            f = self.kind.fields[name]
            try:
                record[name] = self._convert_value(f, text)
            except ValueError as exc:
                raise RowError("convert", f"column {column!r} ({name}): {exc}") from None
        for name, f in self.kind.fields.items():
            record.setdefault(name, None)
            if f.required and (record[name] is None or record[name] == ""):
                column = self.columns.get(name, name)
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

    A key repeated in ``rows`` or already stored is a duplicate. Stored keys are looked up first
    (so the count is exact); the insert itself skips conflicting keys, so a collector running at
    the same time cannot make this one fail.
    """
    fresh: dict[int, dict[str, Any]] = {}
    for row in rows:
        fresh.setdefault(row["event_key"], row)
    column = model.event_key
    keys = list(fresh)
    known: set[int] = set()
    for start in range(0, len(keys), 900):
        known.update(session.scalars(select(column).where(column.in_(keys[start : start + 900]))))
    new = [row for key, row in fresh.items() if key not in known]
    if new:
        dialect = session.get_bind().dialect.name
        if dialect == "postgresql":
            statement = postgresql.insert(model.__table__).on_conflict_do_nothing(
                index_elements=["event_key"]
            )
        elif dialect == "sqlite":
            statement = sqlite.insert(model.__table__).on_conflict_do_nothing(
                index_elements=["event_key"]
            )
        else:
            statement = insert(model.__table__)
        # Core, not the ORM's bulk path: the rows are plain dicts and nothing is read back.
        session.connection().execute(statement, new)
    return len(new), len(rows) - len(new)


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
