"""Provider API tokens: generated once, stored only as SHA-256, looked up in constant time.

A token looks like `bdh_<43 url-safe characters>`; the recognisable prefix lets secret scanners
and admins spot it, and its first 12 characters (kept in clear) identify it in lists.
"""
from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from ..db import transaction
from ..models import ApiToken, Provider, utcnow

TOKEN_PREFIX = "bdh_"
SHOWN_PREFIX_LENGTH = 12
TOUCH_EVERY = timedelta(minutes=5)


@dataclass(frozen=True)
class TokenOwner:
    """Who a valid token speaks for."""

    token_id: int
    provider_id: int
    provider_slug: str
    provider_name: str
    last_used_at: datetime | None = None


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def new_token() -> str:
    """A fresh secret token (256 bits of randomness behind the prefix)."""
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def create_token(session: Session, provider_id: int, label: str | None = None) -> tuple[str, ApiToken]:
    """Create a token for a provider; returns the clear token (show it once) and its row."""
    token = new_token()
    row = ApiToken(provider_id=provider_id, token_hash=hash_token(token),
                   prefix=token[:SHOWN_PREFIX_LENGTH], label=label)
    session.add(row)
    session.flush()
    return token, row


def authenticate(session: Session, token: str | None) -> TokenOwner | None:
    """The owner of a valid, unrevoked token, or None (reads only; see touch)."""
    if not token or len(token) > 200:
        return None
    digest = hash_token(token)
    row = session.execute(
        sa.select(ApiToken.id, ApiToken.token_hash, ApiToken.provider_id, ApiToken.revoked_at,
                  ApiToken.last_used_at, Provider.slug, Provider.name)
        .join(Provider, Provider.id == ApiToken.provider_id)
        .where(ApiToken.token_hash == digest)).first()
    # The lookup is by hash (so the index never sees the secret); compare again in constant time.
    if row is None or not hmac.compare_digest(row.token_hash, digest) or row.revoked_at is not None:
        return None
    return TokenOwner(row.id, row.provider_id, row.slug, row.name, row.last_used_at)


def touch(sessions: sessionmaker[Session], owner: TokenOwner) -> None:
    """Note the token's use (at most every few minutes; never fails the request)."""
    if owner.last_used_at is not None and utcnow() - owner.last_used_at < TOUCH_EVERY:
        return
    try:
        with transaction(sessions) as session:
            session.execute(sa.update(ApiToken).where(ApiToken.id == owner.token_id)
                            .values(last_used_at=utcnow()))
    except OperationalError:  # SQLite busy with a long import: the note can wait
        pass


def owner_of_token_id(session: Session, token_id: int) -> TokenOwner | None:
    """The owner of a token known by id (the upload page's session), unless it was revoked."""
    row = session.execute(
        sa.select(ApiToken.id, ApiToken.provider_id, Provider.slug, Provider.name)
        .join(Provider, Provider.id == ApiToken.provider_id)
        .where(ApiToken.id == token_id, ApiToken.revoked_at.is_(None))).first()
    return None if row is None else TokenOwner(row.id, row.provider_id, row.slug, row.name)


def find_tokens(session: Session, prefix_or_id: str) -> list[ApiToken]:
    """Tokens matching a numeric id or the beginning of their shown prefix."""
    query = sa.select(ApiToken)
    if prefix_or_id.isdigit():
        query = query.where(ApiToken.id == int(prefix_or_id))
    else:
        clear = prefix_or_id[:SHOWN_PREFIX_LENGTH]
        query = query.where(ApiToken.prefix.startswith(clear, autoescape=True))
    return list(session.execute(query).scalars())


def revoke(session: Session, token: ApiToken) -> None:
    if token.revoked_at is None:
        token.revoked_at = utcnow()
