"""Loading and validating ``hypercare.yaml``.

Every error names the file, the key path, what was expected and what was found; all the problems
of a file are reported at once. Secrets never come from the YAML: the database URL may be
overridden by ``HYPERCARE_DB_URL`` and the pseudonymization key comes from
``HYPERCARE_SECRET_KEY`` (or ``.streamlit/secrets.toml`` next to the config file).
"""

from __future__ import annotations

import difflib
import os
import re
import tomllib
from dataclasses import dataclass, field
from importlib import import_module
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from sqlalchemy import make_url
from sqlalchemy.exc import ArgumentError

from collectors.kinds import KINDS
from collectors.readers import READERS
from collectors.schedule import parse_interval

CONFIG_ENV = "HYPERCARE_CONFIG"
DB_URL_ENV = "HYPERCARE_DB_URL"
SECRET_KEY_ENV = "HYPERCARE_SECRET_KEY"
LOCALES = ("fr", "en")
ENCODINGS = ("auto", "utf-8", "utf-8-sig", "cp1252", "latin-1", "iso-8859-1", "iso-8859-15")


class ConfigError(Exception):
    """A config file that cannot be used; ``str()`` is the message shown to the user."""

    def __init__(self, path: Path | str, problems: list[str]) -> None:
        self.path = str(path)
        self.problems = problems
        super().__init__("\n".join(f"{self.path}: {p}" for p in problems))


@dataclass(frozen=True)
class CsvOptions:
    """CSV dialect of a source; ``None`` means detected from the file."""

    delimiter: str | None = None
    encoding: str = "auto"
    decimal: str = "."
    quotechar: str = '"'


@dataclass(frozen=True)
class DateOptions:
    """How dates of a source are read: day-first, an explicit format, the zone of naive times."""

    dayfirst: bool | None = None  # None: day-first when the config's locale is fr
    format: str | None = None
    timezone: str | None = None


@dataclass(frozen=True)
class SqlOptions:
    """A SQL source: a database URL (or the variable holding it), a query, a watermark column."""

    query: str
    url: str | None = None
    url_env: str | None = None
    watermark: str | None = None

    def __repr__(self) -> str:  # a URL may carry a password: never shown
        from hypercare.redact import redact_url

        url = None if self.url is None else redact_url(self.url)
        return f"SqlOptions(url={url!r}, url_env={self.url_env!r}, watermark={self.watermark!r})"

    def resolved_url(self, base_dir: Path) -> str | None:
        """The URL, taken from the environment (or secrets.toml) when ``url_env`` names it."""
        if self.url_env:
            return read_secret(self.url_env, base_dir)
        if (
            self.url
            and self.url.startswith("sqlite:///")
            and not self.url.startswith("sqlite:////")
        ):
            relative = self.url.removeprefix("sqlite:///")
            if relative and relative != ":memory:":
                return f"sqlite:///{base_dir / relative}"
        return self.url


@dataclass(frozen=True)
class SourceConfig:
    """One entry of ``sources:``."""

    name: str
    kind: str
    format: str
    path: str
    index: int
    csv: CsvOptions = field(default_factory=CsvOptions)
    dates: DateOptions = field(default_factory=DateOptions)
    columns: dict[str, str] = field(default_factory=dict)
    values: dict[str, dict[str, Any]] = field(default_factory=dict)
    questions: dict[str, list[str]] = field(default_factory=dict)  # survey: instrument → headers
    sheet: str | None = None  # xlsx: the sheet to read (default: the first)
    sql: SqlOptions | None = None  # format sql: where and what to read
    options: Any = None  # the format's own keys, checked by its ``Format.options`` function
    every: float | None = None  # seconds between two collects under ``collect --every``

    @property
    def key_path(self) -> str:
        return f"sources[{self.index}]"


@dataclass(frozen=True)
class PrivacyConfig:
    pseudonymize: bool = True
    min_group_size: int = 5
    retention_days: int = 400
    individual_views: bool = False  # lists of named people (who has not started) may be shown


@dataclass(frozen=True)
class SlaTarget:
    first_response: float | None
    resolution: float | None


