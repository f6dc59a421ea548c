"""Growing and rotated logs are read from where the last run stopped; nothing is read twice."""

from sqlalchemy import func, select

from collectors.run import collect
from hypercare.config import load_config
from metrics.store import open_store
from metrics.store.models import IngestFile, Quarantine, UsageEvent


def line(second: int, path: str = "/invoices", status: int = 200) -> str:
    return (
        f'203.0.113.{second} - - [31/May/2026:10:00:{second:02d} +0200] "GET {path} HTTP/1.1" '
        f'{status} 512 "-" "Mozilla/5.0"\n'
    )


def run(config):
    store = open_store(config.store_url)
    try:
        ((outcome,),) = [collect(config, store)]
        with store.session() as session:
            events = session.scalar(select(func.count()).select_from(UsageEvent))
            ledger = session.execute(
                select(IngestFile.path, IngestFile.start_offset, IngestFile.start_line).order_by(
                    IngestFile.id
                )
            ).all()
            bad = session.execute(select(Quarantine.path, Quarantine.line)).all()
        files = {
            f.path: (f.status, f.read, f.accepted, f.duplicates, f.quarantined)
            for f in outcome.files
        }
        return files, events, ledger, bad
    finally:
        store.dispose()


def test_growing_and_rotated_access_log(store_url, make_config, write, tmp_path):
    config = load_config(
        make_config(
            "sources:\n"
            "  - {name: web, kind: usage, format: access-log, path: 'logs/access.log*'}\n",
            store=store_url,
        )
    )
    log = tmp_path / "logs" / "access.log"
    write("logs/access.log", line(1) + line(2) + line(3))
    files, events, _, _ = run(config)
    assert files == {"logs/access.log": ("ok", 3, 3, 0, 0)} and events == 3

    # The log grows: only the two new lines are read, numbered as in the file.
    with open(log, "a") as handle:
        handle.write(line(4) + "garbage\n")
    files, events, ledger, bad = run(config)
    assert files == {"logs/access.log": ("ok", 2, 1, 0, 1)} and events == 4
    assert ledger[-1][1:] == (len(line(1) + line(2) + line(3)), 3)
    assert bad == [("logs/access.log", 5)]

    # Rotation: access.log becomes access.log.1, a new access.log starts.
    log.rename(tmp_path / "logs" / "access.log.1")
    write("logs/access.log", line(6))
    files, events, _, _ = run(config)
    assert files == {
        "logs/access.log": ("ok", 1, 1, 0, 0),
        "logs/access.log.1": ("skipped", 0, 0, 0, 0),
    }
    assert events == 5

    # More lines are written, then the log rotates again (access.log.1 is overwritten): the new
    # access.log.1 resumes where the old access.log was read.
    with open(log, "a") as handle:
        handle.write(line(7))
    log.rename(tmp_path / "logs" / "access.log.1")
    write("logs/access.log", "")
    files, events, ledger, _ = run(config)
    assert files["logs/access.log.1"] == ("ok", 1, 1, 0, 0)
    assert ledger[-1][0] == "logs/access.log.1" and ledger[-1][2] == 1
    assert events == 6

    # Nothing new: everything is skipped.
    files, events, _, _ = run(config)
    assert {s for s, *_ in files.values()} == {"skipped"} and events == 6


def test_half_written_last_line_is_read_again_whole(store_url, make_config, write, tmp_path):
    config = load_config(
        make_config(
            "sources:\n  - {name: app, kind: usage, format: jsonl, path: app.jsonl,"
            " columns: {ts: time_iso, user: user, action: msg}}\n",
            store=store_url,
        )
    )
    first = '{"time": 1780214400000, "user": "u1", "msg": "invoice.create"}\n'
    write("app.jsonl", first + '{"time": 1780214460000, "user": "u2", "ms')
    files, events, _, _ = run(config)
    assert files == {"app.jsonl": ("ok", 2, 1, 0, 1)} and events == 1
    # The line is completed: the file is read whole again, the first line is a duplicate.
    write("app.jsonl", first + '{"time": 1780214460000, "user": "u2", "msg": "x"}\n')
    files, events, ledger, _ = run(config)
    assert files == {"app.jsonl": ("ok", 2, 1, 1, 0)} and events == 2
    assert ledger[-1][1:] == (0, 0)
    # Appended after a complete line: resumed.
    with open(tmp_path / "app.jsonl", "a") as handle:
        handle.write('{"time": 1780214520000, "user": "u3", "msg": "y"}\n')
    files, events, ledger, _ = run(config)
    assert files == {"app.jsonl": ("ok", 1, 1, 0, 0)} and events == 3
    assert ledger[-1][2] == 2
