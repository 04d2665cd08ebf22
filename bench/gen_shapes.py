"""Provider files of other shapes than the bench file (issue 17), with an equivalent Frictionless
Table Schema for each: 19, 30 or 61 template columns (real names and aliases from
vocab.columns), one row per offer or three dates per offer, optional columns mostly empty or
mostly filled, quoted multi-line cells, `;` with German dates and prices, UTF-8 or cp1252.

`write_shape(path, shape, rows, bad=0.0)` writes a file; with `bad` > 0 about that share of
rows carries one broken cell (bad date, code, price, number, empty required cell, duplicate
instance, course field differing within an offer), for comparing validator paths.

Run: .venv/bin/python -m bench.gen_shapes OUT_DIR [--rows N]  (writes every shape + schema)
"""
from __future__ import annotations

import argparse
import csv
import json
import random
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bildungsdaten.validators.rows import AZAV_FUNDING
from bildungsdaten.validators.template import EXAMPLE
from bildungsdaten.vocab.codelists import codelist, municipalities
from bildungsdaten.vocab.columns import COLUMNS_BY_NAME, Column
from bildungsdaten.vocab.table_schema import offers_table_schema

COLUMNS_19 = ("angebot_id", "termin_id", "titel", "beschreibung", "url", "lebensphase",
              "themenbereich", "anbieter_name", "kontakt_email", "beginn_datum", "ende_datum",
              "uhrzeit_von", "uhrzeit_bis", "lernform", "ort_name", "strasse", "plz", "ort",
              "preis")
COLUMNS_30 = COLUMNS_19 + ("schlagworte", "angebotsform", "anbieter_typ", "anbieter_url",
                           "kontakt_telefon", "wochentage", "anzahl_termine",
                           "unterrichtseinheiten", "termin_hinweis", "gemeinde_ags", "zielgruppe")
COLUMNS_61 = tuple(COLUMNS_BY_NAME)
WORDS = ["Englisch", "Spanisch", "Töpfern", "Yoga", "Pilates", "Excel", "Buchhaltung",
         "Rhetorik", "Fotografie", "Kochen", "Gitarre", "Malen", "Italienisch", "Erste-Hilfe",
         "Bewerbung", "Steuern", "Nähen", "Tanz", "Schach", "Deutsch", "Grundlagen", "Aufbau",
         "Intensiv", "Wochenende", "Abendkurs", "für", "Einsteiger", "Fortgeschrittene",
         "Größe", "Übung"]
# Code-list columns whose values vary per offer (the rest keep the template's example).
VARIED_CODES = ("lebensphase", "themenbereich", "angebotsform", "anbieter_typ", "niveau",
                "abschlussart", "rhythmus", "status")


@dataclass(frozen=True)
class Shape:
    """One kind of provider file."""

    name: str
    columns: tuple[str, ...]  # template column names, in file order
    rows_per_offer: int  # 1: one row per offer; 3: three dates per offer
    fill: float  # share of optional (not Pflicht/Bedingt) cells that are filled
    multiline: bool  # descriptions and notes with quoted line breaks, `;` and quotes
    encoding: str  # "utf-8" or "cp1252"
    aliases: bool = False  # headers use the columns' aliases where they have one

    def labels(self) -> list[str]:
        """The header row: every other column under its first alias when `aliases`."""
        out = []
        for name in self.columns:
            col = COLUMNS_BY_NAME[name]
            out.append(col.aliases[0] if self.aliases and col.aliases and col.number % 2 == 0
                       else name)
        return out


SHAPES: tuple[Shape, ...] = (
    # The file of issue 17: 19 columns, three dates per offer, `;`, German dates and prices.
    Shape("c19-3dates-utf8", COLUMNS_19, 3, 0.9, False, "utf-8", aliases=True),
    Shape("c19-3dates-cp1252-ml", COLUMNS_19, 3, 0.9, True, "cp1252"),
    Shape("c30-1row-sparse", COLUMNS_30, 1, 0.1, False, "utf-8", aliases=True),
    Shape("c30-3dates-filled-ml", COLUMNS_30, 3, 0.95, True, "utf-8"),
    Shape("c61-1row-sparse-cp1252", COLUMNS_61, 1, 0.15, False, "cp1252"),
    Shape("c61-3dates-filled-ml", COLUMNS_61, 3, 0.95, True, "utf-8", aliases=True),
)
SHAPES_BY_NAME = {s.name: s for s in SHAPES}


