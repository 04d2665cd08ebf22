"""The ingest side of harvesting (hub.federation.ingest): pages as the RPDE client hands them
over become offers of this hub through the one write path, with provenance, namespaced ids,
tombstones, deduplication against direct offers, and the source's health."""
from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from typing import Any

import rdflib
import sqlalchemy as sa

from bildungsdaten.feeds.jsonld import offer_to_jsonld
from bildungsdaten.hub.federation.items import HarvestError, HarvestItem, HarvestPage, SkippedItem
from bildungsdaten.hub.sources.models import Source
from bildungsdaten.hub.sources.service import add_source, harvest, remove_source
from bildungsdaten.vocab.records import OfferRecord, ProviderRecord
from tests.feed_data import KVHS, simple_offer, write

NEIGHBOUR = "https://odenwald.example"
FEED = NEIGHBOUR + "/feeds/offers/rpde"
ODW = ProviderRecord(slug="vhs-odw", name="VHS Odenwaldkreis", type="vhs",
                     url="https://vhs-odenwald.example")


def item(record: OfferRecord, modified: int, base: str = NEIGHBOUR) -> HarvestItem:
    return HarvestItem(item_id=record.feed_id, state="updated", modified=modified,
                       data=offer_to_jsonld(record, base, base + "/vocab/context.jsonld"))


def gone(record: OfferRecord, modified: int) -> HarvestItem:
    return HarvestItem(item_id=record.feed_id, state="deleted", modified=modified)


def pages(*batches: list[HarvestItem], feed: str = FEED, fail: HarvestError | None = None
          ) -> Any:
    """A walk over these batches (page n's next is page n+1; an empty last page ends it), as
    the RPDE client yields them; `fail` is raised after the batches instead of the last page."""
    def walk(start: str, **_: Any) -> Iterator[HarvestPage]:
        urls = [f"{feed}?p={n}" for n in range(len(batches) + 1)]
        for n, batch in enumerate(batches):
            yield HarvestPage(url=urls[n], next_url=urls[n + 1], items=tuple(batch))
        if fail is not None:
            raise fail
        yield HarvestPage(url=urls[-1], next_url=urls[-1], items=())
    return walk


def setup(app: Any, name: str = "odenwald", **kw: Any) -> tuple[Any, Any]:
    hub = app.extensions["hub"]
    add_source(hub.sessions, hub.settings, name, FEED.replace("odenwald", name),
               attribution=kw.get("attribution", "Daten: Odenwaldkreis, dl-de/by-2.0"),
               licence="http://dcat-ap.de/def/licenses/dl-by-de/2.0")
    return hub.sessions, hub.settings


def source_row(app: Any, name: str = "odenwald") -> Source:
    with app.extensions["hub"].sessions() as session:
        return session.execute(sa.select(Source).where(Source.name == name)).scalar_one()


def api_items(client: Any, query: str = "") -> list[dict[str, Any]]:
    return client.get("/api/v1/offers" + query).get_json()["items"]


def rpde_ids(client: Any) -> dict[str, str]:
    body = client.get("/feeds/offers/rpde").get_json()
    return {i["id"]: i["state"] for i in body["items"]}


def test_items_become_offers_with_namespaced_ids_and_provenance(app, client):
    sessions, settings = setup(app)
    kurs = simple_offer("k-1", ODW, title="Töpfern am Abend")
    outcome = harvest(sessions, settings, "odenwald", pages([item(kurs, 100)]))
    assert (outcome.status, outcome.counts.created) == ("done", 1)
    [offer] = api_items(client)
    assert offer["id"] == "odenwald--vhs-odw/k-1"
    assert offer["source"] == {"name": "odenwald", "url": NEIGHBOUR + "/offers/vhs-odw/k-1",
                               "item_id": "vhs-odw/k-1", "modified": 100}
    assert api_items(client, "?q=Töpfern")[0]["id"] == "odenwald--vhs-odw/k-1"
    assert rpde_ids(client) == {"odenwald--vhs-odw/k-1": "updated"}
    health = source_row(app)
    assert health.last_success_at is not None and health.last_error_code is None
    assert health.next_url == FEED + "?p=1" and health.items_seen == 1


