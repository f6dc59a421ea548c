"""Collecting roster and usage CSVs: the ledger, the quarantine, idempotence and atomicity.

Run on SQLite and PostgreSQL alike.
"""

import datetime as dt

import pytest
from sqlalchemy import func, select

from collectors.run import collect
from hypercare.config import load_config
from metrics.store import open_store
from metrics.store.models import IngestFile, Person, Quarantine, UsageDaily, UsageEvent

ROSTER = (
    "Matricule;E-mail;Service;Vague;Licence\nA1;a1@x.fr;Compta;pilote;Oui\nA2;;ADV;pilote;Non\n"
)
CONFIG = """
timezone: Europe/Paris
sources:
  - name: annuaire
    kind: roster
    path: annuaire.csv
    columns: {user: Matricule, email: E-mail, team: Service, wave: Vague, licensed: Licence}
  - name: usage
    kind: usage
    path: usage_*.csv
    csv: {delimiter: ";", decimal: ","}
    dates: {dayfirst: true}
    columns: {ts: Date, user: Utilisateur, action: Action, outcome: Statut, duration_ms: Durée (ms)}
    values: {outcome: {OK: ok, Erreur: error}}
"""
USAGE_HEADER = "Date;Utilisateur;Action;Statut;Durée (ms)\n"


@pytest.fixture
def setup(store_url, make_config, write):
    write("annuaire.csv", ROSTER)
    config = load_config(make_config(CONFIG, store=store_url))
    store = open_store(config.store_url)
    yield config, store
    store.dispose()


def counts(store):
    with store.session() as session:
        return {
            "events": session.scalar(select(func.count()).select_from(UsageEvent)),
            "quarantine": session.scalar(select(func.count()).select_from(Quarantine)),
            "people": session.scalar(select(func.count()).select_from(Person)),
            "rollup": session.scalar(select(func.count()).select_from(UsageDaily)),
        }


def by_name(outcomes):
    return {o.name: o for o in outcomes}


def test_ledger_counts_quarantine_and_idempotence(setup, write):
    config, store = setup
    write(
        "usage_2026-05.csv",
        USAGE_HEADER
        + "02/05/2026 09:00:00;A1;invoice.create;OK;1 234,5\n"
        + "02/05/2026 09:00:00;A1;invoice.create;OK;1 234,5\n"  # exact duplicate
        + "31/02/2026 10:00:00;A1;invoice.send;OK;10\n"  # no such day
        + "03/05/2026 10:00:00;;invoice.send;OK;10\n"  # nobody
        + "03/05/2026 10:00:00;a1@x.fr;invoice.send;Peut-être;10\n"  # unknown outcome
        + "03/05/2026 10:00:00;A1;invoice.send;Erreur;-5\n"  # negative duration
        + "04/05/2026 10:00:00;A1\n"  # too few cells
        + "04/05/2026 11:00:00;A1@X.FR;invoice.send;Erreur;250\n",
    )
    usage = by_name(collect(config, store))["usage"]
    (f,) = usage.files
    assert (f.read, f.accepted, f.duplicates, f.quarantined) == (8, 2, 1, 5)
    with store.session() as session:
        ledger = session.scalars(select(IngestFile).where(IngestFile.source == "usage")).one()
        assert ledger.rows_read == ledger.accepted + ledger.duplicates + ledger.quarantined == 8
        rows = session.execute(
            select(Quarantine.line, Quarantine.stage, Quarantine.reason, Quarantine.raw).order_by(
                Quarantine.line
            )
        ).all()
    assert [(line, stage) for line, stage, _, _ in rows] == [
        (4, "convert"),
        (5, "validate"),
        (6, "convert"),
        (7, "validate"),
        (8, "parse"),
    ]
    reasons = [reason for _, _, reason, _ in rows]
    assert "column 'Date' (ts): '31/02/2026 10:00:00' is not a date" in reasons[0]
    assert reasons[1] == "column 'Utilisateur' (user) is empty"
    assert "'Peut-être' is not a known outcome" in reasons[2]
    assert reasons[3] == "the duration -5 ms is negative"
    assert reasons[4] == "the row has 2 cells but the header has 5"
    assert rows[0][3] == "31/02/2026 10:00:00;A1;invoice.send;OK;10"

    before = counts(store)
    again = by_name(collect(config, store))
    assert [f.status for f in again["usage"].files] == ["skipped"]
    assert [f.status for f in again["annuaire"].files] == ["skipped"]
    assert counts(store) == before


