"""/feeds/offers.jsonld and /offers/<provider>/<id>: schema.org JSON-LD that rdflib reads with
the hub's own @context (no internet)."""
from __future__ import annotations

import gzip
import json
from datetime import date, timedelta
from decimal import Decimal

import pytest
import rdflib
from rdflib import RDF, XSD, Literal, Namespace, URIRef

from bildungsdaten.hub.db import begin_write, make_sessionmaker, transaction
from bildungsdaten.hub.models import Offer
from bildungsdaten.hub.offers.store import tombstone_offers
from tests.feed_data import BENSHEIM, MUSIK, sample_offer, simple_offer, write

SDO = Namespace("https://schema.org/")
BD = Namespace("https://w3id.org/bildungsdaten/vocab/")


def _graph(client, body: bytes) -> rdflib.Graph:
    """Parse JSON-LD whose @context URL is replaced by the document the hub serves."""
    context = client.get("/vocab/context.jsonld").get_json()["@context"]
    doc = json.loads(body)
    doc["@context"] = context
    for node in doc.get("@graph", []):
        node.pop("@context", None)
    return rdflib.Graph().parse(data=json.dumps(doc), format="json-ld")


@pytest.fixture
def offers(engine):
    write(engine, [sample_offer(), simple_offer("K-2"), simple_offer("K-3")])
    write(engine, [simple_offer("M-1", provider=MUSIK, venue=BENSHEIM, life_phase="schule")])


def test_snapshot_has_exactly_one_course_per_offer(client, offers):
    resp = client.get("/feeds/offers.jsonld")
    assert resp.status_code == 200
    assert resp.mimetype == "application/ld+json"
    graph = _graph(client, resp.data)
    courses = set(graph.subjects(RDF.type, SDO.Course))
    assert courses == {URIRef(f"http://hub.test/offers/{i}") for i in
                       ("kvhs/25H-10102", "kvhs/K-2", "kvhs/K-3", "musikschule/M-1")}


def test_snapshot_sample_offer_triples(client, offers):
    graph = _graph(client, client.get("/feeds/offers.jsonld").data)
    course = URIRef("http://hub.test/offers/kvhs/25H-10102")
    inst = URIRef("http://hub.test/offers/kvhs/25H-10102#termin-25H-10102-A")
    start = date.today() + timedelta(days=30)
    assert (course, SDO.name, Literal("Englisch A2 – Auffrischung", lang="de")) in graph
    assert (course, SDO.courseCode, Literal("25H-10102")) in graph
    assert (course, SDO.hasCourseInstance, inst) in graph
    assert (inst, RDF.type, SDO.CourseInstance) in graph
    assert (inst, SDO.startDate, Literal(start.isoformat(), datatype=XSD.date)) in graph
    assert (inst, SDO.eventStatus, SDO.EventScheduled) in graph
    assert (inst, SDO.courseMode, Literal("onsite")) in graph
    schedule = graph.value(inst, SDO.courseSchedule)
    assert (schedule, SDO.startTime, Literal("18:30:00", datatype=XSD.time)) in graph
    assert (schedule, SDO.byDay, SDO.Monday) in graph
    assert (schedule, SDO.repeatFrequency, Literal("P1W", datatype=XSD.duration)) in graph
    prices = {graph.value(o, SDO.price) for o in graph.objects(inst, SDO.offers)}
    assert {p.datatype for p in prices} == {XSD.decimal}
    assert {Decimal(str(p)) for p in prices} == {Decimal("89"), Decimal("62.3")}  # lexical form
    assert all(graph.value(o, SDO.priceCurrency) == Literal("EUR")
               for o in graph.objects(inst, SDO.offers))
    place = graph.value(inst, SDO.location)
    assert (place, RDF.type, SDO.Place) in graph
    geo = graph.value(place, SDO.geo)
    assert graph.value(geo, SDO.latitude) == Literal("49.6407", datatype=XSD.decimal)
    assert graph.value(graph.value(place, SDO.address), SDO.postalCode) == Literal("64646")
    topic = URIRef(str(BD) + "themenbereich/sprachen")
    assert (course, SDO.about, topic) in graph
    assert (topic, RDF.type, SDO.DefinedTerm) in graph
    assert (topic, SDO.name, Literal("Sprachen", lang="de")) in graph
    assert (topic, SDO.name, Literal("Languages", lang="en")) in graph
    assert (course, SDO.educationalLevel, URIRef(str(BD) + "lebensphase/erwachsenenbildung")) \
        in graph
    assert (course, SDO.financialAidEligible,
            URIRef(str(BD) + "foerderung/bildungsurlaub_hessen")) in graph
    assert (course, SDO.inLanguage, Literal("en")) in graph
    provider = graph.value(course, SDO.provider)
    assert (provider, RDF.type, SDO.EducationalOrganization) in graph
    credential = graph.value(course, SDO.educationalCredentialAwarded)
    assert (credential, SDO.credentialCategory, URIRef(str(BD) + "abschlussart/zertifikat_extern")
            ) in graph
    online = URIRef("http://hub.test/offers/kvhs/25H-10102#termin-25H-10102-B")
    virtual = graph.value(online, SDO.location)
    assert (virtual, RDF.type, SDO.VirtualLocation) in graph
    assert (online, SDO.isAccessibleForFree, Literal(True)) in graph


