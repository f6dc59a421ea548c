"""Kinds of source, registered by name: each maps rows to one of the store's canonical records."""

from __future__ import annotations

from collectors.base import Kind
from collectors.kinds.error_counts import ErrorCountsKind
from collectors.kinds.errors import ErrorsKind
from collectors.kinds.meetings import MeetingsKind
from collectors.kinds.roster import RosterKind
from collectors.kinds.survey import SurveyKind
from collectors.kinds.tickets import TicketsKind
from collectors.kinds.usage import UsageKind

KINDS: dict[str, Kind] = {
    "roster": RosterKind(),
    "usage": UsageKind(),
    "errors": ErrorsKind(),
    "error_counts": ErrorCountsKind(),
    "survey": SurveyKind(),
    "tickets": TicketsKind(),
    "meetings": MeetingsKind(),
}
