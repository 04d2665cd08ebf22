"""German full-text search (hub.search): inflected forms, umlaut spellings and case meet; all
words must match, in title, description, keywords, provider or place; title matches rank
first; both databases answer alike; the index follows writes; spelling suggestions."""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from bildungsdaten.hub.db import make_engine, make_sessionmaker, transaction
from bildungsdaten.hub.demo.district import demo_records
from bildungsdaten.hub.migrate import upgrade
from bildungsdaten.hub.offers.store import ensure_provider, write_offers
from bildungsdaten.hub.search.compound import with_compound_parts
from bildungsdaten.hub.search.index import (
    offers_t,
    ranked_matches,
    rebuild_index,
    reindex_offers,
    text_condition,
)
from bildungsdaten.hub.search.suggest import suggest
from bildungsdaten.hub.search.text import QueryError, compound_splits, query_terms, stem
from tests.search_sample import VHS, _offer, store_search_offers
from tests.support import fresh_postgres_database

COMPUTER = ["kvhs/pc1", "kvhs/pc2", "kvhs/foto"]  # two titles, then the description


def search(engine: Engine, text: str, compounds: bool = False) -> list[str]:
    """Live offers matching `text`, by relevance (the index's rank), then id: the API's order;
    with `compounds`, long words also as their parts, as the filter model asks."""
    terms = query_terms(text)
    dialect = engine.dialect.name
    with make_sessionmaker(engine)() as session:
        if compounds:
            terms = with_compound_parts(session, terms)
        ranked = ranked_matches(dialect, terms)
        return list(session.execute(
            sa.select(offers_t.c.feed_id)
            .join(ranked, ranked.c.offer_id == offers_t.c.id)
            .where(offers_t.c.deleted.is_(False), text_condition(dialect, terms))
            .order_by(ranked.c.rank.desc(), offers_t.c.id)).scalars())


@pytest.fixture
def sample(engine: Engine) -> Engine:
    store_search_offers(engine)
    return engine


# query -> offers found (in relevance order)
GERMAN_SEARCHES = [
    ("Computerkurs", COMPUTER),
    ("Computerkurse", COMPUTER),
    ("computerkursen", COMPUTER),
    ("COMPUTERKURS", COMPUTER),
    ("Führung", ["kvhs/fuehr", "kvhs/stadt"]),
    ("Führungen", ["kvhs/fuehr", "kvhs/stadt"]),
    ("führung", ["kvhs/fuehr", "kvhs/stadt"]),
    ("fuehrung", ["kvhs/fuehr", "kvhs/stadt"]),
    ("FUEHRUNGEN", ["kvhs/fuehr", "kvhs/stadt"]),
    ("Computerkurs Senioren", ["kvhs/pc1"]),          # all words must match
    ("computerkurse abend", ["kvhs/pc2"]),
    ("Computerkurs Yoga", []),
    ("Kurs für Senioren", ["kvhs/pc1"]),              # "für" and the generic "Kurs" are dropped
    ("Computerkurs für Senioren", ["kvhs/pc1"]),
    ("Sprachen", ["kvhs/engl"]),                      # keywords
    ("reisen englisch", ["kvhs/engl"]),
    ("Familienbildungsstätte", ["familienbildung/yoga"]),  # provider name
    ("familienbildungsstaette yoga", ["familienbildung/yoga"]),
    ("Lampertheim", ["familienbildung/yoga"]),        # place (provider name and locality)
    ("Kronepark", ["kvhs/pc2", "kvhs/fuehr"]),        # venue name of one of the dates
    ("Viernheim Führung", ["kvhs/stadt"]),
    ("Englisch", ["kvhs/engl"]),
    ("engl", ["kvhs/engl"]),                          # the start of a word
    ("Übungen", ["familienbildung/yoga"]),
    ("uebung", ["familienbildung/yoga"]),
    ("100%", ["familienbildung/yoga"]),               # % is no wildcard
    ("E-Mail", ["kvhs/pc2"]),
    ("Schwangere_Yoga", ["familienbildung/yoga"]),    # _ is no wildcard either
]


@pytest.mark.parametrize(("query", "expected"), GERMAN_SEARCHES)
def test_german_search(sample: Engine, query: str, expected: list[str]) -> None:
    # Which offers; their order is each database's ranker's (tested below).
    assert sorted(search(sample, query)) == sorted(expected)


@pytest.mark.parametrize(("query", "in_title", "elsewhere"), [
    ("Führung", {"kvhs/fuehr"}, ["kvhs/stadt"]),
    ("Computerkurse", {"kvhs/pc1", "kvhs/pc2"}, ["kvhs/foto"]),
    ("Englisch", {"kvhs/engl"}, [])])
def test_title_matches_rank_above_description_matches(sample: Engine, query: str,
                                                      in_title: set[str],
                                                      elsewhere: list[str]) -> None:
    found = search(sample, query)
    assert set(found[:len(in_title)]) == in_title and found[len(in_title):] == elsewhere


