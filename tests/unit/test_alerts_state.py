"""The alert state machine, pure: flapping input, pending periods, recovery, idempotence."""

import datetime as dt

from metrics.alerts.state import FIRING, NORMAL, PENDING, RESOLVED, Check, Status, run, step

D0 = dt.date(2026, 6, 1)


def days(n: int) -> list[dt.date]:
    return [D0 + dt.timedelta(days=i) for i in range(n)]


def checks(pattern: str) -> list[tuple[dt.date, Check]]:
    """``B`` breach, ``.`` no breach and recovered, ``h`` no breach but not recovered (the
    hysteresis band), ``?`` not judged (no data)."""
    make = {
        "B": Check(True, False),
        ".": Check(False, True),
        "h": Check(False, False),
        "?": Check(None),
    }
    return list(zip(days(len(pattern)), (make[c] for c in pattern), strict=True))


def test_pending_zero_fires_at_once_and_resolves_then_normal_next_day():
    status, moves = run(checks("B.."), pending=0)
    assert moves == [
        (D0, NORMAL, FIRING),
        (D0 + dt.timedelta(days=1), FIRING, RESOLVED),
        (D0 + dt.timedelta(days=2), RESOLVED, NORMAL),
    ]
    assert status == Status(NORMAL, D0 + dt.timedelta(days=2), D0 + dt.timedelta(days=2))


def test_pending_two_days_fires_on_the_third_breaching_day():
    status, moves = run(checks("BBB"), pending=2)
    assert moves == [(D0, NORMAL, PENDING), (D0 + dt.timedelta(days=2), PENDING, FIRING)]
    assert status.state == FIRING and status.since == D0 + dt.timedelta(days=2)


def test_a_pending_alert_that_does_not_hold_goes_back_to_normal_without_firing():
    _, moves = run(checks("BB.BB.B"), pending=2)
    assert [m[1:] for m in moves] == [
        (NORMAL, PENDING),
        (PENDING, NORMAL),
        (NORMAL, PENDING),
        (PENDING, NORMAL),
        (NORMAL, PENDING),
    ]
    assert FIRING not in {m[2] for m in moves}


def test_flapping_around_the_threshold_fires_once_thanks_to_the_recovery_band():
    # The value crosses the threshold back and forth, but never reaches the recovery line:
    # one firing, no resolution, however often it wavers.
    _, moves = run(checks("BhBhBhBhBh"), pending=0)
    assert moves == [(D0, NORMAL, FIRING)]
    # Without a recovery line (no breach = recovered) the same input flaps.
    _, moves = run(checks("B.B.B.B.B."), pending=0)
    assert [m[2] for m in moves].count(FIRING) == 5
    # With a pending period, the same flapping never fires at all.
    _, moves = run(checks("B.B.B.B.B."), pending=1)
    assert FIRING not in {m[2] for m in moves}


def test_recovery_needs_the_recovery_line_then_resolved_turns_normal():
    status, moves = run(checks("Bhhh.."), pending=0)
    assert [(m[0] - D0).days for m in moves] == [0, 4, 5]
    assert [m[2] for m in moves] == [FIRING, RESOLVED, NORMAL]
    assert status.state == NORMAL


def test_a_resolved_alert_that_breaches_again_goes_through_pending_again():
    _, moves = run(checks("BB.BB"), pending=1)
    assert [m[1:] for m in moves] == [
        (NORMAL, PENDING),
        (PENDING, FIRING),
        (FIRING, RESOLVED),
        (RESOLVED, PENDING),
        (PENDING, FIRING),
    ]


def test_no_data_changes_nothing_but_pending_counts_days():
    # Breach on day 0, no data on days 1-2, breach on day 3: held 3 days ≥ 2 → fires on day 3.
    status, moves = run(checks("B??B"), pending=2)
    assert moves == [(D0, NORMAL, PENDING), (D0 + dt.timedelta(days=3), PENDING, FIRING)]
    # A firing alert without data stays firing.
    status, moves = run(checks("???"), pending=0, status=status)
    assert moves == [] and status.state == FIRING


def test_the_same_day_again_is_idempotent():
    for pattern, pending in (("B", 0), ("B", 2), ("B.", 0), ("BB", 1)):
        status, _ = run(checks(pattern), pending=pending)
        last_day, last_check = checks(pattern)[-1]
        again = step(status, last_check, last_day, pending)
        assert again.transition is None and again.status == status, pattern


def test_resolved_turns_normal_only_on_a_later_day():
    status, _ = run(checks("B."), pending=0)
    assert status.state == RESOLVED
    same_day = step(status, Check(False, True), status.since)
    assert same_day.transition is None
    later = step(status, Check(False, True), status.since + dt.timedelta(days=1))
    assert later.transition == (RESOLVED, NORMAL)


def test_an_older_as_of_day_is_stale_and_changes_nothing():
    status, _ = run(checks("BBB"), pending=0)
    older = step(status, Check(False, True), D0)
    assert older.stale and older.transition is None and older.status == status


def test_hysteresis_band_cancels_a_pending_alert():
    # Pending needs the condition itself; the band only keeps a *firing* alert firing.
    _, moves = run(checks("Bh"), pending=1)
    assert [m[1:] for m in moves] == [(NORMAL, PENDING), (PENDING, NORMAL)]
