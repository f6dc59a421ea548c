"""Preset `zendesk-incremental`: Zendesk's cursor-based incremental ticket export.

``GET https://{subdomain}.zendesk.com/api/v2/incremental/tickets/cursor.json`` returns
``{"tickets": [...], "after_url", "after_cursor", "end_of_stream", "metric_sets": [...]}``
(``metric_sets`` with ``include=metric_sets``). The first run sends ``start_time`` (Unix seconds,
``cursor.start``, default 0: everything); pages follow ``after_url`` until ``end_of_stream`` is
true; the last page's ``after_cursor`` is kept as the source's cursor and the next run starts
there (``cursor=…``). Each ticket is mapped like `zendesk-csv`: ``ref`` = ``id``, ``module`` =
``type``, ``team`` = ``group_id``, ``reporter`` = ``requester_id``, ``resolved_at`` = the metric
set's ``solved_at``, ``first_response_minutes`` = its ``reply_time_in_minutes.calendar``. A ticket
exported again after a change replaces its earlier version.
"""

from __future__ import annotations

from typing import Any

from collectors.formats import Format
from collectors.pull.source import PRESET_KEYS_WITH_CURSOR, as_text, flatten, preset_options

DERIVED = (
    "ref",
    "subject",
    "description",
    "priority",
    "status",
    "module",
    "team",
    "reporter",
    "created_at",
    "resolved_at",
    "first_response_minutes",
)


def _metrics(body: Any) -> dict[str, dict]:
    sets = body.get("metric_sets") if isinstance(body, dict) else None
    found: dict[str, dict] = {}
    for item in sets or []:
        if isinstance(item, dict) and item.get("ticket_id") is not None:
            found[str(item["ticket_id"])] = item
    return found


def rows(record: dict, body: Any) -> list[dict[str, str]]:
    """One ticket, with its metric set when the page sideloads it."""
    metrics = _metrics(body).get(str(record.get("id")), {})
    reply = metrics.get("reply_time_in_minutes") or {}
    row = flatten({k: v for k, v in record.items() if not isinstance(v, list)})
    row.update(
        ref=as_text(record.get("id")),
        subject=as_text(record.get("subject") or record.get("raw_subject")),
        description=as_text(record.get("description")),
        priority=as_text(record.get("priority")),
        status=as_text(record.get("status")),
        module=as_text(record.get("type")),
        team=as_text(record.get("group_id") or record.get("organization_id")),
        reporter=as_text(record.get("requester_id")),
        created_at=as_text(record.get("created_at")),
        resolved_at=as_text(metrics.get("solved_at")),
        first_response_minutes=as_text(reply.get("calendar") if isinstance(reply, dict) else None),
    )
    return [row]


check = preset_options(
    {
        "records": "tickets",
        "params": {"include": "metric_sets", "per_page": "1000"},
        "pagination": {"style": "next-url", "field": "after_url", "stop_field": "end_of_stream"},
        "cursor": {
            "token_field": "after_cursor",
            "token_param": "cursor",
            "param": "start_time",
            "start": "0",
            "format": "epoch",
        },
    },
    transform="collectors.pull.zendesk_incremental:rows",
    header=DERIVED,
)

FORMAT = Format(
    "zendesk-incremental",
    "collectors.pull.zendesk_incremental",
    "Zendesk incremental ticket export (cursor-based API): tickets with their metrics",
    defaults={"tickets": {name: name for name in DERIVED}},
    decimal=".",
    files=False,
    pull="collectors.pull.source:pull",
    option_keys=PRESET_KEYS_WITH_CURSOR,
    options="collectors.pull.zendesk_incremental:check",
)
