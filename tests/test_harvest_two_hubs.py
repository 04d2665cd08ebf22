"""Issue 15's "done when": two hubs on separate databases, the neighbour (DISTRICT_KEY=06437)
served on a real local port; after one harvest its new, changed and deleted offers are in this
hub's API, search and RPDE feed; a hostile feed is survived with a health entry and nothing
lost; a loopback feed address is refused unless FETCH_ALLOW_HOSTS lists it."""
from __future__ import annotations

import dataclasses
import json
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from bildungsdaten.feeds.jsonld import offer_to_jsonld
from bildungsdaten.hub.db import make_engine
from bildungsdaten.hub.federation.ingest import harvest_source
from bildungsdaten.hub.federation.items import HarvestLimits
from bildungsdaten.hub.sources.models import Source
from bildungsdaten.hub.sources.service import SourceError, add_source, harvest
from bildungsdaten.vocab.records import ProviderRecord, VenueRecord
from tests.feed_data import KVHS, simple_offer, write
from tests.fetch_support import answer, serve
from tests.support import fresh_postgres_database, served_app

ODW = ProviderRecord(slug="vhs-odw", name="VHS Odenwaldkreis", type="vhs",
                     url="https://vhs-odenwald.example")
ERBACH = VenueRecord(venue_name="vhs-Haus", street="Neckarstraße 1", postal_code="64711",
                     locality="Erbach", ags="06437004")


@contextmanager
def neighbour_db(db_url: str, tmp_path: Path, sqlite_template: Path) -> Iterator[str]:
    """A second, migrated database of the same kind as this hub's."""
    if db_url.startswith("sqlite"):
        path = tmp_path / "nachbar.sqlite"
        shutil.copy(sqlite_template, path)
        yield f"sqlite:///{path}"
        return
    from bildungsdaten.hub.migrate import upgrade

    with fresh_postgres_database("nachbar") as url:
        engine = make_engine(url)
        upgrade(engine)
        engine.dispose()
        yield url


@contextmanager
def served_hub(url: str, instance: Path) -> Iterator[tuple[Any, str]]:
    """The neighbour hub (Odenwaldkreis) on a free loopback port; its base URI is that port."""
    from bildungsdaten.hub.app import create_app

    app = create_app({"database_url": url, "instance_path": instance, "secret_key": "nachbar",
                      "hub_base_uri": "http://127.0.0.1:1", "district_key": "06437",
                      "district_name": "Odenwaldkreis", "rpde_page_size": 2})
    try:
        with served_app(app) as base:
            app.extensions["hub"].settings.hub_base_uri = base  # before anyone asks
            yield app, base
    finally:
        app.extensions["hub"].engine.dispose()


@pytest.fixture
def neighbour(db_url: str, tmp_path: Path, request: pytest.FixtureRequest
              ) -> Iterator[tuple[Any, str]]:
    template = request.getfixturevalue("sqlite_template") if db_url.startswith("sqlite") else None
    with neighbour_db(db_url, tmp_path, template) as url, \
            served_hub(url, tmp_path / "nachbar") as hub:
        yield hub


def ids(client: Any, query: str = "") -> list[str]:
    return sorted(i["id"] for i in client.get("/api/v1/offers" + query).get_json()["items"])


def our_rpde(client: Any) -> dict[str, str]:
    items: dict[str, str] = {}
    url = "/feeds/offers/rpde"
    while True:
        page = client.get(url).get_json()
        for item in page["items"]:
            items[item["id"]] = item["state"]
        nxt = page["next"].replace("http://hub.test", "")
        if not page["items"] or nxt == url:
            return items
        url = nxt


