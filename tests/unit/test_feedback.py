"""Feedback items from survey comments, tickets and meeting notes: sources, refs, teams, links;
idempotent, and people's edits never overwritten by a re-run."""

import datetime as dt

from sqlalchemy import func, select

from collectors.run import collect
from hypercare.config import load_config
from metrics.store import open_store
from metrics.store.models import FeedbackEdit, FeedbackItem
from metrics.viewer import MANAGER
from surveys.feedback import is_feedback, sync_feedback
from surveys.settings import backlog_settings
from surveys.workflow import edit_items

ROSTER = "user;email;team\nDE01;ana@x.fr;ADV\nDE02;bob@x.fr;Compta\nDE03;cle@x.fr;Logistique\n"
SURVEY = (
    "Horodateur;Email;Service;Gêne;Idée\n"
    "01/06/2026 09:00;ana@x.fr;Compta;Les PDF sont lents;Un mode sombre\n"  # roster says ADV
    "01/06/2026 10:00;;Logistique;RAS;\n"  # nothing to say: not an item
    "02/06/2026 11:00;;Logistique;Session expirée sans arrêt;\n"
)
JIRA = (
    "Issue key,Summary,Priority,Status,Reporter,Created,Component/s,"
    "Custom field (Team),Description\n"
    "FACT-1,Impossible de facturer en lot,Highest,Open,DE02,03/Jun/26 9:05 AM,Factu,ADV,"
    '"Erreur 500"\n'
    "FACT-2,Export FEC refusé,High,Open,zed@x.fr,04/Jun/26 2:30 PM,Compta,Compta,\n"
)
NOTES = "## 2026-06-05 — Logistique\nAuteur : DE03\n- Les bons de livraison manquent\n"


def _config(make_config, write, store_url, survey=SURVEY, jira=JIRA):
    write("roster.csv", ROSTER)
    write("pulse.csv", survey)
    write("jira.csv", jira)
    write("notes.md", NOTES)
    return load_config(
        make_config(
            """
            locale: fr
            backlog:
              links: {jira: "https://jira.example/browse/{ref}"}
            sources:
              - name: annuaire
                kind: roster
                format: csv
                path: roster.csv
              - name: pulse
                kind: survey
                format: google-forms
                path: pulse.csv
                columns: {user: Email, team: Service}
                questions: {comment: [Gêne, Idée]}
              - {name: jira, kind: tickets, format: jira-csv, path: jira.csv}
              - {name: suivi, kind: meetings, format: meeting-notes-md, path: notes.md}
            """,
            store=store_url,
        )
    )


def _sync(config, store):
    with store.session() as session:
        return sync_feedback(session, backlog_settings(config), config.tz)


def _items(store):
    with store.session() as session:
        return {
            (i.kind, i.ref): i
            for i in session.scalars(select(FeedbackItem).order_by(FeedbackItem.id))
        }


def test_items_from_every_kind_with_source_ref_team_person_and_link(store_url, make_config, write):
    config = _config(make_config, write, store_url)
    store = open_store(config.store_url)
    try:
        assert not any(o.failed for o in collect(config, store))
        result = _sync(config, store)
        items = _items(store)
        assert (result.added, result.updated, result.removed, result.total) == (6, 0, 0, 6)
        assert {key for key in items if key[0] != "meeting"} == {
            ("survey", "1"),
            ("survey", "1#2"),  # the response's second free-text question
            ("survey", "3"),  # row 2 said "RAS": not feedback
            ("ticket", "FACT-1"),
            ("ticket", "FACT-2"),
        }
        pdf = items[("survey", "1")]
        assert (pdf.source, pdf.team, pdf.day) == ("pulse", "ADV", dt.date(2026, 6, 1))
        assert pdf.person_key and pdf.person_key != "ana@x.fr"
        assert pdf.link == "pulse.csv#1"
        session_item = items[("survey", "3")]
        assert (session_item.team, session_item.person_key) == ("Logistique", None)
        blocker = items[("ticket", "FACT-1")]
        # The reporter is in the roster (ADV column aside, DE02 is Compta): the roster wins.
        assert (blocker.team, blocker.priority) == ("Compta", "Highest")
        assert blocker.text == "Impossible de facturer en lot\n\nErreur 500"
        assert blocker.title == "Impossible de facturer en lot"
        assert blocker.link == "https://jira.example/browse/FACT-1"
        assert items[("ticket", "FACT-2")].team == "Compta"  # not in the roster: its column
        (note,) = [i for (k, _), i in items.items() if k == "meeting"]
        assert (note.team, note.day, note.source) == ("Logistique", dt.date(2026, 6, 5), "suivi")
        assert note.link == f"notes.md#{note.ref}"
        assert note.person_key is not None
        # ana (twice), DE02, zed (not in the roster) and DE03: four people
        assert items[("survey", "1#2")].person_key == pdf.person_key
        assert len({i.person_key for i in items.values() if i.person_key}) == 4

        again = _sync(config, store)
        assert (again.added, again.updated, again.removed, again.total) == (0, 0, 0, 6)
    finally:
        store.dispose()


def test_people_edits_survive_source_changes_and_orphans(store_url, make_config, write):
    config = _config(make_config, write, store_url)
    store = open_store(config.store_url)
    try:
        collect(config, store)
        _sync(config, store)
        items = _items(store)
        with store.session() as session:
            edit_items(
                session,
                MANAGER,
                [items[("ticket", "FACT-1")].id, items[("survey", "1#2")].id],
                {"status": "planned", "owner": "Ana", "effort": 3},
            )
        # Jira exported again: FACT-1 renamed. The survey exported again without row 1's ideas
        # and without row 3's comment.
        write("jira.csv", JIRA.replace("Impossible de facturer en lot", "Facturation en lot KO"))
        write(
            "pulse.csv",
            SURVEY.replace(";Un mode sombre", ";").replace("Session expirée sans arrêt", ""),
        )
        assert not any(o.failed for o in collect(config, store))
        result = _sync(config, store)
        after = _items(store)
        # FACT-1 and 1 updated from their sources; 3 removed (nobody touched it); 1#2 lost its
        # source but was edited by someone: kept.
        assert (result.added, result.updated, result.removed) == (0, 1, 1)
        blocker = after[("ticket", "FACT-1")]
        assert blocker.title == "Facturation en lot KO"
        assert (blocker.status, blocker.owner, blocker.effort) == ("planned", "Ana", 3.0)
        assert ("survey", "3") not in after
        assert after[("survey", "1#2")].status == "planned"
        with store.session() as session:
            assert session.scalar(select(func.count()).select_from(FeedbackEdit)) == 6
    finally:
        store.dispose()


def test_nothing_to_say_is_not_feedback():
    for text in ("RAS", "r.a.s.", "Rien à signaler", "none", "N/A", "-", "  ", "Non.", "le la"):
        assert not is_feedback(text), text
    assert is_feedback("Le PDF est lent")
