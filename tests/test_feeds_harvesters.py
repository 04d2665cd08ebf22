"""What harvesters found in the feeds (issue 11): stable IRIs for providers and venues, each
offer under its own provider's licence, numeric prices, one audience type, and a CSV that names
provider and hub URL in every row with one charset in its Content-Type."""
from __future__ import annotations

import csv
import gzip
import hashlib
import io
import json
from decimal import Decimal
from typing import Any

import frictionless
import pytest
import rdflib
import sqlalchemy as sa
from rdflib import RDF, BNode, Literal, Namespace, URIRef

from bildungsdaten.feeds.jsonld import JSONLD_VERSION
from bildungsdaten.hub.models import Venue
from bildungsdaten.hub.offers.documents import _codelists_digest, documents_t
from bildungsdaten.hub.settings import Settings
from bildungsdaten.validators import validate
from bildungsdaten.vocab.identity import venue_key
from bildungsdaten.vocab.records import ProviderRecord
from tests.feed_data import BENSHEIM, HEPPENHEIM, KVHS, sample_offer, simple_offer, write

SDO = Namespace("https://schema.org/")
BD = Namespace("https://w3id.org/bildungsdaten/vocab/")
DEFAULT = Settings.default_licence  # the `app` fixture's DEFAULT_LICENCE
CC_BY = "http://dcat-ap.de/def/licenses/cc-by/4.0"
DL_ZERO = "http://dcat-ap.de/def/licenses/dl-zero-de/2.0"
# A provider may store a licence in a common spelling; feeds name the dcat-ap.de IRI.
NATUR = ProviderRecord(slug="naturschutzhaus", name="Naturschutzhaus", licence="cc-by-4.0")
BIBLIOTHEK = ProviderRecord(slug="bibliothek", name="Stadtbibliothek", licence=DL_ZERO)
JSONLD = {"Accept": "application/ld+json"}


@pytest.fixture
def offers(engine: sa.engine.Engine) -> None:
    write(engine, [sample_offer(), simple_offer("K-2")])  # KVHS names no licence of its own
    # The same angebot_id as KVHS's: unique only together with the provider.
    write(engine, [simple_offer("K-2", provider=NATUR, venue=BENSHEIM, title="Vogelstimmen")])
    write(engine, [simple_offer("Z-1", provider=BIBLIOTHEK, venue=BENSHEIM)])


def _graph(client: Any, body: bytes) -> rdflib.Graph:
    """JSON-LD parsed with the context document the hub serves (no internet)."""
    context = client.get("/vocab/context.jsonld").get_json()["@context"]
    doc = json.loads(body)
    doc["@context"] = context
    return rdflib.Graph().parse(data=json.dumps(doc), format="json-ld")


def _venue_keys(engine: sa.engine.Engine) -> dict[tuple[str, str | None], str]:
    """(provider slug, venue name) -> the venue_key the hub stores the venue under."""
    from bildungsdaten.hub.models import Provider

    with engine.connect() as conn:
        return {(slug, name): key for slug, name, key in conn.execute(
            sa.select(Provider.slug, Venue.venue_name, Venue.venue_key)
            .join(Provider, Provider.id == Venue.provider_id))}


# --- 1. providers and venues have IRIs --------------------------------------------------------

