"""Facet counts of a listing (`facets=true`): for each value of each facet, the number of
offers that the same query plus that value returns (hub.offers.filters: a repeated parameter
means OR, so with `life_phase=a` selected, the count of `b` is that of `a OR b`).

Per facet F, with Q the whole query and Q_F the query without F's selection:
count(v) = |Q| + |Q_F and v| - |Q and v| when F has a selection, else |Q_F and v|. Instance
facets (municipality, mode) count an offer for v when one and the same date meets v and the
other date conditions, as the filter does. Offers coded life phase `alle` count for every
phase. One statement (a UNION ALL of the total and one or two arms per facet), whatever the
number of offers.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ...vocab.codelists import codelist, municipality_by_ags
from ..db import json_list_contains
from ..models import OfferInstance, Venue
from .index import offers_t

if TYPE_CHECKING:
    from ..offers.filters import OfferFilters

instances_t: sa.Table = OfferInstance.__table__  # type: ignore[assignment]
venues_t: sa.Table = Venue.__table__  # type: ignore[assignment]

ALL_PHASES = "alle"
# facet -> (OfferFilters field, where its values are, the values it may take)
FACETS: dict[str, tuple[str, str, Callable[[], tuple[str, ...]]]] = {
    "life_phase": ("life_phases", "life_phases", lambda: codelist("lebensphase").codes),
    "municipality": ("municipalities", "venue_ags", lambda: tuple(municipality_by_ags())),
    "topic": ("topics", "topic", lambda: codelist("themenbereich").codes),
    "mode": ("modes", "instance_mode", lambda: codelist("lernform").codes),
    "language": ("languages", "languages", lambda: codelist("sprache").codes),
    "funding": ("fundings", "funding", lambda: codelist("foerderung").codes),
}


def facet_counts(session: Session, filters: OfferFilters) -> tuple[int, dict[str, dict[str, int]]]:
    """The number of matching offers, and the counts of every facet (codes in list order,
    values that would return nothing left out): from the app's search matrix
    (hub.search.fast) when it has one, else sql_facet_counts."""
    from .fast import facet_counts as from_matrix  # fast imports this module's users

    found = from_matrix(session, filters)
    return found if found is not None else sql_facet_counts(session, filters)


def sql_facet_counts(session: Session, filters: OfferFilters
                     ) -> tuple[int, dict[str, dict[str, int]]]:
    """facet_counts in SQL (the reference the matrix is tested against). One statement: with a text, its matches are
    found once (text_matches) and the query's hits once (`hits`), both MATERIALIZED, and every
    count is taken from them instead of searching and checking thousands of offers per facet."""
    text = filters.text_matches(session) if filters.q is not None else None
    matching: sa.Select[Any] = sa.select(offers_t.c.id.label("id")).where(
        *filters.where(session, text))
    query: list[sa.ColumnElement[bool]] = filters.where(session, text)
    if text is not None:
        hits = matching.cte("hits").prefix_with("MATERIALIZED")
        matching = sa.select(hits.c.id)
        query = [offers_t.c.id.in_(matching)]
    whole = (query, matching)
    total_stmt: sa.Select[Any, Any, Any] = (sa.select(sa.null(), sa.func.count(), sa.null())
                                  .select_from(matching.subquery()))
    parts = [_part("", "total", total_stmt)]
    for name, (attr, source, _) in FACETS.items():
        without: dict[str, Any] = {attr: ()}
        rest = replace(filters, **without)
        if getattr(filters, attr):
            parts.append(_part(name, "rest", _grouped(session, rest, source, None, text)))
            # |Q_F and not Q and v| = |Q_F and v| - |Q and v|: positive conditions only (a NOT
            # IN of the matches made PostgreSQL scan every offer).
            parts.append(_part(name, "within", _grouped(session, rest, source, whole, text)))
        else:  # Q_F is Q: counted over the query's own matches
            parts.append(_part(name, "rest", _grouped(session, rest, source, whole, text)))
    rows: dict[tuple[str, str], list[tuple[Any, int, int]]] = {}
    total = 0
    for facet, kind, value, n, also_all in session.execute(sa.union_all(*parts)):
        if kind == "total":
            total = int(n)
        else:
            rows.setdefault((facet, kind), []).append((value, int(n), int(also_all or 0)))
    out: dict[str, dict[str, int]] = {}
    for name, (attr, source, values) in FACETS.items():
        counts = _counts(rows.get((name, "rest"), []), source)
        if getattr(filters, attr):
            within = _counts(rows.get((name, "within"), []), source)
            counts = {v: total + counts.get(v, 0) - within.get(v, 0)
                      for v in (*values(), *counts)}
        out[name] = {code: counts[code] for code in values() if counts.get(code, 0) > 0}
    return total, out


def _part(facet: str, kind: str, stmt: sa.Select[Any, Any, Any]) -> sa.Select[Any]:
    """One arm of facet_counts' UNION ALL: (facet, kind, value, offers, offers also `alle`)."""
    value, n, also_all = stmt.selected_columns
    return stmt.with_only_columns(
        sa.literal(facet, sa.String).label("facet"), sa.literal(kind, sa.String).label("kind"),
        sa.cast(value, sa.String).label("value"), n.label("n"),
        sa.cast(also_all, sa.Integer).label("also_all"), maintain_column_froms=True)


