"""Survey presets: Microsoft Forms, LimeSurvey, Typeform and SurveyMonkey exports built in code
with their published headers and gotchas, collected through the pipeline on SQLite and PostgreSQL
with nothing but ``questions:`` in the source."""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import func, select

from collectors.privacy import Pseudonymizer
from collectors.readers.surveymonkey_csv import merge_header
from collectors.readers.typeform_csv import as_utc
from collectors.run import collect
from hypercare.config import load_config
from metrics.store import open_store
from metrics.store.models import IngestFile, Quarantine, SurveyAnswer, SurveyResponse
from surveys.instruments import sus_score

UTC = dt.UTC


def run(config_path: Path):
    config = load_config(config_path)
    store = open_store(config.store_url)
    try:
        outcomes = collect(config, store)
    except BaseException:
        store.dispose()
        raise
    return config, store, outcomes


def as_utc_time(value: dt.datetime | None) -> dt.datetime | None:
    """A stored time in UTC (SQLite gives it back naive, PostgreSQL aware)."""
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def stored(store) -> tuple[dict[str, dict], dict[str, dict[str, dict[int, object]]]]:
    """(ref → response fields, ref → instrument → item → value or text) of the store."""
    with store.session() as session:
        responses = {
            ref: {
                "submitted_at": as_utc_time(submitted),
                "day": day,
                "user": user,
                "team": team,
                "complete": complete,
            }
            for ref, submitted, day, user, team, complete in session.execute(
                select(
                    SurveyResponse.ref,
                    SurveyResponse.submitted_at,
                    SurveyResponse.day,
                    SurveyResponse.user_key,
                    SurveyResponse.team,
                    SurveyResponse.complete,
                )
            )
        }
        answers: dict[str, dict[str, dict[int, object]]] = {}
        for ref, instrument, item, value, text in session.execute(
            select(
                SurveyResponse.ref,
                SurveyAnswer.instrument,
                SurveyAnswer.item,
                SurveyAnswer.value,
                SurveyAnswer.text,
            ).join(SurveyResponse, SurveyResponse.id == SurveyAnswer.response_id)
        ):
            answers.setdefault(ref, {}).setdefault(instrument, {})[item] = (
                text if instrument == "comment" else value
            )
    return responses, answers


def quarantined(store) -> list[tuple[int, str, str]]:
    with store.session() as session:
        return [
            (line, stage, reason)
            for line, stage, reason in session.execute(
                select(Quarantine.line, Quarantine.stage, Quarantine.reason).order_by(Quarantine.id)
            )
        ]


def counts(store) -> tuple[int, int, int]:
    with store.session() as session:
        return (
            session.scalar(select(func.count()).select_from(SurveyResponse)),
            session.scalar(select(func.count()).select_from(SurveyAnswer)),
            session.scalar(select(func.count()).select_from(Quarantine)),
        )


def check_ledger(store, outcome) -> None:
    """read = accepted + duplicates + quarantined, for the outcome and the store's ledger."""
    for f in outcome.files:
        assert f.read == f.accepted + f.duplicates + f.quarantined, f
    with store.session() as session:
        for read, accepted, duplicates, held in session.execute(
            select(
                IngestFile.rows_read,
                IngestFile.accepted,
                IngestFile.duplicates,
                IngestFile.quarantined,
            ).where(IngestFile.status == "ok")
        ):
            assert read == accepted + duplicates + held


def recollect_adds_nothing(config_path: Path, store) -> None:
    """A second run over the same files skips them and leaves the store as it was."""
    before = counts(store)
    _, again, (outcome,) = run(config_path)
    try:
        assert [f.status for f in outcome.files] == ["skipped"] * len(outcome.files)
        assert counts(again) == before
    finally:
        again.dispose()


def pseudonym(config, identifier: str) -> str:
    return Pseudonymizer(config.secret_key())(identifier)


def csv_text(rows: list[list[str]], delimiter: str = ",") -> str:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue()


def workbook(path: Path, rows: list[list[object]]) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Form1"
    for row in rows:
        sheet.append(row)
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(path)
    return path


