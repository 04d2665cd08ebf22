"""The indicator time series: one snapshot per day, its values immutable once written."""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Mapped, Session, mapped_column

from ..db import Base
from ..models import utcnow


class MonitoringSnapshot(Base):
    """A day whose indicator values are stored (written together with them, once)."""

    __tablename__ = "monitoring_snapshots"

    stichtag: Mapped[date] = mapped_column(sa.Date, primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    live_offers: Mapped[int] = mapped_column(default=0)
    radius_km: Mapped[float] = mapped_column(sa.Float)


class MonitoringValue(Base):
    """One indicator value of a day: area (AGS), life phase ("" = all), value and its parts."""

    __tablename__ = "monitoring_values"
    __table_args__ = (sa.UniqueConstraint("stichtag", "indikator", "gemeinde_ags", "lebensphase",
                                          name="uq_monitoring_values_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    stichtag: Mapped[date] = mapped_column(
        sa.Date, sa.ForeignKey("monitoring_snapshots.stichtag", ondelete="RESTRICT"))
    indikator: Mapped[str] = mapped_column(sa.String(64))
    gemeinde_ags: Mapped[str] = mapped_column(sa.String(8))
    lebensphase: Mapped[str] = mapped_column(sa.String(32), default="")
    wert: Mapped[float] = mapped_column(sa.Float)
    zaehler: Mapped[int]
    nenner: Mapped[int | None]
    einheit: Mapped[str] = mapped_column(sa.String(32))


@event.listens_for(Session, "before_flush")
def _values_are_immutable(session: Session, _ctx: Any, _instances: Any) -> None:
    """Past values never change: a stored snapshot is neither edited nor deleted."""
    for obj in list(session.dirty) + list(session.deleted):
        if isinstance(obj, MonitoringSnapshot | MonitoringValue) and (
                obj in session.deleted or session.is_modified(obj)):
            raise RuntimeError(f"{type(obj).__name__} ist unveränderlich (Zeitreihe).")
