"""Helpers of the privacy sweeps over every page: the pages as ``dashboard/app.py`` declares
them, the real payload of every download button of an AppTest run (as the media file manager
stores it), and the sentinel company (``tests/sentinel_company.py``) built once per session.

Test modules import the fixtures they use: ``from sweep import payloads, world``."""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sentinel_company import World, build_world
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.testing.v1 import AppTest

APP = Path(__file__).resolve().parents[2] / "dashboard" / "app.py"


def declared_pages() -> dict[str, tuple[str, str, tuple[str, ...]]]:
    """``PAGES`` of ``dashboard/app.py`` (name → file, icon, roles), read from its source so
    that a page added there is in every sweep that uses this."""
    tree = ast.parse(APP.read_text(encoding="utf-8"))
    for node in tree.body:
        target = getattr(node, "target", None) or (getattr(node, "targets", None) or [None])[0]
        if isinstance(target, ast.Name) and target.id == "PAGES" and node.value is not None:
            return ast.literal_eval(node.value)
    raise AssertionError("dashboard/app.py has no PAGES literal")


class Payloads:
    """The bytes behind every download URL (and every deferred download) since ``clear``."""

    def __init__(self) -> None:
        self.by_url: dict[str, bytes] = {}
        self.deferred: dict[str, Callable[[], Any]] = {}

    def clear(self) -> None:
        self.by_url.clear()
        self.deferred.clear()

    def of(self, app: AppTest) -> dict[str, bytes]:
        """Each download button of the last run (by key or label) → the bytes it sends."""
        out: dict[str, bytes] = {}
        for button in app.get("download_button"):
            proto = button.proto
            name = button.key or proto.label
            if proto.url:
                out[name] = self.by_url[proto.url]
            elif proto.deferred_file_id:
                data = self.deferred[proto.deferred_file_id]()
                out[name] = data.encode("utf-8") if isinstance(data, str) else bytes(data)
            else:
                raise AssertionError(f"download button {name!r} has no payload")
        return out


@pytest.fixture
def payloads(monkeypatch: pytest.MonkeyPatch) -> Iterator[Payloads]:
    """Record what the app hands to Streamlit's media file manager (the real manager still
    stores and serves it)."""
    seen = Payloads()
    add, add_deferred = MediaFileManager.add, MediaFileManager.add_deferred

    def recording_add(self, path_or_data, mimetype, coordinates, *args, **kwargs):
        url = add(self, path_or_data, mimetype, coordinates, *args, **kwargs)
        if isinstance(path_or_data, bytes):
            seen.by_url[url] = path_or_data
        else:
            seen.by_url[url] = Path(path_or_data).read_bytes()
        return url

    def recording_deferred(self, data_callable, mimetype, coordinates, *args, **kwargs):
        file_id = add_deferred(self, data_callable, mimetype, coordinates, *args, **kwargs)
        seen.deferred[file_id] = data_callable
        return file_id

    monkeypatch.setattr(MediaFileManager, "add", recording_add)
    monkeypatch.setattr(MediaFileManager, "add_deferred", recording_deferred)
    yield seen


@pytest.fixture(scope="session")
def world(tmp_path_factory: pytest.TempPathFactory) -> World:
    """The sentinel company, collected into its own SQLite store, as of its day."""
    with pytest.MonkeyPatch.context() as mp:
        # the key tests/conftest.py sets for every test
        mp.setenv("HYPERCARE_SECRET_KEY", "test-secret-key-not-for-production")
        mp.delenv("HYPERCARE_DB_URL", raising=False)
        return build_world(tmp_path_factory.mktemp("sentinel-company"))