@dataclass
class Config:
    """A validated configuration. ``base_dir`` anchors every relative path of the file."""

    path: Path
    store_url: str
    privacy: PrivacyConfig
    locale: str
    timezone: str
    core_features: list[str]
    targets: dict[str, float]
    sla_hours: dict[str, SlaTarget]
    sources: list[SourceConfig]
    sections: dict[str, Any] = field(default_factory=dict)  # parsed by the modules in SECTIONS

    def __repr__(self) -> str:  # the store URL (from HYPERCARE_DB_URL) may carry a password
        from hypercare.redact import redact_url

        return (
            f"Config(path={str(self.path)!r}, store_url={redact_url(self.store_url)!r}, "
            f"locale={self.locale!r}, sources={[s.name for s in self.sources]!r})"
        )

    @property
    def base_dir(self) -> Path:
        return self.path.parent

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def source(self, name: str) -> SourceConfig:
        for src in self.sources:
            if src.name == name:
                return src
        raise KeyError(name)

    def secret(self, name: str) -> str | None:
        """A secret from the environment, else from ``.streamlit/secrets.toml`` beside the file."""
        return read_secret(name, self.base_dir)

    def secret_key(self) -> bytes | None:
        """The pseudonymization key, or None when pseudonymization is off.

        Raises ConfigError when pseudonymization is on and no key is set.
        """
        if not self.privacy.pseudonymize:
            return None
        key = self.secret(SECRET_KEY_ENV)
        if not key:
            raise ConfigError(
                self.path,
                [
                    "privacy.pseudonymize: true needs a secret key, and none is set: export "
                    f"{SECRET_KEY_ENV}=<a long random string> (or put {SECRET_KEY_ENV} in "
                    ".streamlit/secrets.toml next to the config), or set privacy.pseudonymize: "
                    "false to store identifiers as they are"
                ],
            )
        return key.encode("utf-8")


def read_secret(name: str, base_dir: Path | None = None) -> str | None:
    """Look a secret up in the environment, then in ``base_dir/.streamlit/secrets.toml``."""
    value = os.environ.get(name)
    if value:
        return value
    if base_dir is not None:
        secrets_file = base_dir / ".streamlit" / "secrets.toml"
        if secrets_file.is_file():
            try:
                data = tomllib.loads(secrets_file.read_text(encoding="utf-8"))
            except (tomllib.TOMLDecodeError, UnicodeDecodeError):
                return None
            found = data.get(name) or data.get(name.lower())
            if isinstance(found, str) and found:
                return found
    return None


# --------------------------------------------------------------------------------------------
# Validation helpers: each records a problem and returns a usable default so that every
# problem of the file is reported in one go.


def _describe(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return f"{str(value).lower()} (a boolean)"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return f"{value!r}"


def hide_password(url: str) -> str:
    """A database URL, even one that does not parse, with its password (if any) as ``***``:
    ``postgresql://hc:secret@db:x/hc`` → ``postgresql://hc:***@db:x/hc``."""
    head, at, host = url.rpartition("@")
    if not at:
        return url
    scheme, sep, userinfo = head.partition("://")
    if not sep:
        scheme, userinfo = "", head
    if ":" not in userinfo:
        return url
    return f"{scheme}{sep}{userinfo.split(':', 1)[0]}:***@{host}"


def key_name(key: Any) -> str:
    """A key as a key path shows it: as written, or quoted when it is empty, has a colon, a line
    break or surrounding spaces (``''``, ``'a: b'``), so that every message starts with a
    readable path."""
    text = str(key)
    if text and text == text.strip() and text.isprintable() and ": " not in text:
        return text
    return repr(text)


class Checker:
    """Collects the problems of a config file; each helper returns a usable default on error.

    Section parsers of other modules (see ``SECTIONS``) receive it to report their problems the
    same way: ``chk.fail(key, expected, found)`` or ``chk.problems.append(message)``.
    """

    def __init__(self) -> None:
        self.problems: list[str] = []

    def fail(self, key: str, expected: str, found: Any) -> None:
        self.problems.append(f"{key}: expected {expected}, found {_describe(found)}")

    def unknown_keys(self, mapping: dict, allowed: tuple[str, ...], prefix: str) -> None:
        for key in mapping:
            if key not in allowed:
                hint = difflib.get_close_matches(str(key), allowed, n=1)
                where = f"{prefix}.{key_name(key)}" if prefix else key_name(key)
                extra = f" (did you mean {hint[0]!r}?)" if hint else ""
                self.problems.append(
                    f"{where}: unknown key{extra}; expected one of {', '.join(allowed)}"
                )

    def unique_name(self, value: Any, key: str, what: str, index: int, seen: set[str]) -> str:
        """The ``name`` of the index-th ``what`` of a list; missing or repeated names reported."""
        name = self.string(value, f"{key}.name")
        if not name:
            self.problems.append(f"{key}.name: expected a name for this {what}, found nothing")
            name = f"{what}{index}"
        elif name in seen:
            self.problems.append(f"{key}.name: {name!r} is already the name of another {what}")
        seen.add(name)
        return name

    def mapping(self, value: Any, key: str) -> dict:
        if value is None:
            return {}
        if not isinstance(value, dict):
            self.fail(key, "a mapping", value)
            return {}
        return value

    def string(self, value: Any, key: str, default: str | None = None) -> str | None:
        if value is None:
            return default
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            self.fail(key, "a text value", value)
            return default
        return str(value)

    def boolean(self, value: Any, key: str, default: bool | None) -> bool | None:
        if value is None:
            return default
        if not isinstance(value, bool):
            self.fail(key, "true or false", value)
            return default
        return value

    def integer(self, value: Any, key: str, default: int, minimum: int = 0) -> int:
        if value is None:
            return default
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            self.fail(key, f"a whole number ≥ {minimum}", value)
            return default
        return value

    def number(self, value: Any, key: str) -> float | None:
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int | float):
            self.fail(key, "a number", value)
            return None
        return float(value)

    def choice(self, value: Any, key: str, choices: tuple[str, ...], default: str) -> str:
        if value is None:
            return default
        if value not in choices:
            self.fail(key, f"one of {', '.join(choices)}", value)
            return default
        return value