def test_neighbours_new_changed_and_deleted_offers_arrive_after_one_harvest(app, client,
                                                                            neighbour):
    nachbar_app, base = neighbour
    nachbar = nachbar_app.extensions["hub"].engine
    hub = app.extensions["hub"]
    hub.settings.fetch_allow_hosts = "127.0.0.1"
    aquarell = simple_offer("a", ODW, title="Aquarellmalen", venue=ERBACH)
    batik = simple_offer("b", ODW, title="Batik für Kinder", venue=ERBACH)
    direct = simple_offer("d", KVHS, title="Erste Hilfe am Kind")
    write(nachbar, [aquarell, batik])
    write(nachbar, [dataclasses.replace(direct, angebot_id="kopie")])  # the same course, there
    write(app.extensions["hub"].engine, [direct])  # … and directly here
    add_source(hub.sessions, hub.settings, "odenwald", base + "/feeds/offers/rpde",
               attribution="Daten: Odenwaldkreis, dl-de/by-2.0")

    first = harvest(hub.sessions, hub.settings, "odenwald")
    assert (first.status, first.counts.created) == ("done", 3), first
    assert ids(client) == ["kvhs/d", "odenwald--vhs-odw/a", "odenwald--vhs-odw/b"]
    assert "odenwald--kvhs/kopie" in our_rpde(client)  # shown once, still in our feed

    write(nachbar, [dataclasses.replace(aquarell, title="Aquarellmalen am Abend"),
                    simple_offer("c", ODW, title="Chorsingen", venue=ERBACH)],
          provider=ODW, replace=True)  # b is gone at the neighbour
    second = harvest(hub.sessions, hub.settings, "odenwald")
    assert (second.status, second.counts.created, second.counts.updated,
            second.counts.deleted) == ("done", 1, 1, 1), second
    assert ids(client) == ["kvhs/d", "odenwald--vhs-odw/a", "odenwald--vhs-odw/c"]
    assert ids(client, "?q=Abend") == ["odenwald--vhs-odw/a"]
    assert ids(client, "?q=Chorsingen") == ["odenwald--vhs-odw/c"]
    assert client.get("/api/v1/offers/odenwald--vhs-odw/b").status_code == 410
    feed = our_rpde(client)
    assert feed["odenwald--vhs-odw/b"] == "deleted"
    assert feed["odenwald--vhs-odw/c"] == feed["odenwald--vhs-odw/a"] == "updated"
    offer = client.get("/api/v1/offers/odenwald--vhs-odw/a").get_json()
    assert offer["source"]["name"] == "odenwald"
    assert offer["source"]["url"] == base + "/offers/vhs-odw/a"
    page = client.get("/offers/odenwald--vhs-odw/a").get_data(as_text=True)
    assert "Daten: Odenwaldkreis, dl-de/by-2.0" in page
    with hub.sessions() as session:
        source = session.execute(sa.select(Source)).scalar_one()
        assert source.last_success_at is not None and source.last_error_code is None
    third = harvest(hub.sessions, hub.settings, "odenwald")  # nothing new: resumes at the end
    assert (third.counts.created, third.counts.updated, third.counts.deleted) == (0, 0, 0)


def rpde_page(base: str, items: list[dict[str, Any]], next_path: str) -> bytes:
    return json.dumps({"next": base + next_path, "items": items,
                       "license": "http://dcat-ap.de/def/licenses/dl-by-de/2.0"}).encode()


def rpde_item(n: int, modified: int, base: str) -> dict[str, Any]:
    record = simple_offer(f"h-{n}", ODW, title=f"Kurs {n}", venue=ERBACH)
    return {"id": record.feed_id, "kind": "Course", "state": "updated", "modified": modified,
            "data": offer_to_jsonld(record, base, base + "/vocab/context.jsonld")}


HOSTILE = ["bad-json", "loop", "backwards", "too-large"]


