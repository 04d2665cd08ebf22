"""Loader for the code lists and municipalities: fast, cached Python lookups over vocab/data."""
from __future__ import annotations

import csv
import difflib
import tomllib
import unicodedata
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

from .terms import VOCAB_NS


def normalise(text: str) -> str:
    """Fold a provider's spelling for matching: case, spaces, umlauts (ä = ae), dashes."""
    text = unicodedata.normalize("NFC", text).strip().casefold()
    for src, dst in (("ä", "ae"), ("ö", "oe"), ("ü", "ue"), ("ß", "ss"), ("–", "-"), ("—", "-")):
        text = text.replace(src, dst)
    return " ".join(text.replace("_", " ").replace("-", " ").split())


@dataclass(frozen=True)
class Concept:
    """One code of a code list, with labels, synonyms and mappings to other vocabularies."""

    scheme: str
    code: str
    label_de: str
    label_en: str
    synonyms: tuple[str, ...] = ()
    mappings: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)

    @property
    def iri(self) -> str:
        """The instance-independent IRI of this concept."""
        return f"{VOCAB_NS}{self.scheme}/{self.code}"

    def label(self, lang: str = "de") -> str:
        return self.label_en if lang == "en" else self.label_de


@dataclass(frozen=True)
class Codelist:
    """A code list (a SKOS concept scheme) with a tolerant lookup for what providers write."""

    name: str
    label_de: str
    label_en: str
    concepts: tuple[Concept, ...]
    _index: dict[str, Concept] = field(default_factory=dict, hash=False, compare=False, repr=False)

    @property
    def iri(self) -> str:
        return f"{VOCAB_NS}{self.name}"

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(c.code for c in self.concepts)

    def get(self, code: str) -> Concept | None:
        """The concept with exactly this code, or None."""
        for concept in self.concepts:
            if concept.code == code:
                return concept
        return None

    def lookup(self, text: str) -> Concept | None:
        """The concept a provider meant: code, label or synonym, tolerant of case and umlauts."""
        return self._index.get(normalise(text))

    def suggest(self, text: str) -> str | None:
        """The closest code for a "meinten Sie …?" hint, or None when nothing is close."""
        hits = difflib.get_close_matches(normalise(text), list(self._index), n=1, cutoff=0.6)
        return self._index[hits[0]].code if hits else None


def _build(name: str, raw: dict[str, Any]) -> Codelist:
    concepts = []
    index: dict[str, Concept] = {}
    for item in raw["concepts"]:
        extra = {k: v for k, v in item.items() if k not in ("code", "de", "en", "synonyms")}
        concept = Concept(name, item["code"], item["de"], item["en"],
                          tuple(item.get("synonyms", ())), extra)
        concepts.append(concept)
    # Codes win over labels, labels over synonyms, when two concepts share a spelling.
    for key_of in (lambda c: c.synonyms, lambda c: (c.label_de, c.label_en), lambda c: (c.code,)):
        for concept in concepts:
            for key in key_of(concept):
                index[normalise(key)] = concept
    return Codelist(name, raw["de"], raw["en"], tuple(concepts), index)


@cache
def codelists() -> dict[str, Codelist]:
    """Every code list by name, loaded once from vocab/data/codelists.toml."""
    data = resources.files(__package__).joinpath("data/codelists.toml").read_bytes()
    return {name: _build(name, raw) for name, raw in tomllib.loads(data.decode()).items()}


def codelist(name: str) -> Codelist:
    """One code list by name; KeyError for an unknown name."""
    return codelists()[name]


@dataclass(frozen=True)
class Municipality:
    """A municipality of the district (Destatis AGS, main postal code, centre)."""

    ags: str
    name: str
    kind: str
    postal_code: str
    lat: float
    lon: float

    @property
    def short_name(self) -> str:
        """The name without the ", Stadt" suffix of the official list."""
        return self.name.split(",")[0]


@cache
def municipalities() -> tuple[Municipality, ...]:
    """The district's municipalities in AGS order."""
    text = resources.files(__package__).joinpath("data/municipalities.csv").read_text("utf-8")
    lines = [line for line in text.splitlines() if not line.startswith("#")]
    return tuple(
        Municipality(r["ags"], r["name"], r["kind"], r["postal_code"], float(r["lat"]),
                     float(r["lon"]))
        for r in csv.DictReader(lines, delimiter=";")
    )


@cache
def municipality_by_ags() -> dict[str, Municipality]:
    return {m.ags: m for m in municipalities()}


@cache
def municipality_by_postal_code() -> dict[str, Municipality]:
    return {m.postal_code: m for m in municipalities()}


def find_municipality(postal_code: str | None, locality: str | None) -> Municipality | None:
    """The district municipality of an address, by postal code, else by locality name."""
    if postal_code and postal_code in municipality_by_postal_code():
        return municipality_by_postal_code()[postal_code]
    if locality:
        wanted = normalise(locality.split("(")[0])
        for m in municipalities():
            if normalise(m.short_name.split("(")[0]) == wanted:
                return m
    return None