def test_jsonld_and_csv_carry_the_origin(app, client):
    sessions, settings = setup(app)
    harvest(sessions, settings, "odenwald", pages([item(simple_offer("k-1", ODW), 5)]))
    page = client.get("/offers/odenwald--vhs-odw/k-1", headers={"Accept": "application/ld+json"})
    doc = json.loads(page.get_data())
    doc["@context"] = client.get("/vocab/context.jsonld").get_json()["@context"]  # offline
    graph = rdflib.Graph().parse(data=json.dumps(doc), format="json-ld")
    original = rdflib.URIRef(NEIGHBOUR + "/offers/vhs-odw/k-1")
    prov = rdflib.Namespace("http://www.w3.org/ns/prov#")
    schema = rdflib.Namespace("https://schema.org/")
    assert (None, prov.wasDerivedFrom, original) in graph, doc
    assert (None, schema.isBasedOn, original) in graph
    csv = client.get("/feeds/offers.csv").get_data(as_text=True).splitlines()
    header = csv[0].lstrip("\ufeff").split(";")
    assert csv[1].split(";")[header.index("herkunft")] == str(original)


def test_changed_and_deleted_items_follow_and_repeats_change_nothing(app, client):
    sessions, settings = setup(app)
    a, b = simple_offer("a", ODW, title="Aquarell"), simple_offer("b", ODW, title="Batik")
    harvest(sessions, settings, "odenwald", pages([item(a, 1), item(b, 2)]))
    stamps = {i["id"]: i["modified"] for i in api_items(client)}
    changed = dataclasses.replace(a, title="Aquarell für Fortgeschrittene")
    outcome = harvest(sessions, settings, "odenwald",
                      pages([item(changed, 3), gone(b, 4)]))
    assert (outcome.counts.updated, outcome.counts.deleted) == (1, 1)
    assert [i["title"] for i in api_items(client)] == ["Aquarell für Fortgeschrittene"]
    assert rpde_ids(client) == {"odenwald--vhs-odw/a": "updated", "odenwald--vhs-odw/b": "deleted"}
    assert client.get("/api/v1/offers/odenwald--vhs-odw/b").status_code == 410
    after_change = {i["id"]: i["modified"] for i in api_items(client)}
    assert after_change["odenwald--vhs-odw/a"] > stamps["odenwald--vhs-odw/a"]
    again = harvest(sessions, settings, "odenwald", pages([item(changed, 3)]))
    assert (again.counts.unchanged, again.counts.updated) == (1, 0)
    assert {i["id"]: i["modified"] for i in api_items(client)} == after_change


def test_items_that_make_another_offer_now_move_their_provenance(app, client):
    """An item whose provider changed at the source tombstones the offer it made; an offer
    that another item makes now (the old item deleted in the same page) stays live, linked to
    the new item; a third item taking over an offer leaves its old item unlinked."""
    sessions, settings = setup(app)
    other = dataclasses.replace(ODW, slug="vhs-neu", name="VHS Neu")
    a, b, c = (simple_offer(k, ODW, title=t) for k, t in
               (("a", "Aquarell"), ("b", "Batik"), ("c", "Collage")))

    def as_item(record: OfferRecord, item_id: str, modified: int) -> HarvestItem:
        return dataclasses.replace(item(record, modified), item_id=item_id)

    harvest(sessions, settings, "odenwald",
            pages([as_item(a, "x", 1), as_item(b, "y", 2), as_item(c, "w", 3)]))
    outcome = harvest(sessions, settings, "odenwald", pages([
        as_item(dataclasses.replace(a, provider=other), "x", 4),
        dataclasses.replace(gone(b, 5), item_id="y"), as_item(b, "z", 6),
        as_item(c, "v", 7)]))
    assert (outcome.status, outcome.counts.deleted) == ("done", 0)
    live = {i["id"]: i["source"]["item_id"] for i in api_items(client)}
    assert live == {"odenwald--vhs-neu/a": "x", "odenwald--vhs-odw/b": "z",
                    "odenwald--vhs-odw/c": "v"}
    assert rpde_ids(client)["odenwald--vhs-odw/a"] == "deleted"
    with sessions() as session:
        items = session.execute(sa.text("SELECT item_id FROM offer_sources")).scalars()
        assert sorted(items) == ["v", "x", "z"]
    # the item that lost its offer to another item, deleted later, deletes nothing
    again = harvest(sessions, settings, "odenwald", pages([
        dataclasses.replace(gone(c, 8), item_id="w")]))
    assert again.counts.deleted == 0
    assert "odenwald--vhs-odw/c" in {i["id"] for i in api_items(client)}


def test_two_sources_with_the_same_ids_do_not_collide(app, client):
    sessions, settings = setup(app)
    setup(app, "darmstadt")
    same = simple_offer("k-1", ODW, title="Gleiche Kennung")
    harvest(sessions, settings, "odenwald", pages([item(same, 1)]))
    harvest(sessions, settings, "darmstadt", pages([item(same, 1)]))
    assert sorted(i["id"] for i in api_items(client)) == ["darmstadt--vhs-odw/k-1",
                                                          "odenwald--vhs-odw/k-1"]


