"""Sources from the CLI and the admin page (/verwaltung/quellen), and the public /region page:
a loopback or private feed address is refused unless FETCH_ALLOW_HOSTS lists it, in German,
storing nothing; the region page shows each source's health, counts, attribution, licence."""
from __future__ import annotations

import re
from typing import Any

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from bildungsdaten.hub.cli import main
from bildungsdaten.hub.sources.models import Source
from tests.account_support import audit_rows

TOKEN = "verwaltung-geheim"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
LICENCE = "http://dcat-ap.de/def/licenses/dl-by-de/2.0"


@pytest.fixture
def cli(db_url: str, tmp_path: Any) -> Any:
    runner = CliRunner()

    def run(*args: str, allow: str = "") -> Any:
        env = {"DATABASE_URL": db_url, "SECRET_KEY": "test", "HUB_INSTANCE_PATH": str(tmp_path),
               "FETCH_ALLOW_HOSTS": allow}
        return runner.invoke(main, list(args), env=env, catch_exceptions=False)
    return run


def names(engine: sa.engine.Engine) -> list[str]:
    with engine.connect() as conn:
        return list(conn.execute(sa.select(Source.name).order_by(Source.name)).scalars())


@pytest.mark.parametrize(("url", "says"), [
    ("http://127.0.0.1:5000/feeds/offers/rpde", "Loopback"),
    ("http://10.1.2.3/feeds/offers/rpde", "keine öffentliche Adresse"),
    ("http://169.254.169.254/latest/meta-data/", "Metadaten-Dienst"),
    ("ftp://hub.example/rpde", "nur http- und https-Adressen")])
def test_sources_add_refuses_internal_addresses(cli, engine, url, says):
    result = cli("sources", "add", "nachbar", "--rpde", url)
    assert result.exit_code == 1
    assert says in result.output and "--rpde" in result.output
    assert names(engine) == []


def test_sources_add_accepts_an_allowed_host_and_lists_it(cli, engine):
    result = cli("sources", "add", "nachbar", "--rpde", "http://127.0.0.1:5000/feeds/offers/rpde",
                 "--licence", "dl-de/by-2-0", "--attribution", "Daten: Nachbarkreis",
                 "--interval", "30", allow="127.0.0.1")
    assert result.exit_code == 0, result.output
    assert "angelegt" in result.output
    listed = cli("sources", "list").output
    assert "nachbar  aktiv, alle 30 min" in listed and "noch nicht geerntet" in listed
    assert cli("sources", "add", "nachbar", "--rpde", "https://hub.example/rpde").exit_code == 1
    with engine.connect() as conn:
        assert conn.execute(sa.select(Source.licence)).scalar() == LICENCE
    assert cli("sources", "disable", "nachbar").exit_code == 0
    assert "abgeschaltet" in cli("sources", "list").output
    assert cli("sources", "remove", "nachbar").exit_code == 0
    assert names(engine) == []
    assert "keine Quelle „nachbar“" in cli("sources", "remove", "nachbar").output
    # Every change of the sources is in the audit log, by the server's operating-system user.
    logged = [(actor.startswith("cli:"), action, subject)
              for actor, action, subject in audit_rows(engine)]
    assert logged == [(True, "source.added", "nachbar"), (True, "source.disabled", "nachbar"),
                      (True, "source.removed", "nachbar")]


def test_sources_add_checks_name_and_interval(cli, engine):
    bad_name = cli("sources", "add", "Nach--bar", "--rpde", "https://hub.example/rpde")
    assert bad_name.exit_code == 1 and "Kleinbuchstaben" in bad_name.output
    bad_interval = cli("sources", "add", "nachbar", "--rpde", "https://hub.example/rpde",
                       "--interval", "1")
    assert bad_interval.exit_code == 1 and "Minuten" in bad_interval.output
    assert names(engine) == []


def test_failed_harvest_exits_non_zero_with_a_german_reason(cli, engine):
    cli("sources", "add", "nachbar", "--rpde", "http://127.0.0.1:9/rpde", allow="127.0.0.1")
    result = cli("sources", "harvest", "nachbar", allow="127.0.0.1")
    assert result.exit_code == 1
    assert "failed" in result.output
    listed = cli("sources", "list").output
    assert "FEHLER" in listed and "letzter Erfolg: nie" in listed


@pytest.fixture
def admin(app: Any) -> Any:
    app.extensions["hub"].settings.admin_token = TOKEN
    return app.test_client()


