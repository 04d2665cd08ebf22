"""Who may use the admin pages: ADMIN_TOKEN as the password of a sign-in (server-side session,
revoked on sign-out) or, for scripts, as `Authorization: Bearer …` / Basic `user:password`.

Failed attempts are counted per client address; after ADMIN_LOCKOUT_FAILURES within
ADMIN_LOCKOUT_MINUTES the address is locked out (429 with Retry-After), right password or not.
"""
from __future__ import annotations

import base64
import binascii
import hmac
from datetime import timedelta

from flask import Response, abort, render_template, request

from ..context import current_hub
from ..db import transaction
from . import web_sessions
from .csrf import csrf_token
from .ratelimit import client_key, is_blocked, record_failure, retry_after

KIND = "admin"
REALM = 'Bearer realm="Bildungsdaten-Hub Verwaltung"'


class MalformedCredential(ValueError):
    """An Authorization header the hub does not accept (never logged: it may be a password)."""


def header_password(header: str) -> str | None:
    """The password in an Authorization header: Bearer <password> or Basic base64(user:password).

    None without a header; MalformedCredential for anything else, e.g. Basic without a colon
    (gunicorn would log its decoded text as the user name)."""
    if not header:
        return None
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    if scheme.lower() == "basic":
        try:
            decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
        except (binascii.Error, ValueError):
            raise MalformedCredential("basic-undecodable") from None
        _user, colon, password = decoded.partition(":")
        if colon:
            return password
    raise MalformedCredential("scheme")


def password_matches(given: str) -> bool:
    token = current_hub().settings.admin_token
    # Bytes: compare_digest refuses str with non-ASCII characters.
    return bool(token) and hmac.compare_digest(given.encode("utf-8", "surrogatepass"),
                                               token.encode("utf-8"))


def _client() -> str:
    return "admin:" + client_key(request.remote_addr)


def _window() -> timedelta:
    return timedelta(minutes=current_hub().settings.admin_lockout_minutes)


def locked_out_seconds() -> int | None:
    """Seconds this client still has to wait, or None when it may try."""
    hub = current_hub()
    with hub.sessions() as db:
        if not is_blocked(db, _client(), hub.settings.admin_lockout_failures, _window()):
            return None
        return retry_after(db, _client(), _window())


def count_failure() -> None:
    with transaction(current_hub().sessions) as db:
        record_failure(db, _client())


HOME = "/survey/admin"


def local_path(target: str | None) -> str:
    """Only a path on this hub (no //host, no scheme): never an open redirect."""
    if target and target.startswith("/") and not target.startswith(("//", "/\\")):
        return target
    return HOME


def lockout_response(seconds: int, next_path: str | None = None) -> Response:
    minutes = max(1, (seconds + 59) // 60)
    body = render_template("admin_signin.html", csrf=csrf_token(),
                           next=local_path(next_path or request.path),
                           errors=[("passwort", (
                               "Zu viele Fehlversuche von dieser Adresse: Die Verwaltung ist für "
                               f"Sie für etwa {minutes} Minute(n) gesperrt. Bitte warten Sie und "
                               "versuchen Sie es dann erneut."))])
    return Response(body, 429, {"Retry-After": str(seconds)})


def signin_response(status: int, message: str | None = None,
                    next_path: str | None = None) -> Response:
    """The sign-in form; `next_path` is where a successful sign-in leads (default: here)."""
    errors = [("passwort", message)] if message else []
    body = render_template("admin_signin.html", csrf=csrf_token(),
                           next=local_path(next_path or request.path), errors=errors)
    return Response(body, status, {"WWW-Authenticate": REALM})


def signed_in() -> bool:
    with current_hub().sessions() as db:
        return web_sessions.current(db, KIND) is not None


def require_admin() -> None:
    """Return when the request is the admin's; otherwise abort with 403 (admin pages off),
    429 (locked out), or 401 with the sign-in form."""
    if not current_hub().settings.admin_token:
        abort(403)
    header = request.headers.get("Authorization", "")
    if not header and signed_in():
        return
    wait = locked_out_seconds()
    if wait is not None:
        abort(lockout_response(wait))
    try:
        given = header_password(header)
    except MalformedCredential:
        count_failure()
        abort(signin_response(401, "Die Anmeldedaten haben ein ungültiges Format "
                                   "(erwartet: Bearer <Passwort> oder Basic Benutzer:Passwort)."))
    if given is None:
        abort(signin_response(401))
    if not password_matches(given):
        count_failure()
        abort(signin_response(401, "Das Passwort ist falsch."))
