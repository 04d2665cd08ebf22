"""The upload page in a real browser (Debian chromium through Playwright): keyboard sign-in,
error summary focused, a dry run with errors shown as a table, then a real import."""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.browser_support import axe_violations, chromium
from tests.import_support import FIXTURES, add_provider, add_token, live_offers

pytestmark = pytest.mark.browser


@pytest.fixture
def page(live_server: str) -> Iterator[Any]:
    with chromium() as browser:
        tab = browser.new_page(base_url=live_server)
        tab.set_default_timeout(15_000)
        yield tab


def sign_in_by_keyboard(page: Any, token: str) -> None:
    page.goto("/hochladen")
    page.focus("#token")
    page.keyboard.type(token)
    with page.expect_navigation():
        page.keyboard.press("Enter")


def test_wrong_token_focuses_the_error_summary(page):
    sign_in_by_keyboard(page, "bdh_falsch")
    assert page.evaluate("document.activeElement.id") == "fehlerliste"
    assert "Das Token ist unbekannt" in page.inner_text("#fehlerliste")


def test_dry_run_shows_error_table_then_valid_file_is_imported(page, engine):
    pid = add_provider(engine, "kvhs", "Kreisvolkshochschule Bergstraße")
    sign_in_by_keyboard(page, add_token(engine, pid))
    assert "Angemeldet für" in page.inner_text("main")

    page.set_input_files("#datei", str(FIXTURES / "with_errors.csv"))
    page.click("button[value=pruefen]")
    page.wait_for_selector("#bericht")
    assert page.evaluate("document.activeElement.id") == "ergebnis"
    assert "nichts wurde übernommen" in page.inner_text("#ergebnis")
    headers = page.locator("#bericht thead th").all_inner_texts()
    assert headers[:2] == ["Zeile", "Spalte"] and "Problem" in headers and "Wert" in headers
    rows = {page.locator("#bericht tbody tr").nth(i).locator("td").first.inner_text()
            for i in range(page.locator("#bericht tbody tr.error").count())}
    assert {"3", "4", "5"} <= rows
    assert live_offers(engine, pid) == {}

    page.click("text=Weitere Datei hochladen")
    page.set_input_files("#datei", str(FIXTURES / "valid_cp1252.csv"))
    page.check("#modus-replace")
    page.click("button[value=importieren]")
    page.wait_for_selector("#ergebnis")
    assert "Übernommen" in page.inner_text("#ergebnis")
    assert sorted(live_offers(engine, pid)) == ["27F-10102", "27F-20001", "27F-30003"]


def test_sending_says_so_and_a_second_click_sends_nothing(page, engine):
    pid = add_provider(engine, "kvhs", "Kreisvolkshochschule Bergstraße")
    sign_in_by_keyboard(page, add_token(engine, pid))
    page.set_input_files("#datei", str(FIXTURES / "valid_cp1252.csv"))
    # Count the submits that get through the page's own handler, and hold them in the page.
    page.evaluate("""() => {
        window.durchgelassen = 0;
        document.getElementById("hochladen").addEventListener("submit", (e) => {
            if (!e.defaultPrevented) window.durchgelassen += 1;
            e.preventDefault();
        });
    }""")
    page.click("button[value=importieren]")
    status = page.inner_text("#upload-status")
    assert "wird hochgeladen und geprüft" in status
    assert page.get_attribute("#hochladen", "aria-busy") == "true"
    page.click("button[value=importieren]")
    page.click("button[value=pruefen]")
    assert page.evaluate("window.durchgelassen") == 1
    assert live_offers(engine, pid) == {}  # held in the page: nothing was sent


def test_presets_form_is_accessible_at_320_px_and_reports_by_keyboard(live_server, engine):
    pid = add_provider(engine, "fb-bensheim", "Familienbildung Bensheim")
    token = add_token(engine, pid)
    with chromium(axe=True) as browser:
        for width in (320, 1280):
            context = browser.new_context(base_url=live_server, bypass_csp=True,
                                          viewport={"width": width, "height": 900})
            tab = context.new_page()
            tab.set_default_timeout(15_000)
            sign_in_by_keyboard(tab, token)
            assert tab.is_visible("#voreinstellungen")
            assert axe_violations(tab) == [], f"hochladen (angemeldet) bei {width} px"
            assert tab.evaluate("document.documentElement.scrollWidth") <= width
            context.close()
        tab = browser.new_context(base_url=live_server, bypass_csp=True).new_page()
        tab.set_default_timeout(15_000)
        sign_in_by_keyboard(tab, token)
        tab.focus("#vorgabe-preis")
        tab.keyboard.type("billig")
        with tab.expect_navigation():
            tab.keyboard.press("Enter")
        assert tab.evaluate("document.activeElement.id") == "fehlerliste"
        assert "kein Preis" in tab.inner_text("#fehlerliste")
        assert axe_violations(tab) == []
