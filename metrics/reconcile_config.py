"""The ``reconciliation:`` section of the config: two sides and the entities to compare.

Parsed by :func:`parse_section` (registered in ``hypercare.config.SECTIONS``); every problem is
reported through the config's ``Checker`` with its key path, like the rest of the file. A side
is a database (``url`` or ``url_env``, with a ``query`` or a ``table`` per entity) or an exported
file (``path``, ``format``, ``csv``, ``dates``) read by the collectors' readers. What a side
says under ``sides:`` is the default of every entity; an entity's own ``legacy:`` / ``new:``
adds to it (usually the query or the file).
"""

from __future__ import annotations

import re
from dataclasses import replace
from decimal import Decimal
from typing import Any

from sqlalchemy import make_url
from sqlalchemy.exc import ArgumentError

from hypercare.config import Checker, CsvOptions, DateOptions, hide_password
from metrics.reconcile_spec import (
    SIDES,
    Condition,
    EntitySpec,
    GroupExpr,
    ReconciliationConfig,
    SideSpec,
    Tolerance,
)

SECTION_KEYS = ("sides", "entities", "timezone", "samples", "decimals")
SIDE_KEYS = (
    "url",
    "url_env",
    "query",
    "table",
    "path",
    "format",
    "sheet",
    "csv",
    "dates",
    "timezone",
    "decimal",
    "columns",
    "where",
)
ENTITY_KEYS = (
    "name",
    "legacy",
    "new",
    "key",
    "compare",
    "sums",
    "min_max",
    "group_by",
    "tolerance",
    "sum_tolerance",
    "count_tolerance",
    "types",
    "where",
    "samples",
    "decimals",
)
FILE_FORMATS = ("csv", "xlsx", "jsonl")
_LOCATION = ("url", "url_env", "path")
_SQL_KEYS = ("query", "table")
_FILE_KEYS = ("format", "sheet", "csv")
TYPES = ("text", "number", "date", "datetime", "bool")
GROUP_FUNCTIONS = ("year", "quarter", "month", "day")
OPERATORS = {
    "=": "eq",
    "==": "eq",
    "eq": "eq",
    "!=": "ne",
    "<>": "ne",
    "ne": "ne",
    "<": "lt",
    "lt": "lt",
    "<=": "le",
    "le": "le",
    ">": "gt",
    "gt": "gt",
    ">=": "ge",
    "ge": "ge",
    "in": "in",
    "not in": "not_in",
    "not_in": "not_in",
}
_GROUP = re.compile(r"^\s*([a-z]+)\s*\(\s*(.+?)\s*\)\s*$")


def parse_section(chk: Checker, value: Any, key: str) -> ReconciliationConfig | None:
    """Validate ``reconciliation:``; None when the config has no such section."""
    if value is None:
        return None
    raw = chk.mapping(value, key)
    chk.unknown_keys(raw, SECTION_KEYS, key)
    timezone = _timezone(chk, raw.get("timezone"), f"{key}.timezone")
    samples = chk.integer(raw.get("samples"), f"{key}.samples", 10, minimum=0)
    decimals = chk.integer(raw.get("decimals"), f"{key}.decimals", 6, minimum=0)
    sides_raw = chk.mapping(raw.get("sides"), f"{key}.sides")
    chk.unknown_keys(sides_raw, SIDES, f"{key}.sides")
    defaults = {}
    for side in SIDES:
        where = f"{key}.sides.{side}"
        defaults[side] = chk.mapping(sides_raw.get(side), where)
        chk.unknown_keys(defaults[side], SIDE_KEYS, where)
    entities_raw = raw.get("entities")
    entities: list[EntitySpec] = []
    if not isinstance(entities_raw, list) or not entities_raw:
        chk.fail(f"{key}.entities", "a list of entities (name, key, compare…)", entities_raw)
    else:
        seen: set[str] = set()
        for index, item in enumerate(entities_raw):
            entity = _entity(chk, item, f"{key}.entities[{index}]", index, defaults, seen)
            if entity is not None:
                entities.append(_with_defaults(entity, item, samples=samples, decimals=decimals))
    return ReconciliationConfig(entities=tuple(entities), timezone=timezone)


