"""The quality score of a provider's data: a rule written down, not a black box.

The score (0–100 points) is the weighted sum of four shares, each between 0 and 1:

    score = 40 · V + 20 · B + 20 · A + 20 · M      (rounded to whole points)

- V, completeness: of the six recommended groups below (accessibility, contact, prices,
  funding, coordinates, prerequisites), the share filled, over all live offers:
  groups present in all live offers / (6 · live offers). 0 without live offers.
- B, accessibility: the share of live offers whose every date says something about
  accessibility (barrierefrei_ort ja/nein/teilweise, barriere_merkmale or
  barrierefreiheit_hinweis). 0 without live offers.
- A, freshness: 1 when the last import (an upload taken over, not a dry run) was at most
  FRESH_DAYS days ago, 0 at STALE_DAYS days or more and without any import, linear between.
- M, file quality: of the last checked upload (taken over or refused, not a dry run),
  1 − (errors + warnings / 4) / rows, at least 0; 0 without any checked upload.

A group of dates (accessibility, prices, coordinates) counts as present when every date of
the offer has it; a date without a venue (online) needs no coordinates.

Pure: the database side (hub.offers.quality_queries) counts the facts with set-based SQL.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

FRESH_DAYS = 30
STALE_DAYS = 180
WARNING_WEIGHT = 0.25  # four warnings weigh as much as one error
EXPIRY_DAYS = 14  # "expires soon": the last date lies within this many days from today


@dataclass(frozen=True)
class Group:
    """One recommended group of columns an offer should fill."""

    key: str
    label: str
    columns: str  # the template columns that fill it, as the provider knows them


GROUPS: tuple[Group, ...] = (
    Group("accessibility", "Barrierefreiheit",
          "barrierefrei_ort (ja/nein/teilweise), barriere_merkmale oder "
          "barrierefreiheit_hinweis – in jedem Termin"),
    Group("contact", "Kontakt", "kontakt_email oder kontakt_telefon"),
    Group("prices", "Preis", "preis als Betrag oder „kostenlos“ (nicht „auf Anfrage“) – in "
                             "jedem Termin"),
    Group("funding", "Förderung", "foerderung"),
    Group("coordinates", "Koordinaten", "lat und lon des Orts – in jedem Termin vor Ort"),
    Group("prerequisites", "Voraussetzungen", "voraussetzungen"),
)
GROUP_KEYS = tuple(g.key for g in GROUPS)


def missing_groups(present: Mapping[str, bool]) -> list[Group]:
    """The groups an offer lacks, in the order of GROUPS."""
    return [g for g in GROUPS if not present.get(g.key)]


@dataclass(frozen=True)
class UploadCheck:
    """The counts of one checked upload (its report's stats)."""

    rows: int
    errors: int
    warnings: int


@dataclass(frozen=True)
class ProviderFacts:
    """What the score is computed from, counted by the database."""

    offers: int  # live offers
    groups_present: int  # sum over the live offers of their groups present (0..6 each)
    accessible: int  # live offers with accessibility information in every date
    last_import: date | None  # day of the last upload taken over (not a dry run)
    last_check: UploadCheck | None  # the last upload checked (not a dry run)


@dataclass(frozen=True)
class Component:
    """One part of the score: its share (0..1), weight (points) and how it came about."""

    key: str
    label: str
    share: float
    weight: int
    explanation: str

    @property
    def points(self) -> float:
        return self.share * self.weight


@dataclass(frozen=True)
class QualityScore:
    components: tuple[Component, ...]

    @property
    def total(self) -> int:
        return round(sum(c.points for c in self.components))


FORMULA = "Punkte = 40 · V + 20 · B + 20 · A + 20 · M (gerundet, höchstens 100)"


def freshness(last_import: date | None, today: date) -> float:
    """A: 1 up to FRESH_DAYS days after the last import, 0 from STALE_DAYS on, linear between."""
    if last_import is None:
        return 0.0
    days = (today - last_import).days
    if days <= FRESH_DAYS:
        return 1.0
    if days >= STALE_DAYS:
        return 0.0
    return (STALE_DAYS - days) / (STALE_DAYS - FRESH_DAYS)


def file_quality(check: UploadCheck | None) -> float:
    """M: 1 − (errors + warnings / 4) / rows, at least 0; 0 without a checked upload."""
    if check is None:
        return 0.0
    burden = check.errors + WARNING_WEIGHT * check.warnings
    return max(0.0, 1.0 - burden / max(check.rows, 1))


def quality_score(facts: ProviderFacts, today: date) -> QualityScore:
    """The score of one provider with each component's share and explanation (German)."""
    offers = facts.offers
    complete = facts.groups_present / (len(GROUPS) * offers) if offers else 0.0
    accessible = facts.accessible / offers if offers else 0.0
    check = facts.last_check
    if facts.last_import is None:
        fresh_text = "Noch keine Datei übernommen."
    else:
        days = (today - facts.last_import).days
        fresh_text = (f"Letzte Übernahme am {facts.last_import:%d.%m.%Y}, vor {days} Tag(en); "
                      f"voll bis {FRESH_DAYS} Tage, 0 ab {STALE_DAYS} Tagen.")
    check_text = ("Noch keine Datei geprüft." if check is None else
                  f"Letzte geprüfte Datei: {check.rows} Zeilen, {check.errors} Fehler, "
                  f"{check.warnings} Warnungen; 1 − (Fehler + Warnungen ÷ 4) ÷ Zeilen.")
    return QualityScore((
        Component("completeness", "V – Vollständigkeit", complete, 40,
                  f"{facts.groups_present} von {len(GROUPS) * offers} empfohlenen Angaben "
                  f"({len(GROUPS)} Gruppen × {offers} Angebote) sind ausgefüllt."),
        Component("accessibility", "B – Barrierefreiheit", accessible, 20,
                  f"{facts.accessible} von {offers} Angeboten nennen in jedem Termin "
                  "Angaben zur Barrierefreiheit."),
        Component("freshness", "A – Aktualität", freshness(facts.last_import, today), 20,
                  fresh_text),
        Component("file_quality", "M – Fehler und Warnungen", file_quality(check), 20,
                  check_text),
    ))
