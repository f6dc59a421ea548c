"""Roster: who is licensed, in which team and wave, and when they go live.

A roster file is a snapshot: each row creates or updates a person (keyed by the pseudonymized
``user``); a row identical to what the store holds counts as a duplicate. An ``email`` column adds
an alias so that logs keyed by e-mail join the same person.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from collectors.base import (
    CollectContext,
    Field,
    RowError,
    WriteResult,
    fields_of,
    first_in_file,
    stable_hash,
)
from collectors.readers import RawRow
from metrics import rollups
from metrics.store.models import Person, PersonAlias

NOT_IN_ROSTER = "(not in roster)"


class RosterKind:
    name = "roster"
    fields = fields_of(
        Field("user", "id", required=True, help="identifier of the person (matricule, login)"),
        Field("team", "text", required=True, help="team or department", max_length=200),
        Field("wave", "text", help="rollout wave", max_length=200),
        Field("go_live", "date", help="the person's go-live date"),
        Field("licensed", "bool", help="holds a seat (default: yes)"),
        Field("ambassador", "bool", help="is the team's ambassador (default: no)"),
        Field("email", "id", help="e-mail, joined to the person when logs use it"),
        Field(
            "name",
            "text",
            help="display name, stored only without pseudonymization",
            max_length=200,
        ),
    )

    def finish_record(
        self, record: dict[str, Any], ctx: CollectContext, row: RawRow
    ) -> dict[str, Any]:
        if record["team"] == NOT_IN_ROSTER:
            raise RowError("validate", f"team {NOT_IN_ROSTER!r} is reserved")
        if record["licensed"] is None:
            record["licensed"] = True
        if record["ambassador"] is None:
            record["ambassador"] = False
        privacy = ctx.config.privacy
        if privacy.pseudonymize and not privacy.individual_views:
            record["name"] = None  # a name is kept only where lists of people are allowed
        record["row_hash"] = stable_hash(
            record["team"],
            record["wave"],
            record["go_live"],
            record["licensed"],
            record["ambassador"],
            record["email"],
            record["name"],
        )
        return record

    def write(
        self, session: Session, ctx: CollectContext, items: list[tuple[RawRow, dict[str, Any]]]
    ) -> WriteResult:
        result = WriteResult()
        keys = [record["user"] for _, record in items]
        existing = {
            p.person_key: p
            for p in session.scalars(select(Person).where(Person.person_key.in_(keys)))
        }
        now = dt.datetime.now(dt.UTC)
        for row, record in items:
            key = record["user"]
            conflict = (
                "this person is already listed at line {line} with other values; "
                "keep one line per person"
            )
            if not first_in_file(ctx, key, row, record["row_hash"], result, conflict):
                continue
            person = existing.get(key)
            if person is not None and person.row_hash == record["row_hash"]:
                result.duplicates += 1
                continue
            values = {
                "source": ctx.source.name,
                "team": record["team"],
                "wave": record["wave"],
                "go_live": record["go_live"],
                "licensed": record["licensed"],
                "ambassador": record["ambassador"],
                "display_name": record["name"],
                "row_hash": record["row_hash"],
                "updated_at": now,
            }
            if person is None:
                session.add(Person(person_key=key, **values))
            else:
                for name, value in values.items():
                    setattr(person, name, value)
            if record["email"]:
                alias = session.get(PersonAlias, record["email"])
                if alias is None:
                    session.add(PersonAlias(alias_key=record["email"], person_key=key))
                    ctx.roster_changed = True
                elif alias.person_key != key:
                    alias.person_key = key
                    ctx.roster_changed = True
            result.accepted += 1
        session.flush()
        return result

    def after_file(self, session: Session, ctx: CollectContext) -> None:
        if ctx.roster_changed:
            rollups.refresh_all(session)
            ctx.roster_changed = False
