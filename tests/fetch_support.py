"""Real HTTP servers on loopback for the fetch-guard tests: routes that answer, redirect,
drip slowly or send too much; each server records the requests it saw."""
from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

Route = Callable[[BaseHTTPRequestHandler], None]


@dataclass
class Served:
    """A running server: its base URL and the (path, headers) of every request it saw."""

    base: str
    seen: list[tuple[str, dict[str, str]]] = field(default_factory=list)

    def url(self, path: str) -> str:
        return self.base + path


@contextmanager
def serve(routes: dict[str, Route], host: str = "127.0.0.1") -> Iterator[Served]:
    """Serve `routes` (path -> handler function) on a free port of `host`."""
    served = Served("")

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            served.seen.append((self.path, dict(self.headers)))
            route = routes.get(self.path.split("?")[0])
            if route is None:
                self.send_error(404)
                return
            try:
                route(self)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the guard hung up on us, as it should

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer((host, 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    served.base = f"http://{host}:{server.server_port}"
    try:
        yield served
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def answer(body: bytes, status: int = 200, content_type: str = "text/csv",
           headers: dict[str, str] | None = None) -> Route:
    def route(h: BaseHTTPRequestHandler) -> None:
        h.send_response(status)
        h.send_header("Content-Type", content_type)
        h.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            h.send_header(name, value)
        h.end_headers()
        h.wfile.write(body)
    return route


def redirect(location: str, status: int = 302) -> Route:
    def route(h: BaseHTTPRequestHandler) -> None:
        h.send_response(status)
        h.send_header("Location", location)
        h.send_header("Content-Length", "0")
        h.end_headers()
    return route


def drip(body: bytes, every_s: float, headers_too: bool = False) -> Route:
    """Send `body` one byte every `every_s` seconds (after the headers, or the headers too)."""
    def route(h: BaseHTTPRequestHandler) -> None:
        head = (b"HTTP/1.1 200 OK\r\nContent-Type: text/csv\r\n"
                + f"Content-Length: {len(body)}\r\n\r\n".encode())
        if not headers_too:
            h.wfile.write(head)
            h.wfile.flush()
            head = b""
        for byte in head + body:
            h.wfile.write(bytes([byte]))
            h.wfile.flush()
            time.sleep(every_s)
    return route


def endless(chunk: bytes = b"x;" * 32768) -> Route:
    """A body without Content-Length that never ends (until the client hangs up)."""
    def route(h: BaseHTTPRequestHandler) -> None:
        h.send_response(200)
        h.send_header("Content-Type", "text/csv")
        h.send_header("Connection", "close")
        h.end_headers()
        for _ in range(100_000):
            h.wfile.write(chunk)
    return route
