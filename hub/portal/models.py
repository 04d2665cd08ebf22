"""Reports of barriers on the portal ("Barriere melden", HVBIT / BITV 2.0 feedback mechanism):
stored for the Bildungskoordination, which must answer within six weeks."""
from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base
from ..models import utcnow

ANSWER_WITHIN = timedelta(weeks=6)  # the answer deadline the accessibility statement promises


class BarrierReport(Base):
    __tablename__ = "barrier_reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    page: Mapped[str | None] = mapped_column(sa.String(500))
    description: Mapped[str] = mapped_column(sa.Text)
    name: Mapped[str | None] = mapped_column(sa.String(200))
    email: Mapped[str | None] = mapped_column(sa.String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    answered_at: Mapped[datetime | None]

    @property
    def answer_due(self) -> datetime:
        return self.created_at + ANSWER_WITHIN
