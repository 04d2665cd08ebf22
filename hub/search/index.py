"""The full-text index of live offers: one token document per offer, kept by reindex_offers
and remove_offers (called from the offer write path, hub.offers.store and .stream), searched
by text_condition and ranked by ranked_matches.

Tokens come from hub.search.text, in Python, so both databases index and query the same
strings. SQLite: the FTS5 table `offer_search` (rowid = offer id; columns title and body;
the `ascii` tokenizer only splits the tokens at the spaces we put between them). PostgreSQL:
the table `offer_search` with tsvectors built from the token arrays as they are
(array_to_tsvector: no parser, no dictionary) and a GIN index of `doc`. Both made by
migration 0007. `search_words` holds the words of the indexed texts
for spelling suggestions (hub.search.suggest).
"""
from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from typing import Any, NamedTuple

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import TSQUERY, TSVECTOR
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from ...vocab.codelists import municipality_by_ags
from ..db import among, chunks, copy_rows
from ..models import Offer, OfferInstance, Provider, Venue
from .text import Term, tokens_of, words

offers_t: sa.Table = Offer.__table__  # type: ignore[assignment]
instances_t: sa.Table = OfferInstance.__table__  # type: ignore[assignment]
venues_t: sa.Table = Venue.__table__  # type: ignore[assignment]
providers_t: sa.Table = Provider.__table__  # type: ignore[assignment]

# Made by migrations only (one table, two different shapes): not in Base.metadata.
search_meta = sa.MetaData()
words_t = sa.Table("search_words", search_meta,
                   sa.Column("word", sa.String(100), primary_key=True))
pg_search_t = sa.Table("offer_search", search_meta,
                       sa.Column("offer_id", sa.Integer, primary_key=True),
                       sa.Column("title", TSVECTOR), sa.Column("doc", TSVECTOR))
CHUNK = 500
WORD_MIN = 4  # shorter words are not worth a suggestion
WORD_MAX = 100

Bind = Session | Connection


def _dialect(bind: Bind) -> str:
    return (bind.get_bind() if isinstance(bind, Session) else bind).dialect.name


# --- writing -------------------------------------------------------------------------------

class OfferText(NamedTuple):
    """The texts of one live offer the index is made of: its title, description, keywords,
    provider name and, per distinct venue of its dates (in date order), the venue's name,
    locality and AGS."""

    offer_id: int
    title: str | None
    description: str | None
    keywords: Sequence[str] | None
    provider: str | None
    places: Sequence[tuple[str | None, str | None, str | None]]


def reindex_offers(bind: Bind, offer_ids: Iterable[int]) -> int:
    """Bring the index entries of these offers up to date with the rows (live offers indexed,
    tombstones and unknown ids removed); the caller owns the transaction. Returns the number
    of offers indexed."""
    ids = sorted(set(offer_ids))
    return _index(bind, ((chunk, _stored_texts(bind, chunk)) for chunk in chunks(ids, CHUNK)))


def index_texts(bind: Bind, texts: Sequence[OfferText]) -> int:
    """reindex_offers for live offers whose texts the caller holds (the write path, which has
    just written them): the same entries, without reading the offers back."""
    ordered = sorted(texts, key=lambda text: text.offer_id)
    return _index(bind, (([t.offer_id for t in part], part) for part in chunks(ordered, CHUNK)))


def _index(bind: Bind, parts: Iterable[tuple[Sequence[int], Sequence[OfferText]]]) -> int:
    """Replace the entries of each part's ids by the documents of its texts."""
    done = 0
    seen_words: set[str] = set()
    for ids, texts in parts:
        documents, vocabulary = _documents(texts)
        _delete(bind, ids)
        _insert(bind, documents)
        _add_words(bind, vocabulary - seen_words)
        seen_words |= vocabulary
        done += len(documents)
    return done


def remove_offers(bind: Bind, offer_ids: Iterable[int]) -> None:
    """Drop these offers from the index (tombstoned or deleted)."""
    for chunk in chunks(sorted(set(offer_ids)), CHUNK):
        _delete(bind, chunk)


def rebuild_index(bind: Bind) -> int:
    """Index every live offer anew (migration 0007, `bildungsdaten search reindex`)."""
    if _dialect(bind) == "sqlite":
        bind.execute(sa.text("DELETE FROM offer_search"))
    else:
        bind.execute(sa.text("TRUNCATE offer_search"))
    ids = list(bind.execute(sa.select(offers_t.c.id).where(offers_t.c.deleted.is_(False))
                            .order_by(offers_t.c.id)).scalars())
    return reindex_offers(bind, ids)


