"""Survey aggregate tables -> CSV (long format, status column) with its Table Schema, and
-> RDF Data Cube JSON-LD. Pure: plain data in, text/dicts out; no Flask, no database.

Suppressed cells are listed in the CSV with an empty `anzahl` and status "."; in the cube
an observation without its count would violate integrity constraint IC-14, so they form a
second dataset (`#dataset-gesperrt`) whose measure is their confidentiality status,
sdmx-code:confStatus-C, also given as the attribute sdmx-attribute:confStatus (published
observations carry confStatus-F, "free"). One status for every suppressed cell: primary and
secondary are never told apart.
"""
from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from typing import Any

from .cube import SUPPRESSED, document, structure

TOTAL = "_gesamt"
CONFIDENTIAL = "sdmx-code:confStatus-C"  # "Confidential statistical information"
FREE = "sdmx-code:confStatus-F"  # "Free"


@dataclass
class SurveyDimension:
    """A dimension: key (CSV column), German label, (code, label) pairs, with a total or not."""

    key: str
    label: str
    codes: list[tuple[str, str]]
    has_total: bool = True

    def label_of(self, code: str) -> str:
        return "Insgesamt" if code == TOTAL else dict(self.codes).get(code, code)


@dataclass
class SurveyTableData:
    """One published table: its identity, dimensions and cells (count None = suppressed)."""

    iri: str  # absolute IRI of the table page, from the hub's base URI
    survey: str
    survey_title: str
    release: int
    slug: str
    title: str
    question: str
    dims: list[SurveyDimension]
    cells: list[tuple[tuple[str, ...], int | None]]
    licence: str = ""
    publisher: str = ""
    issued: str = ""
    notes: list[str] = field(default_factory=list)


def csv_header(table: SurveyTableData) -> list[str]:
    """The CSV columns: per dimension its code and label, then `anzahl` and `status`."""
    cols = []
    for d in table.dims:
        cols += [d.key, f"{d.key}_bezeichnung"]
    return cols + ["anzahl", "status"]


