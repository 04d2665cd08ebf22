"""Survey tables: structure (questions, options), private raw responses, immutable releases
with their published tables and cells. Only release tables/cells ever reach a public route."""
from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from ..db import Base
from ..models import utcnow

STATUSES = ("collecting", "closed")


class Survey(Base):
    __tablename__ = "survey_surveys"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(sa.String(64), unique=True)
    title: Mapped[str] = mapped_column(sa.String(300))
    language: Mapped[str] = mapped_column(sa.String(10), default="de")
    # "collecting": responses may still arrive, so a second release is refused.
    status: Mapped[str] = mapped_column(sa.String(20), default="collecting")
    response_count: Mapped[int] = mapped_column(default=0)
    imported_at: Mapped[datetime | None]
    responses_deleted_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class SurveyQuestion(Base):
    """A question (parent_id NULL) or a subquestion of a multiple choice / array question."""

    __tablename__ = "survey_questions"
    __table_args__ = (sa.UniqueConstraint("survey_id", "parent_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(sa.ForeignKey("survey_surveys.id", ondelete="CASCADE"),
                                           index=True)
    parent_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("survey_questions.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(sa.String(40))
    type: Mapped[str] = mapped_column(sa.String(2))
    kind: Mapped[str] = mapped_column(sa.String(20))
    text: Mapped[str] = mapped_column(sa.Text, default="")
    other: Mapped[bool] = mapped_column(default=False)
    position: Mapped[int] = mapped_column(default=0)

    subquestions: Mapped[list[SurveyQuestion]] = relationship(
        back_populates="parent", cascade="all, delete-orphan", order_by="SurveyQuestion.position")
    parent: Mapped[SurveyQuestion | None] = relationship(back_populates="subquestions",
                                                         remote_side=[id])
    options: Mapped[list[SurveyAnswerOption]] = relationship(
        back_populates="question", cascade="all, delete-orphan",
        order_by="(SurveyAnswerOption.scale, SurveyAnswerOption.position)")


class SurveyAnswerOption(Base):
    __tablename__ = "survey_answer_options"
    __table_args__ = (sa.UniqueConstraint("question_id", "scale", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(
        sa.ForeignKey("survey_questions.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(sa.String(40))
    text: Mapped[str] = mapped_column(sa.Text, default="")
    scale: Mapped[int] = mapped_column(default=0)
    position: Mapped[int] = mapped_column(default=0)

    question: Mapped[SurveyQuestion] = relationship(back_populates="options")


class SurveyResponse(Base):
    """PRIVATE: one respondent's kept answers. No public route reads this table."""

    __tablename__ = "survey_responses"

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(sa.ForeignKey("survey_surveys.id", ondelete="CASCADE"),
                                           index=True)
    source_id: Mapped[str] = mapped_column(sa.String(40))  # LimeSurvey's running number
    submitted: Mapped[bool] = mapped_column(default=False)
    # {column heading: value}; a NULL (not shown) is absent, "" is shown but not answered.
    answers: Mapped[dict[str, Any]] = mapped_column(sa.JSON)


class SurveyRelease(Base):
    """An immutable, versioned publication of a survey's aggregates."""

    __tablename__ = "survey_releases"
    __table_args__ = (sa.UniqueConstraint("survey_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(sa.ForeignKey("survey_surveys.id"), index=True)
    version: Mapped[int]
    title: Mapped[str] = mapped_column(sa.String(300))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Which respondents the release counts: a later release over other respondents would
    # expose the difference, so the audit compares these.
    response_count: Mapped[int]
    responses_digest: Mapped[str] = mapped_column(sa.String(64))
    definition: Mapped[dict[str, Any]] = mapped_column(sa.JSON)

    survey: Mapped[Survey] = relationship()
    tables: Mapped[list[SurveyReleaseTable]] = relationship(
        back_populates="release", order_by="SurveyReleaseTable.position")


class SurveyReleaseTable(Base):
    __tablename__ = "survey_release_tables"
    __table_args__ = (sa.UniqueConstraint("release_id", "slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    release_id: Mapped[int] = mapped_column(sa.ForeignKey("survey_releases.id"), index=True)
    slug: Mapped[str] = mapped_column(sa.String(80))
    position: Mapped[int] = mapped_column(default=0)
    title: Mapped[str] = mapped_column(sa.String(300))
    question_code: Mapped[str] = mapped_column(sa.String(40))
    # The resolved table: dimensions with code lists and how each code groups answer codes.
    spec: Mapped[dict[str, Any]] = mapped_column(sa.JSON)

    release: Mapped[SurveyRelease] = relationship(back_populates="tables")
    cells: Mapped[list[SurveyReleaseCell]] = relationship(
        back_populates="table", order_by="SurveyReleaseCell.position")


class SurveyReleaseCell(Base):
    __tablename__ = "survey_release_cells"

    id: Mapped[int] = mapped_column(primary_key=True)
    table_id: Mapped[int] = mapped_column(sa.ForeignKey("survey_release_tables.id"), index=True)
    position: Mapped[int]
    coords: Mapped[list[str]] = mapped_column(sa.JSON)  # one code per dimension, "_gesamt" = margin
    count: Mapped[int | None]  # NULL when suppressed
    status: Mapped[str] = mapped_column(sa.String(2), default="")  # "" or "."

    table: Mapped[SurveyReleaseTable] = relationship(back_populates="cells")


IMMUTABLE = (SurveyRelease, SurveyReleaseTable, SurveyReleaseCell)


@event.listens_for(Session, "before_flush")
def _releases_are_immutable(session: Session, _ctx: Any, _instances: Any) -> None:
    """A published release is never changed or deleted: a correction is a new version."""
    for obj in list(session.dirty) + list(session.deleted):
        if isinstance(obj, IMMUTABLE) and (obj in session.deleted or session.is_modified(obj)):
            raise RuntimeError(f"{type(obj).__name__} ist unveränderlich (veröffentlicht).")
