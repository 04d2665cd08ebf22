"""What the monitoring pages and files show: labels, number formats, the cube's metadata."""
from __future__ import annotations

from ...feeds.monitoring import CubeMeta
from ...vocab.codelists import codelist, municipalities
from ..settings import Settings
from .definitions import ALL_PHASES, COUNT, PER_1000, PERCENT, indicators, life_phases

BASE_PATH = "/monitoring/indikatoren"


def area_names(settings: Settings) -> dict[str, str]:
    """The district key and every municipality's AGS -> its name."""
    return {settings.district_key: settings.district_name,
            **{m.ags: m.short_name for m in municipalities()}}


def phase_iris() -> dict[str, tuple[str, str]]:
    """Life phase code ("" = all) -> (German label, vocabulary IRI); all phases is "alle"."""
    scheme = codelist("lebensphase")
    out = {}
    for concept in scheme.concepts:
        if concept.code in life_phases():
            out[concept.code] = (concept.label_de, concept.iri)
    alle = scheme.get("alle")
    out[ALL_PHASES] = ("Alle Lebensphasen", alle.iri if alle else scheme.iri)
    return out


def cube_meta(settings: Settings) -> CubeMeta:
    return CubeMeta(
        base=settings.url(BASE_PATH),
        indicators={c: (i.title, i.formula, settings.url(f"{BASE_PATH}/{c}"))
                    for c, i in indicators().items()},
        units=(PER_1000, PERCENT, COUNT), areas=area_names(settings), phases=phase_iris(),
        licence=settings.default_licence, publisher=settings.publisher_name)


def german_number(value: float, unit: str) -> str:
    """A value as the pages show it: German decimal comma, the unit where it is short."""
    if unit == COUNT:
        return f"{int(value):,}".replace(",", ".")
    text = f"{value:,.1f}" if unit == PERCENT else f"{value:,.2f}"
    text = text.replace(",", " ").replace(".", ",").replace(" ", ".")
    return f"{text} %" if unit == PERCENT else text
