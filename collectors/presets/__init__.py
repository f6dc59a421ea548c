"""Presets: formats that know one tool's export, so a source needs no column mapping.

Each preset is one module exposing ``FORMAT`` (a ``collectors.readers.Format``); adding a preset
is one new module and one line in ``MODULES``.
"""

from __future__ import annotations

from importlib import import_module

MODULES = (
    "google_forms",
    "jira_csv",
    "zendesk_csv",
    "freshdesk_csv",
    "m365_active_users",
    "salesforce_eventlog",
    "json_log",
    "microsoft_forms",
    "limesurvey",
    "typeform",
    "surveymonkey",
)

PRESETS = tuple(import_module(f"collectors.presets.{name}").FORMAT for name in MODULES)
