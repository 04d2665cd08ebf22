"""Stored JSON-LD documents (hub.offers.documents): rendered once, served byte for byte, never
stale, and kept apart from the change clock."""
from __future__ import annotations

import threading
import time
from typing import Any

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from bildungsdaten.feeds.jsonld import dumps, offer_document, offer_to_jsonld, with_context
from bildungsdaten.hub.db import begin_write, make_engine, make_sessionmaker, transaction
from bildungsdaten.hub.jobs.scheduler import run_job
from bildungsdaten.hub.models import Offer
from bildungsdaten.hub.offers.documents import (
    RenderedDocument,
    RenderTarget,
    documents_t,
    store_documents,
)
from bildungsdaten.hub.offers.queries import feed_version, prerender_documents
from bildungsdaten.hub.offers.store import tombstone_offers
from bildungsdaten.hub.settings import Settings
from tests.feed_data import sample_offer, simple_offer, write

BASE = "http://hub.test"
TARGET = RenderTarget(BASE, Settings.default_licence)  # what the `app` fixture renders for
CTX = "http://hub.test/vocab/context.jsonld"
JSONLD = {"Accept": "application/ld+json"}
REQUESTS = [("/feeds/offers/rpde", {}), ("/feeds/offers.jsonld", {}),
            ("/offers/kvhs/25H-10102", JSONLD), ("/offers/kvhs/25H-10102", {})]


@pytest.fixture
def no_page_cache(app: Any) -> Any:
    app.config["RPDE_PAGE_CACHE"] = False  # every RPDE request builds its page
    return app


@pytest.fixture
def offers(engine: sa.engine.Engine) -> None:
    write(engine, [sample_offer(), simple_offer("K-2"), simple_offer("K-3")])


def _documents(engine: sa.engine.Engine) -> dict[str, tuple[int, str, str]]:
    """feed_id -> (modified, render_version, jsonld) of every stored document."""
    with engine.connect() as conn:
        return {r[0]: (r[1], r[2], r[3]) for r in conn.execute(
            sa.select(Offer.feed_id, documents_t.c.modified, documents_t.c.render_version,
                      documents_t.c.jsonld).join(Offer, Offer.id == documents_t.c.offer_id))}


def _modified(engine: sa.engine.Engine) -> dict[str, int]:
    with engine.connect() as conn:
        return dict(conn.execute(sa.select(Offer.feed_id, Offer.modified)).all())


def test_stored_text_with_context_equals_rendering_with_context() -> None:
    record = sample_offer()
    assert with_context(offer_document(record, BASE), CTX) == \
        dumps(offer_to_jsonld(record, BASE, CTX))
    assert with_context(offer_document(record, BASE), None) == \
        dumps(offer_to_jsonld(record, BASE, None))


@pytest.mark.parametrize("path, headers", REQUESTS)
def test_cache_miss_and_hit_give_identical_bytes(client, engine, offers, no_page_cache,
                                                 path, headers):
    assert _documents(engine) == {}
    miss = client.get(path, headers=headers)
    body = miss.data  # a streamed snapshot renders while it is read
    assert miss.status_code == 200
    assert _documents(engine)  # the miss stored what it rendered
    assert client.get(path, headers=headers).data == body


def test_rpde_page_from_prerendered_documents_equals_a_fresh_render(app, engine, offers,
                                                                     no_page_cache):
    fresh = app.test_client().get("/feeds/offers/rpde").data
    with engine.begin() as conn:
        conn.execute(documents_t.delete())
    assert prerender_documents(engine, TARGET) == 3
    assert app.test_client().get("/feeds/offers/rpde").data == fresh


def test_a_valid_stored_document_is_served_as_stored(client, engine, offers, no_page_cache):
    prerender_documents(engine, TARGET)
    with engine.begin() as conn:  # proves the text comes from the table, not a new render
        conn.execute(documents_t.update().values(
            jsonld=sa.func.replace(documents_t.c.jsonld, '"Kurs"', '"Aus dem Speicher"')))
    page = client.get("/feeds/offers/rpde").get_json()
    assert {i["data"]["name"] for i in page["items"]} >= {"Aus dem Speicher"}


def test_a_changed_offer_is_rendered_again_not_served_stale(client, engine, offers,
                                                            no_page_cache):
    prerender_documents(engine, TARGET)
    write(engine, [simple_offer("K-2", title="Neuer Titel")])
    items = {i["id"]: i for i in client.get("/feeds/offers/rpde").get_json()["items"]}
    assert items["kvhs/K-2"]["data"]["name"] == "Neuer Titel"
    assert client.get("/offers/kvhs/K-2", headers=JSONLD).get_json()["name"] == "Neuer Titel"
    assert _documents(engine)["kvhs/K-2"][0] == _modified(engine)["kvhs/K-2"]


def test_a_new_hub_base_uri_invalidates_the_documents(db_url, engine, offers, tmp_path):
    from bildungsdaten.hub.app import create_app

    prerender_documents(engine, TARGET)
    other = create_app({"database_url": db_url, "instance_path": tmp_path / "other",
                        "hub_base_uri": "https://bildung.example", "secret_key": "x"})
    try:
        other.config["RPDE_PAGE_CACHE"] = False
        items = other.test_client().get("/feeds/offers/rpde").get_json()["items"]
    finally:
        other.extensions["hub"].engine.dispose()
    assert {i["data"]["@id"].split("/offers/")[0] for i in items} == {"https://bildung.example"}
    assert {v for _, v, _ in _documents(engine).values()} == \
        {RenderTarget("https://bildung.example", Settings.default_licence).version}
    assert RenderTarget("https://bildung.example", Settings.default_licence).version != TARGET.version


