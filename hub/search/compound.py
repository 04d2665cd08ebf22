"""German compounds in a query: "Englischkurs" also finds offers that say "Englisch" and "Kurs"
apart. A query word is cut into two parts that are both words of the indexed texts
(search_words), so the dictionary is the hub's own vocabulary and no word list ships with it;
the term then matches its own token or both parts of the cut; a cut whose head is a generic
word (hub.search.text.GENERIC: "kurs", "seminar" …) matches by its first part alone.

Limits (see README, "Suche"): only the query is split, the index is not, so "Kurs" does not
find "Englischkurs" (a word is found only from its start: "Englisch" does find
"Englischkurs", hub.search.text); a cut has two parts (a third needs a second query word);
words under LONG_WORD letters are never cut. No decompounder library was taken: the ones on
PyPI are unmaintained (2020), GPL-licensed and load a 40 MB model at import, or need a newer
Python than the hub's."""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa

from .index import Bind, words_t
from .text import GENERIC, Term, compound_splits, term_of

LONG_WORD = 7  # "Yogakurs" (8) is cut, "Kursus" (6) is not


def with_compound_parts(bind: Bind, terms: Sequence[Term]) -> list[Term]:
    """The terms, each long one with the cut of its word whose parts are both indexed words
    (the longest such head: "Sprachkurse" is "sprach" + "kurse", not "spr" + "achkurse");
    one query for all of them."""
    cuts = {t.word: compound_splits(t.word) for t in terms if len(t.word) >= LONG_WORD}
    wanted = {part for found in cuts.values() for cut in found for part in cut}
    if not wanted:
        return list(terms)
    known = set(bind.execute(sa.select(words_t.c.word).where(
        words_t.c.word.in_(sorted(wanted)))).scalars())
    out = []
    for term in terms:
        cut = next((c for c in reversed(cuts.get(term.word, ()))
                    if c[0] in known and (c[1] in known or c[1] in GENERIC)), None)
        if cut is None:
            out.append(term)
        elif cut[1] in GENERIC:  # "Englischkurs": any English offer, as for "Englisch Kurs"
            out.append(Term(term.token, term.prefix, term.word, (term_of(cut[0]),)))
        else:
            out.append(Term(term.token, term.prefix, term.word,
                            (term_of(cut[0]), term_of(cut[1]))))
    return out
