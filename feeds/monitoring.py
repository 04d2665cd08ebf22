"""Monitoring indicators -> CSV (one row per value and day) with its Table Schema, and -> RDF
Data Cube JSON-LD. Pure: plain data in, text/dicts out; no Flask, no database.

A value derived from a published survey table whose cells were suppressed stays suppressed:
the CSV lists it with empty `wert`, `zaehler`, `nenner` and status "." (as the survey's own
CSV does); the cube leaves it out (an observation without its measure breaks IC-14) and says
so in the dataset's comment."""
from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from .cube import SUPPRESSED, document, labelled, structure

MUNICIPALITY_KEY = "http://dcat-ap.de/def/politicalGeocoding/municipalityKey/"
DISTRICT_KEY = "http://dcat-ap.de/def/politicalGeocoding/districtKey/"
COLUMNS = ("indikator", "gemeinde_ags", "gemeinde_name", "lebensphase", "stichtag", "wert",
           "zaehler", "nenner", "einheit", "status", "quelle")


@dataclass(frozen=True)
class Observation:
    """One indicator value of one day ("" life phase = all phases). Values computed from the
    offers have no `quelle` (the hub itself); values from a survey name its published table
    and are None with status "." where that table suppressed a cell they need."""

    stichtag: date
    indikator: str
    gemeinde_ags: str
    lebensphase: str
    wert: float | None
    zaehler: int | None
    nenner: int | None
    einheit: str
    status: str = ""
    quelle: str = ""

    @property
    def suppressed(self) -> bool:
        return self.status == SUPPRESSED


@dataclass(frozen=True)
class CubeMeta:
    """What the serialisations say about the series besides the values."""

    base: str  # absolute IRI of the CSV/cube without extension, e.g. https://hub/monitoring/indikatoren
    indicators: dict[str, tuple[str, str, str]]  # code -> (title, formula, definition page URL)
    units: tuple[str, ...]
    areas: dict[str, str]  # AGS (8 digits, or the 5-digit district key) -> name
    phases: dict[str, tuple[str, str]]  # code ("" = all) -> (label, vocab IRI)
    licence: str = ""
    publisher: str = ""


def format_number(value: float) -> str:
    """The shortest text that reads back as the same float (never an exponent for our range)."""
    text = repr(float(value))
    return text[:-2] if text.endswith(".0") else text


