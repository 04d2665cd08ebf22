"""The office's sign-in, accounts, own-account and protocol pages in a real browser (Debian
chromium through Playwright): no axe-core WCAG 2.1 A/AA violation at 320 and 1280 CSS px,
nothing scrolls sideways, no request leaves the hub's origin, signing in needs no JavaScript."""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy.orm import Session

from bildungsdaten.hub.auth.audit import record
from tests.account_support import PASSWORD, add_user
from tests.browser_support import axe_violations, chromium
from tests.test_portal_browser import WIDTHS, open_page, sideways_overflow

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium(axe=True) as launched:
        yield launched


def check(tab: Any, foreign: list[str], what: str, width: int) -> None:
    assert axe_violations(tab) == [], f"{what} bei {width} px"
    assert sideways_overflow(tab) <= 0, f"{what} scrollt seitlich bei {width} px"
    assert foreign == [], f"{what} lädt von anderen Hosts: {foreign}"


def browser_sign_in(tab: Any, username: str, password: str) -> None:
    tab.goto("/verwaltung/anmelden")
    tab.fill("#benutzername", username)
    tab.fill("#passwort", password)
    # Wait for the answer page to load: a bare click returns once navigation starts.
    with tab.expect_navigation():
        tab.click("button[type=submit]")


@pytest.mark.parametrize("width", WIDTHS)
def test_the_office_pages_are_accessible_and_reflow(browser, live_server, engine, width):
    add_user(engine, "chefin")
    add_user(engine, "m.muster", "umfrage", totp_secret="JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")
    with Session(engine) as db, db.begin():
        for i in range(60):
            record(db, "token.created", f"anbieter-{i}", {"token": i, "anfang": "bdh_AbCdEfGh"},
                   actor="cli:verwaltung")
    # Signing in works with JavaScript off; axe (a script) checks the pages with it on.
    tab, _ = open_page(browser, live_server, width, javascript=False)
    browser_sign_in(tab, "chefin", PASSWORD)
    assert tab.url.endswith("/verwaltung/") and "Angemeldet als" in tab.content()
    tab.context.close()
    tab, foreign = open_page(browser, live_server, width)
    tab.goto("/verwaltung/anmelden")
    check(tab, foreign, "Anmeldung", width)
    browser_sign_in(tab, "chefin", "falsches-passwort-1")
    assert "Benutzername oder Passwort ist falsch" in tab.content()
    check(tab, foreign, "Anmeldung mit Fehler", width)
    browser_sign_in(tab, "chefin", PASSWORD)
    for what, path in [("Übersicht", "/verwaltung/"), ("Konten", "/verwaltung/konten"),
                       ("Protokoll", "/verwaltung/protokoll"),
                       ("Protokoll gefiltert", "/verwaltung/protokoll?aktion=user.created"),
                       ("Mein Konto (Zwei-Faktor einrichten)", "/verwaltung/konto")]:
        resp = tab.goto(path)
        assert resp.status == 200, path
        check(tab, foreign, what, width)
    tab.goto("/verwaltung/konten")
    tab.fill("#benutzername", "Ä Ö")  # the browser lets it through, the server refuses it
    tab.check("#neu-umfrage")
    tab.fill("#passwort", PASSWORD)
    with tab.expect_navigation():
        tab.click("text=Konto anlegen >> nth=-1")
    assert "Bitte korrigieren Sie" in tab.content()
    check(tab, foreign, "Konten mit Fehler", width)
    tab.context.close()


@pytest.mark.parametrize("width", WIDTHS)
def test_the_first_account_setup_is_accessible(browser, app, live_server, width):
    app.extensions["hub"].settings.admin_token = "verwaltung-geheim-16"
    tab, foreign = open_page(browser, live_server, width)
    tab.goto("/verwaltung/anmelden")
    check(tab, foreign, "Anmeldung (Einrichtung)", width)
    tab.fill("#passwort", "verwaltung-geheim-16")
    with tab.expect_navigation():
        tab.click("button[type=submit]")
    assert tab.url.endswith("/verwaltung/einrichten")
    check(tab, foreign, "Erstes Konto anlegen", width)
    tab.context.close()
