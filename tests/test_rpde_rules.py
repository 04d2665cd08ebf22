"""The RPDE change feed follows ../shared/standards/rpde.md, one rule per test."""
from __future__ import annotations

import gzip
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa

from bildungsdaten.feeds.rpde import Cursor
from bildungsdaten.hub.db import begin_write, make_sessionmaker, transaction
from bildungsdaten.hub.models import Offer, Provider
from bildungsdaten.hub.offers.documents import RenderTarget
from bildungsdaten.hub.offers.queries import rpde_query
from bildungsdaten.hub.offers.store import restamp_provider_offers, tombstone_offers
from tests.feed_data import HEPPENHEIM, KVHS, simple_offer, write

FEED = "/feeds/offers/rpde"


def _local(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + ("?" + parts.query if parts.query else "")


def _walk(client, start: str = FEED) -> list[dict]:
    """Follow `next` until the empty last page; every item in feed order."""
    items: list[dict] = []
    url = start
    for _ in range(1000):
        page = client.get(url).get_json()
        if not page["items"]:
            return items
        items.extend(page["items"])
        url = _local(page["next"])
    raise AssertionError("feed never ended")


@pytest.fixture
def small_pages(app):
    app.extensions["hub"].settings.rpde_page_size = 2
    return app


def _stamps(engine) -> dict[str, int]:
    with engine.connect() as conn:
        return dict(conn.execute(sa.select(Offer.feed_id, Offer.modified)).all())


def test_cursor_is_strictly_greater_never_greater_or_equal(client, engine):
    write(engine, [simple_offer("A"), simple_offer("B"), simple_offer("C")])
    # Give two offers the same stamp so the id tie-break decides.
    with engine.begin() as conn:
        conn.execute(sa.update(Offer).values(modified=1000))
    page = client.get(f"{FEED}?afterTimestamp=1000&afterId=kvhs/B").get_json()
    assert [i["id"] for i in page["items"]] == ["kvhs/C"]
    page = client.get(f"{FEED}?afterTimestamp=999&afterId=zzz").get_json()
    assert [i["id"] for i in page["items"]] == ["kvhs/A", "kvhs/B", "kvhs/C"]
    assert client.get(f"{FEED}?afterTimestamp=1000&afterId=kvhs/C").get_json()["items"] == []


def test_last_page_is_empty_and_points_to_itself(client, engine):
    write(engine, [simple_offer("A")])
    first = client.get(FEED).get_json()
    last_url = first["next"]
    last = client.get(_local(last_url)).get_json()
    assert last["items"] == []
    assert last["next"] == last_url


def test_empty_feed_points_to_its_start(client):
    page = client.get(FEED).get_json()
    assert page == {"next": "http://hub.test/feeds/offers/rpde", "items": [],
                    "license": "http://dcat-ap.de/def/licenses/dl-by-de/2.0"}


def test_deleted_offer_is_a_tombstone_without_data(client, engine):
    write(engine, [simple_offer("A"), simple_offer("B")])
    with transaction(make_sessionmaker(engine)) as session:
        begin_write(session)
        tombstone_offers(session, [session.scalar(sa.select(Offer.id).where(
            Offer.feed_id == "kvhs/A"))])
    items = {i["id"]: i for i in _walk(client)}
    assert items["kvhs/A"] == {"state": "deleted", "kind": "Course", "id": "kvhs/A",
                               "modified": _stamps(engine)["kvhs/A"]}
    assert items["kvhs/B"]["state"] == "updated"
    assert items["kvhs/B"]["data"]["@type"] == "Course"
    assert items["kvhs/B"]["data"]["@context"] == "http://hub.test/vocab/context.jsonld"


def test_cache_headers_long_on_full_pages_short_on_last_page(client, engine):
    write(engine, [simple_offer("A")])
    full = client.get(FEED)
    assert full.headers["Cache-Control"] == "public, max-age=3600"
    last = client.get(_local(full.get_json()["next"]))
    assert last.headers["Cache-Control"] == "public, max-age=8"
    for resp in (full, last):
        assert resp.mimetype == "application/json"
        assert "Set-Cookie" not in resp.headers
        assert resp.headers["Access-Control-Allow-Origin"] == "*"


def test_next_is_absolute_from_hub_base_uri_not_request_host(client, engine):
    write(engine, [simple_offer("A")])
    page = client.get(FEED, base_url="http://evil.example:9999").get_json()
    assert page["next"].startswith("http://hub.test/feeds/offers/rpde?afterTimestamp=")
    assert page["next"].endswith("&afterId=kvhs%2FA")


def test_no_item_twice_within_one_walk(client, engine, small_pages):
    write(engine, [simple_offer(f"K-{n:02}") for n in range(9)])
    ids = [i["id"] for i in _walk(client)]
    assert len(ids) == 9 == len(set(ids))


def test_changed_item_moves_to_the_end_and_appears_once_more(client, engine, small_pages):
    write(engine, [simple_offer(f"K-{n}") for n in range(4)])
    page = client.get(FEED).get_json()
    assert [i["id"] for i in page["items"]] == ["kvhs/K-0", "kvhs/K-1"]
    write(engine, [simple_offer("K-0", title="geändert")])
    rest = _walk(client, _local(page["next"]))
    assert [i["id"] for i in rest] == ["kvhs/K-2", "kvhs/K-3", "kvhs/K-0"]
    assert rest[-1]["data"]["name"] == "geändert"


def test_modified_grows_on_instance_venue_and_provider_name_changes(client, engine):
    write(engine, [simple_offer("A")])
    seen = [_stamps(engine)["kvhs/A"]]
    changed_instance = simple_offer("A", price="11.00")
    write(engine, [changed_instance])
    seen.append(_stamps(engine)["kvhs/A"])
    moved = simple_offer("A", price="11.00", venue=HEPPENHEIM.__class__(
        **{**HEPPENHEIM.__dict__, "street": "Neue Straße 2"}))
    write(engine, [moved])
    seen.append(_stamps(engine)["kvhs/A"])
    with transaction(make_sessionmaker(engine)) as session:
        begin_write(session)
        provider = session.scalar(sa.select(Provider).where(Provider.slug == KVHS.slug))
        provider.name = "Kreisvolkshochschule Bergstraße (neu)"
        restamp_provider_offers(session, provider.id)
    seen.append(_stamps(engine)["kvhs/A"])
    assert seen == sorted(set(seen))
    item = _walk(client)[-1]
    assert item["modified"] == seen[-1]
    assert item["data"]["provider"]["name"] == "Kreisvolkshochschule Bergstraße (neu)"


def test_unchanged_redelivery_changes_nothing(client, engine):
    write(engine, [simple_offer("A")])
    before = _stamps(engine)
    write(engine, [simple_offer("A")])
    assert _stamps(engine) == before


@pytest.mark.parametrize("query, parameter", [
    ("afterTimestamp=abc&afterId=kvhs/A", "afterTimestamp"),
    ("afterTimestamp=-5&afterId=kvhs/A", "afterTimestamp"),
    ("afterTimestamp=99999999999999999999&afterId=kvhs/A", "afterTimestamp"),
    ("afterTimestamp=5", "afterId"),
    ("afterId=kvhs/A", "afterTimestamp"),
    ("afterTimestamp=5&afterId=", "afterId"),
    ("afterTimestamp=5&afterId=kvhs/A&limit=10", "limit"),
])
def test_malformed_cursor_is_400_naming_the_parameter(client, query, parameter):
    resp = client.get(f"{FEED}?{query}")
    assert resp.status_code == 400
    assert resp.mimetype == "application/problem+json"
    assert resp.get_json()["parameter"] == parameter


def test_largest_cursor_is_a_last_page_not_an_error(client, engine):
    write(engine, [simple_offer("A")])
    resp = client.get(f"{FEED}?afterTimestamp={2**63 - 1}&afterId=kvhs/A")
    assert resp.status_code == 200
    assert resp.get_json()["items"] == []


def test_page_etag_gives_304_until_the_page_changes(client, engine):
    write(engine, [simple_offer("A")])
    first = client.get(FEED)
    tag = first.headers["ETag"]
    assert first.headers["Last-Modified"]
    assert client.get(FEED, headers={"If-None-Match": tag}).status_code == 304
    write(engine, [simple_offer("B")])
    assert client.get(FEED, headers={"If-None-Match": tag}).status_code == 200


def test_page_is_gzipped_when_asked(client, engine):
    write(engine, [simple_offer("A")])
    plain = client.get(FEED)
    zipped = client.get(FEED, headers={"Accept-Encoding": "gzip, deflate"})
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(zipped.data) == plain.data


def test_head_on_a_page(client, engine):
    write(engine, [simple_offer("A")])
    resp = client.head(FEED)
    assert (resp.status_code, resp.data) == (200, b"")
    assert resp.headers["Cache-Control"] == "public, max-age=3600"


@pytest.mark.parametrize("documents", [False, True], ids=["offers", "with-documents"])
def test_page_query_runs_on_the_keyset_index(engine, documents):
    """The page query is served in order by ix_offers_modified_feed_id: no sort, no OFFSET,
    also with the stored documents joined."""
    query = rpde_query(Cursor(5, "a/b"), 500, RenderTarget("http://hub.test", "l").version if documents
                       else None)
    sql = str(query.compile(engine, compile_kwargs={"literal_binds": True}))
    assert "OFFSET" not in sql.upper().replace("OFFSET 0", "")  # SQLite prints OFFSET 0
    with engine.begin() as conn:
        if engine.dialect.name == "sqlite":
            plan = " ".join(str(r) for r in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + sql))
            assert "TEMP B-TREE" not in plan
        else:
            # An empty table would be scanned sequentially; show the index serves the order.
            conn.exec_driver_sql("SET LOCAL enable_seqscan = off")
            conn.exec_driver_sql("SET LOCAL enable_bitmapscan = off")
            plan = " ".join(r[0] for r in conn.exec_driver_sql("EXPLAIN " + sql))
            assert "Sort" not in plan
    assert "ix_offers_modified_feed_id" in plan