def test_one_title_hit_outranks_a_description_full_of_the_word(sample: Engine) -> None:
    engine = sample  # among other offers: with two alone, bm25 weighs every word as common
    sessions = make_sessionmaker(engine)
    with transaction(sessions) as session:
        write_offers(session, ensure_provider(session, VHS), [
            _offer(VHS, "voll", "Abendprogramm", "Gitarre, Gitarrenmusik und Gitarrenbau: "
                   "alles rund um die Gitarre."),
            _offer(VHS, "titel", "Gitarre für Einsteiger", "Akkorde und Lieder.")])
    assert search(engine, "gitarre") == ["kvhs/titel", "kvhs/voll"]


@pytest.fixture
def compounds(sample: Engine) -> Engine:
    with transaction(make_sessionmaker(sample)) as session:
        write_offers(session, ensure_provider(session, VHS), [
            _offer(VHS, "e-apart", "Englisch für die Reise", "Ein Kurs am Abend."),
            _offer(VHS, "e-whole", "Englischkurs kompakt", "Grammatik und Gespräch."),
            _offer(VHS, "urlaub", "Politik vor Ort", "Fünf Tage Urlaub für politische Bildung."),
            _offer(VHS, "gitarre", "Gitarre", "Akkorde für Anfänger.")])
    return sample


@pytest.mark.parametrize(("query", "expected"), [
    # A generic head ("Kurs") narrows nothing: every English offer, as for "Englisch".
    ("Englischkurs", {"kvhs/e-apart", "kvhs/e-whole", "kvhs/engl"}),
    ("Englischkurse", {"kvhs/e-apart", "kvhs/e-whole", "kvhs/engl"}),  # inflected last part
    ("Englisch Kurs", {"kvhs/e-apart", "kvhs/e-whole", "kvhs/engl"}),  # apart: the same
    ("Bildungsurlaub", {"kvhs/urlaub"}),                  # the joint "s"
    ("Englisch", {"kvhs/e-apart", "kvhs/e-whole", "kvhs/engl"}),  # a word opens a compound
    ("Gitarrenkurs", {"kvhs/gitarre"}),                   # the joint "n", a generic head
    ("Gitarrenurlaub", set()),                            # both parts are words, not of one offer
    ("Xylophonkurs", set()),                              # nor "xylophon"
    ("Kurs", {"kvhs/e-apart"}),  # the limit: a compound's last part alone finds nothing
])
def test_compound_words_find_their_parts(compounds: Engine, query: str,
                                         expected: set[str]) -> None:
    assert set(search(compounds, query, compounds=True)) == expected


def test_compound_cuts_drop_joints_and_endings() -> None:
    cuts = compound_splits("bildungsurlaube")
    assert ("bildung", "urlaub") in cuts and ("bildungs", "urlaube") in cuts
    assert all(len(head) >= 3 and len(tail) >= 3 for head, tail in cuts)
    assert compound_splits("kurs") == []


def test_tombstones_are_not_found(sample: Engine) -> None:
    assert "familienbildung/gone" not in search(sample, "gelöscht computerkurs")
    assert search(sample, "abgesagt") == []


@pytest.mark.parametrize("text", ["%", "_", "%_%", "  ", "<b>Yoga</b>", "x" * 201,
                                  " ".join(f"wort{n}" for n in range(9))])
def test_unsearchable_text_is_refused_in_german(text: str) -> None:
    with pytest.raises(QueryError) as info:
        query_terms(text)
    assert str(info.value).startswith(("Der Suchtext", "Bitte"))


def test_inflected_forms_share_one_token() -> None:
    assert len({stem(w) for w in ("computerkurs", "computerkurse", "computerkursen")}) == 1
    assert len({stem(w) for w in ("führung", "führungen", "fuehrung")}) == 1


def test_the_index_follows_updates_and_tombstones(sample: Engine) -> None:
    sessions = make_sessionmaker(sample)
    with transaction(sessions) as session:
        write_offers(session, ensure_provider(session, VHS),
                     [_offer(VHS, "pc1", "Tabellenkalkulation für Senioren")])
    assert search(sample, "computerkurs") == ["kvhs/pc2", "kvhs/foto"]
    assert search(sample, "tabellenkalkulation") == ["kvhs/pc1"]
    with transaction(sessions) as session:  # replace: only "pc1" stays
        write_offers(session, ensure_provider(session, VHS),
                     [_offer(VHS, "pc1", "Tabellenkalkulation")], replace=True)
    assert search(sample, "computerkurs") == []
    assert search(sample, "führung") == []


def test_rebuild_gives_the_same_index(sample: Engine) -> None:
    before = {q: search(sample, q) for q, _ in GERMAN_SEARCHES}
    with transaction(make_sessionmaker(sample)) as session:
        assert rebuild_index(session) == 7
        assert reindex_offers(session, [999_999]) == 0  # an unknown id: nothing
    assert {q: search(sample, q) for q, _ in GERMAN_SEARCHES} == before


