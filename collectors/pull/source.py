"""The ``http-json`` format: records pulled from any JSON API, page by page, incrementally.

A source names the URL, how to authenticate (``auth``, credentials from the environment only),
where the records are in each response (``records: data.items``), how to get the next page
(``pagination``) and, for an incremental pull, which record field is the watermark and which
query parameter sends it (``cursor``). Nested fields are flattened to dotted names
(``{"user": {"email": …}}`` → column ``user.email``) so that ``columns:`` maps them like CSV
headers; a list of values becomes one text (``a, b``), a list of objects its JSON text.

Pagination styles (``pagination.style``):

- ``next-url``: a field of the body holds the next page's URL (``@odata.nextLink``,
  ``links.next``, Zendesk's ``after_url``); no field, null or empty → last page;
- ``link-header``: the ``Link`` header's ``rel="next"`` (RFC 8288); a link marked
  ``results="false"`` (Sentry) is the end;
- ``cursor``: a field of the body holds a token sent back as a query parameter
  (``nextPageToken`` → ``pageToken``);
- ``offset``: ``offset_param`` / ``limit_param`` (``startAt`` / ``maxResults``), until a page is
  short or ``total_field`` is reached;
- ``none``: one request.

``stop_field`` (any style) names a boolean of the body that, when true, marks the last page
(Zendesk's ``end_of_stream``, Jira's ``isLast``).

The incremental cursor: the largest ``cursor.field`` value of the records read (compared as
dates when they are dates, as numbers when numbers) is stored in ``source_cursors`` in the same
transaction as the rows, and sent as ``cursor.param`` on the next run: the boundary is
inclusive and deduplication absorbs the overlap. A cursor never moves back. With
``cursor.token_field`` the cursor is instead a resume token the API gives on its last page
(Zendesk's ``after_cursor``), sent back as ``cursor.token_param``.

Every record becomes a row numbered within its page; a refused record is quarantined with the
page (its ``path`` says ``page N`` and its ``line`` is the record's position in that page) and
its flattened values as JSON. A whole pull is one transaction: a page that fails after its
retries leaves the store (and the cursor) as they were.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import urllib.parse
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from importlib import import_module
from typing import TYPE_CHECKING, Any

from sqlalchemy.exc import DataError, IntegrityError

from collectors.formats import Format
from collectors.pull.http import (
    Auth,
    AuthSpec,
    HttpClient,
    PullError,
    Response,
    check_auth,
    check_http_url,
    looks_secret,
    safe_url,
)
from collectors.readers import FileError, FileReading, RawRow

if TYPE_CHECKING:
    from collectors.base import CollectContext
    from collectors.run import FileOutcome
    from metrics.store import Store

STYLES = ("none", "next-url", "link-header", "cursor", "offset")
FORMATS = ("as-is", "iso", "epoch", "epoch_ms", "date")
OPTION_KEYS = (
    "url",
    "method",
    "headers",
    "params",
    "body",
    "auth",
    "records",
    "pagination",
    "cursor",
    "timeout",
    "retries",
    "max_wait",
    "max_pages",
)
# The keys a preset leaves to its user (the rest of the request is the preset's own).
PRESET_KEYS = ("url", "headers", "params", "auth", "timeout", "retries", "max_wait", "max_pages")
PRESET_KEYS_WITH_CURSOR = (*PRESET_KEYS[:4], "cursor", *PRESET_KEYS[4:])
PAGINATION_KEYS = (
    "style",
    "field",
    "param",
    "stop_field",
    "offset_param",
    "limit_param",
    "limit",
    "total_field",
)
CURSOR_KEYS = ("field", "param", "start", "format", "until_param", "token_field", "token_param")


@dataclass(frozen=True)
class Pagination:
    style: str = "none"
    field: str | None = None  # next-url: the URL's field; cursor: the token's field
    param: str | None = None  # cursor: the query parameter the token is sent as
    stop_field: str | None = None
    offset_param: str = "offset"
    limit_param: str = "limit"
    limit: int = 100
    total_field: str | None = None


@dataclass(frozen=True)
class CursorSpec:
    field: str | None = None  # the record field (flattened name) holding the watermark
    param: str | None = None  # the query parameter that sends it
    start: str | None = None  # sent when there is no stored cursor yet
    format: str = "as-is"
    until_param: str | None = None  # a parameter sent the current time (an API needing an end)
    token_field: str | None = None  # a resume token of the last page's body instead
    token_param: str | None = None


@dataclass(frozen=True)
class HttpOptions:
    """The checked options of a pulled JSON source (``SourceConfig.options``)."""

    url: str
    method: str = "GET"
    headers: dict[str, str] = field(default_factory=dict)
    params: dict[str, Any] = field(default_factory=dict)
    body: dict[str, Any] | None = None
    auth: AuthSpec | None = None
    records: str = ""
    pagination: Pagination = field(default_factory=Pagination)
    cursor: CursorSpec | None = None
    timeout: float = 30.0
    retries: int = 4
    max_wait: float = 300.0
    max_pages: int = 10_000
    # set by presets: "module:function" turning (record, page body) into rows of flat values,
    # the columns those rows always have, and whether a body without the records is an empty page
    transform: str | None = None
    header: tuple[str, ...] = ()
    records_optional: bool = False
    # a preset's hook changing the request for the incremental cursor: (options, mark) → params
    cursor_params: str | None = None


# ------------------------------------------------------------------------------------------
# Config


def check_options(chk: Any, raw: dict, key: str, defaults: dict | None = None) -> HttpOptions:
    """The keys of an ``http-json`` source (or a preset's, over its ``defaults``)."""
    merged = dict(defaults or {})
    for name in OPTION_KEYS:
        if name in raw:
            if isinstance(merged.get(name), dict) and isinstance(raw[name], dict):
                merged[name] = {**merged[name], **raw[name]}
            else:
                merged[name] = raw[name]
    url = chk.string(merged.get("url"), f"{key}.url")
    if not url:
        chk.problems.append(f"{key}.url: expected the API's URL (https://…), found nothing")
        url = ""
    else:
        check_http_url(chk, url, f"{key}.url")
    method = (chk.string(merged.get("method"), f"{key}.method", "GET") or "GET").upper()
    if method not in ("GET", "POST"):
        chk.fail(f"{key}.method", "GET or POST", method)
        method = "GET"
    headers: dict[str, str] = {}
    for name, value in chk.mapping(merged.get("headers"), f"{key}.headers").items():
        text = chk.string(value, f"{key}.headers.{name}") or ""
        if looks_secret(str(name)) and text:
            chk.problems.append(
                f"{key}.headers.{name}: a credential does not belong in the config file; use "
                "auth (type bearer, basic, header or oauth2) with the environment variable that "
                "holds it"
            )
            continue
        headers[str(name)] = text
    params: dict[str, Any] = {}
    for name, value in chk.mapping(merged.get("params"), f"{key}.params").items():
        if looks_secret(str(name)) and value not in (None, ""):
            chk.problems.append(
                f"{key}.params.{name}: a credential does not belong in the config file; use "
                "auth: {type: query, name: …, value_env: …}"
            )
            continue
        if isinstance(value, list):
            params[str(name)] = [str(v) for v in value]
        else:
            params[str(name)] = chk.string(value, f"{key}.params.{name}") or ""
    body = merged.get("body")
    if body is not None and not isinstance(body, dict):
        chk.fail(f"{key}.body", "a mapping (sent as JSON with method POST)", body)
        body = None
    records = chk.string(merged.get("records"), f"{key}.records", "") or ""
    pagination = _check_pagination(chk, merged.get("pagination"), f"{key}.pagination")
    cursor = _check_cursor(chk, merged.get("cursor"), f"{key}.cursor")
    timeout = chk.number(merged.get("timeout"), f"{key}.timeout")
    if timeout is not None and timeout <= 0:
        chk.fail(f"{key}.timeout", "a number of seconds > 0", timeout)
        timeout = None
    max_wait = chk.number(merged.get("max_wait"), f"{key}.max_wait")
    return HttpOptions(
        url=url,
        method=method,
        headers=headers,
        params=params,
        body=body,
        auth=check_auth(chk, merged.get("auth"), f"{key}.auth"),
        records=records.strip().strip("."),
        pagination=pagination,
        cursor=cursor,
        timeout=timeout if timeout is not None else 30.0,
        retries=chk.integer(merged.get("retries"), f"{key}.retries", 4),
        max_wait=max_wait if max_wait is not None and max_wait >= 0 else 300.0,
        max_pages=chk.integer(merged.get("max_pages"), f"{key}.max_pages", 10_000, minimum=1),
    )


def check(chk: Any, raw: dict, key: str) -> HttpOptions:
    """``Format.options`` of ``http-json``."""
    return check_options(chk, raw, key)


def _check_pagination(chk: Any, value: Any, key: str) -> Pagination:
    raw = chk.mapping(value, key)
    chk.unknown_keys(raw, PAGINATION_KEYS, key)
    style = chk.choice(raw.get("style"), f"{key}.style", STYLES, "none")
    found = {n: chk.string(raw.get(n), f"{key}.{n}") for n in ("field", "param", "stop_field")}
    if style in ("next-url", "cursor") and not found["field"]:
        chk.problems.append(f"{key}.field: pagination style {style} needs field, found nothing")
    if style == "cursor" and not found["param"]:
        chk.problems.append(f"{key}.param: pagination style cursor needs param, found nothing")
    return Pagination(
        style=style,
        field=found["field"],
        param=found["param"],
        stop_field=found["stop_field"],
        offset_param=chk.string(raw.get("offset_param"), f"{key}.offset_param", "offset")
        or "offset",
        limit_param=chk.string(raw.get("limit_param"), f"{key}.limit_param", "limit") or "limit",
        limit=chk.integer(raw.get("limit"), f"{key}.limit", 100, minimum=1),
        total_field=chk.string(raw.get("total_field"), f"{key}.total_field"),
    )


def _check_cursor(chk: Any, value: Any, key: str) -> CursorSpec | None:
    if value is None:
        return None
    raw = chk.mapping(value, key)
    chk.unknown_keys(raw, CURSOR_KEYS, key)
    found = {n: chk.string(raw.get(n), f"{key}.{n}") for n in CURSOR_KEYS if n != "format"}
    fmt = chk.choice(raw.get("format"), f"{key}.format", FORMATS, "as-is")
    if found["token_field"]:
        if not found["token_param"]:
            chk.problems.append(f"{key}.token_param: a token cursor needs token_param")
    elif not found["field"]:
        chk.problems.append(
            f"{key}.field: expected the record field holding the watermark, found nothing"
        )
    return CursorSpec(
        field=found["field"],
        param=found["param"],
        start=found["start"],
        format=fmt,
        until_param=found["until_param"],
        token_field=found["token_field"],
        token_param=found["token_param"],
    )


# ------------------------------------------------------------------------------------------
# JSON helpers


def get_path(data: Any, path: str | None) -> Any:
    """The value at a dotted ``path`` (``data.items``); a key holding dots (``@odata.nextLink``)
    is found whole. None when absent; the data itself for an empty path."""
    if not path:
        return data
    if not isinstance(data, dict):
        return None
    if path in data:
        return data[path]
    parts = path.split(".")
    for cut in range(len(parts) - 1, 0, -1):
        head = ".".join(parts[:cut])
        if head in data:
            return get_path(data[head], ".".join(parts[cut:]))
    return None


def as_text(value: Any) -> str:
    """A JSON value as the collectors read text."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, int | float):
        return repr(value) if isinstance(value, float) else str(value)
    if isinstance(value, list) and all(not isinstance(v, dict | list) for v in value):
        return ", ".join(as_text(v) for v in value if v is not None)
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def flatten(record: dict, prefix: str = "") -> dict[str, str]:
    """Nested objects to dotted names, every value as text."""
    out: dict[str, str] = {}
    for name, value in record.items():
        key = f"{prefix}{name}"
        if isinstance(value, dict) and value:
            out.update(flatten(value, f"{key}."))
        else:
            out[key] = as_text(value)
    return out


# ------------------------------------------------------------------------------------------
# Watermarks

_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")


def parse_mark(text: str) -> tuple[str, Any] | None:
    """(value_type, comparable value) of a watermark text; None for an empty one."""
    text = text.strip()
    if not text:
        return None
    if _NUMBER.match(text):
        return "float", float(text)
    moment = parse_moment(text)
    if moment is not None:
        return "datetime", moment
    return "text", text


def parse_moment(text: str) -> dt.datetime | None:
    """An ISO 8601 date or time (``Z``, ``+0200`` or ``+02:00``), aware (naive read as UTC)."""
    value = text.strip()
    if re.search(r"[+-]\d{4}$", value) and "T" in value:
        value = value[:-2] + ":" + value[-2:]
    value = value.replace("Z", "+00:00").replace("z", "+00:00")
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment


def format_mark(text: str, fmt: str) -> str:
    """The watermark as the API wants it sent."""
    if fmt == "as-is":
        return text
    parsed = parse_mark(text)
    if parsed is None:
        return text
    kind, value = parsed
    if kind == "float":
        moment = dt.datetime.fromtimestamp(value / (1000 if value > 1e11 else 1), dt.UTC)
    elif kind == "datetime":
        moment = value
    else:
        return text
    if fmt == "iso":
        return moment.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")
    if fmt == "epoch":
        return str(int(moment.timestamp()))
    if fmt == "epoch_ms":
        return str(int(moment.timestamp() * 1000))
    return moment.astimezone(dt.UTC).date().isoformat()


def later(a: tuple[str, Any], b: tuple[str, Any]) -> bool:
    """Whether mark ``a`` is after mark ``b`` (marks of different types compare as text)."""
    if a[0] == b[0]:
        return a[1] > b[1]
    return str(a[1]) > str(b[1])


# ------------------------------------------------------------------------------------------
# Pages


@dataclass
class Page:
    """One response: its number (1 = first), URL for messages, records and body."""

    number: int
    shown_url: str
    records: list[Any]
    body: Any
    response: Response


def _link_next(header: str | None) -> str | None:
    """The ``rel="next"`` URL of a Link header, None when absent or ``results="false"``."""
    if not header:
        return None
    for part in re.split(r",\s*(?=<)", header):
        match = re.match(r"\s*<([^>]*)>\s*(.*)", part)
        if not match:
            continue
        url, rest = match.groups()
        attrs = dict(
            (k.lower(), v.strip('"'))
            for k, v in re.findall(r';\s*([A-Za-z-]+)\s*=\s*("[^"]*"|[^;]*)', rest)
        )
        if "next" in attrs.get("rel", "").split():
            if attrs.get("results", "true").lower() == "false":
                return None
            return url
    return None


def pages(
    client: HttpClient, options: HttpOptions, params: dict[str, Any], where: str
) -> Iterator[Page]:
    """The pages of one pull, following the source's pagination."""
    pag = options.pagination
    url: str | None = options.url
    query = dict(params)
    offset = 0
    if pag.style == "offset":
        query.setdefault(pag.limit_param, str(pag.limit))
        query[pag.offset_param] = "0"
    seen: set[str] = set()
    number = 0
    while url is not None:
        number += 1
        if number > options.max_pages:
            raise PullError(
                f"{where}: more than {options.max_pages} pages (max_pages); the API keeps "
                "giving a next page"
            )
        if options.method == "POST":
            response = client.post_json(url, options.body or {}, query)
        else:
            response = client.get(url, query)
        shown = client.shown(response.url) if response.url else client.shown(url)
        response.shown_url = shown
        body = response.json()
        records = get_path(body, options.records)
        if records is None and not options.records_optional:
            found = (
                f"its top-level keys are: {', '.join(list(body)[:20]) or 'none'}"
                if isinstance(body, dict)
                else f"its body is a {type(body).__name__} (records: '' reads a list body)"
            )
            raise PullError(
                f"{where}.records: page {number} of {shown} has no {options.records}; {found}"
            )
        if records is None:
            records = []
        if not isinstance(records, list):
            raise PullError(
                f"{where}.records: {options.records or 'the body'} of page {number} ({shown}) "
                f"is not a list of records but {type(records).__name__}"
            )
        yield Page(number, shown, records, body, response)
        if pag.stop_field and get_path(body, pag.stop_field) is True:
            return
        next_url: str | None = None
        if pag.style == "next-url":
            found = get_path(body, pag.field)
            next_url = (
                urllib.parse.urljoin(url, found) if isinstance(found, str) and found else None
            )
            query = {}  # the next URL carries its own query
        elif pag.style == "link-header":
            found = _link_next(response.headers.get("Link"))
            next_url = urllib.parse.urljoin(url, found) if found else None
            query = {}
        elif pag.style == "cursor":
            token = get_path(body, pag.field)
            if token not in (None, "") and records is not None:
                query = {**query, pag.param or "": str(token)}
                next_url = url
        elif pag.style == "offset":
            offset += len(records)
            total = get_path(body, pag.total_field) if pag.total_field else None
            short = len(records) < int(query.get(pag.limit_param, pag.limit) or pag.limit)
            done = (isinstance(total, int) and offset >= total) or short or not records
            if not done:
                query = {**query, pag.offset_param: str(offset)}
                next_url = url
        if next_url is not None:
            step = f"{next_url}?{sorted(query.items())}"
            if step in seen:
                raise PullError(
                    f"{where}.pagination: page {number} of {shown} points to a page already "
                    "read; the API's pagination does not move on"
                )
            seen.add(step)
        url = next_url


# ------------------------------------------------------------------------------------------
# The pull


Transform = Callable[[dict, Any], list[dict[str, str]]]
# a transform's row holding this key is refused (parse stage) with its value as the reason
ERROR = "!error"


def _transform(options: HttpOptions) -> Transform:
    if options.transform is None:
        return lambda record, body: [flatten(record)]
    module, _, name = options.transform.partition(":")
    return getattr(import_module(module), name)


@dataclass
class PullState:
    """What one pull found: the watermark so far and the last page's resume token."""

    mark: tuple[str, Any] | None = None
    mark_text: str | None = None
    token: str | None = None
    pages: int = 0


def page_rows(
    page: Page, options: HttpOptions, transform: Transform, state: PullState
) -> list[RawRow]:
    """The rows of one page: each record's flat rows, numbered by position in the page."""
    rows: list[RawRow] = []
    position = 0
    for record in page.records:
        position += 1
        if not isinstance(record, dict):
            raw = json.dumps({"record": as_text(record)}, ensure_ascii=False)
            what = type(record).__name__
            rows.append(
                RawRow(position, position, None, raw, f"the record is a {what}, not an object")
            )
            continue
        try:
            produced = transform(record, page.body)
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raw = json.dumps(flatten(record), ensure_ascii=False)
            rows.append(RawRow(position, position, None, raw, f"cannot read the record ({exc})"))
            continue
        for values in produced:
            if ERROR in values:  # a part of the record the preset refuses, kept whole
                raw = json.dumps(flatten(record), ensure_ascii=False)
                rows.append(RawRow(position, position, None, raw, values[ERROR]))
                continue
            if options.cursor is not None and options.cursor.field:
                text = values.get(options.cursor.field, "")
                mark = parse_mark(text)
                if mark is not None and (state.mark is None or later(mark, state.mark)):
                    state.mark, state.mark_text = mark, text.strip()
            rows.append(RawRow(position, position, values, ""))  # raw: see ``pull``
    return rows


def pull(store: Store, ctx: CollectContext, run_id: int) -> FileOutcome:
    """``Format.pull`` of ``http-json`` and its presets: every page into the store, with the
    new cursor, in one transaction."""
    from collectors.kinds import KINDS
    from collectors.readers import READERS
    from collectors.run import (
        FileOutcome,
        _lock_source,
        _now,
        _read_rows,
        _record_failure,
        close_ledger,
        open_ledger,
        release_context,
        store_refusal,
    )
    from metrics.store.models import SourceCursor

    source = ctx.source
    options: HttpOptions = source.options
    fmt = READERS[source.format]
    where = source.key_path
    started = _now()
    label = f"{options.method} {safe_url(options.url)}"[:1000]
    since = "from the start"
    outcome = FileOutcome(label, "ok")
    try:
        auth = (
            Auth.from_env(options.auth, ctx.config.base_dir, where)
            if options.auth is not None
            else None
        )
        client = HttpClient(
            source.name,
            auth=auth,
            headers=dict(options.headers),
            timeout=options.timeout,
            retries=options.retries,
            max_wait=options.max_wait,
        )
        with store.session() as session:
            _lock_source(session, source.name)
            stored = session.get(SourceCursor, source.name)
            params = dict(options.params)
            spec = options.cursor
            if spec is not None:
                params, since = _cursor_params(options, spec, stored, params)
            ledger = open_ledger(session, ctx, run_id, label, since[:200], started)
            state = PullState()
            transform = _transform(options)
            header: dict[str, None] = dict.fromkeys(options.header)
            bytes_read = 0
            for page in pages(client, options, params, where):
                state.pages = page.number
                bytes_read += len(page.response.body)
                if spec is not None and spec.token_field:
                    token = get_path(page.body, spec.token_field)
                    if isinstance(token, str) and token:
                        state.token = token
                rows = page_rows(page, options, transform, state)
                for row in rows:
                    if row.values is not None:
                        header.update(dict.fromkeys(row.values))
                if rows and not header:
                    raise PullError(
                        f"{where}.records: the records of page {page.number} of "
                        f"{page.shown_url} are not JSON objects; check records"
                    )
                # each row's raw text holds every column so far (those a record lacks empty),
                # so that --retry-quarantine can map it like the pull did
                blank = dict.fromkeys(header, "")
                for row in rows:
                    if row.values is None:
                        row.raw = json.dumps({**blank, **json.loads(row.raw)}, ensure_ascii=False)
                    else:
                        row.raw = json.dumps({**blank, **row.values}, ensure_ascii=False)
                ctx.file_state = {}  # a record seen again on a later page is its newer version
                shown = f"{label} (page {page.number})"[:1000]
                reading = FileReading(header=list(header), rows=iter(rows))
                _read_rows(session, ctx, reading, shown, outcome, fmt, finish=False)
            KINDS[source.kind].after_file(session, ctx)  # rollups refreshed once per pull
            if spec is not None and spec.field and header and spec.field not in header:
                shown_columns = ", ".join(list(header)[:30])
                raise PullError(
                    f"{where}.cursor.field: no record has {spec.field!r}, so the cursor cannot "
                    f"move; the records have: {shown_columns}"
                )
            _store_cursor(session, source.name, spec, state, stored, SourceCursor, _now())
            ledger.size_bytes = bytes_read
            close_ledger(ledger, outcome)
    except (PullError, FileError) as exc:
        return _record_failure(store, ctx, label, since[:200], 0, run_id, started, str(exc))
    except (DataError, IntegrityError) as exc:
        message = store_refusal(exc, label, "a record of this source")
        return _record_failure(store, ctx, label, since[:200], 0, run_id, started, message)
    finally:
        release_context(ctx)
    assert outcome.read == outcome.accepted + outcome.duplicates + outcome.quarantined
    return outcome


def _cursor_params(
    options: HttpOptions, spec: CursorSpec, stored: Any, params: dict[str, Any]
) -> tuple[dict[str, Any], str]:
    """The query parameters of the incremental cursor, and how the ledger describes it."""
    if options.cursor_params is not None:
        module, _, name = options.cursor_params.partition(":")
        hook = getattr(import_module(module), name)
        value = stored.value if stored is not None else spec.start
        return hook(options, params, value, stored is not None)
    since = "from the start"
    if spec.token_field:
        if stored is not None:
            params[spec.token_param or ""] = stored.value
            return params, "after the stored cursor token"
        if spec.param and spec.start is not None:
            params[spec.param] = format_mark(spec.start, spec.format)
            since = f"{spec.param} >= {spec.start}"
        return params, since
    value = stored.value if stored is not None else spec.start
    if value is not None and spec.param:
        params[spec.param] = format_mark(value, spec.format)
        since = f"{spec.field} >= {value}"
    if spec.until_param and spec.param in params:  # an API that wants both ends of a range
        now = dt.datetime.now(dt.UTC).replace(microsecond=0)
        params[spec.until_param] = format_mark(now.isoformat(), "iso")
    return params, since


def _store_cursor(
    session: Any,
    name: str,
    spec: CursorSpec | None,
    state: PullState,
    stored: Any,
    model: Any,
    now: dt.datetime,
) -> None:
    """Move the source's cursor forward (never back), in the transaction of the rows."""
    if spec is None:
        return
    if spec.token_field:
        if state.token is None or (stored is not None and stored.value == state.token):
            return
        value_type, value = "token", state.token
    else:
        if state.mark is None or state.mark_text is None:
            return
        if stored is not None:
            old = parse_mark(stored.value)
            if old is not None and not later(state.mark, old):
                return
        value_type, value = state.mark[0], state.mark_text
    if len(value) > 200:
        raise PullError(f"source {name}: the cursor value is longer than 200 characters")
    row = stored if stored is not None else model(source=name)
    if stored is None:
        session.add(row)
    row.value_type, row.value, row.updated_at = value_type, value, now


def preset_options(defaults: dict, **extra: Any) -> Callable[[Any, dict, str], HttpOptions]:
    """A preset's ``Format.options``: the generic keys over the preset's ``defaults``, then
    the preset's fixed settings (``transform``, ``header``…)."""

    def _check(chk: Any, raw: dict, key: str) -> HttpOptions:
        return replace(check_options(chk, raw, key, defaults), **extra)

    return _check


FORMAT = Format(
    "http-json",
    "collectors.pull.source",
    "records pulled from a JSON API: pagination, incremental cursor, retries, credentials from env",
    decimal=".",
    files=False,
    pull="collectors.pull.source:pull",
    option_keys=OPTION_KEYS,
    options="collectors.pull.source:check",
)
