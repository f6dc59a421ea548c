"""``Format``: a file format, the module that reads it and the columns it offers by default.

Kept apart from ``collectors.readers`` so that presets (``collectors/presets/``) can declare
their format without importing the readers' registry.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import import_module
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collectors.readers import FileReading
    from hypercare.config import SourceConfig


@dataclass(frozen=True)
class Resume:
    """Where to resume reading a grown file: the byte offset and the lines already read."""

    offset: int
    line: int


@dataclass(frozen=True)
class Format:
    """A file format: the module that reads it and the columns it offers each kind by default.

    ``module`` exposes ``read(path, source) -> FileReading``; it is imported on first use.
    ``defaults`` maps kind → canonical field → column (or alternatives), used for fields the
    source does not map.
    """

    name: str
    module: str
    help: str
    defaults: dict[str, dict[str, str | tuple[str, ...]]] = field(default_factory=dict)
    # header name → day-first, for exports whose language tells the date order (a source's own
    # dates.dayfirst always wins)
    dayfirst_hints: dict[str, bool] = field(default_factory=dict)
    # the decimal mark of numbers this format writes as text (None: the source's csv.decimal)
    decimal: str | None = None
    # kind → field → {value in the export: value to store}, used where the source's own
    # ``values`` do not map that field (e.g. Microsoft Forms' "anonymous" respondent → no one)
    default_values: dict[str, dict[str, dict[str, object]]] = field(default_factory=dict)
    # line-based formats whose reader can start at a byte offset (a log that grew)
    resumable: bool = False
    # False for a source that is not files (a database query, an API): no path, no checksum
    files: bool = True
    # a source that is pulled rather than read from files: "module:function" taking
    # ``(store, ctx, run_id)`` and returning the run's ``FileOutcome`` (see collectors.run)
    pull: str | None = None
    # the keys a source of this format may have besides the common ones (``SOURCE_KEYS``) and the
    # "module:function" that checks them: ``(chk, raw_source, key) -> options`` stored as
    # ``SourceConfig.options``
    option_keys: tuple[str, ...] = ()
    options: str | None = None

    def read(self, path: Path, source: SourceConfig, resume: Resume | None = None) -> FileReading:
        """Read ``path``; ``resume`` (resumable formats only) skips what was read before."""
        module = import_module(self.module)
        if resume is not None:
            return module.read(path, source, resume=resume)
        return module.read(path, source)

    def pull_function(self) -> Callable[..., Any]:
        """The function that pulls a source of this format (formats with ``pull`` only)."""
        assert self.pull is not None
        return _resolve(self.pull)

    def check_options(self, chk: Any, raw: dict, key: str) -> Any:
        """This format's own keys of one source, checked (None when it has none)."""
        return _resolve(self.options)(chk, raw, key) if self.options else None

    def default_columns(self, kind: str, name: str) -> tuple[str, ...]:
        """The columns to look for when the source does not map ``name`` (first found wins)."""
        found = self.defaults.get(kind, {}).get(name, ())
        return (found,) if isinstance(found, str) else found


def _resolve(target: str) -> Callable[..., Any]:
    module, _, name = target.partition(":")
    return getattr(import_module(module), name)
