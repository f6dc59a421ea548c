"""Comparing two sides row by row, by key, with segmented hashing (in the manner of data-diff).

Each normalized row is reduced to its key (the canonical text of its key columns) and the
canonical text of its compared columns. A first pass over each side hashes every row (64-bit
BLAKE2b) and adds it to the *segment* its key's hash falls in: segments are ranges of the
64-bit key-hash space, so text and composite keys, gaps in the keys and rows in any order all
spread evenly, and both sides agree on the bounds without sorting anything. A segment keeps only
a count and the sum (mod 2⁶⁴) of its rows' hashes — order-free, and a repeated row counts twice.

The segments are then compared top-down: the whole range first, then its ``fanout`` parts, and so
on, descending only into ranges whose count or hash sum differ. A second pass keeps the rows of
the differing leaf segments only, and those few rows are compared exactly (:func:`compare_rows`,
which is also the naive comparison of everything). A key seen twice on one side marks its segment
for inspection too, so duplicated keys are found even when both sides repeat them alike.
Memory grows with the number of distinct keys (one 64-bit hash each) and the differing rows, not
with the rows themselves.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from metrics.reconcile_normalize import encoding_change
from metrics.reconcile_spec import Tolerance

Key = tuple[str | None, ...]
# A row ready to compare: (key, canonical compared values, typed compared values).
Row = tuple[Key, tuple[str | None, ...], tuple[Any, ...]]

LEAF_BITS = 12  # 4,096 leaf segments
FANOUT = 16
_MASK = (1 << 64) - 1
_NUMERIC = re.compile(r"^-?\d+(?:\.\d+)?$")


def encode(parts: tuple[str | None, ...]) -> str:
    """An unambiguous text of a tuple of texts: each prefixed by its length, NULL as ``-``."""
    return "".join("-" if p is None else f"{len(p)}:{p}" for p in parts)


def h64(text: str) -> int:
    """A 64-bit BLAKE2b hash of a text."""
    return int.from_bytes(hashlib.blake2b(text.encode("utf-8"), digest_size=8).digest(), "big")


def key_order(key: Key) -> tuple:
    """Sort keys naturally: NULL first, numbers by value, then text."""
    return tuple(
        (0, Decimal(0), "")
        if part is None
        else (1, Decimal(part), "")
        if _NUMERIC.match(part)
        else (2, Decimal(0), part)
        for part in key
    )


class SegmentSketch:
    """One side's rows summed per leaf segment of the key-hash space (first pass)."""

    def __init__(self, bits: int = LEAF_BITS) -> None:
        self.bits = bits
        self.leaves: dict[int, list[int]] = {}  # leaf → [rows, hash sum mod 2**64]
        self.keys: set[int] = set()
        self.suspect: set[int] = set()  # leaves holding a key seen twice

    def leaf(self, key: Key) -> tuple[int, int]:
        """The key's hash and the leaf segment it falls in."""
        key_hash = h64(encode(key))
        return key_hash, key_hash >> (64 - self.bits)

    def add(self, key: Key, canon: tuple[str | None, ...]) -> None:
        key_text = encode(key)
        key_hash = h64(key_text)
        leaf = key_hash >> (64 - self.bits)
        entry = self.leaves.get(leaf)
        if entry is None:
            entry = self.leaves[leaf] = [0, 0]
        entry[0] += 1
        entry[1] = (entry[1] + h64(f"{key_text}|{encode(canon)}")) & _MASK
        if key_hash in self.keys:
            self.suspect.add(leaf)
        else:
            self.keys.add(key_hash)


@dataclass
class SegmentStats:
    leaves: int
    checked: int = 0  # segments whose checksums were compared
    differing: int = 0  # leaf segments whose rows are compared one by one


def _summed(sketch: SegmentSketch, shift: int) -> dict[int, tuple[int, int]]:
    """Count and hash sum of each non-empty segment ``shift`` bits above the leaves."""
    if shift == 0:
        return {leaf: (rows, total) for leaf, (rows, total) in sketch.leaves.items()}
    out: dict[int, list[int]] = {}
    for leaf, (rows, total) in sketch.leaves.items():
        entry = out.setdefault(leaf >> shift, [0, 0])
        entry[0] += rows
        entry[1] = (entry[1] + total) & _MASK
    return {segment: (rows, total) for segment, (rows, total) in out.items()}


def differing_leaves(
    a: SegmentSketch, b: SegmentSketch, fanout: int = FANOUT
) -> tuple[set[int], SegmentStats]:
    """The leaf segments whose rows differ, found top-down from the whole key-hash range.

    Each level splits a differing segment into ``fanout`` parts (rounded down to a power of
    two); segments empty on both sides are skipped, equal ones are not descended into. The keys
    seen twice on a side add their leaves.
    """
    bits = a.bits
    stats = SegmentStats(leaves=1 << bits)
    step = max(1, fanout.bit_length() - 1)
    shifts = [*range(bits, 0, -step), 0]  # bits below each level's segments
    candidates = {0}  # level 0: the whole range
    for index, shift in enumerate(shifts):
        sums_a, sums_b = _summed(a, shift), _summed(b, shift)
        present = sums_a.keys() | sums_b.keys()
        differ = set()
        for segment in candidates & present:
            stats.checked += 1
            if sums_a.get(segment) != sums_b.get(segment):
                differ.add(segment)
        if shift == 0:
            candidates = differ
            break
        width = 1 << (shift - shifts[index + 1])
        candidates = {s * width + part for s in differ for part in range(width)}
    found = candidates | a.suspect | b.suspect
    stats.differing = len(found)
    return found, stats


