"""KPIs over usage events and error logs, each worked out by hand (SQLite and PostgreSQL)."""

import datetime as dt

import pytest

from collectors.run import collect
from hypercare.config import load_config
from metrics import compute
from metrics.scopes import ALL, Scope
from metrics.store import open_store

ROSTER = (
    "user;team;wave;go_live\n"
    "u1;A;w1;2026-05-01\nu2;A;w1;2026-05-01\nu3;B;w2;2026-05-10\nu4;B;w2;2026-05-10\n"
)
USAGE = (
    "ts;user;action;outcome;duration_ms\n"
    "2026-05-02 09:00;u1;invoice.create;ok;100\n"
    "2026-05-02 10:00;u1;invoice.send;error;200\n"
    "2026-05-31 11:00;u1;quote.create;ok;300\n"
    "2026-05-05 09:00;u2;invoice.create;ok;400\n"
    "2026-04-30 09:00;u2;invoice.create;ok;50\n"  # outside the window, before u2's go-live
    "2026-05-12 09:00;u3;payment.record;error;500\n"
    "2026-05-20 09:00;u3;report.view;;600\n"  # no outcome
    "2026-05-30 09:00;X;invoice.create;ok;1000\n"  # not in the roster
)
ERRORS = (
    "ts;level;module;message;user\n"
    "2026-05-10 10:00;ERROR;billing;PDF failed;u1\n"
    "2026-05-11 10:00;CRITICAL;sync;queue down;\n"  # no user: counts in all only
    "2026-05-12 10:00;WARNING;sync;slow;u3\n"  # below error
    "2026-04-01 10:00;ERROR;sync;old;u3\n"  # outside the window
)
AS_OF = dt.date(2026, 5, 31)
A, B = Scope("team", "A"), Scope("team", "B")


@pytest.fixture
def snap(store_url, make_config, write):
    write("roster.csv", ROSTER)
    write("usage.csv", USAGE)
    write("errors.csv", ERRORS)
    config = load_config(
        make_config(
            """
            privacy: {min_group_size: 2}
            core_features: [invoice.create, invoice.send, quote.create, payment.record]
            sources:
              - {name: r, kind: roster, path: roster.csv}
              - {name: u, kind: usage, path: usage.csv}
              - {name: e, kind: errors, path: errors.csv}
            """,
            store=store_url,
        )
    )
    store = open_store(config.store_url)
    try:
        collect(config, store)
        with store.session() as session:
            yield compute.snapshot(session, compute.Settings.from_config(config), AS_OF)
    finally:
        store.dispose()


def test_success_and_error_rates(snap):
    # all: ok = u1 ×2, u2, X = 4; errors = u1, u3 = 2 → 4/6 and 2/6 (u3's report.view has no
    # outcome; u2's 30/04 is outside the window).
    assert snap[ALL]["task_success_rate"] == pytest.approx(4 / 6, abs=1e-4)
    assert snap[ALL]["error_rate"] == pytest.approx(2 / 6, abs=1e-4)
    assert (snap[A]["task_success_rate"], snap[A]["error_rate"]) == (0.75, 0.25)
    assert (snap[B]["task_success_rate"], snap[B]["error_rate"]) == (0.0, 1.0)


def test_stickiness(snap):
    # all: 6 person-days in 30 days = 0.2 average DAU, ÷ MAU 4 = 0.05.
    assert snap[ALL]["stickiness"] == 0.05
    assert snap[A]["stickiness"] == 0.05  # 3 person-days / 30 / 2
    assert snap[B]["stickiness"] == pytest.approx(2 / 30, abs=1e-4)  # 2 / 30 / 1


def test_time_to_first_use(snap):
    # u1: 01/05 → 02/05 = 1 day; u2: 01/05 → 05/05 = 4 (its 30/04 event is before go-live);
    # u3: 10/05 → 12/05 = 2; u4 has not started and is left out.
    assert snap[ALL]["time_to_first_use"] == 2
    assert snap[A]["time_to_first_use"] == 2.5
    assert snap[B]["time_to_first_use"] == 2


def test_feature_breadth(snap):
    assert snap[ALL]["feature_breadth"] == 1.0  # the 4 core actions are all used
    assert snap[A]["feature_breadth"] == 0.75  # invoice.create, invoice.send, quote.create
    assert snap[B]["feature_breadth"] == 0.25  # payment.record


def test_p95_duration_nearest_rank(snap):
    # all: 100…600 and 1000 (n = 7), rank ⌈6.65⌉ = 7 → 1000; A: n = 4, rank 4 → 400;
    # B: n = 2, rank 2 → 600.
    assert snap[ALL]["p95_duration_ms"] == 1000
    assert snap[A]["p95_duration_ms"] == 400
    assert snap[B]["p95_duration_ms"] == 600


def test_app_errors_per_1k(snap):
    # all: ERROR (u1) + CRITICAL (no user) = 2 ÷ 7 events × 1000; A: 1 ÷ 4; B: 0 ÷ 2.
    assert snap[ALL]["app_errors_per_1k"] == pytest.approx(2 / 7 * 1000, abs=0.01)
    assert snap[A]["app_errors_per_1k"] == 250.0
    assert snap[B]["app_errors_per_1k"] == 0.0


def test_waves_mirror_teams(snap):
    assert snap[Scope("wave", "w1")]["p95_duration_ms"] == snap[A]["p95_duration_ms"]
    assert snap[Scope("wave", "w2")]["error_rate"] == snap[B]["error_rate"]
