"""The admin page publishes a release from an uploaded definition (JSON or TOML) exactly as
`bildungsdaten survey release` does: protected, audited, or refused in German with nothing
written; the form needs the admin credential and its CSRF token."""
from __future__ import annotations

import io
import json
import re
from typing import Any

import pytest
import sqlalchemy as sa

from bildungsdaten.hub.survey.models import SurveyRelease, SurveyReleaseCell
from tests.survey_synth import SMALL_DEFINITION, import_export

TOKEN = "verwaltung-geheim"
AUTH = {"Authorization": f"Bearer {TOKEN}"}

TOML = """titel = "Kurzauswertung (TOML)"
k = 5
mindestgruppe = 10
[gliederungen.region]
frage = "WOHNORT"
bezeichnung = "Region"
zusammenfassen = { nord = ["G01", "G02", "G03", "G04", "G05", "G06", "G07", "G08", "G09", "G10", "G11"], sued = ["G12", "G13", "G14", "G15", "G16", "G17", "G18", "G19", "G20", "G21", "G22"] }
[[tabellen]]
name = "lernwunsch-region"
frage = "Q1"
gliederung = ["region"]
[[tabellen]]
name = "lernstunden"
frage = "Q6"
klassen = { "0-4" = 0, "5-9" = 5, "10-und-mehr" = 10 }
"""


@pytest.fixture
def admin(app: Any) -> Any:
    app.extensions["hub"].settings.admin_token = TOKEN
    import_export(app.extensions["hub"].engine, n=400, status="closed")
    return app.test_client()


def csrf(client: Any) -> str:
    page = client.get("/survey/admin", headers=AUTH).get_data(as_text=True)
    return re.search(r'name="csrf" value="([0-9a-f]+)"', page).group(1)


def post_definition(client: Any, data: bytes, filename: str, token: str | None = None,
                    keep: bool = False) -> Any:
    form = {"csrf": token if token is not None else csrf(client), "action": "release",
            "survey": "bu2026", "definition": (io.BytesIO(data), filename)}
    if keep:
        form["keep_responses"] = "1"
    return client.post("/survey/admin", data=form, headers=AUTH,
                       content_type="multipart/form-data")


def releases(app: Any) -> int:
    with app.extensions["hub"].engine.connect() as conn:
        return conn.execute(sa.select(sa.func.count()).select_from(SurveyRelease)).scalar_one()


@pytest.mark.parametrize(("data", "filename", "table"), [
    (json.dumps(SMALL_DEFINITION).encode(), "kurz.json", "lernwunsch-region"),
    (TOML.encode(), "kurz.toml", "lernstunden"),
])
def test_admin_publishes_a_release(app, admin, data, filename, table):
    resp = post_definition(admin, data, filename, keep=True)
    body = resp.get_data(as_text=True)
    assert resp.status_code == 200, body
    assert "Veröffentlichung 1 von „bu2026“" in body and "Prüfung bestanden" in body
    assert releases(app) == 1
    assert admin.get(f"/survey/bu2026/1/{table}").status_code == 200
    # A second upload of the same definition is the next version, audited with the first.
    assert post_definition(admin, data, filename).status_code == 200
    assert releases(app) == 2


def test_a_refused_definition_publishes_nothing(app, admin):
    bad = {**SMALL_DEFINITION, "tabellen": [{"name": "gibt-es-nicht", "frage": "Q42"}]}
    resp = post_definition(admin, json.dumps(bad).encode(), "falsch.json")
    assert resp.status_code == 422
    body = resp.get_data(as_text=True)
    assert "Veröffentlichung abgelehnt" in body and "Q42" in body and 'role="alert"' in body
    with app.extensions["hub"].engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(SurveyReleaseCell)).scalar() == 0
    assert releases(app) == 0
    broken = post_definition(admin, b"{ kein json", "kaputt.json")
    assert broken.status_code == 422 and "weder gültiges JSON noch TOML" in broken.get_data(
        as_text=True)


def test_the_release_form_needs_csrf_and_the_credential(app, admin):
    assert post_definition(admin, json.dumps(SMALL_DEFINITION).encode(), "d.json",
                           token="0" * 64).status_code == 400
    resp = admin.post("/survey/admin", data={"action": "release"})
    assert resp.status_code == 401
    assert releases(app) == 0


def test_the_admin_release_of_a_closed_survey_deletes_the_raw_responses(app, admin):
    from bildungsdaten.hub.survey.models import SurveyResponse

    resp = post_definition(admin, json.dumps(SMALL_DEFINITION).encode(), "kurz.json")
    body = resp.get_data(as_text=True)
    assert resp.status_code == 200, body
    assert "400 Rohantworten gelöscht" in body and 'href="/survey/bu2026/1/"' in body
    with app.extensions["hub"].engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(SurveyResponse)).scalar() == 0
    assert admin.get("/survey/bu2026/1/").status_code == 200
