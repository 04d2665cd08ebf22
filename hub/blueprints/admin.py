"""Sign-in and sign-out of the admin pages (`/verwaltung/…`), the start page of the office,
and the one-time setup of the first account with ADMIN_TOKEN (hub.auth.admin explains)."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, redirect, render_template, request

from ..auth import admin, audit, users, web_sessions
from ..auth.csrf import check_csrf, csrf_token
from ..auth.models import ADMINISTRATOR
from ..context import current_hub
from ..db import transaction
from ..models import utcnow

bp = Blueprint("admin", __name__, url_prefix="/verwaltung", template_folder="../templates")


@bp.app_context_processor
def _admin_csrf() -> dict[str, Any]:
    # Called only by pages that show the sign-out form, so other pages set no cookie.
    return {"admin_csrf": csrf_token}


@bp.get("/")
def home() -> Any:
    account = admin.require_role()
    return render_template("admin_home.html", account=account)


@bp.get("/anmelden")
def sign_in_form() -> Any:
    if not current_hub().settings.admin_token and not admin.accounts_exist():
        abort(403, "Die Verwaltung ist abgeschaltet: Es gibt noch kein Konto (anlegen mit "
                   "`bildungsdaten users create`) und kein ADMIN_TOKEN.")
    return admin.signin_response(200, next_path=request.args.get("next") or admin.HOME)


@bp.post("/anmelden")
def sign_in() -> Any:
    check_csrf()
    next_path = request.form.get("next")
    if not admin.accounts_exist():
        return _bootstrap_sign_in(next_path)
    username = request.form.get("benutzername", "").strip()[:100]
    wait = admin.locked_out_seconds(admin.address_key(), admin.account_key(username))
    if wait is not None:
        return admin.lockout_response(wait, next_path, username)
    with transaction(current_hub().sessions) as db:
        user = users.authenticate(db, username, request.form.get("passwort", ""))
        second = user is not None and users.check_second_factor(user, request.form.get("code", ""))
        if user is not None and second:
            user.last_sign_in_at = utcnow()
        user_id = user.id if user is not None else None
    if user_id is None or not second:
        admin.count_failure(username)
        if user_id is None:
            return admin.signin_response(401, "Benutzername oder Passwort ist falsch.", next_path,
                                         "benutzername", username)
        return admin.signin_response(401, "Der Einmalcode fehlt, ist falsch oder wurde schon "
                                          "benutzt. Bitte den aktuellen Code aus Ihrer App "
                                          "eingeben.", next_path, "code", username)
    web_sessions.sign_in(admin.KIND, user_id=user_id)
    return redirect(admin.local_path(next_path), 303)


def _bootstrap_sign_in(next_path: str | None) -> Any:
    """No account yet: ADMIN_TOKEN opens only the form that creates the first one."""
    if not current_hub().settings.admin_token:
        abort(403)
    wait = admin.locked_out_seconds()
    if wait is not None:
        return admin.lockout_response(wait, next_path)
    if not admin.token_matches(request.form.get("passwort", "")):
        admin.count_failure()
        return admin.signin_response(401, "Das Passwort ist falsch.", next_path)
    web_sessions.sign_in(admin.SETUP_KIND)
    return redirect("/verwaltung/einrichten", 303)


def _setup_allowed() -> bool:
    with current_hub().sessions() as db:
        return (web_sessions.current(db, admin.SETUP_KIND) is not None
                and users.count_users(db) == 0)


@bp.route("/einrichten", methods=["GET", "POST"])
def setup() -> Any:
    """The form that creates the first administrator (only after signing in with ADMIN_TOKEN)."""
    if not _setup_allowed():
        return redirect("/verwaltung/anmelden", 303)
    values = {"benutzername": "", "name": ""}
    errors: list[tuple[str, str]] = []
    if request.method == "POST":
        check_csrf()
        values = {k: request.form.get(k, "").strip()[:200] for k in values}
        password = request.form.get("passwort", "")
        if password != request.form.get("passwort2", ""):
            errors.append(("passwort2", "Die beiden Passwörter stimmen nicht überein."))
        else:
            try:
                with transaction(current_hub().sessions) as db:
                    user = users.create_first_administrator(
                        db, values["benutzername"], values["name"], password)
                    audit.record(db, "user.created", user.username,
                                 {"rollen": [ADMINISTRATOR], "über": "ADMIN_TOKEN"})
                    user_id = user.id
            except users.AccountError as exc:
                errors.append((exc.field, exc.message))
            else:
                web_sessions.sign_in(admin.KIND, user_id=user_id)
                return redirect("/verwaltung/konten", 303)
    return render_template("admin_setup.html", values=values, errors=errors,
                           csrf=csrf_token()), 400 if errors else 200


@bp.post("/abmelden")
def sign_out() -> Any:
    check_csrf()
    web_sessions.sign_out()
    return redirect("/verwaltung/anmelden", 303)
