"""Secrets kept out of what Hypercare shows: config dumps, ``repr()`` of config objects, messages.

Secrets never live in the YAML (passwords in URLs are refused there), but the effective
configuration does hold some: the store URL may come from ``HYPERCARE_DB_URL`` with a password
in it, and a SQL source may name a database URL. ``redact_url`` hides the password of a URL
(``postgresql://hc:***@db/hc``) and the values of query parameters that carry credentials
(``?token=***``); ``effective_config`` turns a validated ``Config`` into plain data for
``hypercare config show`` with every such value redacted, and lists which secrets the config
refers to with ``set`` or ``not set`` — never their values.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from hypercare.config import Config

MASK = "***"
# user:password@ in any URL (database or HTTP).
_USERINFO = re.compile(r"(?P<head>\b[a-zA-Z][\w+.-]*://[^:/@\s]*):(?P<password>[^@/\s]*)@")
# Query parameters that carry credentials.
_CREDENTIAL_PARAM = re.compile(
    r"(?P<head>[?&;][\w.-]*(?:pass|pwd|secret|token|key|sig|auth)[\w.-]*=)[^&;#\s]+",
    re.IGNORECASE,
)
# Keys whose value is itself a secret (``password_env``, ``url_env`` name a variable: shown).
_SECRET_KEY = re.compile(
    r"(?:^|_)(?:password|passwd|secret|token|api_key|apikey|webhook_url|private_key)$",
    re.IGNORECASE,
)


def redact_url(text: str) -> str:
    """``text`` with the password of every URL in it and credential query values masked."""
    text = _USERINFO.sub(lambda m: f"{m['head']}:{MASK}@", text)
    return _CREDENTIAL_PARAM.sub(lambda m: m["head"] + MASK, text)


def redact_secrets(text: str, secrets: list[str | None]) -> str:
    """``text`` with each of ``secrets`` (values of secret variables) masked, URLs redacted."""
    for secret in sorted(filter(None, secrets), key=len, reverse=True):
        if len(secret) >= 4:
            text = text.replace(secret, MASK)
    return redact_url(text)


def _plain(value: Any, key: str = "") -> Any:
    """Plain YAML-able data from config objects, every secret-looking value redacted."""
    if isinstance(value, str):
        if value and _SECRET_KEY.search(key):
            return MASK
        return redact_url(value)
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, enum.Enum):
        return _plain(value.value, key)
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, dt.date | dt.time | dt.timedelta):
        return str(value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {
            f.name: _plain(getattr(value, f.name), f.name)
            for f in dataclasses.fields(value)
            if not f.name.startswith("_")
        }
    if isinstance(value, Mapping):
        return {str(k): _plain(v, str(k)) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v, key) for v in value]
    if isinstance(value, set | frozenset):
        return sorted((_plain(v, key) for v in value), key=str)
    return redact_url(str(value))


def _env_names(value: Any, key: str = "") -> set[str]:
    """Names of the environment variables the config refers to (keys ending in ``_env``)."""
    if isinstance(value, str):
        return {value} if key.endswith("_env") and value else set()
    if isinstance(value, Mapping):
        return set().union(*(_env_names(v, str(k)) for k, v in value.items()))
    if isinstance(value, list):
        return set().union(*(_env_names(v, key) for v in value))
    return set()


def effective_config(config: Config) -> dict[str, Any]:
    """The validated configuration as plain data (what ``hypercare config show`` prints):
    defaults filled in, relative paths resolved, the store URL as the environment sets it —
    with passwords and secrets masked. ``secrets`` says which secrets are set, not their values.
    """
    from hypercare.config import DB_URL_ENV, SECRET_KEY_ENV, read_secret

    data: dict[str, Any] = {
        "file": str(config.path),
        "store": {"url": redact_url(config.store_url)},
        "privacy": _plain(config.privacy),
        "locale": config.locale,
        "timezone": config.timezone,
        "core_features": list(config.core_features),
        "targets": dict(config.targets),
        "support": {"sla_hours": _plain(config.sla_hours)},
        "sources": [_plain(s) for s in config.sources],
    }
    for name, section in config.sections.items():
        data[name] = _plain(section, name)
    names = {SECRET_KEY_ENV} | _env_names(data)
    secrets = {
        name: "set" if read_secret(name, config.base_dir) else "not set" for name in sorted(names)
    }
    secrets[DB_URL_ENV] = "set" if os.environ.get(DB_URL_ENV) else "not set"
    data["secrets"] = secrets
    return data
