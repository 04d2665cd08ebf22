"""The monitoring indicators as data: code, title, formula, sources, unit, caveats.

Each definition has its own page (/monitoring/indikatoren/<code>); the computation lives in
hub.monitoring.compute and hub.monitoring.gaps and follows these texts.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from ...vocab.codelists import codelist
from ...vocab.geo import POPULATION_SOURCE

OFFERS_SOURCE = "Bildungsdaten-Hub: alle lebenden Angebote (ohne Löschungen) zum Stichtag"
SURVEY_SOURCE = ("Veröffentlichte, geheimhaltungsgeschützte Tabellen der Bürgerbefragung "
                 "(/survey/…); nie die einzelnen Antworten")
PER_1000 = "je 1.000 Einwohner"
PERCENT = "%"
COUNT = "Anzahl"
ALL_PHASES = ""  # the empty life phase: all phases together
PHASE_ALL_CODE = "alle"  # offers coded so count for every life phase


@dataclass(frozen=True)
class Indicator:
    """One indicator: what it counts and how to read it."""

    code: str
    title: str
    formula: str
    unit: str
    sources: tuple[str, ...]
    caveats: tuple[str, ...] = ()
    district_only: bool = False  # only a district row (gemeinde_ags = the district key)
    topic: str | None = None  # for the per-topic indicators: the themenbereich code
    family: str = ""  # the per-topic indicators of one kind share it (the topic filter's key)
    from_survey: bool = False  # read from published survey tables, not stored daily

    @property
    def kind(self) -> str:
        """The family, or the code of an indicator that has no per-topic variants."""
        return self.family or self.code


_COUNTED = ("Gezählt werden lebende Angebote mit mindestens einem Termin, dessen Veranstaltungs"
            "ort in der Gemeinde liegt; für eine Lebensphase L die Angebote mit L oder „alle“. "
            "Die Kreiszeile zählt jedes lebende Angebot, auch reine Online-Angebote.")
_SHARE_CAVEAT = ("Nenner sind die Angebote der Gemeinde (und Lebensphase) wie bei "
                 "angebote_je_1000_einwohner; Zeilen mit Nenner 0 entfallen.")
_ANY_DATE = "Das Merkmal genügt an einem beliebigen Termin des Angebots."
_SELF_REPORTED = "Die Angaben stammen von den Anbietern und werden nicht nachgeprüft."


def _share(code: str, title: str, condition: str, *caveats: str,
           topic: str | None = None, family: str = "") -> Indicator:
    return Indicator(code, title, f"wert = 100 × zaehler / nenner; zaehler = Angebote, {condition}",
                     PERCENT, (OFFERS_SOURCE,), (_COUNTED, _SHARE_CAVEAT, *caveats), topic=topic,
                     family=family)


def _base() -> list[Indicator]:
    return [
        Indicator(
            "angebote_je_1000_einwohner", "Angebote je 1.000 Einwohner",
            "wert = 1000 × zaehler / nenner; zaehler = Angebote mit einem Termin in der Gemeinde; "
            "nenner = Einwohner (Kreis: 271.617)", PER_1000, (OFFERS_SOURCE, POPULATION_SOURCE),
            (_COUNTED, "Einwohnerzahl vom Zensus-Stichtag 15.05.2022, nicht vom Stichtag des "
             "Indikators.", "Ein Angebot mit Terminen in mehreren Gemeinden zählt in jeder.")),
        Indicator(
            "termine_je_1000_einwohner", "Termine je 1.000 Einwohner",
            "wert = 1000 × zaehler / nenner; zaehler = Termine (Durchführungen) der Angebote in "
            "der Gemeinde; nenner = Einwohner", PER_1000, (OFFERS_SOURCE, POPULATION_SOURCE),
            ("Gezählt werden Termine, deren Veranstaltungsort in der Gemeinde liegt; die "
             "Kreiszeile zählt alle Termine, auch Online-Termine.", _SELF_REPORTED)),
        Indicator(
            "unterrichtseinheiten_je_1000_einwohner", "Unterrichtseinheiten je 1.000 Einwohner",
            "wert = 1000 × zaehler / nenner; zaehler = Summe der Unterrichtseinheiten (UE) der "
            "Termine in der Gemeinde, auf ganze UE gerundet; nenner = Einwohner", PER_1000,
            (OFFERS_SOURCE, POPULATION_SOURCE),
            ("Termine ohne Angabe der Unterrichtseinheiten zählen nicht mit; die Kreiszeile "
             "zählt alle Termine, auch Online-Termine.", _SELF_REPORTED)),
        _share("anteil_kostenlos", "Anteil kostenloser Angebote",
               "die mindestens einen kostenlosen Termin haben", _ANY_DATE),
        _share("anteil_online_hybrid", "Anteil Angebote online oder hybrid",
               "mit mindestens einem Termin in der Lernform online (live oder zum Selbstlernen), "
               "hybrid oder blended", _ANY_DATE),
        _share("anteil_barrierefrei", "Anteil Angebote an barrierefreiem Ort",
               "mit mindestens einem Termin an einem Ort mit barrierefrei = ja", _ANY_DATE,
               _SELF_REPORTED, "„teilweise“ und „unbekannt“ zählen nicht."),
        _share("anteil_andere_sprache", "Anteil Angebote in einer anderen Sprache",
               "mit mindestens einer Unterrichtssprache außer Deutsch",
               "Angebote ohne Sprachangabe gelten als deutschsprachig."),
        _share("anteil_abends_wochenende", "Anteil Angebote abends oder am Wochenende",
               "mit mindestens einem Termin der Zeitform „abends“ oder „Wochenende“",
               _ANY_DATE, "Nur was die Anbieter als Zeitform angeben; Uhrzeiten werden nicht "
               "ausgewertet."),
        Indicator(
            "angebote_in_reichweite", "Angebote in Reichweite (weiße Flecken)",
            "wert = zaehler = Angebote mit einem Termin höchstens MONITORING_RADIUS_KM vom "
            "Mittelpunkt der Gemeinde; wert 0 = weißer Fleck", COUNT,
            (OFFERS_SOURCE, "Gemeindemittelpunkte: vocab/data/municipalities.csv"),
            ("Ort eines Termins: Koordinaten des Veranstaltungsorts, sonst der Mittelpunkt "
             "seiner Gemeinde; Termine ohne Ort (online) zählen nicht.",
             "Angebote in Nachbargemeinden (auch außerhalb des Kreises) zählen, wenn sie in "
             "Reichweite liegen.", "Luftlinie, nicht Fahrzeit.")),
        Indicator(
            "anteil_einwohner_weisse_flecken", "Anteil der Einwohner in weißen Flecken",
            "wert = 100 × zaehler / nenner; zaehler = Einwohner der Gemeinden ohne Angebot in "
            "Reichweite; nenner = Einwohner des Kreises", PERCENT,
            (OFFERS_SOURCE, POPULATION_SOURCE),
            ("Siehe angebote_in_reichweite; alle Einwohner einer Gemeinde gelten als am "
             "Gemeindemittelpunkt wohnend.",), district_only=True),
    ]


NEED_CAVEATS = (
    "Berechnet nur aus veröffentlichten Tabellen der Befragung: ist dort eine nötige Zelle "
    "gesperrt (Geheimhaltung), bleibt auch der Wert gesperrt („–“, in der CSV Status „.“).",
    "Die Zuordnung der Antwortcodes zu Gemeinden, Lebensphasen und Themenbereichen steht in "
    "der Datei MONITORING_BEDARF; zusammengefasste Antworten, die mehrere Gemeinden, "
    "Lebensphasen oder Themenbereiche umfassen, ergeben keinen Wert.",
    "Stichtag ist der Tag der Veröffentlichung der Befragung; die Befragten haben sich selbst "
    "gemeldet (keine Zufallsstichprobe).",
)


def _topics() -> list[Indicator]:
    out = []
    for c in codelist("themenbereich").concepts:
        out.append(Indicator(
            f"angebote_je_1000_einwohner_thema_{c.code}",
            f"Angebote im Themenbereich {c.label_de} je 1.000 Einwohner",
            "wert = 1000 × zaehler / nenner; zaehler = Angebote im Themenbereich mit einem "
            "Termin in der Gemeinde; nenner = Einwohner", PER_1000,
            (OFFERS_SOURCE, POPULATION_SOURCE), (_COUNTED,), topic=c.code,
            family="angebote_je_1000_einwohner"))
        out.append(_share(f"anteil_thema_{c.code}", f"Anteil Angebote im Themenbereich {c.label_de}",
                          f"im Themenbereich „{c.label_de}“", "Angebote ohne Themenbereich zählen "
                          "im Nenner, in keinem Zähler.", topic=c.code, family="anteil_thema"))
        out.append(Indicator(
            f"bedarf_thema_{c.code}", f"Bedarf: Anteil der Befragten mit Wunsch {c.label_de}",
            "wert = 100 × zaehler / nenner; zaehler = Befragte der Gemeinde (und Lebensphase), "
            f"die „{c.label_de}“ als Lernwunsch nennen; nenner = alle Befragten dieser Gruppe, "
            "die die Frage beantwortet haben", PERCENT, (SURVEY_SOURCE,), NEED_CAVEATS,
            topic=c.code, family="bedarf_thema", from_survey=True))
    return out


def topic_variant(kind: str, topic: str) -> Indicator | None:
    """The indicator of family `kind` for `topic` (None when that family has no such one)."""
    return next((i for i in indicators().values() if i.family == kind and i.topic == topic),
                None)


@cache
def indicators() -> dict[str, Indicator]:
    """Every indicator by code, in display order."""
    return {i.code: i for i in [*_base(), *_topics()]}


@cache
def life_phases() -> tuple[str, ...]:
    """The life phases that get their own rows ("alle" is no phase of its own)."""
    return tuple(c for c in codelist("lebensphase").codes if c != PHASE_ALL_CODE)


def phase_label(code: str) -> str:
    """German label of a life phase; the empty code means all phases."""
    if code == ALL_PHASES:
        return "Alle Lebensphasen"
    concept = codelist("lebensphase").get(code)
    return concept.label_de if concept else code
