"""Preset `sentry-events`: a Sentry project's error events, mapped to the errors kind.

``GET https://sentry.io/api/0/projects/{organization}/{project}/events/`` returns a JSON list of
events (``eventID``, ``dateCreated``, ``title``, ``message``, ``culprit``, ``tags`` as
``[{"key", "value"}]``, ``user``), paged by the ``Link`` header (``rel="next"``; a link with
``results="false"`` is the end). Each event becomes one error entry: ``ts`` = ``dateCreated``,
``level`` = its ``level`` tag (``error`` when absent), ``module`` = its ``transaction`` tag, else
``culprit``, else ``logger``, ``message`` = ``title`` (else ``message``), ``user`` = the user's
e-mail, id or username, ``event_id`` = ``eventID``. Tags are columns ``tags.<key>``. The cursor
is ``dateCreated``, sent as ``start`` with ``end`` = now (ISO 8601), inclusive.
"""

from __future__ import annotations

from typing import Any

from collectors.formats import Format
from collectors.pull.source import PRESET_KEYS_WITH_CURSOR, as_text, flatten, preset_options

DERIVED = ("ts", "level", "module", "message", "user", "event_id")


def rows(record: dict, body: Any) -> list[dict[str, str]]:
    """One error entry per event."""
    tags = {
        str(t.get("key")): as_text(t.get("value"))
        for t in record.get("tags") or []
        if isinstance(t, dict) and t.get("key")
    }
    user = record.get("user") or {}
    if not isinstance(user, dict):
        user = {}
    row = flatten({k: v for k, v in record.items() if k not in ("tags", "entries")})
    row.update({f"tags.{k}": v for k, v in tags.items()})
    row.update(
        ts=as_text(record.get("dateCreated")),
        level=tags.get("level") or "error",
        module=tags.get("transaction") or as_text(record.get("culprit")) or tags.get("logger", ""),
        message=as_text(record.get("title") or record.get("message")),
        user=as_text(user.get("email") or user.get("id") or user.get("username")),
        event_id=as_text(record.get("eventID") or record.get("id")),
    )
    return [row]


check = preset_options(
    {
        "records": "",
        "pagination": {"style": "link-header"},
        "cursor": {"field": "ts", "param": "start", "until_param": "end", "format": "iso"},
    },
    transform="collectors.pull.sentry:rows",
    header=DERIVED,
)

FORMAT = Format(
    "sentry-events",
    "collectors.pull.sentry",
    "Sentry: a project's error events (REST API, Link-header pages)",
    defaults={"errors": {name: name for name in DERIVED}},
    decimal=".",
    files=False,
    pull="collectors.pull.source:pull",
    option_keys=PRESET_KEYS_WITH_CURSOR,
    options="collectors.pull.sentry:check",
)
