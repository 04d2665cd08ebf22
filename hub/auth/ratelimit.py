"""Rate limit for failed token attempts, counted in the database so every worker sees them."""
from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ..models import AuthFailure, utcnow

WINDOW = timedelta(minutes=1)
# Rows older than this are purged when new failures come in (keeps the table small).
KEEP = timedelta(hours=1)


def client_key(address: str | None) -> str:
    return (address or "unbekannt")[:64]


def is_blocked(session: Session, client: str, limit: int) -> bool:
    """True when `client` failed `limit` or more times within the last minute."""
    count = session.execute(
        sa.select(sa.func.count()).select_from(AuthFailure)
        .where(AuthFailure.client == client, AuthFailure.at >= utcnow() - WINDOW)).scalar_one()
    return int(count) >= limit


def record_failure(session: Session, client: str) -> None:
    """Count one failed attempt (the caller commits)."""
    now = utcnow()
    session.execute(sa.delete(AuthFailure).where(AuthFailure.at < now - KEEP))
    session.add(AuthFailure(client=client, at=now))
