"""Survey pages: only RELEASED aggregates are public (HTML table + SVG chart, CSV, Table
Schema, RDF Data Cube JSON-LD). The import page needs the survey editor role (hub.auth.admin);
raw responses have no route."""
from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

import sqlalchemy as sa
from flask import Blueprint, Response, abort, render_template, request

from bildungsdaten.feeds.survey import SurveyTableData, table_schema, table_to_csv, table_to_jsonld

from ..auth import audit
from ..auth.admin import require_role
from ..context import current_hub
from ..db import transaction
from ..pages_nav import PageLink
from ..survey.errors import SurveyError
from ..survey.importer import import_survey
from ..survey.limesurvey import parse_catalogue, parse_lss
from ..survey.method import release_method, table_base
from ..survey.models import Survey, SurveyRelease
from ..survey.publish import (
    find_release,
    find_table,
    release_path,
    released_tables,
    table_data,
    table_path,
)
from ..survey.release import load_definition
from ..survey.service import import_details, make_release, release_details
from ..survey.svg import bar_chart

bp = Blueprint("survey", __name__, template_folder="../templates")

LINKS = (
    PageLink("Bildungsumfrage", "/survey/", "Ergebnisse der Bildungsumfrage für Jung und Alt – "
              "nur geprüfte, anonymisierte Tabellen (HTML, CSV, RDF Data Cube)", order=40, in_nav=True),
)

CACHE = "public, max-age=300"


# Versions are stored as 32-bit integers: a larger one in the path is simply not there.
MAX_VERSION = 2**31 - 1


def _table(survey: str, version: int, slug: str) -> SurveyTableData:
    hub = current_hub()
    if version > MAX_VERSION:
        abort(404)
    with hub.sessions() as session:
        found = find_table(session, survey, version, slug)
        if found is None:
            abort(404)
        return table_data(hub.settings, *found)


@bp.get("/survey/<survey>/<int:version>/")
def release_page(survey: str, version: int) -> Any:
    """The landing page `survey release` prints: the release's tables, method, downloads."""
    if version > MAX_VERSION:
        abort(404)
    with current_hub().sessions() as session:
        found = find_release(session, survey, version)
        if found is None:
            abort(404)
        s, r = found
        tables = [{"title": t.title, "question": t.question_code, "n": table_base(t),
                   "href": table_path(s.slug, r.version, t.slug)} for t in r.tables]
        method = release_method(r, list(r.tables))
        resp = Response(render_template("survey_release.html", survey=s, release=r,
                                        tables=tables, method=method))
    resp.headers["Cache-Control"] = CACHE
    return resp


@bp.get("/survey/")
def index() -> str:
    with current_hub().sessions() as session:
        rows = released_tables(session)
    surveys: dict[str, dict[str, Any]] = {}
    for s, r, t in rows:
        entry = surveys.setdefault(s.slug, {"title": s.title, "releases": {}})
        rel = entry["releases"].setdefault(r.version, {"title": r.title, "n": r.response_count,
                                                       "date": r.created_at.date(), "tables": [],
                                                       "href": release_path(s.slug, r.version)})
        rel["tables"].append({"title": t.title, "href": table_path(s.slug, r.version, t.slug)})
    return render_template("survey_index.html", surveys=surveys)


@bp.get("/survey/<survey>/<int:version>/<table>")
def table_page(survey: str, version: int, table: str) -> Any:
    hub = current_hub()
    if version > MAX_VERSION:
        abort(404)
    with hub.sessions() as session:
        found = find_table(session, survey, version, table)
        if found is None:
            abort(404)
        data = table_data(hub.settings, *found)
        n, method = table_base(found[2]), release_method(found[1], [found[2]])
    rows, columns = _matrix(data)
    resp = Response(render_template("survey_table.html", t=data, rows=rows, columns=columns,
                                    chart=bar_chart(data), n=n, method=method,
                                    release_href=release_path(survey, version),
                                    href=table_path(survey, version, table)))
    resp.headers["Cache-Control"] = CACHE
    return resp


@bp.get("/survey/<survey>/<int:version>/<table>.csv")
def table_csv(survey: str, version: int, table: str) -> Response:
    data = _table(survey, version, table)
    resp = Response(table_to_csv(data), mimetype="text/csv")
    resp.headers["Content-Disposition"] = f'inline; filename="{survey}-{version}-{table}.csv"'
    resp.headers["Link"] = (f'<{table_path(survey, version, table)}.schema.json>; '
                            'rel="describedby"; type="application/json"')
    resp.headers["Cache-Control"] = CACHE
    return resp


