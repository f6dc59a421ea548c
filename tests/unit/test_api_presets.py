"""The API presets against local servers serving each vendor's documented response shapes.

Microsoft Graph (active user detail, ``@odata.nextLink``, OAuth2 client credentials), Google
Workspace Reports (``items`` / ``nextPageToken`` / ``startTime``), Jira (``/search/jql`` with
``nextPageToken`` and ``/rest/api/2/search`` with ``startAt``), Zendesk (cursor-based incremental
export with ``after_cursor`` / ``end_of_stream`` and sideloaded metric sets) and Sentry (a JSON
list paged by the ``Link`` header with ``results``). Each: the records mapped to their kind,
re-pulling adds nothing, N new records add N. Store tests run on SQLite and PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import urllib.parse

import pytest
from http_fixtures import ApiServer, Reply, Request, running
from sqlalchemy import func, select

from collectors.run import collect
from hypercare.config import ConfigError, load_config
from metrics.store import open_store
from metrics.store.models import ErrorEvent, Quarantine, SourceCursor, Ticket, UsageEvent


@pytest.fixture
def api():
    yield from running()


def pull(config, store, name=None):
    outcomes = collect(config, store, [name] if name else None)
    ((f,),) = [o.files for o in outcomes]
    return f


def count(store, model):
    with store.session() as session:
        return session.scalar(select(func.count()).select_from(model))


def counts(f):
    return (f.status, f.read, f.accepted, f.duplicates, f.quarantined)


# ------------------------------------------------------------------------------------------
# Microsoft Graph

GRAPH_PATH = "/beta/reports/getOffice365ActiveUserDetail(period='D7')"


def graph_user(upn, **dates):
    record = {
        "reportRefreshDate": "2026-05-31",
        "userPrincipalName": upn,
        "displayName": upn.split("@")[0],
        "isDeleted": False,
        "deletedDate": None,
        "hasExchangeLicense": True,
        "hasOneDriveLicense": True,
        "hasSharePointLicense": True,
        "hasSkypeForBusinessLicense": False,
        "hasYammerLicense": False,
        "hasTeamsLicense": True,
        "exchangeLastActivityDate": None,
        "oneDriveLastActivityDate": None,
        "sharePointLastActivityDate": None,
        "skypeForBusinessLastActivityDate": None,
        "yammerLastActivityDate": None,
        "teamsLastActivityDate": None,
        "exchangeLicenseAssignDate": "2026-01-05",
        "assignedProducts": ["MICROSOFT 365 BUSINESS STANDARD"],
    }
    record.update({f"{k}LastActivityDate": v for k, v in dates.items()})
    return record


class GraphApi:
    def __init__(self, server: ApiServer) -> None:
        self.server = server
        self.users = [
            graph_user("alice@acme.fr", exchange="2026-05-30", teams="2026-05-31"),
            graph_user("bob@acme.fr", oneDrive="2026-05-29", skypeForBusiness="2026-05-20"),
            graph_user("chloe@acme.fr"),  # no activity: no event
            graph_user("dan@acme.fr", sharePoint="31/05/2026", teams="2026-05-28"),
        ]
        self.tokens: list[str] = []
        server.route(GRAPH_PATH, self.report)
        server.route("/tenant-id/oauth2/v2.0/token", self.token)

    def token(self, request: Request) -> Reply:
        form = request.form()
        assert form["grant_type"] == "client_credentials"
        assert form["scope"] == "https://graph.microsoft.com/.default"
        self.tokens.append(f"graph{len(self.tokens)}")
        return Reply(
            200, {"token_type": "Bearer", "expires_in": 3599, "access_token": self.tokens[-1]}
        )

    def report(self, request: Request) -> Reply:
        if request.headers.get("Authorization") != f"Bearer {self.tokens[-1]}":
            return Reply(401, {"error": {"code": "InvalidAuthenticationToken"}})
        assert request.query["$format"] == "application/json"
        skip = int(request.query.get("$skiptoken") or 0)
        page = self.users[skip : skip + 2]
        body = {"@odata.context": "https://graph.microsoft.com/beta/$metadata", "value": page}
        if skip + 2 < len(self.users):
            body["@odata.nextLink"] = (
                f"{self.server.url}{GRAPH_PATH}?$format=application/json&$skiptoken={skip + 2}"
            )
        return Reply(200, body)


def test_graph_usage_report(api, make_config, monkeypatch, store_url):
    graph = GraphApi(api)
    monkeypatch.setenv("GRAPH_CLIENT_ID", "app-id")
    monkeypatch.setenv("GRAPH_CLIENT_SECRET", "app-secret")
    config = load_config(
        make_config(
            f"""
            sources:
              - name: m365
                kind: usage
                format: graph-usage
                url: "{api.url}{GRAPH_PATH}?$format=application/json"
                auth:
                  type: oauth2
                  token_url: {api.url}/tenant-id/oauth2/v2.0/token
                  client_id_env: GRAPH_CLIENT_ID
                  client_secret_env: GRAPH_CLIENT_SECRET
                  scope: https://graph.microsoft.com/.default
            """,
            store=store_url,
        )
    )
    store = open_store(config.store_url)
    try:
        f = pull(config, store)
        # alice 2 + bob 2 + dan 1 good date (+ his bad date, quarantined) = 6 rows read
        assert counts(f) == ("ok", 6, 5, 0, 1)
        with store.session() as session:
            features = sorted(session.scalars(select(UsageEvent.feature)))
            entry = session.scalars(select(Quarantine)).one()
        assert features == ["exchange", "onedrive", "skype", "teams", "teams"]
        assert entry.path.endswith("(page 2)") and entry.line == 2
        assert "sharePointLastActivityDate: '31/05/2026' is not a yyyy-mm-dd date" in entry.reason
        assert len(api.calls(GRAPH_PATH)) == 2

        f = pull(config, store)
        assert counts(f) == ("ok", 6, 0, 5, 1)
        assert count(store, Quarantine) == 1

        graph.users.append(graph_user("eve@acme.fr", teams="2026-05-31"))
        graph.users[0]["exchangeLastActivityDate"] = "2026-05-31"  # a newer day: a new event
        f = pull(config, store)
        assert (f.accepted, f.duplicates) == (2, 4)  # alice's 05-30 is no longer reported
    finally:
        store.dispose()


def test_graph_usage_defaults_and_refused_secret(make_config):
    config = load_config(
        make_config(
            """
            sources:
              - name: m365
                kind: usage
                format: graph-usage
                auth:
                  type: oauth2
                  token_url: "https://login.microsoftonline.com/t/oauth2/v2.0/token"
                  client_id_env: A
                  client_secret_env: B
            """
        )
    )
    options = config.sources[0].options
    assert options.url.startswith("https://graph.microsoft.com/beta/reports/")
    assert options.pagination.field == "@odata.nextLink" and options.records == "value"
    path = make_config(
        """
        sources:
          - name: m365
            kind: usage
            format: graph-usage
            auth: {type: oauth2, token_url: "https://x/t", client_id_env: A, client_secret: hunter2}
        """
    )
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert "auth.client_secret: a credential does not belong in the config file" in str(info.value)
    assert "hunter2" not in str(info.value)


# ------------------------------------------------------------------------------------------
# Google Workspace Reports

GOOGLE_PATH = "/admin/reports/v1/activity/users/all/applications/login"


def activity(n, time, email, *events):
    return {
        "kind": "admin#reports#activity",
        "id": {
            "time": time,
            "uniqueQualifier": str(-1000 - n),
            "applicationName": "login",
            "customerId": "C03az79cb",
        },
        "etag": f'"etag{n}"',
        "actor": {"callerType": "USER", "email": email, "profileId": str(100 + n)},
        "ipAddress": "203.0.113.7",
        "events": [
            {
                "type": "login",
                "name": name,
                "parameters": [{"name": "login_type", "value": "google_password"}],
            }
            for name in events
        ],
    }


def moment(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))


class GoogleApi:
    def __init__(self, server: ApiServer) -> None:
        self.activities = [
            activity(1, "2026-05-30T08:00:00.000Z", "alice@acme.fr", "login_success"),
            activity(
                2, "2026-05-30T09:00:00.000Z", "bob@acme.fr", "login_failure", "login_success"
            ),
            activity(3, "2026-05-31T07:30:00.000Z", "alice@acme.fr", "logout"),
        ]
        server.route(GOOGLE_PATH, self.serve)

    def serve(self, request: Request) -> Reply:
        assert request.headers["Authorization"] == "Bearer ya29.token"
        start = request.query.get("startTime")
        chosen = [
            a for a in self.activities if start is None or moment(a["id"]["time"]) >= moment(start)
        ]
        chosen.sort(key=lambda a: a["id"]["time"], reverse=True)  # newest first, as documented
        skip = int(request.query.get("pageToken") or 0)
        body: dict = {"kind": "admin#reports#activities", "etag": '"list"'}
        if chosen[skip : skip + 2]:
            body["items"] = chosen[skip : skip + 2]  # absent when there is nothing
        if skip + 2 < len(chosen):
            body["nextPageToken"] = str(skip + 2)
        return Reply(200, body)


def test_google_workspace_login_activity(api, make_config, monkeypatch, store_url):
    google = GoogleApi(api)
    monkeypatch.setenv("GOOGLE_TOKEN", "ya29.token")
    config = load_config(
        make_config(
            f"""
            sources:
              - name: workspace
                kind: usage
                format: google-workspace
                url: {api.url}{GOOGLE_PATH}
                auth: {{type: bearer, token_env: GOOGLE_TOKEN}}
            """,
            store=store_url,
        )
    )
    store = open_store(config.store_url)
    try:
        f = pull(config, store)
        assert counts(f) == ("ok", 4, 4, 0, 0)  # 3 activities, 4 events
        with store.session() as session:
            actions = sorted(session.scalars(select(UsageEvent.action)))
            features = set(session.scalars(select(UsageEvent.feature)))
            value = session.get(SourceCursor, "workspace").value
        assert actions == ["login_failure", "login_success", "login_success", "logout"]
        assert features == {"login"} and value == "2026-05-31T07:30:00.000Z"

        f = pull(config, store)
        assert counts(f) == ("ok", 1, 0, 1, 0)
        assert api.calls(GOOGLE_PATH)[-1].query["startTime"] == "2026-05-31T07:30:00Z"

        google.activities += [
            activity(4, "2026-05-31T09:00:00.000Z", "chloe@acme.fr", "login_success"),
            activity(5, "2026-05-31T10:00:00.000Z", "dan@acme.fr", "login_success", "logout"),
        ]
        f = pull(config, store)
        assert (f.read, f.accepted, f.duplicates) == (4, 3, 1)
        assert count(store, UsageEvent) == 7

        # a cursor past every activity: the API omits items; nothing read, cursor kept
        with store.session() as session:
            session.get(SourceCursor, "workspace").value = "2030-01-01T00:00:00.000Z"
        f = pull(config, store)
        assert counts(f) == ("ok", 0, 0, 0, 0)
    finally:
        store.dispose()


# ------------------------------------------------------------------------------------------
# Jira


def issue(n, updated, status="To Do", resolved=None):
    return {
        "expand": "renderedFields,names,schema",
        "id": str(10000 + n),
        "self": f"https://acme.atlassian.net/rest/api/3/issue/{10000 + n}",
        "key": f"FACT-{n}",
        "fields": {
            "summary": f"Export FEC refusé {n}",
            "status": {"name": status, "statusCategory": {"key": "new"}},
            "priority": {"name": "High", "id": "2"},
            "components": [{"name": "Facturation"}, {"name": "Export"}],
            "reporter": {"accountId": f"5b10a2844c20165700ede2{n:02d}", "displayName": "Marie"},
            "created": "2026-05-20T09:15:00.000+0200",
            "updated": updated,
            "resolutiondate": resolved,
            "description": {
                "type": "doc",
                "version": 1,
                "content": [
                    {"type": "paragraph", "content": [{"type": "text", "text": "Le cabinet "}]},
                    {"type": "paragraph", "content": [{"type": "text", "text": "refuse l'export"}]},
                ],
            },
        },
    }


class JiraApi:
    def __init__(self, server: ApiServer, path: str) -> None:
        self.path = path
        self.issues = [issue(n, f"2026-05-2{n}T10:00:00.000+0200") for n in range(1, 6)]
        server.route(path, self.serve)

    def chosen(self, request: Request) -> list[dict]:
        jql = request.query["jql"]
        assert jql.endswith(" ORDER BY updated ASC")
        assert "fields" in request.query and "summary" in request.query["fields"]
        found = self.issues
        if 'updated >= "' in jql:
            mark = jql.split('updated >= "')[1][:16]  # yyyy/MM/dd HH:mm
            found = [
                i
                for i in self.issues
                if i["fields"]["updated"][:16].replace("-", "/").replace("T", " ") >= mark
            ]
        return sorted(found, key=lambda i: i["fields"]["updated"])

    def serve(self, request: Request) -> Reply:
        assert request.headers["Authorization"].startswith("Basic ")
        found = self.chosen(request)
        size = int(request.query["maxResults"])
        if self.path.endswith("/search/jql"):
            start = int(request.query.get("nextPageToken") or 0)
            page = found[start : start + size]
            last = start + size >= len(found)
            body = {"issues": page, "isLast": last}
            if not last:
                body["nextPageToken"] = str(start + size)
            return Reply(200, body)
        start = int(request.query.get("startAt") or 0)
        body = {
            "expand": "schema,names",
            "startAt": start,
            "maxResults": size,
            "total": len(found),
            "issues": found[start : start + size],
        }
        return Reply(200, body)


@pytest.mark.parametrize("path", ["/rest/api/3/search/jql", "/rest/api/2/search"])
def test_jira_rest_search(api, make_config, monkeypatch, store_url, path):
    jira = JiraApi(api, path)
    monkeypatch.setenv("JIRA_EMAIL", "bot@acme.fr")
    monkeypatch.setenv("JIRA_TOKEN", "ATATT3x")
    config = load_config(
        make_config(
            f"""
            sources:
              - name: jira
                kind: tickets
                format: jira-rest
                url: {api.url}{path}
                params: {{jql: "project = FACT ORDER BY created DESC", maxResults: 2}}
                auth: {{type: basic, username_env: JIRA_EMAIL, password_env: JIRA_TOKEN}}
            """,
            store=store_url,
        )
    )
    store = open_store(config.store_url)
    try:
        f = pull(config, store)
        assert counts(f) == ("ok", 5, 5, 0, 0)
        assert len(api.calls(path)) == 3
        with store.session() as session:
            ticket = session.scalars(select(Ticket).where(Ticket.ticket_ref == "FACT-1")).one()
        assert (ticket.subject, ticket.priority, ticket.status) == (
            "Export FEC refusé 1",
            "High",
            "To Do",
        )
        assert ticket.module == "Facturation, Export"
        assert ticket.description == "Le cabinet\nrefuse l'export"
        assert api.calls(path)[0].query["jql"] == "(project = FACT) ORDER BY updated ASC"

        f = pull(config, store)
        assert counts(f) == ("ok", 1, 0, 1, 0)
        jql = api.calls(path)[-1].query["jql"]
        assert jql == '(project = FACT) AND updated >= "2026/05/25 10:00" ORDER BY updated ASC'

        # FACT-2 resolved and one new issue: both stored, the boundary one a duplicate
        jira.issues[1] = issue(
            2, "2026-05-26T08:00:00.000+0200", "Done", "2026-05-26T08:00:00.000+0200"
        )
        jira.issues.append(issue(6, "2026-05-27T11:00:00.000+0200"))
        f = pull(config, store)
        assert (f.read, f.accepted, f.duplicates) == (3, 2, 1)
        with store.session() as session:
            done = session.scalars(select(Ticket).where(Ticket.ticket_ref == "FACT-2")).one()
        assert done.status == "Done" and done.resolved_at is not None
        assert count(store, Ticket) == 6
    finally:
        store.dispose()


def test_jira_needs_its_url(make_config):
    path = make_config("sources:\n  - {name: jira, kind: tickets, format: jira-rest}\n")
    with pytest.raises(ConfigError, match=r"sources\[0\] \(jira\)\.url: expected the API's URL"):
        load_config(path)


# ------------------------------------------------------------------------------------------
# Zendesk

ZENDESK_PATH = "/api/v2/incremental/tickets/cursor.json"


def zticket(n, status="open", updated="2026-05-30T10:00:00Z"):
    return {
        "url": f"https://acme.zendesk.com/api/v2/tickets/{n}.json",
        "id": n,
        "external_id": None,
        "type": "incident",
        "subject": f"Facture {n} bloquée",
        "raw_subject": f"Facture {n} bloquée",
        "description": "Impossible d'envoyer la facture, appelez-moi au 06 12 34 56 78",
        "priority": "high",
        "status": status,
        "requester_id": 9000 + n,
        "submitter_id": 9000 + n,
        "assignee_id": 42,
        "organization_id": 77,
        "group_id": 360001,
        "tags": ["facturation"],
        "created_at": "2026-05-29T08:00:00Z",
        "updated_at": updated,
        "generated_timestamp": 1780000000 + n,
    }


def metric_set(n, solved_at=None, reply=30):
    return {
        "id": 500 + n,
        "ticket_id": n,
        "solved_at": solved_at,
        "reply_time_in_minutes": {"calendar": reply, "business": reply},
        "created_at": "2026-05-29T08:00:00Z",
    }


class ZendeskApi:
    def __init__(self, server: ApiServer) -> None:
        self.server = server
        # the export as a stream: position i → ticket version; a cursor is a position
        self.stream: list[tuple[dict, dict]] = [(zticket(n), metric_set(n)) for n in range(1, 6)]
        server.route(ZENDESK_PATH, self.serve)

    def serve(self, request: Request) -> Reply:
        if "cursor" in request.query:
            start = int(request.query["cursor"].removeprefix("c"))
        else:
            assert request.query["start_time"] == "0"
            start = 0
        assert request.query.get("include") == "metric_sets"
        page = self.stream[start : start + 2]
        end = start + len(page)
        body = {
            "tickets": [t for t, _ in page],
            "metric_sets": [m for _, m in page],
            "after_cursor": f"c{end}",
            "after_url": f"{self.server.url}{ZENDESK_PATH}?cursor=c{end}&include=metric_sets",
            "before_cursor": f"c{start}",
            "before_url": None,
            "end_of_stream": end >= len(self.stream),
        }
        return Reply(200, body)


def test_zendesk_incremental_export(api, make_config, monkeypatch, store_url):
    zendesk = ZendeskApi(api)
    monkeypatch.setenv("ZENDESK_EMAIL_TOKEN", "agent@acme.fr/token")
    monkeypatch.setenv("ZENDESK_API_TOKEN", "zd-token")
    config = load_config(
        make_config(
            f"""
            sources:
              - name: zendesk
                kind: tickets
                format: zendesk-incremental
                url: {api.url}{ZENDESK_PATH}
                auth:
                  type: basic
                  username_env: ZENDESK_EMAIL_TOKEN
                  password_env: ZENDESK_API_TOKEN
            """,
            store=store_url,
        )
    )
    store = open_store(config.store_url)
    try:
        f = pull(config, store)
        assert counts(f) == ("ok", 5, 5, 0, 0)
        assert len(api.calls(ZENDESK_PATH)) == 3
        with store.session() as session:
            ticket = session.scalars(select(Ticket).where(Ticket.ticket_ref == "3")).one()
            cursor = session.get(SourceCursor, "zendesk")
            assert (cursor.value_type, cursor.value) == ("token", "c5")
        assert (ticket.module, ticket.team, ticket.priority) == ("incident", "360001", "high")
        assert ticket.first_response_at is not None
        assert "06 12" not in ticket.description  # scrubbed like any ticket

        # nothing new: one request from the stored cursor, nothing read
        f = pull(config, store)
        assert counts(f) == ("ok", 0, 0, 0, 0)
        assert api.calls(ZENDESK_PATH)[-1].query["cursor"] == "c5"

        # ticket 2 solved, ticket 6 created: two more in the stream, both stored
        zendesk.stream.append(
            (zticket(2, "solved", "2026-05-31T09:00:00Z"), metric_set(2, "2026-05-31T09:00:00Z"))
        )
        zendesk.stream.append((zticket(6), metric_set(6)))
        f = pull(config, store)
        assert counts(f) == ("ok", 2, 2, 0, 0)
        with store.session() as session:
            solved = session.scalars(select(Ticket).where(Ticket.ticket_ref == "2")).one()
            assert session.get(SourceCursor, "zendesk").value == "c7"
        assert solved.status == "solved" and solved.resolved_at is not None
        assert count(store, Ticket) == 6
    finally:
        store.dispose()


def test_zendesk_rate_limit_then_success(api, make_config, monkeypatch):
    zendesk = ZendeskApi(api)
    answers = {"n": 0}

    def limited(request: Request) -> Reply:
        answers["n"] += 1
        if answers["n"] == 1:
            return Reply(429, {"error": "APIRateLimitExceeded"}, {"Retry-After": "1"})
        return zendesk.serve(request)

    api.route(ZENDESK_PATH, limited)
    monkeypatch.setenv("ZD_USER", "agent@acme.fr/token")
    monkeypatch.setenv("ZD_TOKEN", "zd-token")
    config = load_config(
        make_config(
            f"""
            sources:
              - name: zendesk
                kind: tickets
                format: zendesk-incremental
                url: {api.url}{ZENDESK_PATH}
                auth: {{type: basic, username_env: ZD_USER, password_env: ZD_TOKEN}}
            """
        )
    )
    store = open_store(config.store_url)
    try:
        assert counts(pull(config, store)) == ("ok", 5, 5, 0, 0)
    finally:
        store.dispose()


# ------------------------------------------------------------------------------------------
# Sentry

SENTRY_PATH = "/api/0/projects/acme/facturation-web/events/"


def sentry_event(n, created, level="error"):
    return {
        "id": f"{n:032x}",
        "eventID": f"{n:032x}",
        "groupID": "1341191803",
        "title": f"TypeError: cannot read 'total' of undefined ({n})",
        "message": "",
        "platform": "javascript",
        "type": "error",
        "culprit": "app/invoices/send",
        "dateCreated": created,
        "dateReceived": created,
        "tags": [
            {"key": "browser", "value": "Chrome 124"},
            {"key": "environment", "value": "prod"},
            {"key": "level", "value": level},
            {"key": "transaction", "value": "/factures/envoyer"},
        ],
        "user": {"id": str(550000 + n), "email": f"user{n}@acme.fr", "ip_address": None},
    }


class SentryApi:
    def __init__(self, server: ApiServer) -> None:
        self.server = server
        self.events = [
            sentry_event(n, f"2026-05-31T0{n}:00:00.000000Z", "warning" if n == 2 else "error")
            for n in range(1, 6)
        ]
        server.route(SENTRY_PATH, self.serve)

    def serve(self, request: Request) -> Reply:
        assert request.headers["Authorization"] == "Bearer sntrys_abc"
        start = request.query.get("start")
        if start is not None:
            assert "end" in request.query
        chosen = [
            e for e in self.events if start is None or moment(e["dateCreated"]) >= moment(start)
        ]
        chosen.sort(key=lambda e: e["dateCreated"], reverse=True)  # newest first
        offset = int((request.query.get("cursor") or "0:0:0").split(":")[1])
        page = chosen[offset : offset + 2]
        more = offset + 2 < len(chosen)
        query = dict(request.query)
        base = f"{self.server.url}{SENTRY_PATH}"
        prev = urllib.parse.urlencode({**query, "cursor": f"0:{max(offset - 2, 0)}:1"})
        nxt = urllib.parse.urlencode({**query, "cursor": f"0:{offset + 2}:0"})
        link = (
            f'<{base}?{prev}>; rel="previous"; results="{"true" if offset else "false"}"; '
            f'cursor="0:{max(offset - 2, 0)}:1", '
            f'<{base}?{nxt}>; rel="next"; results="{"true" if more else "false"}"; '
            f'cursor="0:{offset + 2}:0"'
        )
        return Reply(200, page, {"Link": link})


def test_sentry_events(api, make_config, monkeypatch, store_url):
    sentry = SentryApi(api)
    monkeypatch.setenv("SENTRY_TOKEN", "sntrys_abc")
    config = load_config(
        make_config(
            f"""
            sources:
              - name: sentry
                kind: errors
                format: sentry-events
                url: {api.url}{SENTRY_PATH}
                auth: {{type: bearer, token_env: SENTRY_TOKEN}}
            """,
            store=store_url,
        )
    )
    store = open_store(config.store_url)
    try:
        f = pull(config, store)
        assert counts(f) == ("ok", 5, 5, 0, 0)
        assert len(api.calls(SENTRY_PATH)) == 3  # the third page's next link has results="false"
        with store.session() as session:
            levels = sorted(session.scalars(select(ErrorEvent.level)))
            modules = set(session.scalars(select(ErrorEvent.module)))
        assert levels == ["error"] * 4 + ["warning"]
        assert modules == {"/factures/envoyer"}

        f = pull(config, store)
        assert counts(f) == ("ok", 1, 0, 1, 0)
        assert api.calls(SENTRY_PATH)[-1].query["start"] == "2026-05-31T05:00:00Z"

        sentry.events.append(sentry_event(6, "2026-05-31T06:00:00.000000Z"))
        sentry.events.append(sentry_event(7, "2026-05-31T07:00:00.000000Z"))
        f = pull(config, store)
        assert (f.read, f.accepted, f.duplicates) == (3, 2, 1)
        assert count(store, ErrorEvent) == 7
    finally:
        store.dispose()


def test_sentry_unknown_project_and_bad_token(api, make_config, monkeypatch):
    monkeypatch.setenv("SENTRY_TOKEN", "sntrys_expired")
    api.route(SENTRY_PATH, lambda request: Reply(401, {"detail": "Invalid token"}))
    config = load_config(
        make_config(
            f"""
            sources:
              - name: sentry
                kind: errors
                format: sentry-events
                url: {api.url}{SENTRY_PATH}
                auth: {{type: bearer, token_env: SENTRY_TOKEN}}
              - name: other
                kind: errors
                format: sentry-events
                url: {api.url}/api/0/projects/acme/nope/events/
                auth: {{type: bearer, token_env: SENTRY_TOKEN}}
            """
        )
    )
    store = open_store(config.store_url)
    try:
        f = pull(config, store, "sentry")
        assert f.status == "failed" and "answered 401 (unauthorized)" in f.error
        assert "SENTRY_TOKEN" in f.error and "sntrys_expired" not in f.error
        f = pull(config, store, "other")
        assert f.status == "failed" and "/nope/events/ answered 404 (not found)" in f.error
    finally:
        store.dispose()
