"""Tests of the demo company generator (raw export files only, no database)."""

from __future__ import annotations

import calendar
import csv
import datetime as dt
import re
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

import pytest

from hypercare.demo.company import DemoFiles, write_demo_company

TODAY = dt.date(2026, 11, 23)
SEED = 7
BOM = b"\xef\xbb\xbf"
ROSTER_HEADER = "Matricule;Nom;E-mail;Service;Vague;Mise en service;Licence;Ambassadeur"
USAGE_HEADER = "Date;Utilisateur;Module;Action;Statut;Durée (ms)"
MODULES = {"invoice", "quote", "payment", "customer", "report", "settings"}
TEAM_WAVES = {
    "Comptabilité": "pilote",
    "ADV": "pilote",
    "Commercial": "vague 1",
    "Direction": "vague 1",
    "Logistique": "vague 2",
    "Achats": "vague 2",
}
WAVE_DATES = {
    "pilote": TODAY - dt.timedelta(days=182),
    "vague 1": TODAY - dt.timedelta(days=140),
    "vague 2": TODAY - dt.timedelta(days=90),
}


@dataclass
class Event:
    file: Path
    line: str
    fields: list[str]
    when: dt.datetime | None  # None when the date does not parse


@dataclass
class Demo:
    files: DemoFiles
    roster: list[dict[str, str]]
    events: list[Event]


def _read_lines(path: Path) -> list[str]:
    text = path.read_bytes().removeprefix(BOM).decode("utf-8")
    assert text.endswith("\r\n")
    return text[: -len("\r\n")].split("\r\n")


def _parse_when(text: str) -> dt.datetime | None:
    try:
        return dt.datetime.strptime(text, "%d/%m/%Y %H:%M:%S")
    except ValueError:
        return None


def _load(files: DemoFiles) -> Demo:
    with files.roster.open(encoding="utf-8-sig", newline="") as handle:
        roster = list(csv.DictReader(handle, delimiter=";"))
    events: list[Event] = []
    for path in files.usage:
        for line in _read_lines(path)[1:]:
            fields = next(csv.reader([line], delimiter=";"))
            events.append(Event(path, line, fields, _parse_when(fields[0])))
    return Demo(files, roster, events)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Demo:
    files = write_demo_company(tmp_path_factory.mktemp("demo"), TODAY, seed=SEED)
    return _load(files)


@pytest.fixture(scope="module")
def users(demo: Demo) -> dict[str, dict[str, str]]:
    """Matricule and e-mail -> roster row."""
    index = {row["Matricule"]: row for row in demo.roster}
    index.update({row["E-mail"]: row for row in demo.roster})
    return index


def _valid(demo: Demo) -> list[Event]:
    """Events whose date parses and whose status is known (the malformed rows excluded)."""
    return [e for e in demo.events if e.when is not None and e.fields[4] in {"OK", "Erreur"}]


# --------------------------------------------------------------------------- formats


def test_roster_file_format(demo: Demo) -> None:
    raw = demo.files.roster.read_bytes()
    assert demo.files.roster.name == "annuaire.csv"
    assert raw.startswith(BOM + ROSTER_HEADER.encode() + b"\r\n")
    assert b"\n" not in raw.replace(b"\r\n", b"")
    lines = _read_lines(demo.files.roster)
    assert all(line.count(";") == 7 for line in lines)
    assert len(lines) - 1 == demo.files.people == len(demo.roster)


def test_usage_files_format_and_months(demo: Demo) -> None:
    names = [p.name for p in demo.files.usage]
    assert names == [f"usage_2026-{m:02d}.csv" for m in range(5, 12)]  # May to November
    assert all(p.parent == demo.files.roster.parent / "usage" for p in demo.files.usage)
    for path in demo.files.usage:
        raw = path.read_bytes()
        assert raw.startswith(BOM + USAGE_HEADER.encode("utf-8") + b"\r\n")
        assert b"\n" not in raw.replace(b"\r\n", b"")
        assert all(line.count(";") == 5 for line in _read_lines(path))


