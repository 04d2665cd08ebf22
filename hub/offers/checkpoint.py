"""SQLite: a large write commits without copying the write-ahead log into the database itself.

SQLite copies its WAL into the database file (a checkpoint) inside the commit that grows the
log past 1,000 pages: after an import of 100,000 rows that is about 0.5 s the provider would
wait for. A large writer switches that off for its own commit (`defer_checkpoint`) and a
background thread checkpoints right after it (`checkpoint_soon`), the arrangement SQLite's
WAL documentation suggests for applications that write in bursts. PostgreSQL: no-ops.
"""
from __future__ import annotations

import logging
import threading

from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

log = logging.getLogger(__name__)

AUTOCHECKPOINT = 1000  # SQLite's default, restored when the connection goes back to the pool
DEFERRED = "autocheckpoint_deferred"  # flag in the pooled connection's info (see hub.db)

_running: list[threading.Thread] = []
_lock = threading.Lock()


def defer_checkpoint(session: Session) -> bool:
    """Keep this transaction's commit from checkpointing (SQLite); whether it applies."""
    conn = session.connection()
    if conn.dialect.name != "sqlite":
        return False
    conn.exec_driver_sql("PRAGMA wal_autocheckpoint=0")
    conn.connection.info[DEFERRED] = True  # hub.db restores the default at check-in
    return True


def checkpoint_soon(engine: Engine) -> None:
    """Checkpoint the WAL in a background thread (after a commit that deferred it)."""
    thread = threading.Thread(target=_checkpoint, args=(engine,), name="wal-checkpoint")
    with _lock:
        _running[:] = [t for t in _running if t.is_alive()]
        _running.append(thread)
    thread.start()


def _checkpoint(engine: Engine) -> None:
    try:
        with engine.connect() as conn:
            # PASSIVE: copies what no reader still needs and never blocks readers or writers;
            # whatever it leaves, the next commit's automatic checkpoint takes.
            conn.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)")
    except Exception:  # noqa: BLE001 - the next automatic checkpoint does the work instead
        log.warning("background WAL checkpoint failed", exc_info=True)


def wait_for_checkpoints(timeout: float | None = None) -> None:
    """Wait for background checkpoints started so far (benches, tests, shutdown)."""
    with _lock:
        threads = list(_running)
    for thread in threads:
        thread.join(timeout)
