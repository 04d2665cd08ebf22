"""Who may use the admin pages: the office's named accounts (hub.auth.users), each with roles.

A sign-in is a server-side session bound to the account (hub.auth.web_sessions), so signing
out or disabling the account ends it at once. `ADMIN_TOKEN` only bootstraps: while no account
exists, signing in with it leads to the form that creates the first administrator, and scripts
may send it as `Authorization: Bearer …` (or Basic `user:token`); once an account exists it
opens nothing. Failed attempts are counted per client address and per account name; after
ADMIN_LOCKOUT_FAILURES within ADMIN_LOCKOUT_MINUTES either is locked out (429, Retry-After),
right password or not.
"""
from __future__ import annotations

import base64
import binascii
import hmac
from dataclasses import dataclass
from datetime import timedelta

from flask import Response, abort, g, render_template, request

from ..context import current_hub
from ..db import transaction
from . import web_sessions
from .audit import SYSTEM, record
from .csrf import csrf_token
from .models import ADMINISTRATOR, ROLES, User, roles_allow
from .ratelimit import client_key, failures, is_blocked, record_failure, retry_after
from .users import count_users

KIND = "admin"
SETUP_KIND = "einrichtung"
REALM = 'Bearer realm="Bildungsdaten-Hub Verwaltung"'
HOME = "/verwaltung/"


@dataclass(frozen=True)
class Account:
    """Who a request acts for: a named account, or the bootstrap token (user_id None)."""

    user_id: int | None
    username: str
    display_name: str
    roles: frozenset[str]

    def has_role(self, *roles: str) -> bool:
        return roles_allow(self.roles, *roles)


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


def token_matches(given: str) -> bool:
    """True when `given` is the configured ADMIN_TOKEN (compared in constant time)."""
    token = current_hub().settings.admin_token
    # Bytes: compare_digest refuses str with non-ASCII characters.
    return bool(token) and hmac.compare_digest(given.encode("utf-8", "surrogatepass"),
                                               token.encode("utf-8"))


def accounts_exist() -> bool:
    with current_hub().sessions() as db:
        return count_users(db) > 0


# --- lockout ----------------------------------------------------------------------------------

def address_key() -> str:
    return "admin:" + client_key(request.remote_addr)


def account_key(username: str) -> str:
    return client_key("konto:" + username.strip().lower())


def _window() -> timedelta:
    return timedelta(minutes=current_hub().settings.admin_lockout_minutes)


def locked_out_seconds(*keys: str) -> int | None:
    """Seconds the longest lockout among `keys` (default: this address) lasts, or None."""
    hub = current_hub()
    waits = []
    with hub.sessions() as db:
        for key in keys or (address_key(),):
            if is_blocked(db, key, hub.settings.admin_lockout_failures, _window()):
                waits.append(retry_after(db, key, _window()))
    return max(waits) if waits else None


def count_failure(username: str | None = None) -> None:
    """Count a failed attempt for this address (and account name); a lockout is audited."""
    hub = current_hub()
    keys = [address_key()] + ([account_key(username)] if username else [])
    with transaction(hub.sessions) as db:
        for key in keys:
            record_failure(db, key)
        db.flush()
        for key in keys:
            # Audited once, when the failure that locks the key out comes in.
            if failures(db, key, _window()) == hub.settings.admin_lockout_failures:
                record(db, "signin.locked_out", key,
                       {"minuten": hub.settings.admin_lockout_minutes}, actor=SYSTEM)


# --- responses ----------------------------------------------------------------------------------

def local_path(target: str | None) -> str:
    """Only a path on this hub (no //host, no scheme): never an open redirect."""
    if target and target.startswith("/") and not target.startswith(("//", "/\\")):
        return target
    return HOME


def signin_response(status: int, message: str | None = None, next_path: str | None = None,
                    field: str = "passwort", username: str = "") -> Response:
    """The sign-in form (the bootstrap form while no account exists); `next_path` is where a
    successful sign-in leads (default: here)."""
    errors = [(field, message)] if message else []
    body = render_template("admin_signin.html", csrf=csrf_token(), setup=not accounts_exist(),
                           next=local_path(next_path or request.path), errors=errors,
                           username=username)
    return Response(body, status, {"WWW-Authenticate": REALM})


def lockout_response(seconds: int, next_path: str | None = None, username: str = "") -> Response:
    minutes = max(1, (seconds + 59) // 60)
    resp = signin_response(429, (
        "Zu viele Fehlversuche von dieser Adresse oder für dieses Konto: Die Anmeldung ist für "
        f"etwa {minutes} Minute(n) gesperrt. Bitte warten Sie und versuchen Sie es dann "
        "erneut."), next_path, username=username)
    resp.headers["Retry-After"] = str(seconds)
    return resp


# --- who is signed in ---------------------------------------------------------------------------

def current_account() -> Account | None:
    """The enabled account behind the request's session cookie, or None (cached per request)."""
    if "account" in g:
        return g.account  # type: ignore[no-any-return]
    account = None
    with current_hub().sessions() as db:
        row = web_sessions.current(db, KIND)
        user = db.get(User, row.user_id) if row is not None and row.user_id else None
        if user is not None and not user.disabled:
            account = Account(user.id, user.username, user.display_name, user.role_set)
    g.account = account
    return account


def signed_in() -> bool:
    return current_account() is not None


def _script_account(header: str) -> Account:
    """The bootstrap token as a script credential: only while no account exists."""
    if accounts_exist():
        abort(signin_response(401, "Das ADMIN_TOKEN gilt nur, solange es noch kein Konto gibt. "
                                   "Bitte mit einem Konto anmelden oder die Befehlszeile "
                                   "(bildungsdaten …) benutzen."))
    wait = locked_out_seconds()
    if wait is not None:
        abort(lockout_response(wait))
    try:
        given = header_password(header)
    except MalformedCredential:
        count_failure()
        abort(signin_response(401, "Die Anmeldedaten haben ein ungültiges Format "
                                   "(erwartet: Bearer <Passwort> oder Basic Benutzer:Passwort)."))
    if given is None or not token_matches(given):
        count_failure()
        abort(signin_response(401, "Das Passwort ist falsch."))
    return Account(None, SYSTEM, "ADMIN_TOKEN (Einrichtung)", frozenset({ADMINISTRATOR}))


def require_role(*roles: str) -> Account:
    """The account of the request when it has one of `roles` (administrators pass every check);
    otherwise abort with 403 (admin pages off, or the role is missing), 429 (locked out) or
    401 with the sign-in form."""
    header = request.headers.get("Authorization", "")
    if header and current_hub().settings.admin_token:
        account = _script_account(header)
    else:
        account = current_account()  # type: ignore[assignment]
        if account is None:
            if not current_hub().settings.admin_token and not accounts_exist():
                abort(403, "Die Verwaltung ist abgeschaltet: Es gibt noch kein Konto (anlegen "
                           "mit `bildungsdaten users create`) und kein ADMIN_TOKEN.")
            wait = locked_out_seconds()
            if wait is not None:
                abort(lockout_response(wait))
            abort(signin_response(401))
    if roles and not account.has_role(*roles):
        needed = " oder ".join(ROLES.get(r, r) for r in roles)
        abort(403, f"Ihr Konto „{account.username}“ hat nicht die nötige Rolle ({needed}).")
    g.audit_actor = account.username
    g.acting_account = account
    return account


def acting_account() -> Account:
    """The account require_role admitted in this request."""
    return g.acting_account  # type: ignore[no-any-return]


def require_admin() -> Account:
    """The account of the request when it is an administrator (see require_role)."""
    return require_role(ADMINISTRATOR)