@pytest.mark.parametrize("query, expected", [
    ("provider=musikschule", {"musikschule/M-1"}),
    ("municipality=06431002", {"musikschule/M-1"}),
    ("life_phase=schule", {"musikschule/M-1"}),
    ("life_phase=erwachsenenbildung&provider=kvhs", {"kvhs/25H-10102", "kvhs/K-2", "kvhs/K-3"}),
])
def test_snapshot_filters(client, offers, query, expected):
    doc = client.get(f"/feeds/offers.jsonld?{query}").get_json(force=True)
    assert {n["@id"].removeprefix("http://hub.test/offers/") for n in doc["@graph"]} == expected


def test_snapshot_modified_since_keeps_later_changes(client, engine, offers):
    with engine.connect() as conn:
        stamp = conn.execute(Offer.__table__.select().where(
            Offer.feed_id == "musikschule/M-1")).one().modified
    doc = client.get(f"/feeds/offers.jsonld?modified_since={stamp}").get_json(force=True)
    assert [n["courseCode"] for n in doc["@graph"]] == ["M-1"]


@pytest.mark.parametrize("query, parameter", [
    ("provnider=kvhs", "provnider"),
    ("provider=unbekannt", "provider"),
    ("municipality=0643100", "municipality"),
    ("municipality=09162000", "municipality"),
    ("life_phase=rentner", "life_phase"),
    ("modified_since=gestern", "modified_since"),
])
def test_bad_filter_is_problem_naming_the_parameter(client, offers, query, parameter):
    resp = client.get(f"/feeds/offers.jsonld?{query}")
    assert resp.status_code == 400
    assert resp.mimetype == "application/problem+json"
    assert resp.get_json()["parameter"] == parameter


def test_snapshot_etag_gives_304_until_an_offer_changes(client, engine, offers):
    first = client.get("/feeds/offers.jsonld")
    tag = first.headers["ETag"]
    assert first.headers["Last-Modified"]
    again = client.get("/feeds/offers.jsonld", headers={"If-None-Match": tag})
    assert again.status_code == 304
    write(engine, [simple_offer("K-2", title="Neuer Titel")])
    assert client.get("/feeds/offers.jsonld", headers={"If-None-Match": tag}).status_code == 200


def test_snapshot_etag_depends_on_filters(client, offers):
    assert client.get("/feeds/offers.jsonld").headers["ETag"] != \
        client.get("/feeds/offers.jsonld?provider=kvhs").headers["ETag"]


def test_snapshot_is_gzipped_when_asked(client, offers):
    plain = client.get("/feeds/offers.jsonld")
    zipped = client.get("/feeds/offers.jsonld", headers={"Accept-Encoding": "gzip"})
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(zipped.data) == plain.data
    assert zipped.headers["ETag"] != plain.headers["ETag"]


def test_head_answers_headers_without_body(client, offers):
    resp = client.head("/feeds/offers.jsonld")
    assert resp.status_code == 200
    assert resp.data == b""
    assert resp.headers["ETag"]
    assert resp.headers["Access-Control-Allow-Origin"] == "*"


def test_context_is_served_as_jsonld(client):
    resp = client.get("/vocab/context.jsonld")
    assert resp.mimetype == "application/ld+json"
    assert resp.headers["Access-Control-Allow-Origin"] == "*"
    assert resp.get_json()["@context"]["@vocab"] == "https://schema.org/"


def test_offer_page_embeds_jsonld_for_people(client, offers):
    resp = client.get("/offers/kvhs/25H-10102", headers={"Accept": "text/html"})
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    assert "Englisch A2 – Auffrischung" in html
    embedded = html.split('<script type="application/ld+json">')[1].split("</script>")[0]
    assert json.loads(embedded)["@id"] == "http://hub.test/offers/kvhs/25H-10102"