def to_csv(rows: Iterable[Observation], areas: dict[str, str]) -> Iterable[str]:
    """The CSV text in chunks: header, then one line per row (empty nenner where none)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for n, r in enumerate(rows, 1):
        writer.writerow((r.indikator, r.gemeinde_ags, areas.get(r.gemeinde_ags, ""),
                         r.lebensphase, r.stichtag.isoformat(),
                         "" if r.wert is None else format_number(r.wert),
                         "" if r.zaehler is None else r.zaehler,
                         "" if r.nenner is None else r.nenner, r.einheit, r.status, r.quelle))
        if n % 2000 == 0:
            yield out.getvalue()
            out.seek(0)
            out.truncate()
    yield out.getvalue()


def table_schema(meta: CubeMeta) -> dict[str, Any]:
    """Frictionless Table Schema of the CSV."""
    return {
        "fields": [
            {"name": "indikator", "title": "Indikator", "type": "string",
             "constraints": {"required": True, "enum": list(meta.indicators)}},
            {"name": "gemeinde_ags", "title": "Gemeinde (AGS) oder Kreis (Kreisschlüssel)",
             "type": "string", "constraints": {"required": True, "enum": list(meta.areas)}},
            {"name": "gemeinde_name", "title": "Name der Gemeinde bzw. des Kreises",
             "type": "string"},
            {"name": "lebensphase", "title": "Lebensphase",
             "description": "Code der Lebensphase; leer = alle Lebensphasen zusammen",
             "type": "string", "constraints": {"enum": [c for c in meta.phases if c]}},
            {"name": "stichtag", "title": "Stichtag", "type": "date", "format": "%Y-%m-%d",
             "constraints": {"required": True}},
            {"name": "wert", "title": "Wert", "type": "number",
             "description": "Leer, wenn gesperrt (status „.“)"},
            {"name": "zaehler", "title": "Zähler", "type": "integer",
             "description": "Leer, wenn gesperrt (status „.“)", "constraints": {"minimum": 0}},
            {"name": "nenner", "title": "Nenner", "type": "integer",
             "description": "Leer bei Anzahlen ohne Nenner", "constraints": {"minimum": 1}},
            {"name": "einheit", "title": "Einheit", "type": "string",
             "constraints": {"required": True, "enum": list(meta.units)}},
            {"name": "status", "title": "Status",
             "description": "„.“ = gesperrt: die veröffentlichte Umfragetabelle hält eine "
                            "nötige Zahl geheim (Geheimhaltung); leer = Wert angegeben",
             "type": "string", "constraints": {"enum": [SUPPRESSED]}},
            {"name": "quelle", "title": "Quelle",
             "description": "Veröffentlichte Umfragetabelle, aus der der Wert stammt; leer = "
                            "aus den Angeboten des Hubs berechnet",
             "type": "string", "format": "uri"},
        ],
        "missingValues": [""],
        "description": "Je Stichtag, Indikator, Gebiet und Lebensphase genau eine Zeile.",
    }


def _area_iri(ags: str) -> str:
    return (MUNICIPALITY_KEY if len(ags) == 8 else DISTRICT_KEY) + ags


def to_jsonld(rows: Sequence[Observation], meta: CubeMeta) -> dict[str, Any]:
    """The series as one qb:DataSet: dimensions indicator, area (AGS IRI), life phase (vocab
    IRI; all phases = the concept "alle"), reference period; measure `wert`; attribute unit
    (required), numerator and denominator (optional: a count has no denominator)."""
    base = meta.base
    dims = {"indikator": f"{base}#indikator", "gebiet": f"{base}#gebiet",
            "lebensphase": f"{base}#lebensphase", "zeit": "sdmx-dimension:refPeriod"}
    measure, unit = f"{base}#wert", "sdmx-attribute:unitMeasure"
    zaehler, nenner = f"{base}#zaehler", f"{base}#nenner"
    unit_iri = {u: f"{base}#einheit-{i}" for i, u in enumerate(meta.units)}
    dataset: dict[str, Any] = {
        "@id": f"{base}#dataset", "@type": "qb:DataSet",
        "rdfs:label": {"@value": "Bildungsmonitoring: Indikatoren je Gemeinde und Lebensphase",
                       "@language": "de"},
        "rdfs:comment": {"@value": "Werte aus Umfragetabellen, deren Zellen gesperrt sind, "
                                   "fehlen hier; die CSV-Datei führt sie mit Status „.“.",
                         "@language": "de"},
        "qb:structure": {"@id": f"{base}#dsd"}}
    if meta.licence:
        dataset["dct:license"] = {"@id": meta.licence}
    if meta.publisher:
        dataset["dct:publisher"] = {"@value": meta.publisher}
    graph: list[dict[str, Any]] = [
        dataset, structure(f"{base}#dsd", dims.values(), measure,
                           [(unit, True), (zaehler, False), (nenner, False)])]
    label = labelled
    graph.append(label(dims["indikator"], ["qb:DimensionProperty", "qb:CodedProperty"],
                       "Indikator", {"qb:codeList": {"@id": f"{base}#indikatoren"},
                                     "rdfs:range": {"@id": "skos:Concept"}}))
    # IC-5/IC-19: coded dimensions name a code list holding every value they take
    graph.append(label(dims["gebiet"], ["qb:DimensionProperty", "qb:CodedProperty"],
                       "Gebiet (Gemeinde oder Kreis)",
                       {"qb:codeList": {"@id": f"{base}#gebiete"},
                        "rdfs:range": {"@id": "skos:Concept"}}))
    graph.append(label(dims["lebensphase"], ["qb:DimensionProperty", "qb:CodedProperty"],
                       "Lebensphase", {"qb:codeList": {"@id": f"{base}#lebensphasen"},
                                       "rdfs:range": {"@id": "skos:Concept"}}))
    graph.append(label(dims["zeit"], ["qb:DimensionProperty"], "Stichtag",
                       {"rdfs:range": {"@id": "xsd:date"}}))
    graph.append(label(unit, ["qb:AttributeProperty"], "Einheit",
                       {"rdfs:range": {"@id": "skos:Concept"}}))
    for scheme, text in (("gebiete", "Gebiete"), ("lebensphasen", "Lebensphasen")):
        graph.append({"@id": f"{base}#{scheme}", "@type": "skos:ConceptScheme",
                      "skos:prefLabel": {"@value": text, "@language": "de"}})
    graph.append(label(measure, ["qb:MeasureProperty"], "Wert",
                       {"rdfs:range": {"@id": "xsd:decimal"}}))
    graph.append(label(zaehler, ["qb:AttributeProperty"], "Zähler",
                       {"rdfs:range": {"@id": "xsd:integer"}}))
    graph.append(label(nenner, ["qb:AttributeProperty"], "Nenner",
                       {"rdfs:range": {"@id": "xsd:integer"}}))
    graph.append({"@id": f"{base}#indikatoren", "@type": "skos:ConceptScheme",
                  "skos:prefLabel": {"@value": "Indikatoren des Bildungsmonitorings",
                                     "@language": "de"},
                  "skos:hasTopConcept": [{"@id": f"{base}#indikator-{c}"} for c in meta.indicators]})
    for code, (title, formula, page) in meta.indicators.items():
        graph.append(label(f"{base}#indikator-{code}", ["skos:Concept"], title, {
            "skos:notation": code, "skos:definition": {"@value": formula, "@language": "de"},
            "skos:inScheme": {"@id": f"{base}#indikatoren"},
            "skos:topConceptOf": {"@id": f"{base}#indikatoren"}, "rdfs:seeAlso": {"@id": page}}))
    for u, iri in unit_iri.items():
        graph.append(label(iri, ["skos:Concept"], u, {"skos:notation": u}))
    for ags, name in meta.areas.items():
        graph.append(label(_area_iri(ags), ["skos:Concept"], name, {
            "skos:notation": ags, "skos:inScheme": {"@id": f"{base}#gebiete"}}))
    for code, (phase_label, iri) in meta.phases.items():
        # the empty phase (all phases) is the vocabulary's concept "alle"
        graph.append(label(iri, ["skos:Concept"], phase_label, {
            "skos:notation": code or "alle", "skos:inScheme": {"@id": f"{base}#lebensphasen"}}))
    for n, r in enumerate(rows):
        if r.wert is None or r.zaehler is None:
            continue  # suppressed: left out (IC-14), listed in the CSV with its status
        obs: dict[str, Any] = {
            "@id": f"{base}#obs-{n}", "@type": "qb:Observation",
            "qb:dataSet": {"@id": f"{base}#dataset"},
            dims["indikator"]: {"@id": f"{base}#indikator-{r.indikator}"},
            dims["gebiet"]: {"@id": _area_iri(r.gemeinde_ags)},
            dims["lebensphase"]: {"@id": meta.phases[r.lebensphase][1]},
            dims["zeit"]: {"@value": r.stichtag.isoformat(), "@type": "xsd:date"},
            measure: {"@value": format_number(r.wert), "@type": "xsd:decimal"},
            unit: {"@id": unit_iri[r.einheit]},
            zaehler: {"@value": r.zaehler, "@type": "xsd:integer"}}
        if r.nenner is not None:
            obs[nenner] = {"@value": r.nenner, "@type": "xsd:integer"}
        if r.quelle:
            obs["dct:source"] = {"@id": r.quelle}
        graph.append(obs)
    return document(graph)
