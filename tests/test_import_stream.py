"""The streamed import (checked in a helper process, written batch by batch) leaves exactly the
database state of the plain record path (hub.offers.store.write_offers), on both databases, for
first imports, replacements and upserts with offers whose rows lie far apart; a database
failure in the middle, an error late in the file and a helper that dies all change nothing."""
from __future__ import annotations

import csv
import functools
import io
from typing import Any

import pytest
import requests
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.orm import Session

from bildungsdaten.hub.db import make_sessionmaker
from bildungsdaten.hub.models import Offer, OfferInstance, Venue
from bildungsdaten.hub.offers.importer import ImportFailed, import_file, lock_provider
from bildungsdaten.hub.offers.rows import Preparer, driver_of, row_mapper
from bildungsdaten.hub.offers.store import load_offer_records, write_offers
from bildungsdaten.hub.settings import load_settings
from bildungsdaten.validators import Limits, validate
from bildungsdaten.validators.stream import SPAWN_MIN_BYTES
from bildungsdaten.validators.template import EXAMPLE
from bildungsdaten.vocab.columns import COLUMN_NAMES
from bildungsdaten.vocab.records import COURSE_FIELDS, INSTANCE_FIELDS, VENUE_FIELDS, ProviderRecord
from tests.import_support import add_provider, add_token, auth, offers_snapshot, uploads
from tests.offer_oracle import content_hash

NAME = "Kreisvolkshochschule Bergstraße"
VENUES = [("vhs-Haus Heppenheim, Raum 3", "Graben 13", "64646", "Heppenheim (Bergstraße)"),
          ("Kulturzentrum", "Hauptstraße 5", "64625", "Bensheim"),
          ("Bürgerhaus", "Am Markt 1", "68623", "Lampertheim")]


def offer_file(offers: range, variant: int = 0) -> bytes:
    """One row per offer, then second and third instances of some offers at the end, so an
    offer's rows lie in different batches; online and rolling-entry instances among them."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(COLUMN_NAMES)
    rows = [(n, 0) for n in offers]
    rows += [(n, 1) for n in offers if n % 7 == 0]
    rows += [(n, 2) for n in offers if n % 13 == 0]
    for n, instance in rows:
        writer.writerow(_row(n, instance, variant))
    return out.getvalue().encode("utf-8")


def _row(n: int, instance: int, variant: int) -> list[str]:
    row = dict(EXAMPLE)
    changed = variant and n % 4 == 0
    row.update(angebot_id=f"S-{n:05d}", termin_id=f"S-{n:05d}-{instance}",
               titel=f"Kurs {n}{' (neu)' if changed else ''}",
               beginn_datum=f"{1 + n % 28:02d}.{1 + (n + instance) % 12:02d}.2027",
               ende_datum=f"{1 + n % 28:02d}.{1 + (n + instance) % 12:02d}.2028",
               anmeldeschluss="", gemeinde_ags="", lat="", lon="",
               preis=f"{10 + (n + instance * variant) % 90},00")
    if n % 11 == 0 and instance == 1:  # rolling entry: no dates, the offer stays open-ended
        row.update(laufender_einstieg="ja", beginn_datum="", ende_datum="")
    if n % 5 == 0:
        row.update(lernform="online", online_url=f"https://lernen.example.org/{n}",
                   ort_name="", strasse="", plz="", ort="", barrierefrei_ort="")
    else:
        row["ort_name"], row["strasse"], row["plz"], row["ort"] = VENUES[(n + instance) % 3]
    return [row[name] for name in COLUMN_NAMES]


ASCII = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "Ä": "Ae", "–": "-", "€": "EUR"})


def state(engine: sa.Engine, provider_id: int) -> dict[str, Any]:
    """Everything stored about the provider's offers, independent of ids and stamps."""
    o, i, v = Offer.__table__, OfferInstance.__table__, Venue.__table__
    with engine.connect() as conn:
        offers = {r.angebot_id: tuple(r) for r in conn.execute(
            sa.select(o.c.angebot_id, o.c.deleted, o.c.content_hash, o.c.first_date,
                      o.c.last_date, *(o.c[f] for f in COURSE_FIELDS))
            .where(o.c.provider_id == provider_id))}
        instances: dict[str, list[tuple[Any, ...]]] = {}
        for r in conn.execute(
                sa.select(o.c.angebot_id, i.c.position, i.c.instance_key,
                          *(v.c[f] for f in VENUE_FIELDS), *(i.c[f] for f in INSTANCE_FIELDS))
                .join(o, o.c.id == i.c.offer_id).outerjoin(v, v.c.id == i.c.venue_id)
                .where(o.c.provider_id == provider_id).order_by(o.c.angebot_id, i.c.position)):
            instances.setdefault(r[0], []).append(tuple(r[1:]))
        venues = conn.execute(sa.select(sa.func.count()).select_from(v).where(
            v.c.provider_id == provider_id)).scalar_one()
    return {"offers": offers, "instances": instances, "venues": venues}


