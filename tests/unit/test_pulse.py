"""Pulse surveys: the config, signed links (tampering, expiry), one answer per person per round
on SQLite and PostgreSQL (two submissions racing included), anonymous rounds holding no
identity, and the answers reaching the scores and the backlog like collected ones."""

from __future__ import annotations

import datetime as dt
import re
import threading

import pytest
from sqlalchemy import select

from collectors.run import collect
from hypercare.config import ConfigError, load_config
from metrics.store import open_store
from metrics.store.models import PulseUse, SurveyAnswer, SurveyResponse
from surveys import pulse
from surveys.backlog import build_backlog, refresh_backlog
from surveys.results import survey_scores
from surveys.settings import backlog_settings, survey_settings

TODAY = dt.date.today()
GO_LIVE = (TODAY - dt.timedelta(days=20)).isoformat()
ROSTER = "user;team;wave;go_live\n" + "".join(
    f"u{i};{'Compta' if i < 6 else 'Direction'};pilote;{GO_LIVE}\n" for i in range(9)
)


def pulse_config(make_config, write, store_url, extra: str = "") -> object:
    write("roster.csv", ROSTER)
    opens = (TODAY - dt.timedelta(days=2)).isoformat()
    closes = (TODAY + dt.timedelta(days=5)).isoformat()
    path = make_config(
        f"""
        privacy: {{min_group_size: 5}}
        sources:
          - {{name: roster, kind: roster, path: roster.csv}}
        surveys:
          link_url: https://hc.example.fr/
          pulse:
            - id: pouls
              title: {{fr: Votre avis, en: Your opinion}}
              questions:
                - nps
                - {{type: comment, text: {{fr: "Qu'est-ce qui bloque ?", en: "What blocks?"}}}}
                - type: choice
                  text: Votre usage
                  options: [quotidien, {{fr: rare, en: seldom}}]
              rounds:
                - {{name: nov, opens: {opens}, closes: {closes}}}
                - {{after_go_live: 14, days: 14}}
            - id: climat
              anonymous: true
              title: Climat
              questions: [csat, comment]
              rounds: [{{name: nov, opens: {opens}, closes: {closes}}}]
        {extra}
        """,
        store=store_url,
    )
    config = load_config(path)
    store = open_store(config.store_url)
    collect(config, store)
    return config, store


def invitation(config, store, round_key):
    with store.session() as session:
        round_ = pulse.find_round(session, config, round_key)
        assert round_ is not None, round_key
        people = pulse.audience(session, round_)
    return round_, people


def test_config_is_validated_with_key_paths(make_config):
    path = make_config(
        """
        surveys:
          pulse:
            - id: Bad Id
            - id: ok
              title: {fr: Titre}
              questions:
                - {type: nps}
                - {type: sus}
                - {type: sus}
                - {type: choice, text: x, options: [a]}
                - {type: foo}
              rounds:
                - {name: a, opens: 2026-11-10, closes: 2026-11-01}
                - {after_go_live: 14, opens: 2026-01-01}
              audience: {teams: Compta}
            - id: long
              title: t
              questions:
                - comment
                - {type: comment, text: b}
                - {type: comment, text: c}
                - {type: comment, text: d}
                - {type: comment, text: e}
              rounds: [{after_go_live: 14}]
        """
    )
    with pytest.raises(ConfigError) as info:
        load_config(path)
    text = str(info.value)
    for expected in (
        "surveys.pulse[0].id: expected a short id",
        "surveys.pulse[1] (ok).title: expected a text, or {fr: <French text>, en: <English",
        "surveys.pulse[1] (ok).questions[2].type: sus is already asked",
        "surveys.pulse[1] (ok).questions[3].options: expected a list of at least two options",
        "surveys.pulse[1] (ok).questions[4].type: expected one of nps, csat",
        "surveys.pulse[1] (ok).rounds[0].closes: 2026-11-01 is before opens 2026-11-10",
        "surveys.pulse[1] (ok).rounds[1].opens: a round after each wave's go-live has no fixed",
        "surveys.pulse[1] (ok).audience.teams: expected a list of names",
        "surveys.pulse[2] (long).questions: about 150 seconds to answer",
    ):
        assert expected in text, (expected, text)


def test_rounds_after_go_live_expand_per_wave(store_url, make_config, write):
    config, store = pulse_config(make_config, write, store_url)
    try:
        with store.session() as session:
            keys = {r.key: r for r in pulse.rounds(session, config)}
        relative = keys["pouls:J+14:pilote"]
        assert relative.opens == TODAY - dt.timedelta(days=6)
        assert relative.closes == TODAY + dt.timedelta(days=7)
        assert set(keys) == {"pouls:nov", "pouls:J+14:pilote", "climat:nov"}
    finally:
        store.dispose()


