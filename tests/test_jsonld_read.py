"""feeds.jsonld_read reads the hub's own JSON-LD back into the same record, and other
schema.org Course shapes tolerantly; a document that cannot be an offer gives a German reason."""
from __future__ import annotations

import dataclasses
from datetime import date
from decimal import Decimal

import pytest

from bildungsdaten.feeds.jsonld import offer_to_jsonld
from bildungsdaten.feeds.jsonld_read import ReadError, read_offer
from bildungsdaten.hub.demo.district import demo_records
from bildungsdaten.vocab.codelists import codelist
from bildungsdaten.vocab.records import OfferRecord
from tests.api_sample import full_offer
from tests.feed_data import sample_offer, simple_offer

BASE = "https://bildung.example.org"
LICENCE = "http://dcat-ap.de/def/licenses/dl-by-de/2.0"


def _without_venue_keys(record: OfferRecord) -> OfferRecord:
    for inst in record.instances:
        if inst.venue is not None:
            inst.venue.key = None
    return record


@pytest.mark.parametrize("make", [sample_offer, lambda: simple_offer("k-1"), full_offer],
                         ids=["sample", "simple", "full"])
def test_own_document_reads_back_as_the_same_record(make: object) -> None:
    record = make()  # type: ignore[operator]
    record.provider = dataclasses.replace(record.provider, licence=LICENCE)
    back = read_offer(offer_to_jsonld(record, BASE, f"{BASE}/vocab/context.jsonld"))
    assert _without_venue_keys(back) == _without_venue_keys(record)


def test_every_demo_offer_reads_back_as_the_same_record() -> None:
    """The reader's shortcuts for the hub's own shape (known term codes, absent values) give
    the records the documents were made of: 2,000 demo offers of every provider. (A rhythm
    without a schema.org frequency, such as "einmalig", is not in the document.)"""
    frequencies = {c.code for c in codelist("rhythmus").concepts if c.mappings.get("schema")}
    count = 0
    for provider, records in demo_records(2000, seed=11):
        provider = dataclasses.replace(provider, licence=provider.licence or LICENCE)
        for record in records:
            record.provider = provider
            back = read_offer(offer_to_jsonld(record, BASE, f"{BASE}/vocab/context.jsonld"))
            for inst in record.instances:
                inst.rhythm = inst.rhythm if inst.rhythm in frequencies else None
            assert _without_venue_keys(back) == _without_venue_keys(record), record.angebot_id
            count += 1
    assert count == 2000

def test_foreign_shape_with_prefixes_language_maps_and_single_nodes() -> None:
    data = {
        "@context": "https://schema.org/", "@type": "schema:Course",
        "@id": "https://other.example/kurse/77",
        "schema:name": {"@value": "Töpfern", "@language": "de"},
        "description": [{"@value": "Pottery", "@language": "en"},
                        {"@value": "Töpfern für alle", "@language": "de"}],
        "provider": {"@type": "Organization", "name": "Kunstwerkstatt"},
        "hasCourseInstance": {"@type": "CourseInstance", "startDate": "2027-03-01T18:00:00+01:00",
                              "location": {"@type": "Place", "address": {
                                  "postalCode": "64283", "addressLocality": "Darmstadt"}},
                              "offers": {"@type": "Offer", "price": "45,50"}},
    }
    record = read_offer(data)
    assert (record.angebot_id, record.title, record.description) == (
        "77", "Töpfern", "Töpfern für alle")
    assert record.provider.slug == "Kunstwerkstatt"
    inst = record.instances[0]
    assert inst.start_date == date(2027, 3, 1) and inst.start_time is not None
    assert (inst.price_kind, inst.price) == ("betrag", Decimal("45.50"))
    assert inst.venue is not None and inst.venue.locality == "Darmstadt"


def test_course_instance_with_its_course() -> None:
    record = read_offer({"@type": "CourseInstance", "startDate": "2027-01-10",
                         "instanceOf": {"@type": "Course", "courseCode": "x1", "name": "Yoga",
                                        "provider": {"name": "Verein"}}})
    assert record.angebot_id == "x1" and record.instances[0].start_date == date(2027, 1, 10)


@pytest.mark.parametrize(("data", "reason"), [
    ({"@type": "Event", "name": "x"}, "Kurs"),
    ({"@type": "Course", "courseCode": "1", "provider": {"name": "p"}}, "Titel"),
    ({"@type": "Course", "name": "t", "provider": {"name": "p"}}, "Kennung"),
    ({"@type": "Course", "name": "t", "courseCode": "1"}, "Anbieter"),
    ({"@type": "Course", "name": "t", "courseCode": "1", "provider": {"name": "p"},
      "hasCourseInstance": [{"startDate": "gestern"}]}, "Datum"),
    ({"@type": "Course", "name": "t" * 201, "courseCode": "1", "provider": {"name": "p"}},
     "länger"),
])
def test_unusable_document_names_the_reason_in_german(data: dict[str, object],
                                                      reason: str) -> None:
    with pytest.raises(ReadError) as info:
        read_offer(data)
    assert reason in info.value.reason
