"""A small HTTP client for pulled sources: retries, rate limits, timeouts, credentials from env.

The API, kept small for every pulled source (``http-json`` and its presets, Prometheus)::

    auth = Auth.from_env(AuthSpec(type="bearer", token_env="SENTRY_TOKEN"), base_dir, where)
    client = HttpClient("sentry", auth=auth, timeout=30, retries=4)
    response = client.get("https://sentry.io/api/0/projects/acme/web/events/", {"full": "1"})
    response.json()          # the decoded body; PullError when it is not JSON
    response.headers["Link"]

- **Retries** with exponential backoff and jitter (``backoff * 2**attempt``, ×0.5–1.5, at most
  ``max_wait`` seconds) on connection errors, timeouts, 429, 500, 502, 503 and 504. A 429 or
  503 with ``Retry-After`` (seconds or an HTTP date) waits what the server asks; a wait longer
  than ``max_wait`` fails at once with a message saying so.
- **Errors** are ``PullError`` with a message naming the source and the URL, never a secret:
  query parameters whose name looks secret (token, key, secret, password, signature, code…) and
  the user part of the URL are shown as ``***``. 401, 403 and 404 each say what to check.
- **Credentials** come from the environment (or ``.streamlit/secrets.toml``, see
  ``hypercare.config.read_secret``), never from the YAML: a bearer token, basic user and
  password, a token in a header or a query parameter, or OAuth2 (client credentials or a refresh
  token) whose access token is fetched on first use and fetched again when it expires or when the
  server answers 401.

Only the standard library is used (``urllib``).
"""

from __future__ import annotations

import base64
import email.utils
import json
import random
import re
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
AUTH_TYPES = ("bearer", "basic", "header", "query", "oauth2")
_SECRET_ENDINGS = ("token", "key", "secret", "password", "passwd", "pwd", "signature", "sig")
_NOT_SECRET = ("pagetoken", "page_token", "nexttoken", "next_token", "synctoken", "sync_token")
_BODY_SHOWN = 300  # characters of an error body put in a message


class PullError(Exception):
    """A source that cannot be pulled; ``str()`` names the source and URL, never a secret."""


def looks_secret(name: str) -> bool:
    """Whether a header or query parameter of this name usually carries a credential."""
    folded = name.casefold().replace("-", "_")
    if folded in ("authorization", "cookie", "proxy_authorization"):
        return True
    return folded.endswith(_SECRET_ENDINGS) and not folded.endswith(_NOT_SECRET)


def safe_url(url: str, hidden: tuple[str, ...] = ()) -> str:
    """``url`` for messages: the user part and secret-looking query values shown as ``***``."""
    try:
        parts = urllib.parse.urlsplit(url)
    except ValueError:
        return "(an invalid URL)"
    netloc = parts.netloc
    if "@" in netloc:
        netloc = "***@" + netloc.rsplit("@", 1)[1]
    query = urllib.parse.parse_qsl(parts.query, keep_blank_values=True)
    shown = [(k, "***" if (k in hidden or looks_secret(k)) else v) for k, v in query]
    text = urllib.parse.urlencode(shown, safe="*:,/$'()@")
    return urllib.parse.urlunsplit((parts.scheme, netloc, parts.path, text, ""))


def with_params(url: str, params: Mapping[str, Any] | None) -> str:
    """``url`` with ``params`` added to its query (a parameter already in the URL is replaced)."""
    if not params:
        return url
    parts = urllib.parse.urlsplit(url)
    query = [
        (k, v)
        for k, v in urllib.parse.parse_qsl(parts.query, keep_blank_values=True)
        if k not in params
    ]
    for name, value in params.items():
        values = value if isinstance(value, list | tuple) else [value]
        query.extend((name, "" if v is None else str(v)) for v in values)
    return urllib.parse.urlunsplit(
        (parts.scheme, parts.netloc, parts.path, urllib.parse.urlencode(query), parts.fragment)
    )


def retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header: a number of seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        moment = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if moment is None:
        return None
    return max(0.0, moment.timestamp() - (time.time() if now is None else now))


