"""Raw export files of a demo company, six months into the rollout of a new SaaS.

"Dubois Équipements" is a fictional French SME (about 120 people, 6 teams) that moved its
invoicing and accounting to a new SaaS in three rollout waves. :func:`write_demo_company`
writes, for a given ``today``, the files a hypercare team would receive from it:

* ``annuaire.csv``: the HR roster (one row per person, with team, wave, go-live date,
  licence and ambassador flags);
* ``usage/usage_YYYY-MM.csv``: one usage-log export per calendar month, from the month of
  the pilot go-live to the month of ``today``.

All files use the French Excel dialect: ``;`` separator, UTF-8 with BOM, CRLF line endings,
decimal comma and ``dd/mm/yyyy`` dates. Timestamps are naive local times (Europe/Paris).

The data is built so that adoption differs by team in a way a manager would notice:
Comptabilité and ADV adopt fast, Commercial follows a slow S-curve, Logistique struggles
(fewer weekly active users, more errors), Achats is in between and Direction is too small
to be shown under privacy rules. A few malformed rows, one exact duplicate and a handful of
events from users who are not in the roster are included on purpose, so that the
quarantine and the "not in roster" bucket have something to show.

This module only writes files; the real collectors load them.
"""

from __future__ import annotations

import calendar
import csv
import datetime as dt
import math
import random
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "COMPANY_NAME",
    "ROSTER_HEADER",
    "USAGE_HEADER",
    "WAVE_OFFSETS_DAYS",
    "DemoFiles",
    "write_demo_company",
]

COMPANY_NAME = "Dubois Équipements"
EMAIL_DOMAIN = "dubois-equipements.fr"

ROSTER_FILENAME = "annuaire.csv"
USAGE_DIRNAME = "usage"
ROSTER_HEADER: tuple[str, ...] = (
    "Matricule",
    "Nom",
    "E-mail",
    "Service",
    "Vague",
    "Mise en service",
    "Licence",
    "Ambassadeur",
)
USAGE_HEADER: tuple[str, ...] = (
    "Date",
    "Utilisateur",
    "Module",
    "Action",
    "Statut",
    "Durée (ms)",
)

DATE_FORMAT = "%d/%m/%Y"
DATETIME_FORMAT = "%d/%m/%Y %H:%M:%S"
ENCODING = "utf-8-sig"
DELIMITER = ";"
YES, NO = "Oui", "Non"
STATUS_OK, STATUS_ERROR = "OK", "Erreur"
UNKNOWN_STATUS = "Peut-être"

#: Go-live of each rollout wave, in days before ``today``.
WAVE_OFFSETS_DAYS: dict[str, int] = {"pilote": 182, "vague 1": 140, "vague 2": 90}

_EMAIL_SHARE = 0.10  # share of usage rows that identify the user by e-mail
_LATE_GO_LIVES = 3  # people whose personal go-live is a few days after their wave's
_EXTERNAL_USERS = ("EXT001", "EXT002")  # integrator consultants, not in the roster
_EVENTS_PER_EXTERNAL_USER = 15
_DAY_START_S = 7 * 3600
_DAY_END_S = 20 * 3600
_TODAY_END_S = 12 * 3600  # today's export stops at noon

# Hour of day -> relative weight (morning and afternoon peaks, lunch dip).
_HOUR_WEIGHTS: dict[int, int] = {
    7: 2,
    8: 6,
    9: 10,
    10: 11,
    11: 9,
    12: 3,
    13: 5,
    14: 9,
    15: 10,
    16: 9,
    17: 6,
    18: 3,
    19: 1,
}

# Module -> ((action, weight), ...); the action is written as "module.verb".
_ACTIONS: dict[str, tuple[tuple[str, int], ...]] = {
    "invoice": (("create", 40), ("update", 25), ("send", 25), ("cancel", 5)),
    "quote": (("create", 45), ("update", 25), ("send", 20), ("convert", 10)),
    "payment": (("record", 70), ("reconcile", 30)),
    "customer": (("create", 30), ("update", 70)),
    "report": (("view", 75), ("export", 25)),
    "settings": (("update", 1),),
}

# Median duration (ms) of each action; durations are log-normal around it.
_MEDIAN_MS: dict[str, float] = {
    "invoice.create": 1200.0,
    "invoice.update": 800.0,
    "invoice.send": 2000.0,
    "invoice.cancel": 700.0,
    "quote.create": 1100.0,
    "quote.update": 700.0,
    "quote.send": 1800.0,
    "quote.convert": 1500.0,
    "payment.record": 600.0,
    "payment.reconcile": 2500.0,
    "customer.create": 900.0,
    "customer.update": 500.0,
    "report.view": 1600.0,
    "report.export": 4500.0,
    "settings.update": 400.0,
}


