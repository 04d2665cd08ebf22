"""The order of a listing (`sort`) and its keyset cursor: `next` continues after the last
offer of a page by (sort key, id), so paging never repeats or skips an offer, whatever the
order, and costs the same on every page."""
from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ..problems import bad_parameter
from .geo import nearest
from .index import offers_t, title_hits
from .text import query_terms

if TYPE_CHECKING:
    from ..offers.filters import OfferFilters

ID_ORDER = "o1"  # the cursor of the id order, as the API always had it
SORTED = "s1"  # versioned, so the format can change without breaking old links
MAX_OFFER_ID = 2**31 - 1  # offers.id is a 32-bit integer on PostgreSQL
LAST_DATE = date(9999, 12, 31)  # offers without a date come last in sort=date


@dataclass(frozen=True)
class Cursor:
    """Where a page ends: the last offer's id and sort key (None in id order)."""

    offer_id: int
    key: int | date | None = None


def sort_key(filters: OfferFilters, session: Session
             ) -> tuple[sa.ColumnElement[Any], bool, sa.FromClause] | None:
    """The SQL sort key of `filters.sort`, whether it runs descending, and what to select
    from; None for id order."""
    if filters.sort == "relevance" and filters.q is not None:
        hits = title_hits(session.get_bind().dialect.name, query_terms(filters.q))
        return hits, True, offers_t
    if filters.sort == "date":
        first = sa.func.coalesce(offers_t.c.first_date, sa.literal(LAST_DATE, sa.Date))
        return first, False, offers_t
    if filters.sort == "distance" and filters.radius is not None:
        # Joined, not correlated: the filter keeps only offers with a date in the radius.
        # With a text the matches are few: the minimum only for them; else for all around.
        near = nearest(filters.radius, None if filters.q is None
                       else sa.select(offers_t.c.id).where(*filters.where(session)))
        return near.c.distance_m, False, offers_t.join(near, near.c.offer_id == offers_t.c.id)
    return None


def ordered_ids(filters: OfferFilters, session: Session, after: Cursor | None,
                limit: int) -> list[tuple[int, Any]]:
    """(id, sort key) of the next `limit` matching offers after `after`, in the listing's
    order: one statement, whatever the number of matches."""
    key = sort_key(filters, session)
    o = offers_t.c
    if key is None:
        stmt = sa.select(o.id, sa.null()).where(*filters.where(session)).order_by(o.id)
        if after is not None:
            stmt = stmt.where(o.id > after.offer_id)
        return [(r[0], None) for r in session.execute(stmt.limit(limit))]
    expr, descending, source = key
    stmt = (sa.select(o.id, expr).select_from(source).where(*filters.where(session))
            .order_by(expr.desc() if descending else expr, o.id))
    if after is not None and after.key is not None:
        beyond = expr < after.key if descending else expr > after.key
        stmt = stmt.where(sa.or_(beyond, sa.and_(expr == after.key, o.id > after.offer_id)))
    elif after is not None:
        stmt = stmt.where(o.id > after.offer_id)
    return [(r[0], _plain(r[1])) for r in session.execute(stmt.limit(limit))]


def _plain(value: Any) -> int | date:
    if isinstance(value, date):
        return value
    if isinstance(value, str):  # SQLite may hand back the coalesced date as text
        return date.fromisoformat(value)
    return int(value)


def encode_cursor(sort: str | None, offer_id: int, key: Any) -> str:
    """The `after` token of a page ending at this offer."""
    if sort is None or key is None:
        raw = f"{ID_ORDER}:{offer_id}"
    else:
        shown = key.isoformat() if isinstance(key, date) else str(int(key))
        raw = f"{SORTED}:{sort}:{shown}:{offer_id}"
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(token: str, sort: str | None) -> Cursor:
    """The Cursor of an `after` token made for this same `sort`; 400 for anything else."""
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raw = ""
    if sort is None:
        found = re.fullmatch(rf"{ID_ORDER}:([0-9]{{1,10}})", raw)
        if found and int(found.group(1)) <= MAX_OFFER_ID:
            return Cursor(int(found.group(1)))
    else:
        found = re.fullmatch(rf"{SORTED}:{sort}:([0-9]{{1,10}}|[0-9]{{4}}-[0-9]{{2}}-[0-9]{{2}}):"
                             r"([0-9]{1,10})", raw)
        if found and int(found.group(2)) <= MAX_OFFER_ID:
            try:
                key = (date.fromisoformat(found.group(1)) if "-" in found.group(1)
                       else int(found.group(1)))
            except ValueError:
                key = None
            if key is not None and (sort == "date") == isinstance(key, date):
                return Cursor(int(found.group(2)), key)
    raise bad_parameter("after", "Ungültige Fortsetzungsmarke; bitte den Link aus `next` "
                        "unverändert verwenden.")