def stamps(engine: sa.Engine, provider_id: int) -> dict[str, int]:
    with engine.connect() as conn:
        return dict(conn.execute(sa.select(Offer.angebot_id, Offer.modified).where(
            Offer.provider_id == provider_id)).all())


_SHARED: dict[str, Pair] = {}


class Pair:
    """The same provider twice: one fed by import_file, one by the record path."""

    @classmethod
    def shared(cls, engine: sa.Engine, db_url: str, tmp_path: Any) -> Pair:
        """One pair per database for all examples of a property test (fixtures are not
        renewed between hypothesis examples), so each example starts where the last ended."""
        pair = _SHARED.get(db_url)
        if pair is None or pair.engine is not engine:
            pair = _SHARED[db_url] = cls(engine, db_url, tmp_path)
        return pair

    def __init__(self, engine: sa.Engine, db_url: str, tmp_path: Any) -> None:
        self.engine = engine
        self.sessions = make_sessionmaker(engine)
        self.settings = load_settings({"database_url": db_url, "secret_key": "t",
                                       "instance_path": tmp_path})
        self.streamed = add_provider(engine, "gestreamt", NAME)
        self.reference = add_provider(engine, "referenz", NAME)

    def import_both(self, data: bytes, mode: str, fork: bool) -> dict[str, int]:
        outcome = import_file(self.sessions, self.settings, self.streamed, data,
                              filename="angebote.csv", mode=mode, fork=fork)
        assert outcome.status == "done", outcome.report["errors"][:3]
        records = validate(data, filename="angebote.csv", collect=True,
                           limits=Limits(max_rows=10**6)).offers(
            ProviderRecord(slug="referenz", name=NAME))
        with Session(self.engine) as session, session.begin():
            lock_provider(session, self.reference)
            expected = write_offers(session, self.reference, records,
                                    replace=mode == "replace").as_dict()
        assert outcome.counts == expected
        assert state(self.engine, self.streamed) == state(self.engine, self.reference)
        return expected


@pytest.mark.parametrize("fork", [True, False])
def test_streamed_import_matches_the_record_path(engine, db_url, tmp_path, fork):
    pair = Pair(engine, db_url, tmp_path)
    first = offer_file(range(2500))
    counts = pair.import_both(first, "replace", fork)
    assert counts["created"] == 2500

    # Every stored hash is the hash of the offer as the feeds read it back.
    with Session(engine) as session:
        ids = list(session.execute(sa.select(Offer.id).where(
            Offer.provider_id == pair.streamed)).scalars())
        records = load_offer_records(session, ids)
        stored = {aid: digest for aid, digest in session.execute(
            sa.select(Offer.angebot_id, Offer.content_hash).where(
                Offer.provider_id == pair.streamed))}
    assert len(records) == 2500
    assert all(content_hash(r) == stored[r.angebot_id] for r in records)
    several = [r for r in records if len(r.instances) > 1]
    assert len(several) == len(range(0, 2500, 7)) + len(set(range(0, 2500, 13))
                                                         - set(range(0, 2500, 7)))

    # Replace: some offers change, some go (tombstones), new ones come; the rest keep stamps.
    before = stamps(engine, pair.streamed)
    second = offer_file([n for n in range(2800) if n % 9], variant=1)
    counts = pair.import_both(second, "replace", fork)
    assert counts["deleted"] == len(range(0, 2500, 9)) and counts["created"] == len(
        [n for n in range(2500, 2800) if n % 9])
    after = stamps(engine, pair.streamed)
    changed = {aid for aid in before if after[aid] != before[aid]}
    assert all(after[aid] > max(before.values()) for aid in changed)
    assert len(changed) == counts["updated"] + counts["deleted"]

    # Upsert brings tombstones back and leaves the missing offers alone.
    counts = pair.import_both(offer_file(range(0, 2500, 9)), "upsert", fork)
    assert counts["updated"] == len(range(0, 2500, 9)) and counts["deleted"] == 0


