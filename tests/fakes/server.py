"""A local HTTP server for connector tests: routes to handler callables, injects scripted failures.

    with FakeServer() as server:
        server.route("/t/{id}.json", lambda req: {"id": int(req.params["id"])})
        server.fail("/t/{id}.json", RATE_LIMIT_JSON, SERVER_ERROR)   # the next two calls fail first
        client = ApiClient(server.url)

A handler gets a `Request` and returns a `Reply`, a dict/list (sent as JSON) or bytes.
Every request is recorded in `server.requests` (method, path, query, headers, body).
"""

from __future__ import annotations

import json
import re
import socket
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

# scripted failures, by name
RATE_LIMIT_JSON = "429_json"  # Discourse application 429: JSON with extras.wait_seconds + Retry-After
RATE_LIMIT_TEXT = "429_text"  # Discourse per-IP middleware 429: plain text + Retry-After
SERVER_ERROR = "500"
UNAVAILABLE = "503"
SLOW = "slow"  # answers only after `slow_seconds`, beyond the client's timeout
TRUNCATED_JSON = "truncated_json"  # a complete HTTP response whose JSON body is cut in half
CUT_CONNECTION = "cut_connection"  # announces the full length, sends half, closes
FAILURES = (RATE_LIMIT_JSON, RATE_LIMIT_TEXT, SERVER_ERROR, UNAVAILABLE, SLOW, TRUNCATED_JSON, CUT_CONNECTION)


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes
    params: dict[str, str] = field(default_factory=dict)  # from `{name}` placeholders in the route

    def json(self) -> Any:
        return json.loads(self.body)

    def arg(self, name: str, default: str | None = None) -> str | None:
        values = self.query.get(name)
        return values[0] if values else default


@dataclass
class Reply:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)

    @classmethod
    def json(cls, data: Any, status: int = 200, headers: dict[str, str] | None = None) -> Reply:
        return cls(status, json.dumps(data).encode(), {"Content-Type": "application/json", **(headers or {})})


Handler = Callable[[Request], "Reply | dict | list | bytes"]


def _pattern(route: str) -> re.Pattern[str]:
    parts = re.split(r"\{(\w+)\}", route)
    regex = "".join(re.escape(p) if i % 2 == 0 else f"(?P<{p}>[^/]+?)" for i, p in enumerate(parts))
    return re.compile(regex)


@dataclass
class _Route:
    method: str
    template: str
    pattern: re.Pattern[str]
    handler: Handler
    passes: int = 0  # requests to let through before the scripted failures start
    failures: deque = field(default_factory=deque)


class FakeServer:
    def __init__(self, *, retry_after: int = 1, slow_seconds: float = 1.0):
        self.retry_after = retry_after
        self.slow_seconds = slow_seconds
        self.requests: list[Request] = []
        self._routes: list[_Route] = []
        self._lock = threading.Lock()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> FakeServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def route(self, template: str, handler: Handler, method: str = "GET") -> None:
        self._routes.append(_Route(method, template, _pattern(template), handler))

    def fail(self, template: str, *failures: str | Reply, method: str = "GET", after: int = 0) -> None:
        """Queue failures for the route: after `after` good answers, the next requests get them in order."""
        route = self._find_route(method, template)
        with self._lock:
            route.passes = after
            route.failures.extend(failures)

    def requests_to(self, template: str, method: str = "GET") -> list[Request]:
        pattern = _pattern(template)
        return [r for r in self.requests if r.method == method and pattern.fullmatch(r.path)]

    def _find_route(self, method: str, template: str) -> _Route:
        for route in self._routes:
            if route.method == method and route.template == template:
                return route
        raise KeyError(f"no route {method} {template}")

    def _dispatch(self, request: Request) -> tuple[Reply, str | Reply | None]:
        """The real answer and the failure (if any) to send instead."""
        for route in self._routes:
            match = route.pattern.fullmatch(request.path)
            if route.method != request.method or not match:
                continue
            request.params = match.groupdict()
            with self._lock:
                failure = None
                if route.passes > 0:
                    route.passes -= 1
                elif route.failures:
                    failure = route.failures.popleft()
            return _as_reply(route.handler(request)), failure
        return Reply.json({"errors": ["not found"]}, status=404), None

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:  # keep test output quiet
                pass

            def setup(self) -> None:
                super().setup()
                # head and body go out in separate writes; without this, Nagle + delayed ACK cost 40 ms each
                self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

            def do_GET(self) -> None:
                self._serve()

            def do_POST(self) -> None:
                self._serve()

            def _serve(self) -> None:
                parts = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                request = Request(
                    method=self.command,
                    path=parts.path,
                    query=parse_qs(parts.query, keep_blank_values=True),
                    headers={k.lower(): v for k, v in self.headers.items()},
                    body=self.rfile.read(length) if length else b"",
                )
                with server._lock:
                    server.requests.append(request)
                reply, failure = server._dispatch(request)
                try:
                    server._send(self, reply, failure)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (timeout) before we answered

        return Handler

    def _send(self, handler: BaseHTTPRequestHandler, reply: Reply, failure: str | Reply | None) -> None:
        wait = str(self.retry_after)
        if isinstance(failure, Reply):
            reply = failure
        elif failure == RATE_LIMIT_JSON:
            reply = Reply.json(
                {
                    "errors": [f"You've performed this action too many times. Please wait {wait} seconds."],
                    "error_type": "rate_limit",
                    "extras": {"wait_seconds": self.retry_after},
                },
                status=429,
                headers={"Retry-After": wait, "Discourse-Rate-Limit-Error-Code": "admin_api_key_rate_limit"},
            )
        elif failure == RATE_LIMIT_TEXT:
            reply = Reply(
                429,
                b"Slow down, too many requests from this IP address. Please retry again in "
                + wait.encode()
                + b" seconds.\nError code: ip_10_secs_limit.\n",
                {"Content-Type": "text/plain; charset=utf-8", "Retry-After": wait},
            )
        elif failure == SERVER_ERROR:
            reply = Reply(500, b"<html><body>Internal Server Error</body></html>", {"Content-Type": "text/html"})
        elif failure == UNAVAILABLE:
            reply = Reply(503, b"Service Unavailable", {"Content-Type": "text/plain"})
        elif failure == SLOW:
            time.sleep(self.slow_seconds)
        elif failure == TRUNCATED_JSON:
            reply = Reply(reply.status, reply.body[: len(reply.body) // 2], reply.headers)
        elif failure == CUT_CONNECTION:
            _write_head(handler, reply, len(reply.body))
            handler.wfile.write(reply.body[: len(reply.body) // 2])
            handler.wfile.flush()
            handler.close_connection = True
            return
        elif failure is not None:
            raise ValueError(f"unknown failure {failure!r}; use one of {FAILURES}")
        _write_head(handler, reply, len(reply.body))
        handler.wfile.write(reply.body)


def _as_reply(answer: Reply | dict | list | bytes) -> Reply:
    if isinstance(answer, Reply):
        return answer
    if isinstance(answer, bytes):
        return Reply(200, answer, {"Content-Type": "application/octet-stream"})
    return Reply.json(answer)


def _write_head(handler: BaseHTTPRequestHandler, reply: Reply, length: int) -> None:
    handler.send_response(reply.status)
    for name, value in reply.headers.items():
        handler.send_header(name, value)
    handler.send_header("Content-Length", str(length))
    handler.end_headers()
