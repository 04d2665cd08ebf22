"""Admin CLI: providers, tokens (shown once) and `bildungsdaten import`."""
from __future__ import annotations

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from bildungsdaten.hub.auth.tokens import hash_token
from bildungsdaten.hub.cli import main
from bildungsdaten.hub.models import ApiToken, Provider
from tests.import_support import FIXTURES, add_provider, live_offers, offers_snapshot, uploads


@pytest.fixture
def cli(db_url, tmp_path):
    runner = CliRunner()
    env = {"DATABASE_URL": db_url, "SECRET_KEY": "test", "HUB_INSTANCE_PATH": str(tmp_path)}

    def run(*args: str):
        return runner.invoke(main, list(args), env=env, catch_exceptions=False)
    return run


def test_providers_create_and_list(cli, engine):
    result = cli("providers", "create", "kvhs", "--name", "Kreisvolkshochschule Bergstraße",
                 "--type", "VHS", "--source-url", "https://example.org/kurse.csv")
    assert result.exit_code == 0, result.output
    with engine.connect() as conn:
        row = conn.execute(sa.select(Provider)).one()
    assert (row.slug, row.type, row.source_url) == ("kvhs", "vhs", "https://example.org/kurse.csv")
    assert "kvhs\tKreisvolkshochschule Bergstraße\tvhs" in cli("providers", "list").output


def test_unknown_provider_type_is_refused_with_a_suggestion(cli):
    result = cli("providers", "create", "kvhs", "--name", "X", "--type", "vhss")
    assert result.exit_code == 2
    assert "meinten Sie „vhs“" in result.output


def test_tokens_create_prints_the_token_once_and_stores_its_hash(cli, engine):
    add_provider(engine, "kvhs")
    result = cli("tokens", "create", "kvhs", "--label", "Kursverwaltung")
    token = result.stdout.strip()
    with engine.connect() as conn:
        row = conn.execute(sa.select(ApiToken)).one()
    assert row.token_hash == hash_token(token) and row.label == "Kursverwaltung"
    listing = cli("tokens", "list", "kvhs").output
    assert row.prefix in listing and token not in listing


def test_tokens_revoke_by_prefix(cli, engine):
    add_provider(engine, "kvhs")
    token = cli("tokens", "create", "kvhs").stdout.strip()
    assert cli("tokens", "revoke", token[:10]).exit_code == 0
    with engine.connect() as conn:
        assert conn.execute(sa.select(ApiToken.revoked_at)).scalar() is not None


def test_tokens_for_unknown_provider_is_a_clear_error(cli):
    result = cli("tokens", "create", "gibtsnicht")
    assert result.exit_code == 1
    assert "Anbieter „gibtsnicht“ gibt es nicht" in result.output


def test_import_valid_file(cli, engine):
    pid = add_provider(engine, "kvhs")
    result = cli("import", "--provider", "kvhs", str(FIXTURES / "valid_cp1252.csv"))
    assert result.exit_code == 0, result.output
    assert "3 Angebote wurden neu angelegt" in result.output
    assert len(live_offers(engine, pid)) == 3
    assert uploads(engine, pid)[0].source == "cli"


def test_import_invalid_file_exits_1_and_changes_nothing(cli, engine):
    pid = add_provider(engine, "kvhs")
    cli("import", "--provider", "kvhs", str(FIXTURES / "valid_cp1252.csv"))
    before = offers_snapshot(engine)
    result = cli("import", "--provider", "kvhs", str(FIXTURES / "with_errors.csv"))
    assert result.exit_code == 1
    assert "nichts wurde geändert" in result.output
    assert offers_snapshot(engine) == before
    assert [u.status for u in uploads(engine, pid)] == ["done", "invalid"]


def test_import_dry_run_writes_nothing(cli, engine):
    pid = add_provider(engine, "kvhs")
    result = cli("import", "--provider", "kvhs", "--dry-run", str(FIXTURES / "valid_cp1252.csv"))
    assert result.exit_code == 0
    assert "Probelauf: 3 Angebote würden neu angelegt" in result.output
    assert live_offers(engine, pid) == {}


def test_import_upsert_mode(cli, engine):
    pid = add_provider(engine, "kvhs")
    cli("import", "--provider", "kvhs", str(FIXTURES / "valid_cp1252.csv"))
    cli("import", "--provider", "kvhs", "--mode", "upsert", str(FIXTURES / "valid_changed.csv"))
    assert len(live_offers(engine, pid)) == 4


def test_import_of_unreadable_file_exits_2(cli, engine, tmp_path):
    add_provider(engine, "kvhs")
    result = cli("import", "--provider", "kvhs", str(tmp_path / "fehlt.csv"))
    assert result.exit_code == 2
    assert "nicht lesbar" in result.output
