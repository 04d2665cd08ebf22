"""`/verwaltung/protokoll`: the audit log for administrators, newest first, filtered by action
and actor, paged by keyset (`vor` = the id below which the next page starts)."""
from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import sqlalchemy as sa
from flask import Blueprint, abort, render_template, request

from ..auth.admin import require_admin
from ..auth.audit import ACTIONS
from ..auth.models import AuditEntry
from ..context import current_hub

bp = Blueprint("audit_log", __name__, url_prefix="/verwaltung", template_folder="../templates")

PAGE = 50


@bp.get("/protokoll")
def protocol() -> Any:
    account = require_admin()
    action = request.args.get("aktion", "")
    actor = request.args.get("akteur", "").strip()[:100]
    before = request.args.get("vor", "")
    if action and action not in ACTIONS:
        abort(400, f"Unbekannte Aktion „{action[:40]}“.")
    if before and (not before.isdigit() or len(before) > 12):
        abort(400, "Der Parameter „vor“ muss eine Eintragsnummer sein.")
    query = sa.select(AuditEntry).order_by(AuditEntry.id.desc()).limit(PAGE + 1)
    if action:
        query = query.where(AuditEntry.action == action)
    if actor:
        query = query.where(AuditEntry.actor == actor)
    if before:
        query = query.where(AuditEntry.id < int(before))
    with current_hub().sessions() as db:
        rows = list(db.execute(query).scalars())
    more = len(rows) > PAGE
    rows = rows[:PAGE]
    filters = {k: v for k, v in (("aktion", action), ("akteur", actor)) if v}
    next_href = ("/verwaltung/protokoll?" + urlencode({**filters, "vor": rows[-1].id})
                 if more else None)
    first_href = ("/verwaltung/protokoll?" + urlencode(filters)) if before else None
    return render_template("admin_audit.html", account=account, entries=rows, actions=ACTIONS, action=action,
                           actor=actor, next_href=next_href, first_href=first_href)
