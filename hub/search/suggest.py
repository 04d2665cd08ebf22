"""Spelling suggestions for a search without results, from the indexed words (search_words:
the words of the indexed texts), checked to find live offers."""
from __future__ import annotations

import sqlalchemy as sa

from .compound import LONG_WORD, with_compound_parts
from .index import Bind, has_matches, words_t
from .text import GENERIC, PART_MIN, QueryError, Term, query_terms, stem, term_of, words

CANDIDATES_CHECKED = 3  # per word: each costs one query, and this runs only without results
CUTS_MENDED = 2  # cuts of a compound tried: each costs a few queries


def edit_distance(a: str, b: str, limit: int) -> int:
    """Levenshtein distance of a and b, or limit + 1 once it is certainly above `limit`."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1,
                               previous[j - 1] + (ca != cb)))
        if min(current) > limit:
            return limit + 1
        previous = current
    return previous[-1]


def suggest_word(bind: Bind, word: str) -> str | None:
    """The indexed word closest to `word` (at most 1 edit for words up to 5 letters, else 2)
    that finds live offers; else, for a compound, the word with the typo in one of its parts
    mended ("Computrkurs": "computerkurs", though only "Computer" and "Kurs" are indexed
    words); or None. Ties go to the alphabetically first word."""
    word = (words(word) or [""])[0]
    return _closest_word(bind, word) or _mended_compound(bind, word)


def _closest_word(bind: Bind, word: str) -> str | None:
    if len(word) < 3:
        return None
    limit = 1 if len(word) <= 5 else 2
    # A typo rarely hits both of the first two letters: this keeps the candidates few.
    rows = bind.execute(sa.select(words_t.c.word).where(
        sa.func.length(words_t.c.word).between(len(word) - limit, len(word) + limit),
        sa.or_(sa.func.substr(words_t.c.word, 1, 1) == word[0],
               sa.func.substr(words_t.c.word, 2, 1) == word[1]))).scalars()
    scored = sorted((d, w) for w in rows
                    if w != word and (d := edit_distance(word, w, limit)) <= limit)
    own = stem(word)
    checked = 0
    for _distance, candidate in scored:
        token = stem(candidate)
        if token == own:
            continue  # another form of the same word finds what the word itself finds
        if has_matches(bind, [Term(token, False, candidate)]):
            return candidate
        checked += 1
        if checked >= CANDIDATES_CHECKED:
            break
    return None


def _mended_compound(bind: Bind, word: str) -> str | None:
    """`word` cut in two where one part is an indexed word (or a generic one: "kurs") and the
    other has an indexed word close to it, that word put in its place, when the whole finds
    offers as a compound (hub.search.compound); the longest known part first."""
    if len(word) < LONG_WORD:
        return None
    cuts = [(word[:n], word[n:]) for n in range(PART_MIN, len(word) - PART_MIN + 1)]
    parts = sorted({p for cut in cuts for p in cut})
    known = GENERIC | set(bind.execute(sa.select(words_t.c.word).where(
        words_t.c.word.in_(parts))).scalars())
    # Mend the part that is not a word, beside the longest part that is.
    tries = sorted(((len(good), head, tail, good == tail) for head, tail in cuts
                    for good, bad in ((head, tail), (tail, head))
                    if good in known and bad not in known and len(bad) >= PART_MIN),
                   key=lambda t: -t[0])
    for _length, head, tail, mend_head in tries[:CUTS_MENDED]:
        better = _closest_word(bind, head if mend_head else tail)
        if better is None:
            continue
        mended = better + tail if mend_head else head + better
        if has_matches(bind, with_compound_parts(bind, [term_of(mended)])):
            return mended
    return None


def suggest(bind: Bind, text: str) -> str | None:
    """The query with each word that finds nothing on its own replaced by its suggestion,
    when that whole query finds offers; else None."""
    try:
        terms = with_compound_parts(bind, query_terms(text))  # as the search takes them
    except QueryError:
        return None
    fixed: list[Term] = []
    changed = False
    for term in terms:
        if not has_matches(bind, [term]):
            better = suggest_word(bind, term.word)
            if better is None:
                return None
            term = with_compound_parts(bind, [Term(stem(better), False, better)])[0]
            changed = True
        fixed.append(term)
    if not changed or not has_matches(bind, fixed):
        return None
    return " ".join(t.word for t in fixed)