def _stored_texts(bind: Bind, ids: Sequence[int]) -> list[OfferText]:
    """The OfferTexts of the live offers among `ids`, read from the database."""
    rows = bind.execute(
        sa.select(offers_t.c.id, offers_t.c.title, offers_t.c.description,
                  offers_t.c.keywords, providers_t.c.name)
        .join(providers_t, providers_t.c.id == offers_t.c.provider_id)
        .where(among(bind, offers_t.c.id, ids), offers_t.c.deleted.is_(False))).all()
    if not rows:
        return []
    places: dict[int, dict[tuple[str | None, str | None, str | None], None]] = {}
    for oid, name, locality, ags in bind.execute(
            sa.select(instances_t.c.offer_id, venues_t.c.venue_name, venues_t.c.locality,
                      venues_t.c.ags)
            .join(venues_t, venues_t.c.id == instances_t.c.venue_id)
            .where(among(bind, instances_t.c.offer_id, ids))
            .order_by(instances_t.c.offer_id, instances_t.c.position)):
        places.setdefault(oid, {})[(name, locality, ags)] = None
    return [OfferText(oid, title, description, keywords, provider, list(places.get(oid, ())))
            for oid, title, description, keywords, provider in rows]


def _documents(texts: Sequence[OfferText]
               ) -> tuple[list[tuple[int, list[str], list[str]]], set[str]]:
    """(offer id, title tokens, other tokens) of each offer, and the words worth suggesting."""
    documents = []
    vocabulary: set[str] = set()
    for oid, title, description, keywords, provider, places in texts:
        title_tokens, title_words = _analysed(title)
        body: dict[str, None] = {}
        for text in (description, *(keywords or ())):
            text_tokens, text_words = _analysed(text)
            body.update(dict.fromkeys(text_tokens))
            vocabulary.update(text_words)
        # then the provider's and places' tokens (a token met before keeps its place)
        tail_tokens, tail_words = _provider_and_places(provider, tuple(places))
        body.update(dict.fromkeys(tail_tokens))
        vocabulary.update(tail_words)
        vocabulary.update(title_words)
        documents.append((oid, list(title_tokens), list(body)))
    return documents, vocabulary


@functools.lru_cache(maxsize=4_096)
def _provider_and_places(provider: str | None,
                         places: tuple[tuple[str | None, str | None, str | None], ...]
                         ) -> tuple[tuple[str, ...], frozenset[str]]:
    """The distinct tokens (in order) and the words of a provider's name and its places'
    names, localities and municipalities: the same for most of a provider's offers."""
    by_ags = municipality_by_ags()
    texts: list[str | None] = [provider]
    for name, locality, ags in places:
        municipality = by_ags.get(ags or "")
        texts.extend((name, locality, municipality.short_name if municipality else None))
    tokens: dict[str, None] = {}
    found: set[str] = set()
    for text in texts:
        text_tokens, text_words = _analysed(text)
        tokens.update(dict.fromkeys(text_tokens))
        found.update(text_words)
    return tuple(tokens), frozenset(found)


def _analysed(text: str | None) -> tuple[tuple[str, ...], frozenset[str]]:
    """The tokens of a text and its words worth suggesting; cached, as provider names,
    places, keywords and the titles of course series repeat. Long texts (descriptions) get a
    small cache of their own: 20,000 of them held about 30 MB (tracemalloc) and made a
    harvest's memory grow with the offers written; a series' descriptions come together.
    Short texts: 4,096 hold the names, places and keywords that repeat everywhere (a few
    hundred in the demo district) and the titles of the series being written; a larger cache
    only filled up with titles already passed (3,200 distinct texts per 20,000 harvested
    offers), so memory grew with the harvest."""
    if text is not None and len(text) > CACHED_TEXT_MAX:
        return _analysed_long(text)
    return _analysed_short(text)


CACHED_TEXT_MAX = 120


@functools.lru_cache(maxsize=4_096)
def _analysed_short(text: str | None) -> tuple[tuple[str, ...], frozenset[str]]:
    return _analyse(text)


@functools.lru_cache(maxsize=2_000)
def _analysed_long(text: str) -> tuple[tuple[str, ...], frozenset[str]]:
    return _analyse(text)


def _analyse(text: str | None) -> tuple[tuple[str, ...], frozenset[str]]:
    found = words(text)
    return (tuple(tokens_of(found)),
            frozenset(w for w in found if WORD_MIN <= len(w) <= WORD_MAX and not w.isdigit()))