TOP_LEVEL_KEYS = (
    "store",
    "privacy",
    "locale",
    "timezone",
    "core_features",
    "targets",
    "support",
    "sources",
)
# Other top-level sections, each parsed by its own module: top-level key → module exposing
# ``parse_section(chk: Checker, value: Any, key: str) -> object`` (``value`` is None when the key
# is absent; return the section's default then). The result is ``Config.sections[key]``.
SECTIONS: dict[str, str] = {
    "waves": "metrics.waves",
    "exit": "metrics.waves",
    "surveys": "surveys.settings",
    "backlog": "surveys.settings",
    "reconciliation": "metrics.reconcile",
    "alerts": "metrics.alerts.rules",
    "roles": "metrics.access",
}

SOURCE_KEYS = (
    "name",
    "kind",
    "format",
    "path",
    "url",
    "url_env",
    "query",
    "watermark",
    "sheet",
    "csv",
    "dates",
    "columns",
    "values",
    "questions",
    "every",
)
# Survey instruments and how many questions each takes (None: any number).
INSTRUMENTS: dict[str, int | None] = {
    "nps": None,
    "csat": None,
    "ces": None,
    "sus": 10,
    "umux_lite": 2,
    "comment": None,
}


def _check_store(chk: Checker, raw: dict, path: Path) -> str:
    store = chk.mapping(raw.get("store"), "store")
    chk.unknown_keys(store, ("url",), "store")
    url = chk.string(store.get("url"), "store.url", "sqlite:///hypercare.db") or ""
    env_url = os.environ.get(DB_URL_ENV)
    if url and not env_url:
        try:
            parsed = make_url(url)
        except (ArgumentError, ValueError):  # ValueError: a port that is not a number
            chk.fail(
                "store.url", "a database URL such as sqlite:///hypercare.db", hide_password(url)
            )
            return url
        if parsed.password:
            chk.problems.append(
                "store.url: a password does not belong in the config file; put the whole URL "
                f"in the environment variable {DB_URL_ENV} instead"
            )
        if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
            db_path = Path(parsed.database)
            if not db_path.is_absolute():
                url = parsed.set(database=str(path.parent / db_path)).render_as_string(
                    hide_password=False
                )
    return env_url or url


