"""The search matrix (hub.search.matrix) answers as the SQL does: on random searches over the
demo district (tombstones included) both give the same total, the same facet counts and the
same pages in every order, on SQLite and PostgreSQL; a change of the offers is seen by the
next search; a big hub builds the matrix in the background while the SQL answers."""
from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from werkzeug.datastructures import MultiDict

from bildungsdaten.hub.db import make_sessionmaker, transaction
from bildungsdaten.hub.offers.filters import OfferFilters
from bildungsdaten.hub.offers.store import ensure_provider, write_offers
from bildungsdaten.hub.search import fast
from bildungsdaten.hub.search.facets import sql_facet_counts
from bildungsdaten.hub.search.matrix_store import MatrixStore
from bildungsdaten.hub.search.order import Cursor, sql_ordered_ids
from bildungsdaten.vocab.codelists import codelist, municipality_by_ags
from tests.demo_district import TODAY, load_demo
from tests.search_sample import BENSHEIM, VHS, _offer

WORDS = ["Kurs", "Englisch", "Yoga", "Computer", "Deutsch", "Rücken", "Musik", "engl",
         "Fuehrung", "Eltern", "Kinder", "Bewerbung", "Töpfern", "zzzunbekannt"]
PLACES = ["Bensheim", "64646", "06431011", "Viernheim", "49.68,8.62"]


def random_search(rng: random.Random, slugs: list[str]) -> MultiDict[str, str]:
    """A search a person or a harvester could send: any mix of the filters."""
    args: list[tuple[str, str]] = []

    def some(name: str, values: tuple[str, ...] | list[str], most: int = 2) -> None:
        if rng.random() < 0.15:
            for value in rng.sample(list(values), rng.randint(1, most)):
                args.append((name, value))
    if rng.random() < 0.6:
        args.append(("q", " ".join(rng.sample(WORDS, rng.choice((1, 1, 2))))))
    some("life_phase", codelist("lebensphase").codes)
    some("municipality", tuple(municipality_by_ags()))
    some("mode", codelist("lernform").codes)
    some("topic", codelist("themenbereich").codes)
    some("language", codelist("sprache").codes, 1)
    some("funding", codelist("foerderung").codes, 1)
    some("provider", slugs, 1)
    for flag in ("free", "accessible"):
        if rng.random() < 0.1:
            args.append((flag, "true"))
    if rng.random() < 0.3:
        args.append(("from", (TODAY + timedelta(days=rng.randint(-60, 120))).isoformat()))
    if rng.random() < 0.2:
        args.append(("to", (TODAY + timedelta(days=rng.randint(121, 300))).isoformat()))
    if rng.random() < 0.25:
        args.append(("near", rng.choice(PLACES)))
        args.append(("radius_km", str(rng.choice((2, 5, 10, 25)))))
    if rng.random() < 0.1:
        args.append(("modified_since", "1"))
    sorts = ["date"] + (["relevance"] if any(k == "q" for k, _ in args) else []) + (
        ["distance"] if any(k == "near" for k, _ in args) else [])
    args.append(("sort", rng.choice(sorts)))
    return MultiDict(args)


def every_page(order_ids: Any, filters: OfferFilters, session: Any, size: int) -> list[Any]:
    rows: list[Any] = []
    after = None
    while True:
        page = order_ids(filters, session, after, size)
        rows.extend(page)
        if len(page) < size:
            return rows
        after = Cursor(page[-1][0], page[-1][1])


@pytest.fixture
def demo(app: Any) -> Any:
    load_demo(app, offers=600, tombstones=5)
    return app


def test_random_searches_answer_as_the_sql_does(demo: Any) -> None:
    engine = demo.extensions["hub"].engine
    sessions = make_sessionmaker(engine)
    rng = random.Random(20261207)
    with sessions() as session:
        slugs = list(session.execute(sa.text("SELECT slug FROM providers")).scalars())
        assert demo.extensions["search_matrix"].current(session) is not None
        compared = hits = 0
        for _ in range(120):
            args = random_search(rng, slugs)
            filters = OfferFilters.parse(args, session, listing=True)
            from_matrix = fast.facet_counts(session, filters)
            assert from_matrix is not None, args
            assert from_matrix == sql_facet_counts(session, filters), args
            size = rng.choice((3, 7, 50))
            pages = every_page(fast.ordered_ids, filters, session, size)
            assert pages == every_page(sql_ordered_ids, filters, session, size), args
            assert len(pages) == from_matrix[0]
            compared += 1
            hits += from_matrix[0] > 0
    assert compared == 120 and hits > 60, hits  # most searches find something


def test_the_next_search_sees_a_change(demo: Any, client: Any) -> None:
    before = client.get("/api/v1/offers?q=Zauberwuerfel&facets=true").get_json()
    assert before["total"] == 0
    sessions = make_sessionmaker(demo.extensions["hub"].engine)
    with transaction(sessions) as session:
        write_offers(session, ensure_provider(session, VHS),
                     [_offer(VHS, "wuerfel", "Zauberwürfel für Anfänger", "Lösen in Schritten.",
                             venues=(BENSHEIM,))])
    after = client.get("/api/v1/offers?q=Zauberwuerfel&facets=true").get_json()
    assert after["total"] == 1 and [i["id"] for i in after["items"]] == ["kvhs/wuerfel"]


def test_a_big_hub_builds_in_the_background_while_the_sql_answers(demo: Any) -> None:
    engine = demo.extensions["hub"].engine
    store = MatrixStore(engine, sync_max_offers=10)  # "big": more than 10 offers
    fast.register(store)
    sessions = make_sessionmaker(engine)
    with sessions() as session:
        filters = OfferFilters.parse(MultiDict([("q", "Kurs")]), session, listing=True)
        assert store.current(session) is None  # building; the SQL answers meanwhile
        assert fast.facet_counts(session, filters) is None
        store.wait()
        assert store.current(session) is not None
        assert fast.facet_counts(session, filters) == sql_facet_counts(session, filters)
