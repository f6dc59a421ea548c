"""The ``http-json`` source and its HTTP client, against real HTTP servers on loopback.

Each test starts an ``http.server`` on 127.0.0.1 (tests/http_fixtures.py) that serves records
page by page in one of the pagination styles, filters them by the incremental cursor, and
answers with the status codes a real API uses (429 with Retry-After, 500, 401 for an expired
token, 403, 404). Store tests run on SQLite and PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import json
import time

import pytest
from http_fixtures import ApiServer, Reply, Request, running
from sqlalchemy import func, select

from collectors.pull.http import Auth, AuthSpec, HttpClient, PullError, retry_after, safe_url
from collectors.pull.source import get_path, parse_mark
from collectors.run import collect
from hypercare.config import ConfigError, load_config
from metrics.store import open_store
from metrics.store.models import IngestFile, Quarantine, SourceCursor, UsageEvent

PAGE = 2


@pytest.fixture
def api():
    yield from running()


class EventApi:
    """An API of usage events: ``GET /v1/events?since=…`` in pages of ``PAGE``, in one style."""

    def __init__(self, server: ApiServer, style: str, path: str = "/v1/events") -> None:
        self.server = server
        self.style = style
        self.path = path
        self.records: list[dict] = []
        server.route(path, self.serve)

    def add(self, *minutes: int, ok: bool = True) -> None:
        for minute in minutes:
            n = len(self.records) + 1
            self.records.append(
                {
                    "id": f"e{n}",
                    "at": f"2026-05-31T10:{minute:02d}:00Z",
                    "user": {"email": f"u{n % 3}@example.fr", "team": "Compta"},
                    "action": "invoice.create",
                    "ok": ok,
                }
            )

    def serve(self, request: Request) -> Reply:
        since = request.query.get("since")
        chosen = [r for r in self.records if since is None or r["at"] >= since]
        chosen.sort(key=lambda r: (r["at"], r["id"]))
        start = 0
        if self.style in ("next-url", "link-header", "cursor"):
            start = int(request.query.get("page_token") or request.query.get("p") or 0)
        elif self.style == "offset":
            start = int(request.query.get("offset") or 0)
            assert request.query.get("limit") == str(PAGE)
        items = chosen[start : start + PAGE]
        after = start + PAGE
        more = after < len(chosen)
        base = f"{self.server.url}{self.path}"
        body: dict = {"data": {"items": items}}
        headers: dict[str, str] = {}
        if self.style == "next-url":
            body["links"] = {"next": f"{base}?p={after}&since={since or ''}" if more else None}
            if since is None and more:
                body["links"]["next"] = f"{self.path}?p={after}"  # a relative next URL
        elif self.style == "link-header":
            query = f"p={after}" + (f"&since={since}" if since else "")
            headers["Link"] = (
                f'<{base}?p=0>; rel="previous"; results="false", '
                f'<{base}?{query}>; rel="next"; results="{"true" if more else "false"}"'
            )
        elif self.style == "cursor":
            body["next_page_token"] = str(after) if more else None
        elif self.style == "offset":
            body["total"] = len(chosen)
        return Reply(200, body, headers)


PAGINATION = {
    "next-url": "{style: next-url, field: links.next}",
    "link-header": "{style: link-header}",
    "cursor": "{style: cursor, field: next_page_token, param: page_token}",
    "offset": f"{{style: offset, offset_param: offset, limit_param: limit, limit: {PAGE}, "
    "total_field: total}",
}


def source_yaml(url: str, style: str, extra: str = "") -> str:
    return f"""
