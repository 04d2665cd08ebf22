"""The office's data-quality overview `/verwaltung/qualitaet`: per provider the quality score
(hub.offers.quality), freshness, error and warning counts of the last checked upload and the
share of offers with accessibility information; the same as CSV; a details page per provider.

For the role "anbieter" (provider manager; administrators too); the numbers come from set-based queries
(hub.offers.quality_queries), never from a loop over the offers.
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask import Blueprint, Response, abort, render_template

from ...feeds.csv_feed import neutralise
from ..auth.admin import require_role
from ..context import current_hub
from ..models import Provider
from ..offers.expiry import local_today
from ..offers.quality import EXPIRY_DAYS, FORMULA, GROUPS, QualityScore, quality_score
from ..offers.quality_queries import ProviderCounts, provider_counts

ROLE = "anbieter"  # provider managers look after the providers' data
bp = Blueprint("quality_overview", __name__, url_prefix="/verwaltung",
               template_folder="../templates")

CSV_HEADER = ("Anbieter", "Kennung", "Qualitätspunkte", "Veröffentlichte Angebote",
              "Vollständigkeit (%)", "Mit Angaben zur Barrierefreiheit (%)",
              "Letzte Übernahme", "Tage seit letzter Übernahme", "Letzter Upload",
              "Fehler im letzten Upload", "Warnungen im letzten Upload",
              "Abgelaufene Angebote", f"Enden in {EXPIRY_DAYS} Tagen")


@dataclass(frozen=True)
class OverviewRow:
    counts: ProviderCounts
    score: QualityScore
    days_since_import: int | None

    def share(self, key: str) -> float:
        return next(c.share for c in self.score.components if c.key == key)


@bp.context_processor
def _helpers() -> dict[str, Any]:
    return {"groups": GROUPS, "formula": FORMULA,
            "expiry_days": EXPIRY_DAYS}


def overview_rows(provider_id: int | None = None) -> list[OverviewRow]:
    today = local_today()
    with current_hub().sessions() as session:
        counted = provider_counts(session, today, provider_id)
    return [OverviewRow(c, quality_score(c.facts, today),
                        None if c.facts.last_import is None
                        else (today - c.facts.last_import).days) for c in counted]


@bp.get("/qualitaet")
def overview() -> Any:
    account = require_role(ROLE)
    return render_template("quality_overview.html", rows=overview_rows(), account=account)


def _percent(share: float) -> str:
    return f"{share * 100:.0f}"


@bp.get("/qualitaet.csv")
def overview_csv() -> Response:
    require_role(ROLE)
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    for row in overview_rows():
        c, facts = row.counts, row.counts.facts
        check = facts.last_check
        writer.writerow([
            neutralise(c.name), c.slug, row.score.total, facts.offers,
            _percent(row.share("completeness")), _percent(row.share("accessibility")),
            f"{facts.last_import:%d.%m.%Y}" if facts.last_import else "",
            "" if row.days_since_import is None else row.days_since_import,
            f"{c.last_upload:%d.%m.%Y}" if c.last_upload else "",
            "" if check is None else check.errors, "" if check is None else check.warnings,
            c.past, c.expiring])
    # UTF-8 with BOM and ";" so Excel opens it with umlauts and in columns.
    resp = Response(("\ufeff" + out.getvalue()).encode("utf-8"), mimetype="text/csv")
    resp.headers["Content-Type"] = "text/csv; charset=utf-8"
    resp.headers["Content-Disposition"] = 'attachment; filename="datenqualitaet.csv"'
    resp.headers["Cache-Control"] = "no-store"
    return resp


@bp.get("/qualitaet/<slug>")
def provider_details(slug: str) -> Any:
    account = require_role(ROLE)
    with current_hub().sessions() as session:
        provider_id = session.execute(sa.select(Provider.id).where(Provider.slug == slug)
                                      ).scalar()
    if provider_id is None:
        abort(404)
    row = overview_rows(provider_id)[0]
    return render_template("quality_provider.html", row=row, account=account)