def test_changed_file_adds_only_new_rows_and_no_duplicate_quarantine(setup, write):
    config, store = setup
    body = USAGE_HEADER + "02/05/2026 09:00:00;A1;invoice.create;OK;1\n31/02/2026;A1;x;OK;1\n"
    write("usage_a.csv", body)
    collect(config, store)
    write("usage_a.csv", body + "05/05/2026 09:00:00;A1;invoice.send;OK;2\n")
    (f,) = by_name(collect(config, store))["usage"].files
    assert (f.read, f.accepted, f.duplicates, f.quarantined) == (3, 1, 1, 1)
    assert counts(store)["events"] == 2
    assert counts(store)["quarantine"] == 1


def test_alias_and_unknown_user_and_local_day(setup, write):
    config, store = setup
    write(
        "usage_b.csv",
        USAGE_HEADER
        + "2026-05-02T22:30:00Z;a1@x.fr;invoice.create;OK;1\n"  # 00:30 on 03/05 in Paris
        + "02/05/2026 12:00:00;EXT;invoice.create;OK;1\n",
    )
    collect(config, store)
    key = config.secret_key()
    from collectors.privacy import Pseudonymizer

    pseudo = Pseudonymizer(key)
    with store.session() as session:
        daily = session.execute(select(UsageDaily.day, UsageDaily.person_key)).all()
        people = set(session.scalars(select(Person.person_key)))
    assert (dt.date(2026, 5, 3), pseudo("A1")) in daily  # the e-mail resolved to the matricule
    assert (dt.date(2026, 5, 2), pseudo("EXT")) in daily  # kept, though not in the roster
    assert pseudo("EXT") not in people
    assert pseudo("a1") == pseudo(" A1 ")  # trimmed and case-folded before hashing
    assert "A1" not in {p for _, p in daily}  # pseudonymized


def test_roster_loaded_after_usage_still_resolves_aliases(setup, write):
    config, store = setup
    write("usage_c.csv", USAGE_HEADER + "02/05/2026 09:00:00;new@x.fr;invoice.create;OK;1\n")
    collect(config, store, ["usage"])
    write("annuaire.csv", ROSTER + "N1;new@x.fr;ADV;pilote;Oui\n")
    collect(config, store, ["annuaire"])
    with store.session() as session:
        persons = set(session.scalars(select(UsageDaily.person_key)))
    from collectors.privacy import Pseudonymizer

    assert persons == {Pseudonymizer(config.secret_key())("N1")}


def test_roster_update_and_conflicting_lines(setup, write):
    config, store = setup
    write(
        "annuaire.csv",
        ROSTER + "A1;a1@x.fr;Compta;pilote;Oui\n" + "A2;;Logistique;pilote;Non\n",
    )
    roster = by_name(collect(config, store, ["annuaire"]))["annuaire"]
    (f,) = roster.files
    # A1 repeated identically is a duplicate; A2 listed twice with other values is quarantined.
    assert (f.read, f.accepted, f.duplicates, f.quarantined) == (4, 2, 1, 1)
    with store.session() as session:
        (reason,) = session.scalars(select(Quarantine.reason)).all()
    assert (
        reason
        == "this person is already listed at line 3 with other values; keep one line per person"
    )


def test_missing_column_fails_the_file_and_writes_nothing(setup, write):
    config, store = setup
    write("usage_d.csv", "Date;User;Action\n02/05/2026 09:00:00;A1;x\n")
    usage = by_name(collect(config, store))["usage"]
    (f,) = usage.files
    assert f.status == "failed"
    assert f.error.startswith(
        "usage_d.csv: columns 'Utilisateur' (columns.user), 'Statut' (columns.outcome), "
        "'Durée (ms)' (columns.duration_ms) not in the header"
    )
    assert "the header has: Date, User, Action" in f.error
    assert counts(store)["events"] == 0
    with store.session() as session:
        statuses = session.execute(select(IngestFile.source, IngestFile.status)).all()
    assert ("usage", "failed") in statuses


