"""`providers create/update --source-url` refuse what the fetch guard would refuse, in German,
when the admin types it rather than at every hourly pull."""
from __future__ import annotations

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from bildungsdaten.hub.cli import main
from bildungsdaten.hub.models import Provider
from tests.import_support import add_provider


@pytest.fixture
def cli(db_url, tmp_path):
    runner = CliRunner()

    def run(*args: str, allow: str = ""):
        env = {"DATABASE_URL": db_url, "SECRET_KEY": "test", "HUB_INSTANCE_PATH": str(tmp_path),
               "FETCH_ALLOW_HOSTS": allow}
        return runner.invoke(main, list(args), env=env, catch_exceptions=False)
    return run


def source_url(engine, slug: str) -> str | None:
    with engine.connect() as conn:
        return conn.execute(sa.select(Provider.source_url).where(Provider.slug == slug)).scalar()


@pytest.mark.parametrize(("url", "says"), [
    ("file:///srv/hub/instance/secret_key", "nur http- und https-Adressen"),
    ("http://169.254.169.254/latest/meta-data/", "Metadaten-Dienst einer Cloud"),
    ("http://127.0.0.1:5432", "keine öffentliche Adresse (Loopback)"),
    ("http://2130706433/kurse.csv", "IP-Adressen nur in der üblichen Schreibweise")])
def test_create_refuses_a_source_the_pull_would_refuse(cli, engine, url, says):
    result = cli("providers", "create", "kvhs", "--name", "KVHS", "--source-url", url)
    assert result.exit_code == 2
    assert says in result.output
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(Provider)).scalar() == 0


def test_update_checks_the_source_and_can_clear_it(cli, engine):
    add_provider(engine, "kvhs")
    refused = cli("providers", "update", "kvhs", "--source-url", "http://localhost/kurse.csv")
    assert refused.exit_code == 2 and "localhost führt zu" in refused.output
    assert source_url(engine, "kvhs") is None

    allowed = cli("providers", "update", "kvhs", "--source-url", "http://localhost/kurse.csv",
                  allow="localhost")
    assert allowed.exit_code == 0, allowed.output
    assert source_url(engine, "kvhs") == "http://localhost/kurse.csv"

    assert cli("providers", "update", "kvhs", "--source-url", "").exit_code == 0
    assert source_url(engine, "kvhs") is None


def test_a_public_name_is_accepted_even_when_it_does_not_resolve_yet(cli, engine):
    result = cli("providers", "create", "kvhs", "--name", "KVHS",
                 "--source-url", "https://kurse.invalid/kurse.csv")
    assert result.exit_code == 0, result.output
    assert "nicht auffindbar" in result.output
    assert source_url(engine, "kvhs") == "https://kurse.invalid/kurse.csv"
