"""Segmented hashing agrees with a naive full comparison (TESTING.md item 10).

Random data: composite and text keys, gaps in the keys, empty segments, duplicated keys, rows and
columns in any order. First on prepared rows against ``compare_rows`` of everything (fast, many
examples), then end to end through two SQLite files against an oracle written here.
"""

from __future__ import annotations

import random
import sqlite3
import tempfile
from decimal import Decimal
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hypercare.config import parse_config
from metrics.reconcile import run_reconciliation
from metrics.reconcile_compare import (
    SegmentSketch,
    compare_rows,
    differing_leaves,
    segmented_compare,
)
from metrics.reconcile_spec import Tolerance

COLUMNS = ["label", "amount"]
TOLERANCES = [None, Tolerance(abs=Decimal("0.01"))]

keys = st.tuples(
    st.text(alphabet="aéZ ", max_size=2) | st.none(),
    st.integers(0, 40).map(str),  # gaps: a few of 41 values
)
values = st.tuples(
    st.sampled_from(["x", "y", "Société", None]),
    st.integers(-300, 300).map(lambda n: Decimal(n) / 100) | st.none(),
)


def as_row(key, vals):
    return (key, tuple(None if v is None else str(v) for v in vals), vals)


@st.composite
def two_sides(draw):
    legacy = draw(st.lists(st.tuples(keys, values), max_size=40))
    new = list(legacy)
    for _ in range(draw(st.integers(0, 8))):
        op = draw(st.sampled_from(["drop", "change", "add", "duplicate", "nudge"]))
        if op == "add" or not new:
            new.append((draw(keys), draw(values)))
            continue
        i = draw(st.integers(0, len(new) - 1))
        key, (label, amount) = new[i]
        if op == "drop":
            del new[i]
        elif op == "change":
            new[i] = (key, (draw(values)[0], amount))
        elif op == "duplicate":
            new.append(new[i])
        elif amount is not None:  # within or beyond the tolerance
            new[i] = (key, (label, amount + draw(st.sampled_from([Decimal("0.01"), Decimal(1)]))))
    order = draw(st.permutations(range(len(new))))
    return [as_row(k, v) for k, v in legacy], [as_row(*new[i]) for i in order]


@settings(max_examples=300, deadline=None)
@given(sides=two_sides(), bits=st.integers(0, 7), fanout=st.sampled_from([2, 4, 16, 256]))
def test_segmented_hashing_agrees_with_the_naive_comparison(sides, bits, fanout):
    legacy, new = sides
    naive = compare_rows(legacy, new, COLUMNS, TOLERANCES)
    segmented, stats = segmented_compare(
        lambda: iter(legacy), lambda: iter(new), COLUMNS, TOLERANCES, bits=bits, fanout=fanout
    )
    assert segmented.summary() == naive.summary()
    assert segmented.inspected["legacy"] <= len(legacy)
    assert stats.differing <= stats.leaves == 1 << bits


def test_equal_sides_need_no_second_pass():
    rows = [as_row(("k", str(i)), ("x", Decimal(i))) for i in range(500)]
    calls = []

    def side(data):
        def rows_of():
            calls.append(1)
            return iter(data)

        return rows_of

    diff, stats = segmented_compare(side(rows), side(list(reversed(rows))), COLUMNS, TOLERANCES)
    assert diff.summary() == compare_rows([], [], COLUMNS, TOLERANCES).summary()
    assert len(calls) == 2 and stats.checked == 1  # one pass each; the root checksum matched


def test_only_differing_segments_are_read_again():
    rows = [as_row((str(i),), ("x", Decimal(i))) for i in range(2000)]
    changed = list(rows)
    changed[7] = as_row(("7",), ("y", Decimal(7)))
    diff, stats = segmented_compare(lambda: iter(rows), lambda: iter(changed), COLUMNS, TOLERANCES)
    assert [c.key for c in diff.changed] == [("7",)]
    assert stats.differing == 1
    assert diff.inspected["legacy"] < 10  # the rows of one leaf segment out of 4096


