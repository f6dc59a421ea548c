"""The dashboard's reads of the consistency audit (legacy system against the new one).

Same rules as ``data.py`` (cached, no SQL here, plain frames out). The audit compares business
records (invoices, customers, payments), not people's activity; its samples of differing keys
and values can still name customers, so managers and support leads read it, ambassadors do not.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd
import streamlit as st

from dashboard.data import TTL_SECONDS, get_store, require
from metrics.reconcile import history, latest_results
from metrics.reconcile_store import differences, drifted
from metrics.viewer import Viewer

if TYPE_CHECKING:
    from hypercare.config import Config

READERS = ("manager", "support")
ENTITY_COLUMNS = [
    "entity",
    "status",
    "previous_status",
    "drift",
    "checked_at",
    "runs",
    "rows_legacy",
    "rows_new",
    "missing_in_new",
    "extra_in_new",
    "changed",
    "duplicates",
    "differences",
    "initial_differences",
    "message",
]
HISTORY_COLUMNS = ["run_id", "checked_at", "status", "differences", "rows_legacy", "rows_new"]


def configured(config: Config) -> bool:
    """Whether the config has a ``reconciliation:`` section."""
    return config.sections.get("reconciliation") is not None


@st.cache_data(ttl=TTL_SECONDS, max_entries=16, show_spinner=False)
def _latest(store_url: str) -> list[dict[str, Any]]:
    return latest_results(get_store(store_url))


def entities(config: Config, viewer: Viewer) -> pd.DataFrame:
    """Each audited entity's latest result, with its previous status and whether it drifted:
    it fails now and either passed its initial audit or has more differences than then."""
    require(viewer, *READERS)
    out = []
    for row in _latest(config.store_url):
        out.append(
            {
                "entity": row["entity"],
                "status": row["status"],
                "previous_status": row["previous_status"],
                "drift": drifted(row, row["initial"]),
                "checked_at": row["checked_at"],
                "runs": row["runs"],
                "rows_legacy": row["rows"]["legacy"],
                "rows_new": row["rows"]["new"],
                "missing_in_new": row["missing_in_new"],
                "extra_in_new": row["extra_in_new"],
                "changed": row["changed"],
                "duplicates": sum(int(v or 0) for v in row["duplicate_keys"].values()),
                "differences": differences(row),
                "initial_differences": differences(row["initial"]),
                "message": row["message"] or "",
            }
        )
    return pd.DataFrame(out, columns=ENTITY_COLUMNS)


def samples(config: Config, viewer: Viewer, entity: str) -> dict[str, Any]:
    """The latest result's samples of differing keys (``metrics.reconcile``'s shape)."""
    require(viewer, *READERS)
    for row in _latest(config.store_url):
        if row["entity"] == entity:
            return dict(row["detail"].get("samples") or {})
    return {}


@st.cache_data(ttl=TTL_SECONDS, max_entries=32, show_spinner=False)
def _history(store_url: str, entity: str) -> list[dict[str, Any]]:
    return history(get_store(store_url), entity)


def entity_history(config: Config, viewer: Viewer, entity: str) -> pd.DataFrame:
    """One row per audit of ``entity``, oldest first."""
    require(viewer, *READERS)
    rows = [
        {
            "run_id": row["run_id"],
            "checked_at": row["checked_at"],
            "status": row["status"],
            "differences": differences(row),
            "rows_legacy": row["rows"]["legacy"],
            "rows_new": row["rows"]["new"],
        }
        for row in _history(config.store_url, entity)
    ]
    frame = pd.DataFrame(rows, columns=HISTORY_COLUMNS)
    frame["checked_at"] = pd.to_datetime(frame["checked_at"], utc=True)
    return frame
