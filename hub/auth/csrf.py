"""Form CSRF tokens kept in the Flask session (signed cookie), compared as bytes."""
from __future__ import annotations

import hmac
import secrets

from flask import abort, request, session

SESSION_CSRF = "csrf"


def csrf_token() -> str:
    """The session's form token, created on first use."""
    token = session.get(SESSION_CSRF)
    if not token:
        token = session[SESSION_CSRF] = secrets.token_urlsafe(32)
    return str(token)


def check_csrf() -> None:
    """400 unless the form's `csrf` field equals the session's token."""
    sent = request.form.get("csrf", "")
    expected = str(session.get(SESSION_CSRF, ""))
    # Bytes: compare_digest refuses str with non-ASCII characters (a 500 for "csrf=ä").
    if not sent or not hmac.compare_digest(sent.encode("utf-8", "surrogatepass"),
                                           expected.encode()):
        abort(400, "Das Formular ist abgelaufen. Bitte die Seite neu laden und erneut senden.")
