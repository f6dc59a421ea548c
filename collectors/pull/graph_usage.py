"""Preset `graph-usage`: Microsoft Graph's Microsoft 365 active user detail report as JSON.

``GET /beta/reports/getOffice365ActiveUserDetail(period='D7')?$format=application/json`` returns
``{"value": [...], "@odata.nextLink": …}``: one object per user with ``userPrincipalName`` and one
``<product>LastActivityDate`` per product (``exchangeLastActivityDate``,
``oneDriveLastActivityDate``, ``sharePointLastActivityDate``, ``skypeForBusinessLastActivityDate``,
``yammerLastActivityDate``, ``teamsLastActivityDate``…). As with the CSV of the same report
(``m365-active-users``), each (user, product with a date) becomes one usage event on that day,
with the same ``feature``, ``action`` and ``event_id``, so the CSV and the API agree. The report
is a snapshot of a period: there is no cursor; re-pulling adds only new activity dates.
"""

from __future__ import annotations

import re
from typing import Any

from collectors.formats import Format
from collectors.pull.source import ERROR, PRESET_KEYS, preset_options
from collectors.readers.m365_active_users import PRODUCTS, activity_date, product_slug

DERIVED = ("ts", "user", "feature", "action", "event_id")
_ACTIVITY = re.compile(r"^(?P<product>[a-zA-Z0-9]+)LastActivityDate$")
_WORDS = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
DEFAULT_URL = (
    "https://graph.microsoft.com/beta/reports/"
    "getOffice365ActiveUserDetail(period='D7')?$format=application/json"
)


def product_of(key: str) -> str | None:
    """``skypeForBusinessLastActivityDate`` → ``skype``; None for another key."""
    match = _ACTIVITY.match(key)
    if not match or key == "lastActivityDate":
        return None
    product = match["product"]
    known = {name.replace(" ", ""): slug for name, slug in PRODUCTS.items()}
    return known.get(product.casefold()) or product_slug(_WORDS.sub(" ", product))


def rows(record: dict, body: Any) -> list[dict[str, str]]:
    """One row per product the user was active in; one row naming every problem if any."""
    base = {k: ("" if v is None else str(v)) for k, v in record.items() if not isinstance(v, list)}
    upn = str(record.get("userPrincipalName") or "").strip()
    problems = [] if upn else ["userPrincipalName is empty"]
    out = []
    for key, value in record.items():
        feature = product_of(key)
        if feature is None or value in (None, ""):
            continue
        day = activity_date(str(value))
        if day is None:
            problems.append(f"{key}: {value!r} is not a yyyy-mm-dd date")
            continue
        if not upn:
            continue
        row = dict(base)
        row.update(
            ts=day,
            user=upn,
            feature=feature,
            action=f"{feature}.active",
            event_id=f"{feature}|{day}",
        )
        out.append(row)
    if problems:
        out.insert(0, {ERROR: "; ".join(problems)})
    return out


check = preset_options(
    {
        "url": DEFAULT_URL,
        "records": "value",
        "pagination": {"style": "next-url", "field": "@odata.nextLink"},
    },
    transform="collectors.pull.graph_usage:rows",
    header=DERIVED,
)

FORMAT = Format(
    "graph-usage",
    "collectors.pull.graph_usage",
    "Microsoft Graph: Microsoft 365 active user detail report (JSON), one event per product",
    defaults={"usage": {name: name for name in DERIVED}},
    decimal=".",
    files=False,
    pull="collectors.pull.source:pull",
    option_keys=PRESET_KEYS,
    options="collectors.pull.graph_usage:check",
)