@dataclass(frozen=True)
class DemoFiles:
    """Paths and counts of the files written by :func:`write_demo_company`."""

    roster: Path
    """The roster CSV (``annuaire.csv``)."""
    usage: list[Path]
    """One usage CSV per calendar month, oldest first."""
    people: int
    """Number of roster rows written (all of them valid)."""
    bad_usage_rows: int
    """Number of deliberately malformed usage data rows (the exact duplicate not included)."""


@dataclass(frozen=True)
class _TeamProfile:
    """How one team adopts the tool."""

    name: str
    wave: str
    licensed: int
    unlicensed: int
    never: int  # licensed people who never start
    occasional: int  # licensed people who only use the tool now and then
    regular_p: tuple[float, float]  # daily activity probability (working days), regular users
    occasional_p: tuple[float, float]  # same, occasional users
    start: tuple[float, float]  # start delay after go-live: logistic (midpoint, scale), days
    error_rate: float
    modules: tuple[tuple[str, int], ...]


_TEAMS: tuple[_TeamProfile, ...] = (
    _TeamProfile(
        name="Comptabilité",
        wave="pilote",
        licensed=18,
        unlicensed=0,
        never=1,
        occasional=0,
        regular_p=(0.7, 0.95),
        occasional_p=(0.02, 0.05),
        start=(3.0, 2.0),
        error_rate=0.03,
        modules=(
            ("invoice", 30),
            ("payment", 30),
            ("report", 20),
            ("customer", 12),
            ("quote", 3),
            ("settings", 5),
        ),
    ),
    _TeamProfile(
        name="ADV",
        wave="pilote",
        licensed=22,
        unlicensed=1,
        never=1,
        occasional=1,
        regular_p=(0.7, 0.95),
        occasional_p=(0.02, 0.05),
        start=(3.0, 2.0),
        error_rate=0.03,
        modules=(
            ("invoice", 35),
            ("quote", 25),
            ("customer", 25),
            ("report", 8),
            ("payment", 5),
            ("settings", 2),
        ),
    ),
    _TeamProfile(
        name="Commercial",
        wave="vague 1",
        licensed=30,
        unlicensed=1,
        never=5,
        occasional=5,
        regular_p=(0.55, 0.85),
        occasional_p=(0.02, 0.05),
        start=(50.0, 14.0),
        error_rate=0.03,
        modules=(
            ("quote", 45),
            ("customer", 35),
            ("report", 12),
            ("invoice", 6),
            ("settings", 2),
        ),
    ),
    _TeamProfile(
        name="Logistique",
        wave="vague 2",
        licensed=25,
        unlicensed=2,
        never=3,
        occasional=8,
        regular_p=(0.45, 0.75),
        occasional_p=(0.02, 0.05),
        start=(12.0, 6.0),
        error_rate=0.12,
        modules=(
            ("invoice", 35),
            ("customer", 30),
            ("report", 20),
            ("quote", 10),
            ("settings", 5),
        ),
    ),
    _TeamProfile(
        name="Direction",
        wave="vague 1",
        licensed=4,
        unlicensed=0,
        never=1,
        occasional=2,
        regular_p=(0.25, 0.35),
        occasional_p=(0.05, 0.12),
        start=(10.0, 8.0),
        error_rate=0.03,
        modules=(("report", 80), ("invoice", 10), ("customer", 5), ("settings", 5)),
    ),
    _TeamProfile(
        name="Achats",
        wave="vague 2",
        licensed=15,
        unlicensed=1,
        never=1,
        occasional=2,
        regular_p=(0.6, 0.85),
        occasional_p=(0.02, 0.05),
        start=(7.0, 4.0),
        error_rate=0.03,
        modules=(
            ("payment", 30),
            ("invoice", 30),
            ("report", 20),
            ("customer", 15),
            ("settings", 5),
        ),
    ),
)

