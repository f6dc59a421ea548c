"""A company for the privacy sweeps, built through the real collectors.

The demo company (``hypercare.demo``, without its legacy export: the audit has no teams), with
these changes:

* its small team (4 people, fewer than ``privacy.min_group_size``) is renamed ``Juridique`` so
  that the name is a word no page uses for anything else (the demo's ``Direction`` is also an
  English column header);
* every team gets a survey comment, a ticket (open, so that it is in the support queue) and a
  meeting-note item carrying ``SENTINEL-TEAM-<slug>`` — a string that may reach only the people
  allowed to read that team's rows;
* a ``roles:`` section: a manager, a support lead, one ambassador per team and one of two teams;
* after the collect, one answer per team to each pulse survey the app hosts (identified and
  anonymous), its comment carrying the team's sentinel.

``quiet=True`` builds the same company where the small team did something else: none of its
usage events, other survey and pulse answers, no tickets. Every figure shown anywhere must be
the same in both (``tests/unit/test_min_group.py`` compares them): a figure that changes is a
figure that depends on the small team.
"""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from hypercare.config import Config, load_config
from hypercare.demo.build import COMPANY_TZ, CONFIG_TEMPLATE, DATA_DIR, DEMO_MARKER
from hypercare.demo.company import write_demo_company
from hypercare.demo.feedback import JIRA_HEADER, write_demo_feedback

DAY = dt.date(2026, 11, 23)
DEMO_SMALL_TEAM = "Direction"
SMALL_TEAM = "Juridique"
SLUGS = {
    "ADV": "adv",
    "Achats": "achats",
    "Commercial": "commercial",
    "Comptabilité": "compta",
    "Logistique": "logistique",
    SMALL_TEAM: "juridique",
}
TEAMS = tuple(SLUGS)
SHOWN_TEAMS = tuple(t for t in TEAMS if t != SMALL_TEAM)
MANAGER_EMAIL = "pmo@dubois.fr"
SUPPORT_EMAIL = "support@dubois.fr"
TWO_TEAMS = ("ADV", "Comptabilité")  # an ambassador of two teams
TWO_TEAMS_EMAIL = "ambassadeur.adv-compta@dubois.fr"


# What each team complains about: a topic of its own, so that its three items (survey comment,
# ticket, meeting note) make one backlog entry whose title carries the team's sentinel.
TOPICS = {
    "ADV": "le bouton d'archivage des avoirs disparaît après validation",
    "Achats": "les bons de commande fournisseurs restent bloqués en brouillon",
    "Commercial": "la remise négociée s'efface du devis signé par le client",
    "Comptabilité": "le journal des ventes exporte des montants arrondis au centime près",
    "Logistique": "le scanner du quai ne lit plus les étiquettes des colis",
    SMALL_TEAM: "les contrats types ne s'attachent pas aux fiches clients",
}


def sentinel(team: str) -> str:
    """The string only readers of ``team``'s rows may receive."""
    return f"SENTINEL-TEAM-{SLUGS[team]}"


def ambassador_email(team: str) -> str:
    return f"ambassadeur.{SLUGS[team]}@dubois.fr"


@dataclass(frozen=True)
class World:
    directory: Path
    config_path: Path
    config: Config
    day: dt.date = DAY


def _roles_yaml() -> str:
    lines = [
        "roles:",
        f"  managers: [{MANAGER_EMAIL}]",
        f"  support: [{SUPPORT_EMAIL}]",
        "  ambassadors:",
    ]
    lines += [f"    {ambassador_email(team)}: [{team}]" for team in TEAMS]
    lines.append(f"    {TWO_TEAMS_EMAIL}: [{', '.join(TWO_TEAMS)}]")
    return "\n".join(lines) + "\n"


SENTINEL_SOURCES = f"""  - name: sentinel-pulse
    kind: survey
    format: csv
    path: {DATA_DIR}/sentinel/pulse.csv
    dates: {{dayfirst: true, timezone: {COMPANY_TZ}}}
    columns: {{submitted_at: Horodateur, user: E-mail, team: Service}}
    questions:
      nps: "Recommandation"
      comment: ["Commentaire"]
  - name: sentinel-jira
    kind: tickets
    format: jira-csv
    path: {DATA_DIR}/sentinel/jira.csv
  - name: sentinel-suivi
    kind: meetings
    format: meeting-notes-md
    path: {DATA_DIR}/sentinel/suivi.md
"""