def test_a_cached_page_shows_a_later_change_of_its_items(client, engine, small_pages):
    write(engine, [simple_offer(f"K-{n}") for n in range(3)])
    before = client.get(FEED).get_json()
    write(engine, [simple_offer("K-0", title="geändert")])
    after = client.get(FEED).get_json()
    assert [i["id"] for i in before["items"]] == ["kvhs/K-0", "kvhs/K-1"]
    assert [i["id"] for i in after["items"]] == ["kvhs/K-1", "kvhs/K-2"]


def test_a_cached_page_drops_purged_tombstones(app, client, engine):
    from datetime import timedelta

    from bildungsdaten.hub.models import utcnow
    from bildungsdaten.hub.offers.expiry import purge_tombstones

    write(engine, [simple_offer("A"), simple_offer("B")])
    with transaction(make_sessionmaker(engine)) as session:
        begin_write(session)
        tombstone_offers(session, [session.scalar(sa.select(Offer.id).where(
            Offer.feed_id == "kvhs/A"))])
    assert [i["id"] for i in client.get(FEED).get_json()["items"]] == ["kvhs/B", "kvhs/A"]
    settings = app.extensions["hub"].settings
    with transaction(make_sessionmaker(engine)) as session:
        begin_write(session)
        assert purge_tombstones(session, settings,
                                now=utcnow() + timedelta(days=settings.tombstone_days + 1)) == 1
    assert [i["id"] for i in client.get(FEED).get_json()["items"]] == ["kvhs/B"]