def table_schema(shape: Shape) -> dict[str, Any]:
    """The offers Table Schema cut to the shape's columns, named by its header labels."""
    fields = {f["name"]: f for f in offers_table_schema()["fields"]}
    out = []
    for name, label in zip(shape.columns, shape.labels(), strict=True):
        field = dict(fields[name])
        field["name"] = label
        out.append(field)
    return {"fields": out, "missingValues": [""]}


def _codes(name: str) -> list[str]:
    col = COLUMNS_BY_NAME[name]
    codes = list(codelist(col.codelist or "").codes)
    if name == "foerderung":
        codes = [c for c in codes if c not in AZAV_FUNDING]  # no AZAV number needed
    return codes


def _optional(col: Column) -> bool:
    # termin_id stays: without it two dates of an offer on one day would be duplicates.
    return col.requirement in ("E", "O") and col.name != "termin_id"


class _Offers:
    """Row values, offer by offer (course fields equal within an offer)."""

    def __init__(self, shape: Shape, seed: int) -> None:
        self.shape = shape
        self.rng = random.Random(seed)
        self.places = municipalities()
        self.codes = {name: _codes(name) for name in VARIED_CODES + ("foerderung",)}
        self.cols = [COLUMNS_BY_NAME[n] for n in shape.columns]

    def text(self, k: int) -> str:
        return " ".join(self.rng.choices(WORDS, k=k))

    def course(self, offer: int) -> dict[str, str]:
        rng, shape = self.rng, self.shape
        title = self.text(4)
        place = self.places[offer % len(self.places)]
        description = f"{title}: {self.text(25)}"
        if shape.multiline and offer % 2 == 0:
            description += f';\n"{self.text(3)}" – {self.text(10)}\r\n- {self.text(5)}'
        values = dict(EXAMPLE)
        values.update({
            "angebot_id": f"26H-{offer:07d}", "titel": title, "beschreibung": description,
            "schlagworte": "|".join(rng.sample(WORDS, 3)),
            "url": f"https://www.vhs-bergstrasse.de/kurs/26H-{offer:07d}",
            "kontakt_email": f"kurs{offer % 97}@vhs-bergstrasse.de",
            "plz": place.postal_code, "ort": place.short_name, "gemeinde_ags": place.ags,
            "lat": f"{place.lat:.4f}".replace(".", ","),
            "lon": f"{place.lon:.4f}".replace(".", ","),
            "zielgruppe": self.text(3), "alter_von": str(rng.randrange(6, 30)),
            "alter_bis": "99", "ects": rng.choice(("5", "2,5", "10")),
            "stand": f"{1 + rng.randrange(28):02d}.{1 + rng.randrange(12):02d}.2025",
        })
        for name, codes in self.codes.items():
            values[name] = codes[offer % len(codes)]
        for col in self.cols:  # course-level emptiness is the offer's, not the row's
            if col.level in ("course", "provider") and _optional(col) \
                    and rng.random() >= shape.fill:
                values[col.name] = ""
        return values

    def instance(self, offer: int, n: int, values: dict[str, str]) -> list[str]:
        rng, shape = self.rng, self.shape
        day, month = 1 + rng.randrange(28), 1 + rng.randrange(12)
        start_hour = rng.choice((9, 14, 18, 19))
        row = dict(values)
        row.update({
            "termin_id": f"26H-{offer:07d}-{n}",
            "beginn_datum": f"{day:02d}.{month:02d}.2026",
            "ende_datum": f"{day:02d}.{month:02d}.2027",
            "anmeldeschluss": f"{day:02d}.{month:02d}.2025",
            "uhrzeit_von": f"{start_hour:02d}:{rng.choice(('00', '30'))}",
            "uhrzeit_bis": f"{start_hour + 2:02d}:15",
            "anzahl_termine": str(rng.randrange(1, 20)),
            "unterrichtseinheiten": rng.choice(("24", "12,5", "40")),
            "preis": rng.choice(("89,00", "45,50", "120,00", "kostenlos", "12,00",
                                 "auf Anfrage")),
            "preis_ermaessigt": rng.choice(("62,30", "30", "")),
            "teilnehmende_min": str(rng.randrange(3, 8)),
            "teilnehmende_max": str(rng.randrange(8, 20)),
            "laufender_einstieg": rng.choice(("ja", "nein")),
        })
        if shape.multiline and n == 1:
            row["termin_hinweis"] = f"nicht am {day:02d}.{month:02d}.;\nbitte \"Material\" mitbringen"
        for col in self.cols:
            if col.level in ("instance", "venue") and _optional(col) \
                    and rng.random() >= shape.fill:
                row[col.name] = ""
        return [row.get(name, "") for name in shape.columns]