sources:
  - name: saas-api
    kind: usage
    format: http-json
    url: {url}
    records: data.items
    pagination: {PAGINATION[style]}
    cursor: {{field: at, param: since}}
    columns: {{ts: at, user: user.email, action: action, outcome: ok, event_id: id}}
    values: {{outcome: {{'true': ok, 'false': error}}}}
{extra}"""


def pull(config, store):
    ((f,),) = [o.files for o in collect(config, store)]
    return f


def count(store, model=UsageEvent):
    with store.session() as session:
        return session.scalar(select(func.count()).select_from(model))


def cursor_of(store, name="saas-api"):
    with store.session() as session:
        row = session.get(SourceCursor, name)
        return None if row is None else row.value


@pytest.mark.parametrize("style", list(PAGINATION))
def test_each_pagination_style_pulls_every_page_and_repulling_adds_nothing(
    api, make_config, store_url, style
):
    events = EventApi(api, style)
    events.add(0, 1, 2, 3, 4)
    config = load_config(make_config(source_yaml(f"{api.url}/v1/events", style), store=store_url))
    store = open_store(config.store_url)
    try:
        f = pull(config, store)
        assert (f.status, f.read, f.accepted, f.duplicates, f.quarantined) == ("ok", 5, 5, 0, 0)
        assert len(api.calls("/v1/events")) == 3  # pages of 2, 2 and 1
        assert count(store) == 5
        assert cursor_of(store) == "2026-05-31T10:04:00Z"
        assert api.calls("/v1/events")[0].query.get("since") is None

        # Nothing new: the boundary record is read again (inclusive) and is a duplicate.
        f = pull(config, store)
        assert (f.read, f.accepted, f.duplicates) == (1, 0, 1)
        assert api.calls("/v1/events")[-1].query["since"] == "2026-05-31T10:04:00Z"

        # Three new records → exactly three added.
        events.add(4, 6, 7)
        f = pull(config, store)
        assert (f.read, f.accepted, f.duplicates, f.quarantined) == (4, 3, 1, 0)
        assert count(store) == 8
        assert cursor_of(store) == "2026-05-31T10:07:00Z"
        with store.session() as session:
            ledger = session.scalars(select(IngestFile).order_by(IngestFile.id)).all()
        assert all(e.rows_read == e.accepted + e.duplicates + e.quarantined for e in ledger)
        assert ledger[0].path == f"GET {api.url}/v1/events"
        assert ledger[-1].checksum == "at >= 2026-05-31T10:04:00Z"
    finally:
        store.dispose()


def test_nested_fields_are_flattened_for_the_mapping(api, make_config, tmp_path):
    events = EventApi(api, "cursor")
    events.add(0)
    body = source_yaml(f"{api.url}/v1/events", "cursor").replace(
        "action: action,", "action: action, feature: user.team,"
    )
    config = load_config(make_config(body))
    store = open_store(config.store_url)
    try:
        assert pull(config, store).accepted == 1
        with store.session() as session:
            event = session.scalars(select(UsageEvent)).one()
        assert event.feature == "Compta"
    finally:
        store.dispose()


def test_a_cursor_in_the_future_reads_nothing_and_stays(api, make_config):
    events = EventApi(api, "cursor")
    events.add(0, 1)
    config = load_config(make_config(source_yaml(f"{api.url}/v1/events", "cursor")))
    store = open_store(config.store_url)
    try:
        pull(config, store)
        with store.session() as session:
            session.get(SourceCursor, "saas-api").value = "2030-01-01T00:00:00Z"
        f = pull(config, store)
        assert (f.status, f.read) == ("ok", 0)
        assert cursor_of(store) == "2030-01-01T00:00:00Z"
    finally:
        store.dispose()


def test_a_bad_record_is_quarantined_with_its_page_and_position(api, make_config, store_url):
    events = EventApi(api, "cursor")
    events.add(0, 1, 2)
    events.records[2]["at"] = "not a date"  # page 2, first record
    config = load_config(
        make_config(source_yaml(f"{api.url}/v1/events", "cursor"), store=store_url)
    )
    original = events.serve

    def with_string(request: Request) -> Reply:
        reply = original(request)
        if request.query.get("page_token") == "2":
            reply.body["data"]["items"].append("just a string")
        return reply

    api.route("/v1/events", with_string)
    store = open_store(config.store_url)
    try:
        f = pull(config, store)
        assert (f.read, f.accepted, f.quarantined) == (4, 2, 2)
        with store.session() as session:
            entries = session.scalars(select(Quarantine).order_by(Quarantine.line)).all()
        assert [(e.path, e.line, e.stage) for e in entries] == [
            (f"GET {api.url}/v1/events (page 2)", 1, "convert"),
            (f"GET {api.url}/v1/events (page 2)", 2, "parse"),
        ]
        assert json.loads(entries[0].raw)["at"] == "not a date"
        assert "not an object" in entries[1].reason
        # the same pull again: no duplicate quarantine entries
        with store.session() as session:
            session.query(SourceCursor).delete()
        pull(config, store)
        assert count(store, Quarantine) == 2
    finally:
        store.dispose()


def test_429_with_retry_after_then_success(api, make_config):
    events = EventApi(api, "cursor")
    events.add(0, 1, 2)
    calls = {"n": 0}

    def limited(request: Request) -> Reply:
        calls["n"] += 1
        if calls["n"] == 2:  # the second page is rate limited once
            return Reply(429, {"error": "slow down"}, {"Retry-After": "1"})
        return events.serve(request)

    api.route("/v1/events", limited)
    config = load_config(make_config(source_yaml(f"{api.url}/v1/events", "cursor")))
    store = open_store(config.store_url)
    try:
        started = time.monotonic()
        f = pull(config, store)
        assert time.monotonic() - started >= 0.95  # it waited what the server asked
        assert (f.status, f.accepted) == ("ok", 3)
        assert len(api.requests) == 3
    finally:
        store.dispose()


def test_500_then_success_retries_with_backoff(api):
    answers = iter([Reply(500, {"e": 1}), Reply(502, {"e": 2}), Reply(200, {"ok": True})])
    api.route("/x", lambda request: next(answers))
    client = HttpClient("demo", backoff=0.05)
    assert client.get(f"{api.url}/x").json() == {"ok": True}
    assert len(client.waits) == 2 and all(0.02 <= w <= 0.15 for w in client.waits)


def test_retries_exhausted_and_a_too_long_retry_after_fail_clearly(api):
    api.route("/busy", lambda request: Reply(503, {"e": "maintenance"}))
    client = HttpClient("demo", retries=2, backoff=0.01)
    with pytest.raises(PullError, match=r"source demo: .*/busy answered 503 again after 2"):
        client.get(f"{api.url}/busy")
    assert len(api.calls("/busy")) == 3
    api.route("/later", lambda request: Reply(429, {}, {"Retry-After": "3600"}))
    client = HttpClient("demo", max_wait=60)
    with pytest.raises(PullError, match="asks to wait 3600 s"):
        client.get(f"{api.url}/later")
    assert len(api.calls("/later")) == 1


def test_retry_after_as_seconds_or_http_date():
    now = 1_780_000_000.0
    assert retry_after("120") == 120
    assert retry_after(email.utils.formatdate(now + 30, usegmt=True), now=now) == 30
    assert retry_after(email.utils.formatdate(now - 30, usegmt=True), now=now) == 0
    assert retry_after("soon") is None and retry_after(None) is None


def test_retry_after_http_date_is_honoured(api):
    moments = []

    def route(request: Request) -> Reply:
        moments.append(time.time())
        if len(moments) == 1:
            when = email.utils.formatdate(time.time() + 2, usegmt=True)
            return Reply(429, {}, {"Retry-After": when})
        return Reply(200, [])

    api.route("/d", route)
    HttpClient("demo").get(f"{api.url}/d")
    assert moments[1] - moments[0] >= 1.0  # at least the whole second left before that date


def test_timeout_names_the_source_and_url(api):
    def slow(request: Request) -> Reply:
        time.sleep(1.5)
        return Reply(200, {})

    api.route("/slow", slow)
    client = HttpClient("demo", timeout=0.3, retries=0)
    with pytest.raises(PullError, match=r"source demo: http://127.0.0.1:\d+/slow did not answer"):
        client.get(f"{api.url}/slow")


@pytest.mark.parametrize(
    ("status", "words"),
    [
        (401, "unauthorized"),
        (403, "lack a permission"),
        (404, "check the source's url"),
        (400, '"got": "Bearer ***"'),  # another status: the body is shown, scrubbed
    ],
)
def test_http_errors_name_the_source_and_url_without_the_secret(
    api, make_config, monkeypatch, status, words
):
    def refuse(request: Request) -> Reply:  # an API that echoes the request in its error
        return Reply(status, {"error": "no", "got": request.headers.get("Authorization")})

    api.route("/v1/events", refuse)
    monkeypatch.setenv("SAAS_TOKEN", "s3cr3t-token-value")
    extra = "    auth: {type: bearer, token_env: SAAS_TOKEN}\n"
    config = load_config(make_config(source_yaml(f"{api.url}/v1/events", "cursor", extra)))
    store = open_store(config.store_url)
    try:
        f = pull(config, store)
        assert f.status == "failed"
        assert f.error.startswith(f"source saas-api: {api.url}/v1/events answered {status}")
        assert words in f.error
        assert "s3cr3t" not in f.error
        if status == 401:
            assert "SAAS_TOKEN" in f.error
        assert api.requests[0].headers["Authorization"] == "Bearer s3cr3t-token-value"
        assert count(store) == 0
    finally:
        store.dispose()


class TokenServer:
    """An OAuth2 token endpoint and an API accepting only the current, unexpired token."""

    def __init__(self, server: ApiServer, lifetime: int = 3600) -> None:
        self.issued: list[str] = []
        self.lifetime = lifetime
        self.revoked: set[str] = set()
        self.events = EventApi(server, "cursor")
        server.route("/oauth2/token", self.token)
        server.route("/v1/events", self.serve)

    def token(self, request: Request) -> Reply:
        form = request.form()
        if (form.get("client_id"), form.get("client_secret")) != ("app", "app-secret"):
            return Reply(401, {"error": "invalid_client"})
        token = f"tok{len(self.issued) + 1}"
        self.issued.append(token)
        return Reply(200, {"access_token": token, "token_type": "Bearer", "expires_in": 3600})

    def serve(self, request: Request) -> Reply:
        token = request.headers.get("Authorization", "").removeprefix("Bearer ")
        if token != self.issued[-1] or token in self.revoked:
            return Reply(401, {"error": "invalid_token"}, {"WWW-Authenticate": "Bearer"})
        reply = self.events.serve(request)
        if request.query.get("page_token") == "2":
            self.revoked.add(token)  # the token expires while the pull goes on
        return reply


def test_oauth2_token_that_expires_is_fetched_again(api, make_config, monkeypatch, store_url):
    tokens = TokenServer(api)
    tokens.events.add(0, 1, 2, 3, 4, 5)
    monkeypatch.setenv("APP_ID", "app")
    monkeypatch.setenv("APP_SECRET", "app-secret")
    extra = (
        f"    auth: {{type: oauth2, token_url: '{api.url}/oauth2/token', client_id_env: APP_ID, "
        "client_secret_env: APP_SECRET, scope: 'events.read'}\n"
    )
    config = load_config(
        make_config(source_yaml(f"{api.url}/v1/events", "cursor", extra), store=store_url)
    )
    store = open_store(config.store_url)
    try:
        f = pull(config, store)
        assert (f.status, f.accepted) == ("ok", 6)
        assert tokens.issued == ["tok1", "tok2"]
        assert api.calls("/oauth2/token")[0].form()["grant_type"] == "client_credentials"
        assert api.calls("/oauth2/token")[0].form()["scope"] == "events.read"
        assert [r.query.get("page_token") for r in api.calls("/v1/events")] == [
            None,
            "2",
            "4",
            "4",
        ]
    finally:
        store.dispose()


def test_oauth2_refused_client_fails_clearly(api, make_config, monkeypatch):
    TokenServer(api)
    monkeypatch.setenv("APP_ID", "app")
    monkeypatch.setenv("APP_SECRET", "wrong")
    extra = (
        f"    auth: {{type: oauth2, token_url: '{api.url}/oauth2/token', client_id_env: APP_ID, "
        "client_secret_env: APP_SECRET}\n"
    )
    config = load_config(make_config(source_yaml(f"{api.url}/v1/events", "cursor", extra)))
    store = open_store(config.store_url)
    try:
        f = pull(config, store)
        assert f.status == "failed"
        assert "/oauth2/token answered 401" in f.error and "wrong" not in f.error
    finally:
        store.dispose()


def test_a_failing_page_leaves_the_store_and_cursor_as_they_were(api, make_config, store_url):
    events = EventApi(api, "cursor")
    events.add(0, 1, 2, 3, 4)
    broken = {"on": True}

    def flaky(request: Request) -> Reply:
        if broken["on"] and request.query.get("page_token") == "4":
            return Reply(404, {"error": "gone"})
        return events.serve(request)

    api.route("/v1/events", flaky)
    config = load_config(
        make_config(source_yaml(f"{api.url}/v1/events", "cursor"), store=store_url)
    )
    store = open_store(config.store_url)
    try:
        f = pull(config, store)
        assert f.status == "failed" and "page_token=4" in f.error
        assert count(store) == 0 and cursor_of(store) is None
        broken["on"] = False
        f = pull(config, store)
        assert (f.status, f.read, f.accepted) == ("ok", 5, 5)
        assert cursor_of(store) == "2026-05-31T10:04:00Z"
        with store.session() as session:
            statuses = session.scalars(select(IngestFile.status).order_by(IngestFile.id)).all()
        assert statuses == ["failed", "ok"]
    finally:
        store.dispose()


def test_credentials_come_from_the_environment_only(api, make_config, monkeypatch):
    events = EventApi(api, "cursor")
    events.add(0)
    extra = "    auth: {type: query, name: api_key, value_env: SAAS_KEY}\n"
    config = load_config(make_config(source_yaml(f"{api.url}/v1/events", "cursor", extra)))
    store = open_store(config.store_url)
    try:
        f = pull(config, store)
        assert f.status == "failed"
        assert f.error == (
            "sources[0].auth.value_env: the environment variable SAAS_KEY is not set (or is "
            "empty); export it with the credential"
        )
        monkeypatch.setenv("SAAS_KEY", "k-123456")
        f = pull(config, store)
        assert (f.status, f.accepted) == ("ok", 1)
        assert api.requests[-1].query["api_key"] == "k-123456"
        with store.session() as session:
            paths = session.scalars(select(IngestFile.path)).all()
        assert not any("k-123456" in p for p in paths)
    finally:
        store.dispose()


def test_basic_and_header_auth(api):
    seen: list[dict] = []
    api.route("/a", lambda request: (seen.append(request.headers), Reply(200, {}))[1])
    basic = Auth(AuthSpec(type="basic", username="me@acme.fr"), {"password_env": "tok"})
    HttpClient("demo", auth=basic).get(f"{api.url}/a")
    assert seen[-1]["Authorization"] == "Basic bWVAYWNtZS5mcjp0b2s="
    header = Auth(AuthSpec(type="header", name="X-Api-Key"), {"value_env": "k1"})
    HttpClient("demo", auth=header).get(f"{api.url}/a")
    assert seen[-1]["X-Api-Key"] == "k1"


def test_secrets_in_the_config_file_are_refused(make_config):
    path = make_config(
        """
        sources:
          - name: a
            kind: usage
            format: http-json
            url: "https://user:pw@api.example.com/v1/events?access_token=abc123"
            headers: {Authorization: "Bearer abc123", Accept: application/json}
            params: {api_key: abc123, status: all}
            auth: {type: bearer, token: abc123}
            pagination: {style: cursor, field: next}
            cursor: {param: since}
          - name: b
            kind: usage
            format: http-json
            method: DELETE
            pagination: {style: sideways}
            timeout: -1
            recrods: items
        """
    )
    with pytest.raises(ConfigError) as info:
        load_config(path)
    text = str(info.value)
    for expected in (
        "sources[0] (a).url: credentials do not belong in the URL",
        "sources[0] (a).url: the query parameter 'access_token' looks like a credential",
        "sources[0] (a).headers.Authorization: a credential does not belong in the config file",
        "sources[0] (a).params.api_key: a credential does not belong in the config file",
        "sources[0] (a).auth.token: a credential does not belong in the config file",
        "sources[0] (a).auth.token_env: auth type bearer needs token_env",
        "sources[0] (a).pagination.param: pagination style cursor needs param",
        "sources[0] (a).cursor.field: expected the record field holding the watermark",
        "sources[1] (b).url: expected the API's URL",
        "sources[1] (b).method: expected GET or POST, found 'DELETE'",
        "sources[1] (b).pagination.style: expected one of none, next-url",
        "sources[1] (b).timeout: expected a number of seconds > 0",
        "sources[1] (b).recrods: unknown key (did you mean 'records'?)",
    ):
        assert expected in text, (expected, text)
    assert "abc123" not in text


def test_a_valid_source_is_accepted(make_config):
    config = load_config(make_config(source_yaml("https://api.example.com/v1/events", "offset")))
    options = config.sources[0].options
    assert options.records == "data.items" and options.pagination.limit == PAGE
    assert options.cursor.field == "at" and options.cursor.param == "since"


def test_helpers():
    assert get_path({"@odata.nextLink": "u"}, "@odata.nextLink") == "u"
    assert get_path({"data": {"items": [1]}}, "data.items") == [1]
    assert get_path({"a": {"b.c": 2}}, "a.b.c") == 2
    assert get_path({"a": 1}, "b") is None
    assert parse_mark("2026-05-01T10:00:00.000+0200")[1] == dt.datetime(
        2026, 5, 1, 8, tzinfo=dt.UTC
    )
    assert parse_mark("1717000000") == ("float", 1717000000.0)
    assert safe_url("https://u:p@h/x?token=abc&page=2") == "https://***@h/x?token=***&page=2"


def test_quarantined_records_are_retried_after_a_config_fix(api, make_config, store_url):
    from collectors.retry import retry_quarantine

    events = EventApi(api, "cursor")
    events.add(0, 1, 2)
    events.records[1]["ok"] = "maybe"  # a value the mapping does not know
    events.records[2]["user"] = None  # no user at all: stays in quarantine
    body = source_yaml(f"{api.url}/v1/events", "cursor")
    config = load_config(make_config(body, store=store_url))
    store = open_store(config.store_url)
    try:
        f = pull(config, store)
        assert (f.read, f.accepted, f.quarantined) == (3, 1, 2)
        fixed = body.replace("'false': error}", "'false': error, maybe: ok}")
        config = load_config(make_config(fixed, store=store_url))
        ((outcome,),) = [retry_quarantine(config, store)]
        assert [f.path.rsplit(" ", 2)[-2:] for f in outcome.files] == [
            ["(page", "1)"],
            ["(page", "2)"],
        ]
        retried = [(f.read, f.accepted, f.quarantined) for f in outcome.files]
        assert retried == [(1, 1, 0), (1, 0, 1)]
        assert count(store) == 2
        with store.session() as session:
            left = session.scalars(select(Quarantine).where(Quarantine.resolved_at.is_(None))).one()
        assert left.line == 1 and left.path.endswith("(page 2)")
    finally:
        store.dispose()


def test_a_crash_before_the_cursor_is_committed_equals_one_clean_run(
    api, make_config, store_url, monkeypatch
):
    import collectors.pull.source as source_module

    events = EventApi(api, "offset")
    events.add(0, 1, 2, 3, 4)
    config = load_config(
        make_config(source_yaml(f"{api.url}/v1/events", "offset"), store=store_url)
    )
    store = open_store(config.store_url)
    try:
        original = source_module._store_cursor

        def killed(*args, **kwargs):
            raise RuntimeError("killed after the rows, before the cursor")

        monkeypatch.setattr(source_module, "_store_cursor", killed)
        with pytest.raises(RuntimeError):
            collect(config, store)
        assert count(store) == 0 and cursor_of(store) is None
        monkeypatch.setattr(source_module, "_store_cursor", original)
        f = pull(config, store)
        assert (f.read, f.accepted, f.duplicates) == (5, 5, 0)
        assert cursor_of(store) == "2026-05-31T10:04:00Z"
    finally:
        store.dispose()


def test_pagination_that_does_not_move_on_and_a_wrong_records_path_fail(api, make_config):
    api.route("/loop", lambda r: Reply(200, {"items": [], "next": "/loop?p=1"}))
    api.route("/list", lambda r: Reply(200, [{"a": 1}]))
    config = load_config(
        make_config(
            f"""
            sources:
              - name: loop
                kind: usage
                format: http-json
                url: {api.url}/loop
                records: items
                pagination: {{style: next-url, field: next}}
              - name: list
                kind: usage
                format: http-json
                url: {api.url}/list
                records: data
              - name: typo
                kind: usage
                format: http-json
                url: {api.url}/list
                cursor: {{field: updatedAt, param: since}}
                columns: {{ts: a, user: a}}
            """
        )
    )
    store = open_store(config.store_url)
    try:
        outcomes = {o.name: o.files[0] for o in collect(config, store)}
        assert "points to a page already read" in outcomes["loop"].error
        assert len(api.calls("/loop")) == 2
        assert outcomes["list"].error.startswith("sources[1].records: page 1 of ")
        assert "its body is a list" in outcomes["list"].error
        assert outcomes["typo"].error == (
            "sources[2].cursor.field: no record has 'updatedAt', so the cursor cannot move; "
            "the records have: a"
        )
        assert count(store) == 0  # the pull is refused whole
    finally:
        store.dispose()


def test_oauth2_token_is_renewed_before_it_expires(api):
    issued: list[str] = []

    def token(request: Request) -> Reply:
        issued.append(f"short{len(issued)}")
        return Reply(200, {"access_token": issued[-1], "expires_in": 1})

    api.route("/token", token)
    api.route("/data", lambda request: Reply(200, {"auth": request.headers["Authorization"]}))
    spec = AuthSpec(
        type="oauth2",
        token_url=f"{api.url}/token",
        client_id_env="I",
        client_secret_env="S",
        refresh_token_env="R",
    )
    auth = Auth(spec, {"client_id_env": "i", "client_secret_env": "s", "refresh_token_env": "r"})
    client = HttpClient("demo", auth=auth)
    assert client.get(f"{api.url}/data").json() == {"auth": "Bearer short0"}
    assert client.get(f"{api.url}/data").json() == {"auth": "Bearer short0"}
    time.sleep(1.0)  # the token's second of life is over (renewed 0.1 s before its end)
    assert client.get(f"{api.url}/data").json() == {"auth": "Bearer short1"}
    form = api.calls("/token")[0].form()
    assert form == {
        "client_id": "i",
        "client_secret": "s",
        "grant_type": "refresh_token",
        "refresh_token": "r",
    }
    assert len(api.calls("/data")) == 3  # no request refused on the way
