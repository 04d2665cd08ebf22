"""Storage of uploads (issue 11): originals of dry runs and rejected uploads expire, a quota
per provider, interrupted uploads become "failed", and a survey export uploaded by mistake is
refused and not kept."""
from __future__ import annotations

import io
import socket
import subprocess
import zipfile
from datetime import timedelta

import openpyxl
import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from bildungsdaten.hub.db import make_sessionmaker
from bildungsdaten.hub.jobs.scheduler import run_job
from bildungsdaten.hub.models import Upload, utcnow
from bildungsdaten.hub.offers.importer import import_file
from bildungsdaten.hub.offers.retention import OWNER, process_owner
from bildungsdaten.validators import validate
from tests.import_support import add_provider, add_token, auth, offers_csv, uploads
from tests.survey_synth import responses_csv, structure_lss

MARKERS = (b"TOKENMARKER", b"ANDERESMARKER", b"refmarker")  # in the synthetic responses


@pytest.fixture
def kvhs(engine):
    pid = add_provider(engine, "kvhs", "Kreisvolkshochschule Bergstraße")
    return pid, add_token(engine, pid)


def _settings(app):
    return app.extensions["hub"].settings


def _import(app, engine, pid, data: bytes, dry_run: bool = False):
    return import_file(make_sessionmaker(engine), _settings(app), pid, data, dry_run=dry_run,
                       filename="angebote.csv", content_type="text/csv", fork=False)


def _post(client, token, data: bytes, query: str = "", content_type: str = "text/csv"):
    return client.post(f"/api/v1/uploads{query}", data=data, headers=auth(token),
                       content_type=content_type)


def _age(engine, upload_id: int, days: float) -> None:
    with Session(engine) as session, session.begin():
        then = utcnow() - timedelta(days=days)
        session.execute(sa.update(Upload).where(Upload.id == upload_id).values(
            created_at=then, finished_at=then))


def _kept(engine, pid) -> dict[int, bool]:
    return {u.id: u.original is not None for u in uploads(engine, pid)}


def _stored_bytes(engine, pid) -> int:
    return sum(len(u.original or b"") for u in uploads(engine, pid))


# --- survey exports ------------------------------------------------------------------------

