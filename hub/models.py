"""SQLAlchemy models of the hub: providers, offers with instances and venues, the change clock,
uploads and API tokens. Schema changes go through Alembic (hub/migrations)."""
from __future__ import annotations

from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .db import Base, JSONList

Money = sa.Numeric(10, 2)
Coordinate = sa.Numeric(9, 6)


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)  # stored as naive UTC on both dialects


class Provider(Base):
    __tablename__ = "providers"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(sa.String(64), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    type: Mapped[str | None] = mapped_column(sa.String(40))
    url: Mapped[str | None] = mapped_column(sa.String(500))
    email: Mapped[str | None] = mapped_column(sa.String(200))
    telephone: Mapped[str | None] = mapped_column(sa.String(50))
    licence: Mapped[str | None] = mapped_column(sa.String(200))
    # A published file the scheduler pulls (CSV/XLSX URL), with its HTTP validators.
    source_url: Mapped[str | None] = mapped_column(sa.String(1000))
    source_etag: Mapped[str | None] = mapped_column(sa.String(200))
    source_last_modified: Mapped[str | None] = mapped_column(sa.String(100))
    source_checked_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class ProviderDefault(Base):
    """One preset value of a provider (column of the upload template -> text): fills what a
    calendar upload (.ics) cannot say, such as life phase, price or learning mode."""

    __tablename__ = "provider_defaults"

    provider_id: Mapped[int] = mapped_column(
        sa.ForeignKey("providers.id", ondelete="CASCADE"), primary_key=True)
    column: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    value: Mapped[str] = mapped_column(sa.String(1000))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Venue(Base):
    """A place of one provider, deduplicated by the content of its address fields."""

    __tablename__ = "venues"
    __table_args__ = (sa.UniqueConstraint("provider_id", "venue_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    provider_id: Mapped[int] = mapped_column(sa.ForeignKey("providers.id", ondelete="CASCADE"))
    venue_key: Mapped[str] = mapped_column(sa.String(64))
    venue_name: Mapped[str | None] = mapped_column(sa.String(200))
    street: Mapped[str | None] = mapped_column(sa.String(200))
    postal_code: Mapped[str | None] = mapped_column(sa.String(5))
    locality: Mapped[str | None] = mapped_column(sa.String(100))
    ags: Mapped[str | None] = mapped_column(sa.String(8), index=True)
    lat: Mapped[Decimal | None] = mapped_column(Coordinate)
    lon: Mapped[Decimal | None] = mapped_column(Coordinate)
    venue_accessible: Mapped[str | None] = mapped_column(sa.String(20))


class Offer(Base):
    """A course of one provider (provider + angebot_id), kept as a tombstone when deleted."""

    __tablename__ = "offers"
    __table_args__ = (
        sa.UniqueConstraint("provider_id", "angebot_id"),
        # The RPDE keyset: ORDER BY modified, feed_id with (modified, feed_id) > cursor.
        sa.Index("ix_offers_modified_feed_id", "modified", "feed_id"),
        sa.Index("ix_offers_deleted_last_date", "deleted", "last_date"),
        # PostgreSQL also has trigram indexes of lower(title) and lower(description) for the
        # API's free-text search: made by migration 0005 where pg_trgm may be installed.
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Found through the unique (provider_id, angebot_id) index: no index of its own.
    provider_id: Mapped[int] = mapped_column(sa.ForeignKey("providers.id", ondelete="CASCADE"))
    angebot_id: Mapped[str] = mapped_column(sa.String(50))
    feed_id: Mapped[str] = mapped_column(sa.String(120), unique=True)
    modified: Mapped[int] = mapped_column(sa.BigInteger)
    deleted: Mapped[bool] = mapped_column(default=False)
    deleted_at: Mapped[datetime | None]
    content_hash: Mapped[str | None] = mapped_column(sa.String(64))
    first_date: Mapped[date | None] = mapped_column(index=True)
    last_date: Mapped[date | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    title: Mapped[str | None] = mapped_column(sa.String(200))
    description: Mapped[str | None] = mapped_column(sa.Text)
    keywords: Mapped[list[str]] = mapped_column(JSONList, default=list)
    url: Mapped[str | None] = mapped_column(sa.String(1000))
    image_url: Mapped[str | None] = mapped_column(sa.String(1000))
    life_phases: Mapped[list[str]] = mapped_column(JSONList, default=list)
    topic: Mapped[str | None] = mapped_column(sa.String(40))
    offer_form: Mapped[str | None] = mapped_column(sa.String(40))
    kursnet_code: Mapped[str | None] = mapped_column(sa.String(30))
    contact_email: Mapped[str | None] = mapped_column(sa.String(200))
    contact_phone: Mapped[str | None] = mapped_column(sa.String(50))
    audience: Mapped[str | None] = mapped_column(sa.String(500))
    audience_codes: Mapped[list[str]] = mapped_column(JSONList, default=list)
    min_age: Mapped[int | None]
    max_age: Mapped[int | None]
    level: Mapped[str | None] = mapped_column(sa.String(20))
    languages: Mapped[list[str]] = mapped_column(JSONList, default=list)
    prerequisites: Mapped[str | None] = mapped_column(sa.Text)
    funding: Mapped[list[str]] = mapped_column(JSONList, default=list)
    azav_number: Mapped[str | None] = mapped_column(sa.String(50))
    funding_note: Mapped[str | None] = mapped_column(sa.Text)
    credential_type: Mapped[str | None] = mapped_column(sa.String(40))
    credential_name: Mapped[str | None] = mapped_column(sa.String(200))
    examining_body: Mapped[str | None] = mapped_column(sa.String(200))
    ects: Mapped[Decimal | None] = mapped_column(sa.Numeric(6, 1))
    date_modified: Mapped[date | None]

    provider: Mapped[Provider] = relationship(lazy="joined")
    instances: Mapped[list[OfferInstance]] = relationship(
        back_populates="offer", cascade="all, delete-orphan", order_by="OfferInstance.position")


class OfferInstance(Base):
    """A dated run of a course (termin_id, or angebot_id + start date)."""

    __tablename__ = "offer_instances"
    __table_args__ = (sa.UniqueConstraint("offer_id", "instance_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    offer_id: Mapped[int] = mapped_column(sa.ForeignKey("offers.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(default=0)
    instance_key: Mapped[str] = mapped_column(sa.String(60))
    venue_id: Mapped[int | None] = mapped_column(sa.ForeignKey("venues.id"), index=True)

    termin_id: Mapped[str | None] = mapped_column(sa.String(50))
    start_date: Mapped[date | None] = mapped_column(index=True)
    end_date: Mapped[date | None]
    start_time: Mapped[time | None]
    end_time: Mapped[time | None]
    weekdays: Mapped[list[str]] = mapped_column(JSONList, default=list)
    rhythm: Mapped[str | None] = mapped_column(sa.String(20))
    sessions: Mapped[int | None]
    teaching_units: Mapped[Decimal | None] = mapped_column(sa.Numeric(8, 2))
    schedule_note: Mapped[str | None] = mapped_column(sa.Text)
    rolling_entry: Mapped[bool | None]
    registration_deadline: Mapped[date | None]
    status: Mapped[str | None] = mapped_column(sa.String(20))
    mode: Mapped[str | None] = mapped_column(sa.String(30), index=True)
    time_forms: Mapped[list[str]] = mapped_column(JSONList, default=list)
    online_url: Mapped[str | None] = mapped_column(sa.String(1000))
    accessibility_features: Mapped[list[str]] = mapped_column(JSONList, default=list)
    accessibility_note: Mapped[str | None] = mapped_column(sa.Text)
    min_participants: Mapped[int | None]
    max_participants: Mapped[int | None]
    price: Mapped[Decimal | None] = mapped_column(Money)
    price_kind: Mapped[str | None] = mapped_column(sa.String(20))
    reduced_price: Mapped[Decimal | None] = mapped_column(Money)
    price_note: Mapped[str | None] = mapped_column(sa.Text)

    offer: Mapped[Offer] = relationship(back_populates="instances")
    venue: Mapped[Venue | None] = relationship(lazy="joined")


class FeedClock(Base):
    """One row holding the last change stamp handed out (see hub.offers.changelog)."""

    __tablename__ = "feed_clock"

    id: Mapped[int] = mapped_column(primary_key=True)
    last: Mapped[int] = mapped_column(sa.BigInteger, default=0)


class Upload(Base):
    """One provider upload: the original file, its report and how it ended."""

    __tablename__ = "uploads"

    id: Mapped[int] = mapped_column(primary_key=True)
    provider_id: Mapped[int] = mapped_column(sa.ForeignKey("providers.id", ondelete="CASCADE"),
                                             index=True)
    filename: Mapped[str | None] = mapped_column(sa.String(300))
    content_type: Mapped[str | None] = mapped_column(sa.String(200))
    size: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    sha256: Mapped[str | None] = mapped_column(sa.String(64))
    original: Mapped[bytes | None] = mapped_column(sa.LargeBinary)
    # How `original` is stored: None as uploaded, "zlib" compressed (hub.offers.originals).
    original_compression: Mapped[str | None] = mapped_column(sa.String(10))
    mode: Mapped[str] = mapped_column(sa.String(10), default="replace")
    source: Mapped[str] = mapped_column(sa.String(10), default="api")  # api, page, cli, pull
    dry_run: Mapped[bool] = mapped_column(default=False)
    status: Mapped[str] = mapped_column(sa.String(20), default="pending")
    report: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)
    stats: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]


class ApiToken(Base):
    """A provider's API token, stored as a SHA-256 hash; the token itself is shown once."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    provider_id: Mapped[int] = mapped_column(sa.ForeignKey("providers.id", ondelete="CASCADE"),
                                             index=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    prefix: Mapped[str] = mapped_column(sa.String(12))
    label: Mapped[str | None] = mapped_column(sa.String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]

    provider: Mapped[Provider] = relationship(lazy="joined")


class AuthFailure(Base):
    """A failed token attempt, counted per client address for rate limiting."""

    __tablename__ = "auth_failures"

    id: Mapped[int] = mapped_column(primary_key=True)
    client: Mapped[str] = mapped_column(sa.String(64), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