def test_providers_and_locations_are_iris_not_blank_nodes(client, engine, offers):
    graph = _graph(client, client.get("/feeds/offers.jsonld").data)
    providers = set(graph.objects(None, SDO.provider))
    locations = set(graph.objects(None, SDO.location))
    assert providers and locations
    assert not [n for n in providers | locations if isinstance(n, BNode)]
    assert providers == {URIRef("http://hub.test/anbieter/kvhs"),
                         URIRef("http://hub.test/anbieter/naturschutzhaus"),
                         URIRef("http://hub.test/anbieter/bibliothek")}
    keys = _venue_keys(engine)
    heppenheim = URIRef("http://hub.test/anbieter/kvhs/orte/"
                        + keys[("kvhs", HEPPENHEIM.venue_name)])
    # Two offers at one venue share one Place, with one set of facts.
    for course in ("kvhs/25H-10102", "kvhs/K-2"):
        instance = next(graph.objects(URIRef(f"http://hub.test/offers/{course}"),
                                      SDO.hasCourseInstance))
        if course == "kvhs/25H-10102":
            instance = URIRef("http://hub.test/offers/kvhs/25H-10102#termin-25H-10102-A")
        assert graph.value(instance, SDO.location) == heppenheim
    assert list(graph.objects(heppenheim, SDO.name)) == [Literal(HEPPENHEIM.venue_name,
                                                                 lang="de")]
    assert (heppenheim, RDF.type, SDO.Place) in graph
    online = URIRef("http://hub.test/offers/kvhs/25H-10102#online-25H-10102-B")
    assert (online, RDF.type, SDO.VirtualLocation) in graph
    # Venues belong to their provider: the same address of another provider is another IRI.
    assert URIRef("http://hub.test/anbieter/naturschutzhaus/orte/"
                  + keys[("naturschutzhaus", BENSHEIM.venue_name)]) in locations
    assert URIRef("http://hub.test/anbieter/bibliothek/orte/"
                  + keys[("bibliothek", BENSHEIM.venue_name)]) in locations


def test_venue_iri_is_the_stored_key_and_survives_a_rerender(client, engine, offers):
    assert _venue_keys(engine)[("kvhs", HEPPENHEIM.venue_name)] == venue_key(HEPPENHEIM)
    first = client.get("/offers/kvhs/K-2", headers=JSONLD).get_json()
    with engine.begin() as conn:
        conn.execute(documents_t.delete())
    write(engine, [sample_offer(), simple_offer("K-2")])  # delivered again, unchanged
    again = client.get("/offers/kvhs/K-2", headers=JSONLD).get_json()
    place = again["hasCourseInstance"][0]["location"]["@id"]
    assert place == first["hasCourseInstance"][0]["location"]["@id"]
    assert place == f"http://hub.test/anbieter/kvhs/orte/{venue_key(HEPPENHEIM)}"
    assert again["provider"]["@id"] == "http://hub.test/anbieter/kvhs"


def test_iris_come_from_hub_base_uri_never_the_request_host(client, offers):
    page = client.get("/feeds/offers/rpde", base_url="http://angreifer.example").get_json()
    for item in page["items"]:
        data = item["data"]
        assert data["provider"]["@id"].startswith("http://hub.test/anbieter/")
        for instance in data["hasCourseInstance"]:
            location = instance["location"]
            for node in location if isinstance(location, list) else [location]:
                assert node["@id"].startswith("http://hub.test/")


def test_the_provider_node_holds_only_the_providers_own_facts(client, engine, offers):
    """Every offer repeats the provider's node under one @id, so an offer's own contact goes
    to the course: otherwise a merged graph gives the provider every course's address."""
    doc = client.get("/offers/kvhs/25H-10102", headers=JSONLD).get_json()
    assert doc["provider"]["email"] == KVHS.email
    assert "telephone" not in doc["provider"]
    assert doc["contactPoint"] == {"@type": "ContactPoint", "email": "info@kvhs.example",
                                   "telephone": "06252 12345"}


# --- 2. each offer under its provider's licence ---------------------------------------------

def test_each_rpde_item_carries_its_providers_licence(client, offers):
    page = client.get("/feeds/offers/rpde").get_json()
    licences = {i["id"]: i["data"]["license"] for i in page["items"]}
    assert licences == {"kvhs/25H-10102": DEFAULT, "kvhs/K-2": DEFAULT,
                        "naturschutzhaus/K-2": CC_BY, "bibliothek/Z-1": DL_ZERO}
    assert page["license"] == DEFAULT  # the page's: the district's, for the compilation


def test_snapshot_names_each_offers_licence_and_its_own(client, offers):
    resp = client.get("/feeds/offers.jsonld")
    graph = _graph(client, resp.data)
    assert set(graph.subject_objects(SDO.license)) == {
        (URIRef("http://hub.test/offers/kvhs/25H-10102"), URIRef(DEFAULT)),
        (URIRef("http://hub.test/offers/kvhs/K-2"), URIRef(DEFAULT)),
        (URIRef("http://hub.test/offers/naturschutzhaus/K-2"), URIRef(CC_BY)),
        (URIRef("http://hub.test/offers/bibliothek/Z-1"), URIRef(DL_ZERO))}
    assert resp.headers["Link"] == f'<{DEFAULT}>; rel="license"'


