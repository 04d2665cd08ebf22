"""POST /api/v1/uploads: all-or-nothing imports, replace vs upsert, re-upload changes nothing."""
from __future__ import annotations

import pytest
import requests

from bildungsdaten.hub.offers.originals import unpack
from tests.import_support import (
    add_provider,
    add_token,
    auth,
    fixture_bytes,
    live_offers,
    offers_snapshot,
    uploads,
)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def kvhs(engine):
    pid = add_provider(engine, "kvhs", "Kreisvolkshochschule Bergstraße")
    return pid, add_token(engine, pid)


def post(client, token, data: bytes, query: str = "", **kwargs):
    return client.post(f"/api/v1/uploads{query}", data=data, headers=auth(token),
                       content_type=kwargs.pop("content_type", "text/csv"), **kwargs)


def test_valid_file_is_imported_with_report_and_counts(client, engine, kvhs):
    pid, token = kvhs
    resp = post(client, token, fixture_bytes("valid_cp1252.csv"))
    assert resp.status_code == 200, resp.get_json()
    body = resp.get_json()
    assert body["valid"] is True and body["status"] == "done" and body["dry_run"] is False
    assert set(body) >= {"upload_id", "stats", "errors", "truncated", "import"}
    assert body["import"] == {"created": 3, "updated": 0, "unchanged": 0, "deleted": 0}
    assert resp.headers["Location"] == f"http://hub.test/api/v1/uploads/{body['upload_id']}"
    assert sorted(live_offers(engine, pid)) == ["27F-10102", "27F-20001", "27F-30003"]


def test_upload_keeps_original_file_and_report(client, engine, kvhs):
    pid, token = kvhs
    data = fixture_bytes("valid_cp1252.csv")
    upload_id = post(client, token, data).get_json()["upload_id"]
    (row,) = uploads(engine, pid)
    assert (row.id, row.status, row.source) == (upload_id, "done", "api")
    # Stored compressed, given back byte for byte.
    assert row.original_compression == "zlib" and len(row.original) < len(data)
    assert unpack(row.original, row.original_compression) == data
    assert row.report["valid"] is True
    assert client.get(f"/api/v1/uploads/{upload_id}/original", headers=auth(token)).data == data


def test_invalid_file_is_422_and_changes_nothing(client, engine, kvhs):
    pid, token = kvhs
    post(client, token, fixture_bytes("valid_cp1252.csv"))
    before = offers_snapshot(engine)
    resp = post(client, token, fixture_bytes("with_errors.csv"))
    assert resp.status_code == 422
    body = resp.get_json()
    assert body["valid"] is False and body["status"] == "invalid" and body["import"] is None
    assert {e["row"] for e in body["errors"] if e["severity"] == "error"} == {3, 4, 5}
    assert offers_snapshot(engine) == before
    assert [u.status for u in uploads(engine, pid)] == ["done", "invalid"]


def test_reupload_of_same_file_changes_no_offer(client, engine, kvhs):
    pid, token = kvhs
    data = fixture_bytes("valid_cp1252.csv")
    post(client, token, data)
    before = offers_snapshot(engine)
    resp = post(client, token, data)
    assert resp.get_json()["import"] == {"created": 0, "updated": 0, "unchanged": 3, "deleted": 0}
    assert offers_snapshot(engine) == before  # not one `modified` stamp moved


def test_same_offers_in_another_encoding_change_no_offer(client, engine, kvhs):
    pid, token = kvhs
    post(client, token, fixture_bytes("valid_cp1252.csv"))
    before = offers_snapshot(engine)
    utf8 = fixture_bytes("valid_cp1252.csv").decode("cp1252").encode("utf-8-sig")
    resp = post(client, token, utf8)  # other bytes: validated and compared offer by offer
    assert resp.get_json()["import"] == {"created": 0, "updated": 0, "unchanged": 3, "deleted": 0}
    assert offers_snapshot(engine) == before


def test_same_file_after_other_changes_is_imported_again(client, engine, kvhs):
    pid, token = kvhs
    post(client, token, fixture_bytes("valid_cp1252.csv"))
    post(client, token, fixture_bytes("valid_changed.csv"), "?mode=upsert")
    resp = post(client, token, fixture_bytes("valid_cp1252.csv"))
    assert resp.get_json()["import"] == {"created": 0, "updated": 1, "unchanged": 2, "deleted": 1}
    assert sorted(live_offers(engine, pid)) == ["27F-10102", "27F-20001", "27F-30003"]


