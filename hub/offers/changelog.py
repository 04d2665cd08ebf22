"""Change stamps for the RPDE feed: strictly increasing, and committed in stamp order.

The commit-order race (../shared/standards/rpde.md): if a later stamp could commit before an
earlier one, a harvester could read past the later one and never see the earlier. We prevent
it by drawing every stamp from one row, `feed_clock`, with an UPDATE: the row lock is held
until the writer's transaction ends, so the next writer can only draw (larger) stamps after
the previous writer has committed or rolled back. Stamps therefore become visible in order.
On SQLite the database-wide write lock gives the same order.
"""
from __future__ import annotations

import time

import sqlalchemy as sa
from sqlalchemy.orm import Session


def now_ms() -> int:
    return time.time_ns() // 1_000_000


def reserve_stamps(session: Session, count: int = 1) -> int:
    """Reserve `count` consecutive stamps; returns the first. Locks the clock until commit.

    Stamps follow wall-clock milliseconds where possible (so `modified` reads as a time) but
    never repeat or go backwards.
    """
    if count < 1:
        raise ValueError("count must be positive")
    now = now_ms()
    last = session.execute(
        sa.text(
            "UPDATE feed_clock SET last = CASE WHEN last + :n > :now + :n - 1 "
            "THEN last + :n ELSE :now + :n - 1 END WHERE id = 1 RETURNING last"
        ),
        {"n": count, "now": now},
    ).scalar_one()
    return int(last) - count + 1

