"""Spelling suggestions for a search without results, from the indexed words (search_words:
the words of the indexed texts), checked to find live offers."""
from __future__ import annotations

import sqlalchemy as sa

from .index import Bind, has_matches, words_t
from .text import QueryError, Term, query_terms, stem, words

CANDIDATES_CHECKED = 3  # per word: each costs one query, and this runs only without results


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
    that finds live offers, or None. Ties go to the alphabetically first word."""
    word = (words(word) or [""])[0]
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


def suggest(bind: Bind, text: str) -> str | None:
    """The query with each word that finds nothing on its own replaced by its suggestion,
    when that whole query finds offers; else None."""
    try:
        terms = query_terms(text)
    except QueryError:
        return None
    fixed: list[Term] = []
    changed = False
    for term in terms:
        if not has_matches(bind, [term]):
            better = suggest_word(bind, term.word)
            if better is None:
                return None
            term = Term(stem(better), False, better)
            changed = True
        fixed.append(term)
    if not changed or not has_matches(bind, fixed):
        return None
    return " ".join(t.word for t in fixed)
