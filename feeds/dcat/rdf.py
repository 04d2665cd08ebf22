"""A tiny RDF term model that profiles emit, and its conversion to an rdflib Graph.

Profiles describe a catalogue as a list of `Node`s (a subject with its predicate/object pairs;
blank nodes nest inside their parent). The streaming writers (`writers.py`) serialise the same
nodes directly, which is much faster than building and serialising an rdflib Graph; `to_graph`
is the reference the writers are proven equal to (tests/test_dcat_writers.py).
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import NamedTuple

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.term import Node as RdfNode

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
XSD = "http://www.w3.org/2001/XMLSchema#"

PREFIXES: dict[str, str] = {
    "dcat": "http://www.w3.org/ns/dcat#",
    "dct": "http://purl.org/dc/terms/",
    "dcatde": "http://dcat-ap.de/def/dcatde/",
    "dcatap": "http://data.europa.eu/r5r/",  # slash, not hash (DCAT-AP 3)
    "foaf": "http://xmlns.com/foaf/0.1/",
    "vcard": "http://www.w3.org/2006/vcard/ns#",
    "hydra": "http://www.w3.org/ns/hydra/core#",
    "xsd": XSD,
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
}


# NamedTuples, not frozen dataclasses: a catalogue page creates tens of thousands of terms
# and a frozen dataclass's __init__ costs several times a tuple's.
class IRI(NamedTuple):
    """An IRI object."""

    value: str


class Lit(NamedTuple):
    """A literal: plain string, language-tagged, or typed by an XSD datatype IRI."""

    value: str
    lang: str | None = None
    datatype: str | None = None


@dataclass(slots=True)
class Node:
    """A subject and its properties; `iri=None` is a blank node, written where it is used."""

    iri: str | None
    props: list[tuple[str, Term]] = field(default_factory=list)

    def add(self, predicate: str, obj: Term | None) -> None:
        """Add one property; None (a value not known) is skipped."""
        if obj is not None:
            self.props.append((predicate, obj))


Term = IRI | Lit | Node


def date_literal(value: datetime | date) -> Lit:
    """xsd:dateTime for datetimes (seconds precision), xsd:date for dates."""
    if isinstance(value, datetime):
        return Lit(value.replace(microsecond=0).isoformat(), datatype=XSD + "dateTime")
    return Lit(value.isoformat(), datatype=XSD + "date")


def to_graph(nodes: Iterable[Node], prefixes: dict[str, str] = PREFIXES) -> Graph:
    """The nodes as an rdflib Graph (the reference for the streaming writers)."""
    graph = Graph(bind_namespaces="none")
    for prefix, ns in prefixes.items():
        graph.bind(prefix, ns)
    triples: list[tuple[RdfNode, RdfNode, RdfNode, Graph]] = []
    for node in nodes:
        _collect(node, URIRef(node.iri) if node.iri else BNode(), triples, graph)
    graph.addN(triples)
    return graph


def _collect(node: Node, subject: RdfNode, out: list[tuple[RdfNode, RdfNode, RdfNode, Graph]],
             graph: Graph) -> None:
    for predicate, obj in node.props:
        out.append((subject, URIRef(predicate), _term(obj, out, graph), graph))


def _term(obj: Term, out: list[tuple[RdfNode, RdfNode, RdfNode, Graph]], graph: Graph) -> RdfNode:
    if isinstance(obj, IRI):
        return URIRef(obj.value)
    if isinstance(obj, Lit):
        return Literal(obj.value, lang=obj.lang,
                       datatype=URIRef(obj.datatype) if obj.datatype else None)
    subject: RdfNode = URIRef(obj.iri) if obj.iri else BNode()
    _collect(obj, subject, out, graph)
    return subject
