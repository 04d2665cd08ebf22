"""Named accounts of the office (issue 18): argon2 hashes, the ADMIN_TOKEN bootstrap, lockout
per address and per account, TOTP, roles, disabling ends sessions at once, session expiry."""
from __future__ import annotations

import io
import json
import re
from datetime import timedelta

import pyotp
import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from bildungsdaten.hub.auth.models import User
from bildungsdaten.hub.auth.users import AccountError, create_first_administrator, reset_totp
from bildungsdaten.hub.auth.web_sessions import WebSession
from bildungsdaten.hub.models import utcnow
from tests.account_support import (
    PASSWORD,
    add_user,
    audit_rows,
    form_csrf,
    sign_in,
    user_row,
)
from tests.survey_synth import SMALL_DEFINITION, import_export

ADMIN = "verwaltung-geheim-16"


def sessions_of(engine, user_id: int) -> int:
    with engine.connect() as conn:
        return conn.execute(sa.select(sa.func.count()).select_from(WebSession)
                            .where(WebSession.user_id == user_id)).scalar_one()


# --- hashing -------------------------------------------------------------------------------------

def test_the_password_is_stored_only_as_an_argon2id_hash(engine):
    add_user(engine, "m.muster")
    row = user_row(engine, "m.muster")
    assert row.password_hash.startswith("$argon2id$")
    assert PASSWORD not in " ".join(str(v) for v in row)
    add_user(engine, "e.beispiel")  # same password, different salt
    assert user_row(engine, "e.beispiel").password_hash != row.password_hash


def test_sign_in_with_name_and_password_and_wrong_password(app, engine):
    add_user(engine, "m.muster")
    client = app.test_client()
    wrong = sign_in(client, "m.muster", "falsches-passwort-123")
    assert wrong.status_code == 401
    assert "Benutzername oder Passwort ist falsch." in wrong.get_data(as_text=True)
    ok = sign_in(client, "M.Muster")  # names are case-insensitive
    assert ok.status_code == 303 and ok.headers["Location"].endswith("/verwaltung/")
    home = client.get("/verwaltung/").get_data(as_text=True)
    assert "Angemeldet als" in home and "m.muster" in home
    assert user_row(engine, "m.muster").last_sign_in_at is not None


# --- bootstrap -----------------------------------------------------------------------------------

def test_admin_token_only_bootstraps_the_first_administrator(app, engine):
    app.extensions["hub"].settings.admin_token = ADMIN
    client = app.test_client()
    form = client.get("/verwaltung/anmelden").get_data(as_text=True)
    assert "Es gibt noch kein Konto" in form and 'name="benutzername"' not in form
    assert client.get("/verwaltung/einrichten").status_code == 303  # not before the token
    csrf = form_csrf(client, "/verwaltung/anmelden")
    resp = client.post("/verwaltung/anmelden", data={"csrf": csrf, "passwort": ADMIN})
    assert resp.status_code == 303 and resp.headers["Location"].endswith("/verwaltung/einrichten")
    # The setup session opens no admin page, only the setup form.
    assert client.get("/survey/admin").status_code == 401
    csrf = form_csrf(client, "/verwaltung/einrichten")
    mismatch = client.post("/verwaltung/einrichten", data={
        "csrf": csrf, "benutzername": "chefin", "name": "Die Chefin", "passwort": PASSWORD,
        "passwort2": PASSWORD + "x"})
    assert mismatch.status_code == 400
    assert "stimmen nicht überein" in mismatch.get_data(as_text=True)
    assert user_row(engine, "chefin") is None
    made = client.post("/verwaltung/einrichten", data={
        "csrf": csrf, "benutzername": "chefin", "name": "Die Chefin", "passwort": PASSWORD,
        "passwort2": PASSWORD})
    assert made.status_code == 303 and made.headers["Location"].endswith("/verwaltung/konten")
    assert client.get("/verwaltung/konten").status_code == 200  # signed in as the new account
    assert user_row(engine, "chefin").roles == "administrator"
    assert audit_rows(engine) == [("system", "user.created", "chefin")]
    # From now on the token opens nothing: not the form, not scripts, not a second setup.
    other = app.test_client()
    form = other.get("/verwaltung/anmelden").get_data(as_text=True)
    assert 'name="benutzername"' in form
    csrf = form_csrf(other, "/verwaltung/anmelden")
    assert other.post("/verwaltung/anmelden", data={
        "csrf": csrf, "benutzername": "chefin", "passwort": ADMIN}).status_code == 401
    script = other.get("/survey/admin", headers={"Authorization": f"Bearer {ADMIN}"})
    assert script.status_code == 401
    assert "gilt nur, solange es noch kein Konto gibt" in script.get_data(as_text=True)
    assert client.get("/verwaltung/einrichten").status_code == 303


