"""The monitoring dashboard and a municipality profile in a real browser (Debian chromium
through Playwright): axe-core (vendored in tests/assets/axe-core, never from a CDN) finds no
WCAG 2.1 A/AA violation at 320 and 1280 CSS px, and nothing scrolls sideways."""
from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest

from bildungsdaten.hub.monitoring.store import store_snapshot
from tests.browser_support import axe_violations, chromium
from tests.demo_district import TODAY, load_demo

WIDTHS = (320, 1280)
PAGES = ("/monitoring", "/monitoring?indikator=angebote_in_reichweite&lebensphase=senioren",
         "/monitoring?indikator=anteil_einwohner_weisse_flecken",
         "/monitoring/gemeinden/06431011", "/monitoring/indikatoren/anteil_kostenlos")
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
