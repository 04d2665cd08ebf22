"""/region and /verwaltung/quellen in a real browser (Debian chromium through Playwright):
no WCAG 2.1 A/AA violation by axe-core at 320 and 1280 CSS px, nothing scrolls sideways, and
the admin form adds a source without JavaScript."""
from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa

from bildungsdaten.hub.sources.models import Source
from bildungsdaten.hub.sources.service import add_source
from tests.browser_support import axe_violations, chromium

TOKEN = "verwaltung-geheim"
pytestmark = pytest.mark.browser
# Set PORTAL_SCREENSHOTS=<folder> to keep a screenshot of every page and width for review.
SHOTS = os.environ.get("PORTAL_SCREENSHOTS")


@pytest.fixture
def browser() -> Iterator[Any]:
    with chromium(axe=True) as launched:
        yield launched


@pytest.mark.parametrize("width", (320, 1280))
def test_region_and_admin_pages_are_accessible(app, browser, live_server, width):
    hub = app.extensions["hub"]
    hub.settings.admin_token = TOKEN
    add_source(hub.sessions, hub.settings, "odenwald-mit-langem-namen",
               "https://odenwald.example/ein/recht/langer/pfad/feeds/offers/rpde",
               licence="http://dcat-ap.de/def/licenses/dl-by-de/2.0",
               attribution="Daten: Odenwaldkreis, Datenlizenz Deutschland – Namensnennung – 2.0")
    with hub.engine.begin() as conn:
        conn.execute(sa.update(Source).values(
            last_error_code="http-500", last_error_message="Die Quelle antwortet mit 500."))
    context = browser.new_context(base_url=live_server, viewport={"width": width, "height": 900},
                                  bypass_csp=True, java_script_enabled=True,
                                  extra_http_headers={"Authorization": f"Bearer {TOKEN}"})
    tab = context.new_page()
    tab.set_default_timeout(15_000)
    for path in ("/region", "/verwaltung/quellen"):
        tab.goto(path)
        if SHOTS:
            tab.screenshot(path=f"{SHOTS}/{path.strip('/').replace('/', '-')}-{width}.png",
                           full_page=True)
        assert axe_violations(tab) == [], (path, width)
        overflow = tab.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, (path, width, overflow)
    context.close()
    plain = browser.new_context(base_url=live_server, java_script_enabled=False,
                                extra_http_headers={"Authorization": f"Bearer {TOKEN}"})
    tab = plain.new_page()
    tab.goto("/verwaltung/quellen")
    tab.fill("#name", "darmstadt")
    tab.fill("#rpde", "https://darmstadt.example/feeds/offers/rpde")
    with tab.expect_navigation():
        tab.click("button:has-text(\"Quelle anlegen\")")
    assert "Quelle „darmstadt“ angelegt." in tab.inner_text("main")
    plain.close()
