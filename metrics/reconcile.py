"""The consistency audit: the legacy system against the new one (``hypercare reconcile``).

For each entity of the ``reconciliation:`` section (see docs/reconciliation.md) both sides are
read, every value normalized (:mod:`metrics.reconcile_normalize`), filtered by ``where``, and
checked at three levels:

1. **totals**: row counts, sums, minimum and maximum, within their tolerances;
2. **groups** (``group_by``): the row count and sums of each group, e.g. each month's invoices;
3. **keys** (``key``): rows missing in the new system, extra in it, changed (with the columns),
   and keys duplicated on either side — found by segmented hashing
   (:mod:`metrics.reconcile_compare`), so that equal counts hiding wrong values are caught without
   holding both tables in memory.

An entity passes when every level does, fails when one does not, and is in error (with a message)
when it cannot be compared: a side that cannot be read, a missing column, types that do not
match. :func:`run_reconciliation` returns the JSON of the contract and stores each run's results
(:mod:`metrics.reconcile_store`) for the history, the dashboard and the alert rules.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterator
from contextlib import ExitStack
from itertools import chain, islice
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from metrics.reconcile_compare import (
    FANOUT,
    LEAF_BITS,
    KeyDiff,
    Row,
    SegmentSketch,
    SegmentStats,
    compare_rows,
    differing_leaves,
)
from metrics.reconcile_config import parse_section
from metrics.reconcile_normalize import (
    DATE,
    DATETIME,
    NORMALIZERS,
    NUMBER,
    TEXT,
    SideContext,
    TypeProblem,
    canon,
    compile_where,
    resolve_type,
)
from metrics.reconcile_sides import Side, SideError, entity_columns, match_columns
from metrics.reconcile_spec import SIDES, EntitySpec, ReconciliationConfig
from metrics.reconcile_store import history, latest_results, save_run
from metrics.reconcile_totals import SideTotals, compare_groups, compare_totals

if TYPE_CHECKING:
    from hypercare.config import Config
    from metrics.store import Store

__all__ = [
    "ReconciliationConfig",
    "history",
    "latest_results",
    "parse_section",
    "reconcile_entity",
    "run_reconciliation",
]

SECTION = "reconciliation"
PEEK_ROWS = 1000  # rows of each side read first to settle the columns' types
_log = logging.getLogger(__name__)


class UnknownEntity(ValueError):
    """``--entity`` names no entity of the section."""


def section_of(config: Config) -> ReconciliationConfig | None:
    """The parsed ``reconciliation:`` section of a config, or None."""
    return config.sections.get(SECTION)


def run_reconciliation(
    config: Config,
    store: Store | None,
    entity_names: list[str] | tuple[str, ...] | None = None,
    *,
    bits: int = LEAF_BITS,
    fanout: int = FANOUT,
) -> dict[str, Any]:
    """Reconcile the configured entities (or those named) and store the run when ``store``.

    Returns ``{"entities": [...], "run": {...}}`` as ``hypercare reconcile --format json``
    prints it. Raises LookupError when the config has no ``reconciliation:`` section and
    UnknownEntity for a name that is not an entity.
    """
    section = section_of(config)
    if section is None:
        raise LookupError("the config has no reconciliation: section (docs/reconciliation.md)")
    entities = list(section.entities)
    if entity_names:
        known = {e.name for e in entities}
        unknown = [n for n in entity_names if n not in known]
        if unknown:
            raise UnknownEntity(
                f"{unknown[0]!r} is not an entity of reconciliation: "
                f"(entities: {', '.join(sorted(known))})"
            )
        entities = [e for e in entities if e.name in entity_names]
    zone = section.timezone or config.timezone
    dayfirst = config.locale == "fr"
    started = _now()
    results = [
        reconcile_entity(
            entity, config.base_dir, zone=zone, dayfirst=dayfirst, bits=bits, fanout=fanout
        )
        for entity in entities
    ]
    finished = _now()
    statuses = {r["status"] for r in results}
    status = "error" if "error" in statuses else "fail" if "fail" in statuses else "pass"
    run: dict[str, Any] = {
        "id": None,
        "started_at": started.isoformat(),
        "finished_at": finished.isoformat(),
        "status": status,
    }
    if store is not None:
        run["id"] = save_run(store, started, finished, status, results)
    for result in results:
        result.pop("_started_at", None)
        result.pop("_finished_at", None)
    return {"entities": results, "run": run}


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


def display_key(key: tuple) -> Any:
    """A key as the JSON shows it: the value of a one-column key, else the list of values."""
    return key[0] if len(key) == 1 else list(key)


def _empty_result(entity: EntitySpec) -> dict[str, Any]:
    keyed = bool(entity.key)
    return {
        "name": entity.name,
        "status": "error",
        "rows": {"legacy": None, "new": None},
        "missing_in_new": None,
        "extra_in_new": None,
        "changed": None,
        "duplicate_keys": {"legacy": None, "new": None},
        "sums": {},
        "samples": {
            "missing_in_new": [],
            "extra_in_new": [],
            "changed": [],
            "duplicate_keys": {"legacy": [], "new": []},
        },
        "message": None,
        "checks": {"totals": None, "groups": None, "keys": None},
        "reasons": [],
        "key": list(entity.key) if keyed else None,
        "compared": [],
        "types": {},
        "distinct_keys": {"legacy": None, "new": None},
        "changed_columns": {},
        "min_max": {},
        "groups": None,
        "segments": None,
    }


def reconcile_entity(
    entity: EntitySpec,
    base_dir: Path,
    *,
    zone: str = "UTC",
    dayfirst: bool = True,
    bits: int = LEAF_BITS,
    fanout: int = FANOUT,
) -> dict[str, Any]:
    """One entity's result (status pass, fail or error); never raises for a user's mistake."""
    result = _empty_result(entity)
    result["_started_at"] = _now()
    try:
        with ExitStack() as stack:
            sides = {}
            for name in SIDES:
                side = Side(entity.side(name), base_dir)
                stack.callback(side.close)
                side.open()
                sides[name] = side
            _EntityRun(entity, sides, zone, dayfirst, bits, fanout).run(result)
    except (SideError, TypeProblem) as exc:
        result["status"], result["message"] = "error", str(exc)
    except Exception as exc:  # a bug: report it on this entity, go on with the others
        _log.exception("reconciliation of %s failed", entity.name)
        result["status"] = "error"
        result["message"] = f"unexpected error ({type(exc).__name__}: {exc}); please report it"
    result["_finished_at"] = _now()
    return result


class _EntityRun:
    """The comparison of one entity: columns, types, the two passes, the result."""

    def __init__(
        self,
        entity: EntitySpec,
        sides: dict[str, Side],
        zone: str,
        dayfirst: bool,
        bits: int,
        fanout: int,
    ) -> None:
        self.entity = entity
        self.sides = sides
        self.zone = ZoneInfo(zone)
        self.bits, self.fanout = bits, fanout
        self.shared = SideContext(tz=self.zone, dayfirst=dayfirst, decimals=entity.decimals)
        self.contexts = {}
        for name in SIDES:
            spec = entity.side(name)
            self.contexts[name] = SideContext(
                tz=ZoneInfo(spec.timezone or zone),
                dayfirst=dayfirst if spec.dates.dayfirst is None else spec.dates.dayfirst,
                date_format=spec.dates.format,
                decimal=spec.decimal,
                decimals=entity.decimals,
            )

    def run(self, result: dict[str, Any]) -> None:
        entity = self.entity
        scans = {name: side.scan() for name, side in self.sides.items()}
        compare = self._compared(scans)
        common = [*entity.key, *compare, *entity.sums, *entity.min_max]
        common += [g.column for g in entity.group_by] + [c.column for c in entity.where]
        wanted = {  # a side's own where may test a column only that side has
            n: list(dict.fromkeys([*common, *(c.column for c in entity.side(n).where)]))
            for n in SIDES
        }
        self.columns = self._match(scans, wanted)
        peeked = {n: list(islice(rows, PEEK_ROWS)) for n, (_, rows) in scans.items()}
        self.types = self._types(wanted, peeked)
        self.compare = compare
        result["compared"], result["types"] = compare, dict(self.types)
        self.keep = {  # values of where are read in the section's zone, alike for both sides
            n: compile_where((*entity.where, *entity.side(n).where), self.types, self.shared)
            for n in SIDES
        }
        totals = {n: SideTotals(entity.sums, entity.min_max, entity.group_by) for n in SIDES}
        sketches = {n: SegmentSketch(self.bits) for n in SIDES}
        for name in SIDES:  # first pass: totals, groups and the segments' checksums
            for row in self._rows(name, chain(peeked[name], scans[name][1])):
                totals[name].add(row, self.zone)
                if entity.key:
                    key, canon_values, _ = self._row(row)
                    sketches[name].add(key, canon_values)
        del peeked
        reasons: list[str] = []
        figures, totals_ok = compare_totals(entity, totals["legacy"], totals["new"], reasons)
        groups, groups_ok = compare_groups(
            entity, totals["legacy"], totals["new"], max(entity.samples, 20), reasons
        )
        result.update(
            rows={n: totals[n].rows for n in SIDES},
            sums=figures["sums"],
            min_max=figures["min_max"],
            groups=groups,
        )
        result["checks"]["totals"] = "pass" if totals_ok else "fail"
        if groups is not None:
            result["checks"]["groups"] = "pass" if groups_ok else "fail"
        keys_ok = True
        if entity.key:
            diff, stats = self._keyed(sketches)
            keys_ok = self._report_keys(result, diff, stats, sketches, reasons)
        result["reasons"] = reasons
        result["status"] = "pass" if totals_ok and groups_ok and keys_ok else "fail"

    # -- columns and types ---------------------------------------------------------------------

    def _compared(self, scans: dict[str, tuple[list[str], Iterator]]) -> list[str]:
        entity = self.entity
        if entity.compare is not None:
            return list(entity.compare)
        legacy = entity_columns(scans["legacy"][0], entity.legacy.columns)
        new = set(entity_columns(scans["new"][0], entity.new.columns))
        return [c for c in legacy if c in new and c not in entity.key]

    def _match(
        self, scans: dict[str, tuple[list[str], Iterator]], wanted: dict[str, list[str]]
    ) -> dict[str, dict[str, str]]:
        found: dict[str, dict[str, str]] = {}
        problems = []
        for name in SIDES:
            header = scans[name][0]
            mapping = self.entity.side(name).columns
            found[name], missing = match_columns(header, wanted[name], mapping)
            for column in missing:
                mapped = f" (mapped to {mapping[column]!r})" if column in mapping else ""
                problems.append(
                    f"column {column!r}{mapped} is missing on the {self.sides[name].label} side, "
                    f"whose columns are: {', '.join(header) or 'none'}"
                )
        if problems:
            raise SideError(
                "; ".join(problems) + "; fix the query or the export, or map the column "
                "under columns:"
            )
        return found

    def _types(self, wanted: dict[str, list[str]], peeked: dict[str, list[dict]]) -> dict[str, str]:
        entity = self.entity
        types: dict[str, str] = {}
        problems = []
        dated = {g.column for g in entity.group_by if g.function}
        for column in dict.fromkeys(wanted["legacy"] + wanted["new"]):
            samples = {
                n: [row[self.columns[n][column]] for row in peeked[n]]
                for n in SIDES
                if column in wanted[n]
            }
            try:
                declared = entity.types.get(column)
                types[column] = resolve_type(column, declared, samples, self.contexts)
                if types[column] == TEXT and not declared and column in dated:
                    # month(x) on two text columns: read them as dates
                    types[column] = resolve_type(column, DATE, samples, self.contexts)
            except TypeProblem as exc:
                problems.append(str(exc))
        for column in entity.sums:
            if types.get(column, NUMBER) != NUMBER:
                problems.append(
                    f"sums: column {column!r} holds {types[column]} values, not numbers"
                )
        for group in entity.group_by:
            if group.function and types.get(group.column, DATE) not in (DATE, DATETIME):
                problems.append(
                    f"group_by: {group.text} needs a date column; {group.column!r} holds "
                    f"{types[group.column]} values"
                )
        if problems:
            raise TypeProblem("; ".join(problems))
        return types

    # -- rows ----------------------------------------------------------------------------------

    def _rows(self, side: str, raw_rows: Iterator[dict[str, Any]]) -> Iterator[dict[str, Any]]:
        """Normalized rows of a side (under the entity's column names) that pass ``where``."""
        ctx, keep = self.contexts[side], self.keep[side]
        plan = [
            (column, source, NORMALIZERS[self.types[column]])
            for column, source in self.columns[side].items()
        ]
        for raw in raw_rows:
            row = {column: normalize(raw[source], ctx) for column, source, normalize in plan}
            if keep(row):
                yield row

    def _row(self, row: dict[str, Any]) -> Row:
        values = tuple(row[c] for c in self.compare)
        return (
            tuple(canon(row[c]) for c in self.entity.key),
            tuple(canon(v) for v in values),
            values,
        )

    def _keyed(self, sketches: dict[str, SegmentSketch]) -> tuple[KeyDiff, SegmentStats]:
        leaves, stats = differing_leaves(sketches["legacy"], sketches["new"], self.fanout)
        if not leaves:
            return KeyDiff(), stats

        def second_pass(side: str) -> Iterator[Row]:
            sketch, ctx = sketches[side], self.contexts[side]
            key_plan = [
                (self.columns[side][c], NORMALIZERS[self.types[c]]) for c in self.entity.key
            ]
            for raw in self.sides[side].scan()[1]:  # only the key of rows elsewhere is read
                key = tuple(canon(normalize(raw[source], ctx)) for source, normalize in key_plan)
                if sketch.leaf(key)[1] in leaves:
                    yield from (self._row(row) for row in self._rows(side, iter((raw,))))

        tolerances = [self.entity.tolerance.get(c) for c in self.compare]
        diff = compare_rows(second_pass("legacy"), second_pass("new"), self.compare, tolerances)
        return diff, stats

    def _report_keys(
        self,
        result: dict[str, Any],
        diff: KeyDiff,
        stats: SegmentStats,
        sketches: dict[str, SegmentSketch],
        reasons: list[str],
    ) -> bool:
        limit = self.entity.samples
        result["missing_in_new"] = len(diff.missing_in_new)
        result["extra_in_new"] = len(diff.extra_in_new)
        result["changed"] = len(diff.changed)
        result["duplicate_keys"] = {n: len(diff.duplicates[n]) for n in SIDES}
        result["distinct_keys"] = {n: len(sketches[n].keys) for n in SIDES}
        columns: dict[str, int] = {}
        for change in diff.changed:
            for column in change.columns:
                columns[column] = columns.get(column, 0) + 1
        result["changed_columns"] = columns
        result["samples"] = {
            "missing_in_new": [display_key(k) for k in diff.missing_in_new[:limit]],
            "extra_in_new": [display_key(k) for k in diff.extra_in_new[:limit]],
            "changed": [
                {
                    "key": display_key(c.key),
                    "columns": c.columns,
                    "legacy": c.legacy,
                    "new": c.new,
                    **({"encoding": c.encoding} if c.encoding else {}),
                }
                for c in diff.changed[:limit]
            ],
            "duplicate_keys": {
                n: [display_key(k) for k in diff.duplicates[n][:limit]] for n in SIDES
            },
        }
        result["segments"] = {
            "leaves": stats.leaves,
            "checked": stats.checked,
            "differing": stats.differing,
            "rows_compared": dict(diff.inspected),
        }
        for label, count in (
            ("missing in new", result["missing_in_new"]),
            ("extra in new", result["extra_in_new"]),
            ("changed", result["changed"]),
            ("key(s) duplicated in legacy", result["duplicate_keys"]["legacy"]),
            ("key(s) duplicated in new", result["duplicate_keys"]["new"]),
        ):
            if count:
                reasons.append(f"{count} {label}")
        encoding = sum(1 for c in diff.changed if c.encoding)
        if encoding:
            reasons.append(f"{encoding} changed by an encoding accident (e.g. Ã© for é)")
        ok = not any(
            (diff.missing_in_new, diff.extra_in_new, diff.changed, *diff.duplicates.values())
        )
        result["checks"]["keys"] = "pass" if ok else "fail"
        return ok
