"""The loop of ``hypercare collect --every``: signals in, one line per round out.

SIGTERM (systemd, docker stop, kill) and SIGINT (Ctrl-C) ask the loop to stop: the source being
read finishes and commits, the loop ends with a line saying so, and the command exits 0. A second
signal does not wait: the source being read is abandoned — its transaction rolls back, so the
store stays as it was before it — and the command exits 0 as well.
"""

from __future__ import annotations

import signal
import threading
from types import FrameType
from typing import TYPE_CHECKING

import click

from collectors.schedule import run_loop

if TYPE_CHECKING:
    from hypercare.config import Config
    from metrics.store import Store


def _echo(line: str) -> None:
    click.echo(line)  # one line per round; flushed so that journald and pipes see it at once


def loop(config: Config, store: Store, every: float, sources: list[str]) -> None:
    """Run the collect loop until SIGTERM or SIGINT."""
    stop = threading.Event()
    received: list[str] = []

    def ask_to_stop(signum: int, _frame: FrameType | None) -> None:
        name = signal.Signals(signum).name
        received.append(name)
        stop.set()
        if len(received) == 1:
            click.echo(f"collect: {name} received, stopping after the current source", err=True)
        else:
            raise _Abandon(name)

    previous = {sig: signal.signal(sig, ask_to_stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    rounds: int | None = None
    try:
        rounds = run_loop(config, store, every, stop, source_names=sources, echo=_echo)
    except _Abandon as abandon:
        click.echo(
            f"collect: second signal ({abandon}): the current source abandoned, its "
            "transaction rolled back"
        )
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    why = f"on {received[0]}" if received else "with nothing to collect"
    after = f" after {rounds} round(s)" if isinstance(rounds, int) else ""
    click.echo(f"collect: stopped {why}{after}")


class _Abandon(BaseException):
    """A second stop signal: leave the source being read (BaseException, so that no
    ``except Exception`` on the way swallows it)."""
