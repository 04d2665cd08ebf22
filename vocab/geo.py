"""The district's reference geography as data: population (Zensus 2022) and boundaries (BKG).

Sources and the attribution a map must show: vocab/data/SOURCES.md.
"""
from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

POPULATION_SOURCE = ("Statistische Ämter des Bundes und der Länder, Zensus 2022 "
                     "(Stichtag 15.05.2022), Tabelle 1000A-0000, dl-de/by-2-0")
POPULATION_DATE = "2022-05-15"
BOUNDARIES_ATTRIBUTION = "© GeoBasis-DE / BKG 2016 (Daten verändert)"


@dataclass(frozen=True)
class Population:
    """Inhabitants of one municipality on the census reference date."""

    ags: str
    name: str
    inhabitants: int
    reference_date: str


def _data_text(name: str) -> str:
    return resources.files(__package__).joinpath(f"data/{name}").read_text("utf-8")


@cache
def population_by_ags() -> dict[str, Population]:
    """Zensus 2022 population of each municipality of the district, by AGS."""
    rows = csv.DictReader(_data_text("population_zensus2022.csv").splitlines())
    return {r["ags"]: Population(r["ags"], r["name"], int(r["einwohner"]), r["stichtag"])
            for r in rows}


def district_population() -> int:
    """The district's population: the sum over its municipalities (271,617 in Zensus 2022)."""
    return sum(p.inhabitants for p in population_by_ags().values())


@cache
def municipality_boundaries() -> dict[str, Any]:
    """The municipalities' boundaries as a GeoJSON FeatureCollection (WGS84; properties
    `ags`, `name`). Whoever draws a map from it shows BOUNDARIES_ATTRIBUTION."""
    data: dict[str, Any] = json.loads(_data_text("municipalities.geojson"))
    return data
