"""What the ``reconciliation:`` section describes: sides, entities, tolerances, filters.

Plain frozen dataclasses, built by :func:`metrics.reconcile_config.parse_section`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from hypercare.config import CsvOptions, DateOptions

SIDES = ("legacy", "new")
_ZERO = Decimal(0)


@dataclass(frozen=True)
class Tolerance:
    """How far two numbers may be apart and still count as equal: ``abs + rel × max(|a|, |b|)``.

    For dates the bound is in days, for date-times in seconds (``rel`` does not apply).
    """

    abs: Decimal = _ZERO
    rel: Decimal = _ZERO

    def bound(self, a: Decimal, b: Decimal) -> Decimal:
        return self.abs + self.rel * max(abs(a), abs(b))

    def allows(self, a: Decimal, b: Decimal) -> bool:
        return abs(a - b) <= self.bound(a, b)

    def times(self, rows: int) -> Tolerance:
        """The bound of a sum of ``rows`` values each within this tolerance."""
        return Tolerance(self.abs * rows, self.rel)

    @property
    def is_zero(self) -> bool:
        return not self.abs and not self.rel

    def describe(self) -> str:
        from metrics.reconcile_normalize import decimal_text

        parts = [f"±{decimal_text(self.abs)}"] if self.abs else []
        if self.rel:
            parts.append(f"±{decimal_text(self.rel * 100)}%")
        return " + ".join(parts) or "exact"


@dataclass(frozen=True)
class Condition:
    """One filter of ``where``: ``column op value`` (``value`` is a tuple for in / not_in)."""

    column: str
    op: str
    value: Any


@dataclass(frozen=True)
class GroupExpr:
    """A ``group_by`` expression: a column, or ``year|quarter|month|day(column)``."""

    text: str
    column: str
    function: str | None = None


@dataclass(frozen=True)
class SideSpec:
    """One side of one entity: where its rows come from and how to read them."""

    side: str  # legacy | new
    key_path: str  # e.g. reconciliation.entities[0] (factures).legacy, for messages
    url: str | None = None
    url_env: str | None = None
    query: str | None = None
    table: str | None = None
    path: str | None = None
    format: str = "csv"
    sheet: str | None = None
    csv: CsvOptions = field(default_factory=CsvOptions)
    dates: DateOptions = field(default_factory=DateOptions)
    timezone: str | None = None  # zone of date-times written without an offset
    decimal: str | None = None  # decimal mark of numbers written as text (None: auto)
    columns: dict[str, str] = field(default_factory=dict)  # column of the entity → of this side
    where: tuple[Condition, ...] = ()

    @property
    def is_file(self) -> bool:
        return self.path is not None


@dataclass(frozen=True)
class EntitySpec:
    """One entity to reconcile (customers, invoices…) and the checks to run on it."""

    name: str
    index: int
    legacy: SideSpec
    new: SideSpec
    key: tuple[str, ...] = ()
    compare: tuple[str, ...] | None = None  # None: every column both sides have
    sums: tuple[str, ...] = ()
    min_max: tuple[str, ...] = ()
    group_by: tuple[GroupExpr, ...] = ()
    tolerance: dict[str, Tolerance] = field(default_factory=dict)
    sum_tolerance: dict[str, Tolerance] = field(default_factory=dict)
    count_tolerance: Tolerance = field(default_factory=Tolerance)
    types: dict[str, str] = field(default_factory=dict)
    where: tuple[Condition, ...] = ()
    samples: int = 10
    decimals: int = 6

    def side(self, name: str) -> SideSpec:
        return self.legacy if name == "legacy" else self.new


@dataclass(frozen=True)
class ReconciliationConfig:
    """The parsed section: the entities, in the order of the file."""

    entities: tuple[EntitySpec, ...]
    timezone: str | None = None  # None: the config's timezone

    def entity(self, name: str) -> EntitySpec:
        for entity in self.entities:
            if entity.name == name:
                return entity
        raise KeyError(name)