def test_a_new_default_licence_renders_the_stored_documents_again(db_url, client, engine,
                                                                 offers, tmp_path):
    from bildungsdaten.hub.app import create_app

    client.get("/feeds/offers.jsonld").get_data()  # stores the documents
    cc0 = "http://dcat-ap.de/def/licenses/cc-zero"
    other = create_app({"database_url": db_url, "instance_path": tmp_path / "other",
                        "hub_base_uri": "http://hub.test", "secret_key": "x",
                        "default_licence": cc0})
    try:
        page = other.test_client().get("/feeds/offers/rpde").get_json()
    finally:
        other.extensions["hub"].engine.dispose()
    licences = {i["id"]: i["data"]["license"] for i in page["items"]}
    assert licences["kvhs/K-2"] == cc0
    assert licences["naturschutzhaus/K-2"] == CC_BY


# --- 3. and 4. price and audience -----------------------------------------------------------

def test_price_is_a_json_number_typed_decimal(client, offers):
    resp = client.get("/offers/kvhs/25H-10102", headers=JSONLD)
    first, second = resp.get_json()["hasCourseInstance"]
    assert [(o["price"], o["priceCurrency"]) for o in first["offers"]] == \
        [(89, "EUR"), (62.3, "EUR")]
    assert second["offers"][0]["price"] == 0  # kostenlos
    assert all(type(o["price"]) in (int, float) for o in first["offers"] + second["offers"])
    graph = _graph(client, resp.data)
    prices = set(graph.objects(None, SDO.price))
    assert {p.datatype for p in prices} == {rdflib.XSD.decimal}
    assert {Decimal(str(p)) for p in prices} == {Decimal(89), Decimal("62.3"), Decimal(0)}


def test_audience_has_one_type_and_keeps_its_information(client, offers):
    resp = client.get("/offers/kvhs/25H-10102", headers=JSONLD)
    audience = resp.get_json()["audience"]
    assert audience["@type"] == "PeopleAudience"
    graph = _graph(client, resp.data)
    node = graph.value(URIRef("http://hub.test/offers/kvhs/25H-10102"), SDO.audience)
    assert set(graph.objects(node, RDF.type)) == {SDO.PeopleAudience}
    assert graph.value(node, SDO.audienceType) == Literal("Erwachsene mit Vorkenntnissen",
                                                          lang="de")
    assert graph.value(node, SDO.suggestedMinAge).toPython() == 16
    assert set(graph.objects(node, BD.targetGroup)) == {URIRef(BD + "zielgruppe/erwachsene")}


# --- 5. and 6. the CSV ----------------------------------------------------------------------

def _rows(body: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(body.decode("utf-8-sig")), delimiter=";"))


def test_csv_rows_name_provider_hub_url_and_licence(client, offers):
    rows = _rows(client.get("/feeds/offers.csv").data)
    k2 = [(r["anbieter_kennung"], r["hub_url"], r["lizenz"]) for r in rows
          if r["angebot_id"] == "K-2"]
    assert k2 == [("kvhs", "http://hub.test/offers/kvhs/K-2", DEFAULT),
                  ("naturschutzhaus", "http://hub.test/offers/naturschutzhaus/K-2", CC_BY)]
    keys = [(r["anbieter_kennung"], r["angebot_id"], r["termin_id"], r["beginn_datum"])
            for r in rows]
    assert len(set(keys)) == len(keys) == 5
    for row in rows:  # every hub URL is the offer's page
        path = row["hub_url"].removeprefix("http://hub.test")
        assert client.get(path, headers=JSONLD).get_json()["@id"] == row["hub_url"]


def test_hub_url_is_percent_encoded_like_the_offers_iri(client, engine):
    write(engine, [simple_offer("Kurs 1/ä")])
    [row] = _rows(client.get("/feeds/offers.csv").data)
    assert row["hub_url"] == "http://hub.test/offers/kvhs/Kurs%201%2F%C3%A4"
    assert client.get(row["hub_url"].removeprefix("http://hub.test"),
                      headers=JSONLD).status_code == 200


