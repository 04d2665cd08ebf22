"""One fetch guard for everything the hub fetches (provider files, neighbours' feeds).

`guarded_fetch` allows http and https only, resolves the host itself and refuses loopback,
private, link-local, multicast, reserved, unspecified and cloud-metadata addresses (IPv4,
IPv6 and IPv4 embedded in IPv6) unless the host is listed in FETCH_ALLOW_HOSTS; it connects
to the very address it checked (no second lookup an attacker's DNS could answer differently),
follows redirects itself and checks every hop, cuts the transfer at one overall deadline (not
a per-read timeout) and at a size limit while streaming. Refusals and failures are typed
exceptions with a stable kebab-case `code` and a German message naming the URL.
"""
from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
import threading
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

from .fetch_rules import (
    AllowList,
    FetchError,
    FetchFailed,
    FetchRefused,
    IPAddress,
    Target,
    check_url,
    forbidden_reason,
    is_ip_literal,
    parse_allow_hosts,
)

__all__ = ["AllowList", "FetchError", "FetchFailed", "FetchRefused", "FetchResult",
           "RunDeadline", "check_url", "guarded_fetch", "parse_allow_hosts", "precheck_url"]

USER_AGENT = "Bildungsdaten-Hub (+https://w3id.org/bildungsdaten/)"
MAX_REDIRECTS = 5
REDIRECTS = frozenset({301, 302, 303, 307, 308})
CHUNK = 64 * 1024
# Headers that belong to one origin and must not travel to another host on a redirect.
ORIGIN_HEADERS = frozenset({"authorization", "cookie", "proxy-authorization"})


@dataclass(frozen=True)
class FetchResult:
    """The final answer after redirects: status, headers and the whole body."""

    status: int
    headers: http.client.HTTPMessage
    body: bytes
    url: str


@dataclass
class RunDeadline:
    """One time budget shared by every fetch of a job run (e.g. all provider pulls)."""

    seconds: float
    at: float = field(init=False)

    def __post_init__(self) -> None:
        self.at = time.monotonic() + self.seconds

    def remaining(self) -> float:
        return self.at - time.monotonic()


def precheck_url(url: str, allow_hosts: AllowList | Iterable[str] | str | None, *,
                 resolve_s: float = 3.0) -> str | None:
    """Check a URL when it is configured (e.g. a provider's source_url), before any fetch.

    Raises FetchRefused as guarded_fetch would; returns a German note when the host does not
    resolve now (allowed: every fetch checks again), else None.
    """
    allow = allow_hosts if isinstance(allow_hosts, AllowList) else parse_allow_hosts(allow_hosts)
    target = check_url(url)
    try:
        _resolve(target, allow, _Clock(resolve_s, None))
    except FetchFailed:
        return (f"Hinweis: {target.host} ist derzeit nicht auffindbar; der Hub prüft die "
                "Adresse bei jedem Abruf erneut.")
    return None


def guarded_fetch(url: str, *, max_bytes: int, deadline_s: float,
                  allow_hosts: AllowList | Iterable[str] | str | None,
                  accept: Sequence[str] = (), headers: Mapping[str, str] | None = None,
                  max_redirects: int = MAX_REDIRECTS,
                  run_deadline: RunDeadline | None = None) -> FetchResult:
    """GET `url` within the guard's rules; returns the final status, headers and body.

    `accept`: media types sent as Accept and required of a 2xx answer (empty: anything).
    `headers`: extra request headers (e.g. If-None-Match); a 304 is returned, not raised.
    Raises FetchRefused (the guard's rules) or FetchFailed (network, deadline, size).
    """
    allow = allow_hosts if isinstance(allow_hosts, AllowList) else parse_allow_hosts(allow_hosts)
    clock = _Clock(deadline_s, run_deadline)
    request_headers = {"User-Agent": USER_AGENT, **dict(headers or {})}
    if accept:
        request_headers["Accept"] = ", ".join(accept)
    current = url
    for hop in range(max_redirects + 1):
        target = check_url(current)
        addresses = _resolve(target, allow, clock)
        status, resp_headers, body = _fetch_once(target, addresses, request_headers, max_bytes,
                                                 clock)
        location = resp_headers.get("Location")
        if status not in REDIRECTS or not location:
            if accept and 200 <= status < 300:
                _check_content_type(target, resp_headers, accept)
            return FetchResult(status, resp_headers, body, current)
        try:
            following = urljoin(current, location.strip())
        except ValueError:
            raise FetchRefused("url-invalid", f"„{current}“ leitet auf eine ungültige Adresse "
                               f"weiter: „{location}“.", current) from None
        if not _same_host(following, current):
            request_headers = {k: v for k, v in request_headers.items()
                               if k.lower() not in ORIGIN_HEADERS}
        current = following
        if hop == max_redirects:
            break
    raise FetchFailed("too-many-redirects",
                      f"„{url}“: mehr als {max_redirects} Weiterleitungen.", url)


