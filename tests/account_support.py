"""Helpers for the tests of the office's named accounts: create one, sign in with the form."""
from __future__ import annotations

import re
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from bildungsdaten.hub.auth.models import AuditEntry, User
from bildungsdaten.hub.auth.users import create_user

PASSWORD = "ein-langes-passwort-1"


def add_user(engine: Engine, username: str, *roles: str, password: str = PASSWORD,
             totp_secret: str | None = None) -> int:
    """An account made the way the pages and CLI make it (argon2 hash); returns its id."""
    with Session(engine) as db, db.begin():
        user = create_user(db, username, username.title(), roles or ("administrator",), password)
        user.totp_secret = totp_secret
        db.flush()
        return user.id


def form_csrf(client: Any, path: str) -> str:
    html = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf" value="([^"]+)"', html).group(1)


def sign_in(client: Any, username: str, password: str = PASSWORD, code: str = "",
            next_path: str = "/verwaltung/", **kwargs: Any) -> Any:
    csrf = form_csrf(client, "/verwaltung/anmelden")
    return client.post("/verwaltung/anmelden", data={
        "csrf": csrf, "benutzername": username, "passwort": password, "code": code,
        "next": next_path}, **kwargs)


def audit_rows(engine: Engine) -> list[tuple[str, str, str]]:
    """(actor, action, subject) of every audit entry, oldest first."""
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(  # type: ignore[misc]
            sa.select(AuditEntry.actor, AuditEntry.action, AuditEntry.subject)
            .order_by(AuditEntry.id))]


def user_row(engine: Engine, username: str) -> Any:
    with engine.connect() as conn:
        return conn.execute(sa.select(User.__table__).where(User.username == username)).first()
