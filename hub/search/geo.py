"""Place and radius: `near` (an AGS, a postal code or name of the district, or "lat,lon") as a
point, and SQL for "some date of the offer within the radius" and "distance of its nearest
date", the same on SQLite and PostgreSQL. No geocoding service: places come from the
municipality list (vocab/data/municipalities.csv) and the postal codes of stored venues.

A date's position is its venue's lat/lon, else the centre of its venue's municipality; dates
without a venue (online) have none. Venues are few (one per provider and address), so the
radius is decided per venue: a bounding box first, then the exact great-circle distance.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np
import sqlalchemy as sa

from ...vocab.codelists import (
    Municipality,
    municipalities,
    municipality_by_ags,
    municipality_by_postal_code,
    normalise,
)
from ...vocab.geo import municipality_boundaries
from ..models import OfferInstance, Venue
from .index import Bind

instances_t: sa.Table = OfferInstance.__table__  # type: ignore[assignment]
venues_t: sa.Table = Venue.__table__  # type: ignore[assignment]

EARTH_KM = 6371.0088  # mean Earth radius (IUGG)
KM_PER_DEGREE = 111.195  # of latitude, on that sphere
DEFAULT_RADIUS_KM = 10.0
MAX_RADIUS_KM = 100.0  # the district is about 50 km across; more is a typo or a probe
MARGIN_KM = 15.0  # a browser's position this far outside the district still searches in it


class PlaceError(ValueError):
    """A place or radius the search cannot use; the message is German, for the user."""


@dataclass(frozen=True)
class Place:
    """A point to measure from, and what it was called."""

    lat: float
    lon: float
    label: str
    ags: str | None = None


@cache
def district_box() -> tuple[float, float, float, float]:
    """(south, west, north, east) of the district's boundaries, widened by MARGIN_KM."""
    lats: list[float] = []
    lons: list[float] = []

    def walk(coords: Any) -> None:
        if coords and isinstance(coords[0], (int, float)):
            lons.append(float(coords[0]))
            lats.append(float(coords[1]))
            return
        for part in coords:
            walk(part)

    for feature in municipality_boundaries()["features"]:
        walk(feature["geometry"]["coordinates"])
    dlat = MARGIN_KM / KM_PER_DEGREE
    dlon = MARGIN_KM / (KM_PER_DEGREE * math.cos(math.radians(max(lats))))
    return min(lats) - dlat, min(lons) - dlon, max(lats) + dlat, max(lons) + dlon


def _place_of(m: Municipality) -> Place:
    return Place(m.lat, m.lon, m.short_name, m.ags)


def parse_near(bind: Bind, text: str, district: str = "Kreis") -> Place:
    """The point of `near`: an AGS, a postal code or a municipality name of the district, or
    "lat,lon" (WGS84) in or near it. PlaceError otherwise, saying why in German."""
    text = text.strip()
    if len(text) > 100:
        raise PlaceError("Die Ortsangabe ist zu lang.")
    if re.fullmatch(r"\d{8}", text):
        m = municipality_by_ags().get(text)
        if m is None:
            raise PlaceError(f"Der Gemeindeschlüssel {text} gehört zu keiner Gemeinde im {district}.")
        return _place_of(m)
    if re.fullmatch(r"\d{5}", text):
        m = municipality_by_postal_code().get(text) or _venue_postal_code(bind, text)
        if m is None:
            raise PlaceError(f"Die Postleitzahl {text} liegt nicht im {district}; gesucht "
                             "werden kann nur dort.")
        return _place_of(m)
    point = re.fullmatch(r"\s*(-?\d{1,3}(?:\.\d+)?)\s*,\s*(-?\d{1,3}(?:\.\d+)?)\s*", text)
    if point:
        lat, lon = float(point.group(1)), float(point.group(2))
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            raise PlaceError("Erwartet werden Breite und Länge in Grad (WGS84), z. B. "
                             "49.6837,8.6184.")
        south, west, north, east = district_box()
        if not (south <= lat <= north and west <= lon <= east):
            raise PlaceError(f"Der Standort {lat},{lon} liegt nicht im {district}; gesucht "
                             "werden kann nur dort.")
        return Place(lat, lon, f"{lat},{lon}")
    if re.search(r"\d", text) or not text:
        raise PlaceError("Erwartet wird ein Gemeindeschlüssel (8 Ziffern), eine Postleitzahl, "
                         "ein Ortsname oder „Breite,Länge“.")
    wanted = normalise(text.split("(")[0])
    for m in municipalities():
        if normalise(m.short_name.split("(")[0]) == wanted or normalise(m.name) == wanted:
            return _place_of(m)
    raise PlaceError(f"Den Ort „{text}“ gibt es im {district} nicht; gesucht werden kann "
                     "nur nach seinen Gemeinden.")