def _check_privacy(chk: Checker, raw: dict) -> PrivacyConfig:
    privacy = chk.mapping(raw.get("privacy"), "privacy")
    chk.unknown_keys(
        privacy, ("pseudonymize", "min_group_size", "retention_days", "individual_views"), "privacy"
    )
    return PrivacyConfig(
        pseudonymize=bool(chk.boolean(privacy.get("pseudonymize"), "privacy.pseudonymize", True)),
        min_group_size=chk.integer(
            privacy.get("min_group_size"), "privacy.min_group_size", 5, minimum=1
        ),
        retention_days=chk.integer(
            privacy.get("retention_days"), "privacy.retention_days", 400, minimum=1
        ),
        individual_views=bool(
            chk.boolean(privacy.get("individual_views"), "privacy.individual_views", False)
        ),
    )


def _check_timezone(chk: Checker, value: Any, key: str, default: str | None) -> str | None:
    name = chk.string(value, key, default)
    if name is None:
        return None
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        chk.fail(key, "an IANA time zone such as Europe/Paris", name)
        return default
    return name


def _check_sla(chk: Checker, raw: dict) -> dict[str, SlaTarget]:
    support = chk.mapping(raw.get("support"), "support")
    chk.unknown_keys(support, ("sla_hours",), "support")
    sla = chk.mapping(support.get("sla_hours"), "support.sla_hours")
    out: dict[str, SlaTarget] = {}
    for priority, targets in sla.items():
        key = f"support.sla_hours.{priority}"
        targets = chk.mapping(targets, key)
        chk.unknown_keys(targets, ("first_response", "resolution"), key)
        out[str(priority).casefold()] = SlaTarget(
            first_response=chk.number(targets.get("first_response"), f"{key}.first_response"),
            resolution=chk.number(targets.get("resolution"), f"{key}.resolution"),
        )
    return out


_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def _check_sql(chk: Checker, raw: dict, key: str, is_sql: bool) -> SqlOptions | None:
    present = [k for k in ("url", "url_env", "query", "watermark") if k in raw]
    if not is_sql:
        for name in present:
            chk.problems.append(f"{key}.{name}: only a source with format: sql has a {name}")
        return None
    url = chk.string(raw.get("url"), f"{key}.url")
    url_env = chk.string(raw.get("url_env"), f"{key}.url_env")
    query = chk.string(raw.get("query"), f"{key}.query")
    watermark = chk.string(raw.get("watermark"), f"{key}.watermark")
    if bool(url) == bool(url_env):
        chk.problems.append(
            f"{key}: a sql source needs url (a database URL) or url_env (the environment "
            "variable holding it), not both and not neither"
        )
    if url:
        try:
            if make_url(url).password:
                chk.problems.append(
                    f"{key}.url: a password does not belong in the config file; put the URL in "
                    "an environment variable and name it with url_env"
                )
        except (ArgumentError, ValueError):
            chk.fail(f"{key}.url", "a database URL such as sqlite:///legacy.db", hide_password(url))
    if not query or not query.strip():
        chk.problems.append(f"{key}.query: expected the SELECT to run, found nothing")
    if watermark is not None and not _IDENTIFIER.match(watermark):
        chk.fail(f"{key}.watermark", "a column name of the query (letters, digits, _)", watermark)
        watermark = None
    return SqlOptions(query=query or "", url=url, url_env=url_env, watermark=watermark)


def _check_questions(chk: Checker, raw: dict, kind: str, key: str) -> dict[str, list[str]]:
    if "questions" not in raw:
        return {}
    if kind != "survey":
        chk.problems.append(f"{key}.questions: only a source of kind survey has questions")
        return {}
    questions_raw = chk.mapping(raw.get("questions"), f"{key}.questions")
    chk.unknown_keys(questions_raw, tuple(INSTRUMENTS), f"{key}.questions")
    questions: dict[str, list[str]] = {}
    for instrument, headers in questions_raw.items():
        if instrument not in INSTRUMENTS:
            continue
        where = f"{key}.questions.{instrument}"
        if isinstance(headers, str):
            headers = [headers]
        if not isinstance(headers, list) or not all(isinstance(h, str) and h for h in headers):
            chk.fail(where, "a column header or a list of column headers", headers)
            continue
        expected = INSTRUMENTS[instrument]
        if expected is not None and len(headers) != expected:
            chk.problems.append(
                f"{where}: expected {expected} column headers in the questionnaire's order, "
                f"found {len(headers)}"
            )
            continue
        questions[instrument] = headers
    return questions


