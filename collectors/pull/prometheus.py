"""The ``prometheus`` format: requests and errors per module from a Prometheus server, stored as
error counts per period (``kind: error_counts``).

A source names the server (``url``), two PromQL expressions that give, per module, the requests
and the errors of one period (``requests``, ``errors``; by default
``sum by (module) (increase(http_requests_total[5m]))`` and the same with ``status=~"5.."``), and
the period (``step``, default ``5m``; the ``[5m]`` of the expressions should be the same). Each
pull asks ``/api/v1/query_range`` with that step: the value at an instant *t* (a multiple of the
step) is the count of the period [*t* − step, *t*), one row per period and module.

Incremental: the end of the last period stored is the source's cursor (``source_cursors``,
committed with the rows); the next pull starts at that instant (inclusive: the last period is read
again and deduplicated, or updated if Prometheus counted more since) and ends at the last period
complete ``lag`` ago (default: one step), so that a period is stored once it is whole. The first
pull goes back ``start`` (default ``1d``). A series of errors without its requests, or a value
that is not a number (NaN), is quarantined with the instant, module and values.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy.exc import DataError, IntegrityError

from collectors.formats import Format
from collectors.pull.http import (
    Auth,
    AuthSpec,
    HttpClient,
    PullError,
    check_auth,
    check_http_url,
    safe_url,
)
from collectors.readers import FileError, FileReading, RawRow

if TYPE_CHECKING:
    from collectors.base import CollectContext
    from collectors.run import FileOutcome
    from metrics.store import Store

OPTION_KEYS = ("url", "requests", "errors", "step", "module_label", "start", "lag", "auth")
OPTION_KEYS += ("timeout", "retries")
DEFAULT_REQUESTS = "sum by (module) (increase(http_requests_total[5m]))"
DEFAULT_ERRORS = 'sum by (module) (increase(http_requests_total{status=~"5.."}[5m]))'
HEADER = ["period_start", "period_end", "module", "requests", "errors"]
MAX_POINTS = 10_000  # Prometheus refuses more than 11,000 points per series in one query


@dataclass(frozen=True)
class PrometheusOptions:
    """The keys of a ``prometheus`` source, checked."""

    url: str
    requests: str
    errors: str
    step: float  # seconds
    module_label: str
    start: float  # seconds back from now for the first pull
    lag: float  # seconds a period must have ended before it is pulled
    auth: AuthSpec | None
    timeout: float
    retries: int


def _interval(chk: Any, value: Any, key: str, default: float) -> float:
    from collectors.schedule import parse_interval

    if value is None:
        return default
    try:
        return parse_interval(value)
    except ValueError as exc:
        chk.fail(key, str(exc), value)
        return default


def check(chk: Any, raw: dict, key: str) -> PrometheusOptions:
    """``Format.options`` of ``prometheus``."""
    if raw.get("kind") not in (None, "error_counts"):
        chk.problems.append(
            f"{key}.kind: format prometheus gives error counts; expected error_counts, found "
            f"{raw.get('kind')!r}"
        )
    url = chk.string(raw.get("url"), f"{key}.url")
    if not url:
        chk.problems.append(
            f"{key}.url: expected the Prometheus server's URL (http://prometheus:9090), found "
            "nothing"
        )
        url = ""
    else:
        check_http_url(chk, url, f"{key}.url")
    requests = chk.string(raw.get("requests"), f"{key}.requests", DEFAULT_REQUESTS)
    errors = chk.string(raw.get("errors"), f"{key}.errors", DEFAULT_ERRORS)
    timeout = chk.number(raw.get("timeout"), f"{key}.timeout")
    if timeout is not None and timeout <= 0:
        chk.fail(f"{key}.timeout", "a number of seconds > 0", timeout)
        timeout = None
    step = _interval(chk, raw.get("step"), f"{key}.step", 300.0)
    return PrometheusOptions(
        url=url.rstrip("/"),
        requests=requests or DEFAULT_REQUESTS,
        errors=errors or DEFAULT_ERRORS,
        step=step,
        module_label=chk.string(raw.get("module_label"), f"{key}.module_label", "module")
        or "module",
        start=_interval(chk, raw.get("start"), f"{key}.start", 86400.0),
        lag=_interval(chk, raw.get("lag"), f"{key}.lag", step),
        auth=check_auth(chk, raw.get("auth"), f"{key}.auth"),
        timeout=timeout if timeout is not None else 30.0,
        retries=chk.integer(raw.get("retries"), f"{key}.retries", 4),
    )


def _iso(seconds: float) -> str:
    return dt.datetime.fromtimestamp(seconds, dt.UTC).isoformat()


def _floor(seconds: float, step: float) -> float:
    return math.floor(seconds / step) * step


def query_range(
    client: HttpClient, options: PrometheusOptions, query: str, start: float, end: float
) -> dict[tuple[float, str], str]:
    """``(instant, module) → value`` of one expression from ``start`` to ``end`` (inclusive),
    asked in chunks of at most ``MAX_POINTS`` steps."""
    values: dict[tuple[float, str], str] = {}
    url = f"{options.url}/api/v1/query_range"
    chunk = options.step * (MAX_POINTS - 1)
    first = start
    while first <= end:
        last = min(end, first + chunk)
        params = {"query": query, "start": f"{first:.3f}", "end": f"{last:.3f}"}
        params["step"] = f"{options.step:g}s"
        body = client.get(url, params).json()
        if not isinstance(body, dict) or body.get("status") != "success":
            reason = body.get("error") if isinstance(body, dict) else None
            raise PullError(
                f"source {client.source}: {safe_url(url)} refused the query {query!r}"
                + (f": {reason}" if reason else "")
            )
        data = body.get("data") or {}
        if data.get("resultType") != "matrix":
            raise PullError(
                f"source {client.source}: {safe_url(url)} answered a {data.get('resultType')!r} "
                f"for {query!r}; query_range needs an expression giving series (a matrix)"
            )
        for series in data.get("result") or []:
            module = (series.get("metric") or {}).get(options.module_label, "")
            for stamp, value in series.get("values") or []:
                values[(float(stamp), module)] = str(value)
        first = last + options.step
    return values


def rows_of(
    requests: dict[tuple[float, str], str],
    errors: dict[tuple[float, str], str],
    step: float,
) -> Iterator[RawRow]:
    """One row per instant and module: the period that ends at the instant, its counts.

    A module without an errors series at an instant had no error (Prometheus' ``sum by`` gives
    no series for a label set that matched nothing); errors without requests stay empty, and
    the row is quarantined. A row's line and number are the period's end as a Unix time, so that
    a period read again (the overlap of two pulls) is the same row for the quarantine too.
    """
    for stamp, module in sorted(set(requests) | set(errors)):
        number = int(stamp)
        values = {
            "period_start": _iso(stamp - step),
            "period_end": _iso(stamp),
            "module": module,
            "requests": requests.get((stamp, module), ""),
            "errors": errors.get((stamp, module), "0"),
        }
        raw = json.dumps(values, ensure_ascii=False)
        yield RawRow(number, number, values, raw)


def pull(store: Store, ctx: CollectContext, run_id: int) -> FileOutcome:
    """``Format.pull`` of ``prometheus``: the complete periods since the cursor, their rows and
    the new cursor in one transaction."""
    from collectors.readers import READERS
    from collectors.run import (
        FileOutcome,
        _lock_source,
        _now,
        _read_rows,
        _record_failure,
        close_ledger,
        open_ledger,
        release_context,
        store_refusal,
    )
    from metrics.store.models import SourceCursor

    source = ctx.source
    options: PrometheusOptions = source.options
    started = _now()
    label = f"prometheus {safe_url(options.url)}"[:1000]
    since = "from the start"
    outcome = FileOutcome(label, "ok")
    try:
        auth = (
            Auth.from_env(options.auth, ctx.config.base_dir, source.key_path)
            if options.auth is not None
            else None
        )
        client = HttpClient(
            source.name, auth=auth, timeout=options.timeout, retries=options.retries
        )
        with store.session() as session:
            _lock_source(session, source.name)
            stored = session.get(SourceCursor, source.name)
            now = started.timestamp()
            end = _floor(now - options.lag, options.step)
            if stored is not None:
                begin = dt.datetime.fromisoformat(stored.value).timestamp()
                since = f"periods ending from {stored.value}"
            else:
                begin = _floor(now - options.start, options.step) + options.step
                since = f"periods ending from {_iso(begin)}"
            ledger = open_ledger(session, ctx, run_id, label, since[:200], started)
            if begin <= end:
                requests = query_range(client, options, options.requests, begin, end)
                errors = query_range(client, options, options.errors, begin, end)
                reading = FileReading(
                    header=list(HEADER), rows=rows_of(requests, errors, options.step)
                )
                _read_rows(session, ctx, reading, label, outcome, READERS[source.format])
                newest = max((stamp for stamp, _ in requests), default=None)
                if newest is not None and (stored is None or newest > begin):
                    row = stored if stored is not None else SourceCursor(source=source.name)
                    if stored is None:
                        session.add(row)
                    row.value_type, row.value = "datetime", _iso(newest)
                    row.updated_at = _now()
            close_ledger(ledger, outcome)
    except (PullError, FileError) as exc:
        return _record_failure(store, ctx, label, since[:200], 0, run_id, started, str(exc))
    except (DataError, IntegrityError) as exc:
        message = store_refusal(exc, label, "a count of this source")
        return _record_failure(store, ctx, label, since[:200], 0, run_id, started, message)
    finally:
        release_context(ctx)
    assert outcome.read == outcome.accepted + outcome.duplicates + outcome.quarantined
    return outcome


FORMAT = Format(
    "prometheus",
    "collectors.pull.prometheus",
    "requests and errors per module from Prometheus (query_range), stored as error counts",
    decimal=".",
    files=False,
    pull="collectors.pull.prometheus:pull",
    option_keys=OPTION_KEYS,
    options="collectors.pull.prometheus:check",
)
