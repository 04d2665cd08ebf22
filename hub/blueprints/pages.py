"""Public HTML pages: the citizens' start page (search first), and the layout's shared parts."""
from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask import Blueprint, render_template

from ...vocab.codelists import codelist
from ..context import current_hub
from ..models import Offer, Provider
from ..offers.filter_params import FILTER_NAMES
from ..pages_nav import PageLink
from ..portal.present import BERLIN, TEMPLATE_HELPERS

bp = Blueprint("pages", __name__, template_folder="../templates", static_folder="../static",
               static_url_path="/static")

LINKS = (
    PageLink("Gesundheitszustand", "/healthz", "Datenbank erreichbar, Migrationen aktuell "
              "(JSON)", order=900),
)
# The citizens' pages come first in the navigation; the open-data areas follow.
CITIZEN_LINKS = (("Angebote suchen", "/angebote"), ("Karte", "/karte"),
                 ("Anbieter", "/anbieter"), ("Merkliste", "/merkliste"))


@bp.app_context_processor
def _layout() -> dict[str, Any]:
    links = current_hub().links
    return {"district_name": current_hub().settings.district_name,
            "nav_links": list(CITIZEN_LINKS)
            + [(link.label, link.href) for link in links if link.in_nav],
            "today": datetime.now(BERLIN).date(), **TEMPLATE_HELPERS}


@bp.get("/")
def index() -> str:
    with current_hub().sessions() as session:
        offers = session.execute(sa.select(sa.func.count()).select_from(Offer)
                                 .where(Offer.deleted.is_(False))).scalar_one()
        providers = session.execute(sa.select(sa.func.count()).select_from(Provider)).scalar_one()
    phases = [c for c in codelist("lebensphase").concepts if c.code != "alle"]
    return render_template("index.html", offer_count=offers, provider_count=providers,
                           phases=phases, has_free="free" in FILTER_NAMES,
                           links=current_hub().links)
