"""`bildungsdaten users …` against a real database (issue 18): passwords only from a hidden
prompt or stdin, German output and errors, every change audited as "cli:<user>"; disabling
ends the account's open web sessions at once. Providers, tokens and the survey are audited too."""
from __future__ import annotations

import getpass

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from bildungsdaten.hub.cli import main
from tests.account_support import PASSWORD, add_user, audit_rows, sign_in, user_row
from tests.survey_synth import write_export

ME = f"cli:{getpass.getuser()}"


@pytest.fixture
def cli(db_url, tmp_path):
    runner = CliRunner()

    def run(*args: str, input: str | None = None):
        env = {"DATABASE_URL": db_url, "SECRET_KEY": "test", "HUB_INSTANCE_PATH": str(tmp_path)}
        return runner.invoke(main, list(args), env=env, input=input)
    return run


def test_create_from_stdin_stores_a_hash_and_audits(cli, engine):
    result = cli("users", "create", "m.muster", "--role", "umfrage", "--role", "anbieter",
                 "--name", "Maria Muster", "--password-stdin", input=PASSWORD + "\n")
    assert result.exit_code == 0, result.output
    assert "Konto „m.muster“ angelegt (Rollen: Anbieter-Verwaltung, Umfrage-Redaktion)." \
        in result.output
    row = user_row(engine, "m.muster")
    assert row.display_name == "Maria Muster" and row.roles == "anbieter umfrage"
    assert row.password_hash.startswith("$argon2id$") and PASSWORD not in row.password_hash
    assert audit_rows(engine) == [(ME, "user.created", "m.muster")]


def test_create_prompts_twice_for_the_password(cli, engine):
    result = cli("users", "create", "m.muster", "--role", "administrator",
                 input=f"{PASSWORD}\n{PASSWORD}\n")
    assert result.exit_code == 0, result.output
    assert PASSWORD not in result.output  # hidden input is not echoed
    assert user_row(engine, "m.muster") is not None


@pytest.mark.parametrize(("args", "stdin", "says"), [
    (["--role", "umfrage", "--password-stdin"], "kurz\n", "Das Passwort muss mindestens 12 Zeichen"),
    (["--role", "umfrage", "--password-stdin"], "\n", "Kein Passwort angegeben"),
])
def test_create_refuses_bad_input_in_german_and_writes_nothing(cli, engine, args, stdin, says):
    result = cli("users", "create", "m.muster", *args, input=stdin)
    assert result.exit_code == 1 and f"Fehler: {says}" in result.output
    assert "Traceback" not in result.output
    assert user_row(engine, "m.muster") is None and audit_rows(engine) == []


def test_create_refuses_a_taken_name_a_bad_name_and_an_unknown_role(cli, engine):
    add_user(engine, "m.muster")
    taken = cli("users", "create", "m.muster", "--role", "umfrage", "--password-stdin",
                input=PASSWORD + "\n")
    assert taken.exit_code == 1 and "„m.muster“ gibt es schon" in taken.output
    bad = cli("users", "create", "Ä!", "--role", "umfrage", "--password-stdin",
              input=PASSWORD + "\n")
    assert bad.exit_code == 1 and "Benutzername darf nur Kleinbuchstaben" in bad.output
    role = cli("users", "create", "x.y", "--role", "chef", "--password-stdin")
    assert role.exit_code == 2 and "chef" in role.output
    assert cli("users", "create", "x.y", "--role", "umfrage", "--password", PASSWORD
               ).exit_code == 2  # no such option: a password never is an argument


def test_list_disable_enable(cli, engine):
    add_user(engine, "m.muster", "umfrage")
    listed = cli("users", "list")
    assert "m.muster\tM.Muster\tumfrage\taktiv\tohne Zwei-Faktor\tzuletzt angemeldet: nie" \
        in listed.output
    assert "gesperrt" in cli("users", "disable", "m.muster").output
    assert user_row(engine, "m.muster").disabled
    assert "war bereits gesperrt" in cli("users", "disable", "m.muster").output
    assert "entsperrt" in cli("users", "enable", "m.muster").output
    assert not user_row(engine, "m.muster").disabled
    assert [r[1] for r in audit_rows(engine)] == ["user.disabled", "user.enabled"]
    missing = cli("users", "disable", "niemand")
    assert missing.exit_code == 1 and "Fehler: Ein Konto „niemand“ gibt es nicht" in missing.output


def test_disable_on_the_command_line_ends_the_web_session(cli, app, engine):
    add_user(engine, "chefin")
    add_user(engine, "m.muster", "umfrage")
    client = app.test_client()
    sign_in(client, "m.muster")
    assert client.get("/survey/admin").status_code == 200
    result = cli("users", "disable", "m.muster")
    assert "1 offene Anmeldung(en) beendet" in result.output
    assert client.get("/survey/admin").status_code == 401


def test_the_last_administrator_is_not_disabled(cli, engine):
    add_user(engine, "chefin")
    result = cli("users", "disable", "chefin")
    assert result.exit_code == 1 and "letzte aktive Konto" in result.output
    assert not user_row(engine, "chefin").disabled


def test_reset_totp(cli, engine):
    add_user(engine, "m.muster", totp_secret="JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")
    assert "entfernt" in cli("users", "reset-totp", "m.muster").output
    assert user_row(engine, "m.muster").totp_secret is None
    assert "hat keine Zwei-Faktor-Anmeldung" in cli("users", "reset-totp", "m.muster").output
    assert audit_rows(engine) == [(ME, "user.totp_reset", "m.muster")]


def test_providers_tokens_and_the_survey_are_audited(cli, engine, tmp_path):
    assert cli("providers", "create", "kvhs", "--name", "KVHS").exit_code == 0
    assert cli("providers", "update", "kvhs", "--source-url", "").exit_code == 0
    assert cli("tokens", "create", "kvhs").exit_code == 0
    assert cli("tokens", "revoke", "1").exit_code == 0
    assert cli("tokens", "revoke", "1").exit_code == 0  # already revoked: nothing new
    responses, structure = write_export(tmp_path / "export", n=60)
    imported = cli("survey", "import", "--survey", "bu2026", "--responses", str(responses),
                   "--structure", str(structure))
    assert imported.exit_code == 0, imported.output
    assert cli("survey", "delete-responses", "--survey", "bu2026", "--yes").exit_code == 0
    assert audit_rows(engine) == [
        (ME, "provider.created", "kvhs"), (ME, "provider.source_changed", "kvhs"),
        (ME, "token.created", "kvhs"), (ME, "token.revoked", "kvhs"),
        (ME, "survey.imported", "bu2026"), (ME, "survey.responses_deleted", "bu2026")]
    with engine.connect() as conn:
        details = conn.execute(sa.text("SELECT details FROM audit_log WHERE action = "
                                       "'survey.imported'")).scalar_one()
    assert "60" in str(details)
