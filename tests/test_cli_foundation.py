"""The `bildungsdaten` command on a missing, empty, outdated or unreachable database: a clear
German message pointing to `bildungsdaten db upgrade`, a non-zero exit, never a traceback."""
from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support import fresh_postgres_database

CLI = str(Path(sys.executable).parent / "bildungsdaten")


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The URL of a database that exists but was never migrated."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'leer.sqlite'}"
        return
    with fresh_postgres_database("hubcli") as url:
        yield url


def run(tmp_path: Path, database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "INSTANCE_PATH")}
    env.update(DATABASE_URL=database_url, HUB_INSTANCE_PATH=str(tmp_path / "instance"),
               HOST="192.0.2.1")  # should serve ever start, binding fails instead of blocking
    return subprocess.run([CLI, *args], env=env, cwd=tmp_path, capture_output=True, text=True,
                          timeout=120, check=False)


def assert_clear_failure(result: subprocess.CompletedProcess[str], *phrases: str) -> None:
    output = result.stdout + result.stderr
    assert result.returncode != 0, output
    assert "Traceback" not in output, output
    for phrase in phrases:
        assert phrase in output, output


@pytest.mark.parametrize("command", [["serve"], ["providers", "list"]])
def test_empty_database_asks_for_db_upgrade(tmp_path: Path, empty_url: str,
                                            command: list[str]) -> None:
    result = run(tmp_path, empty_url, *command)
    assert_clear_failure(result, "Datenbank ist leer", "bildungsdaten db upgrade")


def test_db_upgrade_then_commands_work(tmp_path: Path, empty_url: str) -> None:
    upgraded = run(tmp_path, empty_url, "db", "upgrade")
    assert upgraded.returncode == 0, upgraded.stderr
    assert "neuesten Stand" in upgraded.stdout
    listed = run(tmp_path, empty_url, "providers", "list")
    assert listed.returncode == 0, listed.stderr
    assert "Traceback" not in listed.stderr


def test_outdated_database_asks_for_db_upgrade(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'alt.sqlite'}"
    assert run(tmp_path, url, "db", "upgrade", "--revision", "0001_foundation").returncode == 0
    from alembic.script import ScriptDirectory

    from bildungsdaten.hub.migrate import alembic_config

    if ScriptDirectory.from_config(alembic_config(url)).get_heads() == ["0001_foundation"]:
        pytest.skip("only one revision exists: nothing can be outdated yet")
    assert_clear_failure(run(tmp_path, url, "serve"), "veraltet", "bildungsdaten db upgrade")


def test_unreachable_database_is_named_without_traceback(tmp_path: Path) -> None:
    result = run(tmp_path, "postgresql+psycopg://hub@127.0.0.1:1/hub", "serve")
    assert_clear_failure(result, "Datenbank nicht erreichbar", "DATABASE_URL")