@dataclass(frozen=True)
class AuthSpec:
    """How a source authenticates, as the config names it: environment variable names only.

    ``type``: bearer (``token_env``), basic (``username_env`` or ``username``, ``password_env``),
    header (``name``, ``value_env``; ``prefix`` put before the value, e.g. ``"Token "``), query
    (``name``, ``value_env``), oauth2 (``token_url``, ``client_id_env``, ``client_secret_env``,
    ``scope``; with ``refresh_token_env`` the refresh-token grant, else client credentials).
    """

    type: str
    token_env: str | None = None
    username: str | None = None
    username_env: str | None = None
    password_env: str | None = None
    name: str | None = None
    value_env: str | None = None
    prefix: str = ""
    token_url: str | None = None
    client_id_env: str | None = None
    client_secret_env: str | None = None
    refresh_token_env: str | None = None
    scope: str | None = None

    def variables(self) -> list[tuple[str, str]]:
        """(key, environment variable) pairs this spec reads."""
        names = (
            "token_env",
            "username_env",
            "password_env",
            "value_env",
            "client_id_env",
            "client_secret_env",
            "refresh_token_env",
        )
        return [(n, getattr(self, n)) for n in names if getattr(self, n)]


AUTH_KEYS = (
    "type",
    "token_env",
    "username",
    "username_env",
    "password_env",
    "name",
    "value_env",
    "prefix",
    "token_url",
    "client_id_env",
    "client_secret_env",
    "refresh_token_env",
    "scope",
)
_REQUIRED = {
    "bearer": ("token_env",),
    "basic": ("password_env",),
    "header": ("name", "value_env"),
    "query": ("name", "value_env"),
    "oauth2": ("token_url", "client_id_env", "client_secret_env"),
}


def check_auth(chk: Any, value: Any, key: str) -> AuthSpec | None:
    """The ``auth`` mapping of a source, checked with the config's ``Checker``."""
    if value is None:
        return None
    raw = chk.mapping(value, key)
    if not raw:
        return None
    chk.unknown_keys(raw, AUTH_KEYS, key)
    kind = chk.choice(raw.get("type"), f"{key}.type", AUTH_TYPES, "bearer")
    fields: dict[str, Any] = {}
    for name in AUTH_KEYS[1:]:
        text = chk.string(raw.get(name), f"{key}.{name}")
        if text is not None:
            fields[name] = text
    for name in ("token", "password", "value", "client_secret", "refresh_token", "client_id"):
        if name in raw:
            chk.problems.append(
                f"{key}.{name}: a credential does not belong in the config file; put it in an "
                f"environment variable and name that variable with {name}_env"
            )
    for name in _REQUIRED[kind]:
        if not fields.get(name):
            chk.problems.append(f"{key}.{name}: auth type {kind} needs {name}, found nothing")
    if kind == "basic" and not (fields.get("username") or fields.get("username_env")):
        chk.problems.append(f"{key}: auth type basic needs username or username_env")
    for name, env in fields.items():
        if name.endswith("_env") and not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", env):
            chk.fail(f"{key}.{name}", "the name of an environment variable", env)
    if fields.get("token_url"):
        check_http_url(chk, fields["token_url"], f"{key}.token_url")
    return AuthSpec(type=kind, **fields)


def check_http_url(chk: Any, url: str, key: str) -> None:
    """Refuse a URL that is not http(s) or that carries a password or a secret-looking value."""
    try:
        parts = urllib.parse.urlsplit(url)
    except ValueError:
        chk.fail(key, "an http:// or https:// URL", url)
        return
    if parts.scheme not in ("http", "https") or not parts.netloc:
        chk.fail(key, "an http:// or https:// URL", url)
        return
    if parts.username or parts.password:
        chk.problems.append(
            f"{key}: credentials do not belong in the URL of the config file; use auth with "
            "the environment variables that hold them"
        )
    for name, value in urllib.parse.parse_qsl(parts.query):
        if looks_secret(name) and value:
            chk.problems.append(
                f"{key}: the query parameter {name!r} looks like a credential; it does not "
                "belong in the config file (use auth: {type: query, name: …, value_env: …})"
            )