@dataclass
class ChangedRow:
    key: Key
    columns: list[str]
    legacy: dict[str, str | None]
    new: dict[str, str | None]
    encoding: list[str] = field(default_factory=list)


@dataclass
class KeyDiff:
    """The differences found by key: each list holds keys, sorted."""

    missing_in_new: list[Key] = field(default_factory=list)
    extra_in_new: list[Key] = field(default_factory=list)
    changed: list[ChangedRow] = field(default_factory=list)
    duplicates: dict[str, list[Key]] = field(default_factory=lambda: {"legacy": [], "new": []})
    inspected: dict[str, int] = field(default_factory=lambda: {"legacy": 0, "new": 0})

    def summary(self) -> dict[str, Any]:
        """Counts and sorted keys, for comparing two ways of computing the same diff."""
        return {
            "missing_in_new": sorted(self.missing_in_new, key=key_order),
            "extra_in_new": sorted(self.extra_in_new, key=key_order),
            "changed": sorted(
                ((c.key, tuple(c.columns)) for c in self.changed), key=lambda c: key_order(c[0])
            ),
            "duplicates": {s: sorted(k, key=key_order) for s, k in self.duplicates.items()},
        }


def values_equal(a: Any, b: Any, ca: str | None, cb: str | None, tol: Tolerance | None) -> bool:
    """Equal after normalization, or apart by no more than the column's tolerance."""
    if ca == cb:
        return True
    if tol is None or tol.is_zero or a is None or b is None:
        return False
    if isinstance(a, Decimal) and isinstance(b, Decimal):
        return tol.allows(a, b)
    if isinstance(a, dt.datetime) and isinstance(b, dt.datetime):
        return Decimal(str(abs((a - b).total_seconds()))) <= tol.abs
    if isinstance(a, dt.date) and isinstance(b, dt.date):
        return abs((a - b).days) <= tol.abs
    return False


def compare_rows(
    legacy: Iterable[Row],
    new: Iterable[Row],
    columns: Sequence[str],
    tolerances: Sequence[Tolerance | None],
) -> KeyDiff:
    """Compare two sets of rows by key (the naive, exact comparison)."""
    diff = KeyDiff()
    grouped: dict[str, dict[Key, list[Row]]] = {
        "legacy": defaultdict(list),
        "new": defaultdict(list),
    }
    for side, rows in (("legacy", legacy), ("new", new)):
        for row in rows:
            grouped[side][row[0]].append(row)
            diff.inspected[side] += 1
    old, fresh = grouped["legacy"], grouped["new"]
    for side, rows_by_key in grouped.items():
        diff.duplicates[side] = sorted(
            (k for k, v in rows_by_key.items() if len(v) > 1), key=key_order
        )
    diff.missing_in_new = sorted((k for k in old if k not in fresh), key=key_order)
    diff.extra_in_new = sorted((k for k in fresh if k not in old), key=key_order)
    for key in sorted((k for k in old if k in fresh), key=key_order):
        if len(old[key]) > 1 or len(fresh[key]) > 1:
            continue  # reported as duplicated; which copy to compare is unknowable
        (_, canon_a, values_a), (_, canon_b, values_b) = old[key][0], fresh[key][0]
        changed = [
            i
            for i in range(len(columns))
            if not values_equal(values_a[i], values_b[i], canon_a[i], canon_b[i], tolerances[i])
        ]
        if changed:
            names = [columns[i] for i in changed]
            diff.changed.append(
                ChangedRow(
                    key=key,
                    columns=names,
                    legacy={columns[i]: canon_a[i] for i in changed},
                    new={columns[i]: canon_b[i] for i in changed},
                    encoding=[
                        columns[i]
                        for i in changed
                        if isinstance(values_a[i], str)
                        and isinstance(values_b[i], str)
                        and encoding_change(values_a[i], values_b[i])
                    ],
                )
            )
    return diff


def rows_in(rows: Iterable[Row], sketch: SegmentSketch, leaves: set[int]) -> Iterator[Row]:
    """The rows whose key falls in one of ``leaves`` (second pass)."""
    for row in rows:
        if sketch.leaf(row[0])[1] in leaves:
            yield row


def segmented_compare(
    legacy: Callable[[], Iterable[Row]],
    new: Callable[[], Iterable[Row]],
    columns: Sequence[str],
    tolerances: Sequence[Tolerance | None],
    *,
    bits: int = LEAF_BITS,
    fanout: int = FANOUT,
) -> tuple[KeyDiff, SegmentStats]:
    """Compare by segmented hashing; ``legacy`` and ``new`` give a fresh pass over their rows."""
    sketches = {"legacy": SegmentSketch(bits), "new": SegmentSketch(bits)}
    for side, rows in (("legacy", legacy), ("new", new)):
        for key, canon, _ in rows():
            sketches[side].add(key, canon)
    leaves, stats = differing_leaves(sketches["legacy"], sketches["new"], fanout)
    if not leaves:
        return KeyDiff(), stats
    diff = compare_rows(
        rows_in(legacy(), sketches["legacy"], leaves),
        rows_in(new(), sketches["new"], leaves),
        columns,
        tolerances,
    )
    return diff, stats