SUS_FR = [
    "Je pense que j'aimerais utiliser ce logiciel fréquemment",
    "J'ai trouvé ce logiciel inutilement complexe",
    "J'ai trouvé ce logiciel facile à utiliser",
    "Je pense que j'aurais besoin de l'aide d'un technicien pour utiliser ce logiciel",
    "J'ai trouvé que les différentes fonctions de ce logiciel étaient bien intégrées",
    "J'ai trouvé qu'il y avait trop d'incohérences dans ce logiciel",
    "J'imagine que la plupart des gens apprendraient très rapidement à utiliser ce logiciel",
    "J'ai trouvé ce logiciel très lourd à utiliser",
    "Je me suis senti(e) très en confiance en utilisant ce logiciel",
    "J'ai dû apprendre beaucoup de choses avant de pouvoir utiliser ce logiciel",
]
LIKERT_FR = {
    1: "Pas du tout d'accord",
    2: "Pas d'accord",
    3: "Neutre",
    4: "D'accord",
    5: "Tout à fait d'accord",
}
SUS_85 = [4, 2, 5, 1, 4, 2, 4, 2, 5, 1]  # (3+3+4+4+3+3+3+3+4+4) × 2.5 = 85


# --- Microsoft Forms -------------------------------------------------------------------------

MS_NPS = "Quelle est la probabilité que vous recommandiez Sudzilla à un collègue ?"
MS_CSAT = "Dans l'ensemble, êtes-vous satisfait(e) de Sudzilla ?"
MS_COMMENT = "Qu'est-ce qui vous gêne le plus ?"
MS_HEADERS = {
    "en": ["ID", "Start time", "Completion time", "Email", "Name", "Last modified time"],
    "fr": ["ID", "Heure de début", "Heure de fin", "Adresse de messagerie", "Nom"],
}


def ms_forms_rows(language: str) -> list[list[object]]:
    pad = [None] if language == "en" else []  # "Last modified time", newer English exports
    start, end = dt.datetime(2026, 5, 31, 14, 0, 0), dt.datetime(2026, 5, 31, 14, 3, 4)
    return [
        [*MS_HEADERS[language], MS_NPS, MS_CSAT, MS_COMMENT],
        [1, start, end, "alice@corp.fr", "Alice Martin", *pad, 9, "Très satisfait", "L'export é"],
        [2, start, end, "anonymous", "anonymous", *pad, 7, "Satisfait", None],
        [3, start, end, "bob@corp.fr", "Bob", *pad, 11, "Neutre", "trop lent"],  # off-scale
        [4, start, end, "Anonymous", "Anonymous", *pad, 10, 5, "appelez le 06 12 34 56 78"],
    ]


@pytest.mark.parametrize("language", ["en", "fr"])
def test_microsoft_forms_export(store_url, make_config, tmp_path, language):
    workbook(tmp_path / "forms" / "Sondage pulse(1-4).xlsx", ms_forms_rows(language))
    path = make_config(
        f"""
        locale: fr
        sources:
          - name: pulse
            kind: survey
            format: microsoft-forms
            path: forms/*.xlsx
            questions:
              nps: "{MS_NPS}"
              csat: "{MS_CSAT}"
              comment: ["{MS_COMMENT}"]
        """,
        store=store_url,
    )
    config, store, (outcome,) = run(path)
    try:
        (f,) = outcome.files
        assert (f.status, f.read, f.accepted, f.duplicates, f.quarantined) == ("ok", 4, 3, 0, 1)
        check_ledger(store, outcome)
        responses, answers = stored(store)
        assert set(responses) == {"1", "2", "4"}  # the response id, not the row number
        alice = responses["1"]
        assert alice["user"] == pseudonym(config, "alice@corp.fr")
        # "anonymous" (in any case) is no one, not a person named anonymous
        assert responses["2"]["user"] is None and responses["4"]["user"] is None
        # 14:03:04 in the company's zone (Paris, summer time) is 12:03:04 UTC
        assert alice["submitted_at"] == dt.datetime(2026, 5, 31, 12, 3, 4, tzinfo=UTC)
        assert alice["day"] == dt.date(2026, 5, 31)
        assert all(r["complete"] for r in responses.values())
        assert answers["1"] == {"nps": {1: 9.0}, "csat": {1: 5.0}, "comment": {1: "L'export é"}}
        assert answers["2"] == {"nps": {1: 7.0}, "csat": {1: 4.0}}
        assert answers["4"]["comment"] == {1: "appelez le [téléphone]"}
        # the bad answer is kept with its sheet row (the header is row 1)
        assert quarantined(store) == [
            (4, "validate", f"column {MS_NPS!r} (nps): 11 is outside the 0–10 scale")
        ]
        recollect_adds_nothing(path, store)
    finally:
        store.dispose()

    # The same responses downloaded again, with one more: only the new one is added.
    rows = ms_forms_rows(language)
    rows.append([5, *rows[1][1:3], "carol@corp.fr", "Carol", *rows[1][5:]])
    workbook(tmp_path / "forms" / "Sondage pulse(1-5).xlsx", rows)
    _, store, (outcome,) = run(path)
    try:
        (f,) = [f for f in outcome.files if f.status != "skipped"]
        assert (f.read, f.accepted, f.duplicates, f.quarantined) == (5, 1, 3, 1)
        check_ledger(store, outcome)
        assert set(stored(store)[0]) == {"1", "2", "4", "5"}
    finally:
        store.dispose()


