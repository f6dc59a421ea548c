"""Right to erasure and retention purge, on SQLite and PostgreSQL.

A small company where one person (Ana) appears in every person-bearing table — roster and
alias, usage under both identifiers, error log, survey comments, a ticket, a meeting note,
feedback items, a quarantined raw row, another person's ticket and a backlog owner naming her —
is collected; ``hypercare forget`` erases her; a scan of every column of every table finds
neither her identifiers nor her pseudonyms; other people are untouched; collecting a grown log,
a new file and ``--retry-quarantine`` do not bring her back, and the ledger counts her rows.
"""

from __future__ import annotations

import datetime as dt
import json

from click.testing import CliRunner
from sqlalchemy import func, select, text

from collectors.privacy import Pseudonymizer
from hypercare.cli import main
from hypercare.config import load_config
from metrics.store import open_store
from metrics.store.models import (
    Base,
    ErasedPerson,
    Erasure,
    IngestFile,
    Quarantine,
    SurveyResponse,
    Ticket,
    UsageDaily,
    UsageEvent,
)
from metrics.viewer import MANAGER
from surveys.feedback import sync_feedback
from surveys.settings import backlog_settings
from surveys.workflow import edit_items

ANA_MAT, ANA_MAIL = "MAT-ANA-7", "ana.martin@x.fr"
BOB_MAT, BOB_MAIL = "MAT-BOB-3", "bob.leroy@x.fr"
ROSTER = (
    "user;email;team\n"
    f"{ANA_MAT};{ANA_MAIL};ADV\n"
    f"{BOB_MAT};{BOB_MAIL};Compta\n"
    "MAT-CLE-1;cle.roux@x.fr;Compta\n"
)
USAGE = (
    "ts;user;action;outcome\n"
    f"01/06/2026 09:00;{ANA_MAT};invoice.create;OK\n"
    f"01/06/2026 09:05;{ANA_MAIL};invoice.send;OK\n"
    f"02/06/2026 10:00;{BOB_MAT};invoice.create;KO\n"
    f"02/06/2026 10:30;{BOB_MAIL};quote.create;OK\n"
    f"03/06/2026 11:00;{ANA_MAIL};payment.record;Bof\n"  # quarantined: unknown outcome
    f"03/06/2026 11:30;{BOB_MAT};payment.record;Bof\n"  # quarantined: unknown outcome
)
ERRORS = [
    {"asctime": "2026-06-01T09:01:00+02:00", "levelname": "ERROR", "name": "pdf",
     "message": "timeout", "user": ANA_MAIL},
    {"asctime": "2026-06-02T10:01:00+02:00", "levelname": "ERROR", "name": "pdf",
     "message": "timeout", "user": BOB_MAIL},
]  # fmt: skip
SURVEY = (
    "Horodateur;Email;Service;Gêne;Idée\n"
    f"01/06/2026 09:00;{ANA_MAIL};ADV;Les PDF sont lents;Un mode sombre\n"
    f"01/06/2026 10:00;{BOB_MAIL};Compta;Session expirée sans arrêt;\n"
)
JIRA = (
    "Issue key,Summary,Priority,Status,Reporter,Created,Description\n"
    f"FACT-1,Impossible de facturer en lot,High,Open,{ANA_MAT},03/Jun/26 9:05 AM,Erreur 500\n"
    f"FACT-2,Export FEC refusé,High,Open,{BOB_MAIL},04/Jun/26 2:30 PM,"
    f"Même souci que {ANA_MAT} hier\n"
)
NOTES = f"## 2026-06-05 — ADV\nAuteur : {ANA_MAT}\n- Les bons de livraison manquent\n"
CONFIG = """
locale: fr
sources:
  - {name: annuaire, kind: roster, format: csv, path: roster.csv}
  - name: usage
    kind: usage
    format: csv
    path: usage_*.csv
    dates: {dayfirst: true}
    values: {outcome: {OK: ok, KO: error%s}}
  - name: app
    kind: errors
    format: jsonl
    path: app.jsonl
    columns: {ts: asctime, level: levelname, module: name, message: message, user: user}
  - name: pulse
    kind: survey
    format: google-forms
    path: pulse.csv
    columns: {user: Email, team: Service}
    questions: {comment: [Gêne, Idée]}
  - {name: jira, kind: tickets, format: jira-csv, path: jira.csv}
  - {name: suivi, kind: meetings, format: meeting-notes-md, path: notes.md}
"""


def _company(make_config, write, store_url, fixed: bool = False):
    write("roster.csv", ROSTER)
    write("usage_1.csv", USAGE)
    write("app.jsonl", "".join(json.dumps(e) + "\n" for e in ERRORS))
    write("pulse.csv", SURVEY)
    write("jira.csv", JIRA)
    write("notes.md", NOTES)
    return make_config(CONFIG % (", Bof: ok" if fixed else ""), store=store_url)


def _invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.output


def _rows(store) -> dict[str, list[tuple]]:
    """Every row of every table (the tombstones aside), as text tuples."""
    tables = {}
    with store.engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            if table.name == "erased_people":
                continue
            tables[table.name] = [
                tuple("" if v is None else str(v) for v in row)
                for row in conn.execute(select(table))
            ]
    return tables