def _venue_postal_code(bind: Bind, postal_code: str) -> Municipality | None:
    """A district municipality by a postal code some stored venue has (towns with several
    postal codes list only their main one)."""
    ags = bind.execute(sa.select(venues_t.c.ags).where(
        venues_t.c.postal_code == postal_code, venues_t.c.ags.in_(list(municipality_by_ags())))
        .group_by(venues_t.c.ags).order_by(sa.func.count().desc(), venues_t.c.ags).limit(1)
    ).scalar()
    return municipality_by_ags().get(ags) if ags else None


def parse_radius(text: str | None) -> float:
    """radius_km: a number of kilometres, more than 0 and at most MAX_RADIUS_KM."""
    if text is None or text == "":
        return DEFAULT_RADIUS_KM
    try:
        radius = float(text.replace(",", "."))
    except ValueError:
        raise PlaceError("Erwartet wird eine Zahl von Kilometern, z. B. 10.") from None
    if not (0 < radius <= MAX_RADIUS_KM) or math.isnan(radius):
        raise PlaceError(f"Der Umkreis muss größer als 0 und höchstens {MAX_RADIUS_KM:g} km "
                         "sein.")
    return radius


def _distances_km(place: Place, lats: list[float], lons: list[float]) -> Any:
    """Great-circle distance (haversine, as the SQL below computes it) in km from `place` to
    each point, vectorised: a radius around a town holds thousands of venues at 100,000
    offers."""
    p1, p2 = math.radians(place.lat), np.radians(np.array(lats, np.float64))
    dlon = np.radians(np.array(lons, np.float64) - place.lon)
    h = np.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * np.cos(p2) * np.sin(dlon / 2) ** 2
    return 2 * EARTH_KM * np.arcsin(np.minimum(1.0, np.sqrt(h)))


# --- SQL -----------------------------------------------------------------------------------

def _venue_position() -> tuple[sa.ColumnElement[float], sa.ColumnElement[float]]:
    """A venue's lat and lon: its own, else its municipality's centre (NULL for neither)."""
    by_ags = municipality_by_ags()
    lat = sa.case({a: m.lat for a, m in by_ags.items()}, value=venues_t.c.ags, else_=None)
    lon = sa.case({a: m.lon for a, m in by_ags.items()}, value=venues_t.c.ags, else_=None)
    own = sa.and_(venues_t.c.lat.is_not(None), venues_t.c.lon.is_not(None))
    return (sa.case((own, sa.cast(venues_t.c.lat, sa.Float)), else_=sa.cast(lat, sa.Float)),
            sa.case((own, sa.cast(venues_t.c.lon, sa.Float)), else_=sa.cast(lon, sa.Float)))


def _distance_sql(place: Place) -> sa.ColumnElement[float]:
    lat, lon = _venue_position()
    f = sa.func
    p1 = math.radians(place.lat)
    h = (f.power(f.sin((f.radians(lat) - p1) / 2), 2)
         + math.cos(p1) * f.cos(f.radians(lat))
         * f.power(f.sin((f.radians(lon) - math.radians(place.lon)) / 2), 2))
    return 2 * EARTH_KM * f.asin(f.sqrt(h))


def _venues_near(place: Place, radius_km: float) -> sa.Select[Any]:
    """(id, km) of the venues within `radius_km` of `place`."""
    lat, lon = _venue_position()
    dlat = radius_km / KM_PER_DEGREE
    dlon = radius_km / (KM_PER_DEGREE * max(0.01, math.cos(math.radians(place.lat))))
    km = _distance_sql(place)
    return sa.select(venues_t.c.id, km.label("km")).where(
        lat.between(place.lat - dlat, place.lat + dlat),
        lon.between(place.lon - dlon, place.lon + dlon),
        km <= radius_km)