# --- LimeSurvey ------------------------------------------------------------------------------

LS_HEADER = [
    "id",
    "submitdate",
    "lastpage",
    "startlanguage",
    "seed",
    "startdate",
    "datestamp",
    "token",
    "NPS",
    *[f"SUS[SQ{i:03d}]" for i in range(1, 11)],
    "comment",
]
LS_QUESTIONS = """
            questions:
              nps: NPS
              sus: ["SUS[SQ001]", "SUS[SQ002]", "SUS[SQ003]", "SUS[SQ004]", "SUS[SQ005]",
                    "SUS[SQ006]", "SUS[SQ007]", "SUS[SQ008]", "SUS[SQ009]", "SUS[SQ010]"]
              comment: [comment]
"""


def limesurvey_rows() -> list[list[str]]:
    meta = ["fr", "1234567", "2026-05-31 13:58:00", "2026-05-31 14:03:00"]
    return [
        LS_HEADER,
        # numerical input questions come out as decimal(30,10)
        ["12", "2026-05-31 14:03:00", "3", *meta, "tokAlice", "9.0000000000"]
        + [str(v) for v in SUS_85]
        + ["Trop de clics pour\nvalider une facture — réglé ?"],
        # an unfinished response: no submitdate, answers of the pages it saw
        ["13", "", "1", *meta, "tokBob", "6", *[""] * 10, ""],
        ["14", "2026-05-31 15:00:00", "3", *meta, "tokCarol", "10"]
        + ["3"] * 5
        + ["6"]  # off-scale SUS item 6
        + ["3"] * 4
        + [""],
        ["15", "2026-06-01 09:30:00", "3", *meta, "", "8", *["3"] * 10, "RAS"],
    ]


def test_limesurvey_export(store_url, make_config, write):
    write("ls/results-survey123456.csv", "\ufeff" + csv_text(limesurvey_rows()))
    path = make_config(
        """
        sources:
          - name: j30
            kind: survey
            format: limesurvey
            path: ls/*.csv
        """
        + LS_QUESTIONS,
        store=store_url,
    )
    config, store, (outcome,) = run(path)
    try:
        (f,) = outcome.files
        assert (f.status, f.read, f.accepted, f.duplicates, f.quarantined) == ("ok", 4, 3, 0, 1)
        check_ledger(store, outcome)
        responses, answers = stored(store)
        assert set(responses) == {"12", "13", "15"}
        done = responses["12"]
        assert done["submitted_at"] == dt.datetime(2026, 5, 31, 12, 3, tzinfo=UTC)
        assert done["user"] == pseudonym(config, "tokAlice")
        assert done["complete"] is True
        # the empty submitdate of an unfinished response: stored, incomplete, without a time
        unfinished = responses["13"]
        assert (unfinished["complete"], unfinished["submitted_at"], unfinished["day"]) == (
            False,
            None,
            None,
        )
        assert answers["13"] == {"nps": {1: 6.0}}
        assert responses["15"]["user"] is None  # an empty token
        assert answers["12"]["nps"] == {1: 9.0}
        sus = answers["12"]["sus"]
        assert sorted(sus) == list(range(1, 11))
        assert sus_score([sus[i] for i in range(1, 11)]) == 85.0
        assert answers["12"]["comment"] == {1: "Trop de clics pour\nvalider une facture — réglé ?"}
        # the comment of response 12 spans lines 2-3: response 14 starts on line 5
        assert quarantined(store) == [
            (5, "validate", "column 'SUS[SQ006]' (sus): 6 is outside the 1–5 scale")
        ]
        recollect_adds_nothing(path, store)
    finally:
        store.dispose()