def test_without_token_and_without_account_the_admin_pages_are_off(client):
    resp = client.get("/verwaltung/anmelden")
    assert resp.status_code == 403
    assert "bildungsdaten users create" in resp.get_data(as_text=True)


def test_accounts_work_without_any_admin_token(app, engine):
    assert not app.extensions["hub"].settings.admin_token
    add_user(engine, "m.muster")
    client = app.test_client()
    assert sign_in(client, "m.muster").status_code == 303
    assert client.get("/verwaltung/protokoll").status_code == 200


# --- lockout -------------------------------------------------------------------------------------

def test_an_account_is_locked_after_failures_from_many_addresses(app, engine):
    add_user(engine, "m.muster")
    add_user(engine, "e.beispiel")
    client = app.test_client()
    limit = app.extensions["hub"].settings.admin_lockout_failures
    for n in range(limit):
        resp = sign_in(client, "m.muster", f"falsch-{n}-falsch-falsch",
                       environ_base={"REMOTE_ADDR": f"203.0.113.{n + 1}"})
        assert resp.status_code == 401
    fresh = {"REMOTE_ADDR": "198.51.100.50"}
    locked = sign_in(client, "m.muster", environ_base=fresh)
    assert locked.status_code == 429 and int(locked.headers["Retry-After"]) > 0
    assert "Zu viele Fehlversuche" in locked.get_data(as_text=True)
    assert sign_in(client, "e.beispiel", environ_base=fresh).status_code == 303
    assert ("system", "signin.locked_out", "konto:m.muster") in audit_rows(engine)


def test_an_address_is_locked_after_failures_for_any_names(app, engine):
    add_user(engine, "m.muster")
    client = app.test_client()
    here = {"REMOTE_ADDR": "198.51.100.7"}
    for n in range(app.extensions["hub"].settings.admin_lockout_failures):
        assert sign_in(client, f"rate-{n}", "irgendwas-falsches", environ_base=here
                       ).status_code == 401
    assert sign_in(client, "m.muster", environ_base=here).status_code == 429
    assert sign_in(client, "m.muster", environ_base={"REMOTE_ADDR": "198.51.100.8"}
                   ).status_code == 303
    assert ("system", "signin.locked_out", "admin:198.51.100.7") in audit_rows(engine)


# --- TOTP ----------------------------------------------------------------------------------------

def test_a_second_factor_is_asked_for_and_a_code_works_only_once(app, engine):
    secret = pyotp.random_base32()
    add_user(engine, "m.muster", totp_secret=secret)
    client = app.test_client()
    missing = sign_in(client, "m.muster")
    assert missing.status_code == 401 and "Einmalcode" in missing.get_data(as_text=True)
    assert sign_in(client, "m.muster", code="000000" if pyotp.TOTP(secret).now() != "000000"
                   else "111111").status_code == 401
    code = pyotp.TOTP(secret).now()
    assert sign_in(client, "m.muster", code=code).status_code == 303
    replay = app.test_client()
    assert sign_in(replay, "m.muster", code=code).status_code == 401


def test_enrolling_the_second_factor_shows_the_secret_and_needs_a_code(app, engine):
    add_user(engine, "m.muster")
    client = app.test_client()
    sign_in(client, "m.muster")
    page = client.get("/verwaltung/konto").get_data(as_text=True)
    secret = re.search(r"<code>([A-Z2-7]{32})</code>", page).group(1)
    assert "otpauth://totp/" in page and f"secret={secret}" in page
    assert "<svg" in page and "QR-Code" in page
    csrf = form_csrf(client, "/verwaltung/konto")
    wrong = client.post("/verwaltung/konto/zwei-faktor", data={"csrf": csrf, "code": "12345"})
    assert wrong.status_code == 400 and user_row(engine, "m.muster").totp_secret is None
    resp = client.post("/verwaltung/konto/zwei-faktor",
                       data={"csrf": csrf, "code": pyotp.TOTP(secret).now()})
    assert resp.status_code == 303 and user_row(engine, "m.muster").totp_secret == secret
    assert ("m.muster", "user.totp_enrolled", "m.muster") in audit_rows(engine)
    assert sign_in(app.test_client(), "m.muster").status_code == 401  # now the code is needed


