"""Session cookies, sign-out, security headers and no-store (issue 11, "Sessions and headers")."""
from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from bildungsdaten.hub.app import create_app
from tests.account_support import add_user, sign_in
from tests.import_support import add_provider, add_token, add_upload

ADMIN = "verwaltung-geheim-16"
TEMPLATES = Path(__file__).resolve().parent.parent / "hub" / "templates"


def _csrf(client: Any, path: str) -> str:
    html = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf" value="([^"]+)"', html).group(1)


def _provider_sign_in(client: Any, token: str, **kwargs: Any) -> Any:
    return client.post("/hochladen/anmelden", data={"csrf": _csrf(client, "/hochladen"),
                                                    "token": token}, **kwargs)


def _session_cookie(resp: Any) -> str:
    return next(h for h in resp.headers.getlist("Set-Cookie") if h.startswith("session="))


def _signed_in_as_provider(client: Any) -> bool:
    return "Angemeldet für" in client.get("/hochladen").get_data(as_text=True)


# --- cookie flags ----------------------------------------------------------------------------

def test_session_cookie_is_httponly_and_samesite_lax_but_not_secure_over_http(client, engine):
    resp = _provider_sign_in(client, add_token(engine, add_provider(engine, "kvhs")))
    cookie = _session_cookie(resp)
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Secure" not in cookie


def test_session_cookie_is_secure_over_https(client, engine):
    token = add_token(engine, add_provider(engine, "kvhs"))
    client.get("/hochladen", base_url="https://hub.test")
    resp = client.post("/hochladen/anmelden", base_url="https://hub.test",
                       data={"csrf": re.search(r'name="csrf" value="([^"]+)"', client.get(
                           "/hochladen", base_url="https://hub.test").get_data(as_text=True)
                       ).group(1), "token": token})
    assert "Secure" in _session_cookie(resp)


def _proxied_app(db_url: str, tmp_path: Path, hops: int) -> Any:
    app = create_app({"database_url": db_url, "instance_path": tmp_path / f"inst{hops}",
                      "hub_base_uri": "http://hub.test", "secret_key": "test-secret",
                      "proxy_hops": hops})
    app.config["TESTING"] = True
    return app


@pytest.mark.parametrize(("hops", "secure"), [(1, True), (0, False)])
def test_secure_behind_a_trusted_proxy_with_forwarded_https(db_url, tmp_path, engine, hops,
                                                            secure):
    token = add_token(engine, add_provider(engine, f"kvhs{hops}"))
    app = _proxied_app(db_url, tmp_path, hops)
    client = app.test_client()
    forwarded = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.9"}
    csrf = re.search(r'name="csrf" value="([^"]+)"', client.get(
        "/hochladen", headers=forwarded).get_data(as_text=True)).group(1)
    resp = client.post("/hochladen/anmelden", data={"csrf": csrf, "token": token},
                       headers=forwarded)
    assert ("Secure" in _session_cookie(resp)) is secure
    app.extensions["hub"].engine.dispose()


# --- sign-out revokes the server-side session -------------------------------------------------

def test_copied_provider_cookie_stops_working_after_sign_out(app, engine):
    token = add_token(engine, add_provider(engine, "kvhs"))
    owner, thief = app.test_client(), app.test_client()
    _provider_sign_in(owner, token)
    thief.set_cookie("session", owner.get_cookie("session").value, domain="localhost")
    assert _signed_in_as_provider(thief)
    owner.post("/hochladen/abmelden", data={"csrf": _csrf(owner, "/hochladen")})
    assert not _signed_in_as_provider(owner)
    assert not _signed_in_as_provider(thief)
    upload_id = add_upload(engine, 1)
    assert thief.get(f"/hochladen/berichte/{upload_id}").status_code == 303


def _admin_app(app: Any) -> Any:
    app.extensions["hub"].settings.admin_token = ADMIN
    return app


def _admin_sign_in(client: Any, password: str = ADMIN, **kwargs: Any) -> Any:
    csrf = _csrf(client, "/verwaltung/anmelden")
    return client.post("/verwaltung/anmelden", data={"csrf": csrf, "passwort": password,
                                                      "next": "/survey/admin"}, **kwargs)


def test_admin_sign_in_form_then_sign_out_revokes_a_copied_cookie(app, engine):
    add_user(engine, "m.muster", "umfrage")
    admin, thief = app.test_client(), app.test_client()
    assert admin.get("/survey/admin").status_code == 401
    resp = sign_in(admin, "m.muster", next_path="/survey/admin")
    assert resp.status_code == 303 and resp.headers["Location"].endswith("/survey/admin")
    page = admin.get("/survey/admin")
    assert page.status_code == 200 and "Abmelden" in page.get_data(as_text=True)
    thief.set_cookie("session", admin.get_cookie("session").value, domain="localhost")
    assert thief.get("/survey/admin").status_code == 200
    csrf = re.search(r'action="/verwaltung/abmelden">\s*<input type="hidden" name="csrf" '
                     r'value="([^"]+)"', page.get_data(as_text=True)).group(1)
    assert admin.post("/verwaltung/abmelden", data={"csrf": csrf}).status_code == 303
    assert admin.get("/survey/admin").status_code == 401
    assert thief.get("/survey/admin").status_code == 401


def test_admin_sign_in_never_redirects_to_another_host(app, engine):
    add_user(engine, "m.muster")
    resp = sign_in(app.test_client(), "m.muster", next_path="//evil.example/x")
    assert resp.status_code == 303 and resp.headers["Location"].endswith("/verwaltung/")


# --- lockout, password rules, Basic ----------------------------------------------------------

def test_admin_lockout_after_repeated_failures_per_client(app):
    client = _admin_app(app).test_client()
    limit = app.extensions["hub"].settings.admin_lockout_failures
    here = {"REMOTE_ADDR": "198.51.100.7"}
    for n in range(limit):
        resp = client.get("/survey/admin", headers={"Authorization": f"Bearer falsch-{n}"},
                          environ_base=here)
        assert resp.status_code == 401
    resp = client.get("/survey/admin", headers={"Authorization": f"Bearer {ADMIN}"},
                      environ_base=here)
    assert resp.status_code == 429
    assert 0 < int(resp.headers["Retry-After"]) <= 15 * 60 + 1
    assert "Zu viele Fehlversuche" in resp.get_data(as_text=True)
    assert _admin_sign_in(client, environ_base=here).status_code == 429
    other = {"REMOTE_ADDR": "198.51.100.8"}
    assert client.get("/survey/admin", headers={"Authorization": f"Bearer {ADMIN}"},
                      environ_base=other).status_code == 200


def test_failed_form_sign_ins_count_toward_the_lockout(app):
    client = _admin_app(app).test_client()
    for _ in range(app.extensions["hub"].settings.admin_lockout_failures):
        assert _admin_sign_in(client, "falsch-falsch-falsch").status_code == 401
    assert _admin_sign_in(client).status_code == 429


@pytest.mark.parametrize("credential", ["Basic dmVyd2FsdHVuZy1nZWhlaW0tMTY=",  # no colon
                                        "Basic !!!", "Token abc", "Bearer "])
def test_malformed_admin_credentials_are_refused(app, credential):
    client = _admin_app(app).test_client()
    assert client.get("/survey/admin", headers={"Authorization": credential}).status_code == 401


def test_basic_user_password_is_accepted(app):
    import base64

    client = _admin_app(app).test_client()
    basic = base64.b64encode(f"admin:{ADMIN}".encode()).decode()
    assert client.get("/survey/admin", headers={"Authorization": f"Basic {basic}"}
                      ).status_code == 200


@pytest.mark.parametrize("token", [" ", "kurz", " " * 20, "fünfzehn-zeich"])
def test_short_admin_token_is_refused_at_start(tmp_path, token):
    from bildungsdaten.hub.settings import SettingsError, load_settings

    with pytest.raises(SettingsError, match="ADMIN_TOKEN ist zu kurz: mindestens 16 Zeichen"):
        load_settings({"admin_token": token, "instance_path": tmp_path})


def test_cli_refuses_a_short_admin_token_with_a_german_message(tmp_path, monkeypatch):
    from click.testing import CliRunner

    from bildungsdaten.hub.cli import main

    monkeypatch.setenv("ADMIN_TOKEN", " ")
    monkeypatch.setenv("HUB_INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'x.sqlite'}")
    result = CliRunner().invoke(main, ["serve", "--dev"])
    assert result.exit_code == 1
    assert "Fehler: ADMIN_TOKEN ist zu kurz" in result.output
    assert "Traceback" not in result.output


# --- security headers and caching ---------------------------------------------------------------

HEADER_URLS = ["/", "/feeds", "/api/v1/offers", "/catalog", "/hochladen", "/vocab/",
               "/static/hub.css", "/static/hub.js", "/gibt-es-nicht", "/api/v1/gibt-es-nicht",
               "/survey/", "/healthz", "/einbetten", "/fuer-webteams"]


@pytest.mark.parametrize("url", HEADER_URLS)
def test_every_response_carries_the_security_headers(client, url):
    resp = client.get(url)
    csp = resp.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "style-src 'self'" in csp
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    assert resp.headers["Referrer-Policy"] == "same-origin"


def test_a_view_marked_for_framing_may_be_framed(app):
    from bildungsdaten.hub.security import allow_framing

    @allow_framing("https://www.bensheim.de")
    def embed() -> str:
        return "ok"

    app.add_url_rule("/einbetten-test", view_func=embed)
    resp = app.test_client().get("/einbetten-test")
    assert "frame-ancestors 'self' https://www.bensheim.de" in resp.headers["Content-Security-Policy"]
    assert "X-Frame-Options" not in resp.headers


def test_the_embed_list_takes_its_frame_ancestors_from_the_one_place(app):
    app.extensions["hub"].settings.embed_allowed_origins = "https://www.heppenheim.de"
    csp = app.test_client().get("/einbetten/liste").headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp
    assert csp.endswith("frame-ancestors 'self' https://www.heppenheim.de")


DATA_BLOCKS = ("application/ld+json", "application/json")


class _InlineFinder(HTMLParser):
    """Inline scripts (not JSON or JSON-LD data blocks, which browsers never run), <style>
    elements, style= and on…= attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = dict(attrs)
        if tag == "script" and "src" not in names and names.get("type") not in DATA_BLOCKS:
            self.found.append("inline <script>")
        if tag == "style":
            self.found.append("<style>")
        self.found += [f"{tag} {name}=" for name in names if name == "style"
                       or name.startswith("on")]


@pytest.mark.parametrize("template", sorted(p.name for p in TEMPLATES.glob("*.html")))
def test_templates_have_no_inline_script_or_style(template):
    finder = _InlineFinder()
    finder.feed((TEMPLATES / template).read_text())
    assert finder.found == []


def test_signed_in_pages_render_without_inline_script(client, engine):
    token = add_token(engine, add_provider(engine, "kvhs"))
    _provider_sign_in(client, token)
    upload_id = add_upload(engine, 1)
    for url in ("/hochladen", f"/hochladen/berichte/{upload_id}"):
        finder = _InlineFinder()
        finder.feed(client.get(url).get_data(as_text=True))
        assert finder.found == [], url


def test_admin_and_report_pages_are_no_store(app, engine):
    client = _admin_app(app).test_client()
    pid = add_provider(engine, "kvhs")
    token = add_token(engine, pid)
    upload_id = add_upload(engine, pid)
    _provider_sign_in(client, token)
    auth = {"Authorization": f"Bearer {ADMIN}"}
    for url, headers in [("/survey/admin", auth), ("/verwaltung/anmelden", {}),
                         (f"/hochladen/berichte/{upload_id}", {}),
                         (f"/hochladen/berichte/{upload_id}.csv", {}), ("/hochladen", {}),
                         (f"/api/v1/uploads/{upload_id}", {"Authorization": f"Bearer {token}"})]:
        resp = client.get(url, headers=headers)
        assert resp.status_code == 200, url
        assert resp.headers["Cache-Control"] == "no-store", url
    assert "no-store" not in client.get("/api/v1/offers").headers["Cache-Control"]
