"""SKOS of the vocabulary, generated from vocab/data (codelists.toml, municipalities.csv) and
the hub's own terms (vocab.terms): pure data -> rdflib graph -> Turtle / JSON-LD / RDF/XML.

Each code list is a skos:ConceptScheme, each code a skos:Concept with German and English
skos:prefLabel, the providers' synonyms as skos:altLabel, and its mappings (schema.org, LRMI,
KURSNET, ISO 639-2) as skos:exactMatch / skos:closeMatch or as hub properties.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from typing import Any

from rdflib import OWL, RDF, RDFS, SKOS, XSD, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS

from . import terms
from .codelists import Codelist, Concept, Municipality, codelists, municipalities
from .terms import MUNICIPALITY_KEY_NS, SCHEMA, VOCAB_NS

BD = Namespace(VOCAB_NS)
SDO = Namespace(SCHEMA)
GEO = Namespace("http://www.w3.org/2003/01/geo/wgs84_pos#")
LRMI_ROLE = "http://purl.org/dcx/lrmi-vocabs/educationalAudienceRole/"

MUNICIPALITY_SCHEME = "gemeinde"
FORMATS = {"turtle": "text/turtle", "json-ld": "application/ld+json",
           "xml": "application/rdf+xml"}
PREFIXES = {"bd": VOCAB_NS, "skos": str(SKOS), "schema": SCHEMA, "dct": str(DCTERMS),
            "rdfs": str(RDFS), "owl": str(OWL), "xsd": str(XSD), "geo": str(GEO)}

# Hub properties for mappings that are values, not IRIs (typed as rdf:Property below).
SCHEMA_VALUE = VOCAB_NS + "schemaOrgValue"
KURSNET_CODE = VOCAB_NS + "kursnetCode"
ISO639_2_CODE = VOCAB_NS + "iso6392Code"
REQUIRES_AZAV = VOCAB_NS + "requiresAzavNumber"
AMENITY_FEATURE = VOCAB_NS + "isAmenityFeature"

# Labels of the hub's own properties (German, English); a term without one gets its name.
TERM_LABELS: dict[str, tuple[str, str]] = {
    terms.ROLLING_ENTRY: ("Laufender Einstieg", "Rolling entry"),
    terms.MIN_PARTICIPANTS: ("Teilnehmende mindestens", "Minimum number of participants"),
    terms.TEACHING_UNITS: ("Unterrichtseinheiten (à 45 Minuten)", "Teaching units (45 minutes)"),
    terms.AZAV_NUMBER: ("AZAV-Maßnahmenummer", "AZAV measure number"),
    terms.PRICE_KIND: ("Art des Preises (betrag, kostenlos, auf_anfrage)",
                       "Kind of price (amount, free, on request)"),
    SCHEMA_VALUE: ("Wert in schema.org", "schema.org text value"),
    KURSNET_CODE: ("KURSNET-Schlüssel", "KURSNET code"),
    ISO639_2_CODE: ("ISO-639-2-Code", "ISO 639-2 code"),
    REQUIRES_AZAV: ("Erfordert AZAV-Maßnahmenummer", "Requires an AZAV measure number"),
    AMENITY_FEATURE: ("Merkmal des Ortes (schema:amenityFeature)",
                      "Feature of the place (schema:amenityFeature)"),
}


@dataclass(frozen=True)
class Mapping:
    """One mapping of a concept: `predicate` to an IRI (`is_iri`) or to a literal value."""

    predicate: str
    label: str
    value: str
    is_iri: bool
    datatype: str | None = None


def _schema_iri(value: str) -> bool:
    # schema.org types and enumeration members are capitalised; "onsite", "P1W" are text values.
    return value[:1].isupper() and value.isalnum()


@cache
def _unique_schema_targets(scheme: str) -> frozenset[str]:
    counts = Counter(c.mappings.get("schema") for c in codelists()[scheme].concepts)
    return frozenset(v for v, n in counts.items() if v and n == 1)


def concept_mappings(concept: Concept) -> list[Mapping]:
    """The mappings of a concept as RDF statements; ValueError for an undeclared key."""
    out: list[Mapping] = []
    for key, value in concept.mappings.items():
        if key == "schema" and _schema_iri(value):
            exact = value in _unique_schema_targets(concept.scheme)
            out.append(Mapping(str(SKOS.exactMatch if exact else SKOS.closeMatch),
                               "exactMatch" if exact else "closeMatch", SCHEMA + value, True))
        elif key == "schema":
            out.append(Mapping(SCHEMA_VALUE, "schema.org-Wert", value, False))
        elif key in ("availability", "attendance"):
            out.append(Mapping(str(SKOS.closeMatch), "closeMatch", SCHEMA + value, True))
        elif key == "lrmi":
            out.append(Mapping(str(SKOS.closeMatch), "closeMatch", LRMI_ROLE + value, True))
        elif key == "kursnet":
            out.append(Mapping(KURSNET_CODE, "KURSNET", str(value), False))
        elif key == "iso639_2":
            out.append(Mapping(ISO639_2_CODE, "ISO 639-2", value, False))
        elif key in ("needs_azav", "amenity"):
            predicate = REQUIRES_AZAV if key == "needs_azav" else AMENITY_FEATURE
            out.append(Mapping(predicate, TERM_LABELS[predicate][0], "true" if value else "false",
                               False, str(XSD.boolean)))
        else:
            raise ValueError(f"codelists.toml: mapping key {key!r} of {concept.iri} has no RDF rule")
    return out


def hub_terms() -> dict[str, tuple[str, str]]:
    """Every own property of the hub (vocab.terms and the mapping properties) with labels."""
    found = {value for name, value in vars(terms).items()
             if name.isupper() and isinstance(value, str) and value.startswith(VOCAB_NS)
             and value != VOCAB_NS}
    found |= {SCHEMA_VALUE, KURSNET_CODE, ISO639_2_CODE, REQUIRES_AZAV, AMENITY_FEATURE}
    return {iri: TERM_LABELS.get(iri, (iri.removeprefix(VOCAB_NS),) * 2) for iri in sorted(found)}


def _new_graph() -> Graph:
    graph = Graph()
    for prefix, ns in PREFIXES.items():
        graph.bind(prefix, Namespace(ns), override=True, replace=True)
    return graph


def _add_scheme(graph: Graph, scheme: Codelist) -> None:
    node = URIRef(scheme.iri)
    graph.add((node, RDF.type, SKOS.ConceptScheme))
    graph.add((node, SKOS.prefLabel, Literal(scheme.label_de, lang="de")))
    graph.add((node, SKOS.prefLabel, Literal(scheme.label_en, lang="en")))
    graph.add((node, DCTERMS.title, Literal(scheme.label_de, lang="de")))
    for concept in scheme.concepts:
        _add_concept(graph, node, concept)


def _add_concept(graph: Graph, scheme_node: URIRef, concept: Concept) -> None:
    node = URIRef(concept.iri)
    graph.add((node, RDF.type, SKOS.Concept))
    graph.add((node, SKOS.inScheme, scheme_node))
    graph.add((node, SKOS.topConceptOf, scheme_node))
    graph.add((scheme_node, SKOS.hasTopConcept, node))
    graph.add((node, SKOS.notation, Literal(concept.code)))
    graph.add((node, SKOS.prefLabel, Literal(concept.label_de, lang="de")))
    graph.add((node, SKOS.prefLabel, Literal(concept.label_en, lang="en")))
    for synonym in concept.synonyms:
        graph.add((node, SKOS.altLabel, Literal(synonym)))
    for mapping in concept_mappings(concept):
        obj = URIRef(mapping.value) if mapping.is_iri else Literal(
            mapping.value, datatype=URIRef(mapping.datatype) if mapping.datatype else None)
        graph.add((node, URIRef(mapping.predicate), obj))


def municipality_iri(ags: str) -> str:
    """The concept IRI of a municipality in the vocabulary."""
    return f"{VOCAB_NS}{MUNICIPALITY_SCHEME}/{ags}"


def _add_municipalities(graph: Graph) -> None:
    scheme = BD[MUNICIPALITY_SCHEME]
    graph.add((scheme, RDF.type, SKOS.ConceptScheme))
    graph.add((scheme, SKOS.prefLabel, Literal("Gemeinden", lang="de")))
    graph.add((scheme, SKOS.prefLabel, Literal("Municipalities", lang="en")))
    graph.add((scheme, DCTERMS.title, Literal("Gemeinden", lang="de")))
    for m in municipalities():
        _add_municipality(graph, scheme, m)


def _add_municipality(graph: Graph, scheme: URIRef, m: Municipality) -> None:
    node = URIRef(municipality_iri(m.ags))
    graph.add((node, RDF.type, SKOS.Concept))
    graph.add((node, SKOS.inScheme, scheme))
    graph.add((node, SKOS.topConceptOf, scheme))
    graph.add((scheme, SKOS.hasTopConcept, node))
    graph.add((node, SKOS.notation, Literal(m.ags)))
    graph.add((node, SKOS.prefLabel, Literal(m.name, lang="de")))
    if m.short_name != m.name:
        graph.add((node, SKOS.altLabel, Literal(m.short_name, lang="de")))
    graph.add((node, SKOS.exactMatch, URIRef(MUNICIPALITY_KEY_NS + m.ags)))
    graph.add((node, SDO.postalCode, Literal(m.postal_code)))
    graph.add((node, GEO.lat, Literal(Decimal(str(m.lat)))))
    graph.add((node, GEO.long, Literal(Decimal(str(m.lon)))))


def _add_terms(graph: Graph) -> None:
    ontology = URIRef(VOCAB_NS)
    graph.add((ontology, RDF.type, OWL.Ontology))
    graph.add((ontology, DCTERMS.title, Literal("Bildungsdaten-Vokabular", lang="de")))
    graph.add((ontology, DCTERMS.title, Literal("Bildungsdaten vocabulary", lang="en")))
    graph.add((ontology, DCTERMS.description, Literal(
        "Codelisten und eigene Begriffe der Bildungsdaten-Hubs; schema.org, wo es Begriffe "
        "gibt.", lang="de")))
    for iri, (label_de, label_en) in hub_terms().items():
        node = URIRef(iri)
        graph.add((node, RDF.type, RDF.Property))
        graph.add((node, RDFS.label, Literal(label_de, lang="de")))
        graph.add((node, RDFS.label, Literal(label_en, lang="en")))
        graph.add((node, RDFS.isDefinedBy, ontology))


@cache
def vocabulary_graph(scheme: str | None = None) -> Graph:
    """The whole vocabulary, or one scheme (KeyError for an unknown name)."""
    graph = _new_graph()
    if scheme is None:
        _add_terms(graph)
        for codelist in codelists().values():
            _add_scheme(graph, codelist)
        _add_municipalities(graph)
    elif scheme == MUNICIPALITY_SCHEME:
        _add_municipalities(graph)
    else:
        _add_scheme(graph, codelists()[scheme])
    return graph


@cache
def serialize(scheme: str | None, fmt: str) -> bytes:
    """The vocabulary (or one scheme) as Turtle, JSON-LD or RDF/XML bytes (UTF-8)."""
    graph = vocabulary_graph(scheme)
    options: dict[str, Any] = {}
    if fmt == "json-ld":
        options = {"context": dict(PREFIXES), "auto_compact": True}
    elif fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}")
    data = graph.serialize(format=fmt, encoding="utf-8", **options)
    return data if isinstance(data, bytes) else data.encode()
