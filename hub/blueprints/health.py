"""`/healthz`: database reachable and migrations current."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from ..context import current_hub
from ..migrate import current_revision, head_revision

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz() -> Any:
    hub = current_hub()
    try:
        with hub.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        current, head = current_revision(hub.engine), head_revision(hub.engine)
    except SQLAlchemyError as exc:
        return jsonify(status="error", database="unreachable", detail=exc.__class__.__name__), 503
    ok = current == head
    body = {"status": "ok" if ok else "error", "database": "ok",
            "migrations": "current" if ok else "outdated", "revision": current, "head": head}
    resp = jsonify(body)
    resp.status_code = 200 if ok else 503
    resp.headers["Cache-Control"] = "no-store"
    return resp
