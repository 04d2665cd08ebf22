"""Tables of the office's named accounts: users (roles, password hash, optional TOTP) and the
audit log of administrative actions (rows are only ever added; triggers refuse the rest)."""
from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base
from ..models import utcnow

ADMINISTRATOR = "administrator"
# Codes as stored and typed in the CLI; the labels are what the pages show.
ROLES = {ADMINISTRATOR: "Administration", "umfrage": "Umfrage-Redaktion",
         "anbieter": "Anbieter-Verwaltung"}


def roles_allow(held: frozenset[str], *needed: str) -> bool:
    """Administrators pass every check; others need one of `needed`."""
    return ADMINISTRATOR in held or bool(held & set(needed))


class User(Base):
    """A named account of the office; `roles` holds role codes separated by spaces."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(sa.String(64), unique=True)
    display_name: Mapped[str] = mapped_column(sa.String(200))
    roles: Mapped[str] = mapped_column(sa.String(200))
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    totp_secret: Mapped[str | None] = mapped_column(sa.String(64))
    # The last accepted TOTP time step: a code is good only once (no replay within its 30 s).
    totp_last_step: Mapped[int | None] = mapped_column(sa.BigInteger)
    disabled: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_sign_in_at: Mapped[datetime | None]

    @property
    def role_set(self) -> frozenset[str]:
        return frozenset(self.roles.split())


class AuditEntry(Base):
    """One administrative action: who, what, on what, from where. Never changed or deleted."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(sa.String(100), index=True)
    action: Mapped[str] = mapped_column(sa.String(40), index=True)
    subject: Mapped[str] = mapped_column(sa.String(200))
    details: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)
    address: Mapped[str | None] = mapped_column(sa.String(64))