@pytest.mark.parametrize(("typed", "suggested"), [
    ("Compterkurs", "computerkurs"), ("Fürhung", "führung"), ("Führngen", "führungen"),
    ("Lampertheym", "lampertheim"), ("Yoga", None), ("Xylophon", None),
    ("Compterkurs Abend", "computerkurs abend"),
    # a typo in one part of a compound whose whole is no indexed word
    ("Englschkurs", "englischkurs"), ("Smartphnekurs", "smartphonekurs"),
    ("Stadtgeschichtte", "stadtgeschichte"), ("Xylophonkurs", None), ("Englischkurs", None)])
def test_spelling_suggestion_from_the_indexed_words(sample: Engine, typed: str,
                                                    suggested: str | None) -> None:
    with make_sessionmaker(sample)() as session:
        assert suggest(session, typed) == suggested
    if suggested:
        assert search(sample, suggested, compounds=True)


@pytest.fixture
def both_databases(tmp_path: Path) -> Iterator[tuple[Engine, Engine]]:
    lite = make_engine(f"sqlite:///{tmp_path / 'same.sqlite'}")
    with fresh_postgres_database("hubsame") as url:
        pg = make_engine(url)
        try:
            for engine in (lite, pg):
                upgrade(engine)
                store_search_offers(engine)
            yield lite, pg
        finally:
            pg.dispose()
            lite.dispose()


def test_sqlite_and_postgresql_find_the_same(both_databases: tuple[Engine, Engine]) -> None:
    lite, pg = both_databases
    queries = [q for q, _ in GERMAN_SEARCHES] + ["a", "am", "kurs", "haus", "bergstraße",
                                                 "Heppenheim", "2026", "PC"]
    # The same offers; in relevance order within the title matches each has its own ranker.
    assert ({q: sorted(search(lite, q)) for q in queries}
            == {q: sorted(search(pg, q)) for q in queries})


def test_postgresql_index_rows_are_the_tsvectors_of_the_token_arrays(
        both_databases: tuple[Engine, Engine]) -> None:
    """The index rows go in by COPY as tsvector texts: the same values array_to_tsvector
    makes of the token arrays, also for lexemes our tokenizer never makes (quote, backslash,
    space) and for an empty list."""
    from bildungsdaten.hub.search.index import _documents, _stored_texts, _tsvector
    _lite, pg = both_databases
    cases = [["kur", "englisch", "für", "bensheim", "2026"], ["a'b", "c\\d", "z y", "ä"], [],
             ["o'", "'", "\\"]]
    with pg.connect() as conn:
        for tokens in cases:
            assert conn.execute(sa.text(
                "SELECT array_to_tsvector(CAST(:a AS text[])) = CAST(:b AS tsvector)"),
                {"a": tokens, "b": _tsvector(tokens)}).scalar() is True, tokens
        # and each stored row of the sample is that of its offer's token arrays
        ids = list(conn.execute(sa.select(offers_t.c.id)).scalars())
        documents, _words = _documents(_stored_texts(conn, ids))
        assert documents
        for oid, title, body in documents:
            assert conn.execute(sa.text(
                "SELECT title = array_to_tsvector(CAST(:t AS text[])) AND "
                "doc = array_to_tsvector(CAST(:d AS text[])) FROM offer_search "
                "WHERE offer_id = :id"),
                {"t": title, "d": list(dict.fromkeys([*title, *body])), "id": oid}
            ).scalar() is True, oid


def _index_rows(engine: Engine) -> tuple[list[tuple[Any, ...]], list[str]]:
    """Every row of the search index (as text) and the suggestion words."""
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            rows = conn.execute(sa.text(
                "SELECT rowid, title, body FROM offer_search ORDER BY rowid")).all()
        else:
            rows = conn.execute(sa.text("SELECT offer_id, CAST(title AS text), CAST(doc AS text) "
                                        "FROM offer_search ORDER BY offer_id")).all()
        found = list(conn.execute(sa.text("SELECT word FROM search_words ORDER BY word")).scalars())
    return [tuple(row) for row in rows], found


def test_the_write_path_indexes_records_as_a_rebuild_reads_them_back(engine: Engine) -> None:
    """write_offers indexes the texts of the records it was given (no read-back): the index
    rows are exactly those rebuild_index makes from the stored offers; 1,500 demo offers with
    venues shared by several dates, offers without any venue, updates and tombstones."""
    sessions = make_sessionmaker(engine)
    for provider, records in demo_records(1500, seed=3):
        with transaction(sessions) as session:
            pid = ensure_provider(session, provider)
            write_offers(session, pid, records[:len(records) // 2])
            for record in records[::7]:  # updates: new titles, venues dropped
                record.title += " Aufbaukurs Töpfern"
                for inst in record.instances[1:]:
                    inst.venue = None
            write_offers(session, pid, records, replace=True)
            write_offers(session, pid, records[:-3], replace=True)  # three tombstones
    written = _index_rows(engine)
    assert len(written[0]) > 1000 and written[1]
    with transaction(sessions) as session:
        rebuild_index(session)
    assert _index_rows(engine) == written