def table_to_csv(table: SurveyTableData) -> str:
    """The table in long format, one row per cell (margins as rows, code "_gesamt")."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(csv_header(table))
    for coords, count in table.cells:
        row: list[str] = []
        for d, code in zip(table.dims, coords, strict=True):
            row += [code, d.label_of(code)]
        row += ["" if count is None else str(count), SUPPRESSED if count is None else ""]
        writer.writerow(row)
    return out.getvalue()


def table_schema(table: SurveyTableData) -> dict[str, Any]:
    """Frictionless Table Schema of the CSV: "" is the missing value, so "." never sits in
    the numeric column."""
    fields: list[dict[str, Any]] = []
    for d in table.dims:
        codes = [c for c, _ in d.codes] + ([TOTAL] if d.has_total else [])
        fields.append({"name": d.key, "title": d.label, "type": "string",
                       "constraints": {"required": True, "enum": codes}})
        fields.append({"name": f"{d.key}_bezeichnung", "title": f"{d.label} (Bezeichnung)",
                       "type": "string"})
    fields.append({"name": "anzahl", "title": "Anzahl Befragte", "type": "integer",
                   "description": "Leer, wenn die Zelle gesperrt ist (status „.“)",
                   "constraints": {"minimum": 0}})
    fields.append({"name": "status", "title": "Status", "type": "string",
                   "description": "„.“ = Zahlenwert unbekannt oder geheim zu halten",
                   "constraints": {"enum": [SUPPRESSED]}})
    return {"fields": fields, "missingValues": [""],
            "primaryKey": [d.key for d in table.dims]}


def _slug(code: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]", lambda m: f"~{ord(m.group()):x}", code)


def table_to_jsonld(table: SurveyTableData) -> dict[str, Any]:
    """The table as an RDF Data Cube: a qb:DataSet of the published counts (its DSD, SKOS
    code lists, one qb:Observation per published cell) and, when cells are suppressed, a
    second qb:DataSet holding one observation per suppressed cell with its confidentiality
    status (sdmx-code:confStatus-C) as measure and attribute."""
    base = table.iri
    dim_iri = {d.key: f"{base}#dim-{d.key}" for d in table.dims}
    measure = f"{base}#anzahl"
    status_measure = f"{base}#vertraulichkeit"
    conf = "sdmx-attribute:confStatus"

    def concept(d: SurveyDimension, code: str) -> str:
        return f"{base}#code-{d.key}-{_slug(code)}"

    def dsd(iri: str, measure_iri: str) -> dict[str, Any]:
        return structure(iri, dim_iri.values(), measure_iri, [(conf, True)])

    suppressed = sum(1 for _, count in table.cells if count is None)
    graph: list[dict[str, Any]] = []
    dataset: dict[str, Any] = {
        "@id": f"{base}#dataset", "@type": "qb:DataSet", "rdfs:label": {"@value": table.title, "@language": "de"},
        "dct:title": {"@value": table.title, "@language": "de"},
        "dct:description": {"@value": f"{table.survey_title}, Veröffentlichung {table.release}: "
                            f"Frage {table.question}. Gesperrte Zellen (Status „.“) fehlen hier; "
                            "sie stehen mit ihrem Vertraulichkeitsstatus im Datensatz "
                            f"{base}#dataset-gesperrt und in der CSV-Fassung.", "@language": "de"},
        "qb:structure": {"@id": f"{base}#dsd"}}
    if table.licence:
        dataset["dct:license"] = {"@id": table.licence}
    if table.issued:
        dataset["dct:issued"] = {"@value": table.issued, "@type": "xsd:date"}
    if table.publisher:
        dataset["dct:publisher"] = {"@value": table.publisher}
    graph.append(dataset)
    graph.append(dsd(f"{base}#dsd", measure))
    if suppressed:
        hidden = {k: v for k, v in dataset.items() if k not in ("dct:description",)}
        hidden.update({
            "@id": f"{base}#dataset-gesperrt", "qb:structure": {"@id": f"{base}#dsd-gesperrt"},
            "rdfs:label": {"@value": f"{table.title} – gesperrte Zellen", "@language": "de"},
            "dct:title": {"@value": f"{table.title} – gesperrte Zellen", "@language": "de"},
            "dct:description": {"@value": "Die gesperrten Zellen der Tabelle (Zahlenwert "
                                "unbekannt oder geheim zu halten, „.“) mit ihrem "
                                "Vertraulichkeitsstatus statt einer Anzahl.", "@language": "de"}})
        graph.append(hidden)
        graph.append(dsd(f"{base}#dsd-gesperrt", status_measure))
        graph.append({"@id": status_measure, "@type": ["qb:MeasureProperty", "qb:CodedProperty"],
                      "rdfs:label": {"@value": "Vertraulichkeitsstatus", "@language": "de"},
                      "qb:codeList": {"@id": "sdmx-code:confStatus"},
                      "rdfs:range": {"@id": "sdmx-code:ConfStatus"}})
    # The two SDMX codes used, so the document reads without fetching the SDMX code lists.
    for code, notation, label in ((CONFIDENTIAL, "C", "vertraulich (gesperrt, „.“)"),
                                  (FREE, "F", "frei (veröffentlicht)")):
        graph.append({"@id": code, "@type": ["skos:Concept", "sdmx-code:ConfStatus"],
                      "skos:notation": notation, "skos:inScheme": {"@id": "sdmx-code:confStatus"},
                      "skos:prefLabel": {"@value": label, "@language": "de"}})
    for d in table.dims:
        scheme = f"{base}#codes-{d.key}"
        graph.append({"@id": dim_iri[d.key], "@type": ["qb:DimensionProperty", "qb:CodedProperty"],
                      "rdfs:label": {"@value": d.label, "@language": "de"},
                      "qb:codeList": {"@id": scheme}, "rdfs:range": {"@id": "skos:Concept"}})
        codes = d.codes + ([(TOTAL, "Insgesamt")] if d.has_total else [])
        graph.append({"@id": scheme, "@type": "skos:ConceptScheme",
                      "skos:prefLabel": {"@value": d.label, "@language": "de"},
                      "skos:hasTopConcept": [{"@id": concept(d, c)} for c, _ in codes]})
        for c, label in codes:
            graph.append({"@id": concept(d, c), "@type": "skos:Concept", "skos:notation": c,
                          "skos:prefLabel": {"@value": label, "@language": "de"},
                          "skos:inScheme": {"@id": scheme}, "skos:topConceptOf": {"@id": scheme}})
    graph.append({"@id": measure, "@type": "qb:MeasureProperty",
                  "rdfs:label": {"@value": "Anzahl Befragte", "@language": "de"},
                  "rdfs:range": {"@id": "xsd:integer"}})
    for i, (coords, count) in enumerate(table.cells):
        obs: dict[str, Any] = {"@id": f"{base}#obs-{i}", "@type": "qb:Observation"}
        if count is None:  # suppressed: its status is the measure (IC-14 holds)
            obs.update({"qb:dataSet": {"@id": f"{base}#dataset-gesperrt"},
                        status_measure: {"@id": CONFIDENTIAL}, conf: {"@id": CONFIDENTIAL}})
        else:
            obs.update({"qb:dataSet": {"@id": f"{base}#dataset"},
                        measure: {"@value": count, "@type": "xsd:integer"}, conf: {"@id": FREE}})
        for d, code in zip(table.dims, coords, strict=True):
            obs[dim_iri[d.key]] = {"@id": concept(d, code)}
        graph.append(obs)
    return document(graph)