def test_crash_mid_file_leaves_the_store_as_before(setup, write, monkeypatch):
    config, store = setup
    rows = "".join(f"02/05/2026 09:{m:02d}:00;A1;invoice.create;OK;1\n" for m in range(50))
    write("usage_e.csv", USAGE_HEADER + rows)
    import collectors.run as run

    monkeypatch.setattr(run, "BATCH_ROWS", 10)
    calls = {"n": 0}
    original = run._quarantine

    def crash_on_third_batch(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 3:
            raise RuntimeError("power cut")
        return original(*args, **kwargs)

    monkeypatch.setattr(run, "_quarantine", crash_on_third_batch)
    collect(config, store, ["annuaire"])
    with pytest.raises(RuntimeError, match="power cut"):
        collect(config, store, ["usage"])
    assert counts(store)["events"] == 0
    assert counts(store)["rollup"] == 0
    monkeypatch.setattr(run, "_quarantine", original)
    (f,) = by_name(collect(config, store, ["usage"]))["usage"].files
    assert (f.status, f.accepted) == ("ok", 50)


def test_no_matching_file_is_a_source_error(setup):
    config, store = setup
    usage = by_name(collect(config, store))["usage"]
    assert usage.failed
    assert usage.error.startswith("sources[1].path: no file matches 'usage_*.csv'")


def test_long_text_is_cut_and_long_identifiers_are_refused(setup, write):
    config, store = setup
    long_action = "invoice." + "x" * 300
    write(
        "usage_long.csv",
        USAGE_HEADER
        + f"02/05/2026 09:00:00;A1;{long_action};OK;1\n"
        + f"02/05/2026 09:00:00;{'u' * 250};invoice.send;OK;1\n"
        + "02/05/2026 09:01:00;A1;invoice.send;OK;1\n",
    )
    (f,) = by_name(collect(config, store))["usage"].files
    assert (f.status, f.read, f.accepted, f.quarantined) == ("ok", 3, 2, 1)
    with store.session() as session:
        actions = set(session.scalars(select(UsageEvent.action)))
        reason = session.scalar(select(Quarantine.reason))
    assert long_action[:199] + "…" in actions
    assert reason == "column 'Utilisateur' (user): an identifier of 250 characters is too long"


def test_retry_quarantine_after_fixing_the_config(store_url, make_config, write):
    from collectors.retry import retry_quarantine

    write("annuaire.csv", ROSTER)
    write(
        "usage_f.csv",
        USAGE_HEADER
        + "02/05/2026 09:00:00;A1;invoice.create;OK;1\n"
        + "02/05/2026 10:00:00;A1;invoice.send;Validé;1\n"  # outcome not mapped yet
        + "02/05/2026 11:00:00;A1;invoice.send;Bof;1\n",  # still unknown after the fix
    )
    config = load_config(make_config(CONFIG, store=store_url))
    store = open_store(config.store_url)
    try:
        collect(config, store)
        assert counts(store)["events"] == 1
        fixed = CONFIG.replace("{OK: ok, Erreur: error}", "{OK: ok, Erreur: error, Validé: ok}")
        config = load_config(make_config(fixed, store=store_url))
        usage = by_name(retry_quarantine(config, store))["usage"]
        (f,) = usage.files
        assert (f.read, f.accepted, f.duplicates, f.quarantined) == (2, 1, 0, 1)
        assert counts(store)["events"] == 2
        with store.session() as session:
            entries = session.execute(
                select(Quarantine.line, Quarantine.resolved_at.is_not(None)).order_by(
                    Quarantine.line
                )
            ).all()
        assert entries == [(3, True), (4, False)]
        # Again: only the row still in quarantine is retried.
        (f,) = by_name(retry_quarantine(config, store))["usage"].files
        assert (f.read, f.quarantined) == (1, 1)
    finally:
        store.dispose()


def test_progress_is_reported_per_batch(setup, write, monkeypatch):
    import collectors.run as run

    config, store = setup
    rows = "".join(f"02/05/2026 09:{m:02d}:00;A1;invoice.create;OK;1\n" for m in range(25))
    write("usage_g.csv", USAGE_HEADER + rows)
    monkeypatch.setattr(run, "BATCH_ROWS", 10)
    seen = []
    collect(config, store, ["usage"], on_progress=lambda s, f, n: seen.append((s.name, f, n)))
    assert seen == [("usage", "usage_g.csv", n) for n in (10, 20, 25)]


def test_retry_quarantine_with_a_config_mapping_a_missing_column_fails_clearly(
    store_url, make_config, write
):
    from collectors.retry import retry_quarantine

    write("annuaire.csv", ROSTER)
    write("usage_f.csv", USAGE_HEADER + "02/05/2026 10:00:00;A1;invoice.send;Validé;1\n")
    config = load_config(make_config(CONFIG, store=store_url))
    store = open_store(config.store_url)
    try:
        collect(config, store)
        broken = CONFIG.replace("action: Action,", "action: Fonction,")  # not in the file
        config = load_config(make_config(broken, store=store_url))
        (f,) = by_name(retry_quarantine(config, store))["usage"].files
        assert f.status == "failed"
        assert "usage_f.csv" in f.error and "Fonction" in f.error
        assert "stay in quarantine" in f.error
        with store.session() as session:
            assert (
                session.scalar(
                    select(func.count())
                    .select_from(Quarantine)
                    .where(Quarantine.resolved_at.is_(None))
                )
                == 1
            )
    finally:
        store.dispose()
