"""The search matrix (hub.search.matrix) answers as the SQL does: on random searches over the
demo district (tombstones included) both give the same total, the same facet counts and the
same pages in every order, on SQLite and PostgreSQL; a change of the offers is seen by the
next search; a big hub builds the matrix in the background while the SQL answers."""
from __future__ import annotations

import random
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from werkzeug.datastructures import MultiDict

from bildungsdaten.hub.db import make_sessionmaker, transaction
from bildungsdaten.hub.offers.filters import OfferFilters
from bildungsdaten.hub.offers.store import ensure_provider, write_offers
from bildungsdaten.hub.search import fast, ts_rank
from bildungsdaten.hub.search.compound import with_compound_parts
from bildungsdaten.hub.search.facets import sql_facet_counts
from bildungsdaten.hub.search.index import TITLE_FLAG, fts5_entries, ranked_matches
from bildungsdaten.hub.search.matrix_store import MatrixStore, _pg_text, _sqlite_text
from bildungsdaten.hub.search.order import Cursor, sql_ordered_ids
from bildungsdaten.hub.search.text import Term, query_terms
from bildungsdaten.vocab.codelists import codelist, municipality_by_ags
from tests.demo_district import TODAY, load_demo
from tests.search_sample import BENSHEIM, VHS, _offer

WORDS = ["Kurs", "Englisch", "Yoga", "Computer", "Deutsch", "Rücken", "Musik", "engl",
         "Fuehrung", "Eltern", "Kinder", "Bewerbung", "Töpfern", "zzzunbekannt", "Bildungsurlaub",
         "Englischkurs", "Kinderyoga"]
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
    assert compared == 120 and hits > 45, hits  # many searches find something


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



def test_a_big_hub_pauses_between_builds_while_offers_keep_changing(demo: Any) -> None:
    """A stale matrix is rebuilt only after REBUILD_PAUSE x the last build's duration: during
    a harvest the builds do not take the cores from the writes."""
    engine = demo.extensions["hub"].engine
    store = MatrixStore(engine, sync_max_offers=10, rebuild_pause=1e6)
    fast.register(store)
    sessions = make_sessionmaker(engine)

    def change(angebot_id: str) -> None:
        with transaction(sessions) as session:
            write_offers(session, ensure_provider(session, VHS),
                         [_offer(VHS, angebot_id, "Zauberwürfel", venues=(BENSHEIM,))])
    with sessions() as session:
        assert store.current(session) is None
    store.wait()
    first = store._building
    change("w1")
    with sessions() as session:
        assert store.current(session) is None  # stale, and the pause is not over
    assert store._building is first and not first.is_alive()  # no new build started
    store.rebuild_pause = 0.0
    with sessions() as session:
        assert store.current(session) is None  # the pause is over: building again
    store.wait()
    assert store._building is not first
    with sessions() as session:
        assert store.current(session) is not None


TEXTS = ["Kurs", "kur", "Englischkurs", "Deutschkurse", "Computerkurse für Senioren",
         "Yoga Rücken", "Kurs Kurse Kursen", "Musik Kinder Eltern", "Fuehrung", "eng",
         "Bewerbungstraining", "Bildungsurlaub", "Kinderyoga", "Elternabend", "zzzunbekannt"]


@pytest.mark.parametrize("postings", [True, False], ids=["in-memory", "from-the-index"])
def test_every_text_match_ranks_as_the_database_does(demo: Any, postings: bool) -> None:
    """Each text's matches and their rank, from the matrix's copy of the index (SQLite: bm25
    over FTS5's entries; PostgreSQL: hub.search.ts_rank over the lexemes) and without it, are
    those of hub.search.index.ranked_matches, for every match, not only a page's."""
    store = demo.extensions["search_matrix"]
    sessions = make_sessionmaker(demo.extensions["hub"].engine)
    with transaction(sessions) as session:  # a compound found by its token or by both parts
        write_offers(session, ensure_provider(session, VHS), [
            _offer(VHS, "bu1", "Bildungsurlaub: politische Bildung", venues=(BENSHEIM,)),
            _offer(VHS, "bu2", "Bildung im Urlaub", "Bildungsurlaub am Meer", venues=(BENSHEIM,)),
            _offer(VHS, "bu3", "Urlaub und Bildung", venues=(BENSHEIM,))])
    with sessions() as session:
        matrix = store.current(session)
        assert matrix is not None and matrix.postings is not None
        if not postings:
            matrix = replace(matrix, postings=None)
        dialect = session.get_bind().dialect.name
        found = 0
        for text in TEXTS:
            terms = with_compound_parts(session, query_terms(text))  # as the search takes it
            hits = (_sqlite_text(session, matrix, terms) if dialect == "sqlite"
                    else _pg_text(session, matrix, terms))
            ranked = ranked_matches(dialect, terms)
            expected = dict(session.execute(sa.select(ranked.c.offer_id, ranked.c.rank)).all())
            ids = matrix.ids[hits.mask].tolist()
            assert ids == sorted(i for i in expected if i in set(matrix.ids.tolist())), text
            assert hits.ranks(session, hits.mask).tolist() == [expected[i] for i in ids], text
            found += len(ids)
        assert found > 300  # common words and compounds, not only rare ones


def test_the_copy_of_the_index_holds_every_entry_of_it(demo: Any) -> None:
    """Postings.of gives, for whole words and prefixes, the index's own entries: SQLite's
    fts5vocab rows; PostgreSQL's lexemes of `doc`, and of `title` marked as the title's."""
    with make_sessionmaker(demo.extensions["hub"].engine)() as session:
        matrix = demo.extensions["search_matrix"].current(session)
        assert matrix is not None and matrix.postings is not None
        sqlite = session.get_bind().dialect.name == "sqlite"
        for token, prefix in [("kur", True), ("kur", False), ("englisch", True), ("ä", True),
                              ("zzz", True), ("yoga", False)]:
            if sqlite:
                stmt: Any = fts5_entries(Term(token, prefix, token))
            else:
                match = "t.lexeme LIKE :token || '%'" if prefix else "t.lexeme = :token"
                stmt = sa.text(f"SELECT s.offer_id + CASE WHEN v.col = 'title' THEN {TITLE_FLAG}"
                               " ELSE 0 END FROM offer_search s, LATERAL (VALUES ('title', "
                               "s.title), ('doc', s.doc)) v(col, vec), unnest(v.vec) t "
                               f"WHERE {match}").bindparams(token=token)
            expected = sorted(r[0] for r in session.execute(stmt))
            assert sorted(matrix.postings.of(token, prefix).tolist()) == expected, token
            assert expected or token in ("ä", "zzz")


def test_a_token_both_whole_and_prefix_is_ranked_by_the_database() -> None:
    """tsrank.c keeps one of two operands with the same string (which one is up to its sort):
    such a query has no operands here, so PostgreSQL ranks it."""
    assert ts_rank.operands([Term("kur", True, "kurs")]) == [("kur", True)]
    assert ts_rank.operands([Term("englischkur", True, "englischkurs",
                                  (Term("englisch", True, "englisch"), Term("kur", True, "kurs"))),
                             Term("kur", False, "kur")]) is None
