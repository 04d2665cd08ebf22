"""The indicators computed from offers: pure Python over OfferRecords, no database.

`Tally` takes the live offers batch by batch (constant memory per offer) and hands out one
`Observation` (the row the CSV and the cube publish) per indicator × area × life phase; the
definitions are in .definitions. Indicators read from survey tables are not computed here
(see .need).
"""
from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from functools import cache
from typing import Any, NamedTuple

from ...feeds.monitoring import Observation
from ...vocab.records import PRICE_FREE
from .definitions import (
    ALL_PHASES,
    COUNT,
    PER_1000,
    PERCENT,
    PHASE_ALL_CODE,
    indicators,
    life_phases,
)
from .gaps import Point, Reach, date_points

ONLINE_MODES = frozenset({"online_live", "online_selbstlern", "hybrid", "blended"})
OFF_HOURS = frozenset({"abends", "wochenende"})
DECIMALS = 4  # stored and published precision of `wert`
TOPIC_PER_1000 = "angebote_je_1000_einwohner_thema_"


class DateRow(NamedTuple):
    """One date (CourseInstance) of an offer, as far as the indicators read it."""

    price_kind: str | None
    mode: str | None
    time_forms: Sequence[str]
    teaching_units: Decimal | None
    has_venue: bool
    ags: str | None
    lat: Decimal | float | None
    lon: Decimal | float | None
    accessible: str | None


class OfferRow(NamedTuple):
    """One live offer, as far as the indicators read it (hub.monitoring.read builds them
    from only these columns: full OfferRecords would cost twice the time)."""

    life_phases: Sequence[str]
    topic: str | None
    languages: Sequence[str]
    dates: list[DateRow]


@dataclass
class OfferFacts:
    """What the indicators need to know of one offer."""

    phases: tuple[str, ...]  # its life phases plus ALL_PHASES
    municipalities: Counter[str]  # venue AGS -> number of dates there
    dates: int
    hours: dict[str, Decimal]  # venue AGS -> teaching units there; "" = all dates
    flags: frozenset[str]  # share indicator codes whose condition the offer meets
    points: tuple[Point, ...] = ()


@cache
def _phases_of(own: frozenset[str]) -> tuple[str, ...]:
    """The rows an offer coded `own` counts in (a handful of combinations: cached)."""
    phases = life_phases() if PHASE_ALL_CODE in own else tuple(p for p in life_phases()
                                                               if p in own)
    return (*phases, ALL_PHASES)


def offer_facts(offer: OfferRow, centres: dict[str, Point]) -> OfferFacts:
    """The facts of one offer (see the definitions for each condition)."""
    where: Counter[str] = Counter()
    hours: dict[str, Decimal] = defaultdict(Decimal)
    flags: set[str] = set()
    for i in offer.dates:
        if i.teaching_units is not None:
            hours[""] += i.teaching_units
        if i.has_venue and i.ags:
            where[i.ags] += 1
            if i.teaching_units is not None:
                hours[i.ags] += i.teaching_units
        if i.price_kind == PRICE_FREE:
            flags.add("anteil_kostenlos")
        if i.mode in ONLINE_MODES:
            flags.add("anteil_online_hybrid")
        if i.has_venue and i.accessible == "ja":
            flags.add("anteil_barrierefrei")
        if i.time_forms and not OFF_HOURS.isdisjoint(i.time_forms):
            flags.add("anteil_abends_wochenende")
    if any(lang != "de" for lang in offer.languages):
        flags.add("anteil_andere_sprache")
    if offer.topic:
        flags.add(f"anteil_thema_{offer.topic}")
    return OfferFacts(_phases_of(frozenset(offer.life_phases)), where, len(offer.dates), hours,
                      frozenset(flags), date_points(offer.dates, centres))