def _found(store, needles: list[str]) -> list[tuple[str, tuple]]:
    folded = [n.casefold() for n in needles]
    return [
        (name, row)
        for name, rows in _rows(store).items()
        for row in rows
        if any(n in cell.casefold() for cell in row for n in folded)
    ]


def _seed(config_path, store):
    config = load_config(config_path)
    code, output = _invoke("collect", "--config", str(config_path))
    assert code == 0, output
    with store.session() as session:
        sync_feedback(session, backlog_settings(config), config.tz)
    with store.session() as session:
        bob_item = session.execute(
            text("SELECT id FROM feedback_items WHERE ref = 'FACT-2'")
        ).scalar_one()
        edit_items(session, MANAGER, [bob_item], {"owner": ANA_MAIL})


def test_forget_erases_a_person_everywhere_and_collects_do_not_bring_them_back(
    store_url, make_config, write
):
    config_path = _company(make_config, write, store_url)
    config = load_config(config_path)
    pseudonymize = Pseudonymizer(config.secret_key())
    ana = [pseudonymize(ANA_MAT), pseudonymize(ANA_MAIL)]
    bob = [pseudonymize(BOB_MAT), pseudonymize(BOB_MAIL)]
    needles = [ANA_MAT, ANA_MAIL, *ana]
    store = open_store(config.store_url)
    try:
        _seed(config_path, store)
        # Ana is in every person-bearing table before.
        seeded = {name for name, _ in _found(store, needles)}
        assert {
            "people", "person_aliases", "usage_events", "usage_daily", "usage_daily_feature",
            "error_events", "survey_responses", "tickets", "meeting_notes", "feedback_items",
            "feedback_edits", "quarantine",
        } <= seeded  # fmt: skip
        before = _rows(store)
        bob_before = _found(store, [BOB_MAT, BOB_MAIL, *bob])

        code, output = _invoke("forget", "--config", str(config_path), "--dry-run", ANA_MAIL)
        assert code == 0, output
        assert "Dry run: nothing was changed." in output
        assert _rows(store) == before

        code, output = _invoke(
            "forget", "--config", str(config_path), "--yes", "--format", "json", " Ana.Martin@X.fr "
        )
        assert code == 0, output
        report = json.loads(output)
        assert report["identifiers"] == 2  # the matricule and the e-mail alias
        removed = report["removed"]
        assert removed["people"] == 1 and removed["person_aliases"] == 1
        assert removed["usage_events"] == 2 and removed["error_events"] == 1
        assert removed["survey_responses"] == 1 and removed["survey_answers"] >= 2
        assert removed["tickets"] == 1 and removed["meeting_notes"] == 1
        assert removed["feedback_items"] == 4  # two comments, her ticket, her note
        assert removed["quarantine"] == 1
        # bob's ticket names her matricule; the backlog owner of his item was her e-mail
        assert report["scrubbed"]["tickets.description"] == 1
        assert report["scrubbed"]["feedback_items.owner"] == 1

        assert _found(store, needles) == []
        after = _rows(store)
        for name, rows in before.items():
            if name not in ("erasures",):
                assert len(rows) - len(after[name]) == removed.get(name, 0), name
        # Bob is untouched (his ticket lost her name only).
        bob_after = _found(store, [BOB_MAT, BOB_MAIL, *bob])
        assert len(bob_after) == len(bob_before)
        with store.session() as session:
            fact2 = session.scalar(select(Ticket).where(Ticket.ticket_ref == "FACT-2"))
            assert fact2.description == "Même souci que [erased] hier"
            assert set(session.scalars(select(ErasedPerson.person_key))) == set(ana)
            (erasure,) = session.scalars(select(Erasure))
            assert erasure.action == "forget" and ANA_MAIL not in erasure.removed

        # A grown log and a new usage file with her rows (and a bad one naming her).
        with open(config.base_dir / "app.jsonl", "a", encoding="utf-8") as log:
            log.write(json.dumps({**ERRORS[0], "asctime": "2026-06-09T09:00:00+02:00"}) + "\n")
            log.write(json.dumps({**ERRORS[1], "asctime": "2026-06-09T09:00:00+02:00"}) + "\n")
        write(
            "usage_2.csv",
            "ts;user;action;outcome\n"
            f"10/06/2026 09:00;{ANA_MAT};invoice.create;OK\n"
            f"10/06/2026 09:05;{ANA_MAIL};invoice.send;Bof\n"
            f"10/06/2026 10:00;{BOB_MAT};invoice.create;OK\n",
        )
        code, output = _invoke("collect", "--config", str(config_path))
        assert code == 0, output
        assert "erased" in output
        # Everything collected again (a re-read roster, survey…) skips her too.
        write("roster.csv", ROSTER + "MAT-DAN-2;dan@x.fr;ADV\n")
        code, output = _invoke("collect", "--config", str(config_path))
        assert code == 0, output
        assert _found(store, needles) == []
        with store.session() as session:
            ledger = {
                f.path: f
                for f in session.scalars(select(IngestFile).order_by(IngestFile.id))
                if f.status == "ok"
            }
            for f in ledger.values():
                assert f.rows_read == f.accepted + f.duplicates + f.quarantined
                assert f.erased <= f.duplicates
            assert (ledger["usage_2.csv"].rows_read, ledger["usage_2.csv"].accepted) == (3, 1)
            assert ledger["usage_2.csv"].erased == 2 and ledger["usage_2.csv"].quarantined == 0
            assert ledger["app.jsonl"].erased == 1 and ledger["app.jsonl"].accepted == 1
            assert ledger["roster.csv"].erased == 1
            assert session.scalar(select(func.count()).select_from(UsageDaily)) > 0

        # The config fixed: the quarantine retried brings Bob's row in, not hers.
        fixed = _company(make_config, write, store_url, fixed=True)
        code, output = _invoke("collect", "--config", str(fixed), "--retry-quarantine")
        assert code == 0, output
        assert _found(store, needles) == []
        with store.session() as session:
            left = session.scalars(select(Quarantine).where(Quarantine.resolved_at.is_(None)))
            assert list(left) == []
            bob_events = session.scalar(select(func.count()).where(UsageEvent.user_key.in_(bob)))
            assert bob_events == 4  # two, the retried one, the new file's

        code, output = _invoke("forget", "--config", str(config_path), "--yes", ANA_MAT)
        assert code == 0 and "Already erased" in output
    finally:
        store.dispose()


