"""Server-side sign-ins: the cookie holds only a random session id, the database its hash.

Signing out deletes the row, so a copied cookie stops working at once (a signed cookie alone
stays valid until its key changes). Used by the upload page (kind "provider", bound to a
token, which revocation also ends) and the admin pages (kind "admin", bound to a named
account, which disabling ends; kind "einrichtung" only for creating the first account).
"""
from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import session
from sqlalchemy.orm import Mapped, Session, mapped_column

from ..context import current_hub
from ..db import Base, transaction
from ..models import utcnow
from . import models as _accounts  # noqa: F401 - the users table the user_id key refers to

SESSION_ID = "sid"


class WebSession(Base):
    """One signed-in browser; deleted on sign-out, useless after `expires_at`."""

    __tablename__ = "web_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    sid_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    kind: Mapped[str] = mapped_column(sa.String(16))
    token_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("api_tokens.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(index=True)


def _hash(sid: str) -> str:
    return hashlib.sha256(sid.encode("utf-8", "surrogatepass")).hexdigest()


def sign_in(kind: str, token_id: int | None = None, user_id: int | None = None) -> None:
    """A fresh session (old cookie contents dropped: no fixation) recorded server-side."""
    hub = current_hub()
    sid = secrets.token_urlsafe(32)
    now = utcnow()
    with transaction(hub.sessions) as db:
        db.execute(sa.delete(WebSession).where(WebSession.expires_at < now))
        db.add(WebSession(sid_hash=_hash(sid), kind=kind, token_id=token_id,
                          user_id=user_id, created_at=now,
                          expires_at=now + timedelta(hours=hub.settings.session_hours)))
    session.clear()
    session[SESSION_ID] = sid


def current(db: Session, kind: str) -> WebSession | None:
    """The live server-side session of this kind behind the request's cookie, or None."""
    sid = session.get(SESSION_ID)
    if not isinstance(sid, str) or not sid or len(sid) > 100:
        return None
    row = db.execute(sa.select(WebSession).where(WebSession.sid_hash == _hash(sid))).scalar()
    if row is None or row.kind != kind or row.expires_at < utcnow():
        return None
    return row


def end_for_user(db: Session, user_id: int) -> int:
    """End every open session of an account (the caller commits); returns how many."""
    ended = db.execute(sa.delete(WebSession).where(WebSession.user_id == user_id)
                       .returning(WebSession.id)).all()
    return len(ended)


def sign_out() -> None:
    """End the session server-side and in the cookie."""
    sid = session.get(SESSION_ID)
    if isinstance(sid, str) and sid:
        with transaction(current_hub().sessions) as db:
            db.execute(sa.delete(WebSession).where(WebSession.sid_hash == _hash(sid)))
    session.clear()