def csrf(client: Any) -> str:
    page = client.get("/verwaltung/quellen", headers=AUTH).get_data(as_text=True)
    return re.search(r'name="csrf" value="([^"]+)"', page).group(1)


def test_admin_page_needs_the_admin(admin):
    assert admin.get("/verwaltung/quellen").status_code == 401
    assert admin.post("/verwaltung/quellen", data={"aktion": "anlegen"}).status_code == 401


def test_admin_page_adds_refuses_disables_and_removes(app, admin, engine):
    token = csrf(admin)
    refused = admin.post("/verwaltung/quellen", headers=AUTH, data={
        "csrf": token, "aktion": "anlegen", "name": "nachbar",
        "rpde": "http://192.168.1.5/feeds/offers/rpde"})
    assert refused.status_code == 400
    assert "keine öffentliche Adresse" in refused.get_data(as_text=True)
    assert names(engine) == []
    added = admin.post("/verwaltung/quellen", headers=AUTH, data={
        "csrf": token, "aktion": "anlegen", "name": "nachbar",
        "rpde": "https://hub.example/feeds/offers/rpde", "lizenz": LICENCE,
        "namensnennung": "Daten: Nachbarkreis", "intervall": "60"})
    assert added.status_code == 303 and names(engine) == ["nachbar"]
    admin.post("/verwaltung/quellen", headers=AUTH,
               data={"csrf": token, "aktion": "abschalten", "name": "nachbar"})
    with engine.connect() as conn:
        assert conn.execute(sa.select(Source.enabled)).scalar() is False
    assert admin.post("/verwaltung/quellen", headers=AUTH, data={
        "aktion": "entfernen", "name": "nachbar"}).status_code == 400  # no CSRF token
    admin.post("/verwaltung/quellen", headers=AUTH,
               data={"csrf": token, "aktion": "entfernen", "name": "nachbar"})
    assert names(engine) == []
    assert [action for _actor, action, _subject in audit_rows(engine)] == [
        "source.added", "source.disabled", "source.removed"]


def test_admin_button_harvests_within_its_time_budget_and_leaves_the_rest(app, admin, engine):
    """"Jetzt ernten" runs inside a web request: a source that would take longer than
    HARVEST_BUTTON_SECONDS ends "partial" with a German note, keeps its pages and resume point,
    and the request answers well within the web server's timeout."""
    import json
    import time

    from bildungsdaten.hub.sources.service import add_source
    from tests.fetch_support import serve

    hub = app.extensions["hub"]
    hub.settings.fetch_allow_hosts = "127.0.0.1"
    hub.settings.harvest_button_seconds = 1

    def endless(h: Any) -> None:  # page n leads to page n + 1, each after a pause
        number = int(h.path.partition("p=")[2] or 0)
        time.sleep(0.3)
        body = json.dumps({"next": served.url(f"/rpde?p={number + 1}"), "items": []}).encode()
        h.send_response(200)
        h.send_header("Content-Type", "application/json")
        h.send_header("Content-Length", str(len(body)))
        h.end_headers()
        h.wfile.write(body)

    with serve({"/rpde": endless}) as served:
        add_source(hub.sessions, hub.settings, "langsam", served.url("/rpde"))
        started = time.monotonic()
        answer = admin.post("/verwaltung/quellen", headers=AUTH, follow_redirects=True,
                            data={"csrf": csrf(admin), "aktion": "ernten", "name": "langsam"})
        took = time.monotonic() - started
    text = answer.get_data(as_text=True)
    assert answer.status_code == 200 and took < 10, took
    assert "Noch nicht fertig" in text and "Der Scheduler erntet den Rest." in text, text
    with engine.connect() as conn:
        source = conn.execute(sa.select(Source)).one()
    assert source.last_run["status"] == "partial" and source.last_error_code == "time-limit"
    assert source.pages_read >= 1 and source.next_url.startswith(served.url("/rpde?p="))
    region = admin.get("/region").get_data(as_text=True)  # a limit of the run is no failure
    assert "Zustand: Noch nicht fertig." in region and "Zustand: Fehler" not in region


