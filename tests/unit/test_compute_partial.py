"""A partial snapshot knows which calculator gives each computed KPI (tests/app/test_data_privacy.py
compares its values with the full snapshot's on the demo)."""

import pytest

from metrics import compute
from metrics.kpis import COMPUTED


def test_every_computed_kpi_has_exactly_one_calculator():
    given = [code for codes, _ in compute.PARTS_BY_CODES for code in codes]
    assert sorted(given) == sorted(COMPUTED), "add the new KPI to compute.PARTS_BY_CODES"


def test_an_unknown_code_is_refused():
    with pytest.raises(ValueError, match="not computed KPIs: \\['nope'\\]"):
        compute.partial_snapshot(None, compute.Settings(), None, ["nope"])  # type: ignore[arg-type]
