"""A harvester in the manner of ckanext-dcat and udata collects every dataset of a district
with 250 providers over real HTTP, following Hydra paging (forced by a small page size)."""
from __future__ import annotations

import pytest
import requests
from rdflib import Graph, URIRef

from tests.catalog_data import seed

DCAT = "http://www.w3.org/ns/dcat#"
DCT = "http://purl.org/dc/terms/"
HYDRA = "http://www.w3.org/ns/hydra/core#"
RDF_TYPE = URIRef("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
PARSERS = {"text/turtle": "turtle", "application/rdf+xml": "xml",
           "application/ld+json": "json-ld"}
# ckanext-dcat reads PagedCollection/nextPage, udata PartialCollectionView/next.
STYLES = {"ckanext-dcat": ("PagedCollection", "nextPage"),
          "udata": ("PartialCollectionView", "next")}


def harvest(url: str, accept: str, style: str) -> tuple[dict[str, dict], int]:
    """Walk the catalogue from `url`; returns {dataset IRI: record} and the pages read."""
    paging_type, next_link = STYLES[style]
    found: dict[str, dict] = {}
    pages = 0
    while url:
        resp = requests.get(url, headers={"Accept": accept}, timeout=30)
        resp.raise_for_status()
        graph = Graph().parse(data=resp.content, format=PARSERS[resp.headers["Content-Type"]
                                                               .split(";")[0]])
        pages += 1
        for dataset in graph.subjects(RDF_TYPE, URIRef(DCAT + "Dataset")):
            if not isinstance(dataset, URIRef):
                continue  # harvesters key datasets by IRI
            assert str(dataset) not in found, f"{dataset} on two pages"
            dists = list(graph.objects(dataset, URIRef(DCAT + "distribution")))
            found[str(dataset)] = {
                "title": {t.language: str(t) for t in graph.objects(dataset, URIRef(DCT + "title"))},
                "licences": {str(graph.value(d, URIRef(DCT + "license"))) for d in dists},
                "access": {str(graph.value(d, URIRef(DCAT + "accessURL"))) for d in dists},
            }
        view = next(graph.subjects(RDF_TYPE, URIRef(HYDRA + paging_type)), None)
        nxt = graph.value(view, URIRef(HYDRA + next_link)) if view is not None else None
        url = str(nxt) if nxt is not None else ""
    return found, pages


@pytest.fixture
def big_district(app, engine, live_server):
    """250 providers with one offer each; HUB_BASE_URI is the live server; 40 datasets a page."""
    licences = {n: "http://dcat-ap.de/def/licenses/cc-by/4.0" for n in range(0, 250, 7)}
    providers = seed(engine, 250, 1, licences=licences)
    settings = app.extensions["hub"].settings
    settings.hub_base_uri = live_server
    settings.catalog_page_size = 40
    return live_server, providers


@pytest.mark.parametrize("style, accept", [("ckanext-dcat", "text/turtle"),
                                           ("udata", "application/rdf+xml"),
                                           ("udata", "application/ld+json")])
def test_harvester_collects_every_dataset(big_district, style, accept):
    base, providers = big_district
    found, pages = harvest(f"{base}/catalog", accept, style)
    assert pages == 7  # 251 datasets, 40 a page
    assert set(found) == {f"{base}/datasets/bildungsangebote"} | {
        f"{base}/datasets/anbieter-{p.slug}" for p in providers}
    for p in providers:
        record = found[f"{base}/datasets/anbieter-{p.slug}"]
        assert record["title"]["de"] == f"Bildungsangebote von {p.name}"
        assert record["licences"] == {p.licence or "http://dcat-ap.de/def/licenses/dl-by-de/2.0"}
        assert record["access"] == {f"{base}/feeds/offers.jsonld?provider={p.slug}",
                                    f"{base}/feeds/offers.csv?provider={p.slug}"}
    main = found[f"{base}/datasets/bildungsangebote"]
    assert main["title"]["de"] == "Bildungsangebote im Kreis Bergstraße"
    assert f"{base}/feeds/offers/rpde" in main["access"]
