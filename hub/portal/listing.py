"""Pages of live offers for people: ordered by first date, keyset-paged (no OFFSET), loaded
with their dates in a fixed number of queries whatever the page size."""
from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ...vocab.records import OfferRecord
from ..models import Offer
from ..offers.store import load_offer_records

offers_t = Offer.__table__
PAGE_SIZE = 20
# Offers without any date sort after every dated one.
NO_DATE = date(9999, 12, 31)
CURSOR = re.compile(r"([0-9]{4}-[0-9]{2}-[0-9]{2})\.([0-9]{1,18})")


class BadCursor(ValueError):
    """A `nach` value that no page of ours produced."""


@dataclass(frozen=True)
class Cursor:
    """Where the next page starts: after (sort date, id)."""

    sort_date: date
    offer_id: int

    def text(self) -> str:
        return f"{self.sort_date.isoformat()}.{self.offer_id}"

    @classmethod
    def parse(cls, text: str | None) -> Cursor | None:
        if not text:
            return None
        match = CURSOR.fullmatch(text)
        if not match:
            raise BadCursor(text)
        try:
            return cls(date.fromisoformat(match[1]), int(match[2]))
        except ValueError:
            raise BadCursor(text) from None


@dataclass
class OfferPage:
    records: list[OfferRecord]
    next: Cursor | None


def _sort_date() -> Any:
    return sa.func.coalesce(offers_t.c.first_date, NO_DATE)


def offer_page(session: Session, where: Sequence[Any], after: Cursor | None,
               size: int = PAGE_SIZE) -> OfferPage:
    """The `size` live offers matching `where` after `after`, by first date then id."""
    sort = _sort_date()
    stmt = sa.select(offers_t.c.id, sort.label("sort_date")).where(*where)
    if after is not None:
        stmt = stmt.where(sa.or_(sort > after.sort_date,
                                 sa.and_(sort == after.sort_date, offers_t.c.id > after.offer_id)))
    rows = session.execute(stmt.order_by(sort, offers_t.c.id).limit(size + 1)).all()
    records = load_offer_records(session, [r.id for r in rows[:size]])
    nxt = None
    if len(rows) > size:
        last = rows[size - 1]
        sort_date = last.sort_date
        if isinstance(sort_date, str):  # SQLite hands back coalesce() of dates as text
            sort_date = date.fromisoformat(sort_date)
        nxt = Cursor(sort_date, last.id)
    return OfferPage(records, nxt)


def count_offers(session: Session, where: Sequence[Any]) -> int:
    return int(session.execute(sa.select(sa.func.count()).select_from(offers_t)
                               .where(*where)).scalar_one())