def test_forget_asks_first_and_refuses_an_empty_identifier(make_config, write, tmp_path):
    config_path = _company(make_config, write, f"sqlite:///{tmp_path / 'store.db'}")
    assert _invoke("collect", "--config", str(config_path))[0] == 0
    result = CliRunner().invoke(
        main, ["forget", "--config", str(config_path), ANA_MAIL], input="n\n"
    )
    assert result.exit_code == 2 and "nothing done" in result.output
    code, output = _invoke("forget", "--config", str(config_path), "--yes", "  ")
    assert code == 2 and "identifier is empty" in output
    store = open_store(load_config(config_path).store_url)
    try:
        with store.session() as session:
            assert session.scalar(select(func.count()).select_from(ErasedPerson)) == 0
    finally:
        store.dispose()


def test_purge_removes_what_is_older_than_the_retention(store_url, make_config, write):
    config_path = _company(make_config, write, store_url)
    store = open_store(load_config(config_path).store_url)
    try:
        _seed(config_path, store)
        before = _rows(store)
        # retention 400 days: as of 2027-07-07 the cutoff is 2026-06-02, so 1 June goes.
        args = ["purge", "--config", str(config_path), "--as-of", "2027-07-07", "--format", "json"]
        code, output = _invoke(*args, "--dry-run")
        assert code == 0, output
        assert _rows(store) == before
        code, output = _invoke(*args, "--yes")
        assert code == 0, output
        report = json.loads(output)
        assert report["cutoff"] == "2026-06-02"
        removed = report["removed"]
        assert removed["usage_events"] == 2  # Ana's two events of 1 June
        assert removed["error_events"] == 1 and removed["survey_responses"] == 2
        assert removed["usage_daily"] == 1 and removed["survey_answers"] >= 3
        assert removed["feedback_items"] == 3  # the comments of the purged responses
        assert "tickets" not in removed  # open tickets stay
        with store.session() as session:
            assert session.scalar(select(func.min(UsageEvent.day))) == dt.date(2026, 6, 2)
            assert session.scalar(select(func.count()).select_from(SurveyResponse)) == 0
            days = session.scalars(select(UsageDaily.day).distinct())
            assert min(days) >= dt.date(2026, 6, 2)
        after = _rows(store)
        for name, rows in before.items():
            if name != "erasures":
                assert len(rows) - len(after[name]) == removed.get(name, 0), name
        # Far enough: everything dated goes, the quarantine included; open tickets stay.
        code, output = _invoke(
            "purge", "--config", str(config_path), "--as-of", "2030-01-01", "--yes"
        )
        assert code == 0, output
        with store.session() as session:
            assert session.scalar(select(func.count()).select_from(UsageEvent)) == 0
            assert session.scalar(select(func.count()).select_from(Quarantine)) == 0
            assert session.scalar(select(func.count()).select_from(Ticket)) == 2
            assert session.scalar(select(func.count()).select_from(Erasure)) == 2
    finally:
        store.dispose()


def test_an_identifier_is_cut_out_as_a_word_only():
    from metrics.erasure import _scrub, _word, mentions

    pseudonymize = Pseudonymizer(b"k")
    keys = {pseudonymize("al"), pseudonymize("ana.martin@x.fr")}
    word = _word("al")
    text_in = "Total: al a relancé Al. Voir ANA.MARTIN@X.FR, mailto:ana.martin@x.fr; royal"
    assert (
        _scrub(text_in, word, keys, pseudonymize)
        == "Total: [erased] a relancé [erased]. Voir [erased], mailto:[erased]; royal"
    )
    assert not mentions("total;royal;alors", keys, pseudonymize)
    assert mentions('{"user": "AL", "ts": "x"}', keys, pseudonymize)
    assert not word.search("total royal alias")