def _delete(bind: Bind, ids: Sequence[int]) -> None:
    if not ids:
        return
    if _dialect(bind) == "sqlite":
        bind.execute(sa.text("DELETE FROM offer_search WHERE rowid IN :ids")
                     .bindparams(sa.bindparam("ids", expanding=True)), {"ids": list(ids)})
    else:
        bind.execute(pg_search_t.delete().where(among(bind, pg_search_t.c.offer_id, ids)))


def _insert(bind: Bind, documents: list[tuple[int, list[str], list[str]]]) -> None:
    if not documents:
        return
    if _dialect(bind) == "sqlite":
        bind.execute(sa.text("INSERT INTO offer_search (rowid, title, body) "
                             "VALUES (:id, :title, :body)"),
                     [{"id": oid, "title": " ".join(t), "body": " ".join(b)}
                      for oid, t, b in documents])
        return
    # doc: every token (title and the rest), indexed; title: the title's, for ranking only.
    connection = bind.connection() if isinstance(bind, Session) else bind
    if connection.dialect.driver != "psycopg":  # another driver: no psycopg COPY
        bind.execute(sa.text(
            "INSERT INTO offer_search (offer_id, title, doc) VALUES "
            "(:id, array_to_tsvector(CAST(:title AS text[])), "
            "array_to_tsvector(CAST(:doc AS text[])))"),
            [{"id": oid, "title": t, "doc": list(dict.fromkeys([*t, *b]))}
             for oid, t, b in documents])
        return
    # COPY with tsvector texts of quoted lexemes: the same values array_to_tsvector makes of
    # the token arrays (no parser, no positions), at a fraction of an INSERT per offer.
    copy_rows(connection, "offer_search", ("offer_id", "title", "doc"),
              ((oid, _tsvector(t), _tsvector(dict.fromkeys([*t, *b]))) for oid, t, b in documents))


def _tsvector(tokens: Iterable[str]) -> str:
    """The tsvector literal of these lexemes as they are (quotes doubled, backslashes escaped)."""
    tokens = list(tokens)
    if not tokens:
        return ""
    plain = " ".join(tokens)
    if "'" in plain or "\\" in plain:  # never in tokens of hub.search.text; kept correct
        tokens = [t.replace("\\", "\\\\").replace("'", "''") for t in tokens]
    return "'" + "' '".join(tokens) + "'"


def _add_words(bind: Bind, vocabulary: set[str]) -> None:
    if not vocabulary:
        return
    words_sorted = sorted(vocabulary)
    if _dialect(bind) == "sqlite":
        bind.execute(sqlite_insert(words_t).on_conflict_do_nothing(),
                     [{"word": w} for w in words_sorted])
        return
    # PostgreSQL: one statement for all of them, not one round trip per word
    bind.execute(sa.text("INSERT INTO search_words (word) SELECT unnest(CAST(:words AS "
                         "text[])) ON CONFLICT DO NOTHING"), {"words": words_sorted})


# --- querying ------------------------------------------------------------------------------

def _fts5(term: Term, column: str | None = None) -> str:
    phrase = f'"{term.token}"' + ("*" if term.prefix else "")
    if term.parts:  # a compound: its token, or all of its parts
        phrase = f"({phrase} OR ({' AND '.join(_fts5(p) for p in term.parts)}))"
    return f"{column} : {phrase}" if column else phrase


def _lexeme(term: Term) -> str:
    lexeme = f"'{term.token}'" + (":*" if term.prefix else "")
    if term.parts:
        return f"({lexeme} | ({' & '.join(_lexeme(p) for p in term.parts)}))"
    return lexeme


def _tsquery(terms: Sequence[Term], joiner: str = " & ") -> sa.ColumnElement[Any]:
    text = joiner.join(_lexeme(t) for t in terms)
    return sa.cast(sa.bindparam(None, text, type_=sa.Text), TSQUERY)


def _fts5_ids(match: str) -> sa.Select[Any]:
    return (sa.select(sa.literal_column("rowid")).select_from(sa.table("offer_search"))
            .where(sa.literal_column("offer_search").bool_op("MATCH")(match)))


def text_ids(dialect: str, terms: Sequence[Term]) -> sa.Select[Any]:
    """The ids of the offers whose title, description, keywords, provider or places hold
    every term (as a whole token, or, for a prefix term, as the start of one)."""
    if dialect == "sqlite":
        # FTS5 answers an uncorrelated IN once, before the offers are walked.
        return _fts5_ids(" AND ".join(_fts5(t) for t in terms))
    # Text first, through the GIN index: as a plain IN, PostgreSQL misjudges how many offers a
    # prefix query matches and probes the search table once per offer of the other filters.
    found = (sa.select(pg_search_t.c.offer_id)
             .where(pg_search_t.c.doc.bool_op("@@")(_tsquery(terms)))
             .cte().prefix_with("MATERIALIZED"))
    return sa.select(found.c.offer_id)


