"""The office's accounts: `/verwaltung/konten` (administrators: list, create, disable, roles,
reset the second factor) and `/verwaltung/konto` (everyone: own password and second factor).
Every change is written to the audit log in the same transaction."""
from __future__ import annotations

import base64
import hashlib
import hmac
from typing import Any

import sqlalchemy as sa
from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
)

from ..auth import audit, totp, users
from ..auth.admin import acting_account, count_failure, require_admin, require_role
from ..auth.csrf import check_csrf, csrf_token
from ..auth.models import ROLES, User
from ..auth.web_sessions import SESSION_ID
from ..context import current_hub
from ..db import transaction

bp = Blueprint("accounts", __name__, url_prefix="/verwaltung", template_folder="../templates")


def _pending_secret(user_id: int) -> str:
    """The second-factor secret offered for enrolment: derived from the app key, the account
    and this sign-in (its session id), so it never travels in the cookie (Flask's is signed,
    not encrypted) and stays the same while the page is reloaded."""
    sid = session.get(SESSION_ID, "")
    digest = hmac.new(current_app.secret_key.encode() if isinstance(current_app.secret_key, str)
                      else bytes(current_app.secret_key or b""),
                      f"totp-enrolment:{user_id}:{sid}".encode(), hashlib.sha256).digest()
    return base64.b32encode(digest).decode()[:32]  # 160 bits, as pyotp's random_base32


def _accounts_page(errors: list[tuple[str, str]], values: dict[str, Any], status: int) -> Any:
    with current_hub().sessions() as db:
        rows = db.execute(sa.select(User).order_by(User.username)).scalars().all()
    return render_template("admin_accounts.html", account=acting_account(), users=rows, roles=ROLES, errors=errors,
                           values=values, csrf=csrf_token()), status


@bp.get("/konten")
def accounts() -> Any:
    require_admin()
    return _accounts_page([], {"rollen": []}, 200)


@bp.post("/konten")
def create_account() -> Any:
    require_admin()
    check_csrf()
    username = request.form.get("benutzername", "").strip()[:100]
    name = request.form.get("name", "").strip()[:300]
    roles = request.form.getlist("rollen")
    values: dict[str, Any] = {"benutzername": username, "name": name, "rollen": roles}
    try:
        with transaction(current_hub().sessions) as db:
            user = users.create_user(db, username, name, roles, request.form.get("passwort", ""))
            audit.record(db, "user.created", user.username, {"rollen": user.roles.split()})
            created = user.username
    except users.AccountError as exc:
        return _accounts_page([(exc.field, exc.message)], values, 400)
    flash(f"Konto {created} angelegt.")
    return redirect("/verwaltung/konten", 303)


@bp.post("/konten/<username>")
def change_account(username: str) -> Any:
    """One change to an account, named by the form's `aktion`."""
    require_admin()
    check_csrf()
    action = request.form.get("aktion", "")
    try:
        with transaction(current_hub().sessions) as db:
            user = users.find_user(db, username)
            if user is None:
                abort(404)
            notice = _apply(db, user, action)
    except users.AccountError as exc:
        return _accounts_page([(f"konto-{username}", exc.message)], {"rollen": []}, 400)
    flash(notice)
    return redirect("/verwaltung/konten", 303)


def _apply(db: Any, user: User, action: str) -> str:
    if action == "sperren":
        ended = users.disable(db, user)
        audit.record(db, "user.disabled", user.username, {"beendete_sitzungen": ended})
        return f"Konto {user.username} gesperrt; {ended} offene Anmeldung(en) beendet."
    if action == "entsperren":
        users.enable(user)
        audit.record(db, "user.enabled", user.username)
        return f"Konto {user.username} entsperrt."
    if action == "rollen":
        before, after = users.set_roles(db, user, request.form.getlist("rollen"))
        audit.record(db, "user.roles_changed", user.username,
                     {"vorher": before.split(), "nachher": after.split()})
        return f"Rollen von {user.username} geändert."
    if action == "zwei-faktor-zuruecksetzen":
        if users.reset_totp(db, user):
            audit.record(db, "user.totp_reset", user.username)
        return f"Zwei-Faktor-Anmeldung von {user.username} zurückgesetzt."
    abort(400, "Unbekannte Aktion.")


# --- own account ------------------------------------------------------------------------------

def _own_page(errors: list[tuple[str, str]], status: int) -> Any:
    account = require_role()
    with current_hub().sessions() as db:
        user = db.get(User, account.user_id) if account.user_id else None
    if user is None:  # the bootstrap token has no account of its own
        abort(403, "Mit dem ADMIN_TOKEN gibt es kein eigenes Konto; bitte zuerst eines anlegen.")
    enrolment = None
    if not user.totp_secret:
        secret = _pending_secret(user.id)
        uri = totp.provisioning_uri(secret, user.username,
                                    f"{totp.ISSUER} {current_hub().settings.publisher_name}")
        enrolment = {"secret": secret, "uri": uri, "svg": totp.qr_svg(uri)}
    return render_template("admin_own_account.html", account=account, user=user, roles=ROLES, errors=errors,
                           enrolment=enrolment, csrf=csrf_token()), status


@bp.get("/konto")
def own_account() -> Any:
    return _own_page([], 200)


@bp.post("/konto/zwei-faktor")
def enrol_totp() -> Any:
    account = require_role()
    check_csrf()
    if account.user_id is None:
        return redirect("/verwaltung/konto", 303)
    secret = _pending_secret(account.user_id)
    step = totp.accepted_step(secret, request.form.get("code", ""), None)
    if step is None:
        return _own_page([("code", "Der Code passt nicht. Bitte den aktuellen sechsstelligen "
                                   "Code aus Ihrer App eingeben.")], 400)
    with transaction(current_hub().sessions) as db:
        user = db.get(User, account.user_id)
        if user is None:
            abort(404)
        user.totp_secret, user.totp_last_step = secret, step
        audit.record(db, "user.totp_enrolled", user.username)
    flash("Zwei-Faktor-Anmeldung eingerichtet: Ab jetzt fragt die Anmeldung nach dem Code.")
    return redirect("/verwaltung/konto", 303)


@bp.post("/konto/passwort")
def change_password() -> Any:
    account = require_role()
    check_csrf()
    new = request.form.get("neu", "")
    if new != request.form.get("neu2", ""):
        return _own_page([("neu2", "Die beiden neuen Passwörter stimmen nicht überein.")],
                         400)
    try:
        with transaction(current_hub().sessions) as db:
            user = users.authenticate(db, account.username, request.form.get("bisher", ""))
            if user is None:
                count_failure(account.username)
                raise users.AccountError("wrong-password", "Das bisherige Passwort ist falsch.",
                                         "bisher")
            users.set_password(user, new)
            audit.record(db, "user.password_changed", user.username)
    except users.AccountError as exc:
        return _own_page([(exc.field, exc.message)], 400)
    flash("Passwort geändert.")
    return redirect("/verwaltung/konto", 303)
