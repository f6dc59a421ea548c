"""Preset `google-workspace`: Google Workspace Admin SDK Reports API, ``activities.list``.

``GET https://admin.googleapis.com/admin/reports/v1/activity/users/all/applications/{app}``
(``login``, ``drive``, ``calendar``, ``meet``, ``admin``…) returns ``{"items": [...],
"nextPageToken": …}``, newest first; each activity has ``id.time``, ``id.uniqueQualifier``,
``id.applicationName``, ``actor.email`` and a list of ``events`` (``type``, ``name``,
``parameters``). Each event becomes one usage event: ``ts`` = ``id.time``, ``user`` =
``actor.email`` (``actor.profileId`` when there is no e-mail), ``feature`` = the application,
``action`` = the event's name, ``event_id`` = ``<uniqueQualifier>|<event index>``. ``items`` is
absent when there is no activity. The cursor is ``id.time``, sent as ``startTime`` (RFC 3339):
the next run asks for what happened since the newest activity read, inclusive.
"""

from __future__ import annotations

from typing import Any

from collectors.formats import Format
from collectors.pull.source import ERROR, PRESET_KEYS_WITH_CURSOR, as_text, flatten, preset_options

DERIVED = ("ts", "user", "feature", "action", "event_id")
DEFAULT_URL = "https://admin.googleapis.com/admin/reports/v1/activity/users/all/applications/login"


def rows(record: dict, body: Any) -> list[dict[str, str]]:
    """One row per event of an activity."""
    ident = record.get("id") or {}
    actor = record.get("actor") or {}
    base = flatten({k: v for k, v in record.items() if k != "events"})
    user = as_text(actor.get("email") or actor.get("profileId"))
    events = record.get("events")
    if not isinstance(events, list) or not events:
        return [{ERROR: "the activity has no events"}]
    out = []
    for index, event in enumerate(events):
        if not isinstance(event, dict):
            out.append({ERROR: f"events[{index}] is not an object"})
            continue
        row = dict(base)
        row.update(
            ts=as_text(ident.get("time")),
            user=user,
            feature=as_text(ident.get("applicationName")),
            action=as_text(event.get("name")),
            event_id=f"{as_text(ident.get('uniqueQualifier'))}|{index}",
        )
        row["event.type"] = as_text(event.get("type"))
        for parameter in event.get("parameters") or []:
            if isinstance(parameter, dict) and parameter.get("name"):
                value = next(
                    (
                        parameter[k]
                        for k in ("value", "intValue", "boolValue", "multiValue")
                        if k in parameter
                    ),
                    None,
                )
                row[f"event.parameters.{parameter['name']}"] = as_text(value)
        out.append(row)
    return out


check = preset_options(
    {
        "url": DEFAULT_URL,
        "records": "items",
        "params": {"maxResults": "1000"},
        "pagination": {"style": "cursor", "field": "nextPageToken", "param": "pageToken"},
        "cursor": {"field": "ts", "param": "startTime", "format": "iso"},
    },
    transform="collectors.pull.google_workspace:rows",
    header=DERIVED,
    records_optional=True,
)

FORMAT = Format(
    "google-workspace",
    "collectors.pull.google_workspace",
    "Google Workspace Admin SDK Reports API: login and application activity events",
    defaults={"usage": {name: name for name in DERIVED}},
    decimal=".",
    files=False,
    pull="collectors.pull.source:pull",
    option_keys=PRESET_KEYS_WITH_CURSOR,
    options="collectors.pull.google_workspace:check",
)