@pytest.mark.parametrize("trouble", HOSTILE)
def test_hostile_feed_is_survived_with_a_health_entry_and_nothing_lost(app, client, trouble):
    hub = app.extensions["hub"]
    routes: dict[str, Any] = {}
    with serve(routes) as server:
        base = server.base
        good = rpde_page(base, [rpde_item(1, 10, base), rpde_item(2, 20, base)], "/rpde/2")
        bad = {
            "bad-json": b'{"next": "' + base.encode() + b'/rpde/3", "items": [',
            "loop": rpde_page(base, [rpde_item(3, 30, base)], "/rpde/2"),
            "backwards": rpde_page(base, [rpde_item(3, 5, base)], "/rpde/3"),
            "too-large": rpde_page(base, [rpde_item(n, 30 + n, base) for n in range(3, 200)],
                                   "/rpde/3"),
        }[trouble]
        routes["/rpde"] = answer(good, content_type="application/json")
        routes["/rpde/2"] = answer(bad, content_type="application/json")
        hub.settings.fetch_allow_hosts = "127.0.0.1"
        add_source(hub.sessions, hub.settings, "feindlich", base + "/rpde")
        from bildungsdaten.hub.federation.rpde_client import walk

        outcome = harvest_source(hub.sessions, "feindlich", walk, base_uri="http://hub.test",
                                 allow_hosts="127.0.0.1",
                                 limits=HarvestLimits(max_page_bytes=64 * 1024, max_seconds=30))
    assert outcome.status == "failed", outcome
    assert outcome.error_code and outcome.error_message
    with hub.sessions() as session:
        source = session.execute(sa.select(Source)).scalar_one()
    assert source.last_success_at is None  # never "success, 0 changes"
    assert source.last_error_code == outcome.error_code
    assert any(ch in source.last_error_message for ch in "äöüß ")  # German words, not a trace
    assert source.next_url == base + "/rpde/2"  # the good page is in; the next run starts here
    assert ids(client) == ["feindlich--vhs-odw/h-1", "feindlich--vhs-odw/h-2"]


def test_sources_add_refuses_loopback_unless_allowed(app):
    hub = app.extensions["hub"]
    hub.settings.fetch_allow_hosts = ""
    with pytest.raises(SourceError) as refused:
        add_source(hub.sessions, hub.settings, "lokal", "http://127.0.0.1:8000/feeds/offers/rpde")
    assert "Loopback" in refused.value.message
    with pytest.raises(SourceError):
        add_source(hub.sessions, hub.settings, "intern", "http://192.168.0.10/feeds/offers/rpde")
    hub.settings.fetch_allow_hosts = "127.0.0.1"
    add_source(hub.sessions, hub.settings, "lokal", "http://127.0.0.1:8000/feeds/offers/rpde")
    with hub.sessions() as session:
        assert session.execute(sa.select(Source.name)).scalars().all() == ["lokal"]


def test_harvest_limits_come_from_the_settings(app, client, neighbour):
    """HARVEST_MAX_PAGES ends a run after that many pages as "partial" and the next run goes
    on from there; HARVEST_MAX_ITEMS_PER_PAGE refuses a longer page with a health entry."""
    nachbar_app, base = neighbour
    hub = app.extensions["hub"]
    hub.settings.fetch_allow_hosts = "127.0.0.1"
    write(nachbar_app.extensions["hub"].engine,
          [simple_offer(k, ODW, title=f"Kurs {k}", venue=ERBACH) for k in "abc"])  # pages of 2
    add_source(hub.sessions, hub.settings, "odenwald", base + "/feeds/offers/rpde")

    hub.settings.harvest_max_items_per_page = 1
    refused = harvest(hub.sessions, hub.settings, "odenwald")
    assert (refused.status, refused.error_code, refused.counts.created) == (
        "failed", "too-many-items", 0), refused
    hub.settings.harvest_max_items_per_page = 5_000
    hub.settings.harvest_max_pages = 1
    runs = [harvest(hub.sessions, hub.settings, "odenwald") for _ in range(3)]
    assert [(r.status, r.counts.created) for r in runs] == [
        ("partial", 2), ("partial", 1), ("done", 0)], runs
    assert runs[0].error_code == "page-limit"
    assert ids(client) == ["odenwald--vhs-odw/a", "odenwald--vhs-odw/b", "odenwald--vhs-odw/c"]
