"""The search matrix: what the filters, facets and orders of a listing look at, for every live
offer and each of its dates, held in memory as numpy columns. A search with text, filters and
facets then costs a few vectorised passes over 100,000 offers (the text's matches and their
rank from the matrix's copy of the text index, hub.search.postings), instead of SQL that finds
and checks every text match again per facet (bench/README.md: "Kurs" at 100,000 offers, ~1 s
of PostgreSQL time).

The SQL of hub.offers.filters and hub.search.facets stays the reference: the same rules are
written here once more over arrays, and tests/test_search_matrix.py compares the two on random
searches on both databases. Built by hub.search.matrix_store for one feed-clock value; any
committed change moves the clock, and the next search builds a new matrix.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, NamedTuple

import numpy as np
import numpy.typing as npt

from .facets import FACETS

if TYPE_CHECKING:
    from ..offers.filters import OfferFilters
    from .postings import Postings

Bools = npt.NDArray[np.bool_]
Ints = npt.NDArray[np.int64]

NO_DAY = np.iinfo(np.int32).min  # a date that is NULL in the database
LAST_DAY = date(9999, 12, 31).toordinal()  # offers without a date come last in sort=date
ALL_PHASES = "alle"

# The multi-valued facets: an offer holds a list of codes (hub.search.facets.FACETS).
MULTI = ("life_phase", "language", "funding")


def facet_values(name: str) -> tuple[str, ...]:
    """The values of a facet in the order the answers list them."""
    return FACETS[name][2]()


def _attr(name: str) -> str:
    """The OfferFilters field of a facet."""
    return FACETS[name][0]


def code_index(values: Sequence[str | None], codes: Sequence[str]) -> npt.NDArray[np.int16]:
    """Each value's position in `codes` (-1: none or unknown)."""
    where = {c: n for n, c in enumerate(codes)}
    return np.fromiter((where.get(v, -1) if v is not None else -1 for v in values),
                       dtype=np.int16, count=len(values))


def one_of(values: npt.NDArray[np.integer], wanted: Sequence[int]) -> Bools:
    """values[i] is in `wanted` (values >= -1, as the code positions and ids here are)."""
    if len(wanted) <= 4:  # a comparison per value: ~20 µs each on 100,000 codes
        out = np.zeros(len(values), np.bool_)
        for w in wanted:
            out |= values == w
        return out
    # Many (venues in a radius): a lookup table indexed by the value, several times faster
    # than np.isin on 100,000 rows.
    top = max(int(values.max(initial=-1)), max(wanted, default=-1)) + 2
    table = np.zeros(top, np.bool_)
    table[[w + 1 for w in wanted if w >= -1]] = True
    return table[values + 1]


class DateMask(NamedTuple):
    """The dates meeting a search's date conditions; `window_only`: the date window is the
    only one, so an offer without any date matches too (rolling entry)."""

    mask: Bools
    window_only: bool


@dataclass
class Dates:
    """The dates (offer_instances) of the live offers, one entry per date."""

    offer: npt.NDArray[np.int32]  # position of its offer in OfferMatrix.ids
    venue: Ints  # venue id, -1 without a venue
    ags: npt.NDArray[np.int16]  # position of the venue's municipality in facet_values, -1
    mode: npt.NDArray[np.int16]  # position in the lernform code list, -1
    start: npt.NDArray[np.int32]  # proleptic ordinal, NO_DAY for NULL
    end: npt.NDArray[np.int32]
    rolling: Bools  # rolling entry (laufender Einstieg)
    free: Bools  # price_kind kostenlos or price 0
    accessible: Bools  # its venue is barrierefrei (ja)


