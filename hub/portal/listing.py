"""Pages of live offers for people, in the listing order of the one filter model (relevance
with a text, else by first date; hub.search.order), keyset-paged (no OFFSET), loaded with
their dates in a fixed number of queries whatever the page size."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ...vocab.records import OfferRecord
from ..models import Offer
from ..offers.filters import OfferFilters
from ..offers.store import load_offer_records
from ..problems import Problem
from ..search.fast import count
from ..search.order import Cursor, decode_cursor, encode_cursor, ordered_ids

offers_t = Offer.__table__
PAGE_SIZE = 20


class BadCursor(ValueError):
    """A `nach` value that no page of ours in this order produced."""


@dataclass
class OfferPage:
    records: list[OfferRecord]
    next: str | None  # the `nach` token of the next page


def read_cursor(token: str | None, filters: OfferFilters) -> Cursor | None:
    """The page start of a `nach` token made for the order of `filters`."""
    if not token:
        return None
    try:
        return decode_cursor(token, filters.order(), "nach")
    except Problem:
        raise BadCursor(token) from None


def offer_page(session: Session, filters: OfferFilters, after: Cursor | None,
               size: int = PAGE_SIZE) -> OfferPage:
    """The `size` live offers matching `filters` after `after`, in the listing's order."""
    rows = ordered_ids(filters, session, after, size + 1)
    records = load_offer_records(session, [offer_id for offer_id, _ in rows[:size]])
    nxt = encode_cursor(filters.order(), *rows[size - 1]) if len(rows) > size else None
    return OfferPage(records, nxt)


def count_matches(session: Session, filters: OfferFilters) -> int:
    """The number of live offers matching `filters`: from the search matrix, else in SQL
    (while the matrix is being built)."""
    found = count(session, filters)
    return found if found is not None else count_offers(session, filters.where(session))


def count_offers(session: Session, where: Sequence[Any]) -> int:
    return int(session.execute(sa.select(sa.func.count()).select_from(offers_t)
                               .where(*where)).scalar_one())
