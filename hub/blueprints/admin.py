"""Sign-in and sign-out of the admin pages (`/verwaltung/…`): a server-side session that
signing out revokes (hub.auth.web_sessions); the pages themselves call hub.auth.admin."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, redirect, request

from ..auth import admin, web_sessions
from ..auth.csrf import check_csrf
from ..context import current_hub

bp = Blueprint("admin", __name__, url_prefix="/verwaltung", template_folder="../templates")

@bp.get("/anmelden")
def sign_in_form() -> Any:
    if not current_hub().settings.admin_token:
        abort(403)
    return admin.signin_response(200, next_path=request.args.get("next") or admin.HOME)


@bp.post("/anmelden")
def sign_in() -> Any:
    check_csrf()
    if not current_hub().settings.admin_token:
        abort(403)
    wait = admin.locked_out_seconds()
    if wait is not None:
        return admin.lockout_response(wait, request.form.get("next"))
    if not admin.password_matches(request.form.get("passwort", "")):
        admin.count_failure()
        return admin.signin_response(401, "Das Passwort ist falsch.", request.form.get("next"))
    web_sessions.sign_in(admin.KIND)
    return redirect(admin.local_path(request.form.get("next")), 303)


@bp.post("/abmelden")
def sign_out() -> Any:
    check_csrf()
    web_sessions.sign_out()
    return redirect("/verwaltung/anmelden", 303)
