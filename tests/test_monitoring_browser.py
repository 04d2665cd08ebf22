"""The monitoring dashboard and a municipality profile in a real browser (Debian chromium
through Playwright): axe-core (vendored in tests/assets/axe-core, never from a CDN) finds no
WCAG 2.1 A/AA violation at 320 and 1280 CSS px, and nothing scrolls sideways."""
from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from bildungsdaten.hub.monitoring.store import store_snapshot
from tests.browser_support import axe_violations, chromium
from tests.demo_district import TODAY, load_demo
from tests.need_sample import release_with_need

WIDTHS = (320, 1280)
PAGES = ("/monitoring", "/monitoring?indikator=angebote_in_reichweite&lebensphase=senioren",
         "/monitoring?indikator=anteil_einwohner_weisse_flecken",
         "/monitoring/gemeinden/06431011", "/monitoring/indikatoren/anteil_kostenlos")
# need against supply: the topic filter, a need indicator with suppressed cells, a profile
NEED_PAGES = ("/monitoring?thema=sprachen&indikator=angebote_je_1000_einwohner",
              "/monitoring?indikator=bedarf_thema_arbeit_beruf_it",
              "/monitoring?indikator=bedarf_thema_gesundheit&lebensphase=senioren",
              "/monitoring/gemeinden/06431001", "/monitoring/gemeinden/06431011",
              "/monitoring/indikatoren/bedarf_thema_sprachen")
SCREENSHOTS = Path(os.environ.get("SCREENSHOT_DIR", "")) if os.environ.get("SCREENSHOT_DIR") else None
pytestmark = pytest.mark.browser


@pytest.fixture
def browser() -> Iterator[Any]:
    with chromium(axe=True) as launched:
        yield launched



@pytest.mark.parametrize("width", WIDTHS)
def test_dashboard_and_profile_are_accessible_without_sideways_scrolling(
        app, browser, live_server, width):
    load_demo(app, offers=80)
    hub = app.extensions["hub"]
    store_snapshot(hub.engine, hub.settings, TODAY)
    load_demo(app, offers=20, seed=4, tombstones=0)
    store_snapshot(hub.engine, hub.settings, TODAY + timedelta(days=1))  # a time series
    # bypass_csp: the hub's CSP (script-src 'self') would block injecting axe-core itself
    context = browser.new_context(base_url=live_server, viewport={"width": width, "height": 900},
                                  bypass_csp=True)
    tab = context.new_page()
    tab.set_default_timeout(15_000)
    for path in PAGES:
        tab.goto(path)
        assert axe_violations(tab) == [], (path, width)
        overflow = tab.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, (path, width, overflow)
    tab.goto("/monitoring")  # the form works without script: choose and submit
    tab.select_option("#indikator", "anteil_kostenlos")
    with tab.expect_navigation():
        tab.click("button[type=submit]")
    assert "indikator=anteil_kostenlos" in tab.url
    assert "Anteil kostenloser Angebote" in tab.inner_text("h2")
    context.close()


@pytest.mark.parametrize("width", WIDTHS)
def test_need_against_supply_is_accessible_and_the_topic_filter_needs_no_script(
        app, browser, live_server, width, tmp_path):
    release_with_need(app, tmp_path)
    context = browser.new_context(base_url=live_server, viewport={"width": width, "height": 900},
                                  bypass_csp=True, java_script_enabled=True)
    tab = context.new_page()
    tab.set_default_timeout(15_000)
    for n, path in enumerate(NEED_PAGES):
        tab.goto(path)
        assert axe_violations(tab) == [], (path, width)
        overflow = tab.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, (path, width, overflow)
        if SCREENSHOTS:
            tab.screenshot(path=str(SCREENSHOTS / f"bedarf-{n}-{width}.png"), full_page=True)
            if tab.locator("#bedarf").count():
                tab.locator("#bedarf").scroll_into_view_if_needed()
                tab.screenshot(path=str(SCREENSHOTS / f"bedarf-{n}-{width}-tabelle.png"))
    context.close()
    plain = browser.new_context(base_url=live_server, viewport={"width": width, "height": 900},
                                java_script_enabled=False)
    tab = plain.new_page()
    tab.goto("/monitoring")  # without script: choose a topic and submit
    tab.select_option("#thema", "sprachen")
    with tab.expect_navigation():
        tab.click("button[type=submit]")
    assert "thema=sprachen" in tab.url
    assert "Sprachen je 1.000 Einwohner" in tab.inner_text("h2")
    assert "Bedarf und Angebot: Sprachen" in tab.inner_text("#bedarf")
    plain.close()
