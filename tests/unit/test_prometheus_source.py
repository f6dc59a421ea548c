"""The ``prometheus`` source against a real Prometheus server (Debian's ``prometheus``) started on
loopback, scraping a small target that the test runs too: counters of requests per module and
status, growing at every scrape.

Per scrape, billing serves 9 requests with status 200 and 1 with status 500, stock 5 with status
200. Prometheus' ``increase()`` extrapolates each period the same way for series scraped together,
so every period of billing has exactly a tenth of errors, stock has none (and no 5xx series at
all), and error_rate over both is 1 ÷ 15.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import socket
import subprocess
import threading
import time
import urllib.parse
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from sqlalchemy import delete, func, select

from collectors.run import collect
from hypercare.config import ConfigError, load_config
from metrics import compute
from metrics.store import open_store
from metrics.store.models import ErrorCount, IngestFile, Quarantine, SourceCursor

PROMETHEUS = "/usr/bin/prometheus"
STEP = 5  # seconds: the period, and the range of increase()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Target:
    """A scrape target: ``/metrics`` in the Prometheus text format; each scrape counts."""

    def __init__(self) -> None:
        self.counts = {("billing", "200"): 0, ("billing", "500"): 0, ("stock", "200"): 0}
        self.scrapes = 0
        self.down = False
        target = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                if target.down or self.path.split("?")[0] != "/metrics":
                    self.send_error(503 if target.down else 404)
                    return
                target.scrape()
                body = target.exposition().encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/plain; version=0.0.4")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def scrape(self) -> None:
        self.scrapes += 1
        self.counts[("billing", "200")] += 9
        self.counts[("billing", "500")] += 1
        self.counts[("stock", "200")] += 5

    def exposition(self) -> str:
        lines = ["# TYPE http_requests_total counter"]
        for (module, status), value in self.counts.items():
            lines.append(f'http_requests_total{{module="{module}",status="{status}"}} {value}')
        return "\n".join(lines) + "\n"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def prometheus(tmp_path: Path):
    """A Prometheus server on loopback scraping a ``Target`` every second: (url, target)."""
    if not Path(PROMETHEUS).exists() and not shutil.which("prometheus"):
        message = "Debian's prometheus package is not installed (apt-get install prometheus)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    target = Target()
    port = _free_port()
    config = tmp_path / "prometheus.yml"
    config.write_text(
        "global: {scrape_interval: 1s, evaluation_interval: 1s}\n"
        "scrape_configs:\n"
        "  - job_name: app\n"
        f"    static_configs: [{{targets: ['127.0.0.1:{target.port}']}}]\n",
        encoding="utf-8",
    )
    process = subprocess.Popen(
        [
            PROMETHEUS if Path(PROMETHEUS).exists() else "prometheus",
            f"--config.file={config}",
            f"--storage.tsdb.path={tmp_path / 'tsdb'}",
            f"--web.listen-address=127.0.0.1:{port}",
            "--log.level=warn",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"{url}/-/ready", timeout=1) as answer:
                    if answer.status == 200:
                        break
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"prometheus did not start: {process.stderr.read()!r}")
            time.sleep(0.2)
        yield url, target
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        target.close()


def _config(make_config, store_url: str, url: str) -> Path:
    return make_config(
        f"""
        timezone: UTC
        locale: en
        privacy: {{min_group_size: 1}}
        sources:
          - {{name: roster, kind: roster, path: roster.csv}}
          - name: monitoring
            kind: error_counts
            format: prometheus
            url: {url}
            requests: sum by (module) (increase(http_requests_total[{STEP}s]))
            errors: sum by (module) (increase(http_requests_total{{status=~"5.."}}[{STEP}s]))
            step: {STEP}s
            start: 5m
        """,
        store=store_url,
    )


def _wait_for_samples(url: str, wanted: int, timeout: float = 90) -> int:
    """Wait until Prometheus holds ``wanted`` samples of one series (one per second)."""
    query = urllib.parse.urlencode(
        {"query": 'count_over_time(http_requests_total{module="stock"}[10m])'}
    )
    deadline = time.monotonic() + timeout
    found = 0
    while time.monotonic() < deadline:
        with urllib.request.urlopen(f"{url}/api/v1/query?{query}", timeout=5) as answer:
            result = json.loads(answer.read())["data"]["result"]
        found = int(float(result[0]["value"][1])) if result else 0
        if found >= wanted:
            return found
        time.sleep(1)
    raise AssertionError(f"Prometheus scraped {found} samples in {timeout} s, not {wanted}")


def _counts(store) -> list[tuple]:
    with store.session() as session:
        return session.execute(
            select(
                ErrorCount.module, ErrorCount.period_end, ErrorCount.requests, ErrorCount.errors
            ).order_by(ErrorCount.period_end, ErrorCount.module)
        ).all()


def test_pulls_counts_per_module_and_period_incrementally(
    prometheus, store_url, make_config, write
):
    url, target = prometheus
    write("roster.csv", "user,team\nu1,Compta\n")
    config = load_config(_config(make_config, store_url, url))
    store = open_store(config.store_url)
    try:
        seen = _wait_for_samples(url, 4 * STEP)  # a few periods (a loaded machine is slow)
        time.sleep(STEP + 1)  # and the last of them complete for ``lag``
        [_roster, first] = collect(config, store)
        assert not first.failed, first.files
        assert first.total("accepted") >= 4 and first.total("quarantined") == 0
        rows = _counts(store)
        assert {m for m, *_ in rows} == {"billing", "stock"}
        by_period: dict = {}
        for module, end, requests, errors in rows:
            by_period.setdefault(end, {})[module] = (requests, errors)
            assert requests > 0
            if module == "billing":
                assert errors == pytest.approx(requests / 10)
            else:
                assert errors == 0
        for modules in by_period.values():
            if len(modules) == 2:
                assert modules["stock"][0] == pytest.approx(modules["billing"][0] / 2)
        # Periods are whole steps ending on multiples of the step.
        with store.session() as session:
            count = session.scalars(select(ErrorCount).limit(1)).one()
            start = count.period_start.replace(tzinfo=dt.UTC)
            end = count.period_end.replace(tzinfo=dt.UTC)
            assert (end - start) == dt.timedelta(seconds=STEP)
            assert end.timestamp() % STEP == 0
            cursor = session.get(SourceCursor, "monitoring")
            assert cursor is not None and cursor.value_type == "datetime"
            assert dt.datetime.fromisoformat(cursor.value) == max(
                e.replace(tzinfo=dt.UTC) for _, e, *_ in rows
            )

        # Later: the new periods are added, the last one stored is read again and absorbed.
        _wait_for_samples(url, seen + 2 * STEP)
        time.sleep(STEP + 1)
        [second] = collect(config, store, ["monitoring"])
        assert second.total("accepted") >= 2
        assert second.total("duplicates") + second.total("accepted") == second.total("read")
        # New rows, plus at most the overlap period's two rows updated (a sample that came late).
        added = len(_counts(store)) - len(rows)
        assert 0 < added <= second.total("accepted") <= added + 2

        # The target stops answering: once its last period is complete, pulling adds nothing.
        target.down = True
        time.sleep(3 * STEP)
        collect(config, store, ["monitoring"])
        settled = _counts(store)
        [again] = collect(config, store, ["monitoring"])
        assert again.total("accepted") == 0
        assert _counts(store) == settled

        # Without its cursor the source reads everything again: all duplicates.
        with store.session() as session:
            session.execute(delete(SourceCursor).where(SourceCursor.source == "monitoring"))
        [replay] = collect(config, store, ["monitoring"])
        assert replay.total("read") == len(settled) and replay.total("accepted") == 0
        assert _counts(store) == settled

        # error_rate of scope all comes from the counts: a tenth of billing's, none of stock's.
        as_of = max(end for _, end, *_ in settled).date()
        with store.session() as session:
            snap = compute.snapshot(session, compute.Settings.from_config(config), as_of)
            assert snap[compute.Scope("all")]["error_rate"] == pytest.approx(1 / 15, abs=1e-4)
            assert session.scalar(select(func.count()).select_from(Quarantine)) == 0
            failed = select(func.count()).select_from(IngestFile).where(IngestFile.status != "ok")
            assert session.scalar(failed) == 0
    finally:
        store.dispose()


def test_a_query_prometheus_refuses_fails_the_source_with_its_reason(
    prometheus, store_url, make_config, write
):
    url, _ = prometheus
    write("roster.csv", "user,team\nu1,Compta\n")
    path = make_config(
        f"""
        sources:
          - name: monitoring
            kind: error_counts
            format: prometheus
            url: {url}
            requests: sum by (module) (increase(http_requests_total[5s])
            step: 5s
        """,
        store=store_url,
    )
    config = load_config(path)
    store = open_store(config.store_url)
    try:
        [outcome] = collect(config, store)
        assert outcome.failed
        message = outcome.files[0].error
        assert "source monitoring" in message and "/api/v1/query_range" in message
        assert "400" in message and "parse error" in message
        with store.session() as session:
            assert session.scalar(select(func.count()).select_from(SourceCursor)) == 0
    finally:
        store.dispose()


def test_config_errors_name_the_key(make_config):
    path = make_config(
        """
        sources:
          - {name: p, kind: usage, format: prometheus, step: often}
        """
    )
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    text = str(caught.value)
    assert "sources[0] (p).kind: format prometheus gives error counts" in text
    assert "sources[0] (p).url: expected the Prometheus server's URL" in text
    assert "sources[0] (p).step: expected an interval" in text


class QueryRangeApi:
    """Prometheus' documented ``/api/v1/query_range`` answer, served on loopback: what the
    server returns when a series has NaN (0 ÷ 0 in a rate) or errors come without requests."""

    def __init__(self, step: int) -> None:
        self.queries: list[dict[str, list[str]]] = []
        self.ghost_at: float | None = None  # the one instant with errors and no requests
        api = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                parts = urllib.parse.urlsplit(self.path)
                query = urllib.parse.parse_qs(parts.query)
                api.queries.append(query)
                start, end = float(query["start"][0]), float(query["end"][0])
                stamps = [start + i * step for i in range(int((end - start) // step) + 1)]
                if api.ghost_at is None:
                    api.ghost_at = stamps[0]
                if "5.." in query["query"][0]:
                    result = [
                        {"metric": {"module": "billing"}, "values": [[t, "1"] for t in stamps]}
                    ]
                    if start <= api.ghost_at <= end:
                        result.append(
                            {"metric": {"module": "ghost"}, "values": [[api.ghost_at, "2"]]}
                        )
                else:
                    values = [[t, "10"] for t in stamps]
                    values[-1][1] = "NaN"
                    result = [{"metric": {"module": "billing"}, "values": values}]
                body = json.dumps(
                    {"status": "success", "data": {"resultType": "matrix", "result": result}}
                ).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def test_nan_and_errors_without_requests_are_quarantined(store_url, make_config):
    api = QueryRangeApi(step=3600)
    try:
        path = make_config(
            f"""
            sources:
              - {{name: prom, kind: error_counts, format: prometheus, url: "{api.url}",
                  step: 1h, start: 6h, lag: 1h}}
            """,
            store=store_url,
        )
        config = load_config(path)
        store = open_store(config.store_url)
        try:
            [outcome] = collect(config, store)
            # 5 hourly instants (6 h back, the last hour not complete yet): 5 billing rows, the
            # last with NaN requests, and 1 ghost row with errors but no requests.
            assert (outcome.total("read"), outcome.total("accepted")) == (6, 4)
            assert outcome.total("quarantined") == 2
            query = api.queries[0]
            assert query["step"] == ["3600s"]
            assert float(query["start"][0]) % 3600 == 0 and float(query["end"][0]) % 3600 == 0
            with store.session() as session:
                reasons = sorted(session.scalars(select(Quarantine.reason)))
                raws = session.scalars(select(Quarantine.raw)).all()
                lines = set(session.scalars(select(Quarantine.line)))
            assert lines == {int(api.ghost_at), int(float(query["end"][0]))}  # Unix times
            assert any("'NaN' is not a number" in r for r in reasons)
            assert any("column 'requests' (requests) is empty" in r for r in reasons)
            assert any('"module": "ghost"' in raw for raw in raws)
            # Again at once: the last stored period is read again (a duplicate), the NaN and
            # the ghost are not quarantined twice.
            [again] = collect(config, store)
            assert again.total("accepted") == 0
            with store.session() as session:
                assert session.scalar(select(func.count()).select_from(Quarantine)) == 2
        finally:
            store.dispose()
    finally:
        api.close()