def test_failed_run_keeps_pages_before_and_resumes_there(app, client):
    sessions, settings = setup(app)
    first = simple_offer("k-1", ODW)
    broken = HarvestError("bad-json", "Die Seite ist kein gültiges JSON.", FEED + "?p=1")
    outcome = harvest(sessions, settings, "odenwald", pages([item(first, 1)], fail=broken))
    assert (outcome.status, outcome.counts.created) == ("failed", 1)
    health = source_row(app)
    assert health.last_success_at is None  # never "success, 0 changes" for a broken feed
    assert (health.last_error_code, health.last_error_message) == (
        "bad-json", "Die Seite ist kein gültiges JSON.")
    assert health.next_url == FEED + "?p=1"  # the page written: resume after it
    assert [i["id"] for i in api_items(client)] == ["odenwald--vhs-odw/k-1"]
    seen: list[str] = []

    def resume(start: str, **kw: Any) -> Iterator[HarvestPage]:
        # noted when the run asks for its pages (they may be read in a forked helper)
        seen.append(start)
        return iter([HarvestPage(url=start, next_url=start, items=())])
    assert harvest(sessions, settings, "odenwald", resume).status == "done"
    assert seen == [FEED + "?p=1"] and source_row(app).last_error_code is None


def test_skipped_items_are_recorded_in_german_and_the_rest_is_kept(app, client):
    sessions, settings = setup(app)

    def walk(start: str, **kw: Any) -> Iterator[HarvestPage]:
        yield HarvestPage(url=FEED, next_url=FEED + "?p=1",
                          items=(item(simple_offer("ok", ODW), 1),
                                 HarvestItem("leer", "updated", 2, data={"@type": "Course"})),
                          skipped=(SkippedItem(3, "Eintrag ohne id."),))
        yield HarvestPage(url=FEED + "?p=1", next_url=FEED + "?p=1", items=())
    outcome = harvest(sessions, settings, "odenwald", walk)
    assert (outcome.status, outcome.counts.skipped, outcome.counts.created) == (
        "done-errors", 2, 1)
    health = source_row(app)
    assert health.last_error_code == "skipped-items"
    assert "keinen Titel" in health.last_error_message and "ohne id" in health.last_error_message
    assert health.last_success_at is not None


def test_our_own_offers_coming_back_are_not_copied(app, client):
    sessions, settings = setup(app)
    ours = simple_offer("eigen", KVHS)
    echoed = offer_to_jsonld(dataclasses.replace(ours, provider=dataclasses.replace(
        KVHS, slug="bergstrasse--kvhs")), NEIGHBOUR, None)
    echoed["isBasedOn"] = "http://hub.test/offers/kvhs/eigen"
    outcome = harvest(sessions, settings, "odenwald", pages([
        HarvestItem("bergstrasse--kvhs/eigen", "updated", 1, data=echoed)]))
    assert (outcome.counts.own, outcome.counts.created) == (1, 0)


def test_same_course_direct_and_harvested_is_shown_once_preferring_the_direct(app, client, engine):
    sessions, settings = setup(app)
    direct = simple_offer("d-1", KVHS, title="Erste Hilfe am Kind")
    write(engine, [direct])
    copy = dataclasses.replace(direct, angebot_id="n-9")  # the neighbour's own id for it
    other = simple_offer("n-10", KVHS, title="Erste Hilfe am Kind",
                         start=direct.instances[0].start_date.replace(day=1)
                         if direct.instances[0].start_date.day != 1
                         else direct.instances[0].start_date.replace(day=2))
    harvest(sessions, settings, "odenwald", pages([item(copy, 1), item(other, 2)]))
    shown = sorted(i["id"] for i in api_items(client))
    assert shown == ["kvhs/d-1", "odenwald--kvhs/n-10"]  # the copy is hidden, not the other date
    assert "odenwald--kvhs/n-9" in rpde_ids(client)  # our feed still carries it
    write(engine, [], provider=KVHS, replace=True)  # the direct one is withdrawn
    assert sorted(i["id"] for i in api_items(client)) == ["odenwald--kvhs/n-10",
                                                          "odenwald--kvhs/n-9"]


def test_removing_a_source_withdraws_its_offers(app, client):
    sessions, settings = setup(app)
    harvest(sessions, settings, "odenwald", pages([item(simple_offer("k-1", ODW), 1)]))
    assert remove_source(sessions, "odenwald") == 1
    assert api_items(client) == []
    assert rpde_ids(client) == {"odenwald--vhs-odw/k-1": "deleted"}