_FIRST_NAMES: tuple[str, ...] = (
    "Hélène", "Élodie", "Jérôme", "Françoise", "Gaëlle", "Anaïs", "Noémie", "Loïc",
    "Benoît", "Cédric", "Frédéric", "Clément", "Théo", "Léa", "Chloé", "Zoé",
    "Maëlle", "Agnès", "Sébastien", "Stéphane", "Aurélie", "Mélanie", "Valérie", "Céline",
    "Jean-Pierre", "Marie-Claire", "Anne-Sophie", "Pierre", "Nicolas", "Julien", "Thomas",
    "Camille", "Sophie", "Nathalie", "Isabelle", "Sandrine", "Laurent", "Olivier", "David",
    "Christophe", "Philippe", "Patrick", "Sylvie", "Catherine", "Martine", "Christine",
    "Émilie", "Manon", "Inès", "Lucas", "Hugo", "Louis", "Arthur", "Mathilde", "Pauline",
    "Margaux", "Romain", "Guillaume", "Antoine", "Maxime", "Karim", "Yasmine", "Samir",
    "Fatima", "Mehdi", "Sarah", "Vincent", "Grégory", "Jérémy", "Alexandre", "Bruno",
)  # fmt: skip

_LAST_NAMES: tuple[str, ...] = (
    "Lefèvre", "Martin", "Bernard", "Thomas", "Petit", "Robert", "Richard", "Durand",
    "Leroy", "Moreau", "Simon", "Laurent", "Michel", "Garcia", "David", "Bertrand",
    "Roux", "Vincent", "Fournier", "Morel", "Girard", "André", "Mercier", "Dupont",
    "Lambert", "Bonnet", "François", "Martinez", "Legrand", "Garnier", "Faure", "Rousseau",
    "Blanc", "Guérin", "Muller", "Henry", "Roussel", "Perrin", "Morin", "Mathieu",
    "Gauthier", "Dumont", "Lopez", "Fontaine", "Chevalier", "Robin", "Masson", "Gérard",
    "Nguyen", "Boyer", "Denis", "Lemaire", "Duval", "Joly", "Roche", "Noël",
    "Meyer", "Meunier", "Pérez", "Marchand", "Dufour", "Blanchard", "Barbier", "Brun",
    "Dumas", "Brunet", "Schmitt", "Leroux", "Colin", "Renard", "Arnaud", "Caron",
    "Aubert", "Giraud", "Leclerc", "Vidal", "Bourgeois", "Lemoine", "Picard", "Fabre",
    "Rivière", "Le Gall", "Da Silva", "N'Diaye", "Ménard", "Prévost", "Carré", "Rémy",
    "Benoît", "Lacroix", "Hubert", "Poirier", "Charpentier", "Bouvier", "Besnard", "Texier",
)  # fmt: skip


@dataclass
class _Person:
    """One roster row plus the hidden parameters that drive their usage."""

    name: str
    email: str
    team: _TeamProfile
    go_live: dt.date
    licence: bool
    ambassador: bool = False
    matricule: str = ""
    start: dt.date | None = None  # first day of use (None: never starts)
    p_day: float = 0.0  # activity probability on a working day once ramped up
    intensity: float = 0.0  # mean events per active day


def write_demo_company(directory: Path, today: dt.date, seed: int = 7) -> DemoFiles:
    """Write the roster and monthly usage exports of the demo company into ``directory``.

    Args:
        directory: target folder; created if missing. ``annuaire.csv`` is written there and
            the monthly usage files in its ``usage`` sub-folder. Existing files with the same
            names are overwritten; other files are left alone.
        today: the demo's "today": the pilot went live 182 days before, wave 1 140 days
            before and wave 2 90 days before. Events stop at noon on ``today``.
        seed: seed of the private random generator; the same ``(today, seed)`` always gives
            byte-identical files.

    Returns:
        The written paths and the number of roster rows and of malformed usage rows.
    """
    rng = random.Random(seed)
    directory = Path(directory)
    people = _build_people(rng, today)

    rows_by_month = _usage_rows(rng, people, today)
    bad_rows = _corrupt(rng, rows_by_month, today)

    directory.mkdir(parents=True, exist_ok=True)
    roster_path = directory / ROSTER_FILENAME
    _write_csv(roster_path, ROSTER_HEADER, _roster_rows(people))

    usage_dir = directory / USAGE_DIRNAME
    usage_dir.mkdir(parents=True, exist_ok=True)
    usage_paths: list[Path] = []
    for (year, month), rows in rows_by_month.items():
        path = usage_dir / f"usage_{year:04d}-{month:02d}.csv"
        _write_csv(path, USAGE_HEADER, rows)
        usage_paths.append(path)

    return DemoFiles(
        roster=roster_path,
        usage=usage_paths,
        people=len(people),
        bad_usage_rows=bad_rows,
    )