class Tally:
    """Counts of offers, dates and conditions per area × life phase, fed batch by batch.

    An offer is added once per area it has dates in, under its combination of life phases
    and conditions (a few thousand combinations in all); the counts per area × phase and per
    condition are spread out of these groups once, at the end. Counting every phase ×
    condition of every offer directly took three times as long."""

    def __init__(self, district_key: str, population: dict[str, int], reach: Reach) -> None:
        self.district_key = district_key
        self.population = population  # AGS of each municipality -> inhabitants
        self.reach = reach
        # (area, phases, conditions) -> [offers, dates, teaching units]
        self.groups: dict[tuple[str, tuple[str, ...], frozenset[str]], list[Any]] = {}
        self.reached: Counter[tuple[frozenset[str], tuple[str, ...]]] = Counter()
        self.live = 0
        self.offers: Counter[tuple[str, str]] = Counter()
        self.dates: Counter[tuple[str, str]] = Counter()
        self.hours: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
        self.flags: dict[str, Counter[tuple[str, str]]] = defaultdict(Counter)
        self.in_reach: Counter[tuple[str, str]] = Counter()

    def add(self, offers: Iterable[OfferRow]) -> None:
        centres = self.reach.centres
        for offer in offers:
            self.add_facts(offer_facts(offer, centres))

    def add_facts(self, facts: OfferFacts) -> None:
        self.live += 1
        self._count(self.district_key, facts, facts.dates, facts.hours.get(""))
        for ags, dates in facts.municipalities.items():
            if ags in self.population:
                self._count(ags, facts, dates, facts.hours.get(ags))
        if facts.points:
            self.reached[(self.reach.municipalities_near(facts.points), facts.phases)] += 1

    def _count(self, ags: str, facts: OfferFacts, dates: int, hours: Decimal | None) -> None:
        key = (ags, facts.phases, facts.flags)
        group = self.groups.get(key)
        if group is None:
            group = self.groups[key] = [0, 0, Decimal(0)]
        group[0] += 1
        group[1] += dates
        if hours:
            group[2] += hours

    def _spread(self) -> None:
        """The counts per area × phase (and per condition) out of the groups."""
        for (ags, phases, flags), (offers, dates, hours) in self.groups.items():
            for phase in phases:
                key = (ags, phase)
                self.offers[key] += offers
                self.dates[key] += dates
                if hours:
                    self.hours[key] += hours
                for flag in flags:
                    self.flags[flag][key] += offers
        for (near, phases), count in self.reached.items():
            for ags in near:
                for phase in phases:
                    self.in_reach[(ags, phase)] += count
        self.groups.clear()
        self.reached.clear()

    def values(self, day: date) -> list[Observation]:
        """Every indicator row of `day`, in a stable order; none divides by zero."""
        self._spread()
        district_pop = sum(self.population.values())
        areas = [self.district_key, *sorted(self.population)]
        phases = (ALL_PHASES, *life_phases())
        out: list[Observation] = []
        for ind in indicators().values():
            if ind.from_survey:
                continue
            for ags in areas:
                if ind.district_only and ags != self.district_key:
                    continue
                pop = district_pop if ags == self.district_key else self.population[ags]
                for phase in phases:
                    row = self._row(day, ind.code, ags, phase, pop, district_pop)
                    if row is not None:
                        out.append(row)
        return out

    def _row(self, day: date, code: str, ags: str, phase: str, pop: int,
             district_pop: int) -> Observation | None:
        key = (day, ags, phase)
        where = (ags, phase)
        if code.startswith(TOPIC_PER_1000):  # offers of the topic: the topic share's zaehler
            count = self.flags["anteil_thema_" + code[len(TOPIC_PER_1000):]][where]
            return _ratio(code, key, count, pop, 1000, PER_1000)
        if code in ("angebote_je_1000_einwohner", "termine_je_1000_einwohner"):
            count = (self.offers if code.startswith("angebote") else self.dates)[where]
            return _ratio(code, key, count, pop, 1000, PER_1000)
        if code == "unterrichtseinheiten_je_1000_einwohner":
            units = int(self.hours[where].quantize(Decimal(1), rounding=ROUND_HALF_UP))
            return _ratio(code, key, units, pop, 1000, PER_1000)
        if code == "angebote_in_reichweite":
            if ags == self.district_key:
                return None  # reach is measured from a municipality's centre
            count = self.in_reach[where]
            return Observation(day, code, ags, phase, float(count), count, None, COUNT)
        if code == "anteil_einwohner_weisse_flecken":
            blank = sum(p for m, p in self.population.items() if self.in_reach[(m, phase)] == 0)
            return _ratio(code, key, blank, district_pop, 100, PERCENT)
        return _ratio(code, key, self.flags[code][where], self.offers[where], 100, PERCENT)


def _ratio(code: str, key: tuple[date, str, str], zaehler: int, nenner: int, scale: int,
           unit: str) -> Observation | None:
    if nenner <= 0:  # no offers (or no inhabitants): no row rather than a division by zero
        return None
    return Observation(key[0], code, key[1], key[2], round(scale * zaehler / nenner, DECIMALS),
                       zaehler, nenner, unit)
