"""/vocab/: content negotiation (HTML, Turtle, JSON-LD), one page per scheme, caching."""
from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from rdflib import SKOS, Graph, URIRef
from rdflib.compare import isomorphic

from bildungsdaten.hub.app import create_app
from bildungsdaten.vocab.codelists import codelists, municipalities
from bildungsdaten.vocab.terms import VOCAB_NS


@pytest.fixture(scope="module")
def vocab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """A hub whose vocabulary pages need no database (so they run once, not per backend)."""
    path = tmp_path_factory.mktemp("vocab")
    app = create_app({"database_url": f"sqlite:///{path / 'unused.sqlite'}",
                      "instance_path": path, "hub_base_uri": "http://hub.test",
                      "secret_key": "test"})
    yield app.test_client()
    app.extensions["hub"].engine.dispose()


def parse(resp: Any, fmt: str) -> Graph:
    assert resp.status_code == 200
    return Graph().parse(data=resp.data, format=fmt)


@pytest.mark.parametrize("accept, mimetype, fmt", [
    ("text/turtle", "text/turtle", "turtle"),
    ("application/ld+json", "application/ld+json", "json-ld"),
    ("application/rdf+xml", "application/rdf+xml", "xml"),
])
def test_index_negotiates_rdf(vocab: Any, accept: str, mimetype: str, fmt: str) -> None:
    resp = vocab.get("/vocab/", headers={"Accept": accept})
    assert resp.mimetype == mimetype
    graph = parse(resp, fmt)
    assert (URIRef(VOCAB_NS + "lernform/praesenz"), SKOS.inScheme,
            URIRef(VOCAB_NS + "lernform")) in graph


@pytest.mark.parametrize("accept", [None, "*/*",
                                    "text/html,application/xhtml+xml,application/xml;q=0.9"])
def test_browsers_and_plain_clients_get_the_html_page(vocab: Any, accept: str | None) -> None:
    resp = vocab.get("/vocab/", headers={"Accept": accept} if accept else {})
    assert resp.status_code == 200 and resp.mimetype == "text/html"
    assert 'lang="de"' in resp.get_data(as_text=True)


def test_html_page_lists_every_code_label_synonym_and_mapping(vocab: Any) -> None:
    import html

    page = html.unescape(vocab.get("/vocab/").get_data(as_text=True))
    for scheme in codelists().values():
        assert f'id="{scheme.name}"' in page and scheme.label_de in page
        for concept in scheme.concepts:
            assert f'id="{scheme.name}-{concept.code}"' in page
            assert concept.label_de in page and concept.label_en in page
            for synonym in concept.synonyms:
                assert synonym in page, (concept.iri, synonym)
    assert "schema:Monday" in page and "closeMatch: " in page


def test_html_page_lists_the_municipalities(vocab: Any) -> None:
    page = vocab.get("/vocab/").get_data(as_text=True)
    for m in municipalities():
        assert f'id="gemeinde-{m.ags}"' in page and m.name in page and m.postal_code in page


def test_unacceptable_format_is_406(vocab: Any) -> None:
    resp = vocab.get("/vocab/", headers={"Accept": "image/png"})
    assert resp.status_code == 406 and resp.mimetype == "application/problem+json"


@pytest.mark.parametrize("suffix, fmt, accept", [("ttl", "turtle", "text/turtle"),
                                                 ("jsonld", "json-ld", "application/ld+json")])
def test_downloads_equal_the_negotiated_documents(vocab: Any, suffix: str, fmt: str,
                                                  accept: str) -> None:
    file = vocab.get(f"/vocab/vocab.{suffix}")
    assert file.data == vocab.get("/vocab/", headers={"Accept": accept}).data
    assert "Accept" not in file.headers.get("Vary", "")
    assert len(parse(file, fmt)) > 1000


def test_json_ld_uses_prefixes_in_its_context(vocab: Any) -> None:
    doc = json.loads(vocab.get("/vocab/vocab.jsonld").data)
    assert doc["@context"]["skos"] == str(SKOS) and doc["@context"]["bd"] == VOCAB_NS


def test_scheme_page_by_negotiation_and_suffix(vocab: Any) -> None:
    page = vocab.get("/vocab/lernform").get_data(as_text=True)
    assert "Präsenz" in page and "Gemeinde" not in page.split("<main", 1)[1]
    ttl = parse(vocab.get("/vocab/lernform", headers={"Accept": "text/turtle"}), "turtle")
    assert isomorphic(ttl, parse(vocab.get("/vocab/lernform.ttl"), "turtle"))
    assert len(set(ttl.subjects(SKOS.inScheme, URIRef(VOCAB_NS + "lernform")))) == len(
        codelists()["lernform"].concepts)


def test_municipality_scheme_has_its_own_page(vocab: Any) -> None:
    graph = parse(vocab.get("/vocab/gemeinde.jsonld"), "json-ld")
    assert len(set(graph.subjects(SKOS.inScheme, URIRef(VOCAB_NS + "gemeinde")))) == 22
    assert "Lautertal" in vocab.get("/vocab/gemeinde").get_data(as_text=True)


def test_unknown_scheme_is_404_naming_the_known_ones(vocab: Any) -> None:
    resp = vocab.get("/vocab/farbe", headers={"Accept": "application/json"})
    assert resp.status_code == 404
    assert "lernform" in resp.get_json()["detail"]


def test_unknown_suffix_is_404(vocab: Any) -> None:
    assert vocab.get("/vocab/lernform.xls").status_code == 404
    assert vocab.get("/vocab/vocab.xls").status_code == 404


def test_etag_answers_304_and_caches_publicly(vocab: Any) -> None:
    first = vocab.get("/vocab/", headers={"Accept": "text/turtle"})
    assert first.headers["Cache-Control"].startswith("public")
    assert "Accept" in first.headers["Vary"]
    again = vocab.get("/vocab/", headers={"Accept": "text/turtle",
                                          "If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""


def test_etag_differs_per_format(vocab: Any) -> None:
    etags = {vocab.get("/vocab/", headers={"Accept": a}).headers["ETag"]
             for a in ("text/turtle", "application/ld+json", "text/html")}
    assert len(etags) == 3


def test_start_page_links_the_vocabulary(client: Any) -> None:
    page = client.get("/").get_data(as_text=True)
    nav = page.split("<nav", 1)[1].split("</nav>", 1)[0]
    assert 'href="/vocab/"' in nav
    assert 'href="/api/v1/offers"' in page and 'href="/api/v1/openapi.json"' in page


def test_vocab_path_without_slash_redirects(vocab: Any) -> None:
    resp = vocab.get("/vocab")
    assert resp.status_code in (301, 308) and resp.headers["Location"].endswith("/vocab/")
