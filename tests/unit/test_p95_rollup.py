"""The 95th percentile of durations read from the daily rollup's duration texts equals the one
worked out event by event (SQLite and PostgreSQL); test_store.py checks that the migration adding
those texts fills them from the stored events."""

import datetime as dt
import math
import random
from collections import defaultdict

import pytest
from sqlalchemy import select

from collectors.run import collect
from hypercare.config import load_config
from metrics import compute
from metrics.scopes import ALL, Scope, publishable_population
from metrics.store import open_store
from metrics.store.models import Person, PersonAlias, UsageEvent

AS_OF = dt.date(2026, 6, 30)
TEAMS = {"A": 6, "B": 5, "C": 2}  # C is below min_group_size 3: its people count nowhere


def _company(seed: int) -> tuple[str, str]:
    rng = random.Random(seed)
    roster = ["matricule;email;team;wave"]
    users = []
    for team, size in TEAMS.items():
        for i in range(size):
            key = f"{team}{i}"
            roster.append(f"{key};{key.lower()}@example.fr;{team};{'w1' if i % 2 else 'w2'}")
            users += [key, f"{key.lower()}@example.fr"]  # logged by matricule or by e-mail
    users += ["outsider1", "outsider2"]  # not in the roster: they count in all only
    usage = ["ts;user;feature;action;duration_ms"]
    features = ["factures", "devis", "relances", ""]
    for _ in range(1500):
        day = AS_OF - dt.timedelta(days=rng.randrange(0, 40))  # some outside the 30 days
        shape = rng.random()
        if shape < 0.1:
            duration = ""  # no duration: counts in no p95
        elif shape < 0.5:
            duration = repr(rng.uniform(0, 5000))  # 17 significant digits
        elif shape < 0.6:
            duration = repr(0.1 + 0.2 * rng.randrange(1, 9))  # not exact in 15 digits
        else:
            duration = str(rng.randrange(1, 20000))
        feature = rng.choice(features)
        usage.append(
            f"{day.isoformat()} {rng.randrange(8, 18):02d}:{rng.randrange(60):02d}:"
            f"{rng.randrange(60):02d};{rng.choice(users)};{feature};{feature}.x;{duration}"
        )
    return "\n".join(roster) + "\n", "\n".join(usage) + "\n"


def _by_hand(session, population) -> dict[Scope, float]:
    """Nearest rank, event by event: rank ⌈0.95 × n⌉ of the sorted durations."""
    aliases = dict(session.execute(select(PersonAlias.alias_key, PersonAlias.person_key)).all())
    people = {
        key: (team, wave)
        for key, team, wave in session.execute(
            select(Person.person_key, Person.team, Person.wave).where(population.people_filter())
        )
    }
    roster = set(session.scalars(select(Person.person_key)))
    found: dict[Scope, list[float]] = defaultdict(list)
    for user, feature, duration in session.execute(
        select(UsageEvent.user_key, UsageEvent.feature, UsageEvent.duration_ms).where(
            UsageEvent.day >= AS_OF - dt.timedelta(days=29), UsageEvent.day <= AS_OF
        )
    ):
        if duration is None:
            continue
        person = aliases.get(user, user)
        if person in roster and person not in people:
            continue  # a suppressed team's person
        scopes = [ALL]
        if person in people:
            team, wave = people[person]
            scopes += [Scope("team", team), Scope("wave", wave)]
        if feature:
            scopes.append(Scope("feature", feature))
        for scope in scopes:
            found[scope].append(duration)
    return {
        scope: sorted(values)[math.ceil(0.95 * len(values)) - 1] for scope, values in found.items()
    }


@pytest.mark.parametrize("seed", [1, 2])
def test_p95_from_the_rollup_equals_the_events(store_url, make_config, write, seed):
    roster, usage = _company(seed)
    write("roster.csv", roster)
    write("usage.csv", usage)
    config = load_config(
        make_config(
            """
            privacy: {min_group_size: 3}
            sources:
              - {name: r, kind: roster, path: roster.csv,
                 columns: {user: matricule, email: email, team: team, wave: wave}}
              - {name: u, kind: usage, path: usage.csv}
            """,
            store=store_url,
        )
    )
    store = open_store(config.store_url)
    try:
        collect(config, store)
        with store.session() as session:
            population = publishable_population(session, 3)
            assert population.suppressed  # team C is left out
            expected = _by_hand(session, population)
            snap = compute.snapshot(session, compute.Settings(min_group_size=3), AS_OF)
        got = {
            scope: values["p95_duration_ms"]
            for scope, values in snap.items()
            if values["p95_duration_ms"] is not None
        }
        # feature scopes used by fewer than 3 people are not in the snapshot; every other is
        assert {s: v for s, v in expected.items() if s in snap} == got
        assert {Scope("team", "A"), Scope("team", "B"), ALL} <= set(got)
        assert any(s.kind == "feature" for s in got)
    finally:
        store.dispose()