def _rewrite_csv(path: Path, change, *, delimiter: str, encoding: str) -> None:
    """Rewrite a CSV export row by row: ``change(header, row)`` returns the row or None."""
    with path.open(encoding=encoding, newline="") as handle:
        rows = list(csv.reader(handle, delimiter=delimiter))
    header, body = rows[0], rows[1:]
    kept = [new for row in body if (new := change(header, row)) is not None]
    terminator = "\r\n" if path.read_bytes().count(b"\r\n") else "\n"
    with path.open("w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle, delimiter=delimiter, lineterminator=terminator)
        writer.writerow(header)
        writer.writerows(kept)


def _rename(value: str) -> str:
    return SMALL_TEAM if value == DEMO_SMALL_TEAM else value


def _members(data: Path) -> dict[str, list[tuple[str, str]]]:
    """Team → [(matricule, e-mail)] of licensed people, from the (renamed) roster."""
    with (data / "annuaire.csv").open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter=";"))
    out: dict[str, list[tuple[str, str]]] = {}
    for row in rows:
        if row["Licence"] == "Oui":
            out.setdefault(row["Service"], []).append((row["Matricule"], row["E-mail"]))
    return out


def _write_sentinels(data: Path, members: dict[str, list[tuple[str, str]]], quiet: bool) -> None:
    folder = data / "sentinel"
    folder.mkdir(parents=True, exist_ok=True)
    survey = ["Horodateur;E-mail;Service;Recommandation;Commentaire"]
    tickets = [list(JIRA_HEADER)]
    notes = ["# Suivi des équipes", ""]
    for number, team in enumerate(TEAMS, start=1):
        mark = sentinel(team)
        email = members[team][0][1]
        if not (quiet and team == SMALL_TEAM):
            survey.append(
                f"20/11/2026 10:{number:02d}:00;{email};{team};{(number * 3) % 11};"
                f"{mark} : {TOPICS[team]}"
            )
            tickets.append(
                [
                    f"{mark} : {TOPICS[team]}",
                    f"SENT-{number}",
                    str(90000 + number),
                    "Bug",
                    "To Do",
                    "High",
                    email,
                    "20/Nov/26 9:00 AM",
                    "",
                    "Avoirs",
                    team,
                    f"{mark} : {TOPICS[team]}, depuis la mise à jour",
                ]
            )
        else:  # the same people said something else
            survey.append(f"21/11/2026 15:00:00;{email};{team};0;{mark} : {TOPICS[team]} !")
        notes += [
            f"## 2026-11-1{number} — {team} — Point de suivi",
            "",
            f"- {mark} : {TOPICS[team]}, à remonter à l'éditeur",
            "",
        ]
    (folder / "pulse.csv").write_text("\n".join(survey) + "\n", encoding="utf-8")
    with (folder / "jira.csv").open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows(tickets)
    (folder / "suivi.md").write_text("\n".join(notes), encoding="utf-8")


