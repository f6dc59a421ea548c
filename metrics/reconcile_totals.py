"""Totals and per-group figures of one side, and their comparison within tolerances.

Totals are the row count, the sums of the ``sums`` columns, the minimum and maximum of the
``min_max`` columns; a group (``group_by``) has its own row count and sums. A sum's tolerance is
``sum_tolerance`` when given, else the column's ``tolerance`` scaled to the rows summed (each row
may be off by ``abs``, so ``n`` rows by ``n × abs``), else exact.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from metrics.reconcile_compare import values_equal
from metrics.reconcile_normalize import Unparsed, canon, decimal_text, group_value, jsonable
from metrics.reconcile_spec import EntitySpec, GroupExpr, Tolerance

_ZERO = Decimal(0)


@dataclass
class SideTotals:
    """What one pass over one side adds up."""

    sums_of: tuple[str, ...]
    min_max_of: tuple[str, ...]
    group_by: tuple[GroupExpr, ...]
    rows: int = 0
    sums: dict[str, Decimal] = field(default_factory=dict)
    low: dict[str, Any] = field(default_factory=dict)
    high: dict[str, Any] = field(default_factory=dict)
    unreadable: dict[str, int] = field(default_factory=dict)
    groups: dict[tuple, list] = field(default_factory=dict)  # group → [rows, {column: sum}]

    def __post_init__(self) -> None:
        self.sums = dict.fromkeys(self.sums_of, _ZERO)

    def add(self, row: dict[str, Any], tz: Any) -> None:
        self.rows += 1
        for column, value in row.items():
            if isinstance(value, Unparsed):
                self.unreadable[column] = self.unreadable.get(column, 0) + 1
        for column in self.sums_of:
            value = row[column]
            if isinstance(value, Decimal):
                self.sums[column] += value
        for column in self.min_max_of:
            value = row[column]
            if value is None or isinstance(value, Unparsed):
                continue
            if column not in self.low or value < self.low[column]:
                self.low[column] = value
            if column not in self.high or value > self.high[column]:
                self.high[column] = value
        if self.group_by:
            group = tuple(group_value(g, row[g.column], tz) for g in self.group_by)
            entry = self.groups.get(group)
            if entry is None:
                entry = self.groups[group] = [0, dict.fromkeys(self.sums_of, _ZERO)]
            entry[0] += 1
            for column in self.sums_of:
                value = row[column]
                if isinstance(value, Decimal):
                    entry[1][column] += value


def _number(value: Decimal) -> float:
    return float(value)


def sum_tolerance(entity: EntitySpec, column: str, rows: int) -> Tolerance:
    if column in entity.sum_tolerance:
        return entity.sum_tolerance[column]
    if column in entity.tolerance:
        return entity.tolerance[column].times(rows)
    return Tolerance()


def compare_totals(
    entity: EntitySpec, legacy: SideTotals, new: SideTotals, reasons: list[str]
) -> tuple[dict[str, Any], bool]:
    """The totals part of an entity's result, and whether it passes; reasons are appended."""
    ok = True
    if not entity.count_tolerance.allows(Decimal(legacy.rows), Decimal(new.rows)):
        ok = False
        reasons.append(
            f"row count: legacy {legacy.rows}, new {new.rows} "
            f"(tolerance {entity.count_tolerance.describe()})"
        )
    sums: dict[str, Any] = {}
    for column in entity.sums:
        a, b = legacy.sums[column], new.sums[column]
        tol = sum_tolerance(entity, column, max(legacy.rows, new.rows))
        sums[column] = {"legacy": _number(a), "new": _number(b), "diff": _number(b - a)}
        if not tol.allows(a, b):
            ok = False
            reasons.append(
                f"sum of {column}: legacy {decimal_text(a)}, new {decimal_text(b)}, "
                f"diff {decimal_text(b - a)} (tolerance {tol.describe()})"
            )
    min_max: dict[str, Any] = {}
    for column in entity.min_max:
        tol = entity.tolerance.get(column)
        entry = {}
        for side, totals in (("legacy", legacy), ("new", new)):
            entry[side] = {
                "min": jsonable(totals.low.get(column)),
                "max": jsonable(totals.high.get(column)),
            }
        min_max[column] = entry
        for bound, values in (("min", (legacy.low, new.low)), ("max", (legacy.high, new.high))):
            a, b = values[0].get(column), values[1].get(column)
            if not values_equal(a, b, canon(a), canon(b), tol):
                ok = False
                reasons.append(f"{bound} of {column}: legacy {canon(a)}, new {canon(b)}")
    for side, totals in (("legacy", legacy), ("new", new)):
        for column, count in sorted(totals.unreadable.items()):
            ok = False
            reasons.append(
                f"{column}: {count} value(s) of the {side} side cannot be read as the column's type"
            )
    return {"sums": sums, "min_max": min_max}, ok


def compare_groups(
    entity: EntitySpec, legacy: SideTotals, new: SideTotals, limit: int, reasons: list[str]
) -> tuple[dict[str, Any] | None, bool]:
    """Row counts and sums per group; only the differing groups are listed (up to ``limit``)."""
    if not entity.group_by:
        return None, True
    empty = [0, dict.fromkeys(entity.sums, _ZERO)]
    keys = sorted(
        legacy.groups.keys() | new.groups.keys(), key=lambda g: [(v is None, v or "") for v in g]
    )
    differing = []
    for group in keys:
        (rows_a, sums_a), (rows_b, sums_b) = (
            legacy.groups.get(group, empty),
            new.groups.get(group, empty),
        )
        bad = not entity.count_tolerance.allows(Decimal(rows_a), Decimal(rows_b))
        sums = {}
        for column in entity.sums:
            a, b = sums_a[column], sums_b[column]
            sums[column] = {"legacy": _number(a), "new": _number(b), "diff": _number(b - a)}
            if not sum_tolerance(entity, column, max(rows_a, rows_b)).allows(a, b):
                bad = True
        if bad:
            differing.append(
                {
                    "group": group[0] if len(group) == 1 else list(group),
                    "rows": {"legacy": rows_a, "new": rows_b},
                    "sums": sums,
                }
            )
    if differing:
        shown = ", ".join(str(d["group"]) for d in differing[:5])
        more = f" and {len(differing) - 5} more" if len(differing) > 5 else ""
        reasons.append(f"{len(differing)} group(s) differ: {shown}{more}")
    out = {
        "by": [g.text for g in entity.group_by],
        "checked": len(keys),
        "differing": len(differing),
        "samples": differing[:limit],
    }
    return out, not differing