def test_offer_page_text_cannot_close_the_script_element(client, engine):
    write(engine, [simple_offer("X-1", title="</script><script>alert(1)</script>")])
    html = client.get("/offers/kvhs/X-1").get_data(as_text=True)
    embedded = html.split('<script type="application/ld+json">')[1].split("</script>")[0]
    assert json.loads(embedded)["name"] == "</script><script>alert(1)</script>"


def test_offer_as_jsonld_by_accept_header(client, offers):
    resp = client.get("/offers/kvhs/25H-10102", headers={"Accept": "application/ld+json"})
    assert resp.mimetype == "application/ld+json"
    assert resp.headers["Vary"] == "Accept"
    graph = _graph(client, resp.data)
    assert len(set(graph.subjects(RDF.type, SDO.Course))) == 1


def test_unknown_offer_is_404(client, offers):
    assert client.get("/offers/kvhs/NICHT-DA").status_code == 404
    resp = client.get("/offers/kvhs/NICHT-DA", headers={"Accept": "application/ld+json"})
    assert (resp.status_code, resp.mimetype) == (404, "application/problem+json")


def test_deleted_offer_is_410(client, engine, offers):
    with transaction(make_sessionmaker(engine)) as session:
        begin_write(session)
        oid = session.query(Offer.id).filter(Offer.feed_id == "kvhs/K-2").scalar()
        tombstone_offers(session, [oid])
    assert client.get("/offers/kvhs/K-2").status_code == 410
    assert client.get("/offers/kvhs/K-2",
                      headers={"Accept": "application/ld+json"}).status_code == 410


def test_prices_keep_their_cents(client, engine):
    write(engine, [simple_offer("P-1", price="1250.5")])
    resp = client.get("/offers/kvhs/P-1", headers={"Accept": "application/ld+json"})
    price = resp.get_json()["hasCourseInstance"][0]["offers"][0]["price"]
    assert b'"price":1250.5,' in resp.data  # a JSON number, written exactly
    assert Decimal(str(price)) == Decimal("1250.5")


def test_feeds_page_lists_every_feed_in_german(client):
    html = client.get("/feeds").get_data(as_text=True)
    for path in ("/feeds/offers.jsonld", "/feeds/offers.csv", "/feeds/offers.csv-metadata.json",
                 "/feeds/datapackage.json", "/feeds/offers/rpde", "/vocab/context.jsonld"):
        assert path in html
    assert "curl" in html and "Änderungsfeed" in html
    assert 'href="/feeds"' in client.get("/").get_data(as_text=True)


def test_every_example_request_on_the_feeds_page_answers(client, offers):
    import html as html_lib
    import re

    page = client.get("/feeds").get_data(as_text=True)
    examples = [html_lib.unescape(u) for u in re.findall(r"'http://hub\.test(/[^']*)'", page)]
    assert len(examples) >= 7
    for example in examples:
        resp = client.get(example, headers={"Accept": "application/ld+json"})
        assert resp.status_code == 200, (example, resp.status_code)


def test_snapshot_stream_is_one_json_document_per_batch_chunk():
    from bildungsdaten.feeds.jsonld import stream_snapshot

    batches = [[simple_offer(f"B{b}-{n}") for n in range(3)] for b in range(4)] + [[]]
    chunks = list(stream_snapshot(iter(batches), "http://hub.test", "http://hub.test/ctx"))
    assert len(chunks) == 2 + 4  # head, one chunk per non-empty batch, tail
    doc = json.loads(b"".join(chunks))
    assert doc["@context"] == "http://hub.test/ctx"
    assert [n["courseCode"] for n in doc["@graph"]][:4] == ["B0-0", "B0-1", "B0-2", "B1-0"]
    assert len(doc["@graph"]) == 12
    assert json.loads(b"".join(stream_snapshot([], "http://h", "http://h/c")))["@graph"] == []


def test_ids_with_reserved_characters_are_percent_encoded():
    from bildungsdaten.feeds.jsonld import offer_to_jsonld

    node = offer_to_jsonld(simple_offer("Kurs 1/ä"), "http://hub.test/", None)
    assert node["@id"] == "http://hub.test/offers/kvhs/Kurs%201%2F%C3%A4"
    assert node["hasCourseInstance"][0]["@id"].startswith(node["@id"] + "#termin-")