# --------------------------------------------------------------------------- people


def _build_people(rng: random.Random, today: dt.date) -> list[_Person]:
    """Create the roster with each person's hidden adoption parameters."""
    total = sum(team.licensed + team.unlicensed for team in _TEAMS)
    names = _unique_names(rng, total)
    emails: set[str] = set()
    people: list[_Person] = []
    for team in _TEAMS:
        wave_go_live = today - dt.timedelta(days=WAVE_OFFSETS_DAYS[team.wave])
        kinds = ["never"] * team.never + ["occasional"] * team.occasional
        kinds += ["regular"] * (team.licensed - len(kinds))
        rng.shuffle(kinds)
        ambassador_index = kinds.index("regular")
        for index, kind in enumerate(kinds):
            person = _Person(
                name=(name := names.pop()),
                email=_email(name, emails),
                team=team,
                go_live=wave_go_live,
                licence=True,
                ambassador=index == ambassador_index,
            )
            _set_adoption(rng, person, kind)
            people.append(person)
        for _ in range(team.unlicensed):
            name = names.pop()
            people.append(
                _Person(
                    name=name,
                    email=_email(name, emails),
                    team=team,
                    go_live=wave_go_live,
                    licence=False,
                )
            )

    # A couple of people went live a few days after their wave (back from leave, late laptop).
    candidates = [
        p for p in people if p.licence and not p.ambassador and p.team.name != "Direction"
    ]
    for person in rng.sample(candidates, _LATE_GO_LIVES):
        delay = dt.timedelta(days=rng.randint(3, 10))
        person.go_live += delay
        if person.start is not None:
            person.start += delay

    numbers = rng.sample(range(1, 600), len(people))
    for person, number in zip(people, numbers, strict=True):
        person.matricule = f"DE{number:04d}"
    people.sort(key=lambda p: p.matricule)
    return people


def _set_adoption(rng: random.Random, person: _Person, kind: str) -> None:
    """Draw the start date, daily activity probability and intensity of one licensed person."""
    team = person.team
    if kind == "never":
        return
    midpoint, scale = team.start
    if person.ambassador:
        delay = 0.0
    else:
        u = min(max(rng.random(), 1e-6), 1 - 1e-6)
        delay = max(0.0, midpoint + scale * math.log(u / (1 - u)))
    if kind == "regular":
        low, high = team.regular_p
        person.intensity = rng.uniform(7.0, 14.0)
    else:
        delay += rng.uniform(7.0, 35.0)
        low, high = team.occasional_p
        person.intensity = rng.uniform(2.5, 6.0)
    person.p_day = rng.uniform(low, high)
    if person.ambassador:
        person.p_day = max(person.p_day, high)
    person.start = person.go_live + dt.timedelta(days=round(delay))


def _unique_names(rng: random.Random, count: int) -> list[str]:
    """Draw ``count`` distinct "First Last" names."""
    names: list[str] = []
    seen: set[str] = set()
    while len(names) < count:
        name = f"{rng.choice(_FIRST_NAMES)} {rng.choice(_LAST_NAMES)}"
        if name not in seen:
            seen.add(name)
            names.append(name)
    return names


def _fold(text: str) -> str:
    """Lower-case ASCII form of a name part, for e-mail addresses ("Lefèvre" -> "lefevre")."""
    decomposed = unicodedata.normalize("NFKD", text)
    ascii_text = "".join(c for c in decomposed if not unicodedata.combining(c)).lower()
    return "".join(c for c in ascii_text if c.isascii() and (c.isalnum() or c == "-"))


def _email(name: str, taken: set[str]) -> str:
    """Company e-mail of ``name``, with a numeric suffix on collision."""
    first, last = name.split(" ", 1)
    local = f"{_fold(first)}.{_fold(last)}"
    email, suffix = f"{local}@{EMAIL_DOMAIN}", 2
    while email in taken:
        email, suffix = f"{local}{suffix}@{EMAIL_DOMAIN}", suffix + 1
    taken.add(email)
    return email


def _roster_rows(people: Sequence[_Person]) -> list[list[str]]:
    return [
        [
            p.matricule,
            p.name,
            p.email,
            p.team.name,
            p.team.wave,
            p.go_live.strftime(DATE_FORMAT),
            YES if p.licence else NO,
            YES if p.ambassador else NO,
        ]
        for p in people
    ]


# --------------------------------------------------------------------------- usage


