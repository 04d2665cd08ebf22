"""The app starts on a migrated database and reports itself healthy."""


def test_healthz_reports_current_migrations(client):
    resp = client.get("/healthz")
    assert resp.status_code == 200
    assert resp.get_json()["migrations"] == "current"


def test_start_page_is_german(client):
    resp = client.get("/")
    assert resp.status_code == 200
    assert 'lang="de"' in resp.get_data(as_text=True)


def test_unknown_api_route_is_problem_json(client):
    resp = client.get("/api/v1/does-not-exist")
    assert resp.status_code == 404
    assert resp.mimetype == "application/problem+json"
    assert resp.get_json()["code"] == "not-found"
