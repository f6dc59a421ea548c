"""Survey responses: questions mapped to instruments, Likert text, the real Google Forms export."""

import csv

import pytest
from sqlalchemy import select

from collectors.run import collect
from hypercare.config import ConfigError, load_config
from metrics.store import open_store
from metrics.store.models import Quarantine, SurveyAnswer, SurveyResponse
from surveys.instruments import csat, nps, sus_score

NPS_QUESTION = "On a scale of 0-10, how would you rate Sudzilla?"


def run(config_path):
    config = load_config(config_path)
    store = open_store(config.store_url)
    outcomes = collect(config, store)
    return config, store, outcomes


def test_real_google_forms_export_nps(store_url, make_config, real_sample):
    sample = real_sample("nps_survey_google_forms.csv")
    # The NPS by hand, straight from the file: % of 9-10 minus % of 0-6 among non-empty answers.
    with open(sample, newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    answers = [int(r[NPS_QUESTION]) for r in rows if r[NPS_QUESTION].strip()]
    promoters = sum(a >= 9 for a in answers)
    detractors = sum(a <= 6 for a in answers)
    expected = round(100 * (promoters - detractors) / len(answers), 2)

    path = make_config(
        f"""
        locale: fr
        sources:
          - name: sudzilla
            kind: survey
            format: google-forms
            path: {sample}
            questions:
              nps: "{NPS_QUESTION}"
              comment: ["...why?"]
        """,
        store=store_url,
    )
    _, store, (outcome,) = run(path)
    try:
        (f,) = outcome.files
        assert (f.read, f.accepted, f.quarantined) == (len(rows), len(rows), 0)
        with store.session() as session:
            values = session.scalars(
                select(SurveyAnswer.value).where(SurveyAnswer.instrument == "nps")
            ).all()
            first = session.scalars(select(SurveyResponse).order_by(SurveyResponse.id)).first()
            comments = session.scalars(
                select(SurveyAnswer.text).where(SurveyAnswer.instrument == "comment")
            ).all()
        assert sorted(values) == sorted(answers)
        assert nps(values) == expected
        # "11/1/2019 8:51:12" in an English export is 1 November (month first), whatever the
        # config's locale: the "Timestamp" header tells.
        assert first.submitted_at.month == 11 and first.submitted_at.day == 1
        assert first.ref == "1"
        assert "Bad service" in comments
    finally:
        store.dispose()


SUS_HEADERS = [f"Q{i}" for i in range(1, 11)]
LIKERT = {1: "Pas du tout d'accord", 2: "Pas d'accord", 3: "Neutre", 4: "D'accord"}
LIKERT[5] = "Tout à fait d'accord"


def test_french_likert_sus_csat_and_quarantine(store_url, make_config, write):
    header = ["Horodateur", "Adresse e-mail", "Service", *SUS_HEADERS, "Satisfaction", "Gêne"]
    good = ["01/06/2026 09:00:00", "a@x.fr", "ADV"] + [
        LIKERT[v] for v in (4, 2, 5, 1, 4, 2, 4, 2, 5, 1)
    ]
    good += ["Très satisfait", "L'export FEC, appelez le 06 12 34 56 78"]
    numeric = ["02/06/2026 09:00:00", "b@x.fr", "ADV"] + ["3"] * 10 + ["2 - insatisfait", ""]
    bad = ["02/06/2026 10:00:00", "c@x.fr", "ADV"] + ["6"] + ["3"] * 9 + ["4", ""]
    body = "\n".join(";".join(f'"{c}"' for c in r) for r in (header, good, numeric, bad)) + "\n"
    write("pulse.csv", "\ufeff" + body)
    path = make_config(
        f"""
        sources:
          - name: pulse
            kind: survey
            format: google-forms
            path: pulse.csv
            columns: {{team: Service}}
            questions:
              sus: {SUS_HEADERS}
              csat: Satisfaction
              comment: [Gêne]
        """,
        store=store_url,
    )
    _, store, (outcome,) = run(path)
    try:
        (f,) = outcome.files
        assert (f.read, f.accepted, f.duplicates, f.quarantined) == (3, 2, 0, 1)
        with store.session() as session:
            answers = session.execute(
                select(
                    SurveyResponse.ref,
                    SurveyAnswer.instrument,
                    SurveyAnswer.item,
                    SurveyAnswer.value,
                    SurveyAnswer.text,
                )
                .join(SurveyResponse, SurveyResponse.id == SurveyAnswer.response_id)
                .order_by(SurveyResponse.ref, SurveyAnswer.instrument, SurveyAnswer.item)
            ).all()
            reason = session.scalar(select(Quarantine.reason))
        sus_1 = [v for ref, i, _, v, _ in answers if ref == "1" and i == "sus"]
        # (4-1)+(5-2)+(5-1)+(5-1)+(4-1)+(5-2)+(4-1)+(5-2)+(5-1)+(5-1) = 34 → 85
        assert sus_score(sus_1) == 85.0
        assert sus_score([v for ref, i, _, v, _ in answers if ref == "2" and i == "sus"]) == 50.0
        assert csat(v for _, i, _, v, _ in answers if i == "csat") == 50.0  # 5 and 2
        (comment,) = [t for _, i, _, _, t in answers if i == "comment"]
        assert comment == "L'export FEC, appelez le [téléphone]"
        assert reason == "column 'Q1' (sus): 6 is outside the 1–5 scale"
    finally:
        store.dispose()


def test_questions_config_errors(make_config):
    path = make_config(
        """
        sources:
          - {name: p, kind: survey, path: p.csv, questions: {sus: [a, b], nsp: x}}
          - {name: u, kind: usage, path: u.csv, questions: {nps: x}}
        """
    )
    with pytest.raises(ConfigError) as info:
        load_config(path)
    text = str(info.value)
    assert "sources[0] (p).questions.nsp: unknown key (did you mean 'nps'?)" in text
    assert "sources[0] (p).questions.sus: expected 10 column headers" in text
    assert "found 2" in text
    assert "sources[1] (u).questions: only a source of kind survey has questions" in text


def test_missing_question_fails_the_file(make_config, write):
    write("p.csv", "Timestamp,Other\n1/1/2026 10:00:00,3\n")
    path = make_config(
        "sources:\n  - {name: p, kind: survey, format: google-forms, path: p.csv, "
        "questions: {nps: 'How likely?'}}\n"
    )
    _, store, (outcome,) = run(path)
    store.dispose()
    (f,) = outcome.files
    assert f.status == "failed"
    assert "'How likely?' (questions.nps) not in the header" in f.error


def test_a_response_finished_later_is_updated_not_doubled(store_url, make_config, write):
    header = "id,submitdate,NPS,Comment\n"
    write("ls.csv", header + "7,,9,\n8,2026-06-01 10:00:00,3,lent\n")
    path = make_config(
        """
        sources:
          - {name: ls, kind: survey, path: ls.csv,
             columns: {ref: id, submitted_at: submitdate},
             questions: {nps: NPS, comment: [Comment]}}
        """,
        store=store_url,
    )
    _, store, (outcome,) = run(path)
    store.dispose()
    assert outcome.files[0].accepted == 2
    # Response 7 is finished since: same id, a submission time and another answer.
    write("ls.csv", header + "7,2026-06-02 09:00:00,10,super\n8,2026-06-01 10:00:00,3,lent\n")
    _, store, (outcome,) = run(path)
    try:
        (f,) = outcome.files
        assert (f.read, f.accepted, f.duplicates) == (2, 1, 1)
        with store.session() as session:
            responses = session.execute(
                select(SurveyResponse.ref, SurveyResponse.complete).order_by(SurveyResponse.ref)
            ).all()
            answers = session.execute(
                select(SurveyResponse.ref, SurveyAnswer.instrument, SurveyAnswer.value)
                .join(SurveyResponse, SurveyResponse.id == SurveyAnswer.response_id)
                .where(SurveyResponse.ref == "7")
                .order_by(SurveyAnswer.instrument)
            ).all()
        assert responses == [("7", True), ("8", True)]
        assert answers == [("7", "comment", None), ("7", "nps", 10.0)]
    finally:
        store.dispose()
