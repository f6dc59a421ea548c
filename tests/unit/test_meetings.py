"""Follow-up meeting notes: the Markdown format and the CSV one, collected idempotently."""

import datetime as dt
from pathlib import Path

from sqlalchemy import func, select

from collectors.kinds.meetings import default_ref
from collectors.readers.meeting_notes_md import _rows, split_heading
from collectors.run import collect
from hypercare.config import load_config
from metrics.store import open_store
from metrics.store.models import MeetingNote, Quarantine

NOTES_MD = """\ufeff# Réunions de suivi

- un point perdu avant tout titre

## 2026-06-03 — Comptabilité — Point J+30
Auteur : DE0042
Lien : https://intranet.example/cr/2026-06-03

- L'export FEC est refusé par le cabinet (appeler le 06 12 34 56 78)
- Le lettrage automatique est lent
  surtout le lundi
* Formation : prévoir une session

Un paragraphe qui n'est pas un point.

## 04/06/2026 | ADV
1. Impossible de facturer en lot
2.

## 2026-02-31 — Logistique
- une date qui n'existe pas
"""


def test_markdown_rows_headings_bullets_and_continuations():
    rows = list(_rows(NOTES_MD.lstrip("\ufeff").splitlines()))
    assert [r.line for r in rows] == [3, 9, 10, 12, 17, 18, 21]
    assert rows[0].values is None and "outside any meeting" in (rows[0].error or "")
    first = rows[1].values
    assert first == {
        "date": "2026-06-03",
        "team": "Comptabilité",
        "meeting": "Point J+30",
        "author": "DE0042",
        "link": "https://intranet.example/cr/2026-06-03",
        "note": "L'export FEC est refusé par le cabinet (appeler le 06 12 34 56 78)",
    }
    assert rows[2].values["note"] == "Le lettrage automatique est lent surtout le lundi"
    assert rows[2].raw == "- Le lettrage automatique est lent\n  surtout le lundi"
    assert rows[3].values["note"] == "Formation : prévoir une session"
    assert rows[4].values["team"] == "ADV" and rows[4].values["author"] == ""
    assert [r.number for r in rows] == list(range(1, 8))
    assert split_heading("2026-06-03 - Achats") == ("2026-06-03", "Achats", "")


def _run(path):
    config = load_config(path)
    store = open_store(config.store_url)
    try:
        (outcome,) = collect(config, store)
        with store.session() as session:
            notes = session.scalars(select(MeetingNote).order_by(MeetingNote.day)).all()
            reasons = session.scalars(select(Quarantine.reason).order_by(Quarantine.line)).all()
        return outcome, notes, reasons
    finally:
        store.dispose()


def test_markdown_notes_collected_scrubbed_and_idempotent(store_url, make_config, write):
    write("cr/suivi.md", NOTES_MD)
    path = make_config(
        """
        locale: fr
        sources:
          - {name: suivi, kind: meetings, format: meeting-notes-md, path: cr/*.md}
        """,
        store=store_url,
    )
    outcome, notes, reasons = _run(path)
    (f,) = outcome.files
    # 7 bullets: 4 good ones at Comptabilité and ADV, one before any heading, one empty, one
    # with 31 February.
    assert (f.read, f.accepted, f.duplicates, f.quarantined) == (7, 4, 0, 3)
    assert "outside any meeting" in reasons[0]
    assert "(note) is empty" in reasons[1]
    assert "2026-02-31" in reasons[2]
    fec = notes[0]
    assert fec.day == dt.date(2026, 6, 3) and fec.team == "Comptabilité"
    assert "[téléphone]" in fec.note and "06 12" not in fec.note
    assert fec.author_key and fec.author_key != "de0042"  # pseudonymized
    assert fec.link == "https://intranet.example/cr/2026-06-03"
    assert fec.ref == default_ref(fec.day, "Comptabilité", fec.note)
    assert fec.ref.startswith("2026-06-03#") and len(fec.ref) == len("2026-06-03#") + 6
    assert notes[-1].team == "ADV" and notes[-1].note == "Impossible de facturer en lot"

    # A new meeting appended: only its point is new, the earlier ones are skipped or duplicates.
    write("cr/suivi.md", NOTES_MD + "\n## 2026-06-10 — Achats\n- Relances fournisseurs\n")
    outcome, notes, _ = _run(path)
    (f,) = outcome.files
    assert (f.accepted, f.duplicates) == (1, 4)
    assert len(notes) == 5


def test_csv_meeting_notes_with_mapped_columns(store_url, make_config, write):
    write(
        "notes.csv",
        "Date;Équipe;Auteur;Point;Id\n"
        "03/06/2026;ADV;DE0001;Impossible de facturer en lot;N-1\n"
        "03/06/2026;ADV;DE0001;PDF lents;\n"
        "03/06/2026;ADV;DE0001;PDF lents;\n"
        "05/06/2026;ADV;DE0002;Autre texte;N-1\n",
    )
    path = make_config(
        """
        locale: fr
        sources:
          - name: notes
            kind: meetings
            format: csv
            path: notes.csv
            columns: {date: Date, team: Équipe, author: Auteur, note: Point, ref: Id}
        """,
        store=store_url,
    )
    outcome, notes, reasons = _run(path)
    (f,) = outcome.files
    # the repeated row is a duplicate; N-1 listed again with another text is quarantined
    assert (f.read, f.accepted, f.duplicates, f.quarantined) == (4, 2, 1, 1)
    assert "note N-1 is already listed at line 2" in reasons[0]
    assert {n.ref for n in notes} == {"N-1", default_ref(dt.date(2026, 6, 3), "ADV", "PDF lents")}
    config = load_config(path)
    store = open_store(config.store_url)
    try:
        (again,) = collect(config, store)
        assert again.files[0].status == "skipped"
        with store.session() as session:
            assert session.scalar(select(func.count()).select_from(MeetingNote)) == 2
    finally:
        store.dispose()


def test_meeting_formats_are_documented():
    docs = Path(__file__).resolve().parents[2] / "docs"
    sources = (docs / "sources.md").read_text(encoding="utf-8")
    assert "\n## meeting-notes-md\n" in sources
    assert "## Meeting notes as CSV" in sources
    configuration = (docs / "configuration.md").read_text(encoding="utf-8")
    assert "**meetings**" in configuration
