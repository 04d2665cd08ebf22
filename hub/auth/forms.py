"""What every HTML form and admin page of the hub shares: the CSRF token kept in the signed
session, and the admin credential (ADMIN_TOKEN, as Bearer or the password of Basic auth)."""
from __future__ import annotations

import base64
import hmac
import secrets

from flask import Response, abort, request, session

from ..context import current_hub

SESSION_CSRF = "csrf"


def csrf_token() -> str:
    """This visitor's form token (made on first use; a session cookie only for forms)."""
    token = session.get(SESSION_CSRF)
    if not token:
        token = session[SESSION_CSRF] = secrets.token_urlsafe(32)
    return str(token)


def check_csrf() -> None:
    """400 unless the form sent back this visitor's token."""
    sent = request.form.get("csrf", "")
    if not hmac.compare_digest(sent.encode(), str(session.get(SESSION_CSRF, "")).encode()) \
            or not sent:
        abort(400, "Das Formular ist abgelaufen. Bitte die Seite neu laden und erneut senden.")


def require_admin() -> None:
    """403 when ADMIN_TOKEN is empty (admin pages off); 401 without the right credential."""
    token = current_hub().settings.admin_token
    if not token:
        abort(403)
    given = ""
    auth = request.headers.get("Authorization", "")
    if auth.startswith("Bearer "):
        given = auth[7:]
    elif auth.startswith("Basic "):
        try:
            given = base64.b64decode(auth[6:]).decode().split(":", 1)[-1]
        except (ValueError, UnicodeDecodeError):
            given = ""
    if not hmac.compare_digest(given.encode(), token.encode()):
        resp = Response("Anmeldung erforderlich (Passwort = ADMIN_TOKEN).", 401,
                        {"WWW-Authenticate": 'Basic realm="Bildungsdaten-Hub Verwaltung"'})
        abort(resp)
