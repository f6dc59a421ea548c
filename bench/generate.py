"""A scaled company for benchmarks: a roster and usage CSVs in the French Excel dialect.

    python bench/generate.py OUT_DIR --people 2000 --teams 20 --days 365 --events-per-day 30000

Deterministic for a given seed; writes ``annuaire.csv``, ``usage/usage_NNN.csv`` (one file per
``--days-per-file`` days) and ``hypercare.yaml``.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import random
from dataclasses import dataclass
from pathlib import Path

ACTIONS = ["invoice.create", "invoice.send", "quote.create", "payment.record", "report.view"]


@dataclass(frozen=True)
class Scale:
    people: int = 200
    teams: int = 8
    days: int = 60
    events_per_day: int = 2000
    days_per_file: int = 30
    seed: int = 1


def generate(out: Path, scale: Scale, end: dt.date | None = None) -> int:
    """Write the company under ``out``; returns the number of usage rows written."""
    rng = random.Random(scale.seed)
    end = end or dt.date.today() - dt.timedelta(days=1)
    start = end - dt.timedelta(days=scale.days - 1)
    out.mkdir(parents=True, exist_ok=True)
    (out / "usage").mkdir(exist_ok=True)
    people = [f"P{i:05d}" for i in range(scale.people)]
    with open(out / "annuaire.csv", "w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle, delimiter=";")
        writer.writerow(["Matricule", "Service", "Vague", "Mise en service", "Licence"])
        for i, person in enumerate(people):
            team = f"Équipe {i % scale.teams:02d}"
            wave = f"vague {i % 3}"
            writer.writerow([person, team, wave, start.strftime("%d/%m/%Y"), "Oui"])
    written = 0
    handle = None
    writer = None
    for offset in range(scale.days):
        if offset % scale.days_per_file == 0:
            if handle is not None:
                handle.close()
            name = out / "usage" / f"usage_{offset // scale.days_per_file:03d}.csv"
            handle = open(name, "w", encoding="utf-8-sig", newline="")  # noqa: SIM115
            writer = csv.writer(handle, delimiter=";")
            writer.writerow(["Date", "Utilisateur", "Action", "Statut", "Durée (ms)"])
        day = start + dt.timedelta(days=offset)
        assert writer is not None
        for n in range(scale.events_per_day):
            second = 8 * 3600 + (n * 36_000) // scale.events_per_day
            moment = dt.datetime.combine(day, dt.time()) + dt.timedelta(seconds=second)
            writer.writerow(
                [
                    moment.strftime("%d/%m/%Y %H:%M:%S"),
                    people[rng.randrange(scale.people)],
                    ACTIONS[rng.randrange(len(ACTIONS))],
                    "Erreur" if rng.random() < 0.04 else "OK",
                    f"{rng.uniform(50, 3000):.1f}".replace(".", ","),
                ]
            )
            written += 1
    if handle is not None:
        handle.close()
    (out / "hypercare.yaml").write_text(
        "store: {url: 'sqlite:///store.db'}\n"
        "privacy: {pseudonymize: true, min_group_size: 5}\n"
        "locale: fr\ntimezone: Europe/Paris\n"
        "sources:\n"
        "  - {name: annuaire, kind: roster, path: annuaire.csv,\n"
        "     csv: {delimiter: ';', encoding: utf-8-sig},\n"
        "     columns: {user: Matricule, team: Service, wave: Vague, go_live: Mise en service,\n"
        "               licensed: Licence}}\n"
        "  - {name: usage, kind: usage, path: 'usage/usage_*.csv',\n"
        "     csv: {delimiter: ';', encoding: utf-8-sig, decimal: ','},\n"
        "     columns: {ts: Date, user: Utilisateur, action: Action, outcome: Statut,\n"
        "               duration_ms: Durée (ms)},\n"
        "     values: {outcome: {OK: ok, Erreur: error}}}\n",
        encoding="utf-8",
    )
    return written


def generate_feedback(out: Path, scale: Scale, end: dt.date) -> tuple[int, int]:
    """Add survey answers and support tickets to the company under ``out`` (written by
    ``generate``), in the demo's formats (Google Forms and Jira CSV) with the demo's comment and
    ticket texts, at the scale of ``scale.people``: two survey rounds in the last 90 days, about
    half the people answering and a third of them commenting; about 0.6 tickets a person over
    120 days. Appends their sources to ``hypercare.yaml``; returns (answers, tickets)."""
    from hypercare.demo import feedback as demo

    rng = random.Random(scale.seed + 1)
    comments = [text for _, (_, texts) in demo._THEMES.items() for text in texts]
    people = [(f"P{i:05d}", f"Équipe {i % scale.teams:02d}") for i in range(scale.people)]
    answers = []
    for round_name, days_ago in (("J+30", 80), ("J+90", 20)):
        for matricule, team in people:
            if rng.random() > 0.5:
                continue
            day = end - dt.timedelta(days=days_ago - rng.randint(0, 10))
            when = dt.datetime.combine(day, dt.time(rng.randint(8, 18), rng.randrange(60)))
            usability = rng.uniform(0.3, 0.9)
            sus = [
                demo.LIKERT[
                    max(
                        0,
                        min(
                            4,
                            round(
                                4 * (usability if i % 2 == 0 else 1 - usability) + rng.gauss(0, 0.6)
                            ),
                        ),
                    )
                ]
                for i in range(10)
            ]
            comment = rng.choice(comments) if rng.random() < 0.33 else ""
            answers.append(
                (
                    when,
                    [
                        when.strftime("%d/%m/%Y %H:%M:%S"),
                        f"{matricule.lower()}@example.fr",
                        team,
                        round_name,
                        str(max(0, min(10, round(rng.gauss(7, 2))))),
                        *sus,
                        comment,
                    ],
                )
            )
    answers.sort(key=lambda a: a[0])
    (out / "surveys").mkdir(exist_ok=True)
    with open(out / demo.SURVEY_PATH, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\r\n")
        writer.writerow(demo.SURVEY_HEADER)
        writer.writerows(row for _, row in answers)
    tickets = []
    kinds = demo._TICKETS
    for number in range(int(scale.people * 0.6)):
        _, summary, priority, component, description, _, _ = kinds[rng.randrange(len(kinds))]
        matricule, team = people[rng.randrange(len(people))]
        created = dt.datetime.combine(
            end - dt.timedelta(days=rng.randint(1, 120)), dt.time(rng.randint(8, 17), 0)
        )
        resolved = (
            demo._jira_date(created + dt.timedelta(hours=rng.randint(2, 200)))
            if rng.random() < 0.7
            else ""
        )
        tickets.append(
            [
                summary,
                f"FACT-{1000 + number}",
                str(20000 + number),
                "Bug",
                "Done" if resolved else "In Progress",
                priority,
                f"{matricule.lower()}@example.fr",
                demo._jira_date(created),
                resolved,
                component,
                team,
                description,
            ]
        )
    (out / "tickets").mkdir(exist_ok=True)
    with open(out / demo.TICKETS_PATH, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(demo.JIRA_HEADER)
        writer.writerows(tickets)
    questions = "\n".join(f'            - "{item}"' for item in demo.SUS_ITEMS)
    with open(out / "hypercare.yaml", "a", encoding="utf-8") as handle:
        handle.write(
            f"""  - name: pulse
    kind: survey
    format: google-forms
    path: {demo.SURVEY_PATH}
    columns: {{team: Service, round: Campagne}}
    questions:
      nps: "{demo.NPS_QUESTION}"
      sus:
{questions}
      comment: ["{demo.COMMENT_QUESTION}"]
  - name: jira
    kind: tickets
    format: jira-csv
    path: {demo.TICKETS_PATH}
"""
        )
    return len(answers), len(tickets)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--people", type=int, default=Scale.people)
    parser.add_argument("--teams", type=int, default=Scale.teams)
    parser.add_argument("--days", type=int, default=Scale.days)
    parser.add_argument("--events-per-day", type=int, default=Scale.events_per_day)
    parser.add_argument("--days-per-file", type=int, default=Scale.days_per_file)
    parser.add_argument("--seed", type=int, default=Scale.seed)
    args = parser.parse_args()
    scale = Scale(
        args.people, args.teams, args.days, args.events_per_day, args.days_per_file, args.seed
    )
    rows = generate(args.out, scale)
    print(f"wrote {rows} usage rows under {args.out}")


if __name__ == "__main__":
    main()