def test_replace_tombstones_offers_missing_from_the_file(client, engine, kvhs):
    pid, token = kvhs
    post(client, token, fixture_bytes("valid_cp1252.csv"))
    old = live_offers(engine, pid)
    resp = post(client, token, fixture_bytes("valid_changed.csv"), "?mode=replace")
    assert resp.get_json()["import"] == {"created": 1, "updated": 1, "unchanged": 1, "deleted": 1}
    now = live_offers(engine, pid)
    assert sorted(now) == ["27F-10102", "27F-20001", "27F-40004"]
    assert now["27F-10102"] == old["27F-10102"]
    assert now["27F-20001"] > old["27F-20001"]


def test_upsert_keeps_offers_missing_from_the_file(client, engine, kvhs):
    pid, token = kvhs
    post(client, token, fixture_bytes("valid_cp1252.csv"))
    resp = post(client, token, fixture_bytes("valid_changed.csv"), "?mode=upsert")
    assert resp.get_json()["import"] == {"created": 1, "updated": 1, "unchanged": 1, "deleted": 0}
    assert sorted(live_offers(engine, pid)) == ["27F-10102", "27F-20001", "27F-30003",
                                                "27F-40004"]


def test_dry_run_reports_counts_but_writes_nothing(client, engine, kvhs):
    pid, token = kvhs
    resp = post(client, token, fixture_bytes("valid_cp1252.csv"), "?dry_run=true")
    assert resp.status_code == 200
    body = resp.get_json()
    assert body["dry_run"] is True
    assert body["import"] == {"created": 3, "updated": 0, "unchanged": 0, "deleted": 0}
    assert offers_snapshot(engine) == []
    assert [(u.status, u.dry_run) for u in uploads(engine, pid)] == [("done", True)]


def test_offers_belong_to_the_tokens_provider_not_the_files_anbieter_name(client, engine):
    other = add_provider(engine, "musikschule", "Musikschule Bensheim")
    post(client, add_token(engine, other), fixture_bytes("valid_cp1252.csv"))
    assert sorted(live_offers(engine, other)) == ["27F-10102", "27F-20001", "27F-30003"]
    assert {row[0].split("/")[0] for row in offers_snapshot(engine)} == {"musikschule"}


def test_token_a_cannot_upload_for_provider_b(client, engine):
    a = add_provider(engine, "anbieter-a")
    b = add_provider(engine, "anbieter-b")
    post(client, add_token(engine, b), fixture_bytes("valid_cp1252.csv"))
    before_b = offers_snapshot(engine, b)
    # A's replace upload of a different set must not tombstone anything of B.
    post(client, add_token(engine, a), fixture_bytes("valid_changed.csv"), "?mode=replace")
    assert offers_snapshot(engine, b) == before_b
    assert sorted(live_offers(engine, a)) == ["27F-10102", "27F-20001", "27F-40004"]


def test_multipart_upload_is_accepted(client, engine, kvhs):
    import io

    pid, token = kvhs
    resp = client.post("/api/v1/uploads", headers=auth(token), content_type="multipart/form-data",
                       data={"file": (io.BytesIO(fixture_bytes("valid_cp1252.csv")), "kurse.csv")})
    assert resp.status_code == 200
    assert uploads(engine, pid)[0].filename == "kurse.csv"


def test_raw_body_takes_its_name_from_content_disposition(client, engine, kvhs):
    pid, token = kvhs
    resp = client.post(
        "/api/v1/uploads", data=fixture_bytes("valid_cp1252.csv"), content_type="text/csv",
        headers={**auth(token), "Content-Disposition": 'attachment; filename="../x/Kurse 2027.csv"'})
    assert resp.status_code == 200
    assert uploads(engine, pid)[0].filename == "Kurse 2027.csv"


def test_xlsx_upload_is_imported(client, engine, kvhs):
    pid, token = kvhs
    resp = post(client, token, fixture_bytes("valid.xlsx"), content_type=XLSX)
    assert resp.status_code == 200, resp.get_json()
    assert uploads(engine, pid)[0].filename == "upload.xlsx"
    assert len(live_offers(engine, pid)) == 3


def test_too_large_by_content_length_is_413(app, client, engine, kvhs):
    app.extensions["hub"].settings.upload_max_bytes = 1000
    resp = post(client, kvhs[1], b"x" * 1001)
    assert resp.status_code == 413
    assert resp.get_json()["code"] == "file-too-large"
    assert uploads(engine, kvhs[0]) == []


def test_too_large_streamed_without_length_is_413(app, live_server, engine, kvhs):
    app.extensions["hub"].settings.upload_max_bytes = 100_000

    def body():  # a generator makes requests send Transfer-Encoding: chunked
        for _ in range(20):
            yield b"y" * 10_000

    resp = requests.post(f"{live_server}/api/v1/uploads", data=body(), timeout=30,
                         headers={**auth(kvhs[1]), "Content-Type": "text/csv"})
    assert resp.status_code == 413
    assert resp.headers["Content-Type"] == "application/problem+json"
