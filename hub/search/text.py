"""German text -> search tokens, the same in Python for the index and for the query, so
SQLite (FTS5) and PostgreSQL (tsvector) compare the very same strings and answer alike.

A token is a word folded (NFKC, casefold: ß = ss; diacritics dropped after the stemmer has
turned umlauts and their "ae/oe/ue" spellings into plain vowels) and stemmed by the Snowball
German stemmer until it no longer changes: Snowball alone stems "Kurs" to "kur" but "Kurse"
to "kurs"; a second pass makes both "kur", so every inflected form meets.
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

import snowballstemmer

_WORD = re.compile(r"[^\W_]+")  # letters and digits; "_", "%", "-", markup are separators
_STEMMER = snowballstemmer.stemmer("german")
# Prefix search (the query's stem opens a compound: "englisch" finds "Englischkurs") only
# for stems this long: "b" or "zu" as prefixes would match nearly every offer.
PREFIX_MIN = 3
MAX_QUERY_CHARS = 200
MAX_QUERY_TERMS = 8
# Function words a query may contain ("Kurs für Senioren") but no offer must repeat: dropped
# from queries unless nothing else is left. Folded words, as words() gives them.
STOPWORDS = frozenset("""
aber als am an auch auf aus bei beim bis das dem den der des die ein eine einem einen einer
eines für fuer im in ins mit nach oder ohne sie und über ueber um unter vom von vor wie zu
zum zur
""".split())
# Words that only say "an offer" ("Englisch Kurs", the head of "Englischkurs"): most offers
# never repeat them, so beside other words they would hide the courses a citizen means; they
# are dropped like STOPWORDS, and searched when alone. Folded words.
GENERIC = frozenset("""
angebot angebote kurs kurse kursus kursen lehrgang lehrgänge seminar seminare schulung
schulungen training trainings unterricht veranstaltung veranstaltungen workshop workshops
""".split())


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    """The search token of one folded word (see the module doc); words repeat, so cached."""
    for _ in range(3):
        stemmed = _STEMMER.stemWord(word)
        if stemmed == word:
            break
        word = stemmed
    if not word.isascii():
        word = "".join(c for c in unicodedata.normalize("NFKD", word)
                       if not unicodedata.combining(c))
    return word


def words(text: str | None) -> list[str]:
    """The folded words of a text in order (lower case, umlauts kept)."""
    if not text:
        return []
    return _WORD.findall(unicodedata.normalize("NFKC", text).casefold())


def tokens(texts: Iterable[str | None]) -> list[str]:
    """The distinct search tokens of some texts, in order of first appearance."""
    return tokens_of(word for text in texts for word in words(text))


def tokens_of(folded: Iterable[str]) -> list[str]:
    """The distinct search tokens of some folded words (see words), in order."""
    seen = dict.fromkeys(map(stem, folded))
    seen.pop("", None)
    return list(seen)


class QueryError(ValueError):
    """A free text that cannot be searched; the message is German, for the user."""


@dataclass(frozen=True)
class Term:
    """One word of a query: its token, and whether it also matches longer tokens; `parts`:
    the words of a compound it splits into (hub.search.compound), matched as an alternative
    to the token ("Englischkurs" or "Englisch" and "Kurs")."""

    token: str
    prefix: bool
    word: str  # as typed (folded), for spelling suggestions
    parts: tuple[Term, ...] = ()


# Joints between the parts of a German compound ("Bildungsurlaub", "Sonnenschein"): a head
# may end in one of these on top of its own form.
FUGEN = ("s", "es", "n", "en")
PART_MIN = 3  # a shorter part ("An", "Ei") would split nearly every word somewhere


# Endings of an inflected last part ("Englischkurse", "Sprachkursen"): its base form is what
# the texts are likely to hold as a word of its own.
ENDINGS = ("e", "en", "n", "s", "es", "er", "ern")


def compound_splits(word: str) -> list[tuple[str, str]]:
    """Every way to cut a folded word into (head, tail), both at least PART_MIN letters; the
    head also without a joint (FUGEN), the tail also without an ending (ENDINGS). Which of
    them are real words decides the caller."""
    out: list[tuple[str, str]] = []
    for cut in range(PART_MIN, len(word) - PART_MIN + 1):
        head, tail = word[:cut], word[cut:]
        heads = [head, *(head[:-len(j)] for j in FUGEN if head.endswith(j))]
        tails = [tail, *(tail[:-len(e)] for e in ENDINGS if tail.endswith(e))]
        out.extend((h, t) for h in heads for t in tails
                   if len(h) >= PART_MIN and len(t) >= PART_MIN)
    return out


def term_of(word: str) -> Term:
    """The term of one folded word."""
    token = stem(word)
    return Term(token, len(token) >= PREFIX_MIN, word)


def query_terms(text: str) -> list[Term]:
    """The terms of a free-text query; every one must match. QueryError for a text that is
    too long, holds markup, or has no word at all (only `%`, `_` or punctuation)."""
    if len(text) > MAX_QUERY_CHARS:
        raise QueryError(f"Der Suchtext ist zu lang (höchstens {MAX_QUERY_CHARS} Zeichen).")
    if re.search(r"<\s*/?\s*[A-Za-z!]", text):
        raise QueryError("Der Suchtext darf kein HTML enthalten.")
    found: dict[str, Term] = {}
    for word in words(text):
        token = stem(word)
        if token and token not in found:
            found[token] = Term(token, len(token) >= PREFIX_MIN, word)
    if not found:
        raise QueryError("Der Suchtext enthält kein Wort, nach dem gesucht werden kann.")
    content = [t for t in found.values() if t.word not in STOPWORDS] or list(found.values())
    terms = [t for t in content if t.word not in GENERIC] or content
    if len(terms) > MAX_QUERY_TERMS:
        raise QueryError(f"Bitte höchstens {MAX_QUERY_TERMS} Suchwörter angeben.")
    return terms
