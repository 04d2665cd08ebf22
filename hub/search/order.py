"""The order of a listing (`sort`, else relevance with a text and date without) and its keyset
cursor: `next` continues after the last offer of a page by (sort key, id), so paging never
repeats or skips an offer, whatever the order, and costs the same on every page.

The relevance key is the text index's rank as an integer (hub.search.index.ranked_matches):
compared exactly, carried in the cursor as digits. It depends on the whole index (bm25 weighs
rare words more), so a page turned after offers changed continues at the old rank: an offer
whose rank moved past the cursor meanwhile can be missed or shown twice, as with any
order by a changing key."""
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
from .index import offers_t, ranked_matches

if TYPE_CHECKING:
    from ..offers.filters import OfferFilters

SORTED = "s1"  # versioned, so the format can change without breaking old links
MAX_OFFER_ID = 2**31 - 1  # offers.id is a 32-bit integer on PostgreSQL
LAST_DATE = date(9999, 12, 31)  # offers without a date come last in sort=date


@dataclass(frozen=True)
class Cursor:
    """Where a page ends: the last offer's id and sort key."""

    offer_id: int
    key: int | date


def sort_key(filters: OfferFilters, session: Session
             ) -> tuple[sa.ColumnElement[Any], bool, sa.FromClause]:
    """The SQL sort key of the listing's order (filters.order()), whether it runs descending,
    and what to select from."""
    order = filters.order()
    if order == "relevance" and filters.q is not None:
        ranked = ranked_matches(session.get_bind().dialect.name, filters.search_terms())
        return (ranked.c.rank, True,
                offers_t.join(ranked, ranked.c.offer_id == offers_t.c.id))
    if order == "distance" and filters.radius is not None:
        # Joined, not correlated: the filter keeps only offers with a date in the radius.
        # With a text the matches are few: the minimum only for them; else for all around.
        near = nearest(filters.radius, None if filters.q is None
                       else sa.select(offers_t.c.id).where(*filters.where(session)))
        return near.c.distance_m, False, offers_t.join(near, near.c.offer_id == offers_t.c.id)
    # date (OfferFilters.parse refuses relevance without a text and distance without a place)
    first = sa.func.coalesce(offers_t.c.first_date, sa.literal(LAST_DATE, sa.Date))
    return first, False, offers_t


def ordered_ids(filters: OfferFilters, session: Session, after: Cursor | None,
                limit: int) -> list[tuple[int, Any]]:
    """(id, sort key) of the next `limit` matching offers after `after`, in the listing's
    order: from the app's search matrix (hub.search.fast) when it has one, else SQL."""
    from .fast import ordered_ids as from_matrix  # fast imports this module

    found = from_matrix(filters, session, after, limit)
    return found if found is not None else sql_ordered_ids(filters, session, after, limit)


def sql_ordered_ids(filters: OfferFilters, session: Session, after: Cursor | None,
                    limit: int) -> list[tuple[int, Any]]:
    """ordered_ids in SQL: one statement, whatever the number of matches (the reference the
    matrix is tested against)."""
    expr, descending, source = sort_key(filters, session)
    o = offers_t.c
    stmt = (sa.select(o.id, expr).select_from(source).where(*filters.where(session))
            .order_by(expr.desc() if descending else expr, o.id))
    if after is not None:
        beyond = expr < after.key if descending else expr > after.key
        stmt = stmt.where(sa.or_(beyond, sa.and_(expr == after.key, o.id > after.offer_id)))
    return [(r[0], _plain(r[1])) for r in session.execute(stmt.limit(limit))]


def _plain(value: Any) -> int | date:
    if isinstance(value, date):
        return value
    if isinstance(value, str):  # SQLite may hand back the coalesced date as text
        return date.fromisoformat(value)
    return int(value)


def encode_cursor(order: str, offer_id: int, key: int | date) -> str:
    """The continuation token of a page in this order ending at this offer."""
    shown = key.isoformat() if isinstance(key, date) else str(int(key))
    raw = f"{SORTED}:{order}:{shown}:{offer_id}"
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(token: str, order: str, parameter: str = "after") -> Cursor:
    """The Cursor of a token made for this same order; 400 naming `parameter` for anything
    else (a token of another order, an edited or an old one)."""
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raw = ""
    found = re.fullmatch(rf"{SORTED}:{order}:([0-9]{{1,18}}|[0-9]{{4}}-[0-9]{{2}}-[0-9]{{2}}):"
                         r"([0-9]{1,10})", raw)
    if found and int(found.group(2)) <= MAX_OFFER_ID:
        try:
            key = (date.fromisoformat(found.group(1)) if "-" in found.group(1)
                   else int(found.group(1)))
        except ValueError:
            key = None
        if key is not None and (order == "date") == isinstance(key, date):
            return Cursor(int(found.group(2)), key)
    raise bad_parameter(parameter, "Ungültige Fortsetzungsmarke; bitte den Link zur nächsten "
                        "Seite unverändert verwenden.")
