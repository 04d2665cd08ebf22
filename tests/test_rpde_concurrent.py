"""A harvester walking the RPDE feed while writers commit concurrently ends with exactly the
database's final state (the commit-order race of ../shared/standards/rpde.md cannot lose an
update)."""
from __future__ import annotations

import json
import random
import threading
import time
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa

from bildungsdaten.feeds.jsonld import offer_to_jsonld
from bildungsdaten.hub.db import begin_write, make_sessionmaker, transaction
from bildungsdaten.hub.models import Offer
from bildungsdaten.hub.offers.documents import RenderTarget, render_target
from bildungsdaten.hub.offers.queries import prerender_documents
from bildungsdaten.hub.offers.store import (
    ensure_provider,
    load_offer_records,
    tombstone_offers,
    write_offers,
)
from tests.feed_data import KVHS, MUSIK, simple_offer, write

WRITERS = 3
ROUNDS = 25


def _writer(engine, number: int, errors: list[Exception]) -> None:
    """Creates, updates and deletes its own offers, sleeping inside each transaction after
    its stamps are taken, so a harvester reads while earlier stamps are still uncommitted."""
    rng = random.Random(number)
    provider = (KVHS, MUSIK)[number % 2]
    factory = make_sessionmaker(engine)
    try:
        for n in range(ROUNDS):
            with transaction(factory) as session:
                begin_write(session)
                pid = ensure_provider(session, provider)
                action = rng.random()
                own = list(session.execute(sa.select(Offer.id).where(
                    Offer.provider_id == pid, Offer.deleted.is_(False),
                    Offer.angebot_id.like(f"W{number}-%"))).scalars())
                if action < 0.25 and own:
                    tombstone_offers(session, rng.sample(own, min(len(own), 2)))
                else:
                    ids = rng.sample(range(12), 3)
                    write_offers(session, pid, [
                        simple_offer(f"W{number}-{i}", provider=provider,
                                     title=f"Runde {n} von Schreiber {number}")
                        for i in ids])
                time.sleep(rng.uniform(0, 0.02))
            time.sleep(rng.uniform(0, 0.005))
    except Exception as exc:  # noqa: BLE001 (reported by the test thread)
        errors.append(exc)


def _local(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}" if parts.query else parts.path


def _renderer(engine, target: RenderTarget, writers: list[threading.Thread],
              errors: list[Exception]) -> None:
    """The render job, run again and again while the writers work."""
    try:
        while any(t.is_alive() for t in writers):
            prerender_documents(engine, target, batch_size=3)
    except Exception as exc:  # noqa: BLE001 (reported by the test thread)
        errors.append(exc)


@pytest.mark.parametrize("render_job", [False, True], ids=["requests-render", "job-renders"])
def test_harvester_copy_equals_database_after_concurrent_writes(app, client, engine,
                                                                render_job):
    """Stored documents in play: pages store what they render, and (job-renders) the render
    job stores documents concurrently too; none may be served stale."""
    app.extensions["hub"].settings.rpde_page_size = 4
    write(engine, [simple_offer(f"S-{n}") for n in range(6)])
    errors: list[Exception] = []
    threads = [threading.Thread(target=_writer, args=(engine, n, errors)) for n in
               range(WRITERS)]
    for t in threads:
        t.start()
    if render_job:
        renderer = threading.Thread(target=_renderer, args=(
            engine, render_target(app.extensions["hub"].settings), list(threads), errors))
        renderer.start()
        threads.append(renderer)
    copy: dict[str, dict | None] = {}
    url, last_key, requests, empty_after_stop = "/feeds/offers/rpde", (0, ""), 0, False
    while not empty_after_stop:
        writers_done = not any(t.is_alive() for t in threads)
        resp = client.get(url)
        assert resp.status_code == 200
        page = resp.get_json()
        requests += 1
        for item in page["items"]:
            key = (item["modified"], item["id"])
            assert key > last_key, "items must come in strictly increasing (modified, id)"
            last_key = key
            copy[item["id"]] = item.get("data") if item["state"] == "updated" else None
        if page["items"]:
            url = _local(page["next"])
        else:
            assert _local(page["next"]) == url
            empty_after_stop = writers_done
            time.sleep(0.002)
    for t in threads:
        t.join()
    assert not errors, errors
    assert requests > 20  # the walk really interleaved with the writers

    settings = app.extensions["hub"].settings
    with make_sessionmaker(engine)() as session:
        rows = session.execute(sa.select(Offer.id, Offer.feed_id, Offer.deleted)).all()
        live = load_offer_records(session, [r.id for r in rows if not r.deleted])
    expected: dict[str, dict | None] = {r.feed_id: None for r in rows if r.deleted}
    for record in live:
        expected[record.feed_id] = json.loads(json.dumps(offer_to_jsonld(
            record, settings.hub_base_uri, settings.url("/vocab/context.jsonld"),
            settings.default_licence)))
    assert sum(1 for v in expected.values() if v is None) > 0
    assert copy == expected