def test_tokens_are_signed_and_expire(store_url, make_config, write, monkeypatch):
    config, store = pulse_config(make_config, write, store_url)
    try:
        round_, people = invitation(config, store, "pouls:nov")
        claim = pulse.claim_for(config, round_, people[0])
        token = pulse.issue_token(config, claim)
        assert pulse.read_token(config, token, TODAY) == claim
        assert pulse.link(config, token) == f"https://hc.example.fr/?t={token}"
        body, signature = token.split(".")
        forged = pulse.Claim(**{**claim.__dict__, "person": people[1].person})
        forged_body = pulse.issue_token(config, forged).split(".")[0]
        for bad in (
            f"{forged_body}.{signature}",  # another person, the old signature
            f"{body}.{signature[:-2]}",  # cut
            f"{body[:-1]}A.{signature}",
            body,
            "",
        ):
            with pytest.raises(pulse.PulseError) as info:
                pulse.read_token(config, bad, TODAY)
            assert info.value.code == "invalid"
        with pytest.raises(pulse.PulseError) as info:
            pulse.read_token(config, token, round_.closes + dt.timedelta(days=1))
        assert info.value.code == "closed"
        # Another key (another company, or a rotated key) does not accept it.
        monkeypatch.setenv("HYPERCARE_SECRET_KEY", "another-key")
        with pytest.raises(pulse.PulseError):
            pulse.read_token(config, token, TODAY)
    finally:
        store.dispose()


def test_identified_answer_once_then_refused(store_url, make_config, write):
    config, store = pulse_config(make_config, write, store_url)
    try:
        round_, people = invitation(config, store, "pouls:nov")
        assert [p.team for p in people].count("Compta") == 6
        token = pulse.issue_token(config, pulse.claim_for(config, round_, people[0]))
        opened = pulse.open_link(store, config, token, TODAY)
        with pytest.raises(pulse.PulseError) as info:
            pulse.submit(store, config, opened, {"comment": "rien"})
        assert info.value.code == "answers" and "nps" in str(info.value)
        pulse.submit(
            store,
            config,
            opened,
            {"nps": 3, "comment": "Impossible de facturer en lot", "choice": "rare"},
        )
        for attempt in (
            lambda: pulse.open_link(store, config, token, TODAY),
            lambda: pulse.submit(store, config, opened, {"nps": 10, "choice": "rare"}),
        ):
            with pytest.raises(pulse.PulseError) as info:
                attempt()
            assert info.value.code == "used"
        # A new link for the same person and round is refused too.
        again = pulse.issue_token(config, pulse.claim_for(config, round_, people[0], lang="en"))
        assert again != token
        with pytest.raises(pulse.PulseError):
            pulse.open_link(store, config, again, TODAY)
        with store.session() as session:
            response = session.scalars(select(SurveyResponse)).one()
            assert (response.source, response.round) == ("pulse:pouls", "nov")
            assert response.user_key == people[0].person
            status = pulse.round_status(session, round_, config.privacy.min_group_size)
            assert (status.asked, status.answered) == (9, 1)
            assert [(t.team, t.asked, t.answered) for t in status.teams] == [("Compta", 6, 1)]
            assert status.suppressed == ["Direction"]
            assert len(pulse.reminders(session, round_)) == 8
            header, rows = pulse.export_rows(session, round_.survey)
            assert header[-3:] == ["nps", "comment", "choice"]
            assert rows[0][-3:] == [3, "Impossible de facturer en lot", "rare"]
            scores = survey_scores(session, min_group_size=1, settings=survey_settings(config))
            assert scores.row("all").scores["nps"].value == -100.0
            refresh_backlog(session, backlog_settings(config), config.tz)
        with store.session() as session:
            backlog = build_backlog(session, backlog_settings(config))
        entries = [e for e in backlog.entries if "facturer" in e.title.casefold()]
        assert entries and entries[0].lane == "urgent"
        assert entries[0].feedback[0].source == "pulse:pouls"
    finally:
        store.dispose()


def test_anonymous_round_holds_no_identity(store_url, make_config, write):
    config, store = pulse_config(make_config, write, store_url)
    try:
        round_, people = invitation(config, store, "climat:nov")
        compta = next(p for p in people if p.team == "Compta")
        direction = next(p for p in people if p.team == "Direction")
        tokens = [
            pulse.issue_token(config, pulse.claim_for(config, round_, p))
            for p in (compta, direction)
        ]
        for token in tokens:
            assert compta.person not in token and direction.person not in token
            claim = pulse.read_token(config, token, TODAY)
            assert claim.person is None and claim.nonce
            opened = pulse.open_link(store, config, token, TODAY)
            pulse.submit(store, config, opened, {"csat": 4, "comment": "Trop lent le matin"})
        with pytest.raises(pulse.PulseError) as info:
            pulse.open_link(store, config, tokens[0], TODAY)
        assert info.value.code == "used"
        with store.session() as session:
            responses = session.scalars(select(SurveyResponse).order_by(SurveyResponse.id)).all()
            # Compta (6 people) is shown; Direction (3 < 5) is not stored at all.
            assert [r.team for r in responses] == ["Compta", None]
            # ... nor scored: in ``all`` alone it would be ``all`` minus the shown teams
            assert [r.complete for r in responses] == [True, False]
            assert all(r.user_key is None for r in responses)
            assert all(
                r.submitted_at.astimezone(config.tz).time() == dt.time(12) for r in responses
            )
            stored = " ".join(
                str(v) for r in responses for v in (r.ref, r.response_key, r.row_hash, r.file_id)
            ) + " ".join(str(u.use_key) for u in session.scalars(select(PulseUse)))
            stored += " ".join(t or "" for t in session.scalars(select(SurveyAnswer.text)))
            for p in (compta, direction):
                assert p.person not in stored
                assert pulse.anonymous_nonce(config, round_.key, p.person) not in stored
            assert pulse.reminders(session, round_) == []
            status = pulse.round_status(session, round_, config.privacy.min_group_size)
            assert status.answered == 2
            assert [(t.team, t.answered) for t in status.teams] == [("Compta", 1)]
    finally:
        store.dispose()