def test_limesurvey_without_date_stamps_or_tokens(store_url, make_config, write):
    # An anonymized survey without date stamps: no token, startdate or datestamp column, and
    # "1980-01-01 00:00:00" as the submitdate of every finished response. Semicolons this time.
    rows = [
        ["id", "submitdate", "lastpage", "startlanguage", "seed", "NPS"],
        ["1", "1980-01-01 00:00:00", "2", "fr", "99", "10"],
        ["2", "", "1", "fr", "98", "4"],
    ]
    write("ls.csv", csv_text(rows, delimiter=";"))
    path = make_config(
        """
        sources:
          - {name: anon, kind: survey, format: limesurvey, path: ls.csv, questions: {nps: NPS}}
        """,
        store=store_url,
    )
    _, store, (outcome,) = run(path)
    try:
        (f,) = outcome.files
        assert (f.status, f.read, f.accepted, f.quarantined) == ("ok", 2, 2, 0)
        responses, answers = stored(store)
        finished, unfinished = responses["1"], responses["2"]
        assert (finished["complete"], finished["submitted_at"], finished["user"]) == (
            True,
            None,  # 1980-01-01 is LimeSurvey's "no date stamp", not a time
            None,
        )
        assert (unfinished["complete"], unfinished["submitted_at"]) == (False, None)
        assert answers == {"1": {"nps": {1: 10.0}}, "2": {"nps": {1: 4.0}}}
    finally:
        store.dispose()


# --- Typeform --------------------------------------------------------------------------------

TF_NPS = "Sur une échelle de 0 à 10, recommanderiez-vous Sudzilla à un collègue ?"
TF_CES = "Était-il facile de valider votre première facture ?"
TF_COMMENT = "Un commentaire, une idée ?"


def typeform_rows(extra: bool = False) -> list[list[str]]:
    header = [
        "#",
        TF_NPS,
        TF_CES,
        TF_COMMENT,
        "Start Date (UTC)",
        "Submit Date (UTC)",
        "Network ID",
        "email",
        "team",
    ]
    rows = [
        header,
        # 22:30 UTC on 31 May is 00:30 on 1 June in Paris
        [
            *("k2l9x0", "10", "6", "Génial, merci", "2026-05-31 22:25:11", "2026-05-31 22:30:00"),
            *("4f1c2a", "Alice@Corp.fr", "ADV"),
        ],
        # a partial response: no submit date
        ["p8q7r6", "3", "", "", "2026-05-31 08:00:00", "", "9a8b7c", "bob@corp.fr", "ADV"],
        ["z1z1z1", "12", "5", "", "2026-06-02 08:00:00", "2026-06-02 08:01:00", "x", "", ""],
        ["w2w2w2", "8", "7", "", "2026-06-02 09:00:00", "2026-06-02 09:02:00", "y", "", "Compta"],
    ]
    if extra:
        rows.append(
            ["n3n3n3", "9", "6", "", "2026-06-03 07:00:00", "2026-06-03 07:05:00", "z", "", ""]
        )
    return rows


def test_typeform_export_reads_times_in_utc(store_url, make_config, write):
    write("tf/responses.csv", csv_text(typeform_rows()))
    path = make_config(
        f"""
        timezone: Europe/Paris
        sources:
          - name: onboarding
            kind: survey
            format: typeform
            path: tf/*.csv
            dates: {{timezone: America/New_York}}   # never applies to Typeform's UTC times
            questions:
              nps: "{TF_NPS}"
              ces: "{TF_CES}"
              comment: ["{TF_COMMENT}"]
        """,
        store=store_url,
    )
    config, store, (outcome,) = run(path)
    try:
        (f,) = outcome.files
        assert (f.status, f.read, f.accepted, f.duplicates, f.quarantined) == ("ok", 4, 3, 0, 1)
        check_ledger(store, outcome)
        responses, answers = stored(store)
        assert set(responses) == {"k2l9x0", "p8q7r6", "w2w2w2"}
        late = responses["k2l9x0"]
        assert late["submitted_at"] == dt.datetime(2026, 5, 31, 22, 30, tzinfo=UTC)
        assert late["day"] == dt.date(2026, 6, 1)  # the company's day, in Paris
        assert late["user"] == pseudonym(config, "alice@corp.fr")
        assert late["team"] == "ADV"  # a hidden field named like a survey field
        assert late["complete"] is True
        partial = responses["p8q7r6"]
        assert (partial["complete"], partial["submitted_at"]) == (False, None)
        assert responses["w2w2w2"]["user"] is None
        assert answers["k2l9x0"] == {
            "nps": {1: 10.0},
            "ces": {1: 6.0},
            "comment": {1: "Génial, merci"},
        }
        assert quarantined(store) == [
            (4, "validate", f"column {TF_NPS!r} (nps): 12 is outside the 0–10 scale")
        ]
        recollect_adds_nothing(path, store)
    finally:
        store.dispose()

    # A later download holds the same responses and one more: only that one is new.
    write("tf/responses (1).csv", csv_text(typeform_rows(extra=True)))
    _, store, (outcome,) = run(path)
    try:
        (f,) = [f for f in outcome.files if f.status != "skipped"]
        assert (f.read, f.accepted, f.duplicates, f.quarantined) == (5, 1, 3, 1)
        check_ledger(store, outcome)
    finally:
        store.dispose()


