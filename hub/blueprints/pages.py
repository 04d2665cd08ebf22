"""Public HTML pages: the German start page linking to what exists."""
from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import Blueprint, render_template

from ..context import current_hub
from ..models import Offer, Provider
from ..pages_nav import PageLink

bp = Blueprint("pages", __name__, template_folder="../templates", static_folder="../static",
               static_url_path="/static")

LINKS = (
    PageLink("Gesundheitszustand", "/healthz", "Datenbank erreichbar, Migrationen aktuell "
              "(JSON)", order=900),
)


@bp.app_context_processor
def _layout() -> dict[str, Any]:
    links = current_hub().links
    return {"district_name": current_hub().settings.district_name,
            "nav_links": [(link.label, link.href) for link in links if link.in_nav]}


@bp.get("/")
def index() -> str:
    with current_hub().sessions() as session:
        offers = session.execute(sa.select(sa.func.count()).select_from(Offer)
                                 .where(Offer.deleted.is_(False))).scalar_one()
        providers = session.execute(sa.select(sa.func.count()).select_from(Provider)).scalar_one()
    return render_template("index.html", offer_count=offers, provider_count=providers,
                           links=current_hub().links)
