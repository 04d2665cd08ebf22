"""The district's municipalities as an inline SVG map, drawn from vocab.geo's boundaries with
no request to another host: each municipality a link with its number of offers in words."""
from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from markupsafe import Markup, escape

from ...vocab.codelists import municipality_by_ags
from ...vocab.geo import BOUNDARIES_ATTRIBUTION, municipality_boundaries

WIDTH = 600.0  # SVG user units; the map scales to its column with CSS
ATTRIBUTION = BOUNDARIES_ATTRIBUTION


@dataclass(frozen=True)
class Shape:
    ags: str
    name: str
    path: str
    label_x: float
    label_y: float


def _rings(geometry: dict[str, Any]) -> list[list[list[float]]]:
    if geometry["type"] == "Polygon":
        return list(geometry["coordinates"])
    return [ring for polygon in geometry["coordinates"] for ring in polygon]


@cache
def shapes() -> tuple[tuple[Shape, ...], float]:
    """Every municipality's outline in SVG units, and the map's height. Equirectangular with
    the longitude scaled by cos(mid latitude): true to shape at a district's size."""
    features = municipality_boundaries()["features"]
    points = [p for f in features for ring in _rings(f["geometry"]) for p in ring]
    west, east = min(p[0] for p in points), max(p[0] for p in points)
    south, north = min(p[1] for p in points), max(p[1] for p in points)
    kx = math.cos(math.radians((south + north) / 2))
    scale = WIDTH / ((east - west) * kx)
    height = (north - south) * scale

    def xy(lon: float, lat: float) -> tuple[float, float]:
        return (lon - west) * kx * scale, (north - lat) * scale

    out = []
    known = municipality_by_ags()
    for feature in features:
        ags, name = feature["properties"]["ags"], feature["properties"]["name"]
        path = []
        for ring in _rings(feature["geometry"]):
            coords = [xy(lon, lat) for lon, lat, *_ in ring]
            path.append("M" + " L".join(f"{x:.1f} {y:.1f}" for x, y in coords) + " Z")
        centre = known.get(ags)
        if centre is not None:
            lx, ly = xy(centre.lon, centre.lat)
        else:  # the mean of the outline's points
            ring = _rings(feature["geometry"])[0]
            lx, ly = xy(sum(p[0] for p in ring) / len(ring), sum(p[1] for p in ring) / len(ring))
        short = known[ags].short_name if ags in known else name
        out.append(Shape(ags, short, " ".join(path), lx, ly))
    return tuple(sorted(out, key=lambda s: s.name)), height


def offers_words(count: int) -> str:
    return "kein Angebot" if count == 0 else ("1 Angebot" if count == 1 else f"{count} Angebote")


def municipality_map(counts: Mapping[str, int], link: Callable[[str], str]) -> Markup:
    """The inline SVG: each municipality a link (to `link(ags)`) named with its count."""
    items, height = shapes()
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH:.0f} {height:.0f}" '
             'role="group" aria-labelledby="karte-titel">'
             '<title id="karte-titel">Karte der Gemeinden mit der Zahl der Angebote</title>']
    for shape in items:
        count = counts.get(shape.ags, 0)
        label = f"{shape.name}: {offers_words(count)}"
        css = ' class="has-offers"' if count else ""
        parts.append(f'<a href="{escape(link(shape.ags))}"{css} aria-label="{escape(label)}">'
                     f'<path d="{shape.path}"><title>{escape(label)}</title></path></a>')
    for shape in items:  # labels above every outline; they take no pointer events
        parts.append(f'<text x="{shape.label_x:.1f}" y="{shape.label_y:.1f}" '
                     f'text-anchor="middle" aria-hidden="true">{counts.get(shape.ags, 0)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def tile_markers(counts: Mapping[str, int], link: Callable[[str], str]) -> list[dict[str, Any]]:
    """The tile map's markers: one per municipality with matching offers, at its centre, with
    its count and search link. One marker per place, not per offer: at most the district's
    municipalities, whatever the number of offers (so no clustering is needed)."""
    known = municipality_by_ags()
    return [{"name": m.short_name, "lat": m.lat, "lon": m.lon, "count": count,
             "label": f"{m.short_name}: {offers_words(count)}", "url": link(ags)}
            for ags, count in sorted(counts.items()) if count and (m := known.get(ags))]
