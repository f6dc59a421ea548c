"""Alerts: rules read from the ``alerts:`` section of the config, a state machine per rule and
scope (normal → pending → firing → resolved → normal), evaluation over the KPI API
(``metrics.compute``) for an as-of day, and notifications (Slack, Microsoft Teams, e-mail).

- ``rules.py``: the config section (``parse_section``) and the rule kinds;
- ``state.py``: the pure state machine;
- ``evaluate.py``: findings per rule and scope, transitions recorded under a lock, notifications;
- ``notify.py``: the messages, their payloads and the senders.

docs/alerts.md is the user's reference.
"""