def _xlsx_responses() -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Antwort ID", "Datum Abgeschickt", "Letzte Seite", "Start-Sprache",
                  "Wie alt sind Sie?"])
    sheet.append([1, "2026-03-08 10:01:00", 3, "de", "TOKENMARKER"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _lsa() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("survey_archive_123456.lss", structure_lss())
        archive.writestr("survey_archive_123456_responses.lsr", b"<document/>")
    return out.getvalue()


SURVEY_FILES = {
    "responses": (responses_csv(20), "text/csv"),
    "responses-xlsx": (_xlsx_responses(),
                       "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "structure": (structure_lss(), "application/xml"),
    "archive": (_lsa(), "application/zip"),
}


@pytest.mark.parametrize("kind", sorted(SURVEY_FILES))
def test_the_validator_names_a_survey_export(kind):
    data, _type = SURVEY_FILES[kind]
    report = validate(data).report
    assert [e["code"] for e in report.to_dict()["errors"]] == ["survey-export"]
    message = report.to_dict()["errors"][0]["message"]
    assert "Umfrage" in message and "keine Angebotsdatei" in message
    assert not any(m.decode() in str(report.to_dict()) for m in MARKERS)  # no answer quoted


def test_offer_files_are_not_taken_for_survey_exports():
    assert validate(offers_csv(range(3))).report.valid
    labels = b"id;titel;beschreibung;token;seed\r\n1;Kurs;Text;x;y\r\n"
    assert "survey-export" not in [e["code"] for e in validate(labels).report.to_dict()["errors"]]


@pytest.mark.parametrize("query", ["", "?dry_run=true"])
@pytest.mark.parametrize("kind", sorted(SURVEY_FILES))
def test_a_survey_export_uploaded_as_offers_is_refused_and_not_kept(client, engine, kvhs,
                                                                   kind, query):
    pid, token = kvhs
    data, content_type = SURVEY_FILES[kind]
    resp = _post(client, token, data, query, content_type)
    body = resp.get_json()
    assert resp.status_code == 422 and body["status"] == "invalid"
    assert [e["code"] for e in body["errors"]] == ["survey-export"]
    (row,) = uploads(engine, pid)
    assert row.original is None
    assert not any(m.decode() in str(row.report) for m in MARKERS)
    gone = client.get(f"/api/v1/uploads/{row.id}/original", headers=auth(token))
    assert gone.status_code == 410 and gone.get_json()["code"] == "original-not-kept"


# --- expiry --------------------------------------------------------------------------------

def test_originals_of_dry_runs_and_rejected_uploads_expire(app, client, engine, kvhs):
    pid, token = kvhs
    live = _import(app, engine, pid, offers_csv(range(3))).upload_id
    dry = _import(app, engine, pid, offers_csv(range(4)), dry_run=True).upload_id
    rejected = _import(app, engine, pid, b"angebot_id;titel\r\n1;\r\n").upload_id
    recent = _import(app, engine, pid, offers_csv(range(5)), dry_run=True).upload_id
    keep_days = _settings(app).originals_keep_days
    for upload_id in (live, dry, rejected):
        _age(engine, upload_id, keep_days + 1)
    _age(engine, recent, keep_days - 1)
    assert run_job(app, "expire-originals") == 2
    assert _kept(engine, pid) == {live: True, dry: False, rejected: False, recent: True}
    reports = {u.id: u.report for u in uploads(engine, pid)}
    assert reports[dry]["valid"] is True and reports[rejected]["valid"] is False  # kept
    gone = client.get(f"/api/v1/uploads/{dry}/original", headers=auth(token))
    assert gone.status_code == 410 and gone.get_json()["code"] == "original-expired"
    assert f"{keep_days} Tagen" in gone.get_json()["detail"]
    assert client.get(f"/api/v1/uploads/{live}/original", headers=auth(token)).status_code == 200


def test_keep_days_is_a_setting(app, engine, kvhs):
    pid, _token = kvhs
    dry = _import(app, engine, pid, offers_csv(range(4)), dry_run=True).upload_id
    _age(engine, dry, 3)
    assert run_job(app, "expire-originals") == 0
    _settings(app).originals_keep_days = 2
    assert run_job(app, "expire-originals") == 1
    assert _kept(engine, pid) == {dry: False}


# --- quota ---------------------------------------------------------------------------------

def test_the_quota_drops_the_oldest_originals_but_never_the_live_import(app, engine, kvhs):
    pid, _token = kvhs
    live = _import(app, engine, pid, offers_csv(range(3))).upload_id
    size = _stored_bytes(engine, pid)  # each file below stores about as much
    _settings(app).originals_quota_bytes = size * 3
    runs = [_import(app, engine, pid, offers_csv(range(3), title=f"Kurs {i}"),
                    dry_run=True).upload_id for i in range(5)]
    kept = _kept(engine, pid)
    # The live import and the two newest dry runs fit; the three oldest dry runs went.
    assert kept == {live: True, **dict.fromkeys(runs[:3], False), **dict.fromkeys(runs[3:], True)}
    assert _stored_bytes(engine, pid) <= size * 3
    other = add_provider(engine, "musik")  # the quota is per provider
    _import(app, engine, other, offers_csv(range(3)), dry_run=True)
    assert _kept(engine, pid) == kept


def test_quota_job_keeps_the_live_import_even_alone_above_the_quota(app, engine, kvhs):
    pid, _token = kvhs
    first = _import(app, engine, pid, offers_csv(range(3))).upload_id
    dry = _import(app, engine, pid, offers_csv(range(6)), dry_run=True).upload_id
    live = _import(app, engine, pid, offers_csv(range(4))).upload_id
    _settings(app).originals_quota_bytes = 10
    assert run_job(app, "expire-originals") == 2
    assert _kept(engine, pid) == {first: False, dry: False, live: True}


# --- interrupted uploads -------------------------------------------------------------------

def _pending(engine, pid, owner: str, minutes_ago: float = 0) -> int:
    with Session(engine) as session, session.begin():
        row = Upload(provider_id=pid, filename="a.csv", size=3, mode="replace", source="api",
                     dry_run=False, status="pending", stats={OWNER: owner},
                     created_at=utcnow() - timedelta(minutes=minutes_ago))
        session.add(row)
        session.flush()
        return int(row.id)


def _status(engine, upload_id: int) -> tuple[str, list[str]]:
    with Session(engine) as session:
        row = session.get(Upload, upload_id)
        assert row is not None
        return row.status, [e["code"] for e in (row.report or {}).get("errors", [])]


def _dead_pid() -> int:
    proc = subprocess.Popen(["true"])
    proc.wait()
    return proc.pid


def test_an_upload_of_an_ended_process_fails_at_start_up(app, engine, kvhs, db_url, tmp_path):
    from bildungsdaten.hub.app import create_app

    pid, _token = kvhs
    dead = _pending(engine, pid, process_owner(_dead_pid()))
    running = _pending(engine, pid, process_owner())  # this test's own process is alive
    elsewhere = _pending(engine, pid, "anderer-rechner|x|1|1", minutes_ago=5)
    create_app({"database_url": db_url, "instance_path": tmp_path / "neu",
                "secret_key": "t"}).extensions["hub"].engine.dispose()
    assert _status(engine, dead) == ("failed", ["upload-interrupted"])
    assert _status(engine, running) == ("pending", [])
    assert _status(engine, elsewhere) == ("pending", [])


def test_the_scheduler_fails_uploads_pending_too_long(app, client, engine, kvhs):
    pid, token = kvhs
    old = _pending(engine, pid, "anderer-rechner|x|1|1",
                   minutes_ago=_settings(app).pending_upload_minutes + 1)
    young = _pending(engine, pid, "anderer-rechner|x|1|1", minutes_ago=1)
    assert socket.gethostname() != "anderer-rechner"
    assert run_job(app, "fail-interrupted-uploads") == 1
    assert _status(engine, old) == ("failed", ["upload-interrupted"])
    assert _status(engine, young) == ("pending", [])
    body = client.get(f"/api/v1/uploads/{old}", headers=auth(token)).get_json()
    assert body["status"] == "failed" and "unterbrochen" in body["errors"][0]["message"]
    assert client.get(f"/api/v1/uploads/{young}", headers=auth(token)).get_json()["import"] \
        is None
