"""What every RDF Data Cube the hub writes shares (survey tables, monitoring indicators): the
JSON-LD context, the data structure definition, labelled nodes, the symbol of a suppressed
value. Pure: plain data in, dicts out."""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

QB = "http://purl.org/linked-data/cube#"
SDMX_DIMENSION = "http://purl.org/linked-data/sdmx/2009/dimension#"
SDMX_ATTRIBUTE = "http://purl.org/linked-data/sdmx/2009/attribute#"
SDMX_CODE = "http://purl.org/linked-data/sdmx/2009/code#"
SUPPRESSED = "."  # German official statistics: "Zahlenwert unbekannt oder geheim zu halten"
CONTEXT = {"qb": QB, "skos": "http://www.w3.org/2004/02/skos/core#",
           "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
           "xsd": "http://www.w3.org/2001/XMLSchema#", "dct": "http://purl.org/dc/terms/",
           "sdmx-dimension": SDMX_DIMENSION, "sdmx-attribute": SDMX_ATTRIBUTE,
           "sdmx-code": SDMX_CODE}


def german(text: str) -> dict[str, str]:
    """A German literal."""
    return {"@value": text, "@language": "de"}


def labelled(iri: str, types: str | list[str], text: str,
             extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """A node with its types and German rdfs:label."""
    return {"@id": iri, "@type": types, "rdfs:label": german(text), **(extra or {})}


def structure(iri: str, dimensions: Iterable[str], measure: str,
              attributes: Iterable[tuple[str, bool]]) -> dict[str, Any]:
    """A qb:DataStructureDefinition: the dimensions in order, one measure, and attributes
    (IRI, required) attached to each observation."""
    components: list[dict[str, Any]] = [
        {"@type": "qb:ComponentSpecification", "qb:dimension": {"@id": d}, "qb:order": n}
        for n, d in enumerate(dimensions, 1)]
    components.append({"@type": "qb:ComponentSpecification", "qb:measure": {"@id": measure}})
    for attribute, required in attributes:
        components.append({"@type": "qb:ComponentSpecification",
                           "qb:attribute": {"@id": attribute}, "qb:componentRequired": required,
                           "qb:componentAttachment": {"@id": "qb:Observation"}})
    return {"@id": iri, "@type": "qb:DataStructureDefinition", "qb:component": components}


def document(graph: list[dict[str, Any]]) -> dict[str, Any]:
    """The JSON-LD document of a cube's nodes."""
    return {"@context": dict(CONTEXT), "@graph": graph}
