"""Tokens: who may upload and read what; failed attempts are limited across workers."""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from bildungsdaten.hub.auth.tokens import TOKEN_PREFIX, authenticate, hash_token, revoke
from bildungsdaten.hub.models import ApiToken, AuthFailure
from tests.import_support import add_provider, add_token, add_upload, auth


def test_token_is_stored_only_as_its_hash(engine):
    pid = add_provider(engine, "kvhs")
    token = add_token(engine, pid)
    assert token.startswith(TOKEN_PREFIX) and len(token) >= len(TOKEN_PREFIX) + 43
    with engine.connect() as conn:
        row = conn.execute(sa.select(ApiToken)).one()
    assert row.token_hash == hash_token(token)
    assert token not in (row.prefix, row.token_hash, row.label)
    assert token.startswith(row.prefix)


def test_revoked_token_no_longer_authenticates(engine):
    token = add_token(engine, add_provider(engine, "kvhs"))
    with Session(engine) as session, session.begin():
        assert authenticate(session, token) is not None
        revoke(session, session.execute(sa.select(ApiToken)).scalar_one())
    with Session(engine) as session:
        assert authenticate(session, token) is None


def test_missing_token_is_401_problem(client):
    resp = client.post("/api/v1/uploads", data=b"angebot_id\r\n", content_type="text/csv")
    assert resp.status_code == 401
    assert resp.mimetype == "application/problem+json"
    assert resp.get_json()["code"] == "unauthorized"
    assert resp.headers["WWW-Authenticate"].startswith("Bearer")


def test_unknown_token_is_401_and_counted(client, engine):
    resp = client.post("/api/v1/uploads", data=b"x", content_type="text/csv",
                       headers=auth(TOKEN_PREFIX + "unbekannt"))
    assert resp.status_code == 401
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(AuthFailure)).scalar() == 1


def test_revoked_token_is_401(client, engine):
    token = add_token(engine, add_provider(engine, "kvhs"))
    with Session(engine) as session, session.begin():
        revoke(session, session.execute(sa.select(ApiToken)).scalar_one())
    resp = client.get("/api/v1/uploads", headers=auth(token))
    assert resp.status_code == 401


def test_too_many_failed_attempts_block_even_a_valid_token(app, client, engine):
    limit = app.extensions["hub"].settings.failed_auth_limit
    token = add_token(engine, add_provider(engine, "kvhs"))
    for n in range(limit):
        assert client.get("/api/v1/uploads", headers=auth(f"bdh_falsch{n}")).status_code == 401
    resp = client.get("/api/v1/uploads", headers=auth(token))
    assert resp.status_code == 429
    assert resp.mimetype == "application/problem+json"
    # The wait is what is left of the one-minute window, not a fixed 60.
    wait = int(resp.headers["Retry-After"])
    assert 1 <= wait <= 61
    assert f"{wait} Sekunden" in resp.get_json()["detail"]


def test_failed_attempts_of_another_client_do_not_count(app, client, engine):
    limit = app.extensions["hub"].settings.failed_auth_limit
    token = add_token(engine, add_provider(engine, "kvhs"))
    with Session(engine) as session, session.begin():
        session.add_all(AuthFailure(client="192.0.2.99") for _ in range(limit))
    assert client.get("/api/v1/uploads", headers=auth(token)).status_code == 200


def test_token_a_cannot_read_uploads_of_provider_b(client, engine):
    token_a = add_token(engine, add_provider(engine, "anbieter-a"))
    upload_b = add_upload(engine, add_provider(engine, "anbieter-b"))
    for path in (f"/api/v1/uploads/{upload_b}", f"/api/v1/uploads/{upload_b}/original"):
        resp = client.get(path, headers=auth(token_a))
        assert resp.status_code == 404, path
        assert resp.mimetype == "application/problem+json"
    assert client.get("/api/v1/uploads", headers=auth(token_a)).get_json()["uploads"] == []


def test_own_upload_is_readable(client, engine):
    pid = add_provider(engine, "kvhs")
    upload = add_upload(engine, pid)
    resp = client.get(f"/api/v1/uploads/{upload}", headers=auth(add_token(engine, pid)))
    assert resp.status_code == 200
    body = resp.get_json()
    assert (body["upload_id"], body["status"], body["valid"]) == (upload, "invalid", False)
    assert body["url"] == f"http://hub.test/api/v1/uploads/{upload}"


def test_bad_mode_names_the_parameter(client, engine):
    token = add_token(engine, add_provider(engine, "kvhs"))
    resp = client.post("/api/v1/uploads?mode=alles", data=b"x", content_type="text/csv",
                       headers=auth(token))
    assert resp.status_code == 400
    assert resp.get_json()["parameter"] == "mode"


def test_bad_dry_run_names_the_parameter(client, engine):
    token = add_token(engine, add_provider(engine, "kvhs"))
    resp = client.post("/api/v1/uploads?dry_run=vielleicht", data=b"x", content_type="text/csv",
                       headers=auth(token))
    assert resp.status_code == 400
    assert resp.get_json()["parameter"] == "dry_run"


def test_multipart_without_file_field_names_it(client, engine):
    token = add_token(engine, add_provider(engine, "kvhs"))
    resp = client.post("/api/v1/uploads", data={"anders": "x"}, headers=auth(token),
                       content_type="multipart/form-data")
    assert resp.status_code == 400
    assert resp.get_json()["parameter"] == "file"


def test_behind_a_proxy_failed_attempts_count_per_forwarded_client(db_url, tmp_path, engine):
    """With PROXY_HOPS=1 the client address comes from X-Forwarded-For: clients behind the
    same proxy are counted apart; without it every client would share the proxy's address."""
    from bildungsdaten.hub.app import create_app
    proxied = create_app({"database_url": db_url, "instance_path": tmp_path / "proxied",
                          "hub_base_uri": "http://hub.test", "secret_key": "t", "proxy_hops": 1})
    try:
        client = proxied.test_client()
        token = add_token(engine, add_provider(engine, "kvhs"))
        limit = proxied.extensions["hub"].settings.failed_auth_limit
        for n in range(limit):
            assert client.get("/api/v1/uploads", headers={
                **auth(f"bdh_falsch{n}"), "X-Forwarded-For": "198.51.100.7"}).status_code == 401
        blocked = client.get("/api/v1/uploads",
                             headers={**auth(token), "X-Forwarded-For": "198.51.100.7"})
        other = client.get("/api/v1/uploads",
                           headers={**auth(token), "X-Forwarded-For": "198.51.100.8"})
        assert (blocked.status_code, other.status_code) == (429, 200)
        with engine.connect() as conn:
            clients = set(conn.execute(sa.select(AuthFailure.client)).scalars())
        assert clients == {"198.51.100.7"}
    finally:
        proxied.extensions["hub"].engine.dispose()