def _same_host(one: str, other: str) -> bool:
    try:
        return urlsplit(one).hostname == urlsplit(other).hostname
    except ValueError:  # an unparsable Location: check_url refuses it on the next hop
        return False


class _Clock:
    """The one deadline of a fetch: its own, or the job run's if that ends earlier."""

    def __init__(self, deadline_s: float, run: RunDeadline | None) -> None:
        self.seconds = deadline_s
        self.at = time.monotonic() + deadline_s
        self.run = run
        if run is not None and run.at < self.at:
            self.at = run.at

    def remaining(self) -> float:
        return self.at - time.monotonic()

    def expired(self, url: str) -> FetchFailed:
        if self.run is not None and self.run.at <= self.at:
            return FetchFailed(
                "run-deadline",
                f"„{url}“: das Zeitbudget dieses Laufs ({self.run.seconds:g} s) ist erschöpft; "
                "der nächste Lauf versucht es wieder.", url)
        return FetchFailed("deadline",
                           f"„{url}“ wurde nicht innerhalb von {self.seconds:g} s vollständig "
                           "geliefert; der Abruf wurde abgebrochen.", url)

    def check(self, url: str) -> float:
        left = self.remaining()
        if left <= 0:
            raise self.expired(url)
        return left


def _resolve(target: Target, allow: AllowList, clock: _Clock) -> list[IPAddress]:
    """The addresses of the target's host, each one checked; refuse if any is forbidden."""
    if is_ip_literal(target.host):
        addresses = [ipaddress.ip_address(target.host)]
    else:
        addresses = _lookup(target, clock)
    for address in addresses:
        reason = forbidden_reason(address)
        if reason is not None and not allow.allows(target.host, address):
            via = "" if target.host == str(address) else f"{target.host} führt zu "
            raise FetchRefused(
                "address-not-allowed",
                f"„{target.url}“: {via}{address} ist keine öffentliche Adresse ({reason}); "
                "solche Adressen ruft der Hub nicht ab (Ausnahmen nur über FETCH_ALLOW_HOSTS).",
                target.url)
    return addresses


def _lookup(target: Target, clock: _Clock) -> list[IPAddress]:
    # getaddrinfo has no timeout of its own: run it aside and wait no longer than the deadline.
    found: list[IPAddress] = []
    failure: list[BaseException] = []

    def work() -> None:
        try:
            infos = socket.getaddrinfo(target.host, target.port, type=socket.SOCK_STREAM)
            for info in infos:
                address = ipaddress.ip_address(str(info[4][0]).split("%")[0])
                if address not in found:
                    found.append(address)
        except (OSError, UnicodeError, ValueError) as exc:
            failure.append(exc)

    worker = threading.Thread(target=work, name="fetch-guard-dns", daemon=True)
    worker.start()
    worker.join(max(0.0, clock.check(target.url)))
    if worker.is_alive():
        raise clock.expired(target.url)
    if failure or not found:
        raise FetchFailed("dns-failed",
                          f"„{target.url}“: der Server {target.host} ist nicht auffindbar (DNS).",
                          target.url)
    return found


def _check_content_type(target: Target, headers: http.client.HTTPMessage,
                        accept: Sequence[str]) -> None:
    media = headers.get_content_type() if headers.get("Content-Type") else ""
    wanted = {a.split(";")[0].strip().lower() for a in accept}
    if media not in wanted:
        raise FetchFailed("content-type",
                          f"„{target.url}“ liefert „{media or 'ohne Inhaltstyp'}“, erwartet: "
                          f"{', '.join(sorted(wanted))}.", target.url)