def test_usage_field_formats(demo: Demo) -> None:
    valid = _valid(demo)
    for event in valid:
        _, _, module, action, _, duration = event.fields
        assert module in MODULES
        assert action.split(".")[0] == module and len(action.split(".")) == 2
        assert re.fullmatch(r"\d+,\d", duration), duration
        # Each event sits in the monthly file of its own month.
        assert event.file.name == f"usage_{event.when:%Y-%m}.csv"
    actions = {e.fields[3] for e in valid}
    assert {"invoice.create", "invoice.send", "quote.create", "payment.record"} <= actions
    assert {"customer.update", "report.view", "settings.update"} <= actions
    by_email = sum("@" in e.fields[1] for e in valid)
    assert 0.05 < by_email / len(valid) < 0.15


def test_same_seed_gives_identical_bytes(demo: Demo, tmp_path: Path) -> None:
    again = write_demo_company(tmp_path / "again", TODAY, seed=SEED)
    assert again.roster.read_bytes() == demo.files.roster.read_bytes()
    assert [p.name for p in again.usage] == [p.name for p in demo.files.usage]
    for mine, theirs in zip(again.usage, demo.files.usage, strict=True):
        assert mine.read_bytes() == theirs.read_bytes()
    assert (again.people, again.bad_usage_rows) == (demo.files.people, demo.files.bad_usage_rows)


def test_other_seed_gives_other_data(demo: Demo, tmp_path: Path) -> None:
    other = write_demo_company(tmp_path / "other", TODAY, seed=SEED + 1)
    assert other.roster.read_bytes() != demo.files.roster.read_bytes()
    assert other.usage[-1].read_bytes() != demo.files.usage[-1].read_bytes()


# --------------------------------------------------------------------------- roster


def test_teams_waves_and_go_live_dates(demo: Demo) -> None:
    teams = Counter(row["Service"] for row in demo.roster if row["Licence"] == "Oui")
    assert set(teams) == set(TEAM_WAVES)
    assert 0 < teams["Direction"] < 5  # small enough to be suppressed by privacy rules
    assert all(n >= 10 for team, n in teams.items() if team != "Direction")
    assert 100 <= demo.files.people <= 140
    assert 3 <= sum(row["Licence"] == "Non" for row in demo.roster) <= 8

    late = 0
    for row in demo.roster:
        assert row["Vague"] == TEAM_WAVES[row["Service"]]
        go_live = dt.datetime.strptime(row["Mise en service"], "%d/%m/%Y").date()
        delay = (go_live - WAVE_DATES[row["Vague"]]).days
        assert 0 <= delay <= 14
        late += delay > 0
    assert 1 <= late <= 5  # a couple of people went live a few days after their wave


def test_identifiers_and_flags(demo: Demo) -> None:
    matricules = [row["Matricule"] for row in demo.roster]
    emails = [row["E-mail"] for row in demo.roster]
    assert len(set(matricules)) == len(matricules)
    assert len(set(emails)) == len(emails)
    assert all(re.fullmatch(r"DE\d{4}", m) for m in matricules)
    assert all(re.fullmatch(r"[a-z0-9.-]+@dubois-equipements\.fr", e) for e in emails)
    assert any(not row["Nom"].isascii() for row in demo.roster)  # accents kept in names
    for row in demo.roster:
        assert row["Licence"] in {"Oui", "Non"} and row["Ambassadeur"] in {"Oui", "Non"}
    ambassadors = Counter(row["Service"] for row in demo.roster if row["Ambassadeur"] == "Oui")
    assert ambassadors == dict.fromkeys(TEAM_WAVES, 1)
    assert all(row["Licence"] == "Oui" for row in demo.roster if row["Ambassadeur"] == "Oui")


# --------------------------------------------------------------------------- usage


def test_event_volume(demo: Demo) -> None:
    assert 40_000 <= len(demo.events) <= 120_000


def test_events_respect_go_live_today_and_licence(
    demo: Demo, users: dict[str, dict[str, str]]
) -> None:
    noon = dt.datetime.combine(TODAY, dt.time(12, 0))
    outsiders: Counter[str] = Counter()
    for event in _valid(demo):
        assert event.when <= noon
        person = users.get(event.fields[1])
        if person is None:
            outsiders[event.fields[1]] += 1
            continue
        assert person["Licence"] == "Oui"
        go_live = dt.datetime.strptime(person["Mise en service"], "%d/%m/%Y")
        assert event.when >= go_live, (event.line, person["Mise en service"])
    assert set(outsiders) - {""} == {"EXT001", "EXT002"}
    assert 20 <= outsiders["EXT001"] + outsiders["EXT002"] <= 40


