"""A server-rendered SVG bar chart of a published table (no JavaScript needed)."""
from __future__ import annotations

from markupsafe import Markup, escape

from bildungsdaten.feeds.survey import TOTAL, SurveyTableData

BAR_H, GAP, LABEL_W, CHART_W = 22, 6, 260, 420


def bar_chart(t: SurveyTableData) -> Markup:
    """Bars for the answer categories over all respondents (per item for multi-item tables);
    a suppressed bar is drawn as "." without length."""
    a = next(i for i, d in enumerate(t.dims) if d.key == "antwort")
    bars: list[tuple[str, int | None]] = []
    for coords, count in t.cells:
        others = [c for i, c in enumerate(coords) if i != a and t.dims[i].has_total]
        if coords[a] == TOTAL or any(c != TOTAL for c in others):
            continue
        label = " – ".join(t.dims[i].label_of(c) for i, c in enumerate(coords)
                           if not t.dims[i].has_total or i == a)
        bars.append((label, count))
    top = max((n for _, n in bars if n), default=1)
    height = len(bars) * (BAR_H + GAP) + GAP
    parts = [(f'<svg xmlns="http://www.w3.org/2000/svg" role="img" class="chart" '
              f'width="{LABEL_W + CHART_W + 60}" height="{height}" '
              # viewBox lets CSS shrink the chart to a narrow screen (WCAG 1.4.10 reflow).
              f'viewBox="0 0 {LABEL_W + CHART_W + 60} {height}" '
              f'aria-label="{escape(t.title)}: Balkendiagramm, alle Befragten">')]
    for i, (label, n) in enumerate(bars):
        y = GAP + i * (BAR_H + GAP)
        parts.append(f'<text x="{LABEL_W - 6}" y="{y + 15}" text-anchor="end" '
                     f'font-size="13">{escape(label[:40])}</text>')
        if n is None:
            parts.append(f'<text x="{LABEL_W + 4}" y="{y + 15}" font-size="13">.</text>')
            continue
        w = round(CHART_W * n / top)
        parts.append(f'<rect x="{LABEL_W}" y="{y}" width="{w}" height="{BAR_H}" fill="#00507a">'
                     f'<title>{escape(label)}: {n}</title></rect>')
        parts.append(f'<text x="{LABEL_W + w + 4}" y="{y + 15}" font-size="13">{n}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))
