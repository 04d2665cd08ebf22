"""Compute the indicators from one read snapshot of the offers and store them as the day's
immutable rows; read the time series back."""
from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ...feeds.monitoring import Observation
from ...vocab.codelists import municipalities
from ...vocab.geo import population_by_ags
from ..db import begin_write, make_sessionmaker, transaction
from ..models import utcnow
from ..settings import Settings
from .compute import Tally
from .gaps import Reach
from .models import MonitoringSnapshot, MonitoringValue
from .read import iter_offer_batches

log = logging.getLogger(__name__)
snapshots_t: sa.Table = MonitoringSnapshot.__table__  # type: ignore[assignment]
values_t: sa.Table = MonitoringValue.__table__  # type: ignore[assignment]


@dataclass(frozen=True)
class SnapshotResult:
    stichtag: date
    created: bool  # False: the day was stored before and kept as it was
    values: int
    live_offers: int


def population() -> dict[str, int]:
    """Inhabitants per municipality of the district; one without figures is reported and
    left out (it gets no rows) rather than divided by zero."""
    known = population_by_ags()
    out = {}
    for m in municipalities():
        p = known.get(m.ags)
        if p is None or p.inhabitants <= 0:
            log.warning("monitoring: no population figure for %s %s, left out", m.ags, m.name)
            continue
        out[m.ags] = p.inhabitants
    return out


def compute_values(engine: Engine, settings: Settings,
                   day: date) -> tuple[int, list[Observation]]:
    """(live offers, every indicator value of `day`) from one consistent snapshot, batch by
    batch."""
    centres = {m.ags: (m.lat, m.lon) for m in municipalities()}
    tally = Tally(settings.district_key, population(),
                  Reach(centres, settings.monitoring_radius_km))
    for batch in iter_offer_batches(engine):
        tally.add(batch)
    return tally.live, tally.values(day)


def _stored(session: Session, day: date) -> int | None:
    """The number of values stored for `day`, None when the day has no snapshot."""
    if session.get(MonitoringSnapshot, day) is None:
        return None
    return int(session.execute(sa.select(sa.func.count()).select_from(values_t)
                               .where(values_t.c.stichtag == day)).scalar() or 0)


def store_snapshot(engine: Engine, settings: Settings, day: date) -> SnapshotResult:
    """Store the values of `day` once: a day already stored is kept unchanged (also when
    another process stores it at the same time: the primary key decides, the first wins)."""
    sessions = make_sessionmaker(engine)
    with sessions() as session:
        existing = _stored(session, day)
        if existing is not None:
            live = session.get(MonitoringSnapshot, day).live_offers  # type: ignore[union-attr]
            return SnapshotResult(day, False, existing, live)
    live, values = compute_values(engine, settings, day)
    try:
        with transaction(sessions) as session:
            begin_write(session)
            if _stored(session, day) is not None:
                raise IntegrityError("snapshot exists", None, Exception("exists"))
            session.execute(snapshots_t.insert().values(
                stichtag=day, live_offers=live, radius_km=settings.monitoring_radius_km,
                created_at=utcnow()))
            if values:
                session.execute(values_t.insert(), [_columns(v) for v in values])
    except IntegrityError:
        with sessions() as session:
            return SnapshotResult(day, False, _stored(session, day) or 0, live)
    return SnapshotResult(day, True, len(values), live)


STORED = frozenset(c.name for c in values_t.columns)


def _columns(v: Observation) -> dict[str, Any]:
    # the fields are named as the table's columns; status and quelle belong to survey values,
    # which are read from their published tables and never stored (getattr, not asdict:
    # asdict deep-copies every value)
    return {k: getattr(v, k) for k in STORED if k != "id"}


def series_state(session: Session) -> tuple[date | None, int]:
    """(latest stichtag, number of snapshots): what the published files depend on."""
    row = session.execute(sa.select(sa.func.max(snapshots_t.c.stichtag),
                                    sa.func.count())).one()
    return row[0], int(row[1] or 0)


def snapshot_created(session: Session, day: date | None) -> datetime | None:
    """When the snapshot of `day` was stored (the CSV's Last-Modified)."""
    if day is None:
        return None
    return session.execute(sa.select(snapshots_t.c.created_at)
                           .where(snapshots_t.c.stichtag == day)).scalar()


def iter_stored_values(session: Session, upto: date) -> Iterator[Observation]:
    """Every stored row up to and including `upto`, streamed in the CSV's order."""
    v = values_t.c
    result = session.execute(
        sa.select(v.stichtag, v.indikator, v.gemeinde_ags, v.lebensphase, v.wert, v.zaehler,
                  v.nenner, v.einheit).where(v.stichtag <= upto)
        .order_by(v.stichtag, v.indikator, v.gemeinde_ags, v.lebensphase)
        .execution_options(yield_per=2000))
    for row in result:
        yield Observation(*row)


def stored_values(session: Session, stichtag: date | None = None, indikator: str | None = None,
                  gemeinde_ags: str | None = None, lebensphase: str | None = None
                  ) -> list[Observation]:
    """Stored rows (all days unless `stichtag`), ordered by day, indicator, area, phase."""
    v = values_t.c
    query = sa.select(v.stichtag, v.indikator, v.gemeinde_ags, v.lebensphase, v.wert,
                      v.zaehler, v.nenner, v.einheit)
    for column, value in ((v.stichtag, stichtag), (v.indikator, indikator),
                          (v.gemeinde_ags, gemeinde_ags), (v.lebensphase, lebensphase)):
        if value is not None:
            query = query.where(column == value)
    query = query.order_by(v.stichtag, v.indikator, v.gemeinde_ags, v.lebensphase)
    return [Observation(*row) for row in session.execute(query)]