def _check_source(chk: Checker, raw: Any, index: int, seen: set[str]) -> SourceConfig | None:
    key = f"sources[{index}]"
    if not isinstance(raw, dict):
        chk.fail(key, "a mapping with name, kind, format and path", raw)
        return None
    name = chk.unique_name(raw.get("name"), key, "source", index, seen)
    key = f"sources[{index}] ({name})"
    fmt = chk.string(raw.get("format"), f"{key}.format", "csv")
    reader = READERS.get(fmt or "csv")
    chk.unknown_keys(raw, SOURCE_KEYS + (reader.option_keys if reader else ()), key)
    kind = chk.string(raw.get("kind"), f"{key}.kind")
    if kind not in KINDS:
        chk.fail(f"{key}.kind", f"one of {', '.join(sorted(KINDS))}", kind)
        return None
    if reader is None:
        chk.fail(f"{key}.format", f"one of {', '.join(sorted(READERS))}", fmt)
    path = chk.string(raw.get("path"), f"{key}.path")
    # a pulled format may declare url, query… as its own keys: those are checked by it, not here
    own = reader.option_keys if reader is not None else ()
    sql = _check_sql(chk, {k: v for k, v in raw.items() if k not in own}, key, fmt == "sql")
    options = reader.check_options(chk, raw, key) if reader is not None else None
    if not path and (reader is None or reader.files):
        chk.problems.append(f"{key}.path: expected the file (or glob) to read, found nothing")

    csv_raw = chk.mapping(raw.get("csv"), f"{key}.csv")
    chk.unknown_keys(csv_raw, ("delimiter", "encoding", "decimal", "quotechar"), f"{key}.csv")
    delimiter = chk.string(csv_raw.get("delimiter"), f"{key}.csv.delimiter")
    if delimiter is not None:
        delimiter = {"\\t": "\t", "tab": "\t"}.get(delimiter, delimiter)
        if len(delimiter) != 1:
            chk.fail(f"{key}.csv.delimiter", 'a single character such as ";" or ","', delimiter)
            delimiter = None
    encoding = chk.string(csv_raw.get("encoding"), f"{key}.csv.encoding", "auto") or "auto"
    if encoding.lower() not in ENCODINGS:
        chk.fail(f"{key}.csv.encoding", f"one of {', '.join(ENCODINGS)}", encoding)
        encoding = "auto"
    decimal = chk.string(csv_raw.get("decimal"), f"{key}.csv.decimal", ".") or "."
    if decimal not in (".", ","):
        chk.fail(f"{key}.csv.decimal", '"." or ","', decimal)
        decimal = "."
    quotechar = chk.string(csv_raw.get("quotechar"), f"{key}.csv.quotechar", '"') or '"'
    if len(quotechar) != 1:
        chk.fail(f"{key}.csv.quotechar", "a single character", quotechar)
        quotechar = '"'

    dates_raw = chk.mapping(raw.get("dates"), f"{key}.dates")
    chk.unknown_keys(dates_raw, ("dayfirst", "format", "timezone"), f"{key}.dates")
    dates = DateOptions(
        dayfirst=chk.boolean(dates_raw.get("dayfirst"), f"{key}.dates.dayfirst", None),
        format=chk.string(dates_raw.get("format"), f"{key}.dates.format"),
        timezone=_check_timezone(chk, dates_raw.get("timezone"), f"{key}.dates.timezone", None),
    )

    fields = KINDS[kind].fields
    columns_raw = chk.mapping(raw.get("columns"), f"{key}.columns")
    chk.unknown_keys(columns_raw, tuple(fields), f"{key}.columns")
    columns = {str(k): chk.string(v, f"{key}.columns.{k}") or "" for k, v in columns_raw.items()}
    questions = _check_questions(chk, raw, kind, key)
    values_raw = chk.mapping(raw.get("values"), f"{key}.values")
    value_keys = tuple(fields) + (tuple(INSTRUMENTS) if kind == "survey" else ())
    chk.unknown_keys(values_raw, value_keys, f"{key}.values")
    values: dict[str, dict[str, Any]] = {}
    for fname, mapping in values_raw.items():
        mapping = chk.mapping(mapping, f"{key}.values.{fname}")
        values[str(fname)] = {str(k): v for k, v in mapping.items()}
    return SourceConfig(
        name=name,
        kind=kind,
        format=fmt or "csv",
        path=path or "",
        index=index,
        csv=CsvOptions(delimiter, encoding.lower(), decimal, quotechar),
        dates=dates,
        columns=columns,
        values=values,
        questions=questions,
        sheet=chk.string(raw.get("sheet"), f"{key}.sheet"),
        sql=sql,
        options=options,
        every=_check_every(chk, raw.get("every"), f"{key}.every"),
    )