def _counts(rows: list[tuple[Any, int, int]], source: str) -> dict[str, int]:
    """Offers per value from the rows of one arm."""
    counts = {value: n for value, n, _ in rows if value is not None}
    if source == "life_phases":
        counts = _with_all_phases(counts, {v: a for v, _, a in rows})
    return counts


def _grouped(session: Session, rest: OfferFilters, source: str,
             within: tuple[list[sa.ColumnElement[bool]], sa.Select[Any]] | None,
             text: sa.CTE | None) -> sa.Select[Any, Any, Any]:
    """(value, offers, offers also coded `alle`) over the offers of `rest`, or of the whole
    query `within` = (its conditions, its ids); an instance value counts where one instance meets `rest`'s
    conditions. `text`: the text's matches (OfferFilters.text_matches)."""
    o, i = offers_t, instances_t
    dialect = session.get_bind().dialect.name
    if source in ("venue_ags", "instance_mode"):
        offers = (within[1] if within is not None
                  else sa.select(o.c.id).where(*rest.offer_conditions(session, text)))
        value = venues_t.c.ags if source == "venue_ags" else i.c.mode
        joined = (i.join(venues_t, venues_t.c.id == i.c.venue_id) if source == "venue_ags"
                  else i)
        # With a text the offers are few: their dates are found by offer_id, not by walking
        # every date of a municipality or mode (the same reason as in OfferFilters.where).
        conditions = rest.instance_conditions(unindexed=rest.q is not None)
        return (sa.select(value, sa.func.count(sa.distinct(i.c.offer_id)), sa.null())
                .select_from(joined)
                .where(i.c.offer_id.in_(offers), *conditions)
                .group_by(value))
    where = within[0] if within is not None else rest.where(session, text)
    if source == "topic":
        return sa.select(o.c.topic, sa.func.count(), sa.null()).where(*where).group_by(o.c.topic)
    column = o.c[source]
    if dialect == "sqlite":
        items = sa.func.json_each(column).table_valued("value")
    else:
        items = sa.func.jsonb_array_elements_text(column).table_valued("value")
    all_too = sa.func.sum(sa.case((json_list_contains(o.c.life_phases, ALL_PHASES), 1),
                                  else_=0)) if source == "life_phases" else sa.null()
    return (sa.select(items.c.value, sa.func.count(sa.distinct(o.c.id)), all_too)
            .select_from(o.join(items, sa.true())).where(*where).group_by(items.c.value))


def _with_all_phases(counts: dict[str, int], also_all: dict[str, int]) -> dict[str, int]:
    """Offers coded `alle` count for every phase: n(p) + n(alle) - n(p and alle)."""
    everyone = counts.get(ALL_PHASES, 0)
    out = {code: counts.get(code, 0) + everyone - also_all.get(code, 0)
           for code in codelist("lebensphase").codes if code != ALL_PHASES}
    out[ALL_PHASES] = everyone
    return out
