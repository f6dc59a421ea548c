"""Preset `json-log`: application logs as JSON (python-json-logger, pino / bunyan, Sentry event
exports as JSON Lines or one array). See docs/sources.md."""

from collectors.formats import Format

FORMAT = Format(
    "json-log",
    "collectors.readers.json_log",
    "application JSON logs: python-json-logger, pino/bunyan, Sentry event exports",
    defaults={
        "errors": {
            "ts": "log_time",
            "level": "log_level",
            "module": "log_module",
            "message": "log_message",
            "user": "log_user",
            "event_id": "log_event_id",
        },
        "usage": {
            "ts": "log_time",
            "user": "log_user",
            "action": "log_message",
            "event_id": "log_event_id",
        },
    },
    decimal=".",
)