def _with_defaults(entity: EntitySpec, raw: dict, *, samples: int, decimals: int) -> EntitySpec:
    return replace(
        entity,
        samples=entity.samples if "samples" in raw else samples,
        decimals=entity.decimals if "decimals" in raw else decimals,
    )


def _timezone(chk: Checker, value: Any, key: str) -> str | None:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    name = chk.string(value, key)
    if name is None:
        return None
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        chk.fail(key, "an IANA time zone such as Europe/Paris", name)
        return None
    return name


def _names(chk: Checker, value: Any, key: str) -> tuple[str, ...]:
    """A column name or a list of column names."""
    if value is None:
        return ()
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        chk.fail(key, "a column name or a list of column names", value)
        return ()
    return tuple(value)


def _tolerance(chk: Checker, value: Any, key: str) -> Tolerance:
    if isinstance(value, int | float) and not isinstance(value, bool):
        if value < 0:
            chk.fail(key, "a number ≥ 0", value)
            return Tolerance()
        return Tolerance(abs=Decimal(str(value)))
    if isinstance(value, dict):
        chk.unknown_keys(value, ("abs", "rel"), key)
        parts = {}
        for part in ("abs", "rel"):
            number = chk.number(value.get(part), f"{key}.{part}")
            if number is not None and number < 0:
                chk.fail(f"{key}.{part}", "a number ≥ 0", number)
                number = None
            parts[part] = Decimal(str(number)) if number is not None else Decimal(0)
        return Tolerance(**parts)
    chk.fail(key, "a number (absolute) or {abs: 0.01, rel: 0.001}", value)
    return Tolerance()


def _tolerances(chk: Checker, value: Any, key: str) -> dict[str, Tolerance]:
    mapping = chk.mapping(value, key)
    return {str(col): _tolerance(chk, tol, f"{key}.{col}") for col, tol in mapping.items()}


def _conditions(chk: Checker, value: Any, key: str) -> tuple[Condition, ...]:
    """``where``: column → value (equal), [values] (one of), null, or {op: value, …}."""
    mapping = chk.mapping(value, key)
    out: list[Condition] = []
    for column, test in mapping.items():
        where = f"{key}.{column}"
        if isinstance(test, dict):
            for op, operand in test.items():
                name = OPERATORS.get(str(op).strip().lower())
                if name is None:
                    chk.fail(f"{where}", f"operators among {', '.join(OPERATORS)}", op)
                    continue
                if name in ("in", "not_in"):
                    if not isinstance(operand, list):
                        chk.fail(f"{where}.{op}", "a list of values", operand)
                        continue
                    operand = tuple(operand)
                elif isinstance(operand, list | dict):
                    chk.fail(f"{where}.{op}", "a single value", operand)
                    continue
                out.append(Condition(str(column), name, operand))
        elif isinstance(test, list):
            out.append(Condition(str(column), "in", tuple(test)))
        else:
            out.append(Condition(str(column), "eq", test))
    return tuple(out)


def _group_by(chk: Checker, value: Any, key: str) -> tuple[GroupExpr, ...]:
    out = []
    for text in _names(chk, value, key):
        match = _GROUP.match(text)
        if match is None:
            out.append(GroupExpr(text=text, column=text.strip()))
            continue
        function, column = match.group(1), match.group(2)
        if function not in GROUP_FUNCTIONS:
            chk.fail(
                key,
                f"a column or one of {', '.join(f'{f}(column)' for f in GROUP_FUNCTIONS)}",
                text,
            )
            continue
        out.append(GroupExpr(text=text, column=column, function=function))
    return tuple(out)


