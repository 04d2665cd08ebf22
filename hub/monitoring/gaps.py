"""Weiße Flecken: which municipalities have an offer within reach of their centre.

A date's place is its venue's coordinates, else the centre of its venue's municipality; dates
without a place (online) reach nobody. Distances are great-circle (haversine), not travel time.
"""
from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

Point = tuple[float, float]  # (lat, lon) in degrees, WGS84
EARTH_RADIUS_KM = 6371.0088


def distance_km(a: Point, b: Point) -> float:
    """Great-circle distance between two points."""
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = (math.sin((lat2 - lat1) / 2) ** 2
         + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2)
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


def date_points(dates: Iterable[Any], centres: dict[str, Point]) -> tuple[Point, ...]:
    """The distinct places of an offer's dates (each with `has_venue`, `lat`, `lon`, `ags`;
    `centres`: municipality AGS -> centre)."""
    points: set[Point] = set()
    for i in dates:
        if not i.has_venue:
            continue
        if i.lat is not None and i.lon is not None:
            points.add((float(i.lat), float(i.lon)))
        elif i.ags and i.ags in centres:
            points.add(centres[i.ags])
    return tuple(sorted(points))


class Reach:
    """Which municipality centres lie within `radius_km` of a set of points."""

    def __init__(self, centres: dict[str, Point], radius_km: float) -> None:
        self.centres = centres
        self.radius_km = radius_km
        self._cache: dict[Point, frozenset[str]] = {}  # venues repeat across offers

    def municipalities_near(self, points: Iterable[Point]) -> frozenset[str]:
        found: set[str] = set()
        for p in points:
            near = self._cache.get(p)
            if near is None:
                near = frozenset(ags for ags, c in self.centres.items()
                                 if distance_km(p, c) <= self.radius_km)
                self._cache[p] = near
            found |= near
        return frozenset(found)