# --- SurveyMonkey ----------------------------------------------------------------------------

SM_NPS = "Quelle est la probabilité que vous recommandiez Sudzilla à un collègue ?"
SM_SUS = "Dans l'ensemble, que pensez-vous de Sudzilla ?"
SM_MODULES = "Quels modules utilisez-vous ?"
SM_COMMENT = "Qu'est-ce qui vous gêne\nle plus ?"  # a line break inside the question
SM_META = [
    "Respondent ID",
    "Collector ID",
    "Start Date",
    "End Date",
    "IP Address",
    "Email Address",
    "First Name",
    "Last Name",
    "Custom Data 1",
]


def surveymonkey_rows() -> list[list[str]]:
    questions = [*SM_META, SM_NPS, SM_SUS, *[""] * 9, SM_MODULES, "", "", SM_COMMENT]
    labels = [*[""] * 9, "Response", *SUS_FR, "Ventes", "Achats", "Autre (veuillez préciser)"]
    labels.append("Open-Ended Response")

    def response(rid, end, email, nps, sus, comment=""):
        meta = [rid, "431234567", "05/31/2026 01:58:00 PM", end, "203.0.113.9", email, "", ""]
        return [*meta, "", nps, *sus, "Ventes", "", "", comment]

    return [
        questions,
        labels,
        # 06/01 is 1 June (month first), even with locale: fr, and as the first date read
        response("114000000002", "06/01/2026 09:00:00 AM", "", "6", ["Neutre"] * 10),
        response(
            "114000000001",
            "05/31/2026 02:03:04 PM",
            "alice@corp.fr",
            "9",
            [LIKERT_FR[v] for v in SUS_85],
            "Rien, appelez-moi au 06 12 34 56 78",
        ),
        response("114000000003", "06/01/2026 10:00:00 AM", "", "10", ["6", *["3"] * 9]),
    ]


def surveymonkey_file(tmp_path: Path, write, layout: str) -> tuple[str, int]:
    """Write the export as CSV or xlsx; return its name and the line of the bad response."""
    rows = surveymonkey_rows()
    if layout == "csv":
        write("sm/Data_All_260601.csv", "\ufeff" + csv_text(rows))
        return "sm/*.csv", 6  # the question row spans lines 1-2, labels line 3, data 4-6
    workbook(tmp_path / "sm" / "Data_All_260601.xlsx", rows)
    return "sm/*.xlsx", 5  # sheet rows: questions 1, labels 2, data 3-5


@pytest.mark.parametrize("layout", ["csv", "xlsx"])
def test_surveymonkey_export_merges_the_two_header_rows(
    store_url, make_config, write, tmp_path, layout
):
    glob, bad_line = surveymonkey_file(tmp_path, write, layout)
    sus = [f"{SM_SUS} - {statement}" for statement in SUS_FR]
    path = make_config(
        f"""
        locale: fr
        sources:
          - name: pulse
            kind: survey
            format: surveymonkey
            path: {glob}
            questions:
              nps: "{SM_NPS}"
              sus: {sus!r}
              comment: ["Qu'est-ce qui vous gêne le plus ?"]
        """,
        store=store_url,
    )
    config, store, (outcome,) = run(path)
    try:
        (f,) = outcome.files
        assert (f.status, f.read, f.accepted, f.duplicates, f.quarantined) == ("ok", 3, 2, 0, 1)
        check_ledger(store, outcome)
        responses, answers = stored(store)
        assert set(responses) == {"114000000001", "114000000002"}
        alice, anonymous = responses["114000000001"], responses["114000000002"]
        assert alice["user"] == pseudonym(config, "alice@corp.fr")
        assert alice["submitted_at"] == dt.datetime(2026, 5, 31, 12, 3, 4, tzinfo=UTC)
        assert anonymous["user"] is None
        assert anonymous["submitted_at"] == dt.datetime(2026, 6, 1, 7, 0, tzinfo=UTC)
        assert anonymous["day"] == dt.date(2026, 6, 1)
        sus_alice = answers["114000000001"]["sus"]
        assert sorted(sus_alice) == list(range(1, 11))
        assert sus_score([sus_alice[i] for i in range(1, 11)]) == 85.0
        assert sus_score([answers["114000000002"]["sus"][i] for i in range(1, 11)]) == 50.0
        assert answers["114000000001"]["nps"] == {1: 9.0}
        assert answers["114000000001"]["comment"] == {1: "Rien, appelez-moi au [téléphone]"}
        assert quarantined(store) == [
            (bad_line, "validate", f"column {sus[0]!r} (sus): 6 is outside the 1–5 scale")
        ]
        recollect_adds_nothing(path, store)
    finally:
        store.dispose()