def test_the_offered_secret_is_not_in_the_cookie_and_a_reset_offers_a_new_one(app, engine):
    add_user(engine, "m.muster")
    client = app.test_client()
    sign_in(client, "m.muster")

    def offered() -> str:
        page = client.get("/verwaltung/konto").get_data(as_text=True)
        return re.search(r"<code>([A-Z2-7]{32})</code>", page).group(1)
    secret = offered()
    assert offered() == secret  # a reload shows the same one (the QR code was scanned)
    cookie = client.get_cookie("session")
    assert cookie is not None and secret not in cookie.value
    csrf = form_csrf(client, "/verwaltung/konto")
    client.post("/verwaltung/konto/zwei-faktor", data={"csrf": csrf, "code": pyotp.TOTP(secret).now()})
    assert user_row(engine, "m.muster").totp_secret == secret
    with Session(engine) as db, db.begin():  # the phone was lost: an administrator resets
        user = db.execute(sa.select(User).where(User.username == "m.muster")).scalar_one()
        assert reset_totp(db, user)
    assert client.get("/verwaltung/konto").status_code == 401  # signed out: the sign-in form
    sign_in(client, "m.muster")
    assert offered() != secret


# --- roles ---------------------------------------------------------------------------------------

@pytest.mark.parametrize(("roles", "allowed"), [
    (("umfrage",), {"/survey/admin", "/verwaltung/", "/verwaltung/konto"}),
    (("anbieter",), {"/verwaltung/", "/verwaltung/konto"}),
    (("administrator",), {"/survey/admin", "/verwaltung/", "/verwaltung/konto",
                          "/verwaltung/konten", "/verwaltung/protokoll", "/admin/barrieren"}),
])
def test_each_page_needs_its_role(app, engine, roles, allowed):
    add_user(engine, "m.muster", *roles)
    client = app.test_client()
    sign_in(client, "m.muster")
    for path in ("/survey/admin", "/verwaltung/", "/verwaltung/konto", "/verwaltung/konten",
                 "/verwaltung/protokoll", "/admin/barrieren"):
        resp = client.get(path)
        assert resp.status_code == (200 if path in allowed else 403), path
        if resp.status_code == 403:
            assert "hat nicht die nötige Rolle" in resp.get_data(as_text=True)


# --- disabling, expiry ---------------------------------------------------------------------------

def test_disabling_an_account_ends_its_open_session_at_once(app, engine):
    add_user(engine, "chefin")
    editor_id = add_user(engine, "m.muster", "umfrage")
    admin, editor = app.test_client(), app.test_client()
    sign_in(admin, "chefin")
    sign_in(editor, "m.muster")
    assert editor.get("/survey/admin").status_code == 200 and sessions_of(engine, editor_id) == 1
    csrf = form_csrf(admin, "/verwaltung/konten")
    resp = admin.post("/verwaltung/konten/m.muster", data={"csrf": csrf, "aktion": "sperren"})
    assert resp.status_code == 303
    assert "1 offene Anmeldung(en) beendet" in admin.get("/verwaltung/konten").get_data(
        as_text=True)
    assert sessions_of(engine, editor_id) == 0
    assert editor.get("/survey/admin").status_code == 401
    assert sign_in(editor, "m.muster").status_code == 401  # and cannot sign in again
    admin.post("/verwaltung/konten/m.muster", data={"csrf": csrf, "aktion": "entsperren"})
    assert sign_in(editor, "m.muster").status_code == 303
    assert [r for r in audit_rows(engine) if r[2] == "m.muster"] == [
        ("chefin", "user.disabled", "m.muster"), ("chefin", "user.enabled", "m.muster")]


def test_a_session_ends_when_it_expires(app, engine):
    add_user(engine, "m.muster")
    client = app.test_client()
    sign_in(client, "m.muster")
    assert client.get("/verwaltung/").status_code == 200
    with engine.begin() as conn:
        conn.execute(sa.update(WebSession).values(expires_at=utcnow() - timedelta(minutes=1)))
    assert client.get("/verwaltung/").status_code == 401


# --- the accounts page ---------------------------------------------------------------------------

