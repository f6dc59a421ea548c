"""SQL source: any SQLAlchemy URL and a query, read incrementally by a watermark column.

The query is wrapped as ``SELECT * FROM (<query>) AS hc_source WHERE <watermark> >= :cursor
ORDER BY <watermark>``: the boundary is inclusive (rows sharing the last watermark value are read
again and deduplicated), so a row written in the same second as the last one read is never
missed. Rows are streamed; each becomes a ``RawRow`` numbered from 1 in this run, its values as
text (dates in ISO 8601), its raw text a JSON object.
"""

from __future__ import annotations

import datetime as dt
import decimal
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import bindparam, create_engine, text
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from collectors.readers import FileError, FileReading, RawRow

if TYPE_CHECKING:
    from hypercare.config import SourceConfig

_RAW_LIMIT = 4000


@dataclass
class Cursor:
    """A watermark value with its type, as stored in ``source_cursors``."""

    value_type: str
    value: str

    def python(self) -> Any:
        """The value to bind in the query."""
        if self.value_type == "int":
            return int(self.value)
        if self.value_type == "float":
            return float(self.value)
        if self.value_type == "decimal":
            return decimal.Decimal(self.value)
        if self.value_type == "datetime":
            return dt.datetime.fromisoformat(self.value)
        if self.value_type == "date":
            return dt.date.fromisoformat(self.value)
        return self.value

    @classmethod
    def of(cls, value: Any) -> Cursor:
        if isinstance(value, bool):
            return cls("text", str(value))
        if isinstance(value, int):
            return cls("int", str(value))
        if isinstance(value, float):
            return cls("float", repr(value))
        if isinstance(value, decimal.Decimal):
            return cls("decimal", str(value))
        if isinstance(value, dt.datetime):
            return cls("datetime", value.isoformat())
        if isinstance(value, dt.date):
            return cls("date", value.isoformat())
        return cls("text", str(value))


@dataclass
class SqlReading:
    """The reading of one run; ``highest`` is the watermark of the last row read so far (rows
    come in watermark order)."""

    reading: FileReading
    label: str
    highest: Any = None


def as_text(value: Any) -> str:
    """A column value as the collectors read text: ISO dates, plain numbers, empty for NULL."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, bytes | memoryview):
        return bytes(value).hex()
    return str(value)


def describe_url(url: str) -> str:
    """The URL without its password, for messages and the ledger."""
    try:
        from sqlalchemy import make_url

        return make_url(url).render_as_string(hide_password=True)
    except (ArgumentError, ValueError):  # ValueError: a port that is not a number
        return "(an invalid URL)"


def read_sql(source: SourceConfig, base_dir: Path, cursor: Cursor | None) -> SqlReading:
    """Run the source's query from ``cursor`` on; raises FileError when it cannot run."""
    options = source.sql
    assert options is not None
    url = options.resolved_url(base_dir)
    where = f"{source.key_path}"
    if not url:
        raise FileError(
            f"{where}.url_env: the environment variable {options.url_env} is not set "
            "(or is empty); export it with the database URL"
        )
    label = f"sql:{describe_url(url)}"
    try:
        engine = create_engine(url)
    except (ArgumentError, SQLAlchemyError, ImportError, ValueError) as exc:
        raise FileError(f"{where}: cannot use the database URL {label} ({exc})") from exc
    query = f"SELECT * FROM ({options.query.strip().rstrip(';')}) AS hc_source"
    params: dict[str, Any] = {}
    if options.watermark:
        column = engine.dialect.identifier_preparer.quote(options.watermark)
        if cursor is not None:
            query += f" WHERE hc_source.{column} >= :hc_cursor"
            params["hc_cursor"] = cursor.python()
        query += f" ORDER BY hc_source.{column}"
    statement = text(query)
    if params:
        statement = statement.bindparams(bindparam("hc_cursor", params["hc_cursor"]))
    try:
        connection = engine.connect()
        result = connection.execution_options(stream_results=True).execute(statement)
        header = list(result.keys())
    except SQLAlchemyError as exc:
        engine.dispose()
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        raise FileError(f"{where}.query: the query failed on {label}: {reason}") from exc
    if options.watermark and options.watermark not in header:
        connection.close()
        engine.dispose()
        raise FileError(
            f"{where}.watermark: the query returns no column {options.watermark!r} "
            f"(it returns {', '.join(header)})"
        )
    state = SqlReading(reading=FileReading(header=header, rows=iter(())), label=label)

    def rows() -> Iterator[RawRow]:
        try:
            for number, row in enumerate(result, start=1):
                mapping = dict(row._mapping)
                if options.watermark:
                    mark = mapping.get(options.watermark)
                    if mark is not None:
                        # The rows come in the database's watermark order, so the last value is
                        # the highest as the database compares (SQLite columns may mix types,
                        # which Python cannot compare).
                        state.highest = mark
                values = {k: as_text(v) for k, v in mapping.items()}
                raw = json.dumps(values, ensure_ascii=False)[:_RAW_LIMIT]
                yield RawRow(number, number, values, raw)
        except SQLAlchemyError as exc:
            reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
            raise FileError(f"{where}.query: reading the rows failed on {label}: {reason}") from exc
        finally:
            connection.close()
            engine.dispose()

    state.reading = FileReading(header=header, rows=rows())
    return state
