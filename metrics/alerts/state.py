"""The alert state machine, pure: one step per evaluation of a rule on a scope for an as-of day.

```
            breach (pending > 0)            held ``pending`` days
  NORMAL ─────────────────────────► PENDING ─────────────────────► FIRING
    ▲  │ breach (pending = 0)          │ no breach                  │
    │  └───────────────────────────────┼──────────────────────────► │
    │◄─────────────────────────────────┘                            │ recovered
    │            next day, no breach                                ▼
    └─────────────────────────────────────────────────────────── RESOLVED
                                      breach again: → PENDING (or FIRING when pending = 0)
```

- *breach*: the rule's condition holds (the KPI crossed the line, dropped, was anomalous, or its
  target will be reached too late). ``None`` means the rule could not be judged (no data, a scope
  below its ``min_volume``): the state does not change.
- *recovered*: a firing alert resolves only once the KPI is back past the ``recovery`` line (when
  the rule has one; otherwise as soon as the condition no longer holds), so a value wavering
  around the threshold does not make the alert flap.
- *pending* counts days: the alert fires on the first evaluation at least ``pending`` days after
  the condition was first seen holding (pending 0 fires at once; pending 2 with daily runs fires
  on the third day in a row).
- Steps are idempotent for the same as-of day: evaluating the same day again with the same
  finding changes nothing (``RESOLVED`` only turns ``NORMAL`` on a later day). An as-of day
  older than the last one evaluated is *stale*: nothing changes.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

NORMAL = "normal"
PENDING = "pending"
FIRING = "firing"
RESOLVED = "resolved"
STATES = (NORMAL, PENDING, FIRING, RESOLVED)
ACTIVE = (PENDING, FIRING)


@dataclass(frozen=True)
class Status:
    """Where an alert stands: its state, the as-of day it entered it, the last day evaluated."""

    state: str = NORMAL
    since: dt.date | None = None
    last_as_of: dt.date | None = None


@dataclass(frozen=True)
class Check:
    """What a rule found: ``breach`` None = not judged; ``recovered`` None = ``not breach``."""

    breach: bool | None
    recovered: bool | None = None


@dataclass(frozen=True)
class Step:
    """The status after one evaluation and the transition it made (``(from, to)`` or None)."""

    status: Status
    transition: tuple[str, str] | None = None
    stale: bool = False


def step(status: Status, check: Check, as_of: dt.date, pending: int = 0) -> Step:
    """Apply one evaluation of the as-of day ``as_of`` to ``status``."""
    if status.last_as_of is not None and as_of < status.last_as_of:
        return Step(status, None, stale=True)
    evaluated = replace(status, last_as_of=as_of)
    if check.breach is None:
        return Step(evaluated)
    breach = check.breach
    recovered = not breach and (check.recovered is None or check.recovered)
    current = status.state
    target = current
    if current in (NORMAL, RESOLVED):
        if breach:
            target = FIRING if pending <= 0 else PENDING
        elif current == RESOLVED and (status.since is None or as_of > status.since):
            target = NORMAL
    elif current == PENDING:
        if not breach:
            target = NORMAL
        elif status.since is None or (as_of - status.since).days >= pending:
            target = FIRING
    elif current == FIRING:
        if recovered:
            target = RESOLVED
    else:  # an unknown state in the store: start again
        target = FIRING if breach and pending <= 0 else PENDING if breach else NORMAL
    if target == current:
        return Step(evaluated)
    return Step(Status(target, as_of, as_of), (current, target))


def run(
    checks: list[tuple[dt.date, Check]], pending: int = 0, status: Status | None = None
) -> tuple[Status, list[tuple[dt.date, str, str]]]:
    """Apply a sequence of daily checks; returns the final status and ``(day, from, to)`` list."""
    current = status or Status()
    transitions: list[tuple[dt.date, str, str]] = []
    for day, check in checks:
        result = step(current, check, day, pending)
        current = result.status
        if result.transition:
            transitions.append((day, *result.transition))
    return current, transitions
