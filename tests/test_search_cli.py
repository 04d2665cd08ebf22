"""`bildungsdaten search reindex` rebuilds the index from the offers (a real process)."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from tests.search_sample import store_search_offers

CLI = str(Path(sys.executable).parent / "bildungsdaten")


def test_reindex_rebuilds_a_lost_index(engine: Engine, db_url: str, tmp_path: Path) -> None:
    store_search_offers(engine)
    with engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM offer_search"))
    env = {**os.environ, "DATABASE_URL": db_url, "HUB_INSTANCE_PATH": str(tmp_path)}
    done = subprocess.run([CLI, "search", "reindex"], env=env, cwd=tmp_path,
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert "7 Angebote" in done.stdout
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM offer_search")).scalar_one() == 7