def test_merge_header():
    questions = ["Respondent ID", "Q1", "", "", "Q2", "Q3\n(détails)", "", ""]
    labels = ["", "Response", "Ligne A", "Ligne B", "Open-Ended Response", "A", "", "Other"]
    assert merge_header(questions, labels) == [
        "Respondent ID",
        "Q1",
        "Q1 - Ligne A",
        "Q1 - Ligne B",
        "Q2",
        "Q3 (détails) - A",
        "Q3 (détails)",
        "Q3 (détails) - Other",
    ]
    # a matrix at the end: row 1 is shorter than row 2
    assert merge_header(["Q"], ["a", "b"]) == ["Q - a", "Q - b"]


def test_as_utc():
    assert as_utc("2026-05-31 22:30:00") == "2026-05-31T22:30:00+00:00"
    assert as_utc(" 2026-05-31 22:30 ") == "2026-05-31T22:30+00:00"
    for kept in ("", "2026-05-31T22:30:00+02:00", "31/05/2026 22:30", "null"):
        assert as_utc(kept) == kept


# --- The key column ----------------------------------------------------------------------------


def _without_first_column(rows: list[list]) -> list[list]:
    return [row[1:] for row in rows]


@pytest.mark.parametrize(
    ("preset", "name", "key"),
    [
        ("microsoft-forms", "pulse.xlsx", "ID"),
        ("limesurvey", "ls.csv", "id"),
        ("typeform", "tf.csv", "#"),
        ("surveymonkey", "sm.csv", "Respondent ID"),
    ],
)
def test_a_preset_file_without_its_key_column_fails(
    store_url, make_config, write, tmp_path, preset, name, key
):
    if preset == "microsoft-forms":
        workbook(tmp_path / name, _without_first_column(ms_forms_rows("en")))
        question = MS_NPS
    elif preset == "limesurvey":
        write(name, csv_text(_without_first_column(limesurvey_rows())))
        question = "NPS"
    elif preset == "typeform":
        write(name, csv_text(_without_first_column(typeform_rows())))
        question = TF_NPS
    else:
        write(name, csv_text(_without_first_column(surveymonkey_rows())))
        question = SM_NPS
    path = make_config(
        f"""
        sources:
          - name: s
            kind: survey
            format: {preset}
            path: {name}
            questions: {{nps: "{question}"}}
        """,
        store=store_url,
    )
    _, store, (outcome,) = run(path)
    try:
        (f,) = outcome.files
        assert f.status == "failed"
        assert f"column {key!r} (columns.ref) not in the header" in f.error
        assert "Fix sources[0].columns" in f.error
        assert counts(store) == (0, 0, 0)
        with store.session() as session:
            assert session.scalar(select(IngestFile.status)) == "failed"
    finally:
        store.dispose()


def test_a_mapped_ref_replaces_the_preset_key(make_config, write):
    # A Typeform export reworked by hand, its token column renamed: columns.ref names it.
    rows = typeform_rows()
    rows[0][0] = "Token"
    write("tf.csv", csv_text(rows))
    path = make_config(
        f"""
        sources:
          - name: s
            kind: survey
            format: typeform
            path: tf.csv
            columns: {{ref: Token}}
            questions: {{nps: "{TF_NPS}"}}
        """
    )
    _, store, (outcome,) = run(path)
    try:
        (f,) = outcome.files
        assert (f.status, f.accepted) == ("ok", 3)
        assert set(stored(store)[0]) == {"k2l9x0", "p8q7r6", "w2w2w2"}
    finally:
        store.dispose()