def test_frictionless_reads_the_csv_with_its_datapackage(client, offers, tmp_path):
    (tmp_path / "angebote.csv").write_bytes(client.get("/feeds/offers.csv").data)
    package = client.get("/feeds/datapackage.json").get_json()
    package["resources"][0]["path"] = "angebote.csv"  # the served copy, read offline
    (tmp_path / "datapackage.json").write_text(json.dumps(package), encoding="utf-8")
    report = frictionless.validate(str(tmp_path / "datapackage.json"))
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])
    resource = frictionless.Package(str(tmp_path / "datapackage.json")).get_resource("angebote")
    fields = {f.name: f for f in resource.schema.fields}
    assert (fields["hub_url"].type, fields["hub_url"].format) == ("string", "uri")
    assert fields["anbieter_kennung"].constraints["required"] is True
    rows = resource.read_rows()
    assert {(r["anbieter_kennung"], r["angebot_id"], r["lizenz"]) for r in rows} == {
        ("kvhs", "25H-10102", DEFAULT), ("kvhs", "K-2", DEFAULT),
        ("naturschutzhaus", "K-2", CC_BY), ("bibliothek", "Z-1", DL_ZERO)}


def test_csvw_declares_the_feed_columns(client):
    columns = client.get("/feeds/offers.csv-metadata.json").get_json()["tableSchema"]["columns"]
    declared = {c["name"]: c for c in columns}
    assert [c["name"] for c in columns][-4:] == ["anbieter_kennung", "hub_url", "lizenz",
                                                 "herkunft"]
    assert declared["hub_url"]["datatype"] == "anyURI" and declared["hub_url"]["required"]
    assert declared["herkunft"]["datatype"] == "anyURI" and not declared["herkunft"]["required"]


def test_a_reuploaded_export_passes_over_the_feed_columns_silently(client, offers):
    result = validate(client.get("/feeds/offers.csv?provider=kvhs").data,
                      filename="angebote.csv")
    assert result.valid
    assert result.report.stats["warnings"] == 0, result.report.to_dict()["errors"]


@pytest.mark.parametrize("headers", [{}, {"Accept-Encoding": "gzip"}])
def test_csv_content_type_names_its_charset_once(client, offers, headers):
    resp = client.get("/feeds/offers.csv", headers=headers)
    assert resp.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert resp.headers["Link"] == f'<{DEFAULT}>; rel="license"'
    body = gzip.decompress(resp.data) if headers else resp.data
    assert body.startswith(b"angebot_id;")


# --- render version: nothing rendered before this change is served -----------------------

def _version_before_licences(base_uri: str) -> str:
    """The render version hubs stored documents under before JSON-LD version 2."""
    raw = "\n".join(("1", base_uri, _codelists_digest()))
    return hashlib.sha256(raw.encode()).hexdigest()[:40]


def test_documents_stored_by_the_previous_version_are_rendered_again(client, engine, offers):
    assert JSONLD_VERSION != "1"
    client.get("/feeds/offers.jsonld").get_data()  # stores every document
    stale = '{"@id":"http://hub.test/offers/stale","@type":"Course","name":"veraltet"}'
    with engine.begin() as conn:  # as a hub before this change left them
        conn.execute(documents_t.update().values(
            render_version=_version_before_licences("http://hub.test"), jsonld=stale))
    responses = [client.get("/feeds/offers/rpde"), client.get("/feeds/offers/rpde"),
                 client.get("/feeds/offers/rpde", headers={"Accept-Encoding": "gzip"}),
                 client.get("/feeds/offers.jsonld"),
                 client.get("/offers/kvhs/K-2", headers=JSONLD)]
    for resp in responses:
        body = gzip.decompress(resp.data) if resp.headers.get("Content-Encoding") else resp.data
        assert b"veraltet" not in body
        assert b'"license":' in body


def test_feeds_page_explains_columns_iris_and_licences(client, offers):
    html = client.get("/feeds").get_data(as_text=True)
    for text in ("anbieter_kennung", "hub_url", "lizenz", "http://hub.test/anbieter/",
                 f"<code>{DEFAULT}</code>", "license"):
        assert text in html, text
    package = client.get("/feeds/datapackage.json").get_json()
    assert "anbieter_kennung" in package["description"]
