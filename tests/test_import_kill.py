"""An import killed (SIGKILL) in the middle of its write leaves the old offers exactly as
they were: the write is one transaction that never committed. The CLI reports rows as
"Schreiben" once they are written (not committed) while the checker still reads on."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from bildungsdaten.hub.app import create_app
from bildungsdaten.hub.db import make_sessionmaker
from bildungsdaten.hub.offers.importer import import_file
from bildungsdaten.hub.settings import load_settings
from tests.import_support import add_provider, iter_big_csv, offers_csv, offers_snapshot, uploads

BIG_ROWS = 30_000
CLI = str(Path(sys.executable).with_name("bildungsdaten"))


@pytest.mark.slow
def test_killed_import_leaves_the_old_offers(db_url, engine, tmp_path):
    pid = add_provider(engine, "kvhs")
    settings = load_settings({"database_url": db_url, "secret_key": "t",
                              "instance_path": tmp_path})
    old = import_file(make_sessionmaker(engine), settings, pid, offers_csv(range(900, 905)))
    assert old.status == "done"
    before = offers_snapshot(engine, pid)
    big = tmp_path / "gross.csv"
    with big.open("wb") as fh:
        fh.writelines(iter_big_csv(BIG_ROWS))

    env = {**os.environ, "DATABASE_URL": db_url, "SECRET_KEY": "t",
           "HUB_INSTANCE_PATH": str(tmp_path)}
    proc = subprocess.Popen([CLI, "import", "--provider", "kvhs", str(big)], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    seen = []
    try:
        for line in proc.stderr:  # without a terminal the CLI prints a line per 10,000 rows
            seen.append(line.strip())
            if line.startswith("Schreiben: ") and not line.startswith("Schreiben: 0/"):
                proc.send_signal(signal.SIGKILL)  # rows are written, the commit is not
                break
    finally:
        proc.wait(timeout=120)
    assert proc.returncode == -signal.SIGKILL, seen
    assert f"Schreiben: {BIG_ROWS}/{BIG_ROWS}" not in seen

    assert offers_snapshot(engine, pid) == before
    assert [u.status for u in uploads(engine, pid)] == ["done", "pending"]
    # The next start (a gunicorn worker, the scheduler) sees that its process has ended.
    create_app(settings=settings).extensions["hub"].engine.dispose()
    killed = uploads(engine, pid)[-1]
    assert killed.status == "failed"
    assert killed.report["errors"][0]["code"] == "upload-interrupted"
