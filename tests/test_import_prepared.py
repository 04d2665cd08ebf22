"""The import's database-ready rows (built from typed rows inside the validator) carry the same
content hash and the same database values as the OfferRecords of the same file."""
from __future__ import annotations

from operator import attrgetter
from pathlib import Path

import pytest
from sqlalchemy.dialects import postgresql, sqlite

from bildungsdaten.hub.demo.district import demo_records
from bildungsdaten.hub.offers.rows import _STDLIB_ENCODER, Preparer, _dumps, group_items
from bildungsdaten.validators import validate
from bildungsdaten.vocab.records import COURSE_FIELDS, INSTANCE_FIELDS, ProviderRecord
from tests.offer_oracle import content_hash

_course_values = attrgetter(*COURSE_FIELDS)
_instance_values = attrgetter(*INSTANCE_FIELDS)

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


ODD_TEXTS = ['Kurs "A\\B"\t\n\r\x01\x1f\x7f', "\u2028\u2029 \ufeff ß Ä 😀", "\x00", "", " "]


@pytest.mark.parametrize("dialect", [sqlite.dialect(), postgresql.psycopg.dialect()],
                         ids=["sqlite", "postgresql"])
def test_record_hashes_match_the_oracle_on_many_records(dialect: object) -> None:
    """The hash's JSON text comes from the stdlib's C encoder made once (not per value): the
    same text as JSONEncoder.encode for every value the hash sees, so every stored hash
    stays as it was; 3,000 demo offers and texts the encoder must escape."""
    groups = [records for _provider, records in demo_records(3000, seed=5)]
    for n, text in enumerate(ODD_TEXTS):
        record = groups[n][0]
        record.title = record.description = text
        record.keywords = [text, "x"]
        record.instances[0].schedule_note = text
        if record.instances[0].venue is not None:
            record.instances[0].venue.venue_name = text
    seen = 0
    for records in groups:
        offers, _venues = Preparer(dialect).prepare_records(records)  # type: ignore[arg-type]
        assert [o.digest for o in offers] == [content_hash(r) for r in records]
        for record in records:
            for values in (_course_values(record), *map(_instance_values, record.instances)):
                assert _dumps(values) == _STDLIB_ENCODER.encode(values)
                seen += 1
    assert seen > 6000
    for value in [*ODD_TEXTS, None, 0, 1.5, True, [], ["a", None]]:
        assert _dumps(value) == _STDLIB_ENCODER.encode(value)
