"""The ``alerts:`` section of the config: rules, notification channels and their defaults.

``parse_section`` is registered in ``hypercare.config.SECTIONS``; it reports every problem through
the config's ``Checker`` (file, key path, expected, found) and returns an ``AlertsConfig``. Secrets
never come from the YAML: a webhook URL or an SMTP password is named by the environment variable
that holds it (``url_env``, ``password_env``) and read when a message is sent.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import TYPE_CHECKING, Any

from metrics.kpis import KPIS
from metrics.scopes import Scope

if TYPE_CHECKING:
    from hypercare.config import Checker

KINDS = ("threshold", "change", "anomaly", "forecast_slip", "reconcile")
SEVERITIES = ("info", "warning", "critical")
CHANNELS = ("slack", "teams", "email")
COMPARISONS = ("<", "<=", ">", ">=")
COMPARISON_WORDS = {"lt": "<", "le": "<=", "gt": ">", "ge": ">="}
MEASURES = ("relative", "absolute")
DIRECTIONS = ("bad", "both", "high", "low")
TRIGGERS = ("drift", "fail")  # reconcile: what fires (see docs/alerts.md)
RECONCILE_KPI = "reconcile"  # the ``kpi`` of a reconcile rule: the audit, not a KPI

DEFAULT_REPEAT_DAYS = 7
DEFAULT_HISTORY_DAYS = 90  # forecast_slip: days of series fitted
DEFAULT_ANOMALY_HISTORY_DAYS = 56  # anomaly: days before the as-of day the detector fits on
DEFAULT_SENSITIVITY = 3.0
DEFAULT_TIMEOUT = 10.0

SECTION_KEYS = ("rules", "notify", "dashboard_url", "repeat")
COMMON_KEYS = (
    "name",
    "kind",
    "kpi",
    "scope",
    "pending",
    "min_volume",
    "severity",
    "labels",
    "repeat",
    "channels",
    "description",
)
KIND_KEYS: dict[str, tuple[str, ...]] = {
    "threshold": ("comparison", "value", "recovery"),
    "change": ("window", "measure", "comparison", "value", "recovery"),
    "anomaly": ("sensitivity", "direction", "history"),
    "forecast_slip": ("target", "planned", "tolerance_days", "history"),
    "reconcile": ("entities", "trigger"),
}
# Common keys that mean nothing to a reconcile rule (it watches audit results, not KPIs).
NOT_FOR_RECONCILE = ("kpi", "scope", "min_volume")
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_DAYS = re.compile(r"^\s*(\d+)\s*([dw]?)\s*$")
_WILDCARDS = ("*", "?", "[")


@dataclass(frozen=True)
class Rule:
    """One alert rule, evaluated on each scope it names (see docs/alerts.md)."""

    name: str
    kind: str
    kpi: str
    scopes: tuple[str, ...] = ("all",)  # scope names or patterns (``team:*``)
    comparison: str | None = None  # threshold, change
    value: float | None = None  # threshold, change: the line crossed
    recovery: float | None = None  # threshold, change: the line to cross back (hysteresis)
    window: int = 7  # change: days between the two values compared
    measure: str = "relative"  # change: relative (fraction of the old value) or absolute
    sensitivity: float = DEFAULT_SENSITIVITY  # anomaly
    direction: str = "bad"  # anomaly: bad (against the KPI's direction), both, high, low
    history: int = DEFAULT_HISTORY_DAYS  # anomaly: days before the as-of day; forecast: days
    target: float | None = None  # forecast_slip (default: the KPI's configured target)
    planned: tuple[tuple[str, dt.date], ...] = ()  # forecast_slip: scope pattern → planned date
    tolerance_days: int = 0  # forecast_slip: days late allowed
    entities: tuple[str, ...] = ("*",)  # reconcile: entity names or patterns
    trigger: str = "drift"  # reconcile: drift (worse than the initial audit) or fail
    pending: int = 0  # days the condition must hold before firing
    min_volume: tuple[tuple[str, float], ...] = ()  # KPI code → minimum value to evaluate
    severity: str = "warning"
    labels: tuple[tuple[str, str], ...] = ()
    repeat: int | None = DEFAULT_REPEAT_DAYS  # days between reminders of a firing alert
    channels: tuple[str, ...] | None = None  # None: every configured channel
    description: str | None = None

    def matches(self, scope: str) -> bool:
        """Whether ``scope`` (a shown scope's name) is one this rule watches."""
        return any(_matches(pattern, scope) for pattern in self.scopes)

    def watches_entity(self, entity: str) -> bool:
        """Whether a reconcile rule watches the audited ``entity``."""
        return any(_matches(pattern, entity) for pattern in self.entities)

    def planned_for(self, scope: str) -> dt.date | None:
        """The planned date of a forecast_slip rule for ``scope`` (first matching entry)."""
        for pattern, day in self.planned:
            if _matches(pattern, scope):
                return day
        return None

    def label_dict(self) -> dict[str, str]:
        return dict(self.labels)


@dataclass(frozen=True)
class WebhookChannel:
    """A Slack or Microsoft Teams incoming webhook; its URL is read from ``url_env``."""

    name: str  # slack | teams
    url_env: str
    timeout: float = DEFAULT_TIMEOUT


@dataclass(frozen=True)
class EmailChannel:
    """E-mail over SMTP (STARTTLS, implicit TLS or plain); the password from ``password_env``."""

    host: str
    sender: str
    to: tuple[str, ...]
    port: int = 587
    starttls: bool = True
    ssl: bool = False
    username: str | None = None
    password_env: str | None = None
    timeout: float = DEFAULT_TIMEOUT
    name: str = "email"


Channel = WebhookChannel | EmailChannel


@dataclass(frozen=True)
class AlertsConfig:
    """The parsed ``alerts:`` section (empty when the config has none)."""

    rules: tuple[Rule, ...] = ()
    channels: tuple[Channel, ...] = ()
    dashboard_url: str | None = None
    repeat: int | None = DEFAULT_REPEAT_DAYS

    def rule(self, name: str) -> Rule | None:
        return next((r for r in self.rules if r.name == name), None)

    def channels_of(self, rule: Rule) -> list[Channel]:
        """The channels a rule notifies (all configured ones unless the rule names some)."""
        if rule.channels is None:
            return list(self.channels)
        return [c for c in self.channels if c.name in rule.channels]


def _matches(pattern: str, scope: str) -> bool:
    if any(w in pattern for w in _WILDCARDS):
        return fnmatchcase(scope, pattern)
    return pattern == scope


def is_pattern(text: str) -> bool:
    return any(w in text for w in _WILDCARDS)


# --------------------------------------------------------------------------------------------


def parse_days(value: Any, *, allow_never: bool = False) -> int | None:
    """``3``, ``"3d"``, ``"2w"`` → days; ``"never"`` → None (when allowed). Raises ValueError."""
    if allow_never and (value is False or (isinstance(value, str) and value.strip() == "never")):
        return None
    if isinstance(value, bool):
        raise ValueError(value)
    if isinstance(value, int):
        if value < 0:
            raise ValueError(value)
        return value
    if isinstance(value, str) and (m := _DAYS.match(value)):
        return int(m.group(1)) * (7 if m.group(2) == "w" else 1)
    raise ValueError(value)


def _days(
    chk: Checker, value: Any, key: str, default: int | None, *, allow_never: bool = False
) -> int | None:
    if value is None:
        return default
    try:
        return parse_days(value, allow_never=allow_never)
    except ValueError:
        never = ", or never" if allow_never else ""
        chk.fail(key, f"a number of days such as 3, 3d or 2w{never}", value)
        return default


def _env_name(chk: Checker, value: Any, key: str) -> str | None:
    name = chk.string(value, key)
    if name is not None and not _ENV_NAME.match(name):
        chk.fail(key, "the name of an environment variable (letters, digits, _)", name)
        return None
    return name


def _date(chk: Checker, value: Any, key: str) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            pass
    chk.fail(key, "a date written YYYY-MM-DD", value)
    return None


def _scope_list(chk: Checker, value: Any, key: str) -> tuple[str, ...]:
    if value is None:
        return ("all",)
    items = value if isinstance(value, list) else [value]
    out: list[str] = []
    for i, item in enumerate(items):
        where = f"{key}[{i}]" if isinstance(value, list) else key
        if not isinstance(item, str) or not item.strip():
            chk.fail(
                where, 'a scope (all, team:<name>, wave:<name>) or a pattern such as "team:*"', item
            )
            continue
        text = item.strip()
        if not is_pattern(text):
            try:
                Scope.parse(text)
            except ValueError:
                chk.fail(
                    where,
                    'a scope (all, team:<name>, wave:<name>) or a pattern such as "team:*"',
                    text,
                )
                continue
        out.append(text)
    return tuple(out) or ("all",)


def _entity_list(chk: Checker, value: Any, key: str) -> tuple[str, ...]:
    if value is None:
        return ("*",)
    items = value if isinstance(value, list) else [value]
    out: list[str] = []
    for i, item in enumerate(items):
        where = f"{key}[{i}]" if isinstance(value, list) else key
        if not isinstance(item, str) or not item.strip():
            chk.fail(where, 'an entity of reconciliation.entities or a pattern such as "*"', item)
            continue
        out.append(item.strip())
    return tuple(out) or ("*",)


def _kpi(chk: Checker, value: Any, key: str, default: str | None = None) -> str | None:
    code = chk.string(value, key, default)
    if code is None:
        chk.problems.append(f"{key}: expected a KPI code (docs/kpis.md), found nothing")
        return None
    if code not in KPIS:
        hint = difflib.get_close_matches(code, list(KPIS), n=1)
        extra = f" (did you mean {hint[0]!r}?)" if hint else ""
        chk.problems.append(
            f"{key}: unknown KPI code {code!r}{extra}; expected one of {', '.join(KPIS)}"
        )
        return None
    return code


def _level(chk: Checker, value: Any, key: str, kpi: str | None, relative: bool) -> float | None:
    """A threshold value; fractions for ratio KPIs (70 % is 0.7)."""
    number = chk.number(value, key)
    if (
        number is not None
        and kpi is not None
        and not relative
        and KPIS[kpi].unit == "ratio"
        and not -1.0 <= number <= 1.0
    ):
        chk.fail(key, f"a fraction for {kpi} (70 % is written 0.7)", value)
        return None
    return number


def _comparison(chk: Checker, value: Any, key: str) -> str | None:
    if value is None:
        chk.problems.append(
            f'{key}: expected one of {", ".join(COMPARISONS)} (quoted: "<"), found nothing'
        )
        return None
    text = COMPARISON_WORDS.get(str(value).strip(), str(value).strip())
    if text not in COMPARISONS:
        chk.fail(key, f'one of {", ".join(COMPARISONS)} (quoted in YAML: "<")', value)
        return None
    return text


def _check_recovery(chk: Checker, key: str, comparison: str | None, value, recovery) -> None:
    if comparison is None or value is None or recovery is None:
        return
    if comparison.startswith("<") and recovery < value:
        chk.problems.append(
            f"{key}.recovery: expected a value ≥ value ({value:g}) for a {comparison} rule "
            f"(the alert resolves once the KPI is back above it), found {recovery:g}"
        )
    if comparison.startswith(">") and recovery > value:
        chk.problems.append(
            f"{key}.recovery: expected a value ≤ value ({value:g}) for a {comparison} rule "
            f"(the alert resolves once the KPI is back below it), found {recovery:g}"
        )


def _min_volume(chk: Checker, value: Any, key: str) -> tuple[tuple[str, float], ...]:
    if value is None:
        return ()
    if isinstance(value, int | float) and not isinstance(value, bool):
        return (("licensed_users", float(value)),)
    if not isinstance(value, dict):
        chk.fail(key, "a number of licensed users, or a mapping KPI code → minimum", value)
        return ()
    out = []
    for code, minimum in value.items():
        kpi = _kpi(chk, code, f"{key}.{code}")
        number = chk.number(minimum, f"{key}.{code}")
        if kpi is not None and number is not None:
            out.append((kpi, number))
    return tuple(out)


def _labels(chk: Checker, value: Any, key: str) -> tuple[tuple[str, str], ...]:
    labels = chk.mapping(value, key)
    out = []
    for name, text in labels.items():
        shown = chk.string(text, f"{key}.{name}")
        if shown is not None:
            out.append((str(name), shown))
    return tuple(out)


def _planned(chk: Checker, value: Any, key: str) -> tuple[tuple[str, dt.date], ...]:
    if value is None:
        chk.problems.append(
            f"{key}: expected the planned date (YYYY-MM-DD) or a mapping scope → date, "
            "found nothing"
        )
        return ()
    if isinstance(value, dict):
        out = []
        for scope, day in value.items():
            scopes = _scope_list(chk, scope, f"{key}.{scope}")
            parsed = _date(chk, day, f"{key}.{scope}")
            if parsed is not None:
                out.extend((s, parsed) for s in scopes)
        return tuple(out)
    parsed = _date(chk, value, key)
    return (("*", parsed),) if parsed is not None else ()


def _channel_names(chk: Checker, value: Any, key: str) -> tuple[str, ...] | None:
    if value is None:
        return None
    items = value if isinstance(value, list) else [value]
    out = []
    for item in items:
        if item not in CHANNELS:
            chk.fail(key, f"a list of channels among {', '.join(CHANNELS)}", value)
            return None
        out.append(item)
    return tuple(out)


def _rule(chk: Checker, raw: Any, index: int, key: str, seen: set[str], repeat: int | None):
    where = f"{key}.rules[{index}]"
    if not isinstance(raw, dict):
        chk.fail(where, "a mapping with name, kind, kpi and the kind's settings", raw)
        return None
    name = chk.string(raw.get("name"), f"{where}.name")
    if not name or not name.strip():
        chk.problems.append(f"{where}.name: expected a name for this rule, found nothing")
        return None
    name = name.strip()
    if len(name) > 200:
        chk.fail(f"{where}.name", "a name of at most 200 characters", name)
        return None
    if name in seen:
        chk.problems.append(f"{where}.name: {name!r} is already the name of another rule")
    seen.add(name)
    where = f"{key}.rules[{index}] ({name})"
    kind = chk.string(raw.get("kind"), f"{where}.kind")
    if kind not in KINDS:
        chk.fail(f"{where}.kind", f"one of {', '.join(KINDS)}", kind)
        chk.unknown_keys(
            raw, COMMON_KEYS + tuple(k for ks in KIND_KEYS.values() for k in ks), where
        )
        return None
    chk.unknown_keys(raw, COMMON_KEYS + KIND_KEYS[kind], where)
    if kind == "reconcile":
        for extra in NOT_FOR_RECONCILE:
            if extra in raw:
                chk.problems.append(
                    f"{where}.{extra}: a reconcile rule watches the consistency audit's results, "
                    f"not a KPI; remove {extra} (name the audited entities with entities)"
                )
        kpi: str | None = RECONCILE_KPI
    else:
        default_kpi = "adoption_rate" if kind == "forecast_slip" else None
        kpi = _kpi(chk, raw.get("kpi"), f"{where}.kpi", default_kpi)
    rule: dict[str, Any] = {
        "name": name,
        "kind": kind,
        "kpi": kpi or "adoption_rate",
        "scopes": _scope_list(chk, raw.get("scope"), f"{where}.scope"),
        "pending": _days(chk, raw.get("pending"), f"{where}.pending", 0) or 0,
        "min_volume": _min_volume(chk, raw.get("min_volume"), f"{where}.min_volume"),
        "severity": chk.choice(raw.get("severity"), f"{where}.severity", SEVERITIES, "warning"),
        "labels": _labels(chk, raw.get("labels"), f"{where}.labels"),
        "repeat": _days(chk, raw.get("repeat"), f"{where}.repeat", repeat, allow_never=True)
        if "repeat" in raw
        else repeat,
        "channels": _channel_names(chk, raw.get("channels"), f"{where}.channels"),
        "description": chk.string(raw.get("description"), f"{where}.description"),
    }
    if kind in ("threshold", "change"):
        relative = kind == "change"
        comparison = _comparison(chk, raw.get("comparison"), f"{where}.comparison")
        if raw.get("value") is None:
            chk.problems.append(
                f"{where}.value: expected the number to compare with, found nothing"
            )
        value = _level(chk, raw.get("value"), f"{where}.value", kpi, relative)
        recovery = _level(chk, raw.get("recovery"), f"{where}.recovery", kpi, relative)
        _check_recovery(chk, where, comparison, value, recovery)
        rule.update(comparison=comparison, value=value, recovery=recovery)
        if kind == "change":
            rule["window"] = _days(chk, raw.get("window"), f"{where}.window", 7) or 7
            rule["measure"] = chk.choice(
                raw.get("measure"), f"{where}.measure", MEASURES, "relative"
            )
    elif kind == "reconcile":
        rule["scopes"] = ()
        rule["entities"] = _entity_list(chk, raw.get("entities"), f"{where}.entities")
        rule["trigger"] = chk.choice(raw.get("trigger"), f"{where}.trigger", TRIGGERS, "drift")
    elif kind == "anomaly":
        sensitivity = chk.number(raw.get("sensitivity"), f"{where}.sensitivity")
        if sensitivity is not None and sensitivity <= 0:
            chk.fail(f"{where}.sensitivity", "a positive number (3 is the default)", sensitivity)
            sensitivity = None
        rule["sensitivity"] = sensitivity if sensitivity is not None else DEFAULT_SENSITIVITY
        rule["direction"] = chk.choice(
            raw.get("direction"), f"{where}.direction", DIRECTIONS, "bad"
        )
        rule["history"] = _history(
            chk, raw.get("history"), f"{where}.history", DEFAULT_ANOMALY_HISTORY_DAYS
        )
    else:
        rule["target"] = chk.number(raw.get("target"), f"{where}.target")
        rule["planned"] = _planned(chk, raw.get("planned"), f"{where}.planned")
        rule["tolerance_days"] = (
            _days(chk, raw.get("tolerance_days"), f"{where}.tolerance_days", 0) or 0
        )
        rule["history"] = _history(chk, raw.get("history"), f"{where}.history")
    return Rule(**rule)


def _history(chk: Checker, value: Any, key: str, default: int = DEFAULT_HISTORY_DAYS) -> int:
    days = _days(chk, value, key, default) or default
    if days < 14:
        chk.fail(key, "at least 14 days of history", value)
        return default
    return days


def _timeout(chk: Checker, value: Any, key: str) -> float:
    number = chk.number(value, key)
    if number is not None and number <= 0:
        chk.fail(key, "a positive number of seconds", value)
        return DEFAULT_TIMEOUT
    return number or DEFAULT_TIMEOUT


def _webhook(chk: Checker, raw: Any, key: str, name: str) -> WebhookChannel | None:
    if isinstance(raw, dict) and "url" in raw:
        chk.problems.append(
            f"{key}.url: a webhook URL is a secret and does not belong in the config file; put "
            "it in an environment variable (or .streamlit/secrets.toml) and name it with url_env"
        )
    mapping = chk.mapping(raw, key)
    chk.unknown_keys({k: v for k, v in mapping.items() if k != "url"}, ("url_env", "timeout"), key)
    url_env = _env_name(chk, mapping.get("url_env"), f"{key}.url_env")
    if url_env is None:
        if "url_env" not in mapping:
            chk.problems.append(
                f"{key}.url_env: expected the environment variable holding the webhook URL, "
                "found nothing"
            )
        return None
    return WebhookChannel(name, url_env, _timeout(chk, mapping.get("timeout"), f"{key}.timeout"))


EMAIL_KEYS = (
    "host",
    "port",
    "starttls",
    "ssl",
    "from",
    "to",
    "username",
    "password_env",
    "timeout",
)


def _email(chk: Checker, raw: Any, key: str) -> EmailChannel | None:
    if isinstance(raw, dict) and "password" in raw:
        chk.problems.append(
            f"{key}.password: a password does not belong in the config file; put it in an "
            "environment variable (or .streamlit/secrets.toml) and name it with password_env"
        )
    mapping = chk.mapping(raw, key)
    chk.unknown_keys({k: v for k, v in mapping.items() if k != "password"}, EMAIL_KEYS, key)
    host = chk.string(mapping.get("host"), f"{key}.host")
    sender = chk.string(mapping.get("from"), f"{key}.from")
    to_raw = mapping.get("to")
    to_list = to_raw if isinstance(to_raw, list) else [to_raw] if to_raw is not None else []
    to = tuple(t.strip() for t in to_list if isinstance(t, str) and "@" in t)
    if not to or len(to) != len(to_list):
        chk.fail(f"{key}.to", "an e-mail address or a list of them", to_raw)
    for name, value in (("host", host), ("from", sender)):
        if not value:
            chk.problems.append(f"{key}.{name}: expected a value, found nothing")
    ssl = bool(chk.boolean(mapping.get("ssl"), f"{key}.ssl", False))
    starttls = bool(chk.boolean(mapping.get("starttls"), f"{key}.starttls", not ssl))
    if ssl and starttls:
        chk.problems.append(
            f"{key}: starttls and ssl exclude each other (ssl is TLS from the start)"
        )
    port = chk.integer(
        mapping.get("port"), f"{key}.port", 465 if ssl else 587 if starttls else 25, 1
    )
    username = chk.string(mapping.get("username"), f"{key}.username")
    password_env = _env_name(chk, mapping.get("password_env"), f"{key}.password_env")
    if not host or not sender or not to:
        return None
    return EmailChannel(
        host=host,
        sender=sender,
        to=to,
        port=port,
        starttls=starttls,
        ssl=ssl,
        username=username,
        password_env=password_env,
        timeout=_timeout(chk, mapping.get("timeout"), f"{key}.timeout"),
    )


def parse_section(chk: Checker, value: Any, key: str) -> AlertsConfig:
    """Validate the ``alerts:`` section (``value`` is None when the config has none)."""
    if value is None:
        return AlertsConfig()
    raw = chk.mapping(value, key)
    chk.unknown_keys(raw, SECTION_KEYS, key)
    repeat = _days(chk, raw.get("repeat"), f"{key}.repeat", DEFAULT_REPEAT_DAYS, allow_never=True)
    dashboard_url = chk.string(raw.get("dashboard_url"), f"{key}.dashboard_url")
    if dashboard_url and not dashboard_url.startswith(("http://", "https://")):
        chk.fail(f"{key}.dashboard_url", "an http:// or https:// address", dashboard_url)
        dashboard_url = None

    notify = chk.mapping(raw.get("notify"), f"{key}.notify")
    chk.unknown_keys(notify, CHANNELS, f"{key}.notify")
    channels: list[Channel] = []
    for name in ("slack", "teams"):
        if name in notify:
            channel = _webhook(chk, notify[name], f"{key}.notify.{name}", name)
            if channel is not None:
                channels.append(channel)
    if "email" in notify:
        email = _email(chk, notify["email"], f"{key}.notify.email")
        if email is not None:
            channels.append(email)

    rules_raw = raw.get("rules")
    rules: list[Rule] = []
    if rules_raw is not None and not isinstance(rules_raw, list):
        chk.fail(f"{key}.rules", "a list of rules", rules_raw)
    else:
        seen: set[str] = set()
        for index, item in enumerate(rules_raw or []):
            rule = _rule(chk, item, index, key, seen, repeat)
            if rule is not None:
                rules.append(rule)
    for rule in rules:
        if rule.channels:
            missing = [c for c in rule.channels if c not in {ch.name for ch in channels}]
            if missing:
                chk.problems.append(
                    f"{key}.rules ({rule.name}).channels: {', '.join(missing)} is not configured "
                    f"under {key}.notify"
                )
    return AlertsConfig(
        rules=tuple(rules),
        channels=tuple(channels),
        dashboard_url=dashboard_url,
        repeat=repeat,
    )
