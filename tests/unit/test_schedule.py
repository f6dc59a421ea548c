"""``hypercare collect --every``: intervals, the loop as a real process, and SIGTERM / SIGINT."""

import contextlib
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from collectors.schedule import format_interval, parse_interval
from hypercare.cli import main
from hypercare.config import ConfigError, load_config
from metrics.store import open_store
from metrics.store.models import IngestFile, UsageEvent

HYPERCARE = str(Path(sys.executable).parent / "hypercare")


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("30s", 30), ("15m", 900), ("1h", 3600), ("1d", 86400), ("90", 90), (" 2 H ", 7200), (5, 5)],
)
def test_parse_interval(text, seconds):
    assert parse_interval(text) == seconds


@pytest.mark.parametrize("text", ["", "15 minutes", "-1m", "0s", "1w", True])
def test_parse_interval_refuses(text):
    with pytest.raises(ValueError, match="interval"):
        parse_interval(text)


def test_format_interval():
    assert [format_interval(s) for s in (900, 3600, 86400, 45, 90)] == [
        "15m",
        "1h",
        "1d",
        "45s",
        "90s",
    ]


def test_a_bad_source_interval_names_the_key(make_config):
    path = make_config(
        """
        sources:
          - {name: usage, kind: usage, path: u.csv, every: soon}
        """
    )
    with pytest.raises(ConfigError, match=r"sources\[0\] \(usage\)\.every: expected an interval"):
        load_config(path)


def test_a_bad_every_option_is_a_usage_error(make_config):
    path = make_config("sources:\n  - {name: usage, kind: usage, path: u.csv}\n")
    result = CliRunner().invoke(main, ["collect", "--config", str(path), "--every", "often"])
    assert result.exit_code == 2
    assert "--every: expected an interval such as 30s, 15m, 1h or 1d, found 'often'" in (
        result.output
    )
    both = ["collect", "--config", str(path), "--every", "1m", "--retry-quarantine"]
    assert CliRunner().invoke(main, both).exit_code == 2


class _Lines:
    """The process' stdout, line by line, read by a thread (so that waiting can time out)."""

    def __init__(self, process: subprocess.Popen) -> None:
        self.lines: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        threading.Thread(target=self._pump, args=(process.stdout,), daemon=True).start()

    def _pump(self, stream) -> None:
        for line in stream:
            self.lines.put(line.rstrip("\n"))

    def wait_for(self, text: str, timeout: float = 60) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=0.2)
            except queue.Empty:
                continue
            self.seen.append(line)
            if text in line:
                return line
        raise AssertionError(f"no line with {text!r} in {timeout} s; saw: {self.seen}")


def _start(path: Path, *args: str) -> tuple[subprocess.Popen, _Lines]:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(
        [HYPERCARE, "collect", "--config", str(path), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    return process, _Lines(process)


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_the_loop_collects_new_files_each_round_and_stops_cleanly(
    store_url, make_config, write, sig
):
    write("usage/day1.csv", "ts,user,action\n2026-05-30 09:00,u1,invoice.create\n")
    write("roster.csv", "user,team\nu1,Compta\n")
    path = make_config(
        """
        timezone: UTC
        sources:
          - {name: roster, kind: roster, path: roster.csv, every: 1h}
          - {name: usage, kind: usage, path: usage/*.csv}
        """,
        store=store_url,
    )
    process, out = _start(path, "--every", "1s")
    try:
        assert "roster every 1h, usage every 1s" in out.wait_for("looping over 2 source(s)")
        first = out.wait_for("round 1:")
        assert "roster 1 read, 1 new" in first and "usage 1 read, 1 new" in first
        # The roster waits for its own hour; usage comes round every second.
        second = out.wait_for("round 2:")
        assert "roster" not in second and "usage 0 read" in second
        write("usage/day2.csv", "ts,user,action\n2026-05-31 09:00,u1,invoice.send\n")
        out.wait_for("usage 1 read, 1 new")
        process.send_signal(sig)
        process.wait(timeout=60)
        stderr = process.stderr.read()
        stopped = out.wait_for("collect: stopped")
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 0, stderr
    assert f"{sig.name} received, stopping after the current source" in stderr
    assert stopped.startswith(f"collect: stopped on {sig.name} after")
    assert "Traceback" not in stderr
    store = open_store(store_url)
    try:
        with store.session() as session:
            assert session.scalar(select(func.count()).select_from(UsageEvent)) == 2
            failed = select(func.count()).select_from(IngestFile).where(IngestFile.status != "ok")
            assert session.scalar(failed) == 0
    finally:
        store.dispose()


def test_a_failing_source_is_logged_and_the_loop_goes_on(make_config, write):
    write("usage/a.csv", "ts,user\n2026-05-30 09:00,u1\n")
    path = make_config(
        """
        sources:
          - {name: missing, kind: usage, path: nowhere/*.csv}
          - {name: usage, kind: usage, path: usage/*.csv}
        """
    )
    process, out = _start(path, "--every", "1s")
    try:
        line = out.wait_for("round 1:")
        assert "missing FAILED (sources[0].path: no file matches 'nowhere/*.csv'" in line
        assert "usage 1 read, 1 new" in line
        assert "missing FAILED" in out.wait_for("round 2:")
        process.terminate()
        process.wait(timeout=60)
        stopped = out.wait_for("collect: stopped")
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 0
    assert "stopped on SIGTERM" in stopped


class SlowApi:
    """A JSON API on loopback that holds each request until the test releases it."""

    def __init__(self) -> None:
        self.arrived = threading.Event()
        self.release = threading.Event()
        api = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                api.arrived.set()
                api.release.wait(60)
                body = b'{"items": [{"ts": "2026-05-30T09:00:00Z", "user": "u1"}]}'
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                with contextlib.suppress(OSError):  # the client left (abandoned)
                    self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/events"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


@pytest.mark.parametrize("second_signal", [False, True], ids=["finish", "abandon"])
def test_a_stop_signal_lets_the_current_source_finish_a_second_one_abandons_it(
    store_url, make_config, second_signal
):
    api = SlowApi()
    path = make_config(
        f"""
        timezone: UTC
        sources:
          - {{name: api, kind: usage, format: http-json, url: "{api.url}", records: items}}
        """,
        store=store_url,
    )
    process, out = _start(path, "--every", "1s")
    try:
        assert api.arrived.wait(60), "the loop never asked the API"
        process.send_signal(signal.SIGTERM)
        time.sleep(1)
        assert process.poll() is None  # still reading the source
        if second_signal:
            process.send_signal(signal.SIGTERM)
        else:
            api.release.set()
        process.wait(timeout=60)
        stopped = out.wait_for("collect: stopped on SIGTERM")
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        api.close()
    assert process.returncode == 0
    store = open_store(store_url)
    try:
        with store.session() as session:
            events = session.scalar(select(func.count()).select_from(UsageEvent))
            files = session.scalar(select(func.count()).select_from(IngestFile))
    finally:
        store.dispose()
    if second_signal:
        assert "second signal (SIGTERM): the current source abandoned" in "\n".join(out.seen)
        assert (events, files) == (0, 0)  # rolled back: the store as before the source
    else:
        assert "round 1: api 1 read, 1 new" in "\n".join(out.seen)
        assert stopped == "collect: stopped on SIGTERM after 1 round(s)"
        assert (events, files) == (1, 1)