BREAKERS = ("date", "code", "price", "int", "required", "duplicate", "course", "length")


def _break(row: list[str], shape: Shape, rng: random.Random, previous: list[str] | None) -> None:
    """One broken cell in `row` (in place), of a kind the shape's columns allow."""
    pos = {name: i for i, name in enumerate(shape.columns)}
    kind = rng.choice(BREAKERS)
    if kind == "date":
        row[pos["beginn_datum"]] = rng.choice(("31.02.2026", "2026-03-01", "1.13.2026"))
    elif kind == "code":
        row[pos["themenbereich"]] = rng.choice(("Sprachen!", "unbekannt", ""))
    elif kind == "price":
        row[pos["preis"]] = rng.choice(("89.00", "89,0", "gratis", "-5,00"))
    elif kind == "int" and "anzahl_termine" in pos:
        row[pos["anzahl_termine"]] = rng.choice(("zwölf", "1,5", "-3"))
    elif kind == "required":
        row[pos[rng.choice(("titel", "lernform", "anbieter_name"))]] = " "
    elif kind == "duplicate" and previous is not None:
        row[pos["termin_id"]] = previous[pos["termin_id"]]
        row[pos["angebot_id"]] = previous[pos["angebot_id"]]
    elif kind == "course" and previous is not None:
        row[pos["angebot_id"]] = previous[pos["angebot_id"]]  # same offer, other title
    elif kind == "length":
        row[pos["titel"]] = "x" * 201
    else:
        row[pos["uhrzeit_von"]] = "25:00"


def write_shape(path: Path, shape: Shape, rows: int, *, seed: int = 17,
                bad: float = 0.0) -> None:
    """`rows` data rows of `shape` (both validators accept them when bad == 0)."""
    offers = _Offers(shape, seed)
    rng = random.Random(seed + 1)
    with open(path, "w", encoding=shape.encoding, newline="") as f:
        writer = csv.writer(f, delimiter=";", lineterminator="\r\n")
        writer.writerow(shape.labels())
        values: dict[str, str] = {}
        previous: list[str] | None = None
        for n in range(rows):
            offer, k = divmod(n, shape.rows_per_offer)
            if k == 0:
                values = offers.course(offer)
            row = offers.instance(offer, k, values)
            if bad and rng.random() < bad:
                _break(row, shape, rng, previous)
            writer.writerow(row)
            previous = row


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("out", type=Path)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--bad", type=float, default=0.0)
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    for shape in SHAPES:
        write_shape(args.out / f"{shape.name}.csv", shape, args.rows, bad=args.bad)
        (args.out / f"{shape.name}.schema.json").write_text(
            json.dumps(table_schema(shape), ensure_ascii=False, indent=1), encoding="utf-8")
        print(args.out / f"{shape.name}.csv")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