@bp.get("/survey/<survey>/<int:version>/<table>.schema.json")
def table_schema_json(survey: str, version: int, table: str) -> Response:
    data = _table(survey, version, table)
    resp = Response(json.dumps(table_schema(data), ensure_ascii=False, indent=1),
                    mimetype="application/json")
    resp.headers["Cache-Control"] = CACHE
    return resp


@bp.get("/survey/<survey>/<int:version>/<table>.jsonld")
def table_jsonld(survey: str, version: int, table: str) -> Response:
    data = _table(survey, version, table)
    resp = Response(json.dumps(table_to_jsonld(data), ensure_ascii=False),
                    mimetype="application/ld+json")
    resp.headers["Cache-Control"] = CACHE
    return resp


def _matrix(t: SurveyTableData) -> tuple[list[dict[str, Any]], list[str]]:
    """Rows = combinations of the other dimensions, columns = the answer categories."""
    a = next(i for i, d in enumerate(t.dims) if d.key == "antwort")
    answer = t.dims[a]
    columns = [answer.label_of(c) for c, _ in answer.codes] + (["Insgesamt"] if answer.has_total else [])
    grouped: dict[tuple[str, ...], list[int | None]] = {}
    for coords, count in t.cells:
        grouped.setdefault(coords[:a] + coords[a + 1:], []).append(count)
    others = t.dims[:a] + t.dims[a + 1:]
    rows = [{"labels": [d.label_of(c) for d, c in zip(others, key, strict=True)], "values": values}
            for key, values in grouped.items()]
    return rows, [d.label for d in others] + columns


# ----------------------------------------------------------------------------- admin

def _csrf() -> str:
    secret = current_hub().settings.secret_key.encode()
    return hmac.new(secret, b"survey-admin-form", hashlib.sha256).hexdigest()


@bp.route("/survey/admin", methods=["GET", "POST"])
def admin() -> Any:
    account = require_role("umfrage")
    result, released, error = None, None, None
    if request.method == "POST":
        # Compared as bytes: compare_digest refuses str with non-ASCII characters (a 500).
        if not hmac.compare_digest(request.form.get("csrf", "").encode(), _csrf().encode()):
            abort(400)
        try:
            if request.form.get("action") == "release":
                released = _release_from_form()
            else:
                result = _import_from_form()
        except SurveyError as exc:
            error = str(exc)
            if request.form.get("action") == "release":
                error = f"Veröffentlichung abgelehnt – {error}"
    with current_hub().sessions() as session:
        surveys = session.execute(sa.select(Survey).order_by(Survey.slug)).scalars().all()
        releases = {s.id: session.execute(sa.select(sa.func.count()).select_from(SurveyRelease)
                                          .where(SurveyRelease.survey_id == s.id)).scalar_one()
                    for s in surveys}
    status = 422 if error else 200
    return render_template("survey_admin.html", surveys=surveys, releases=releases,
                           result=result, released=released, error=error, csrf=_csrf(),
                           account=account), status


def _release_from_form() -> Any:
    """Protect, audit and publish the uploaded definition (as `survey release` does)."""
    slug = request.form.get("survey", "").strip()
    definition = request.files.get("definition")
    if not slug or not definition:
        raise SurveyError("missing-file", "Umfrage und Definitionsdatei (JSON oder TOML) angeben.",
                          "Formular")
    raw = load_definition(definition.read(), (definition.filename or "").lower())
    keep = request.form.get("keep_responses") == "1"
    with transaction(current_hub().sessions) as session:
        summary = make_release(session, slug, raw, keep_responses=keep)
        audit.record(session, "survey.released", slug, release_details(summary))
        return summary


def _import_from_form() -> Any:
    slug = request.form.get("survey", "").strip()
    responses = request.files.get("responses")
    structure = request.files.get("structure")
    if not responses or not structure:
        raise SurveyError("missing-file", "Antwortdatei und Struktur-/Fragenkatalog angeben.",
                          "Formular")
    data = structure.read()
    name = (structure.filename or "").lower()
    parsed = parse_catalogue(data) if name.endswith(".json") else parse_lss(data)
    plain = request.form.get("format") == "plain"
    status = request.form.get("status", "collecting")
    with transaction(current_hub().sessions) as session:
        result = import_survey(session, slug, responses.read(), parsed, plain=plain, status=status)
        audit.record(session, "survey.imported", slug, import_details(result))
        return result
