"""The database side of the quality score (hub.offers.quality): which recommended groups each
offer fills, counted per provider in one set-based query; expiry lists; the last uploads.

Every number of the office overview comes from a fixed number of queries whatever the number
of offers (no loop over offers in Python), so it stays fast at 100,000 offers.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session

from ...vocab.records import PRICE_AMOUNT, PRICE_FREE
from ..models import Offer, OfferInstance, Provider, Upload, Venue
from .quality import (
    EXPIRY_DAYS,
    GROUP_KEYS,
    ProviderFacts,
    UploadCheck,
)

offers_t: sa.Table = Offer.__table__  # type: ignore[assignment]
instances_t: sa.Table = OfferInstance.__table__  # type: ignore[assignment]
providers_t: sa.Table = Provider.__table__  # type: ignore[assignment]
uploads_t: sa.Table = Upload.__table__  # type: ignore[assignment]
venues_t: sa.Table = Venue.__table__  # type: ignore[assignment]
ACCESSIBILITY_KNOWN = ("ja", "nein", "teilweise")
CHECKED = ("done", "invalid")  # an upload that was checked to the end (not failed, pending)


class _JsonListFilled(sa.sql.expression.ColumnElement[bool]):
    """SQL: the JSON list in a column has at least one item."""

    inherit_cache = True
    type = sa.Boolean()

    def __init__(self, column: Any) -> None:
        self.column = column


@compiles(_JsonListFilled, "sqlite")  # type: ignore[misc]
def _filled_sqlite(element: _JsonListFilled, compiler: Any, **kw: Any) -> str:
    col = compiler.process(element.column, **kw)
    return f"(coalesce(json_array_length({col}), 0) > 0)"


@compiles(_JsonListFilled, "postgresql")  # type: ignore[misc]
def _filled_pg(element: _JsonListFilled, compiler: Any, **kw: Any) -> str:
    col = compiler.process(element.column, **kw)
    # jsonb_array_length refuses a scalar (a stored JSON null): test the type first.
    return f"(jsonb_typeof({col}) = 'array' AND {col} <> '[]'::jsonb)"


def _filled(column: Any) -> sa.ColumnElement[bool]:
    return sa.and_(column.is_not(None), column != "")


def _flag(condition: sa.ColumnElement[bool]) -> sa.ColumnElement[int]:
    return sa.case((condition, 1), else_=0)


def instance_groups(offer_ids: sa.Select[Any] | Sequence[int] | None = None) -> sa.Subquery:
    """Per offer with dates: 1/0 whether every date has accessibility info, a price and (if it
    has a venue) coordinates; one GROUP BY over the dates (of `offer_ids`, if given)."""
    i, v = instances_t, venues_t
    accessible = sa.or_(v.c.venue_accessible.in_(ACCESSIBILITY_KNOWN),
                        _JsonListFilled(i.c.accessibility_features),
                        _filled(i.c.accessibility_note))
    priced = i.c.price_kind.in_((PRICE_AMOUNT, PRICE_FREE))
    located = sa.or_(i.c.venue_id.is_(None), sa.and_(v.c.lat.is_not(None), v.c.lon.is_not(None)))
    stmt = (sa.select(i.c.offer_id,
                      sa.func.min(_flag(accessible)).label("accessibility"),
                      sa.func.min(_flag(priced)).label("prices"),
                      sa.func.min(_flag(located)).label("coordinates"))
            .select_from(i.outerjoin(v, v.c.id == i.c.venue_id))
            .group_by(i.c.offer_id))
    if offer_ids is not None:
        stmt = stmt.where(i.c.offer_id.in_(offer_ids))
    return stmt.subquery("instance_groups")


def group_columns(inst: sa.Subquery) -> dict[str, sa.ColumnElement[int]]:
    """1/0 per recommended group of an offer (offers table joined with `inst`); an offer
    without dates counts as having the date groups (nothing is missing in a date)."""
    o = offers_t
    columns = {
        "accessibility": sa.func.coalesce(inst.c.accessibility, 1),
        "contact": _flag(sa.or_(_filled(o.c.contact_email), _filled(o.c.contact_phone))),
        "prices": sa.func.coalesce(inst.c.prices, 1),
        "funding": _flag(_JsonListFilled(o.c.funding)),
        "coordinates": sa.func.coalesce(inst.c.coordinates, 1),
        "prerequisites": _flag(_filled(o.c.prerequisites)),
    }
    assert tuple(columns) == GROUP_KEYS
    return columns


@dataclass(frozen=True)
class ProviderCounts:
    """One row of the overview: the provider, its facts and its expiry counts."""

    provider_id: int
    slug: str
    name: str
    facts: ProviderFacts
    past: int
    expiring: int
    last_upload: date | None  # any upload, dry runs included
    groups: dict[str, int]  # per recommended group: live offers that fill it


def provider_counts(session: Session, today: date,
                    provider_id: int | None = None) -> list[ProviderCounts]:
    """Every provider (or one) with its counts, ordered by name: three grouped queries."""
    o = offers_t
    inst = instance_groups(
        None if provider_id is None else
        sa.select(o.c.id).where(o.c.provider_id == provider_id, o.c.deleted.is_(False)))
    groups = group_columns(inst)
    soon = today + timedelta(days=EXPIRY_DAYS)
    offers_q = (sa.select(
        o.c.provider_id, sa.func.count().label("offers"),
        sa.func.sum(sum(groups.values(), sa.literal(0))).label("groups_present"),
        *(sa.func.sum(column).label(f"g_{key}") for key, column in groups.items()),
        sa.func.sum(_flag(o.c.last_date < today)).label("past"),
        sa.func.sum(_flag(o.c.last_date.between(today, soon))).label("expiring"))
        .select_from(o.outerjoin(inst, inst.c.offer_id == o.c.id))
        .where(o.c.deleted.is_(False)).group_by(o.c.provider_id))
    providers_q = sa.select(providers_t.c.id, providers_t.c.slug, providers_t.c.name)
    if provider_id is not None:
        offers_q = offers_q.where(o.c.provider_id == provider_id)
        providers_q = providers_q.where(providers_t.c.id == provider_id)
    counted = {r.provider_id: r for r in session.execute(offers_q)}
    uploads = _upload_facts(session, provider_id)
    out = []
    for p in session.execute(providers_q.order_by(providers_t.c.name, providers_t.c.id)):
        row = counted.get(p.id)
        last_import, last_check, last_upload = uploads.get(p.id, (None, None, None))
        per_group = {key: int(getattr(row, f"g_{key}") or 0) if row else 0
                     for key in GROUP_KEYS}
        facts = ProviderFacts(int(row.offers) if row else 0,
                              int(row.groups_present or 0) if row else 0,
                              per_group["accessibility"], last_import, last_check)
        out.append(ProviderCounts(p.id, p.slug, p.name, facts,
                                  int(row.past or 0) if row else 0,
                                  int(row.expiring or 0) if row else 0, last_upload, per_group))
    return out


def _upload_facts(session: Session, provider_id: int | None
                  ) -> dict[int, tuple[date | None, UploadCheck | None, date | None]]:
    """Per provider: day of the last import, counts of the last checked upload, day of the
    last upload of any kind."""
    u = uploads_t
    real = u.c.dry_run.is_(False)
    when = sa.func.coalesce(u.c.finished_at, u.c.created_at)
    imports = sa.select(u.c.provider_id, sa.func.max(when).label("at")).where(
        real, u.c.status == "done").group_by(u.c.provider_id)
    anything = sa.select(u.c.provider_id, sa.func.max(u.c.created_at).label("at")).group_by(
        u.c.provider_id)
    last_ids = sa.select(sa.func.max(u.c.id)).where(real, u.c.status.in_(CHECKED)).group_by(
        u.c.provider_id)
    checks = sa.select(u.c.provider_id, u.c.report).where(u.c.id.in_(last_ids))
    if provider_id is not None:
        imports = imports.where(u.c.provider_id == provider_id)
        anything = anything.where(u.c.provider_id == provider_id)
        checks = checks.where(u.c.provider_id == provider_id)
    facts: dict[int, list[Any]] = {}
    for r in session.execute(imports):
        facts.setdefault(r.provider_id, [None, None, None])[0] = r.at.date()
    for r in session.execute(checks):
        stats = (r.report or {}).get("stats") or {}
        facts.setdefault(r.provider_id, [None, None, None])[1] = UploadCheck(
            int(stats.get("rows", 0)), int(stats.get("errors", 0)), int(stats.get("warnings", 0)))
    for r in session.execute(anything):
        facts.setdefault(r.provider_id, [None, None, None])[2] = r.at.date()
    return {pid: (f[0], f[1], f[2]) for pid, f in facts.items()}


def offer_groups(session: Session, offer_ids: Sequence[int]) -> dict[int, dict[str, bool]]:
    """The groups each of these offers fills (one query; for a page of offers)."""
    if not offer_ids:
        return {}
    o = offers_t
    inst = instance_groups(list(offer_ids))
    columns = group_columns(inst)
    rows = session.execute(sa.select(o.c.id, *(c.label(k) for k, c in columns.items()))
                           .select_from(o.outerjoin(inst, inst.c.offer_id == o.c.id))
                           .where(o.c.id.in_(offer_ids)))
    return {r.id: {k: bool(getattr(r, k)) for k in GROUP_KEYS} for r in rows}


def expiry_lists(session: Session, provider_id: int, today: date, limit: int = 100
                 ) -> tuple[list[Any], list[Any]]:
    """The provider's live offers whose dates all lie in the past (latest first) and those
    whose last date is within EXPIRY_DAYS days (soonest first), at most `limit` each."""
    o = offers_t
    base = sa.select(o.c.id, o.c.angebot_id, o.c.title, o.c.first_date, o.c.last_date).where(
        o.c.provider_id == provider_id, o.c.deleted.is_(False))
    past = base.where(o.c.last_date < today).order_by(o.c.last_date.desc(), o.c.id)
    soon = base.where(o.c.last_date.between(today, today + timedelta(days=EXPIRY_DAYS))
                      ).order_by(o.c.last_date, o.c.id)
    return (list(session.execute(past.limit(limit))), list(session.execute(soon.limit(limit))))