def _side(chk: Checker, default: dict, own: Any, key: str, side: str) -> SideSpec | None:
    own = chk.mapping(own, key)
    chk.unknown_keys(own, SIDE_KEYS, key)
    if any(own.get(k) for k in _LOCATION):  # the entity's own database or file wins
        dropped = _LOCATION + (_SQL_KEYS if own.get("path") else _FILE_KEYS)
        default = {k: v for k, v in default.items() if k not in dropped}
    merged = {**default, **own}
    for nested in ("csv", "dates", "columns"):  # nested mappings merge key by key
        if isinstance(default.get(nested), dict) and isinstance(own.get(nested), dict):
            merged[nested] = {**default[nested], **own[nested]}
    url = chk.string(merged.get("url"), f"{key}.url")
    url_env = chk.string(merged.get("url_env"), f"{key}.url_env")
    path = chk.string(merged.get("path"), f"{key}.path")
    query = chk.string(merged.get("query"), f"{key}.query")
    table = chk.string(merged.get("table"), f"{key}.table")
    if sum(bool(x) for x in (url, url_env, path)) != 1:
        given = ", ".join(k for k in ("url", "url_env", "path") if merged.get(k)) or "none"
        chk.problems.append(
            f"{key}: expected one of url (a database URL), url_env (the environment variable "
            "holding it) or path (an exported file), here or under reconciliation.sides."
            f"{side}; found {given}"
        )
        return None
    if url:
        try:
            if make_url(url).password:
                chk.problems.append(
                    f"{key}.url: a password does not belong in the config file; put the URL in "
                    "an environment variable and name it with url_env"
                )
        except (ArgumentError, ValueError):  # ValueError: a port that is not a number
            chk.fail(
                f"{key}.url",
                "a database URL such as sqlite:///exports/legacy.db",
                hide_password(url),
            )
    fmt = chk.string(merged.get("format"), f"{key}.format", "csv") or "csv"
    if path:
        for name in ("query", "table"):
            if merged.get(name):
                chk.problems.append(f"{key}.{name}: a file side (path) has no {name}")
        if fmt not in FILE_FORMATS:
            chk.fail(f"{key}.format", f"one of {', '.join(FILE_FORMATS)}", fmt)
    else:
        for name in ("format", "csv", "sheet"):
            if merged.get(name) is not None:
                chk.problems.append(f"{key}.{name}: only a file side (path) has {name}")
        if bool(query) == bool(table):
            chk.problems.append(
                f"{key}: a database side needs a query (the SELECT to run) or a table, "
                "not both and not neither"
            )
    csv_raw = chk.mapping(merged.get("csv"), f"{key}.csv")
    chk.unknown_keys(csv_raw, ("delimiter", "encoding", "decimal", "quotechar"), f"{key}.csv")
    delimiter = chk.string(csv_raw.get("delimiter"), f"{key}.csv.delimiter")
    if delimiter is not None:
        delimiter = {"\\t": "\t", "tab": "\t"}.get(delimiter, delimiter)
        if len(delimiter) != 1:
            chk.fail(f"{key}.csv.delimiter", 'a single character such as ";" or ","', delimiter)
            delimiter = None
    from hypercare.config import ENCODINGS

    encoding = (
        chk.string(csv_raw.get("encoding"), f"{key}.csv.encoding", "auto") or "auto"
    ).lower()
    if encoding not in ENCODINGS:
        chk.fail(f"{key}.csv.encoding", f"one of {', '.join(ENCODINGS)}", encoding)
        encoding = "auto"
    csv_decimal = chk.string(csv_raw.get("decimal"), f"{key}.csv.decimal")
    if csv_decimal not in (None, ".", ","):
        chk.fail(f"{key}.csv.decimal", '"." or ","', csv_decimal)
        csv_decimal = None
    quotechar = chk.string(csv_raw.get("quotechar"), f"{key}.csv.quotechar", '"') or '"'
    if len(quotechar) != 1:
        chk.fail(f"{key}.csv.quotechar", "a single character", quotechar)
        quotechar = '"'
    decimal = chk.string(merged.get("decimal"), f"{key}.decimal") or csv_decimal
    if decimal not in (None, ".", ","):
        chk.fail(f"{key}.decimal", '"." or ","', decimal)
        decimal = None
    dates_raw = chk.mapping(merged.get("dates"), f"{key}.dates")
    chk.unknown_keys(dates_raw, ("dayfirst", "format", "timezone"), f"{key}.dates")
    dates = DateOptions(
        dayfirst=chk.boolean(dates_raw.get("dayfirst"), f"{key}.dates.dayfirst", None),
        format=chk.string(dates_raw.get("format"), f"{key}.dates.format"),
        timezone=_timezone(chk, dates_raw.get("timezone"), f"{key}.dates.timezone"),
    )
    columns_raw = chk.mapping(merged.get("columns"), f"{key}.columns")
    columns = {
        str(k): chk.string(v, f"{key}.columns.{k}") or str(k) for k, v in columns_raw.items()
    }
    return SideSpec(
        side=side,
        key_path=key,
        url=url,
        url_env=url_env,
        query=query,
        table=table,
        path=path,
        format=fmt,
        sheet=chk.string(merged.get("sheet"), f"{key}.sheet"),
        csv=CsvOptions(delimiter, encoding, csv_decimal or ".", quotechar),
        dates=dates,
        timezone=_timezone(chk, merged.get("timezone"), f"{key}.timezone") or dates.timezone,
        decimal=decimal,
        columns=columns,
        where=_conditions(chk, merged.get("where"), f"{key}.where"),
    )


