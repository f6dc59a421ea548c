"""Property-based fuzzing of every format of ``collectors.readers.READERS`` through the pipeline.

For each format, hypothesis draws inputs in the format's shape (``fuzz_shapes.SHAPES``: random
fields, types, encodings, truncation, inserted junk) and raw random bytes, and collects them with
``collectors.run.collect`` into a real store (SQLite and PostgreSQL). Whatever the input:

- no exception escapes ``collect`` (a file that cannot be read is a failed file, not a crash);
- read = accepted + duplicates + quarantined for every file, in the outcome and in the ledger;
- every quarantined row is in the quarantine table, naming the file, a line (or row) ≥ 1, the
  stage and a reason;
- a failed file's message names the file, and never comes from the store refusing a value (that
  would be a reader or kind letting through what the store cannot hold).

A format added to ``READERS`` without a shape in ``fuzz_shapes.SHAPES`` fails
``test_every_format_has_a_fuzz_shape``. Example counts: see ``fuzz_shapes.fuzz_settings``.
"""

from __future__ import annotations

import itertools
import os
import re
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fuzz_shapes import SHAPES, Case, fuzz_settings
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import create_engine, make_url, select, text

from collectors.readers import READERS
from collectors.run import collect
from hypercare.config import parse_config
from metrics.store import Store, open_store
from metrics.store.models import IngestFile, Quarantine

TESTS = Path(__file__).resolve().parents[1]
FILE_FORMATS = sorted(name for name, fmt in READERS.items() if fmt.files or name == "sql")
PULLED = sorted(name for name, fmt in READERS.items() if not fmt.files and name != "sql")
PG_ENV = "HYPERCARE_TEST_PG_URL"  # as in tests/conftest.py: under CI it is set, never skipped
_counter = itertools.count()


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def store(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Store]:
    """One store per engine for the whole module: each example collects a source of its own, so
    that examples do not see each other's ledger (creating a PostgreSQL database per test would
    cost more than the fuzzing)."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('fuzz') / 'store.db'}"
        opened = open_store(url)
        try:
            yield opened
        finally:
            opened.dispose()
        return
    admin_url = os.environ.get(PG_ENV)
    if not admin_url:
        pytest.skip(
            f"PostgreSQL tests need {PG_ENV} (e.g. postgresql+psycopg://postgres@127.0.0.1/test)"
        )
    url = make_url(admin_url)
    if url.drivername == "postgresql":
        url = url.set(drivername="postgresql+psycopg")
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    name = f"hc_fuzz_{uuid.uuid4().hex[:12]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    opened = open_store(url.set(database=name).render_as_string(hide_password=False))
    try:
        yield opened
    finally:
        opened.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def run_case(store: Store, fmt: str, case: Case) -> None:
    """Collect ``case`` as a new source of format ``fmt`` and check every promise."""
    name = f"fuzz{next(_counter)}"
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        for file_name, data in case.files.items():
            (base / file_name).write_bytes(data)
        raw = {
            "privacy": {"pseudonymize": False},
            "sources": [{"name": name, "format": fmt, **case.source}],
        }
        config = parse_config(raw, base / "hypercare.yaml")
        (outcome,) = collect(config, store)  # nothing but the outcome may come out
    assert outcome.error is None, outcome.error
    assert outcome.files, "a source with a file reports that file"
    with store.session() as session:
        ledger = {
            f.path: f for f in session.scalars(select(IngestFile).where(IngestFile.source == name))
        }
        quarantined = list(session.scalars(select(Quarantine).where(Quarantine.source == name)))
    for result in outcome.files:
        assert result.status in ("ok", "failed"), result
        assert result.read == result.accepted + result.duplicates + result.quarantined, result
        entry = ledger[result.path]
        assert entry.status == result.status
        assert entry.rows_read == result.read
        assert entry.rows_read == entry.accepted + entry.duplicates + entry.quarantined
        mine = [q for q in quarantined if q.file_id == entry.id]
        if result.status == "failed":
            assert result.read == 0 and not mine
            assert result.error and _names_file(result.error, result.path, fmt), result.error
            assert "the store refused" not in result.error, result.error
            continue
        assert len(mine) == result.quarantined, "every quarantined row has its entry"
        for q in mine:
            assert q.path == result.path
            assert q.line is not None and q.line >= 1, q.line
            assert q.stage in ("parse", "convert", "validate"), q.stage
            assert q.reason and q.reason.strip(), q
            assert "Traceback" not in q.reason


def _names_file(message: str, shown: str, fmt: str) -> bool:
    """Whether a failure message names the file (its shown path or its name); for a query, the
    source's key path (``sources[0].query: …``)."""
    if fmt == "sql":
        return bool(re.match(r"sources\[\d+\]\.\w+: ", message)) or shown in message
    return shown in message or Path(shown).name in message


def reason_for_pulled(fmt: str) -> str:
    testers = []
    for path in sorted(TESTS.rglob("test_*.py")):
        text = path.read_text(encoding="utf-8", errors="replace")
        if "fuzz" not in path.parts and (f'"{fmt}"' in text or f"format: {fmt}" in text):
            testers.append(str(path.relative_to(TESTS.parent)))
    who = ", ".join(testers) if testers else "nobody yet"
    return f"{fmt} is pulled from a server, not read from files: tested by {who}"


def test_every_format_has_a_fuzz_shape():
    missing = [name for name in FILE_FORMATS if name not in SHAPES]
    assert not missing, (
        f"formats without a fuzz shape: {', '.join(missing)}; add one to tests/fuzz/fuzz_shapes.py"
    )
    assert not set(SHAPES) - set(READERS), "a shape for a format that no longer exists"


@pytest.mark.parametrize("fmt", PULLED or ["(none)"])
def test_pulled_formats_are_tested_by_their_own_module(fmt):
    if fmt == "(none)":
        pytest.skip("no pulled format is registered")
    reason = reason_for_pulled(fmt)
    assert "nobody yet" not in reason, reason
    pytest.skip(reason)


@pytest.mark.parametrize("fmt", FILE_FORMATS)
def test_format_shaped_input(store, fmt):
    @fuzz_settings(40)
    @given(case=st.deferred(lambda: SHAPES[fmt](READERS[fmt])))
    def check(case: Case) -> None:
        run_case(store, fmt, case)

    check()


def _raw_case(fmt: str, data: bytes) -> Case:
    source: dict[str, Any] = {"kind": _some_kind(fmt)}
    if fmt == "sql":
        source.update(url="sqlite:///legacy.db", query="SELECT * FROM t")
        return Case({"legacy.db": data}, source)
    if source["kind"] == "survey":
        source["questions"] = {"nps": ["NPS"]}
    return Case({"input.dat": data}, {**source, "path": "input.dat"})


def _some_kind(fmt: str) -> str:
    defaults = READERS[fmt].defaults
    return next(iter(defaults)) if defaults else "usage"


@pytest.mark.parametrize("fmt", FILE_FORMATS)
def test_raw_bytes(store, fmt):
    @fuzz_settings(20)
    @given(data=st.binary(max_size=600))
    def check(data: bytes) -> None:
        run_case(store, fmt, _raw_case(fmt, data))

    check()
