"""``hypercare collect --every 15m``: the collectors in a loop, each source at its own interval.

Every source runs when it is due (at first, all of them; then every ``every:`` of its own, else
the command's interval), one source at a time in its own transaction, so that stopping between
two sources leaves the store consistent. A stop request (SIGTERM, SIGINT) lets the source being
read finish — its rows, ledger entry and cursor commit together — and ends the loop before the
next one. A source that fails is logged and tried again at its next turn; the loop goes on.
"""

from __future__ import annotations

import datetime as dt
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sqlalchemy.exc import SQLAlchemyError

if TYPE_CHECKING:
    from collectors.run import SourceOutcome
    from hypercare.config import Config, SourceConfig
    from metrics.store import Store

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_INTERVAL = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhd]?)\s*$", re.IGNORECASE)
MIN_INTERVAL = 1.0  # seconds


def parse_interval(text: object) -> float:
    """Seconds of an interval written ``30s``, ``15m``, ``1h``, ``1d`` or a number of seconds.

    Raises ValueError with what was expected.
    """
    if isinstance(text, bool):
        raise ValueError("an interval such as 15m, 1h or 1d")
    if isinstance(text, int | float):
        seconds = float(text)
    else:
        match = _INTERVAL.match(str(text))
        if not match:
            raise ValueError("an interval such as 30s, 15m, 1h or 1d")
        seconds = float(match.group(1)) * _UNITS[(match.group(2) or "s").lower()]
    if seconds < MIN_INTERVAL:
        raise ValueError(f"an interval of at least {MIN_INTERVAL:g} second")
    return seconds


def format_interval(seconds: float) -> str:
    """``900`` → ``15m``; the largest unit that divides the interval."""
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size and seconds % size == 0:
            return f"{int(seconds // size)}{unit}"
    return f"{seconds:g}s"


@dataclass
class Schedule:
    """When each source is due next (monotonic seconds) and its interval."""

    intervals: dict[str, float]
    due: dict[str, float] = field(default_factory=dict)

    def next_due(self) -> float:
        return min(self.due.values())

    def due_now(self, now: float) -> list[str]:
        return [name for name, at in self.due.items() if at <= now]


def interval_of(source: SourceConfig, default: float) -> float:
    """A source's own ``every:``, else the command's interval."""
    return source.every if source.every is not None else default


def run_loop(
    config: Config,
    store: Store,
    every: float,
    stop: threading.Event,
    *,
    source_names: list[str] | None = None,
    echo: Callable[[str], None] = print,
    clock: Callable[[], float] = time.monotonic,
    max_rounds: int | None = None,
) -> int:
    """Collect the sources of ``config`` (all, or those named) until ``stop`` is set; return the
    number of rounds run. A round collects every source that is due, roster first."""
    from collectors.run import collect

    wanted = set(source_names or [])
    sources = [s for s in config.sources if not wanted or s.name in wanted]
    sources.sort(key=lambda s: (s.kind != "roster", s.index))
    schedule = Schedule({s.name: interval_of(s, every) for s in sources})
    start = clock()
    schedule.due = {s.name: start for s in sources}
    shown = ", ".join(
        f"{s.name} every {format_interval(schedule.intervals[s.name])}" for s in sources
    )
    echo(f"collect: looping over {len(sources)} source(s): {shown}")
    rounds = 0
    while not stop.is_set() and sources:
        now = clock()
        due = set(schedule.due_now(now))
        if not due:
            stop.wait(max(0.0, schedule.next_due() - now))
            continue
        rounds += 1
        parts = []
        for source in sources:
            if source.name not in due:
                continue
            if stop.is_set():
                parts.append(f"{source.name} left for later (stopping)")
                continue
            began = clock()
            try:
                [outcome] = collect(config, store, [source.name], command="collect --every")
            except SQLAlchemyError as exc:  # the store went away: try again at the next turn
                reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
                parts.append(f"{source.name} FAILED (store: {reason})")
            else:
                parts.append(_summary(outcome))
            schedule.due[source.name] = began + schedule.intervals[source.name]
        stamp = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        wait = max(0.0, schedule.next_due() - clock())
        echo(f"{stamp} round {rounds}: {'; '.join(parts)}; next in {format_interval(round(wait))}")
        if max_rounds is not None and rounds >= max_rounds:
            break
    return rounds


def _summary(outcome: SourceOutcome) -> str:
    if outcome.failed:
        errors = [outcome.error] if outcome.error else [f.error for f in outcome.files if f.error]
        return f"{outcome.name} FAILED ({errors[0] if errors else 'see the ledger'})"
    return (
        f"{outcome.name} {outcome.total('read')} read, {outcome.total('accepted')} new, "
        f"{outcome.total('duplicates')} dup, {outcome.total('quarantined')} quarantined"
    )