def test_some_people_never_start(demo: Demo, users: dict[str, dict[str, str]]) -> None:
    started = {users[e.fields[1]]["Matricule"] for e in _valid(demo) if e.fields[1] in users}
    for team in TEAM_WAVES:
        licensed = {
            r["Matricule"] for r in demo.roster if r["Service"] == team and r["Licence"] == "Oui"
        }
        assert 0 < len(licensed - started) < len(licensed) / 3, team


def test_malformed_rows_and_duplicate(demo: Demo) -> None:
    assert demo.files.bad_usage_rows == 3
    bad_dates = [e for e in demo.events if e.when is None]
    empty_users = [e for e in demo.events if e.fields[1] == ""]
    bad_statuses = [e for e in demo.events if e.fields[4] not in {"OK", "Erreur"}]
    assert len(bad_dates) == len(empty_users) == len(bad_statuses) == 1
    assert bad_statuses[0].fields[4] == "Peut-être"
    assert len({bad_dates[0].file, empty_users[0].file, bad_statuses[0].file}) == 2
    assert len({id(e) for e in bad_dates + empty_users + bad_statuses}) == 3

    # The impossible date is a day that does not exist in its own file's month.
    bad = bad_dates[0]
    day, month, year = (int(part) for part in bad.fields[0].split(" ")[0].split("/"))
    assert bad.fields[0].endswith(" 10:00:00")
    assert bad.file.name == f"usage_{year:04d}-{month:02d}.csv"
    assert day > calendar.monthrange(year, month)[1]

    # Exactly one line is an exact copy of an earlier line of the same file.
    copies = Counter((e.file, e.line) for e in demo.events)
    duplicated = [key for key, n in copies.items() if n > 1]
    assert len(duplicated) == 1 and copies[duplicated[0]] == 2
    assert sum(n > 1 for n in Counter(e.line for e in demo.events).values()) == 1


# --------------------------------------------------------------------------- adoption


def _weekly_active_share(
    demo: Demo, users: dict[str, dict[str, str]], first_day: dt.date
) -> dict[str, float]:
    """Share of each team's licensed people with an event in the 7 days from ``first_day``."""
    last_day = first_day + dt.timedelta(days=6)
    active: dict[str, set[str]] = defaultdict(set)
    for event in _valid(demo):
        person = users.get(event.fields[1])
        if person is not None and first_day <= event.when.date() <= last_day:
            active[person["Service"]].add(person["Matricule"])
    licensed = Counter(r["Service"] for r in demo.roster if r["Licence"] == "Oui")
    return {team: len(active[team]) / licensed[team] for team in licensed}


def test_adoption_order_in_the_last_seven_days(
    demo: Demo, users: dict[str, dict[str, str]]
) -> None:
    share = _weekly_active_share(demo, users, TODAY - dt.timedelta(days=6))
    assert min(share["Comptabilité"], share["ADV"]) > share["Achats"]
    assert share["Achats"] > max(share["Commercial"], share["Logistique"])
    assert min(share["Comptabilité"], share["ADV"]) >= 0.85
    assert 0.5 <= share["Logistique"] <= 0.7
    assert 0.55 <= share["Commercial"] <= 0.8


def test_adoption_speed(demo: Demo, users: dict[str, dict[str, str]]) -> None:
    # A month after the pilot go-live, Comptabilité and ADV are already mostly active.
    after_a_month = _weekly_active_share(demo, users, WAVE_DATES["pilote"] + dt.timedelta(35))
    assert min(after_a_month["Comptabilité"], after_a_month["ADV"]) >= 0.8
    # Commercial follows a slow S-curve: low at week 3, much higher by now.
    week_3 = _weekly_active_share(demo, users, WAVE_DATES["vague 1"] + dt.timedelta(14))
    now = _weekly_active_share(demo, users, TODAY - dt.timedelta(days=6))
    assert week_3["Commercial"] <= 0.3 < now["Commercial"] - 0.25


def test_logistique_has_more_errors(demo: Demo, users: dict[str, dict[str, str]]) -> None:
    totals: Counter[str] = Counter()
    errors: Counter[str] = Counter()
    for event in _valid(demo):
        person = users.get(event.fields[1])
        if person is not None:
            totals[person["Service"]] += 1
            errors[person["Service"]] += event.fields[4] == "Erreur"
    rate = {team: errors[team] / totals[team] for team in totals}
    assert 0.08 <= rate["Logistique"] <= 0.16
    assert all(rate[team] <= 0.06 for team in rate if team not in {"Logistique", "Direction"})