def _french_holidays(year: int) -> set[dt.date]:
    """French public holidays of ``year`` (Whit Monday left out: commonly worked)."""
    easter = _easter(year)
    fixed = [(1, 1), (5, 1), (5, 8), (7, 14), (8, 15), (11, 1), (11, 11), (12, 25)]
    days = {dt.date(year, month, day) for month, day in fixed}
    days.add(easter + dt.timedelta(days=1))  # Easter Monday
    days.add(easter + dt.timedelta(days=39))  # Ascension
    return days


def _easter(year: int) -> dt.date:
    """Easter Sunday (anonymous Gregorian algorithm)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    weekday_shift = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * weekday_shift) // 451
    month, day = divmod(h + weekday_shift - 7 * m + 114, 31)
    return dt.date(year, month, day + 1)


def _day_factor(day: dt.date, holidays: set[dt.date]) -> float:
    """Relative chance of working in the tool on ``day``: weekends and holidays are quiet."""
    if day in holidays:
        return 0.03
    return {5: 0.04, 6: 0.015}.get(day.weekday(), 1.0)


def _months(first: dt.date, last: dt.date) -> list[tuple[int, int]]:
    """Calendar months from ``first``'s to ``last``'s, inclusive."""
    months = []
    year, month = first.year, first.month
    while (year, month) <= (last.year, last.month):
        months.append((year, month))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def _weighted(rng: random.Random, choices: Sequence[tuple[str, int]]) -> str:
    return rng.choices([c for c, _ in choices], weights=[w for _, w in choices])[0]


def _event_fields(
    rng: random.Random, modules: Sequence[tuple[str, int]], error_rate: float
) -> tuple[str, str, str, str]:
    """Module, action, status and formatted duration of one event."""
    module = _weighted(rng, modules)
    action = f"{module}.{_weighted(rng, _ACTIONS[module])}"
    status = STATUS_ERROR if rng.random() < error_rate else STATUS_OK
    median = _MEDIAN_MS[action] * (1.6 if status == STATUS_ERROR else 1.0)
    duration = median * math.exp(rng.gauss(0.0, 0.5))
    return module, action, status, _decimal(duration)


def _decimal(value: float) -> str:
    """One-decimal number with a decimal comma ("1234,5")."""
    return f"{value:.1f}".replace(".", ",")


def _session_seconds(rng: random.Random, count: int, limit: int) -> list[int]:
    """Distinct seconds-of-day of ``count`` events, in a few short sessions before ``limit``."""
    taken: set[int] = set()
    sessions = 1 + (count - 1) // 5
    sizes = [count // sessions + (1 if i < count % sessions else 0) for i in range(sessions)]
    hours = [(h, w) for h, w in _HOUR_WEIGHTS.items() if h * 3600 < limit]
    seconds: list[int] = []
    for size in sizes:
        gaps = [rng.randint(10, 240) for _ in range(size - 1)]
        span = sum(gaps)
        hour = rng.choices([h for h, _ in hours], weights=[w for _, w in hours])[0]
        begin = hour * 3600 + rng.randrange(3600)
        if begin + span >= limit:  # the session would run past the end of the day
            begin = limit - 1 - span - rng.randrange(1800)
        begin = max(_DAY_START_S, begin)
        offsets = [begin]
        for gap in gaps:
            offsets.append(offsets[-1] + gap)
        for second in offsets:
            step = 1
            while second in taken or second >= limit:  # keep (user, timestamp) unique
                if second >= limit:
                    second, step = limit - 1, -1
                else:
                    second += step
            taken.add(second)
            seconds.append(second)
    return seconds


_Row = list[str]
_Keyed = tuple[dt.datetime, str, _Row]


def _usage_rows(
    rng: random.Random, people: Sequence[_Person], today: dt.date
) -> dict[tuple[int, int], list[_Row]]:
    """Simulate every usage event and group the formatted rows by calendar month."""
    pilot = today - dt.timedelta(days=WAVE_OFFSETS_DAYS["pilote"])
    months = _months(pilot, today)
    holidays = set().union(*(_french_holidays(y) for y in range(pilot.year, today.year + 1)))
    keyed: dict[tuple[int, int], list[_Keyed]] = {m: [] for m in months}

    for person in people:
        if not person.licence or person.start is None or person.start > today:
            continue
        day = person.start
        while day <= today:
            since_start = (day - person.start).days
            ramp = min(1.0, 0.4 + 0.6 * since_start / 28)
            p = person.p_day * ramp * _day_factor(day, holidays)
            limit = _DAY_END_S
            if day == today:
                p *= 0.6
                limit = _TODAY_END_S
            if rng.random() < p:
                count = min(15, max(2, round(rng.gauss(person.intensity, 2.5))))
                midnight = dt.datetime.combine(day, dt.time())
                for second in _session_seconds(rng, count, limit):
                    when = midnight + dt.timedelta(seconds=second)
                    user = person.email if rng.random() < _EMAIL_SHARE else person.matricule
                    fields = _event_fields(rng, person.team.modules, person.team.error_rate)
                    row = [when.strftime(DATETIME_FORMAT), user, *fields]
                    keyed[(day.year, day.month)].append((when, user, row))
            day += dt.timedelta(days=1)

    # Integrator consultants who log in now and then but are not employees.
    consultant_modules = (("settings", 50), ("report", 30), ("invoice", 20))
    working_days = [
        pilot + dt.timedelta(days=n)
        for n in range((today - pilot).days)
        if (pilot + dt.timedelta(days=n)).weekday() < 5
    ]
    for user in _EXTERNAL_USERS:
        taken: set[dt.datetime] = set()
        while len(taken) < _EVENTS_PER_EXTERNAL_USER:
            day = rng.choice(working_days)
            when = dt.datetime.combine(day, dt.time(rng.randint(9, 17), rng.randrange(60)))
            when += dt.timedelta(seconds=rng.randrange(60))
            if when in taken:
                continue
            taken.add(when)
            row = [
                when.strftime(DATETIME_FORMAT),
                user,
                *_event_fields(rng, consultant_modules, 0.05),
            ]
            keyed[(day.year, day.month)].append((when, user, row))

    result: dict[tuple[int, int], list[_Row]] = {}
    for month in months:
        entries = sorted(keyed[month], key=lambda entry: (entry[0], entry[1], entry[2]))
        result[month] = [row for _, _, row in entries]
    return result


def _corrupt(
    rng: random.Random, rows_by_month: dict[tuple[int, int], list[_Row]], today: dt.date
) -> int:
    """Insert the deliberately malformed rows and one exact duplicate; return the bad count.

    One file gets a row with a day that does not exist in its month and a row with an empty
    ``Utilisateur``; another gets a row with an unknown ``Statut`` plus a verbatim copy of an
    earlier row. The current (partial) month is left clean when possible. Every row used as
    a template belongs to a roster member, so the "not in roster" count stays exact.
    """

    def employee_row_index(rows: list[_Row]) -> int:
        while True:
            index = rng.randrange(len(rows))
            user = rows[index][1]
            if user and not user.startswith("EXT") and rows[index][4] != UNKNOWN_STATUS:
                return index

    months = [
        m
        for m, rows in rows_by_month.items()
        if any(row[1] and not row[1].startswith("EXT") for row in rows)
    ]
    past = [m for m in months if m != (today.year, today.month)]
    pool = past if len(past) >= 2 else months
    short = [m for m in pool if calendar.monthrange(*m)[1] < 31]
    first = rng.choice(short or pool)
    second = rng.choice([m for m in pool if m != first])

    rows = rows_by_month[first]
    year, month = first
    impossible_day = calendar.monthrange(year, month)[1] + 1
    source = rows[employee_row_index(rows)]
    bad_date = [f"{impossible_day:02d}/{month:02d}/{year} 10:00:00", *source[1:5]]
    bad_date.append(_decimal(rng.uniform(300.0, 3000.0)))
    rows.insert(rng.randrange(len(rows) // 2, len(rows) + 1), bad_date)
    index = employee_row_index(rows)
    while rows[index] is bad_date:
        index = employee_row_index(rows)
    empty_user = [rows[index][0], "", *rows[index][2:5], _decimal(rng.uniform(300.0, 3000.0))]
    rows.insert(index + 1, empty_user)

    rows = rows_by_month[second]
    index = employee_row_index(rows)
    rows.insert(min(len(rows), index + rng.randint(1, 25)), list(rows[index]))
    index = employee_row_index(rows)
    unknown_status = [*rows[index][:4], UNKNOWN_STATUS, _decimal(rng.uniform(300.0, 3000.0))]
    rows.insert(index + 1, unknown_status)
    return 3


def _write_csv(path: Path, header: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
    """Write one file in the French Excel dialect (``;``, UTF-8 with BOM, CRLF)."""
    with path.open("w", encoding=ENCODING, newline="") as handle:
        writer = csv.writer(handle, delimiter=DELIMITER, lineterminator="\r\n")
        writer.writerow(header)
        writer.writerows(rows)