def test_storing_documents_moves_neither_the_clock_nor_modified(app, client, engine, offers):
    with make_sessionmaker(engine)() as session:
        clock = feed_version(session)
    stamps = _modified(engine)
    client.get("/feeds/offers.jsonld")
    prerender_documents(engine, TARGET, everything=True)
    assert len(_documents(engine)) == 3
    with make_sessionmaker(engine)() as session:
        assert feed_version(session) == clock
    assert _modified(engine) == stamps


def test_render_job_fills_the_cache_once(app, engine, offers):
    assert run_job(app, "render-offer-documents") == 3
    assert set(_documents(engine)) == {"kvhs/25H-10102", "kvhs/K-2", "kvhs/K-3"}
    assert run_job(app, "render-offer-documents") == 0  # nothing missing or stale


def test_render_job_drops_documents_of_tombstones(app, engine, offers):
    run_job(app, "render-offer-documents")
    with transaction(make_sessionmaker(engine)) as session:
        begin_write(session)
        tombstone_offers(session, [session.scalar(sa.select(Offer.id).where(
            Offer.feed_id == "kvhs/K-3"))])
    assert run_job(app, "render-offer-documents") == 0
    assert set(_documents(engine)) == {"kvhs/25H-10102", "kvhs/K-2"}


def test_render_command_fills_the_cache(db_url, engine, offers, tmp_path, monkeypatch):
    from bildungsdaten.hub.cli import main

    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("HUB_BASE_URI", BASE)
    result = CliRunner().invoke(main, ["feeds", "render"])
    assert result.exit_code == 0, result.output
    assert "3 JSON-LD-Dokumente erzeugt" in result.output
    assert {v for _, v, _ in _documents(engine).values()} == {TARGET.version}
    again = CliRunner().invoke(main, ["feeds", "render"])
    assert "0 JSON-LD-Dokumente erzeugt" in again.output
    everything = CliRunner().invoke(main, ["feeds", "render", "--all"])
    assert "3 JSON-LD-Dokumente erzeugt" in everything.output


def test_an_older_render_never_replaces_a_newer_document(engine, offers):
    modified = _modified(engine)["kvhs/25H-10102"]
    with engine.connect() as conn:
        oid = conn.scalar(sa.select(Offer.id).where(Offer.feed_id == "kvhs/25H-10102"))
    version = TARGET.version
    store_documents(engine, [RenderedDocument(oid, modified, '{"neu":1}')], version)
    store_documents(engine, [RenderedDocument(oid, modified - 1, '{"alt":1}')], version)
    assert _documents(engine)["kvhs/25H-10102"][::2] == (modified, '{"neu":1}')


def test_documents_of_vanished_offers_are_left_out(engine, offers):
    with engine.connect() as conn:
        oid = conn.scalar(sa.select(Offer.id).where(Offer.feed_id == "kvhs/K-2"))
    docs = [RenderedDocument(oid, 1, "{}"), RenderedDocument(10_000, 1, "{}")]
    assert store_documents(engine, docs, TARGET.version, lock_wait_ms=None) == 1
    assert store_documents(engine, docs, TARGET.version) == 1


def test_concurrent_upserts_of_the_same_documents(engine, offers):
    with engine.connect() as conn:
        ids = list(conn.execute(sa.select(Offer.id, Offer.modified)).all())
    version = TARGET.version
    errors: list[BaseException] = []

    def upsert(n: int) -> None:
        docs = [RenderedDocument(oid, modified, f'{{"n":{n}}}') for oid, modified in ids]
        try:
            for _ in range(10):
                store_documents(engine, docs, version, lock_wait_ms=None)
        except BaseException as exc:  # noqa: BLE001 (reported by the test thread)
            errors.append(exc)

    threads = [threading.Thread(target=upsert, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(_documents(engine)) == 3


def test_a_busy_database_does_not_stall_a_page(client, engine, offers, no_page_cache):
    """While another transaction holds the lock (an import), a page is built and served
    without waiting for it; its documents are stored by a later request."""
    blocker = engine.connect()
    tx = blocker.begin()
    if engine.dialect.name == "sqlite":
        blocker.exec_driver_sql("UPDATE feed_clock SET last = last WHERE id = 0")  # write lock
    else:
        blocker.exec_driver_sql("LOCK TABLE offer_documents IN EXCLUSIVE MODE")  # reads pass
    try:
        start = time.perf_counter()
        page = client.get("/feeds/offers/rpde")
        assert time.perf_counter() - start < 5
        assert len(page.get_json()["items"]) == 3
    finally:
        tx.rollback()
        blocker.close()
    assert _documents(engine) == {}
    assert client.get("/feeds/offers/rpde").data == page.data
    assert len(_documents(engine)) == 3


def test_documents_are_lz4_compressed_where_postgresql_offers_it(pg_database):
    # PostgreSQL only (TOAST compression): the fixture skips on a dev machine, fails in CI.
    engine = make_engine(pg_database)
    with engine.connect() as conn:
        offered = conn.scalar(sa.text("SELECT 'lz4' = ANY(enumvals) FROM pg_settings "
                                      "WHERE name = 'default_toast_compression'"))
        method = conn.scalar(sa.text(
            "SELECT attcompression FROM pg_attribute WHERE attrelid = "
            "'offer_documents'::regclass AND attname = 'jsonld'"))
    engine.dispose()
    assert method == ("l" if offered else "")
