"""Bad input is a 4xx, never a 500: integers beyond the columns' range in paths and cursors,
NUL bytes, non-ASCII digits, a non-ASCII CSRF value (issue 11, "500s from input")."""
from __future__ import annotations

import base64
from typing import Any

import pytest

from tests.import_support import add_provider, add_token, add_upload, auth

ADMIN = "verwaltung-geheim-16"


def _cursor(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


@pytest.mark.parametrize("path", [
    "/survey/a/99999999999999999999999/x",
    "/survey/a/2147483648/x.csv",
    "/hochladen/berichte/2147483648",
    "/survey/a/٣/x",  # an Arabic-Indic digit matches Python's \d
])
def test_integer_path_parts_beyond_the_column_are_404(client, path):
    assert client.get(path).status_code == 404


def test_upload_id_beyond_the_column_is_404_problem(client, engine):
    token = add_token(engine, add_provider(engine, "kvhs"))
    for path in ("/api/v1/uploads/2147483648", "/api/v1/uploads/99999999999999999999999/original"):
        resp = client.get(path, headers=auth(token))
        assert resp.status_code == 404, path
        assert resp.mimetype == "application/problem+json"


def test_largest_upload_id_in_range_still_routes(client, engine):
    pid = add_provider(engine, "kvhs")
    token = add_token(engine, pid)
    upload_id = add_upload(engine, pid)
    assert client.get(f"/api/v1/uploads/{upload_id}", headers=auth(token)).status_code == 200
    resp = client.get("/api/v1/uploads/2147483647", headers=auth(token))
    assert resp.status_code == 404 and resp.get_json()["code"] == "not-found"


# The API's default order is by date: its cursor is "s1:date:<first date>:<offer id>".
@pytest.mark.parametrize("cursor", [
    _cursor("s1:date:2026-03-02:2147483648"), _cursor("s1:date:2026-03-02:99999999999999999999999"),
    _cursor("s1:date:2026-03-02:²"), _cursor("s1:date:2026-03-02:-1"), "%%%",
    _cursor("s1:date:2026-02-30:5"), _cursor("s1:date:7:5"), _cursor("s9:date:2026-03-02:5"),
    _cursor("o1:5"),
])
def test_api_cursor_beyond_the_column_is_400(client, cursor):
    resp = client.get("/api/v1/offers", query_string={"after": cursor})
    assert resp.status_code == 400
    assert resp.get_json()["parameter"] == "after"


def test_api_cursor_in_range_is_accepted(client):
    resp = client.get("/api/v1/offers",
                      query_string={"after": _cursor("s1:date:2026-03-02:2147483647")})
    assert resp.status_code == 200 and resp.get_json()["items"] == []


@pytest.mark.parametrize("page", ["²", "٣", "1e3", "99999999999999999999999"])
def test_catalogue_page_must_be_ascii_digits_in_range(client, page):
    resp = client.get("/catalog", query_string={"page": page})
    assert resp.status_code in (400, 404)
    assert resp.mimetype == "application/problem+json"


@pytest.mark.parametrize("url", [
    "/api/v1/offers?q=a%00b", "/api/v1/offers?provider=kvhs%00", "/api/v1/offers/kvhs/a%00b",
    "/offers/kvhs/a%00b", "/feeds/offers.csv?provider=x%00", "/angebote?q=%00",
    "/survey/a%00/1/x", "/catalog?modified_since=%00", "/api/v1/offers?%00=1",
])
def test_nul_in_any_argument_or_path_part_is_400_problem(client, url):
    resp = client.get(url)
    assert resp.status_code == 400, (url, resp.status_code)
    assert resp.mimetype == "application/problem+json"
    assert resp.get_json()["code"] in ("invalid-parameter", "invalid-path")


def _admin(app: Any) -> Any:
    app.extensions["hub"].settings.admin_token = ADMIN
    return app.test_client()


def test_admin_form_with_non_ascii_csrf_is_400(app):
    client = _admin(app)
    resp = client.post("/survey/admin", data={"csrf": "ä", "survey": "x"},
                       headers={"Authorization": f"Bearer {ADMIN}"})
    assert resp.status_code == 400


def test_admin_with_non_ascii_password_is_401(app):
    client = _admin(app)
    resp = client.get("/survey/admin", headers={"Authorization": "Bearer geheimnis-ä-ö-ü-ß"})
    assert resp.status_code == 401


def test_nul_in_an_upload_file_name_is_400(client, engine):
    import io
    import re

    token = add_token(engine, add_provider(engine, "kvhs"))
    csrf = re.search(r'name="csrf" value="([^"]+)"',
                     client.get("/hochladen").get_data(as_text=True)).group(1)
    client.post("/hochladen/anmelden", data={"csrf": csrf, "token": token})
    resp = client.post("/hochladen", content_type="multipart/form-data", data={
        "csrf": csrf, "modus": "replace", "aktion": "pruefen",
        "datei": (io.BytesIO(b"angebot_id;titel\r\n1;x\r\n"), "a\x00b.csv")})
    assert resp.status_code == 400
    assert resp.get_json()["parameter"] == "datei"


def test_nul_in_an_admin_form_field_is_400(app):
    import io
    import re

    client = _admin(app)
    headers = {"Authorization": f"Bearer {ADMIN}"}
    page = client.get("/survey/admin", headers=headers).get_data(as_text=True)
    csrf = re.search(r'name="csrf" value="([0-9a-f]+)"', page).group(1)
    resp = client.post("/survey/admin", headers=headers, content_type="multipart/form-data",
                       data={"csrf": csrf, "action": "release", "survey": "x\x00",
                             "definition": (io.BytesIO(b'{"a": 1}'), "d.json")})
    assert resp.status_code == 400