def test_an_administrator_creates_an_account_and_changes_its_roles(app, engine):
    add_user(engine, "chefin")
    client = app.test_client()
    sign_in(client, "chefin")
    csrf = form_csrf(client, "/verwaltung/konten")
    form = {"csrf": csrf, "benutzername": "neu.person", "name": "Neue Person",
            "rollen": ["umfrage"], "passwort": "kurz"}
    refused = client.post("/verwaltung/konten", data=form)
    assert refused.status_code == 400
    assert "mindestens 12 Zeichen" in refused.get_data(as_text=True)
    assert user_row(engine, "neu.person") is None
    assert client.post("/verwaltung/konten", data={**form, "csrf": ""}).status_code == 400
    assert client.post("/verwaltung/konten", data={**form, "passwort": PASSWORD}
                       ).status_code == 303
    assert user_row(engine, "neu.person").roles == "umfrage"
    client.post("/verwaltung/konten/neu.person", data={
        "csrf": csrf, "aktion": "rollen", "rollen": ["umfrage", "anbieter"]})
    assert user_row(engine, "neu.person").roles == "anbieter umfrage"
    assert audit_rows(engine) == [("chefin", "user.created", "neu.person"),
                                  ("chefin", "user.roles_changed", "neu.person")]


def test_the_last_administrator_cannot_be_disabled_or_demoted(app, engine):
    add_user(engine, "chefin")
    client = app.test_client()
    sign_in(client, "chefin")
    csrf = form_csrf(client, "/verwaltung/konten")
    for form in ({"aktion": "sperren"}, {"aktion": "rollen", "rollen": "umfrage"}):
        resp = client.post("/verwaltung/konten/chefin", data={"csrf": csrf, **form})
        assert resp.status_code == 400
        assert "letzte aktive Konto mit der Rolle Administration" in resp.get_data(as_text=True)
    row = user_row(engine, "chefin")
    assert not row.disabled and row.roles == "administrator" and audit_rows(engine) == []


def test_changing_the_own_password(app, engine):
    add_user(engine, "m.muster", "umfrage")
    client = app.test_client()
    sign_in(client, "m.muster")
    csrf = form_csrf(client, "/verwaltung/konto")
    new = "ganz-neues-passwort-2"
    wrong = client.post("/verwaltung/konto/passwort", data={
        "csrf": csrf, "bisher": "falsch-falsch-falsch", "neu": new, "neu2": new})
    assert wrong.status_code == 400 and "bisherige Passwort ist falsch" in wrong.get_data(
        as_text=True)
    assert client.post("/verwaltung/konto/passwort", data={
        "csrf": csrf, "bisher": PASSWORD, "neu": new, "neu2": new}).status_code == 303
    assert sign_in(app.test_client(), "m.muster", new).status_code == 303
    assert sign_in(app.test_client(), "m.muster").status_code == 401


# --- the survey pages audit who did it -------------------------------------------------------------

def test_a_release_on_the_survey_page_is_audited_with_the_account(app, engine):
    import_export(engine, n=400, status="closed")
    add_user(engine, "m.muster", "umfrage")
    client = app.test_client()
    sign_in(client, "m.muster")
    page = client.get("/survey/admin").get_data(as_text=True)
    csrf = re.findall(r'name="csrf" value="([0-9a-f]+)"', page)[-1]
    resp = client.post("/survey/admin", content_type="multipart/form-data", data={
        "csrf": csrf, "action": "release", "survey": "bu2026", "keep_responses": "1",
        "definition": (io.BytesIO(json.dumps(SMALL_DEFINITION).encode()), "kurz.json")})
    assert resp.status_code == 200, resp.get_data(as_text=True)
    assert audit_rows(engine) == [("m.muster", "survey.released", "bu2026")]


def test_a_second_setup_session_cannot_make_a_second_administrator(app, engine):
    app.extensions["hub"].settings.admin_token = ADMIN
    first, second = app.test_client(), app.test_client()
    for client in (first, second):
        csrf = form_csrf(client, "/verwaltung/anmelden")
        client.post("/verwaltung/anmelden", data={"csrf": csrf, "passwort": ADMIN})
    forms = [form_csrf(c, "/verwaltung/einrichten") for c in (first, second)]
    for client, csrf, name in ((first, forms[0], "erste"), (second, forms[1], "zweite")):
        client.post("/verwaltung/einrichten", data={
            "csrf": csrf, "benutzername": name, "passwort": PASSWORD, "passwort2": PASSWORD})
    assert user_row(engine, "erste") is not None and user_row(engine, "zweite") is None
    with Session(engine) as db, pytest.raises(AccountError, match="Es gibt schon ein Konto"):
        create_first_administrator(db, "dritte", "", PASSWORD)