def test_region_page_shows_health_attribution_and_licence(app, client, engine):
    from bildungsdaten.hub.sources.service import add_source

    hub = app.extensions["hub"]
    add_source(hub.sessions, hub.settings, "odenwald", "https://odenwald.example/rpde",
               licence=LICENCE, attribution="Daten: Odenwaldkreis, dl-de/by-2.0")
    with engine.begin() as conn:
        conn.execute(sa.update(Source).values(last_error_code="http-500",
                                              last_error_message="Die Quelle antwortet mit 500."))
    html = client.get("/region").get_data(as_text=True)
    for text in ("odenwald", "Zustand: Fehler", "Die Quelle antwortet mit 500.",
                 "Daten: Odenwaldkreis, dl-de/by-2.0", LICENCE, "noch keiner"):
        assert text in html, text
    assert 'href="/region"' in client.get("/").get_data(as_text=True)


def test_scheduler_job_harvests_enabled_sources_when_their_interval_is_due(app):
    import json

    from bildungsdaten.hub.jobs.scheduler import all_jobs, run_job
    from bildungsdaten.hub.sources.service import add_source, set_enabled
    from tests.fetch_support import answer, serve

    assert "harvest-sources" in {job[0] for job in all_jobs()}
    hub = app.extensions["hub"]
    hub.settings.fetch_allow_hosts = "127.0.0.1"
    routes: dict[str, Any] = {}
    with serve(routes) as server:
        last = json.dumps({"next": server.url("/rpde"), "items": []}).encode()
        routes["/rpde"] = answer(last, content_type="application/json")
        add_source(hub.sessions, hub.settings, "aktiv", server.url("/rpde"), interval_minutes=30)
        add_source(hub.sessions, hub.settings, "ruhend", server.url("/rpde"))
        set_enabled(hub.sessions, "ruhend", False)
        first = run_job(app, "harvest-sources")
        assert [(o.source, o.status) for o in first] == [("aktiv", "done")]
        assert run_job(app, "harvest-sources") == []  # 30 minutes have not passed
    with hub.sessions() as session:
        rows = {s.name: s for s in session.execute(sa.select(Source)).scalars()}
    assert rows["aktiv"].last_success_at is not None and rows["ruhend"].last_attempt_at is None


def test_scheduler_job_in_a_threaded_process_harvests_in_a_fresh_interpreter(app, client):
    """The scheduler runs jobs in its thread pool; there the job hands the harvest to a new
    interpreter (which may fork its reader) with the hub's settings, and gets its outcomes
    back: the source's offers arrive as from the command line."""
    import json
    import threading

    from bildungsdaten.feeds.jsonld import offer_to_jsonld
    from bildungsdaten.hub.jobs.scheduler import run_job
    from bildungsdaten.hub.sources.service import add_source
    from bildungsdaten.vocab.records import ProviderRecord
    from tests.feed_data import simple_offer
    from tests.fetch_support import answer, serve

    hub = app.extensions["hub"]
    hub.settings.fetch_allow_hosts = "127.0.0.1"  # only the settings carry it to the child
    odw = ProviderRecord(slug="vhs-odw", name="VHS Odenwaldkreis", type="vhs")
    routes: dict[str, Any] = {}
    with serve(routes) as server:
        base = server.url("")
        items = [{"state": "updated", "kind": "Course", "id": f"vhs-odw/k-{n}", "modified": n,
                  "data": offer_to_jsonld(simple_offer(f"k-{n}", odw, title=f"Töpfern {n}"),
                                          base, base + "/vocab/context.jsonld")}
                 for n in (1, 2, 3)]
        routes["/rpde"] = answer(json.dumps({"next": server.url("/rpde2"), "items": items[:2]})
                                 .encode(), content_type="application/json")
        routes["/rpde2"] = answer(json.dumps({"next": server.url("/rpde3"), "items": items[2:]})
                                  .encode(), content_type="application/json")
        routes["/rpde3"] = answer(json.dumps({"next": server.url("/rpde3"), "items": []})
                                  .encode(), content_type="application/json")
        add_source(hub.sessions, hub.settings, "odenwald", server.url("/rpde"))
        result: list[Any] = []
        worker = threading.Thread(target=lambda: result.extend(run_job(app, "harvest-sources")))
        worker.start()
        worker.join(timeout=120)
    [outcome] = result
    assert (outcome.source, outcome.status, outcome.counts.created) == ("odenwald", "done", 3)
    found = client.get("/api/v1/offers?q=Töpfern").get_json()["items"]
    assert sorted(i["id"] for i in found) == [f"odenwald--vhs-odw/k-{n}" for n in (1, 2, 3)]
    with hub.sessions() as session:
        source = session.execute(sa.select(Source)).scalar_one()
    assert source.next_url == server.url("/rpde3") and source.items_seen == 3
