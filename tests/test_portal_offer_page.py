"""The offer page for people: every date with its state in words, accessibility, contact,
prices, funding, languages, age, level, prerequisites, deadline, credential, provider box."""
from __future__ import annotations

import re

import pytest

from tests.portal_sample import store_portal_sample


@pytest.fixture
def sample(engine):
    store_portal_sample(engine)


def text_of(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def test_every_state_is_said_in_words(client, sample):
    resp = client.get("/offers/kvhs-bergstrasse/senioren-pc")
    assert resp.status_code == 200
    text = text_of(resp.get_data(as_text=True))
    for words in ("Abgesagt", "Ausgebucht", "Nur Warteliste", "Verschoben – neuer Termin folgt"):
        assert words in text
    assert "Anmeldeschluss" in text and "(vorbei)" in text
    assert "ab 60 Jahren" in text and "Einsteiger" in text and "Deutsch" in text
    assert "Zurück zur Suche" in text


def test_full_row_shows_every_column_a_citizen_needs(client, sample):
    html = client.get("/offers/kvhs-bergstrasse/25H-10102").get_data(as_text=True)
    text = text_of(html)
    for expected in ("89,00 €", "ermäßigt 62,30 €", "zzgl. 15 € Lehrbuch", "Bildungsgutschein",
                     "als Bildungsurlaub nach HBUG anerkannt", "962/123/25", "Englisch, Deutsch",
                     "16 bis 99 Jahre", "A2", "Grundkenntnisse (A1)", "telc English A2",
                     "telc gGmbH", "Der Ort ist teilweise barrierefrei.", "Aufzug",
                     "Gebärdensprachdolmetschung auf Anfrage", "englisch@kvhs.example",
                     "06252 12345-6", "Kreisvolkshochschule Bergstraße", "Webseite des Anbieters",
                     "Alle Angebote von Kreisvolkshochschule Bergstraße", "nicht am 03.10.",
                     "höchstens 14", "Zum Kalender hinzufügen"):
        assert expected in text, expected
    assert 'href="/anbieter/kvhs-bergstrasse"' in html


def test_text_from_the_provider_is_escaped(client, sample):
    html = client.get("/offers/kvhs-bergstrasse/lesecafe").get_data(as_text=True)
    assert "<b>und</b>" not in html and "&lt;b&gt;und&lt;/b&gt;" in html
    assert "kostenlos" in html


def test_unknown_and_deleted_offers_answer_german_pages(client, sample):
    resp = client.get("/offers/kvhs-bergstrasse/gibt-es-nicht")
    assert resp.status_code == 404 and resp.mimetype == "text/html"
    assert "Seite nicht gefunden" in resp.get_data(as_text=True)
    resp = client.get("/offers/kvhs-bergstrasse/gone")
    assert resp.status_code == 410
    assert "nicht mehr" in resp.get_data(as_text=True)
