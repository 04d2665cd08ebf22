"""The audit log of administrative actions: one `record` for the web pages and the CLI.

The row is added to the caller's session, so it is committed with the action it describes
(or not at all). The database refuses UPDATE and DELETE on audit_log (0010_accounts).
"""
from __future__ import annotations

import getpass
from typing import Any

from flask import g, has_request_context, request
from sqlalchemy.orm import Session

from ..models import utcnow
from .models import AuditEntry

SYSTEM = "system"

# Action codes (stable, stored) and their German labels for the protocol page.
ACTIONS: dict[str, str] = {
    "user.created": "Konto angelegt",
    "user.disabled": "Konto gesperrt",
    "user.enabled": "Konto entsperrt",
    "user.roles_changed": "Rollen geändert",
    "user.password_changed": "Passwort geändert",
    "user.totp_enrolled": "Zwei-Faktor eingerichtet",
    "user.totp_reset": "Zwei-Faktor zurückgesetzt",
    "signin.locked_out": "Anmeldung gesperrt (Fehlversuche)",
    "provider.created": "Anbieter angelegt",
    "provider.source_changed": "Quelle eines Anbieters geändert",
    "token.created": "Token erzeugt",
    "token.revoked": "Token gesperrt",
    "survey.imported": "Umfrage importiert",
    "survey.released": "Umfrage veröffentlicht",
    "survey.responses_deleted": "Rohantworten gelöscht",
    "source.added": "Quelle hinzugefügt",
    "source.enabled": "Quelle eingeschaltet",
    "source.disabled": "Quelle abgeschaltet",
    "source.removed": "Quelle entfernt",
}


def cli_actor() -> str:
    """The actor of a command run on the server: its operating-system user."""
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):  # no passwd entry (e.g. a container's arbitrary uid)
        return "cli:unbekannt"


def request_actor() -> str | None:
    """Who acts in the current request (set by hub.auth.admin on a role check), if anyone."""
    if not has_request_context():
        return None
    return g.get("audit_actor")


def record(db: Session, action: str, subject: str, details: dict[str, Any] | None = None,
           actor: str | None = None) -> AuditEntry:
    """Add one entry to `db` (committed by the caller with the action itself).

    The actor is, in this order: the argument, the signed-in account of the request,
    "system". The address is the request's client address, if there is a request."""
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")  # a typo must not go unnoticed
    who = actor or request_actor() or SYSTEM
    address = request.remote_addr if has_request_context() else None
    entry = AuditEntry(at=utcnow(), actor=who[:100], action=action, subject=subject[:200],
                       details=details or None, address=(address or None) and address[:64])
    db.add(entry)
    return entry