@dataclass
class Auth:
    """Credentials resolved from the environment, applied to each request."""

    spec: AuthSpec
    secrets: dict[str, str]
    access_token: str | None = None
    expires_at: float | None = None
    refreshes: int = 0

    @classmethod
    def from_env(cls, spec: AuthSpec, base_dir: Path | None, where: str) -> Auth:
        """Read the variables the spec names; PullError naming the first one not set."""
        from hypercare.config import read_secret

        secrets: dict[str, str] = {}
        for key, variable in spec.variables():
            value = read_secret(variable, base_dir)
            if not value:
                raise PullError(
                    f"{where}.auth.{key}: the environment variable {variable} is not set "
                    "(or is empty); export it with the credential"
                )
            secrets[key] = value
        return cls(spec, secrets)

    def hidden_params(self) -> tuple[str, ...]:
        return (self.spec.name,) if self.spec.type == "query" and self.spec.name else ()

    def refreshable(self) -> bool:
        return self.spec.type == "oauth2"

    def apply(self, client: HttpClient, url: str, headers: dict[str, str]) -> str:
        """Add the credentials to ``headers`` (or to ``url``); returns the URL to request."""
        spec, s = self.spec, self.secrets
        if spec.type == "bearer":
            headers["Authorization"] = f"Bearer {s['token_env']}"
        elif spec.type == "basic":
            user = s.get("username_env") or spec.username or ""
            pair = f"{user}:{s['password_env']}".encode()
            headers["Authorization"] = "Basic " + base64.b64encode(pair).decode("ascii")
        elif spec.type == "header":
            assert spec.name is not None
            headers[spec.name] = f"{spec.prefix}{s['value_env']}"
        elif spec.type == "query":
            assert spec.name is not None
            url = with_params(url, {spec.name: s["value_env"]})
        elif spec.type == "oauth2":
            if self.access_token is None or (
                self.expires_at is not None and time.time() >= self.expires_at
            ):
                self.fetch_token(client)
            headers["Authorization"] = f"Bearer {self.access_token}"
        return url

    def fetch_token(self, client: HttpClient) -> None:
        """Get an OAuth2 access token (client credentials, or the refresh-token grant)."""
        spec, s = self.spec, self.secrets
        assert spec.token_url is not None
        form = {"client_id": s["client_id_env"], "client_secret": s["client_secret_env"]}
        if "refresh_token_env" in s:
            form.update(grant_type="refresh_token", refresh_token=s["refresh_token_env"])
        else:
            form["grant_type"] = "client_credentials"
        if spec.scope:
            form["scope"] = spec.scope
        body = urllib.parse.urlencode(form).encode()
        response = client.send(
            "POST",
            spec.token_url,
            body=body,
            headers={"Content-Type": "application/x-www-form-urlencoded"},
            authenticated=False,
        )
        data = response.json()
        token = data.get("access_token") if isinstance(data, dict) else None
        if not isinstance(token, str) or not token:
            raise PullError(
                f"source {client.source}: the token endpoint {safe_url(spec.token_url)} "
                "answered without an access_token"
            )
        self.access_token = token
        self.refreshes += 1
        lifetime = data.get("expires_in")
        if isinstance(lifetime, int | float) or (isinstance(lifetime, str) and lifetime.isdigit()):
            # renewed a little before it expires (at most 60 s, at most a tenth of its life)
            seconds = float(lifetime)
            self.expires_at = time.time() + seconds - min(60.0, seconds / 10)
        else:
            self.expires_at = None