def _check_every(chk: Checker, value: Any, key: str) -> float | None:
    """A source's own interval under ``collect --every`` (``15m``, ``1h``…), in seconds."""
    if value is None:
        return None
    try:
        return parse_interval(value)
    except ValueError as exc:
        chk.fail(key, str(exc), value)
        return None


def parse_config(raw: Any, path: Path) -> Config:
    """Validate an already-parsed YAML document; raise ConfigError listing every problem."""
    chk = Checker()
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise ConfigError(
            path, [f"(top level): expected a mapping of keys, found {_describe(raw)}"]
        )
    chk.unknown_keys(raw, (*TOP_LEVEL_KEYS, *SECTIONS), "")
    store_url = _check_store(chk, raw, path)
    privacy = _check_privacy(chk, raw)
    locale = chk.choice(raw.get("locale"), "locale", LOCALES, "fr")
    timezone = _check_timezone(chk, raw.get("timezone"), "timezone", "Europe/Paris") or "UTC"

    core_raw = raw.get("core_features") or []
    if not isinstance(core_raw, list) or not all(isinstance(f, str) for f in core_raw):
        chk.fail("core_features", "a list of feature names", core_raw)
        core_raw = []

    from metrics.kpis import KPIS  # local import: metrics imports nothing from here

    targets_raw = chk.mapping(raw.get("targets"), "targets")
    targets: dict[str, float] = {}
    for code, value in targets_raw.items():
        if code not in KPIS:
            hint = difflib.get_close_matches(str(code), list(KPIS), n=1)
            extra = f" (did you mean {hint[0]!r}?)" if hint else ""
            chk.problems.append(
                f"targets.{code}: unknown KPI code{extra}; expected one of {', '.join(KPIS)}"
            )
            continue
        number = chk.number(value, f"targets.{code}")
        if number is not None:
            targets[str(code)] = number

    sla = _check_sla(chk, raw)

    sources_raw = raw.get("sources") or []
    sources: list[SourceConfig] = []
    if not isinstance(sources_raw, list):
        chk.fail("sources", "a list of sources", sources_raw)
    else:
        seen: set[str] = set()
        for index, item in enumerate(sources_raw):
            src = _check_source(chk, item, index, seen)
            if src is not None:
                sources.append(src)
    sections = {
        name: import_module(module).parse_section(chk, raw.get(name), name)
        for name, module in SECTIONS.items()
    }
    if chk.problems:
        raise ConfigError(path, chk.problems)
    return Config(
        path=path,
        store_url=store_url,
        privacy=privacy,
        locale=locale,
        timezone=timezone,
        core_features=list(core_raw),
        targets=targets,
        sla_hours=sla,
        sources=sources,
        sections=sections,
    )


def resolve_config_path(path: str | Path | None) -> Path:
    """``--config`` if given, else ``$HYPERCARE_CONFIG``, else ``./hypercare.yaml``."""
    if path:
        return Path(path)
    env = os.environ.get(CONFIG_ENV)
    return Path(env) if env else Path("hypercare.yaml")


def load_config(path: str | Path | None = None) -> Config:
    """Read and validate a config file (see ``resolve_config_path`` for the default)."""
    file = resolve_config_path(path)
    if not file.is_file():
        raise ConfigError(
            file,
            [
                "no such config file; pass --config FILE, set HYPERCARE_CONFIG, or start from "
                "hypercare.example.yaml (or run `hypercare demo`)"
            ],
        )
    try:
        text = file.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        line = exc.object[: exc.start].count(b"\n") + 1
        problem = (
            f"line {line}: the file is not UTF-8 text (byte 0x{exc.object[exc.start]:02x} "
            "cannot be decoded); save it as UTF-8"
        )
        raise ConfigError(file, [problem]) from exc
    try:
        raw = yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "somewhere"
        raise ConfigError(file, [f"{where}: not valid YAML: {exc.problem}"]) from exc
    except yaml.YAMLError as exc:
        raise ConfigError(file, [f"not valid YAML: {exc}"]) from exc
    return parse_config(raw, file.resolve())
