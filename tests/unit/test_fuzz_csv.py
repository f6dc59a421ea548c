"""Property-based fuzzing of the CSV reader and the pipeline: never an uncaught exception, and
read = accepted + duplicates + quarantined for every file."""

import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from collectors.readers import FileError
from collectors.readers.csv import read_csv
from collectors.run import collect
from hypercare.config import CsvOptions, load_config
from metrics.store import open_store

cells = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=12)
rows = st.lists(st.lists(cells, min_size=0, max_size=6), max_size=12)
separators = st.sampled_from([";", ",", "\t", "|"])
encodings = st.sampled_from(["utf-8", "utf-8-sig", "cp1252", "latin-1"])


def render(header: list[str], body: list[list[str]], sep: str, newline: str) -> str:
    lines = [sep.join(header)] + [sep.join(r) for r in body]
    return newline.join(lines) + newline


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.binary(max_size=400))
def test_reader_never_raises_on_bytes(data):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "f.csv"
        path.write_bytes(data)
        try:
            reading = read_csv(path, CsvOptions())
            rows_ = list(reading.rows)
        except FileError:
            return  # a whole-file refusal is a controlled outcome with a message
        for row in rows_:
            assert (row.values is None) == (row.error is not None)
            assert row.line >= 2


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(body=rows, sep=separators, newline=st.sampled_from(["\n", "\r\n"]), encoding=encodings)
def test_pipeline_counts_always_add_up(body, sep, newline, encoding):
    header = ["Date", "Utilisateur", "Action", "Statut"]
    text = render(header, body, sep, newline)
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        try:
            (base / "usage.csv").write_bytes(text.encode(encoding))
        except UnicodeEncodeError:
            return  # the text cannot be written in that encoding: nothing to test
        (base / "hypercare.yaml").write_text(
            f"store: {{url: 'sqlite:///{base / 's.db'}'}}\n"
            "privacy: {pseudonymize: false}\n"
            "sources:\n"
            f"  - {{name: u, kind: usage, path: usage.csv, csv: {{encoding: auto}},"
            " columns: {ts: Date, user: Utilisateur, action: Action, outcome: Statut}}\n"
        )
        config = load_config(base / "hypercare.yaml")
        store = open_store(config.store_url)
        try:
            (outcome,) = collect(config, store)
        finally:
            store.dispose()
        for f in outcome.files:
            assert f.read == f.accepted + f.duplicates + f.quarantined
            if f.status == "failed":
                assert f.error  # a refused file says why
            else:
                non_blank = [r for r in body if any(c.strip() for c in r) or len(r) > 1]
                assert f.read <= len(non_blank) + text.count("\n")


@pytest.mark.parametrize("sep", [";", ","])
def test_quoted_garbage_is_quarantined_not_fatal(tmp_path, sep):
    path = tmp_path / "bad.csv"
    path.write_text(f'a{sep}b\n"unclosed{sep}1\n2{sep}3\n', encoding="utf-8")
    rows_ = list(read_csv(path, CsvOptions()).rows)
    assert all((r.values is None) == (r.error is not None) for r in rows_)
