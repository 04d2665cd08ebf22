"""The citizens' pages in a real browser (Debian chromium through Playwright): axe-core
(vendored in tests/assets/axe-core, never from a CDN) finds no WCAG 2.1 A/AA violation at 320
and 1280 CSS px, nothing scrolls sideways, no request leaves the hub's origin, the search
works with JavaScript off and the Merkliste with it on."""
from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.browser_support import axe_violations, chromium
from tests.portal_sample import store_portal_sample
from tests.survey_synth import SMALL_DEFINITION, import_export, release

WIDTHS = (320, 1280)
# Set PORTAL_SCREENSHOTS=<folder> to keep a screenshot of every page and width for review.
SHOTS = os.environ.get("PORTAL_SCREENSHOTS")
pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium(axe=True) as launched:
        yield launched




@pytest.fixture
def site(live_server: str, engine: Any) -> str:
    store_portal_sample(engine)
    return live_server



def open_page(browser: Any, base: str, width: int, javascript: bool = True) -> tuple[Any, list]:
    """A tab of `width` CSS px that records every request going to another origin."""
    # bypass_csp: axe is injected as a script of the test, which the hub's CSP (script-src
    # 'self', no inline script) refuses; the pages' own scripts are checked by it as they are.
    context = browser.new_context(base_url=base, viewport={"width": width, "height": 900},
                                  java_script_enabled=javascript, bypass_csp=True)
    tab = context.new_page()
    tab.set_default_timeout(15_000)
    foreign: list[str] = []
    origin = urlsplit(base).netloc
    tab.on("request", lambda r: foreign.append(r.url)
           if urlsplit(r.url).scheme in ("http", "https") and urlsplit(r.url).netloc != origin
           else None)
    return tab, foreign




def sideways_overflow(tab: Any) -> int:
    return int(tab.evaluate("document.documentElement.scrollWidth - window.innerWidth"))


PAGES = {
    "start": "/",
    "suche": "/angebote?life_phase=senioren",
    "suche-leer": "/angebote?life_phase=fruehe_kindheit&mode=online_live",
    "suche-text": "/angebote?q=Computerkurs&sort=relevance",
    "suche-schreibweise": "/angebote?q=Compterkurs&life_phase=senioren",  # "Meinten Sie …?"
    "angebot": "/offers/kvhs-bergstrasse/senioren-pc",
    "angebot-voll": "/offers/kvhs-bergstrasse/25H-10102",
    "anbieter": "/anbieter/kvhs-bergstrasse",
    "gemeinde": "/gemeinden/06431002",
    "karte": "/karte",
    "fehler": "/gibt-es-nicht",
    "barrierefreiheit": "/barrierefreiheit",
    "barriere-melden": "/barriere-melden",
    "merkliste": "/merkliste",
    "offene-daten": "/feeds",
    "hochladen": "/hochladen",
    "vokabular": "/vocab/lebensphase",
    "umfrage-tabelle": "/survey/bu2026/1/lernwunsch-alter",
}


@pytest.mark.parametrize("name", list(PAGES))
def test_page_has_no_axe_violations_and_reflows(browser, site, engine, name):
    if name.startswith("umfrage"):  # a released survey: its table page carries a bar chart
        import_export(engine, n=400, status="collecting")
        release(engine, SMALL_DEFINITION)
    for width in WIDTHS:
        tab, foreign = open_page(browser, site, width)
        assert tab.goto(PAGES[name]).status == (404 if name == "fehler" else 200)
        tab.wait_for_load_state("networkidle")
        if SHOTS:
            Path(SHOTS).mkdir(parents=True, exist_ok=True)
            tab.screenshot(path=f"{SHOTS}/{name}-{width}.png", full_page=True)
        assert axe_violations(tab) == [], f"{name} bei {width} px"
        assert sideways_overflow(tab) <= 0, f"{name} scrollt seitlich bei {width} px"
        assert foreign == [], f"{name} lädt von anderen Hosts: {foreign}"
        tab.context.close()


def test_venue_page_from_the_offer_page_has_no_axe_violations(browser, site):
    for width in WIDTHS:
        tab, foreign = open_page(browser, site, width)
        tab.goto("/offers/kvhs-bergstrasse/senioren-pc")
        with tab.expect_navigation():
            tab.locator("a[href*='/orte/']").first.click()
        assert "/anbieter/kvhs-bergstrasse/orte/" in tab.url
        assert tab.inner_text("h1") == "Musikschule, Saal"
        if SHOTS:
            tab.screenshot(path=f"{SHOTS}/ort-{width}.png", full_page=True)
        assert axe_violations(tab) == [], f"Ort bei {width} px"
        assert sideways_overflow(tab) <= 0 and foreign == []
        tab.context.close()


def test_skip_link_is_the_first_tab_stop_and_focus_is_visible(browser, site):
    tab, _ = open_page(browser, site, 320)
    tab.goto("/")
    tab.keyboard.press("Tab")
    assert tab.evaluate("document.activeElement.textContent") == "Zum Inhalt springen"
    assert tab.evaluate("getComputedStyle(document.activeElement).left") != "-9999px"
    tab.keyboard.press("Enter")
    assert tab.evaluate("location.hash") == "#inhalt"
    tab.keyboard.press("Tab")
    outline = tab.evaluate("getComputedStyle(document.activeElement).outlineStyle + ' ' + "
                           "getComputedStyle(document.activeElement).backgroundColor")
    assert outline.startswith("solid") or "255, 221, 0" in outline
    tab.context.close()


def test_search_works_with_javascript_off(browser, site):
    tab, foreign = open_page(browser, site, 320, javascript=False)
    tab.goto("/")
    tab.fill("#q", "Computerkurs")
    with tab.expect_navigation():
        tab.click("button[type=submit]")
    assert "/angebote?q=Computerkurs" in tab.url
    assert "1 Angebot gefunden" in tab.inner_text("main")
    tab.goto("/angebote")
    tab.click("summary")
    tab.check("input[name=life_phase][value=fruehe_kindheit]")
    tab.select_option("#f-municipality", "06431002")
    with tab.expect_navigation():
        tab.click("text=Angebote anzeigen")
    assert "9 Angebote gefunden" in tab.inner_text("main")
    with tab.expect_navigation():
        tab.click("text=Musikalische Früherziehung 1")
    assert tab.inner_text("h1") == "Musikalische Früherziehung 1"
    assert foreign == []
    tab.context.close()


def test_merkliste_keeps_offers_in_the_browser_only(browser, site):
    tab, foreign = open_page(browser, site, 320)
    tab.goto("/offers/kvhs-bergstrasse/senioren-pc")
    tab.click("text=Auf die Merkliste")
    assert "gespeichert" in tab.inner_text("#merkliste-status")
    assert tab.get_attribute("[data-watch]", "aria-pressed") == "true"
    tab.goto("/offers/kvhs-bergstrasse/lesecafe")
    tab.click("text=Auf die Merkliste")
    tab.goto("/merkliste")
    tab.wait_for_url("**/merkliste?angebot=*")
    assert "2 Angebote gemerkt" in tab.inner_text("main")
    assert tab.context.cookies() == []
    tab.click("text=„Lesecafé für alle“ von der Merkliste entfernen")
    tab.wait_for_function("document.body.innerText.includes('1 Angebot gemerkt')")
    assert "Computerkurs für Senioren" in tab.inner_text("main")
    assert foreign == []
    tab.context.close()
