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

from ..portal.mapsvg import WIDTH, shapes

# viridis, light to dark: low values light, high values dark
PALETTE = ("#fde725", "#5ec962", "#21918c", "#3b528b", "#440154")


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


def choropleth(values: dict[str, float], title: str, fmt: Any, href: Any,
               missing: dict[str, str] | None = None) -> Markup:
    """The map: `values` by AGS, `fmt(value)` for tooltips, `href(ags)` the link of an area,
    `missing` what a hatched area says instead of "keine Angabe" (e.g. "gesperrt").
    The outlines are the portal map's (one projection of the boundaries for every map)."""
    outlines, height = shapes()
    bins = classes(list(values.values()))
    parts = [f'<svg class="karte" viewBox="0 0 {WIDTH:.0f} {height:.0f}" role="group" '
             f'aria-labelledby="karte-titel" xmlns="http://www.w3.org/2000/svg">',
             f'<title id="karte-titel">{escape(title)}</title>',
             '<defs><pattern id="keine-angabe" width="6" height="6" patternUnits="userSpaceOnUse" '
             'patternTransform="rotate(45)"><rect width="6" height="6" fill="#fff"/>'
             '<line x1="0" y1="0" x2="0" y2="6" stroke="#767676" stroke-width="2"/></pattern></defs>']
    for shape in sorted(outlines, key=lambda s: s.ags):
        ags, name, d = shape.ags, shape.name, shape.path
        if ags in values:
            fill, text = class_of(values[ags], bins).colour, fmt(values[ags])
        else:
            fill, text = "url(#keine-angabe)", (missing or {}).get(ags, "keine Angabe")
        # a group of links (not role="img", which must not hold links), each named in words
        parts.append(f'<a href="{escape(href(ags))}" aria-label="{escape(name)}: {escape(text)}"><path d="{d}" fill="{fill}" '
                     f'stroke="#222" stroke-width="0.8"><title>{escape(name)}: {escape(text)}'
                     '</title></path></a>')
    parts.append("</svg>")
    return Markup("".join(parts))
