"""Reading one side of an entity: a query on a database, or an exported file.

A side can be read several times (the comparison makes two passes); on PostgreSQL both passes
run in one ``REPEATABLE READ``, ``READ ONLY`` transaction, so they see the same snapshot even
while the new tool keeps writing, and a query cannot write. SQLite files are opened read-only:
a legacy export is never modified (nor created when the path is wrong). Files go through the
collectors' readers (``csv``, ``xlsx``, ``jsonl``) with the side's ``csv`` and ``dates``
options; every value of a file is text.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

from sqlalchemy import Connection, Engine, create_engine, make_url, text
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from collectors.readers import READERS, FileError
from hypercare.config import SourceConfig, SqlOptions
from metrics.reconcile_spec import SideSpec


class SideError(Exception):
    """A side that cannot be read (a user-facing message naming the side and the fix)."""


def _reason(exc: BaseException) -> str:
    return str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]


def _space_folded(name: str) -> str:
    return re.sub(r"\s+", " ", name).strip().casefold()


class Side:
    """The rows of one side of one entity, as ``{column: value}``; ``scan()`` starts a pass."""

    def __init__(self, spec: SideSpec, base_dir: Path) -> None:
        self.spec = spec
        self.base_dir = base_dir
        self.label = spec.side
        self._engine: Engine | None = None
        self._connection: Connection | None = None

    # -- opening -------------------------------------------------------------------------------

    def open(self) -> None:
        """Connect to the database or check the file; raises SideError."""
        spec = self.spec
        if spec.is_file:
            path = self._path()
            self.label = f"{spec.side} ({path.name})"
            if not path.is_file():
                raise SideError(f"{spec.key_path}.path: no such file {path}")
            return
        url = SqlOptions(query="", url=spec.url, url_env=spec.url_env).resolved_url(self.base_dir)
        if not url:
            raise SideError(
                f"{spec.key_path}.url_env: the environment variable {spec.url_env} is not set "
                "(or is empty); export it with the database URL"
            )
        try:
            parsed = make_url(url)
        except (ArgumentError, ValueError) as exc:  # ValueError: a port that is not a number
            raise SideError(f"{spec.key_path}.url: not a database URL ({exc})") from exc
        self.label = f"{spec.side} ({parsed.render_as_string(hide_password=True)})"
        try:
            if parsed.get_backend_name() == "sqlite":
                self._engine = _sqlite_read_only(parsed.database, spec.key_path)
            else:
                if parsed.drivername == "postgresql":
                    parsed = parsed.set(drivername="postgresql+psycopg")
                self._engine = create_engine(parsed)
            connection = self._engine.connect()
            if self._engine.dialect.name == "postgresql":
                connection = connection.execution_options(isolation_level="REPEATABLE READ")
            connection.begin()
            if self._engine.dialect.name == "postgresql":  # a query can never write
                connection.exec_driver_sql("SET TRANSACTION READ ONLY")
            self._connection = connection
        except (SQLAlchemyError, ImportError) as exc:
            self.close()
            raise SideError(f"{spec.key_path}: cannot open {self.label}: {_reason(exc)}") from exc

    def _path(self) -> Path:
        path = Path(self.spec.path or "")
        return path if path.is_absolute() else self.base_dir / path

    def close(self) -> None:
        if self._connection is not None:
            try:
                self._connection.rollback()
                self._connection.close()
            except SQLAlchemyError:  # pragma: no cover - closing a broken connection
                pass
            self._connection = None
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None

    def __enter__(self) -> Side:
        self.open()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- reading -------------------------------------------------------------------------------

    def scan(self) -> tuple[list[str], Iterator[dict[str, Any]]]:
        """The side's columns and an iterator over its rows (one pass); raises SideError."""
        if self.spec.is_file:
            return self._scan_file()
        return self._scan_sql()

    def _scan_file(self) -> tuple[list[str], Iterator[dict[str, Any]]]:
        spec, path = self.spec, self._path()
        source = SourceConfig(
            name=f"{spec.key_path}",
            kind="usage",
            format=spec.format,
            path=str(path),
            index=0,
            csv=spec.csv,
            dates=spec.dates,
            sheet=spec.sheet,
        )
        try:
            reading = READERS[spec.format].read(path, source)
        except FileError as exc:
            raise SideError(f"{spec.key_path}: {exc}") from exc

        def rows() -> Iterator[dict[str, Any]]:
            try:
                for raw in reading.rows:
                    if raw.values is None:
                        raise SideError(
                            f"{spec.key_path}: {path.name}, line {raw.line}: {raw.error}; fix the "
                            "export (every row must be read for the comparison to hold)"
                        )
                    yield raw.values
            except FileError as exc:
                raise SideError(f"{spec.key_path}: {exc}") from exc

        return list(reading.header), rows()

    def _scan_sql(self) -> tuple[list[str], Iterator[dict[str, Any]]]:
        spec, connection = self.spec, self._connection
        assert connection is not None, "open() the side first"
        if spec.table:
            preparer = connection.dialect.identifier_preparer
            table = ".".join(preparer.quote(part) for part in spec.table.split("."))
            query = f"SELECT * FROM {table}"
        else:
            query = (spec.query or "").strip().rstrip(";")
        try:
            result = connection.execution_options(stream_results=True, yield_per=2000).execute(
                text(query)
            )
            header = list(result.keys())
        except SQLAlchemyError as exc:
            raise SideError(
                f"{spec.key_path}.{'table' if spec.table else 'query'}: the query failed on "
                f"{self.label}: {_reason(exc)}"
            ) from exc

        def rows() -> Iterator[dict[str, Any]]:
            try:
                for row in result:
                    yield dict(zip(header, row, strict=True))
            except SQLAlchemyError as exc:
                raise SideError(
                    f"{spec.key_path}: reading the rows failed on {self.label}: {_reason(exc)}"
                ) from exc
            finally:
                result.close()

        return header, rows()


def _sqlite_read_only(database: str | None, key_path: str) -> Engine:
    if not database or database == ":memory:":
        raise SideError(f"{key_path}.url: an in-memory SQLite database has no rows to compare")
    path = Path(database)
    if not path.is_file():
        raise SideError(f"{key_path}.url: no such SQLite file {path}")
    uri = f"file:{quote(str(path.resolve()))}?mode=ro"
    return create_engine("sqlite://", creator=lambda: sqlite3.connect(uri, uri=True))


def match_columns(
    header: list[str], wanted: list[str], mapping: dict[str, str]
) -> tuple[dict[str, str], list[str]]:
    """The side's column for each wanted column (mapped by ``columns``, else its own name;
    case and repeated spaces ignored), and the wanted columns the side does not have."""
    exact = set(header)
    folded = {_space_folded(h): h for h in reversed(header)}
    found: dict[str, str] = {}
    missing: list[str] = []
    for name in wanted:
        column = mapping.get(name, name)
        if column in exact:
            found[name] = column
        elif _space_folded(column) in folded:
            found[name] = folded[_space_folded(column)]
        else:
            missing.append(name)
    return found, missing


def entity_columns(header: list[str], mapping: dict[str, str]) -> list[str]:
    """The side's columns under the entity's names (a mapped column takes its entity name)."""
    inverse = {_space_folded(v): k for k, v in mapping.items()}
    return [inverse.get(_space_folded(h), h) for h in header]
