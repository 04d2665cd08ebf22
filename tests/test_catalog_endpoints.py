"""/catalog and /datasets/<id>: formats, negotiation, paging, errors (on SQLite and PostgreSQL)."""
from __future__ import annotations

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.compare import isomorphic

from tests.catalog_data import add_empty_provider, seed

DCAT = "http://www.w3.org/ns/dcat#"
DCT = "http://purl.org/dc/terms/"
FOAF = "http://xmlns.com/foaf/0.1/"
HYDRA = "http://www.w3.org/ns/hydra/core#"
RDF_TYPE = URIRef("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
CATALOG = URIRef("http://hub.test/catalog")
PARSE = {"text/turtle": "turtle", "application/rdf+xml": "xml", "application/ld+json": "json-ld"}


def _graph(resp) -> Graph:
    return Graph().parse(data=resp.data, format=PARSE[resp.mimetype])


def _datasets(graph: Graph) -> set[str]:
    return {str(s) for s in graph.subjects(RDF_TYPE, URIRef(DCAT + "Dataset"))}


@pytest.fixture
def district(app, engine):
    """Three providers with two offers each, one provider without offers; 3 datasets a page."""
    seed(engine, 3, 2)
    add_empty_provider(engine)
    app.extensions["hub"].settings.catalog_page_size = 3
    return app


def test_catalog_without_accept_is_turtle(client, district):
    resp = client.get("/catalog")
    assert resp.status_code == 200
    assert resp.headers["Content-Type"] == "text/turtle; charset=utf-8"
    assert (CATALOG, RDF_TYPE, URIRef(DCAT + "Catalog")) in _graph(resp)


@pytest.mark.parametrize("accept, content_type", [
    ("text/turtle", "text/turtle; charset=utf-8"),
    ("application/rdf+xml", "application/rdf+xml; charset=utf-8"),
    ("application/ld+json", "application/ld+json"),
    ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", "text/html; charset=utf-8"),
])
def test_catalog_negotiates_format_from_accept(client, district, accept, content_type):
    resp = client.get("/catalog", headers={"Accept": accept})
    assert resp.status_code == 200
    assert resp.headers["Content-Type"] == content_type
    assert resp.headers["Vary"] == "Accept"


@pytest.mark.parametrize("path, content_type", [
    ("/catalog.ttl", "text/turtle; charset=utf-8"),
    ("/catalog.rdf", "application/rdf+xml; charset=utf-8"),
    ("/catalog.jsonld", "application/ld+json"),
])
def test_catalog_files_have_their_content_type(client, district, path, content_type):
    resp = client.get(path, headers={"Accept": "text/html"})  # the extension wins over Accept
    assert resp.headers["Content-Type"] == content_type


def test_jsonld_and_rdfxml_say_what_turtle_says(client, district):
    def page(accept: str) -> Graph:
        return _graph(client.get("/catalog?page=2", headers={"Accept": accept}))

    turtle = page("text/turtle")
    assert len(turtle) > 50
    assert isomorphic(page("application/ld+json"), turtle)
    assert isomorphic(page("application/rdf+xml"), turtle)


def test_unknown_accept_is_406_problem(client, district):
    resp = client.get("/catalog", headers={"Accept": "application/pdf"})
    assert resp.status_code == 406
    assert resp.mimetype == "application/problem+json"
    assert "text/turtle" in resp.get_json()["available"]


def test_unknown_extension_is_406_problem(client, district):
    resp = client.get("/catalog.xlsx")
    assert resp.status_code == 406
    assert resp.get_json()["code"] == "not-acceptable"


def test_page_beyond_last_is_404_naming_the_last(client, district):
    resp = client.get("/catalog.ttl?page=3")  # 4 datasets, 3 a page -> 2 pages
    assert resp.status_code == 404
    assert resp.mimetype == "application/problem+json"
    assert resp.get_json()["last_page"] == 2


@pytest.mark.parametrize("query, parameter", [
    ("modified_since=gestern", "modified_since"), ("modified_since=2025-13-01", "modified_since"),
    ("page=0", "page"), ("page=zwei", "page"), ("sort=title", "sort")])
def test_bad_parameters_are_400_naming_them(client, district, query, parameter):
    resp = client.get(f"/catalog?{query}")
    assert resp.status_code == 400
    assert resp.mimetype == "application/problem+json"
    assert resp.get_json()["parameter"] == parameter


def test_pages_link_both_hydra_vocabularies(client, district):
    graph = _graph(client.get("/catalog.ttl?page=1"))
    page = URIRef("http://hub.test/catalog.ttl?page=1")
    second = URIRef("http://hub.test/catalog.ttl?page=2")
    assert (page, RDF_TYPE, URIRef(HYDRA + "PagedCollection")) in graph
    assert (page, RDF_TYPE, URIRef(HYDRA + "PartialCollectionView")) in graph
    assert graph.value(page, URIRef(HYDRA + "nextPage")) == second
    assert graph.value(page, URIRef(HYDRA + "next")) == second
    assert graph.value(page, URIRef(HYDRA + "lastPage")) == second
    assert graph.value(page, URIRef(HYDRA + "totalItems")).toPython() == 4
    assert graph.value(page, URIRef(HYDRA + "itemsPerPage")).toPython() == 3


def test_last_page_links_back_and_not_forward(client, district):
    graph = _graph(client.get("/catalog.ttl?page=2"))
    page = URIRef("http://hub.test/catalog.ttl?page=2")
    assert graph.value(page, URIRef(HYDRA + "previous")) == URIRef(
        "http://hub.test/catalog.ttl?page=1")
    assert graph.value(page, URIRef(HYDRA + "next")) is None
    assert graph.value(page, URIRef(HYDRA + "nextPage")) is None


def test_catalogue_and_publisher_repeat_on_every_page(client, district):
    for page in (1, 2):
        graph = _graph(client.get(f"/catalog.ttl?page={page}"))
        publisher = graph.value(CATALOG, URIRef(DCT + "publisher"))
        assert graph.value(CATALOG, URIRef(DCT + "title")) is not None
        assert (publisher, RDF_TYPE, URIRef(FOAF + "Agent")) in graph
        assert graph.value(publisher, URIRef(FOAF + "name")) is not None


def test_no_paging_when_everything_fits(client, app, engine):
    seed(engine, 2)
    graph = _graph(client.get("/catalog.ttl"))
    assert not list(graph.subjects(RDF_TYPE, URIRef(HYDRA + "PagedCollection")))
    assert len(_datasets(graph)) == 3


def test_every_provider_with_offers_has_a_dataset_and_none_without(client, district):
    ids = set()
    for page in (1, 2):
        ids |= _datasets(_graph(client.get(f"/catalog.ttl?page={page}")))
    assert ids == {"http://hub.test/datasets/bildungsangebote",
                   "http://hub.test/datasets/anbieter-kvhs",
                   "http://hub.test/datasets/anbieter-musikschule-bensheim",
                   "http://hub.test/datasets/anbieter-fbs-heppenheim"}


def test_iris_come_from_hub_base_uri_not_the_request_host(client, district):
    graph = _graph(client.get("/catalog.ttl", base_url="http://other-host.example"))
    subjects = {str(s) for s in graph.subjects() if isinstance(s, URIRef)}
    assert subjects and not any("other-host" in s for s in subjects)


def test_modified_since_selects_recent_datasets(client, district):
    assert len(_datasets(_graph(client.get("/catalog.ttl?modified_since=2000-01-01")))) == 3
    future = _graph(client.get("/catalog.ttl?modified_since=2999-01-01T00:00:00%2B01:00"))
    assert _datasets(future) == set()
    assert (CATALOG, RDF_TYPE, URIRef(DCAT + "Catalog")) in future


def test_paging_keeps_modified_since(client, district):
    graph = _graph(client.get("/catalog.ttl?modified_since=2000-01-01"))
    nxt = graph.value(URIRef("http://hub.test/catalog.ttl?page=1&modified_since=2000-01-01"),
                      URIRef(HYDRA + "next"))
    assert str(nxt) == "http://hub.test/catalog.ttl?page=2&modified_since=2000-01-01"


def test_dataset_landing_page_is_german_html(client, district):
    resp = client.get("/datasets/anbieter-kvhs", headers={"Accept": "text/html"})
    assert resp.status_code == 200
    assert resp.headers["Content-Type"] == "text/html; charset=utf-8"
    body = resp.get_data(as_text=True)
    assert "Bildungsangebote von Kreisvolkshochschule Bergstraße" in body
    assert "http://hub.test/feeds/offers.csv?provider=kvhs" in body


def test_dataset_rdf_by_content_negotiation(client, district):
    resp = client.get("/datasets/anbieter-kvhs", headers={"Accept": "application/ld+json"})
    assert resp.headers["Content-Type"] == "application/ld+json"
    graph = _graph(resp)
    dataset = URIRef("http://hub.test/datasets/anbieter-kvhs")
    assert graph.value(dataset, URIRef(DCT + "identifier")) == Literal(str(dataset))
    assert len(list(graph.objects(dataset, URIRef(DCAT + "distribution")))) == 2


def test_dataset_file_extension(client, district):
    resp = client.get("/datasets/bildungsangebote.rdf")
    assert resp.headers["Content-Type"] == "application/rdf+xml; charset=utf-8"
    assert "http://hub.test/datasets/bildungsangebote" in _datasets(_graph(resp))


def test_unknown_dataset_is_404_problem(client, district):
    resp = client.get("/datasets/anbieter-ohne-angebote.ttl")
    assert resp.status_code == 404
    assert resp.get_json()["code"] == "dataset-not-found"


def test_start_page_links_the_catalogue(client, district):
    assert 'href="/catalog"' in client.get("/").get_data(as_text=True)
