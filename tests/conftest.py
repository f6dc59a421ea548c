"""Shared fixtures: a fresh store on SQLite and on PostgreSQL, and configs written in code.

PostgreSQL tests run when HYPERCARE_TEST_PG_URL points at a server whose user may create
databases (``.ci/run`` sets it); each test gets a database of its own, dropped afterwards.
Without the variable they skip with a reason — except under CI, where they must run.
"""

from __future__ import annotations

import os
import textwrap
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, make_url, text

PG_ENV = "HYPERCARE_TEST_PG_URL"


def pytest_configure(config: pytest.Config) -> None:
    if os.environ.get("CI") and not os.environ.get(PG_ENV):
        raise pytest.UsageError(f"CI is set but {PG_ENV} is not: the PostgreSQL tests must run")


@pytest.fixture(autouse=True)
def _secret_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HYPERCARE_SECRET_KEY", "test-secret-key-not-for-production")
    monkeypatch.delenv("HYPERCARE_DB_URL", raising=False)
    monkeypatch.delenv("HYPERCARE_CONFIG", raising=False)


def _pg_database() -> Iterator[str]:
    admin_url = os.environ.get(PG_ENV)
    if not admin_url:
        pytest.skip(
            f"PostgreSQL tests need {PG_ENV} (e.g. postgresql+psycopg://postgres@127.0.0.1/test)"
        )
    url = make_url(admin_url)
    if url.drivername == "postgresql":
        url = url.set(drivername="postgresql+psycopg")
    name = f"hc_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A URL of an empty store, once on SQLite and once on PostgreSQL."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'store.db'}"
    else:
        yield from _pg_database()


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A URL of an empty PostgreSQL database (skips without a server)."""
    yield from _pg_database()


@pytest.fixture
def write(tmp_path: Path):
    """Write a text file under tmp_path: ``write("data/a.csv", text, encoding=…)``."""

    def _write(name: str, content: str | bytes, encoding: str = "utf-8") -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_bytes(content.encode(encoding))
        return path

    return _write


@pytest.fixture
def make_config(tmp_path: Path, write):
    """Write ``hypercare.yaml`` (dedented) with the store URL and return its path."""

    def _make(body: str, store: str | None = None) -> Path:
        url = store or f"sqlite:///{tmp_path / 'store.db'}"
        return write("hypercare.yaml", f"store:\n  url: {url}\n" + textwrap.dedent(body))

    return _make


REAL_SAMPLES = Path(__file__).resolve().parents[2] / "shared" / "samples" / "real"


@pytest.fixture
def real_sample():
    """Path of a file of ../shared/samples/real/ (skips without it, but fails under CI)."""

    def _sample(name: str) -> Path:
        path = REAL_SAMPLES / name
        if not path.exists():
            message = f"the real sample {path} is not there (shared/ sits beside the clone)"
            if os.environ.get("CI"):
                pytest.fail(message)
            pytest.skip(message)
        return path

    return _sample
