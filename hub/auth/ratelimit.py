"""Rate limit for failed token attempts, counted in the database so every worker sees them."""
from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ..models import AuthFailure, utcnow

WINDOW = timedelta(minutes=1)
# Rows older than this are purged when new failures come in (keeps the table small); longer
# than any window in use (the admin lockout's is ADMIN_LOCKOUT_MINUTES).
KEEP = timedelta(hours=24)


def client_key(address: str | None) -> str:
    return (address or "unbekannt")[:64]


def failures(session: Session, client: str, window: timedelta = WINDOW) -> int:
    """How often `client` failed within the last `window`."""
    return int(session.execute(
        sa.select(sa.func.count()).select_from(AuthFailure)
        .where(AuthFailure.client == client, AuthFailure.at >= utcnow() - window)).scalar_one())


def is_blocked(session: Session, client: str, limit: int, window: timedelta = WINDOW) -> bool:
    """True when `client` failed `limit` or more times within the last `window`."""
    return failures(session, client, window) >= limit


def retry_after(session: Session, client: str, window: timedelta = WINDOW) -> int:
    """Seconds until the oldest counted failure of `client` leaves the window (at least 1)."""
    now = utcnow()
    oldest = session.execute(
        sa.select(sa.func.min(AuthFailure.at))
        .where(AuthFailure.client == client, AuthFailure.at >= now - window)).scalar_one()
    if oldest is None:
        return 1
    return max(1, int((oldest + window - now).total_seconds()) + 1)


def record_failure(session: Session, client: str) -> None:
    """Count one failed attempt (the caller commits)."""
    now = utcnow()
    session.execute(sa.delete(AuthFailure).where(AuthFailure.at < now - KEEP))
    session.add(AuthFailure(client=client, at=now))