def text_condition(dialect: str, terms: Sequence[Term]) -> sa.ColumnElement[bool]:
    """offers.id is one of text_ids."""
    return offers_t.c.id.in_(text_ids(dialect, terms))


# How much more a title hit counts than a hit elsewhere (description, keywords, provider, place).
TITLE_WEIGHT = 10.0
# The rank is kept as an integer (millionths): keyset paging compares it exactly, and a
# cursor carries it as digits, with no float formatting between the database and the link.
RANK_SCALE = 1_000_000


def ranked_matches(dialect: str, terms: Sequence[Term]) -> sa.Subquery:
    """(offer_id, rank) of the offers whose document holds every term; a higher rank is a
    better match (title hits weigh TITLE_WEIGHT times more). SQLite: FTS5's bm25 (negated:
    bm25 is lower for better). PostgreSQL: ts_rank of the title and of the whole document
    against the terms ORed; not ts_rank_cd, which needs positions, and the stored tsvectors
    have none (array_to_tsvector), so it would rank every match 0; not the AND query either,
    which ts_rank scores by distances of positions, equally missing."""
    if dialect == "sqlite":
        bm25 = sa.func.bm25(sa.literal_column("offer_search"), TITLE_WEIGHT, 1.0)
        match = " AND ".join(_fts5(t) for t in terms)
        return (sa.select(sa.literal_column("rowid").label("offer_id"),
                          sa.cast(-bm25 * RANK_SCALE, sa.BigInteger).label("rank"))
                .select_from(sa.table("offer_search"))
                .where(sa.literal_column("offer_search").bool_op("MATCH")(match))
                .subquery("ranked"))
    return (sa.select(pg_search_t.c.offer_id, _pg_rank(terms).label("rank"))
            .where(pg_search_t.c.doc.bool_op("@@")(_tsquery(terms)))
            .subquery("ranked"))


def _pg_rank(terms: Sequence[Term]) -> sa.ColumnElement[Any]:
    ps = pg_search_t.c
    any_term = _tsquery(terms, " | ")
    score = (TITLE_WEIGHT * sa.func.ts_rank(ps.title, any_term)
             + sa.func.ts_rank(ps.doc, any_term))
    return sa.cast(score * RANK_SCALE, sa.BigInteger)


def pg_ranks_of(bind: Bind, terms: Sequence[Term], offer_ids: Sequence[int]) -> sa.Select[Any]:
    """PostgreSQL: (offer_id, rank) as ranked_matches gives them, of these offers only (they
    hold the terms): found by key, so ranking a few hits skips the text's other matches."""
    return (sa.select(pg_search_t.c.offer_id, _pg_rank(terms))
            .where(among(bind, pg_search_t.c.offer_id, offer_ids)))


# fts5vocab's text ordering is by bytes: no index term sorts after a prefix followed by this.
AFTER_ALL = "\U0010ffff"
TITLE_FLAG = 2**32  # above any offer id: marks a title entry in fts5_entries' integers


def fts5_entries(term: Term) -> sa.Select[Any]:
    """SQLite: the index's entries of the phrase `term` (no compound parts), one per index
    term, row and column (detail=column) as integers: rowid, plus TITLE_FLAG in the title.
    A prefix phrase has one entry per word it matches ("kur": kurs, kursleit, ...)."""
    assert not term.parts
    entries = sa.table("offer_search_instances", sa.column("term"), sa.column("doc"),
                       sa.column("col"))
    c = entries.c
    found = ((c.term >= term.token) & (c.term < term.token + AFTER_ALL) if term.prefix
             else c.term == term.token)
    return sa.select(c.doc + sa.case((c.col == "title", TITLE_FLAG), else_=0)).where(found)


def fts5_sizes() -> sa.Select[Any]:
    """SQLite: (rowid, docsize record) of every row of the index (tokens per column)."""
    sizes = sa.table("offer_search_docsize", sa.column("id"), sa.column("sz"))
    return sa.select(sizes.c.id, sizes.c.sz).order_by(sizes.c.id)


def has_matches(bind: Bind, terms: Sequence[Term]) -> bool:
    """Some live offer matches all `terms`."""
    # NOT deleted, not `deleted = false`: SQLite would walk the deleted index over every live
    # offer and test each against the matches (11 ms at 100,000 offers, even for none).
    return bind.execute(sa.select(sa.exists().where(
        text_condition(_dialect(bind), terms), sa.not_(offers_t.c.deleted)))).scalar() is True