def test_duplicates_alike_on_both_sides_are_still_found():
    row = as_row(("A",), ("x", Decimal(1)))
    a, b = SegmentSketch(4), SegmentSketch(4)
    for sketch in (a, b):
        sketch.add(row[0], row[1])
        sketch.add(row[0], row[1])
    leaves, _ = differing_leaves(a, b)
    assert leaves == {a.leaf(row[0])[1]}
    diff, _ = segmented_compare(
        lambda: iter([row, row]), lambda: iter([row, row]), COLUMNS, TOLERANCES
    )
    assert diff.duplicates == {"legacy": [("A",)], "new": [("A",)]}


# -- end to end: two SQLite files, columns and rows in any order --------------------------------

codes = st.sampled_from(["A", "b", "é", "Z9", "x y"])
records = st.dictionaries(
    st.tuples(codes, st.integers(0, 30)),
    st.tuples(st.sampled_from(["Alpha", "Bêta", "", None]), st.integers(0, 500)),
    max_size=25,
)


@st.composite
def two_tables(draw):
    legacy = draw(records)
    new = dict(legacy)
    for key in draw(st.lists(st.sampled_from(sorted(legacy)), max_size=4)) if legacy else []:
        new.pop(key, None)
    new.update(draw(records.map(lambda r: dict(list(r.items())[:3]))))
    duplicated = draw(st.lists(st.sampled_from(sorted(new)), max_size=2)) if new else []
    return legacy, new, duplicated


def write_table(path: Path, rows: list[tuple], columns: list[str], rng: random.Random) -> None:
    order = list(columns)
    rng.shuffle(order)  # columns in any order
    rows = list(rows)
    rng.shuffle(rows)  # rows in any order
    conn = sqlite3.connect(path)
    quoted = ", ".join(f'"{c}"' for c in order)
    conn.execute(f"CREATE TABLE t ({quoted})")
    placeholders = ", ".join("?" for _ in order)
    conn.executemany(
        f"INSERT INTO t VALUES ({placeholders})",
        [tuple(dict(zip(columns, r, strict=True))[c] for c in order) for r in rows],
    )
    conn.commit()
    conn.close()


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tables=two_tables(), bits=st.integers(1, 6), seed=st.integers(0, 1000))
def test_end_to_end_against_an_oracle(tables, bits, seed):
    legacy, new, duplicated = tables
    rng = random.Random(seed)
    columns = ["code", "num", "label", "cents"]
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        legacy_rows = [(c, n, label, cents / 100) for (c, n), (label, cents) in legacy.items()]
        new_rows = [
            (c, n, label, str(Decimal(cents) / 100)) for (c, n), (label, cents) in new.items()
        ]
        new_rows += [r for r in new_rows if (r[0], r[1]) in set(duplicated)]
        write_table(base / "legacy.db", legacy_rows, columns, rng)
        write_table(base / "new.db", new_rows, columns, rng)
        raw = {
            "reconciliation": {
                "sides": {
                    "legacy": {"url": "sqlite:///legacy.db"},
                    "new": {"url": "sqlite:///new.db"},
                },
                "entities": [
                    {
                        "name": "t",
                        "legacy": {"table": "t"},
                        "new": {"table": "t"},
                        "key": ["code", "num"],
                        "compare": ["label", "cents"],
                        "types": {"cents": "number"},
                        "samples": 100,
                    }
                ],
            }
        }
        config = parse_config(raw, base / "hypercare.yaml")
        (e,) = run_reconciliation(config, None, bits=bits, fanout=4)["entities"]

    def key(k):
        return [k[0].strip() or None, str(k[1])]

    missing = sorted(key(k) for k in legacy if k not in new)
    extra = sorted(key(k) for k in new if k not in legacy)
    changed = sorted(
        key(k)
        for k in legacy
        if k in new
        and k not in duplicated
        and (legacy[k][0] or None, legacy[k][1]) != (new[k][0] or None, new[k][1])
    )
    assert e["status"] in ("pass", "fail"), e["message"]
    assert sorted(e["samples"]["missing_in_new"]) == missing
    assert sorted(e["samples"]["extra_in_new"]) == extra
    assert sorted(c["key"] for c in e["samples"]["changed"]) == changed
    assert sorted(e["samples"]["duplicate_keys"]["new"]) == sorted(key(k) for k in set(duplicated))
    assert e["rows"] == {"legacy": len(legacy), "new": len(new) + len(set(duplicated))}
