"""The command line as users script it: exit statuses, messages, and the report's JSON shape."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from hypercare.cli import main

ROSTER = "user;team;wave\n" + "".join(f"u{i};T{i % 2};w1\n" for i in range(10))
USAGE = "ts;user\n2026-05-30 10:00;u1\n2026-05-31 10:00;u2\nnot a date;u3\n"
CONFIG = """
privacy: {min_group_size: 5}
sources:
  - {name: roster, kind: roster, path: roster.csv}
  - {name: usage, kind: usage, path: usage.csv}
"""


def run(*args: str):
    result = CliRunner().invoke(main, list(args))
    assert "Traceback" not in result.output
    return result


@pytest.fixture
def config(make_config, write):
    write("roster.csv", ROSTER)
    write("usage.csv", USAGE)
    return str(make_config(CONFIG))


def test_collect_then_report_json(config):
    result = run("collect", "--config", config)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].split() == [
        "source",
        "kind",
        "files",
        "skipped",
        "read",
        "accepted",
        "duplicates",
        "quarantined",
    ]
    assert lines[3].split() == ["usage", "usage", "1", "0", "3", "2", "0", "1"]

    result = run("report", "--config", config, "--as-of", "2026-05-31", "--format", "json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["as_of"] == "2026-05-31"
    assert report["scopes"]["all"]["wau"] == 2
    assert report["scopes"]["all"]["adoption_rate"] == 0.2
    assert set(report["scopes"]) == {"all", "team:T0", "team:T1", "wave:w1"}
    assert report["suppressed"] == []

    table = run("report", "--config", config, "--as-of", "2026-05-31")
    assert table.exit_code == 0
    assert "team:T1" in table.output and "20 %" in table.output.replace("\u202f", " ")


def test_rerun_skips_unchanged_files(config):
    run("collect", "--config", config)
    again = run("collect", "--config", config)
    assert again.exit_code == 0
    assert again.output.splitlines()[3].split() == ["usage", "usage", "0", "1", "0", "0", "0", "0"]


def test_bad_config_exits_2_with_the_key(make_config):
    path = make_config("locale: klingon\n")
    for verb in ("collect", "report"):
        result = run(verb, "--config", str(path))
        assert result.exit_code == 2
        assert f"{path}: locale: expected one of fr, en, found 'klingon'" in result.output


def test_missing_config_exits_2(tmp_path):
    result = run("report", "--config", str(tmp_path / "none.yaml"))
    assert result.exit_code == 2
    assert "no such config file" in result.output


def test_missing_source_file_exits_1_and_names_it(config, tmp_path):
    (tmp_path / "usage.csv").unlink()
    result = run("collect", "--config", config)
    assert result.exit_code == 1
    assert "sources[1].path: no file matches 'usage.csv'" in result.output


def test_unknown_source_name_exits_2(config):
    result = run("collect", "--config", config, "--source", "nope")
    assert result.exit_code == 2
    assert (
        "--source 'nope' is not a source of this config (sources: roster, usage)" in result.output
    )


def test_missing_secret_key_exits_2(config, monkeypatch):
    monkeypatch.delenv("HYPERCARE_SECRET_KEY")
    result = run("collect", "--config", config)
    assert result.exit_code == 2
    assert "HYPERCARE_SECRET_KEY" in result.output


def test_unreachable_store_exits_1(make_config):
    path = make_config("locale: fr\n", store="postgresql+psycopg://nobody@127.0.0.1:1/none")
    result = run("report", "--config", str(path))
    assert result.exit_code == 1
    assert "store.url: cannot open" in result.output


def test_bad_as_of_is_a_usage_error(config):
    result = run("report", "--config", config, "--as-of", "31/05/2026")
    assert result.exit_code == 2


def test_console_script_is_installed(config):
    done = subprocess.run(
        [
            str(Path(sys.executable).parent / "hypercare"),
            "report",
            "--config",
            config,
            "--format",
            "json",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "scopes" in json.loads(done.stdout)


def test_quarantine_lists_refused_rows(config):
    run("collect", "--config", config)
    result = run("quarantine", "--config", config)
    assert result.exit_code == 0
    assert "usage · usage.csv:4 [convert] column 'ts' (ts): 'not a date'" in result.output
    as_json = json.loads(run("quarantine", "--config", config, "--format", "json").output)
    assert [(e["line"], e["raw"]) for e in as_json] == [(4, "not a date;u3")]
    as_csv = run("quarantine", "--config", config, "--format", "csv", "--source", "roster")
    assert as_csv.output.splitlines() == ["source,path,line,stage,reason,raw,created_at"]


def test_collect_retry_quarantine(config, tmp_path):
    run("collect", "--config", config)
    (tmp_path / "hypercare.yaml").write_text(
        (tmp_path / "hypercare.yaml")
        .read_text()
        .replace(
            "path: usage.csv}", "path: usage.csv, values: {ts: {not a date: '2026-05-31 12:00'}}}"
        )
    )
    result = run("collect", "--config", config, "--retry-quarantine")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[3].split() == ["usage", "usage", "1", "0", "1", "1", "0", "0"]
    assert run("quarantine", "--config", config).output.strip() == "The quarantine is empty."


def test_a_store_failing_mid_command_is_one_paragraph_not_a_traceback(tmp_path, make_config):
    import sqlite3

    config = make_config("")
    store_db = tmp_path / "store.db"
    assert CliRunner().invoke(main, ["report", "--config", str(config)]).exit_code == 0
    conn = sqlite3.connect(store_db)
    conn.execute("DROP TABLE usage_daily")  # a damaged store
    conn.commit()
    conn.close()
    result = CliRunner().invoke(main, ["report", "--config", str(config)])
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    assert "the store failed during `hypercare report` (" in result.output
    assert "usage_daily" in result.output
