"""A time-series line chart as inline SVG (no script): one line per series, told apart by
colour, dash and marker shape, never by colour alone; the page shows the values as a table."""
from __future__ import annotations

from collections.abc import Callable
from datetime import date

from markupsafe import Markup, escape

# dark blue solid with circles, orange dashed with squares (Okabe–Ito orange, dark enough)
STYLES = (("#3b528b", "", "circle"), ("#b35806", "6 4", "square"))
W, H, PAD_L, PAD_R, PAD_T, PAD_B = 600, 260, 64, 16, 16, 40


def line_chart(series: dict[str, list[tuple[date, float]]], title: str,
               fmt: Callable[[float], str]) -> Markup:
    """Up to two series of (day, value); the y axis starts at 0."""
    days = sorted({d for points in series.values() for d, _ in points})
    values = [v for points in series.values() for _, v in points]
    if not days:
        return Markup("")
    top = max(values + [0.0]) or 1.0
    span = max((days[-1] - days[0]).days, 1)

    def x(d: date) -> float:
        if len(days) == 1:
            return PAD_L + (W - PAD_L - PAD_R) / 2
        return PAD_L + (d - days[0]).days / span * (W - PAD_L - PAD_R)

    def y(v: float) -> float:
        return PAD_T + (1 - v / top) * (H - PAD_T - PAD_B)

    parts = [f'<svg class="verlauf" viewBox="0 0 {W} {H}" role="img" aria-labelledby="verlauf-titel" '
             'xmlns="http://www.w3.org/2000/svg">', f'<title id="verlauf-titel">{escape(title)}</title>',
             f'<line x1="{PAD_L}" y1="{y(0):.1f}" x2="{W - PAD_R}" y2="{y(0):.1f}" stroke="#555"/>',
             f'<line x1="{PAD_L}" y1="{PAD_T}" x2="{PAD_L}" y2="{y(0):.1f}" stroke="#555"/>']
    for v in (0.0, top / 2, top):
        parts.append(f'<text x="{PAD_L - 6}" y="{y(v) + 4:.1f}" text-anchor="end" '
                     f'font-size="12">{escape(fmt(v))}</text>')
    for d in {days[0], days[-1]}:
        parts.append(f'<text x="{x(d):.1f}" y="{H - 14}" text-anchor="middle" font-size="12">'
                     f'{d.strftime("%d.%m.%Y")}</text>')
    for (name, points), (colour, dash, marker) in zip(series.items(), STYLES, strict=False):
        pts = sorted(points)
        path = " ".join(f"{x(d):.1f},{y(v):.1f}" for d, v in pts)
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        parts.append(f'<polyline points="{path}" fill="none" stroke="{colour}" '
                     f'stroke-width="2.5"{dash_attr}><title>{escape(name)}</title></polyline>')
        for d, v in pts:
            if marker == "circle":
                parts.append(f'<circle cx="{x(d):.1f}" cy="{y(v):.1f}" r="4" fill="{colour}"/>')
            else:
                parts.append(f'<rect x="{x(d) - 4:.1f}" y="{y(v) - 4:.1f}" width="8" height="8" '
                             f'fill="{colour}"/>')
    parts.append("</svg>")
    return Markup("".join(parts))


def legend(names: list[str]) -> list[tuple[str, int, str]]:
    """(name, series index (CSS class linie-<index>), words describing the line) per series,
    for the legend under the chart."""
    words = ("durchgezogene Linie, Kreise", "gestrichelte Linie, Quadrate")
    return [(n, i, words[i]) for i, n in enumerate(names[:2])]