@dataclass
class Response:
    """A successful response: its final URL, status, headers and body."""

    url: str
    status: int
    headers: Mapping[str, str]
    body: bytes
    shown_url: str = ""

    def json(self) -> Any:
        """The body decoded as JSON; PullError saying where when it is not."""
        try:
            return json.loads(self.body.decode("utf-8-sig"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            start = self.body[:80].decode("utf-8", "replace")
            raise PullError(
                f"{self.shown_url or 'the response'}: the body is not JSON ({exc}); it starts "
                f"with {start!r}"
            ) from None


@dataclass
class HttpClient:
    """Sends requests for one source with its credentials, retries and timeout.

    ``sleep`` is how the client waits (``time.sleep``); ``waits`` records each wait in seconds,
    so that a caller can report how long it was rate limited.
    """

    source: str
    auth: Auth | None = None
    headers: dict[str, str] = field(default_factory=dict)
    timeout: float = 30.0
    retries: int = 4
    backoff: float = 1.0
    max_wait: float = 300.0
    sleep: Callable[[float], None] = time.sleep
    waits: list[float] = field(default_factory=list)
    requests: int = 0

    def get(self, url: str, params: Mapping[str, Any] | None = None) -> Response:
        """GET ``url`` with ``params`` added to its query."""
        return self.send("GET", with_params(url, params))

    def post_json(
        self, url: str, payload: Any, params: Mapping[str, Any] | None = None
    ) -> Response:
        """POST a JSON body."""
        body = json.dumps(payload).encode()
        return self.send(
            "POST",
            with_params(url, params),
            body=body,
            headers={"Content-Type": "application/json"},
        )

    def shown(self, url: str) -> str:
        return safe_url(url, self.auth.hidden_params() if self.auth else ())

    def send(
        self,
        method: str,
        url: str,
        *,
        body: bytes | None = None,
        headers: Mapping[str, str] | None = None,
        authenticated: bool = True,
    ) -> Response:
        """Send one request, retrying as the module says; PullError when it cannot succeed."""
        shown = self.shown(url)
        refreshed = False
        attempt = 0
        while True:
            all_headers = {"Accept": "application/json", "User-Agent": "hypercare"}
            all_headers.update(self.headers)
            all_headers.update(headers or {})
            target = url
            if authenticated and self.auth is not None:
                target = self.auth.apply(self, url, all_headers)
            request = urllib.request.Request(target, data=body, method=method, headers=all_headers)
            self.requests += 1
            try:
                with urllib.request.urlopen(request, timeout=self.timeout) as answer:
                    data = answer.read()
                    return Response(
                        url=answer.geturl(),
                        status=answer.status,
                        headers=answer.headers,
                        body=data,
                        shown_url=shown,
                    )
            except urllib.error.HTTPError as exc:
                status = exc.code
                text = self.scrub(_error_body(exc))
                if (
                    status == 401
                    and authenticated
                    and self.auth is not None
                    and self.auth.refreshable()
                    and not refreshed
                ):
                    refreshed = True  # the token expired early: one new token, one retry
                    self.auth.fetch_token(self)
                    continue
                if status in RETRY_STATUSES and attempt < self.retries:
                    asked = retry_after(exc.headers.get("Retry-After"))
                    if asked is not None and asked > self.max_wait:
                        raise PullError(
                            f"source {self.source}: {shown} answered {status} and asks to wait "
                            f"{asked:.0f} s before retrying, longer than the {self.max_wait:.0f} s "
                            "this source waits (max_wait); run it again later"
                        ) from None
                    self._wait(attempt, asked)
                    attempt += 1
                    continue
                raise PullError(self._status_message(status, shown, text)) from None
            except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
                reason = getattr(exc, "reason", exc)
                if attempt < self.retries:
                    self._wait(attempt, None)
                    attempt += 1
                    continue
                timed_out = isinstance(reason, TimeoutError)
                what = (
                    f"did not answer within {self.timeout:g} s"
                    if timed_out
                    else f"cannot be reached ({reason})"
                )
                raise PullError(
                    f"source {self.source}: {shown} {what}, after {attempt + 1} attempts"
                ) from None

    def _wait(self, attempt: int, asked: float | None) -> None:
        jitter = random.uniform(0.5, 1.5)
        delay = min(self.backoff * (2**attempt) * jitter if asked is None else asked, self.max_wait)
        self.waits.append(delay)
        if delay > 0:
            self.sleep(delay)

    def scrub(self, text: str) -> str:
        """``text`` with every credential of this client shown as ``***`` (an error body that
        echoes the request must not put a token in a message)."""
        if self.auth is None:
            return text
        secrets = [*self.auth.secrets.values(), self.auth.access_token or ""]
        for secret in sorted((s for s in secrets if len(s) >= 4), key=len, reverse=True):
            text = text.replace(secret, "***")
        return text

    def _status_message(self, status: int, shown: str, text: str) -> str:
        where = f"source {self.source}: {shown} answered {status}"
        variables = ", ".join(v for _, v in self.auth.spec.variables()) if self.auth else ""
        if status == 401:
            if self.auth is None:
                return f"{where} (unauthorized): the API needs credentials; configure auth"
            return (
                f"{where} (unauthorized): the credentials from {variables} were refused; "
                "check that they are current"
            )
        if status == 403:
            return (
                f"{where} (forbidden): the credentials are valid but lack a permission this "
                "request needs (see the permissions in docs/sources.md)"
            )
        if status == 404:
            return f"{where} (not found): check the source's url (and its ids or project names)"
        if status in RETRY_STATUSES:
            return f"{where} again after {self.retries} retries; run it again later" + (
                f": {text}" if text else ""
            )
        return f"{where}" + (f": {text}" if text else "")


def _error_body(exc: urllib.error.HTTPError) -> str:
    try:
        data = exc.read()
    except (OSError, ValueError):
        return ""
    text = " ".join(data.decode("utf-8", "replace").split())
    return text[:_BODY_SHOWN]