def test_two_submissions_racing_store_one(store_url, make_config, write):
    config, store = pulse_config(make_config, write, store_url)
    try:
        round_, people = invitation(config, store, "pouls:nov")
        token = pulse.issue_token(config, pulse.claim_for(config, round_, people[0]))
        opened = pulse.open_link(store, config, token, TODAY)
        barrier = threading.Barrier(4)
        outcomes: list[str] = []

        def answer(score: int) -> None:
            barrier.wait()
            try:
                pulse.submit(store, config, opened, {"nps": score, "choice": "quotidien"})
                outcomes.append("stored")
            except pulse.PulseError as exc:
                outcomes.append(exc.code)

        threads = [threading.Thread(target=answer, args=(s,)) for s in (1, 5, 9, 10)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        assert sorted(outcomes) == ["stored", "used", "used", "used"]
        with store.session() as session:
            assert len(session.scalars(select(SurveyResponse)).all()) == 1
            assert len(session.scalars(select(PulseUse)).all()) == 1
    finally:
        store.dispose()


def test_a_closed_or_future_round_refuses(store_url, make_config, write):
    config, store = pulse_config(make_config, write, store_url)
    try:
        round_, people = invitation(config, store, "pouls:nov")
        token = pulse.issue_token(config, pulse.claim_for(config, round_, people[0]))
        with pytest.raises(pulse.PulseError) as info:
            pulse.open_link(store, config, token, round_.opens - dt.timedelta(days=1))
        assert info.value.code == "not_open"
        opened = pulse.open_link(store, config, token, TODAY)
        late = dt.datetime.combine(round_.closes + dt.timedelta(days=1), dt.time(9), config.tz)
        with pytest.raises(pulse.PulseError) as info:
            pulse.submit(store, config, opened, {"nps": 8, "choice": "rare"}, now=late)
        assert info.value.code == "closed"
    finally:
        store.dispose()


def test_links_command_prints_contacts_links_and_the_email(store_url, make_config, write):
    from click.testing import CliRunner

    from hypercare.cli import main

    config, store = pulse_config(make_config, write, store_url)
    lines = ["user;email;team;wave;go_live"] + [
        f"u{i};u{i}@ex.fr;{'Compta' if i < 6 else 'Direction'};pilote;{GO_LIVE}" for i in range(9)
    ]
    write("roster.csv", "\n".join(lines) + "\n")
    try:
        collect(config, store)
        runner = CliRunner()
        args = ["surveys", "links", "--config", str(config.path), "--round", "pouls:nov"]
        out = runner.invoke(main, args)
        assert out.exit_code == 0, out.output
        people = [line for line in out.output.splitlines() if "?t=" in line]
        # Direction (3 people, under the group size) is never named
        pattern = r"u\d@ex\.fr\t(Compta|)\thttps://hc\.example\.fr/\?t="
        assert len(people) == 9 and all(re.match(pattern, p) for p in people)
        assert "Objet : Votre avis" in out.output and "Subject: Your opinion" in out.output
        # One person answers: --pending leaves the eight others.
        token = people[0].split("?t=")[1]
        opened = pulse.open_link(store, config, token, TODAY)
        pulse.submit(store, config, opened, {"nps": 9, "choice": "rare"})
        out = runner.invoke(main, [*args, "--pending", "--format", "csv"])
        assert out.exit_code == 0, out.output
        rows = out.output.splitlines()
        assert rows[0] == "email,name,team,wave,answered,link" and len(rows) == 9
        answered = people[0].split("\t")[0]
        assert not any(r.startswith(answered) for r in rows)
        wrong = runner.invoke(main, [*args[:-1], "pouls:dec"])
        assert wrong.exit_code == 2 and "no round 'pouls:dec'; the rounds are:" in wrong.output
        anonymous = runner.invoke(main, [*args[:-1], "climat:nov", "--pending"])
        assert anonymous.exit_code == 2 and "anonymous" in anonymous.output
    finally:
        store.dispose()
