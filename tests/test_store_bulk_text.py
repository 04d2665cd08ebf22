"""Texts that bulk writing must escape (tab, newline, carriage return, backslash, quotes, NUL-free
Unicode) come back unchanged from both databases, in plain columns and inside JSON lists
(PostgreSQL writes with COPY, whose text format gives tab, newline and backslash a meaning)."""
from __future__ import annotations

from dataclasses import replace

import pytest
import sqlalchemy as sa

from bildungsdaten.hub.db import make_sessionmaker
from bildungsdaten.hub.models import Offer
from bildungsdaten.hub.offers.store import load_offer_records
from tests.api_sample import full_offer, store_offer

AWKWARD = ["Tab\there", "Zeile 1\nZeile 2", "CR\r\nLF", "Backslash \\ und \\N und \\t",
           'Anführung "zitiert" und \'einfach\'', "Emoji 📚 und ß", "[1, 2]", "null", "\\."]


@pytest.mark.parametrize("text", AWKWARD)
def test_awkward_text_survives_the_bulk_write(engine, text):
    record = full_offer()
    record = replace(record, title=text[:200], description=text, keywords=[text, "zwei"],
                     prerequisites=text)
    record.instances[0] = replace(record.instances[0], schedule_note=text,
                                  weekdays=["Mo", "Di"], price_note=text)
    store_offer(engine, record)
    with make_sessionmaker(engine)() as session:
        ids = list(session.execute(sa.select(Offer.id)).scalars())
        (back,) = load_offer_records(session, ids)
    assert (back.title, back.description, back.keywords, back.prerequisites) == (
        text[:200], text, [text, "zwei"], text)
    assert (back.instances[0].schedule_note, back.instances[0].price_note) == (text, text)