def write_world(directory: Path, *, quiet: bool = False, store_url: str | None = None) -> Path:
    """Write the company's exports and config under ``directory``; returns the config path."""
    directory.mkdir(parents=True, exist_ok=True)
    data = directory / DATA_DIR
    write_demo_company(data, DAY)
    feedback = write_demo_feedback(data, DAY)

    def roster(header: list[str], row: list[str]) -> list[str]:
        row[header.index("Service")] = _rename(row[header.index("Service")])
        return row

    _rewrite_csv(data / "annuaire.csv", roster, delimiter=";", encoding="utf-8-sig")
    members = _members(data)
    small = {m.casefold() for m, _ in members[SMALL_TEAM]}
    small_emails = {e.casefold() for _, e in members[SMALL_TEAM]}  # usage logs use both

    def pulse(header: list[str], row: list[str]) -> list[str] | None:
        row[header.index("Service")] = _rename(row[header.index("Service")])
        if quiet and row[header.index("Service")] == SMALL_TEAM:
            row[4] = "0" if row[4] != "0" else "10"  # the NPS answer
        return row

    def jira(header: list[str], row: list[str]) -> list[str] | None:
        team = _rename(row[header.index("Custom field (Team)")])
        row[header.index("Custom field (Team)")] = team
        reporter = row[header.index("Reporter")].casefold()
        drop = quiet and (team == SMALL_TEAM or reporter in small_emails)
        return None if drop else row

    def usage(header: list[str], row: list[str]) -> list[str] | None:
        user = row[header.index("Utilisateur")].strip().casefold()
        return None if quiet and (user in small or user in small_emails) else row

    _rewrite_csv(data / "surveys" / "pulse.csv", pulse, delimiter=",", encoding="utf-8")
    _rewrite_csv(data / "tickets" / "jira.csv", jira, delimiter=",", encoding="utf-8")
    for path in sorted((data / "usage").glob("usage_*.csv")):
        _rewrite_csv(path, usage, delimiter=";", encoding="utf-8-sig")
    notes = data / "meetings" / "suivi.md"
    notes.write_text(
        notes.read_text(encoding="utf-8").replace(f"— {DEMO_SMALL_TEAM} —", f"— {SMALL_TEAM} —"),
        encoding="utf-8",
    )
    _write_sentinels(data, members, quiet)

    text = CONFIG_TEMPLATE.format(
        marker=DEMO_MARKER,
        store_url=store_url or f"sqlite:///{DATA_DIR}/hypercare.db",
        tz=COMPANY_TZ,
        data=DATA_DIR,
        planned=(DAY + dt.timedelta(days=38)).isoformat(),
    )
    text += feedback.sources_yaml(DATA_DIR) + SENTINEL_SOURCES + feedback.sections_yaml()
    text += _roles_yaml()
    path = directory / "hypercare.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def _answer_pulse(store, config: Config, quiet: bool) -> int:
    """One answer per team to each survey the app hosts (``surveys.pulse`` of the demo config),
    through its signed links, in the latest round that asks the team; comments carry the team's
    sentinel. Returns the number of answers stored."""
    from collectors.kinds.survey import SCALES
    from surveys import pulse

    stored = 0
    with store.session() as session:
        found = sorted(pulse.rounds(session, config), key=lambda r: r.opens, reverse=True)
        plan = []
        for team in TEAMS:
            for survey in {r.survey.id: r.survey for r in found}.values():
                for round_ in (r for r in found if r.survey.id == survey.id and r.closes <= DAY):
                    invitees = [i for i in pulse.audience(session, round_) if i.team == team]
                    if invitees:
                        plan.append((team, round_, invitees[0]))
                        break
    for team, round_, invitee in plan:
        claim = pulse.claim_for(config, round_, invitee)
        opened = pulse.open_link(store, config, pulse.issue_token(config, claim), round_.opens)
        answers: dict[str, object] = {}
        for q in round_.survey.questions:
            if q.instrument == "comment":
                answers[q.id] = f"{sentinel(team)} : {TOPICS[team]} (enquête)"
            elif q.instrument == "choice":
                answers[q.id] = q.options[0].id
            else:
                low, high = SCALES[q.instrument]
                answers[q.id] = low if quiet and team == SMALL_TEAM else high
        now = dt.datetime.combine(round_.opens, dt.time(11), config.tz)
        pulse.submit(store, config, opened, answers, now=now)
        stored += 1
    return stored


def build_world(directory: Path, *, quiet: bool = False, store_url: str | None = None) -> World:
    """``write_world``, then collect everything and run the alerts of the day before ``DAY``
    (as the morning cron would), without notifying."""
    from collectors.run import collect
    from metrics.alerts.evaluate import run_alerts
    from metrics.store import open_store

    path = write_world(directory, quiet=quiet, store_url=store_url)
    config = load_config(path)
    store = open_store(config.store_url)
    try:
        outcomes = collect(config, store, command="demo")
        for outcome in outcomes:
            assert outcome.error is None, outcome
            for file in outcome.files:
                assert file.status == "ok", file
        _answer_pulse(store, config, quiet)
        run_alerts(store, config, DAY - dt.timedelta(days=1), send=False)
    finally:
        store.dispose()
    return World(directory, path, config)