@dataclass
class OfferMatrix:
    """The live offers (not tombstones, not harvested duplicates) in id order, their
    offer-level codes and their dates."""

    version: int  # the feed clock the matrix was read at
    ids: Ints  # offer ids, ascending
    provider: Ints  # provider id
    topic: npt.NDArray[np.int16]  # position in the themenbereich code list, -1
    first_day: npt.NDArray[np.int32]  # first date as ordinal, LAST_DAY without one
    modified: Ints
    # facet -> (offer position, code position) of each code an offer holds, sorted by code
    multi: dict[str, tuple[npt.NDArray[np.int32], npt.NDArray[np.int16]]]
    dates: Dates
    has_dates: Bools  # the offer has at least one date row
    provider_ids: dict[str, int]  # provider slug -> id
    # SQLite's text index, for its bm25 (hub.search.bm25): tokens of each offer's index row,
    # and rows and tokens of the whole index
    doc_tokens: npt.NDArray[np.float64] | None = None
    index_rows: int = 0
    index_tokens: int = 0
    postings: Postings | None = None  # the text index's entries (hub.search.postings)

    def __len__(self) -> int:
        return len(self.ids)

    # --- the filter model (hub.offers.filters.OfferFilters.where) ------------------------

    def offer_mask(self, f: OfferFilters, text: Bools | None, skip: str = "") -> Bools:
        """The offer-level conditions (providers, codes, text, changes) of `f`, without the
        facet `skip`; `text`: the offers holding `f.q` (None: no text)."""
        mask = np.ones(len(self.ids), np.bool_) if text is None else text.copy()
        if f.providers:
            mask &= one_of(self.provider, [self.provider_ids.get(s, -2) for s in f.providers])
        if f.topics and skip != "topic":
            mask &= one_of(self.topic, [facet_values("topic").index(t) for t in f.topics])
        if f.modified_since is not None:
            mask &= self.modified >= f.modified_since
        for name in MULTI:
            wanted = getattr(f, _attr(name))
            if wanted and skip != name:
                mask &= self.holding(name, wanted)
        return mask

    def holding(self, name: str, wanted: Sequence[str]) -> Bools:
        """Offers coded with one of `wanted` in a multi-valued facet (a phase: or `alle`)."""
        codes = facet_values(name)
        wanted = (*wanted, ALL_PHASES) if name == "life_phase" else tuple(wanted)
        offer, code = self.multi[name]  # sorted by code
        out = np.zeros(len(self.ids), np.bool_)
        for k in (codes.index(w) for w in wanted):
            out[offer[np.searchsorted(code, k):np.searchsorted(code, k, "right")]] = True
        return out

    def date_mask(self, f: OfferFilters, skip: str = "") -> DateMask | None:
        """The dates meeting every date condition of `f` (one and the same date), without the
        facet `skip`; None when `f` has no date condition."""
        d = self.dates
        conds: list[Bools] = []
        if f.municipalities and skip != "municipality":
            places = facet_values("municipality")
            conds.append(one_of(d.ags, [places.index(a) for a in f.municipalities]))
        if f.modes and skip != "mode":
            conds.append(one_of(d.mode, [facet_values("mode").index(m) for m in f.modes]))
        if f.date_from is not None or f.date_to is not None:
            conds.append(self._overlaps(f.date_from, f.date_to))
        if f.free:
            conds.append(d.free)
        if f.accessible:
            conds.append(d.accessible)
        if f.radius is not None:
            assert f.radius.venues is not None, "too many venues: the SQL path answers"
            conds.append(one_of(d.venue, [vid for vid, _ in f.radius.venues]))
        if f.venue_ids:
            conds.append(one_of(d.venue, list(f.venue_ids)))
        if not conds:
            return None
        mask = conds[0].copy()
        for cond in conds[1:]:
            mask &= cond
        window_only = len(conds) == 1 and (f.date_from is not None or f.date_to is not None)
        return DateMask(mask, window_only)

    def _overlaps(self, start: date | None, end: date | None) -> Bools:
        """hub.offers.filters._instance_overlaps over the arrays (NULL as NO_DAY)."""
        d = self.dates
        first = np.where(d.start != NO_DAY, d.start, d.end)
        last = np.where(d.end != NO_DAY, d.end, d.start)
        ok = np.ones(len(d.start), np.bool_)
        if end is not None:
            ok &= (first != NO_DAY) & (first <= end.toordinal())
        if start is not None:
            open_ended = (d.end == NO_DAY) & d.rolling
            ok &= ((last != NO_DAY) & (last >= start.toordinal())) | open_ended
        undated = (d.start == NO_DAY) & (d.end == NO_DAY)
        return undated | ok

    def with_a_date(self, dates: DateMask | None) -> Bools:
        """Offers with a date among `dates` (None: every offer); an offer without any date
        matches a date window alone (rolling entry), as in the SQL."""
        if dates is None:
            return np.ones(len(self.ids), np.bool_)
        out = np.zeros(len(self.ids), np.bool_)
        out[self.dates.offer[dates.mask]] = True
        if dates.window_only:
            out |= ~self.has_dates
        return out

    def matches(self, f: OfferFilters, text: Bools | None) -> Bools:
        """The offers the search finds."""
        return self.offer_mask(f, text) & self.with_a_date(self.date_mask(f))

    # --- facets (hub.search.facets.facet_counts) ----------------------------------------

    def facet_counts(self, f: OfferFilters, text: Bools | None, found: Bools | None = None
                     ) -> tuple[int, dict[str, dict[str, int]]]:
        """The total and, per facet value v, the offers the same search finds with v added
        (a selected facet ORs v into its selection); `found`: matches(f, text) if known."""
        # Dropping a facet's selection leaves the other part (offer or date conditions) as it
        # is: each computed once, and only when a selection or a missing `found` needs it.
        offers = dated = None
        if found is None or any(getattr(f, _attr(name)) for name in FACETS):
            offers, dated = self.offer_mask(f, text), self.with_a_date(self.date_mask(f))
            found = offers & dated if found is None else found
        total = int(found.sum())
        out: dict[str, dict[str, int]] = {}
        for name in FACETS:
            selected = bool(getattr(f, _attr(name)))
            if name in ("municipality", "mode"):
                counts = self._date_facet(f, name, found, offers if selected else None)
            else:
                # Offers the search finds with F's selection dropped: with v added, the count
                # is the hits plus those of them holding v that the selection left out.
                rest = (self.offer_mask(f, text, skip=name) & dated
                        if selected and dated is not None else found)
                counts = self._offer_facet(name, rest & ~found if selected else found)
                if selected:
                    counts = {v: total + n for v, n in counts.items()}
            out[name] = {v: counts[v] for v in facet_values(name) if counts.get(v, 0) > 0}
        return total, out

    def _offer_facet(self, name: str, among: Bools) -> dict[str, int]:
        values = facet_values(name)
        if name == "topic":
            n = np.bincount(self.topic[among & (self.topic >= 0)], minlength=len(values))
            return {v: int(n[k]) for k, v in enumerate(values)}
        offer, code = self.multi[name]
        keep = among[offer]
        n = np.bincount(code[keep], minlength=len(values))
        counts = {v: int(n[k]) for k, v in enumerate(values)}
        if name == "life_phase":  # `alle` counts for every phase: n(p) + n(alle) - n(both)
            k_all = values.index(ALL_PHASES)
            coded_all = np.zeros(len(self.ids), np.bool_)
            coded_all[offer[code == k_all]] = True
            both = np.bincount(code[keep & coded_all[offer]], minlength=len(values))
            counts = {v: (counts[v] + counts[ALL_PHASES] - int(both[k]) if v != ALL_PHASES
                          else counts[v]) for k, v in enumerate(values)}
        return counts

    def _date_facet(self, f: OfferFilters, name: str, found: Bools,
                    offers: Bools | None) -> dict[str, int]:
        """Municipality or mode: an offer counts for v when one of its dates has v and meets
        the other date conditions. With a selection (`offers`: the offer conditions' mask):
        the hits plus the offers outside them that meet those and have such a date."""
        d = self.dates
        selected = offers is not None
        rest_dates = self.date_mask(f, skip=name)
        among = (offers & ~found) if offers is not None else found
        keep = among[d.offer]
        if rest_dates is not None:
            keep &= rest_dates.mask
        value = d.ags if name == "municipality" else d.mode
        keep &= value >= 0
        n_values = len(facet_values(name))
        pairs = np.unique(d.offer[keep].astype(np.int64) * n_values + value[keep])
        n = np.bincount(pairs % n_values, minlength=n_values)
        base = int(found.sum()) if selected else 0
        return {v: base + int(n[k]) for k, v in enumerate(facet_values(name))}

    # --- orders (hub.search.order) ------------------------------------------------------

    def distances(self, f: OfferFilters) -> Ints:
        """Metres to each offer's nearest date within the radius (-1: none there)."""
        assert f.radius is not None and f.radius.venues is not None
        venue_ids = np.array([vid for vid, _ in f.radius.venues], np.int64)
        metres = np.array([m for _, m in f.radius.venues], np.int64)
        order = np.argsort(venue_ids)
        venue_ids, metres = venue_ids[order], metres[order]
        d = self.dates
        at = np.searchsorted(venue_ids, d.venue)
        at[at >= len(venue_ids)] = 0
        inside = (venue_ids[at] == d.venue) if len(venue_ids) else np.zeros(len(d.venue), bool)
        out = np.full(len(self.ids), np.iinfo(np.int64).max, np.int64)
        np.minimum.at(out, d.offer[inside], metres[at[inside]])
        out[out == np.iinfo(np.int64).max] = -1
        return out


def page(keys: Ints, ids: Ints, descending: bool, after: tuple[int, int] | None,
         limit: int) -> tuple[Ints, Ints]:
    """(ids, keys) of the next `limit` offers in (key, id) order (key descending when
    `descending`, id always ascending) after the cursor (key, id): keyset paging as in SQL."""
    if after is not None:
        key, last_id = after
        beyond = (keys < key) if descending else (keys > key)
        keep = beyond | ((keys == key) & (ids > last_id))
        keys, ids = keys[keep], ids[keep]
    if len(ids) > limit:
        # Only the first `limit` need sorting: pick them with a partition on the key first.
        signed = -keys if descending else keys
        cut = np.partition(signed, limit - 1)[limit - 1]
        keep = signed <= cut
        keys, ids = keys[keep], ids[keep]
    order = np.lexsort((ids, -keys if descending else keys))[:limit]
    return ids[order], keys[order]