def _entity(
    chk: Checker, raw: Any, key: str, index: int, defaults: dict, seen: set[str]
) -> EntitySpec | None:
    if not isinstance(raw, dict):
        chk.fail(key, "a mapping with name, key and the sides' queries or files", raw)
        return None
    name = chk.unique_name(raw.get("name"), key, "entity", index, seen)
    key = f"{key} ({name})"
    chk.unknown_keys(raw, ENTITY_KEYS, key)
    sides = {s: _side(chk, defaults[s], raw.get(s), f"{key}.{s}", s) for s in SIDES}
    types_raw = chk.mapping(raw.get("types"), f"{key}.types")
    types: dict[str, str] = {}
    for column, kind in types_raw.items():
        if kind not in TYPES:
            chk.fail(f"{key}.types.{column}", f"one of {', '.join(TYPES)}", kind)
        else:
            types[str(column)] = kind
    compare = _names(chk, raw.get("compare"), f"{key}.compare") if "compare" in raw else None
    count_tolerance = (
        _tolerance(chk, raw["count_tolerance"], f"{key}.count_tolerance")
        if raw.get("count_tolerance") is not None
        else Tolerance()
    )
    key_columns = _names(chk, raw.get("key"), f"{key}.key")
    if compare is not None:
        both = set(key_columns) & set(compare)
        if both:
            chk.problems.append(
                f"{key}.compare: {', '.join(sorted(both))} is already a key column; "
                "key columns are compared by matching rows"
            )
    fields = {
        "sums": _names(chk, raw.get("sums"), f"{key}.sums"),
        "min_max": _names(chk, raw.get("min_max"), f"{key}.min_max"),
        "group_by": _group_by(chk, raw.get("group_by"), f"{key}.group_by"),
        "tolerance": _tolerances(chk, raw.get("tolerance"), f"{key}.tolerance"),
        "sum_tolerance": _tolerances(chk, raw.get("sum_tolerance"), f"{key}.sum_tolerance"),
        "where": _conditions(chk, raw.get("where"), f"{key}.where"),
        "samples": chk.integer(raw.get("samples"), f"{key}.samples", 10, minimum=0),
        "decimals": chk.integer(raw.get("decimals"), f"{key}.decimals", 6, minimum=0),
    }
    if sides["legacy"] is None or sides["new"] is None:
        return None
    return EntitySpec(
        name=name,
        index=index,
        legacy=sides["legacy"],
        new=sides["new"],
        key=key_columns,
        compare=compare,
        count_tolerance=count_tolerance,
        types=types,
        **fields,
    )
