"""vocab.skos: the SKOS generated from codelists.toml, the municipalities and the hub's terms."""
from __future__ import annotations

import csv
from collections import Counter

import pytest
from rdflib import OWL, RDF, RDFS, SKOS, Graph, Literal, URIRef
from rdflib.compare import isomorphic

from bildungsdaten.vocab import terms
from bildungsdaten.vocab.codelists import Concept, codelists, municipalities
from bildungsdaten.vocab.skos import (
    KURSNET_CODE,
    SCHEMA_VALUE,
    concept_mappings,
    municipality_iri,
    serialize,
)
from bildungsdaten.vocab.terms import MUNICIPALITY_KEY_NS, SCHEMA, VOCAB_NS
from tests.support import shared_path


@pytest.fixture(scope="module")
def graph() -> Graph:
    """The whole vocabulary, parsed back from its Turtle."""
    return Graph().parse(data=serialize(None, "turtle"), format="turtle")


def test_every_code_is_a_concept_with_german_and_english_labels(graph: Graph) -> None:
    for scheme in codelists().values():
        assert (URIRef(scheme.iri), RDF.type, SKOS.ConceptScheme) in graph
        for concept in scheme.concepts:
            node = URIRef(concept.iri)
            assert (node, SKOS.inScheme, URIRef(scheme.iri)) in graph
            assert (node, SKOS.notation, Literal(concept.code)) in graph
            assert set(graph.objects(node, SKOS.prefLabel)) == {
                Literal(concept.label_de, lang="de"), Literal(concept.label_en, lang="en")}


def test_synonyms_are_alt_labels(graph: Graph) -> None:
    node = URIRef(VOCAB_NS + "lernform/praesenz")
    alt = {str(label) for label in graph.objects(node, SKOS.altLabel)}
    assert {"vor ort", "präsenz"} <= alt
    for scheme in codelists().values():
        for concept in scheme.concepts:
            alt = {str(label) for label in graph.objects(URIRef(concept.iri), SKOS.altLabel)}
            assert alt == set(concept.synonyms), concept.iri


def test_unique_schema_org_mapping_is_an_exact_match(graph: Graph) -> None:
    assert (URIRef(VOCAB_NS + "wochentag/Mo"), SKOS.exactMatch,
            URIRef(SCHEMA + "Monday")) in graph
    assert (URIRef(VOCAB_NS + "anbieter_typ/bibliothek"), SKOS.exactMatch,
            URIRef(SCHEMA + "Library")) in graph


def test_shared_schema_org_mapping_is_a_close_match(graph: Graph) -> None:
    # Several provider types map to EducationalOrganization: none of them is that exactly.
    vhs = URIRef(VOCAB_NS + "anbieter_typ/vhs")
    assert (vhs, SKOS.closeMatch, URIRef(SCHEMA + "EducationalOrganization")) in graph
    assert not list(graph.objects(vhs, SKOS.exactMatch))


def test_text_values_and_codes_of_other_systems_are_hub_properties(graph: Graph) -> None:
    node = URIRef(VOCAB_NS + "lernform/praesenz")
    assert (node, URIRef(SCHEMA_VALUE), Literal("onsite")) in graph
    assert (node, URIRef(KURSNET_CODE), Literal("101")) in graph
    assert (node, SKOS.closeMatch, URIRef(SCHEMA + "OfflineEventAttendanceMode")) in graph


def test_every_mapping_key_of_the_code_lists_has_a_rule() -> None:
    for scheme in codelists().values():
        for concept in scheme.concepts:
            assert len(concept_mappings(concept)) == len(concept.mappings), concept.iri


def test_an_undeclared_mapping_key_is_refused() -> None:
    concept = Concept("lernform", "x", "X", "X", (), {"wikidata": "Q1"})
    with pytest.raises(ValueError, match="wikidata"):
        concept_mappings(concept)


def test_pref_labels_are_unique_within_each_scheme(graph: Graph) -> None:
    for scheme in codelists().values():
        labels = Counter((str(label), label.language) for concept in scheme.concepts
                         for label in graph.objects(URIRef(concept.iri), SKOS.prefLabel))
        assert [k for k, n in labels.items() if n > 1] == [], scheme.name


def test_municipalities_match_the_reference_list(graph: Graph) -> None:
    path = shared_path("reference", "kreis_bergstrasse_gemeinden_ags_plz.csv")
    with path.open(encoding="utf-8") as fh:
        reference = {row["ags"]: row["name"] for row in csv.DictReader(fh, delimiter=";")}
    scheme = URIRef(VOCAB_NS + "gemeinde")
    found = {str(graph.value(c, SKOS.notation)): str(graph.value(c, SKOS.prefLabel))
             for c in graph.subjects(SKOS.inScheme, scheme)}
    assert found == reference
    assert len(found) == 22


def test_municipalities_map_to_the_dcat_ap_de_keys(graph: Graph) -> None:
    for m in municipalities():
        assert (URIRef(municipality_iri(m.ags)), SKOS.exactMatch,
                URIRef(MUNICIPALITY_KEY_NS + m.ags)) in graph


def test_hub_terms_are_properties_with_labels(graph: Graph) -> None:
    own = [v for k, v in vars(terms).items()
           if k.isupper() and isinstance(v, str) and v.startswith(VOCAB_NS) and v != VOCAB_NS]
    assert terms.ROLLING_ENTRY in own
    for iri in own:
        assert (URIRef(iri), RDF.type, RDF.Property) in graph, iri
        assert {label.language for label in graph.objects(URIRef(iri), RDFS.label)} == {"de", "en"}
    assert (URIRef(VOCAB_NS), RDF.type, OWL.Ontology) in graph


@pytest.mark.parametrize("fmt, parser", [("json-ld", "json-ld"), ("xml", "xml")])
def test_every_format_carries_the_same_graph(graph: Graph, fmt: str, parser: str) -> None:
    assert isomorphic(Graph().parse(data=serialize(None, fmt), format=parser), graph)


def test_one_scheme_holds_only_its_concepts() -> None:
    one = Graph().parse(data=serialize("lernform", "turtle"), format="turtle")
    concepts = set(one.subjects(RDF.type, SKOS.Concept))
    assert concepts == {URIRef(c.iri) for c in codelists()["lernform"].concepts}