def _fetch_once(target: Target, addresses: list[IPAddress], request_headers: dict[str, str],
                max_bytes: int, clock: _Clock) -> tuple[int, http.client.HTTPMessage, bytes]:
    """One request to one checked address, cut off at the clock's deadline."""
    sock = _connect(target, addresses, clock)
    # A watchdog shuts the socket at the deadline: a per-read timeout alone lets a source
    # that drips one byte at a time hold the job for ever.
    conn_class = http.client.HTTPSConnection if target.scheme == "https" else \
        http.client.HTTPConnection
    conn = conn_class(target.host, target.port)
    conn.sock = sock  # http.client then never connects (and never looks the host up) itself
    watchdog = threading.Timer(max(0.0, clock.remaining()), _shut, (conn,))
    watchdog.daemon = True
    watchdog.start()
    try:
        if target.scheme == "https":
            _handshake(target, conn, sock, clock)
        conn.putrequest("GET", target.path, skip_accept_encoding=True)
        for name, value in request_headers.items():
            conn.putheader(name, value)
        conn.endheaders()
        resp = conn.getresponse()
        if resp.status in REDIRECTS:
            return resp.status, resp.headers, b""
        body = _read_body(target, resp, max_bytes, clock)
        return resp.status, resp.headers, body
    except FetchError:
        raise
    except (OSError, http.client.HTTPException) as exc:
        if clock.remaining() <= 0 or isinstance(exc, TimeoutError):
            raise clock.expired(target.url) from None
        if isinstance(exc, ssl.SSLError):
            raise FetchFailed("tls-failed",
                              f"„{target.url}“: sichere Verbindung (TLS) gescheitert: "
                              f"{exc.__class__.__name__}.", target.url) from None
        raise FetchFailed("bad-response",
                          f"„{target.url}“: keine gültige HTTP-Antwort "
                          f"({exc.__class__.__name__}).", target.url) from None
    finally:
        watchdog.cancel()
        conn.close()


def _connect(target: Target, addresses: list[IPAddress], clock: _Clock) -> socket.socket:
    """A TCP connection to the first of the checked addresses that answers."""
    for address in addresses:
        family = socket.AF_INET6 if address.version == 6 else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        try:
            sock.settimeout(clock.check(target.url))
            sock.connect((str(address), target.port))
            return sock
        except OSError:
            sock.close()
            if clock.remaining() <= 0:
                raise clock.expired(target.url) from None
    raise FetchFailed("connect-failed",
                      f"„{target.url}“: keine Verbindung zu {target.host}:{target.port}.",
                      target.url)


def _handshake(target: Target, conn: http.client.HTTPConnection, sock: socket.socket,
               clock: _Clock) -> None:
    context = ssl.create_default_context()
    # The certificate is checked against the host name of the URL, not the address.
    tls = context.wrap_socket(sock, server_hostname=target.host, do_handshake_on_connect=False)
    conn.sock = tls
    tls.settimeout(clock.check(target.url))
    tls.do_handshake()


def _read_body(target: Target, resp: http.client.HTTPResponse, max_bytes: int,
               clock: _Clock) -> bytes:
    declared = resp.getheader("Content-Length")
    if declared and declared.strip().isdigit() and int(declared) > max_bytes:
        raise _too_large(target, max_bytes)
    chunks: list[bytes] = []
    size = 0
    while True:
        if clock.remaining() <= 0:
            raise clock.expired(target.url)
        chunk = resp.read(CHUNK) if not resp.isclosed() else b""
        if not chunk:
            break
        size += len(chunk)
        if size > max_bytes:
            raise _too_large(target, max_bytes)
        chunks.append(chunk)
    if clock.remaining() <= 0:  # the watchdog's shutdown reads as an early end
        raise clock.expired(target.url)
    return b"".join(chunks)


def _too_large(target: Target, max_bytes: int) -> FetchFailed:
    limit = f"{max_bytes:,}".replace(",", ".")
    return FetchFailed("too-large",
                       f"„{target.url}“ ist größer als {limit} Bytes; der Abruf wurde "
                       "abgebrochen.", target.url)


def _shut(conn: http.client.HTTPConnection) -> None:
    # conn.sock is the TLS socket once wrapped; the base class's shutdown works on it without
    # touching its TLS state, and a read blocked in another thread returns at once.
    sock = conn.sock
    if sock is None:
        return
    try:
        socket.socket.shutdown(sock, socket.SHUT_RDWR)
    except OSError:
        pass