def test_unchanged_file_in_other_bytes_changes_nothing(engine, db_url, tmp_path):
    pair = Pair(engine, db_url, tmp_path)
    data = offer_file(range(1500))
    pair.import_both(data, "replace", True)
    snapshot = offers_snapshot(engine, pair.streamed)
    counts = pair.import_both(b"\xef\xbb\xbf" + data, "replace", True)  # BOM: other bytes
    assert counts == {"created": 0, "updated": 0, "unchanged": 1500, "deleted": 0}
    assert offers_snapshot(engine, pair.streamed) == snapshot


@pytest.fixture
def failing_instance(engine):
    """A trigger that makes the database refuse one instance in the middle of a file."""
    key = "S-02000-0"
    with engine.begin() as conn:
        if engine.dialect.name == "sqlite":
            conn.exec_driver_sql(
                "CREATE TRIGGER refuse_instance BEFORE INSERT ON offer_instances "
                f"WHEN NEW.instance_key = '{key}' BEGIN SELECT RAISE(ABORT, 'abgelehnt'); END")
        else:
            conn.exec_driver_sql(
                "CREATE FUNCTION refuse_instance() RETURNS trigger AS $$ BEGIN "
                f"IF NEW.instance_key = '{key}' THEN RAISE EXCEPTION 'abgelehnt'; END IF; "
                "RETURN NEW; END $$ LANGUAGE plpgsql")
            conn.exec_driver_sql(
                "CREATE TRIGGER refuse_instance BEFORE INSERT ON offer_instances "
                "FOR EACH ROW EXECUTE FUNCTION refuse_instance()")
    yield
    with engine.begin() as conn:
        if engine.dialect.name == "sqlite":
            conn.exec_driver_sql("DROP TRIGGER refuse_instance")
        else:
            conn.exec_driver_sql("DROP TRIGGER refuse_instance ON offer_instances")
            conn.exec_driver_sql("DROP FUNCTION refuse_instance()")


@pytest.mark.parametrize("fork", [True, False])
def test_database_failure_midway_changes_nothing(engine, db_url, tmp_path, fork,
                                                  failing_instance):
    pair = Pair(engine, db_url, tmp_path)
    pair.import_both(offer_file(range(0, 3000, 3)), "replace", fork)
    before = offers_snapshot(engine, pair.streamed)
    with pytest.raises(ImportFailed, match="Import abgebrochen"):
        import_file(pair.sessions, pair.settings, pair.streamed, offer_file(range(3000)),
                    filename="angebote.csv", fork=fork)
    assert offers_snapshot(engine, pair.streamed) == before
    last = uploads(engine, pair.streamed)[-1]
    assert last.status == "failed" and last.report["valid"] is True


@pytest.mark.parametrize("fork", [True, False])
def test_error_late_in_the_file_changes_nothing(engine, db_url, tmp_path, fork):
    pair = Pair(engine, db_url, tmp_path)
    pair.import_both(offer_file(range(100)), "replace", fork)
    before = offers_snapshot(engine, pair.streamed)
    lines = offer_file(range(3000)).split(b"\r\n")
    last = lines[-2].split(b";")
    last[COLUMN_NAMES.index("beginn_datum")] = b"41.13.2027"  # no such date, in the last row
    lines[-2] = b";".join(last)
    data = b"\r\n".join(lines)
    outcome = import_file(pair.sessions, pair.settings, pair.streamed, data,
                          filename="angebote.csv", fork=fork)
    assert outcome.status == "invalid"
    assert [e["row"] for e in outcome.report["errors"]] == [data.count(b"\r\n")]
    assert offers_snapshot(engine, pair.streamed) == before
    assert uploads(engine, pair.streamed)[-1].status == "invalid"


def test_helper_that_cannot_read_the_file_falls_back_to_one_process(engine, db_url, tmp_path,
                                                                    caplog):
    """A Windows-1252 file whose first 64 KiB are plain ASCII: the helper reads it as UTF-8,
    fails at the first umlaut, and the import checks it again in this process."""
    pair = Pair(engine, db_url, tmp_path)
    text = offer_file(range(1500)).decode().translate(ASCII)
    text = text.replace("Kurs 1499;", "Kurs 1499 für Ältere;")
    data = text.encode("cp1252")
    assert data[:65536].isascii() and not data.isascii()
    with caplog.at_level("WARNING", logger="bildungsdaten.hub.offers.importer"):
        outcome = import_file(pair.sessions, pair.settings, pair.streamed, data,
                              filename="angebote.csv", fork=True)
    assert outcome.status == "done", outcome.report["errors"][:3]
    assert "checking in this process" in caplog.text
    with engine.connect() as conn:
        title = conn.execute(sa.select(Offer.title).where(
            Offer.angebot_id == "S-01499")).scalar_one()
    assert title == "Kurs 1499 für Ältere"