# Up to this many venues in the radius are listed by id (a planner estimates a list well,
# the distance formula not at all); more are selected by the formula in SQL.
MAX_LISTED_VENUES = 5000


@dataclass(frozen=True)
class Radius:
    """A place, a radius, and the venues within it with their distance in whole metres
    (computed in Python, so both databases order alike); `venues` None = too many to list."""

    place: Place
    km: float
    venues: tuple[tuple[int, int], ...] | None


def resolve_radius(bind: Bind, place: Place, radius_km: float) -> Radius:
    """The venues within `radius_km` of `place`: a bounding box in SQL, then haversine."""
    lat, lon = _venue_position()
    dlat = radius_km / KM_PER_DEGREE
    dlon = radius_km / (KM_PER_DEGREE * max(0.01, math.cos(math.radians(place.lat))))
    rows = bind.execute(sa.select(venues_t.c.id, lat, lon).where(
        lat.between(place.lat - dlat, place.lat + dlat),
        lon.between(place.lon - dlon, place.lon + dlon)).order_by(venues_t.c.id)).all()
    km = _distances_km(place, [float(r[1]) for r in rows], [float(r[2]) for r in rows])
    found = tuple((vid, round(1000 * d)) for (vid, _, _), d in zip(rows, km.tolist(), strict=True)
                  if d <= radius_km)
    return Radius(place, radius_km, found if len(found) <= MAX_LISTED_VENUES else None)


def venue_condition(radius: Radius, venue_id: Any = instances_t.c.venue_id
                    ) -> sa.ColumnElement[bool]:
    """offer_instances.venue_id (or that column as the caller renders it) is a venue within
    the radius (an instance condition, held together with the other ones)."""
    if radius.venues is None:
        return venue_id.in_(venues_within(radius.place, radius.km))  # type: ignore[no-any-return]
    if not radius.venues:
        return sa.false()
    return venue_id.in_([vid for vid, _ in radius.venues])  # type: ignore[no-any-return]


def nearest(radius: Radius, offer_ids: sa.Select[Any] | None) -> sa.Subquery:
    """(offer_id, distance_m): metres to the nearest date within the radius of each offer
    among `offer_ids` (when few match, the minimum is not worked out for every offer around;
    None: for all of them)."""
    i = instances_t
    if radius.venues is None:
        return nearest_within(radius.place, radius.km, offer_ids)
    # VALUES with its own columns (column1, column2 on both databases; SQLite has no column
    # aliases for it). Only integers made here are written into the SQL.
    rows = ", ".join(f"({int(vid)}, {int(m)})" for vid, m in radius.venues or [(0, 0)])
    listed = (sa.text(f"SELECT column1 AS id, column2 AS m FROM (VALUES {rows}) AS near_list")
              .columns(sa.column("id", sa.Integer), sa.column("m", sa.Integer))
              .subquery("near_venues"))
    return (sa.select(i.c.offer_id, sa.func.min(listed.c.m).label("distance_m"))
            .select_from(i.join(listed, listed.c.id == i.c.venue_id))
            .where(*([] if offer_ids is None else [i.c.offer_id.in_(offer_ids)]))
            .group_by(i.c.offer_id).subquery())


def venues_within(place: Place, radius_km: float) -> sa.Select[Any]:
    """SELECT venues.id of the venues within `radius_km` of `place`: for an instance
    condition `offer_instances.venue_id IN (...)` held together with the other ones."""
    return sa.select(_venues_near(place, radius_km).subquery().c.id)


def nearest_within(place: Place, radius_km: float,
                   offer_ids: sa.Select[Any] | None) -> sa.Subquery:
    """(offer_id, distance_m): metres from `place` to each offer's nearest date within
    `radius_km`, rounded to whole metres so the keyset (distance, id) of sort=distance
    compares exactly. The distance is computed once per venue, not per date."""
    near = _venues_near(place, radius_km).subquery()
    i = instances_t
    return (sa.select(i.c.offer_id,
                      sa.cast(sa.func.round(sa.func.min(near.c.km) * 1000), sa.Integer)
                      .label("distance_m"))
            .select_from(i.join(near, near.c.id == i.c.venue_id))
            .where(*([] if offer_ids is None else [i.c.offer_id.in_(offer_ids)]))
            .group_by(i.c.offer_id).subquery())
