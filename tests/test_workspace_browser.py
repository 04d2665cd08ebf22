"""The provider workspace and the office's quality overview in a real browser (Debian chromium
through Playwright): axe-core finds no WCAG 2.1 A/AA violation at 320 and 1280 CSS px, nothing
scrolls sideways, the offer search works without JavaScript."""
from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest

from bildungsdaten.hub.offers.expiry import local_today
from tests.account_support import PASSWORD, add_user
from tests.browser_support import axe_violations, chromium
from tests.import_support import add_token
from tests.workspace_sample import store_probe

WIDTHS = (320, 1280)
ADMIN = "geheim-geheim-geheim-geheim"
# Set PORTAL_SCREENSHOTS=<folder> to keep a screenshot of every page and width for review.
SHOTS = os.environ.get("PORTAL_SCREENSHOTS")
pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium(axe=True) as launched:
        yield launched


@pytest.fixture
def site(live_server: str, app: Any, engine: Any) -> tuple[str, str]:
    app.extensions["hub"].settings.admin_token = ADMIN
    ids = store_probe(engine, local_today())
    return live_server, add_token(engine, ids["probe"])


def _tab(browser: Any, base: str, width: int, javascript: bool = True) -> Any:
    # bypass_csp: axe is injected as a script of the test, which the hub's CSP refuses.
    context = browser.new_context(base_url=base, viewport={"width": width, "height": 900},
                                  java_script_enabled=javascript, bypass_csp=True)
    tab = context.new_page()
    tab.set_default_timeout(15_000)
    return tab


def _check(tab: Any, name: str, width: int) -> None:
    if SHOTS:
        tab.screenshot(path=f"{SHOTS}/{name}-{width}.png", full_page=True)
    assert axe_violations(tab) == [], f"{name} bei {width} px"
    overflow = tab.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{name} scrollt seitlich bei {width} px"


@pytest.mark.parametrize("width", WIDTHS)
def test_workspace_pages_have_no_axe_violations(browser, site, width):
    base, token = site
    tab = _tab(browser, base, width)
    tab.goto("/hochladen")
    tab.fill("#token", token)
    with tab.expect_navigation():
        tab.press("#token", "Enter")
    with tab.expect_navigation():
        tab.click("text=Zum Anbieterbereich")
    assert tab.inner_text("h1") == "Anbieterbereich"
    _check(tab, "anbieterbereich", width)
    tab.goto("/hochladen/bereich/angebote?q=Englisch")
    assert "1 Angebot gefunden" in tab.inner_text("main")
    _check(tab, "anbieterbereich-angebote", width)
    tab.goto("/hochladen/bereich/angebote?topic=quatsch")
    _check(tab, "anbieterbereich-fehler", width)
    tab.context.close()


@pytest.mark.parametrize("width", WIDTHS)
def test_quality_overview_pages_have_no_axe_violations(browser, site, engine, width):
    base, _token = site
    add_user(engine, "anbieterpflege", "anbieter")
    tab = _tab(browser, base, width)
    tab.goto("/verwaltung/anmelden?next=/verwaltung/qualitaet")
    tab.fill("#benutzername", "anbieterpflege")
    tab.fill("#passwort", PASSWORD)
    with tab.expect_navigation():
        tab.press("#passwort", "Enter")
    assert tab.inner_text("h1") == "Datenqualität der Anbieter"
    _check(tab, "qualitaet", width)
    with tab.expect_navigation():
        tab.click("text=Probe-Bildungswerk")
    assert "Qualitätspunkte: 80 von 100" in tab.inner_text("main")
    _check(tab, "qualitaet-anbieter", width)
    tab.context.close()


def test_offer_search_works_without_javascript(browser, site):
    base, token = site
    tab = _tab(browser, base, 320, javascript=False)
    tab.goto("/hochladen")
    tab.fill("#token", token)
    with tab.expect_navigation():
        tab.click("button[type=submit]")
    tab.goto("/hochladen/bereich/angebote")
    tab.fill("#q", "Töpfern")
    with tab.expect_navigation():
        tab.click("text=Angebote anzeigen")
    main = tab.inner_text("main")
    assert "1 Angebot gefunden" in main and "Es fehlt: Barrierefreiheit" in main
    tab.context.close()
