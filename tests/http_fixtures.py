"""Local HTTP servers for the pulled sources' tests: real sockets on 127.0.0.1, real threads.

``ApiServer`` serves what the test's routes return for each request and records every request
(method, path, query, headers, body), so that a test can serve a vendor's documented response
shapes, page after page, with the status codes and headers it wants (429 with ``Retry-After``,
401 for an expired token…) and check what the client sent.
"""

from __future__ import annotations

import json
import threading
import urllib.parse
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes

    def form(self) -> dict[str, str]:
        return dict(urllib.parse.parse_qsl(self.body.decode()))


@dataclass
class Reply:
    status: int = 200
    body: Any = None  # JSON-encoded unless bytes
    headers: dict[str, str] = field(default_factory=dict)


Route = Callable[[Request], Reply]


class ApiServer:
    """A threaded HTTP server on a free loopback port; ``route(path, fn)`` answers a path."""

    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.requests: list[Request] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def _serve(self) -> None:
                parts = urllib.parse.urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                request = Request(
                    method=self.command,
                    path=parts.path,
                    query=dict(urllib.parse.parse_qsl(parts.query, keep_blank_values=True)),
                    headers={k: v for k, v in self.headers.items()},
                    body=self.rfile.read(length) if length else b"",
                )
                server.requests.append(request)
                route = server.routes.get(parts.path)
                reply = route(request) if route else Reply(404, {"error": "no such route"})
                data = reply.body if isinstance(reply.body, bytes) else json.dumps(reply.body)
                payload = data if isinstance(data, bytes) else data.encode()
                self.send_response(reply.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = _serve

            def log_message(self, *args: Any) -> None:
                return None

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}"

    def route(self, path: str, fn: Route) -> None:
        self.routes[path] = fn

    def calls(self, path: str) -> list[Request]:
        return [r for r in self.requests if r.path == path]

    def start(self) -> ApiServer:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(5)


def running() -> Iterator[ApiServer]:
    """A running ``ApiServer``, stopped afterwards (``yield from running()`` in a fixture)."""
    server = ApiServer().start()
    try:
        yield server
    finally:
        server.stop()


def pages_by(param: str, pages: list[Any], start: str = "") -> Route:
    """A route serving ``pages[i]`` for the i-th value of a query parameter (the first when
    absent): ``pages_by("pageToken", [page1, page2], …)`` where each page names the next."""

    def _route(request: Request) -> Reply:
        index = int(request.query.get(param, start) or 0)
        return Reply(200, pages[index])

    return _route
