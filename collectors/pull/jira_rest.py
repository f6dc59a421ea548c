"""Preset `jira-rest`: Jira issues from the REST API, mapped to tickets like `jira-csv`.

Two endpoints, told apart by the URL:

- Jira Cloud ``GET /rest/api/3/search/jql``: ``{"issues": [...], "nextPageToken": …,
  "isLast": …}``, the token sent back as ``nextPageToken``;
- ``GET /rest/api/2/search`` (Server / Data Center, and older Cloud): ``{"startAt", "maxResults",
  "total", "issues"}``, paged by ``startAt`` / ``maxResults``.

Each issue (``key``, ``fields.summary``, ``fields.status.name``, ``fields.priority.name``,
``fields.components[].name``, ``fields.reporter``, ``fields.created``, ``fields.resolutiondate``,
``fields.description`` as text or as an Atlassian Document) becomes one ticket. The query is
``params.jql`` (any JQL; its ``ORDER BY`` is replaced); the cursor is the largest
``fields.updated`` read, added to the JQL as ``updated >= "yyyy/MM/dd HH:mm"`` (minutes, in the
offset Jira wrote it with, so inclusive) and ordered by ``updated``.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

from collectors.formats import Format
from collectors.pull.source import (
    PRESET_KEYS,
    HttpOptions,
    Pagination,
    as_text,
    check_options,
    flatten,
    parse_moment,
)

DERIVED = (
    "ref",
    "subject",
    "description",
    "priority",
    "status",
    "module",
    "reporter",
    "created_at",
    "resolved_at",
    "updated",
)
FIELDS = "summary,status,priority,created,updated,resolutiondate,components,reporter,description"
_ORDER = re.compile(r"\s+order\s+by\s+.*$", re.IGNORECASE | re.DOTALL)


def adf_text(node: Any) -> str:
    """The text of an Atlassian Document Format node (a v3 description), paragraphs on lines."""
    if isinstance(node, str):
        return node
    if not isinstance(node, dict):
        return ""
    if node.get("type") == "text":
        return str(node.get("text") or "")
    parts = [adf_text(child) for child in node.get("content") or []]
    if node.get("type") in ("doc", "bulletList", "orderedList", "listItem", "blockquote"):
        return "\n".join(p.strip() for p in parts if p.strip())  # one block a line
    return "".join(parts)


def rows(record: dict, body: Any) -> list[dict[str, str]]:
    """One ticket per issue."""
    fields = record.get("fields") or {}
    reporter = fields.get("reporter") or {}
    components = fields.get("components") or []
    row = flatten({k: v for k, v in record.items() if k != "fields"})
    row.update(
        ref=as_text(record.get("key")),
        subject=as_text(fields.get("summary")),
        description=adf_text(fields.get("description")),
        priority=as_text((fields.get("priority") or {}).get("name")),
        status=as_text((fields.get("status") or {}).get("name")),
        module=", ".join(as_text(c.get("name")) for c in components if isinstance(c, dict)),
        reporter=as_text(
            reporter.get("accountId") or reporter.get("emailAddress") or reporter.get("name")
        ),
        created_at=as_text(fields.get("created")),
        resolved_at=as_text(fields.get("resolutiondate")),
        updated=as_text(fields.get("updated")),
    )
    return [row]


def cursor_params(
    options: HttpOptions, params: dict[str, Any], value: str | None, stored: bool
) -> tuple[dict[str, Any], str]:
    """The JQL with ``updated >= "…"`` from the watermark, ordered by ``updated``."""
    base = _ORDER.sub("", str(params.get("jql") or "")).strip()
    clauses = [f"({base})"] if base else []
    since = "from the start"
    moment = parse_moment(value) if value else None
    if moment is not None:
        mark = moment.strftime("%Y/%m/%d %H:%M")
        clauses.append(f'updated >= "{mark}"')
        since = f"updated >= {mark}"
    elif not clauses:
        clauses.append('updated >= "1970/01/01 00:00"')  # /search/jql wants a bounded query
    params = {**params, "jql": " AND ".join(clauses) + " ORDER BY updated ASC"}
    return params, since


def check(chk: Any, raw: dict, key: str) -> HttpOptions:
    options = check_options(
        chk,
        raw,
        key,
        {
            "records": "issues",
            "params": {"fields": FIELDS, "maxResults": "100"},
            "cursor": {"field": "updated"},
        },
    )
    if options.url.rstrip("/").endswith("/search/jql"):
        pagination = Pagination(
            style="cursor", field="nextPageToken", param="nextPageToken", stop_field="isLast"
        )
    else:
        limit = int(str(options.params.get("maxResults", "100")) or 100)
        pagination = Pagination(
            style="offset",
            offset_param="startAt",
            limit_param="maxResults",
            limit=limit,
            total_field="total",
        )
    return replace(
        options,
        pagination=pagination,
        transform="collectors.pull.jira_rest:rows",
        header=DERIVED,
        cursor_params="collectors.pull.jira_rest:cursor_params",
    )


FORMAT = Format(
    "jira-rest",
    "collectors.pull.jira_rest",
    "Jira REST API search (Cloud /rest/api/3/search/jql or /rest/api/2/search): tickets",
    defaults={"tickets": {name: name for name in DERIVED if name != "updated"}},
    dayfirst_hints={"ref": False},
    decimal=".",
    files=False,
    pull="collectors.pull.source:pull",
    option_keys=PRESET_KEYS,
    options="collectors.pull.jira_rest:check",
)
