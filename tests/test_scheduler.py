"""Expiry and purge jobs, and the scheduler process that runs them."""
from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa
from click.testing import CliRunner

from bildungsdaten.hub.db import begin_write, make_sessionmaker, transaction
from bildungsdaten.hub.jobs.scheduler import all_jobs, build_scheduler, run_job
from bildungsdaten.hub.models import Offer, utcnow
from bildungsdaten.hub.offers.expiry import expire_offers, local_today
from bildungsdaten.vocab.records import InstanceRecord
from tests.feed_data import simple_offer, write


def _state(engine) -> dict[str, tuple[bool, int]]:
    with engine.connect() as conn:
        return {r.feed_id: (r.deleted, r.modified) for r in conn.execute(
            sa.select(Offer.feed_id, Offer.deleted, Offer.modified))}


def _offers(engine) -> None:
    today = local_today()
    rolling = simple_offer("LAUFEND")
    rolling.instances = [InstanceRecord(rolling_entry=True, mode="praesenz", price_kind="auf_anfrage",
                                        venue=rolling.instances[0].venue)]
    write(engine, [simple_offer("VORBEI", start=today - timedelta(days=10)),
                   simple_offer("GESTERN", start=today - timedelta(days=1)),
                   simple_offer("KOMMT", start=today + timedelta(days=3)), rolling])


def test_expiry_job_turns_past_offers_into_tombstones(app, engine):
    _offers(engine)
    before = _state(engine)
    assert run_job(app, "expire-offers") == 1
    after = _state(engine)
    assert after["kvhs/VORBEI"][0] is True
    assert after["kvhs/VORBEI"][1] > max(m for _, m in before.values())  # a new stamp
    # The grace day keeps yesterday's offer; open-ended and future offers never expire.
    assert {k: v for k, v in after.items() if k != "kvhs/VORBEI"} == \
        {k: v for k, v in before.items() if k != "kvhs/VORBEI"}


def test_expired_offer_appears_in_rpde_as_deleted(app, client, engine):
    _offers(engine)
    run_job(app, "expire-offers")
    page = client.get("/feeds/offers/rpde").get_json()
    assert page["items"][-1] == {"state": "deleted", "kind": "Course", "id": "kvhs/VORBEI",
                                 "modified": _state(engine)["kvhs/VORBEI"][1]}


def test_grace_days_are_a_setting(app, engine):
    _offers(engine)
    app.extensions["hub"].settings.expiry_grace_days = 0
    with transaction(make_sessionmaker(engine)) as session:
        begin_write(session)
        assert expire_offers(session, app.extensions["hub"].settings,
                             today=local_today()) == 2


def test_purge_removes_only_old_tombstones(app, engine):
    _offers(engine)
    settings = app.extensions["hub"].settings
    with transaction(make_sessionmaker(engine)) as session:
        begin_write(session)
        expire_offers(session, settings, today=date.today() + timedelta(days=30))
    with engine.begin() as conn:
        conn.execute(sa.update(Offer).where(Offer.angebot_id == "VORBEI").values(
            deleted_at=utcnow() - timedelta(days=settings.tombstone_days, hours=1)))
    assert run_job(app, "purge-tombstones") == 1
    state = _state(engine)
    assert "kvhs/VORBEI" not in state
    assert state["kvhs/GESTERN"][0] is True  # a fresh tombstone stays in the feed


def test_scheduler_registers_own_and_area_jobs(app):
    names = [job[0] for job in all_jobs()]
    assert {"expire-offers", "purge-tombstones", "pull-provider-sources"} <= set(names)
    scheduler = build_scheduler(app, blocking=False)
    assert {job.id for job in scheduler.get_jobs()} == set(names)


def test_scheduler_command_runs_one_job(db_url, engine, tmp_path, monkeypatch):
    from bildungsdaten.hub.cli import main

    _offers(engine)
    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.setenv("HUB_INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path))
    result = CliRunner().invoke(main, ["scheduler", "--once", "expire-offers"])
    assert result.exit_code == 0, result.output
    assert "expire-offers: 1" in result.output
    assert _state(engine)["kvhs/VORBEI"][0] is True


def test_scheduler_command_rejects_unknown_job(db_url, tmp_path, monkeypatch):
    from bildungsdaten.hub.cli import main

    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path))
    result = CliRunner().invoke(main, ["scheduler", "--once", "aufraeumen"])
    assert result.exit_code == 1
    assert "Unbekannter Job „aufraeumen“" in result.output