def test_threaded_server_checks_large_uploads_in_a_helper_interpreter(
        app, live_server, engine, db_url, tmp_path, caplog):
    """A threaded server must not fork; a large upload is checked by a fresh interpreter
    (python -m bildungsdaten.validators.stream) while the server writes, with the same result."""
    data = offer_file(range(18_000))
    assert len(data) >= SPAWN_MIN_BYTES
    app.extensions["hub"].settings.upload_max_bytes = len(data) + 1
    pair = Pair(engine, db_url, tmp_path)
    token = add_token(engine, pair.streamed)
    with caplog.at_level("INFO", logger="bildungsdaten.hub.offers.importer"):
        resp = requests.post(f"{live_server}/api/v1/uploads", data=data, timeout=120,
                             headers={**auth(token), "Content-Type": "text/csv"})
    assert resp.status_code == 200, resp.text[:500]
    assert "checked by a helper interpreter" in caplog.text
    assert resp.json()["import"]["created"] == 18_000
    records = validate(data, collect=True).offers(ProviderRecord(slug="referenz", name=NAME))
    with Session(engine) as session, session.begin():
        write_offers(session, pair.reference, records)
    assert state(engine, pair.streamed) == state(engine, pair.reference)


def test_mapper_built_by_name_equals_the_engines_own(engine):
    """The helper interpreter builds its mapper from the driver name; the database values must
    be those of the engine's own (connected) dialect."""
    data = offer_file(range(300))
    by_name = validate(data, collect=True,
                       mapper=functools.partial(row_mapper, driver_of(engine.dialect))).mapped
    with engine.connect():
        own = validate(data, collect=True, mapper=lambda: Preparer(engine.dialect).map_rows)
    # repr: psycopg's Jsonb wrappers compare by identity, their reprs by content.
    assert repr(by_name) == repr(own.mapped)
    assert len(by_name) == len(data.splitlines()) - 1


BASE = offer_file(range(1200))  # three batches


@st.composite
def edited(draw: st.DrawFn) -> bytes:
    """The multi-batch file with a few edits anywhere: lines cut, repeated or swapped, cells
    emptied or spoilt, blank lines, the end cut off."""
    lines = BASE.split(b"\r\n")
    for _ in range(draw(st.integers(1, 3))):
        if len(lines) < 4:
            break
        n = draw(st.integers(1, len(lines) - 2))
        kind = draw(st.sampled_from(["cut", "repeat", "swap", "empty", "spoil", "blank", "end"]))
        if kind == "cut":
            del lines[n]
        elif kind == "repeat":
            lines.insert(draw(st.integers(1, len(lines) - 1)), lines[n])
        elif kind == "swap":
            m = draw(st.integers(1, len(lines) - 2))
            lines[n], lines[m] = lines[m], lines[n]
        elif kind in ("empty", "spoil"):
            cells = lines[n].split(b";")
            col = draw(st.integers(0, len(cells) - 1))
            cells[col] = b"" if kind == "empty" else draw(st.sampled_from(
                [b"31.02.2027", b"vielleicht", b"=1+1", b"12345678", b"x" * 300, b"-5"]))
            lines[n] = b";".join(cells)
        elif kind == "blank":
            lines.insert(n, b";;;")
        else:
            lines = [*lines[:n], b""]
    return b"\r\n".join(lines)


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=edited(), mode=st.sampled_from(["replace", "upsert"]))
def test_edited_files_stream_in_exactly_or_change_nothing(engine, db_url, tmp_path, data, mode):
    """Whatever the edits: a valid file leaves the record path's state, an invalid one leaves
    the database as it was, and the report is plain validate's."""
    pair = Pair.shared(engine, db_url, tmp_path)
    before = offers_snapshot(engine)
    outcome = import_file(pair.sessions, pair.settings, pair.streamed, data,
                          filename="angebote.csv", mode=mode, fork=True)
    plain = validate(data, filename="angebote.csv", collect=True)
    assert outcome.report == plain.report.to_dict()
    if outcome.status == "invalid":
        assert offers_snapshot(engine) == before
        return
    assert outcome.status == "done"
    records = plain.offers(ProviderRecord(slug="referenz", name=NAME))
    with Session(engine) as session, session.begin():
        lock_provider(session, pair.reference)
        expected = write_offers(session, pair.reference, records, replace=mode == "replace")
    assert outcome.counts == expected.as_dict()
    assert state(engine, pair.streamed) == state(engine, pair.reference)
