"""The import's database-ready rows (built from typed rows inside the validator) carry the same
content hash and the same database values as the OfferRecords of the same file."""
from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.dialects import sqlite

from bildungsdaten.hub.offers.rows import Preparer, group_items
from bildungsdaten.validators import validate
from bildungsdaten.vocab.records import ProviderRecord
from tests.offer_oracle import content_hash

FIXTURES = Path(__file__).parent / "fixtures"
FILES = ["import/valid.xlsx", "import/valid_changed.csv", "import/valid_cp1252.csv",
         "uploads/angebote.xlsx", "uploads/excel_windows.csv", "uploads/utf8_bom.csv",
         "uploads/multiline.csv", "uploads/latin9.csv", "uploads/sep_line.csv",
         "uploads/english_headers.tsv"]
PROVIDER = ProviderRecord(slug="kvhs", name="Kreisvolkshochschule Bergstraße")


@pytest.mark.parametrize("name", FILES)
def test_prepared_rows_match_the_records(name: str) -> None:
    data = (FIXTURES / name).read_bytes()
    dialect = sqlite.dialect()
    records = validate(data, filename=name, collect=True).offers(PROVIDER)
    for record in records:
        record.provider = PROVIDER
    mapped = validate(data, filename=name, collect=True,
                      mapper=lambda: Preparer(dialect).map_rows).mapped
    offers, venues = group_items(mapped, PROVIDER.name)
    from_records, record_venues = Preparer(dialect).prepare_records(records)
    assert records
    assert [o.angebot_id for o in offers] == [r.angebot_id for r in records]
    assert [o.digest for o in offers] == [content_hash(r) for r in records]
    assert [(o.course, o.instances) for o in offers] == [
        (o.course, o.instances) for o in from_records]
    assert venues == record_venues
    # The record path makes the very items an upload's rows make (the venue values aside,
    # which the upload mapper sends only at a venue's first sight).
    from_items = Preparer(dialect).record_items(records)
    assert [item[:3] for item in from_items] == [item[:3] for item in mapped]
