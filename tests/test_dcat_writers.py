"""The streaming Turtle and JSON-LD writers say exactly what the rdflib Graph says."""
from __future__ import annotations

import json

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.compare import isomorphic

from bildungsdaten.feeds.dcat import PROFILES, to_graph
from bildungsdaten.feeds.dcat.rdf import IRI, Lit, Node
from bildungsdaten.feeds.dcat.writers import render
from tests.catalog_data import description

PROFILE = PROFILES["dcat-ap.de-3.0"]
DCT = "http://purl.org/dc/terms/"
DCAT = "http://www.w3.org/ns/dcat#"
XSD = "http://www.w3.org/2001/XMLSchema#"


def _reference(paged: bool = False) -> tuple[list, Graph]:
    nodes = PROFILE.catalogue_nodes(description(12, paged=paged))
    return nodes, to_graph(nodes)


def test_turtle_writer_equals_rdflib_graph():
    nodes, graph = _reference(paged=True)
    parsed = Graph().parse(data=render(nodes, "turtle"), format="turtle")
    assert len(parsed) == len(graph) > 400
    assert isomorphic(parsed, graph)


def test_jsonld_writer_equals_rdflib_graph():
    nodes, graph = _reference(paged=True)
    parsed = Graph().parse(data=render(nodes, "json-ld"), format="json-ld")
    assert len(parsed) == len(graph) > 400
    assert isomorphic(parsed, graph)


def test_rdfxml_equals_rdflib_graph():
    nodes, graph = _reference()
    parsed = Graph().parse(data=render(nodes, "xml"), format="xml")
    assert isomorphic(parsed, graph)


def test_jsonld_is_plain_json_with_inline_context():
    nodes, _ = _reference()
    doc = json.loads(render(nodes, "json-ld"))
    assert doc["@context"]["dcat"] == DCAT
    assert doc["@graph"][0]["@type"] == ["dcat:Catalog"]


def test_quotes_newlines_and_backslashes_survive_turtle():
    nodes, _ = _reference()
    parsed = Graph().parse(data=render(nodes, "turtle"), format="turtle")
    titles = set(parsed.objects(URIRef("http://hub.test/datasets/anbieter-0003"),
                                URIRef(DCT + "title")))
    assert Literal('Träger Nr. 3 "Lernen\\Leben"\n(gGmbH) – ✓', lang="de") in titles


def test_licence_trailing_slash_is_removed_and_byte_size_typed():
    _, graph = _reference()
    dist = URIRef("http://hub.test/datasets/anbieter-0001#csv")
    assert graph.value(dist, URIRef(DCT + "license")) == URIRef(
        "http://dcat-ap.de/def/licenses/dl-by-de/2.0")
    assert graph.value(dist, URIRef(DCAT + "byteSize")) == Literal(
        "1001", datatype=URIRef(XSD + "nonNegativeInteger"))


@pytest.mark.parametrize("fmt, parser", [("turtle", "turtle"), ("json-ld", "json-ld"),
                                         ("xml", "xml")])
def test_unprefixed_predicates_and_carriage_returns_survive(fmt, parser):
    nodes = [Node("http://hub.test/x", [
        ("http://example.org/terms#odd", Lit("a\r\nb <&> \t", lang="de")),
        ("http://example.org/other/thing", IRI("http://hub.test/y?a=1&b=2")),
        ("http://example.org/other/thing", Node(None, [
            ("http://example.org/other/n", Lit("7", datatype=XSD + "integer"))]))])]
    parsed = Graph().parse(data=render(nodes, fmt), format=parser)
    assert isomorphic(parsed, to_graph(nodes))
