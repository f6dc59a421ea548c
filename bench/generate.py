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
