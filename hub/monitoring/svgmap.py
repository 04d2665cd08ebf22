"""A choropleth of the municipalities as inline SVG: no script, no tiles, no other host.

Colours: five classes of the viridis palette (sequential, readable with the common colour
vision deficiencies and in greyscale); municipalities without a value get a hatch and say so
in their tooltip. Every map is accompanied by the same values as a table on the page.
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from markupsafe import Markup, escape

# viridis, light to dark: low values light, high values dark
PALETTE = ("#fde725", "#5ec962", "#21918c", "#3b528b", "#440154")
WIDTH = 600.0


@dataclass(frozen=True)
class MapClass:
    index: int  # position in PALETTE (the legend's CSS class klasse-<index>)
    colour: str
    low: float
    high: float


def classes(values: Sequence[float]) -> list[MapClass]:
    """Equal-interval classes between the smallest and the largest value (one when equal)."""
    if not values:
        return []
    lo, hi = min(values), max(values)
    if math.isclose(lo, hi):
        return [MapClass(2, PALETTE[2], lo, hi)]
    step = (hi - lo) / len(PALETTE)
    return [MapClass(i, c, lo + i * step, hi if i == len(PALETTE) - 1 else lo + (i + 1) * step)
            for i, c in enumerate(PALETTE)]


def class_of(value: float, bins: list[MapClass]) -> MapClass:
    for b in bins:
        if value <= b.high:
            return b
    return bins[-1]


def _rings(geometry: dict[str, Any]) -> list[list[list[float]]]:
    if geometry["type"] == "Polygon":
        return list(geometry["coordinates"])
    return [ring for polygon in geometry["coordinates"] for ring in polygon]


def choropleth(boundaries: dict[str, Any], values: dict[str, float], title: str,
               fmt: Any, href: Any) -> Markup:
    """The map: `values` by AGS, `fmt(value)` for tooltips, `href(ags)` the link of an area."""
    features = boundaries["features"]
    points = [p for f in features for ring in _rings(f["geometry"]) for p in ring]
    min_lon, max_lon = min(p[0] for p in points), max(p[0] for p in points)
    min_lat, max_lat = min(p[1] for p in points), max(p[1] for p in points)
    # Equirectangular with the longitude scaled at the mid latitude: true enough for a district.
    kx = math.cos(math.radians((min_lat + max_lat) / 2))
    scale = WIDTH / ((max_lon - min_lon) * kx)
    height = (max_lat - min_lat) * scale

    def xy(p: list[float]) -> str:
        return f"{(p[0] - min_lon) * kx * scale:.1f},{(max_lat - p[1]) * scale:.1f}"

    bins = classes(list(values.values()))
    parts = [f'<svg class="karte" viewBox="0 0 {WIDTH:.0f} {height:.0f}" role="group" '
             f'aria-labelledby="karte-titel" xmlns="http://www.w3.org/2000/svg">',
             f'<title id="karte-titel">{escape(title)}</title>',
             '<defs><pattern id="keine-angabe" width="6" height="6" patternUnits="userSpaceOnUse" '
             'patternTransform="rotate(45)"><rect width="6" height="6" fill="#fff"/>'
             '<line x1="0" y1="0" x2="0" y2="6" stroke="#767676" stroke-width="2"/></pattern></defs>']
    for f in sorted(features, key=lambda f: f["properties"]["ags"]):
        ags, name = f["properties"]["ags"], f["properties"]["name"]
        d = " ".join("M" + " L".join(xy(p) for p in ring) + " Z" for ring in _rings(f["geometry"]))
        if ags in values:
            fill, text = class_of(values[ags], bins).colour, fmt(values[ags])
        else:
            fill, text = "url(#keine-angabe)", "keine Angabe"
        # a group of links (not role="img", which must not hold links), each named in words
        parts.append(f'<a href="{escape(href(ags))}" aria-label="{escape(name)}: {escape(text)}"><path d="{d}" fill="{fill}" '
                     f'stroke="#222" stroke-width="0.8"><title>{escape(name)}: {escape(text)}'
                     '</title></path></a>')
    parts.append("</svg>")
    return Markup("".join(parts))
