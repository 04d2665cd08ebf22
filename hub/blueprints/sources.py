"""/region: the neighbours' feeds this hub harvests, with health, counts, attribution and
licence (public); /verwaltung/quellen: add, disable, enable, remove and harvest them (admin)."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, redirect, render_template, request

from ..auth.admin import require_admin
from ..auth.csrf import check_csrf, csrf_token
from ..context import current_hub
from ..federation.ingest import LIMITS
from ..pages_nav import PageLink
from ..sources.models import Source
from ..sources.service import (
    SourceError,
    add_source,
    harvest,
    list_sources,
    live_counts,
    remove_source,
    set_enabled,
)

bp = Blueprint("sources", __name__, template_folder="../templates")

LINKS = (
    PageLink("Region", "/region", "Angebote benachbarter Hubs: Quellen, Zustand und Lizenzen",
             order=60),
)
ADMIN_PATH = "/verwaltung/quellen"


def health_words(source: Source) -> tuple[str, str]:
    """(state, explanation) of a source in words, never by colour alone."""
    if source.last_error_code in LIMITS:  # read well up to a limit of its run: not a failure
        return "Noch nicht fertig", source.last_error_message or ""
    if source.last_error_code and source.last_error_code != "skipped-items":
        return "Fehler", source.last_error_message or source.last_error_code
    if source.last_error_code:
        return "Mit Hinweisen", source.last_error_message or ""
    if source.last_success_at:
        return "In Ordnung", "Die letzte Ernte war erfolgreich."
    return "Noch nicht geerntet", "Diese Quelle wurde noch nicht abgerufen."


def _rows() -> list[dict[str, Any]]:
    with current_hub().sessions() as session:
        sources = list_sources(session)
        counts = live_counts(session)
    return [{"source": s, "offers": counts.get(s.id, 0), "health": health_words(s)}
            for s in sources]


@bp.get("/region")
def region() -> Any:
    return render_template("region.html", rows=_rows())


@bp.route(ADMIN_PATH, methods=["GET", "POST"])
def admin_sources() -> Any:
    account = require_admin()
    hub = current_hub()
    error: SourceError | None = None
    message: str | None = None
    status = 200
    if request.method == "POST":
        check_csrf()
        form = request.form
        action, name = form.get("aktion", ""), form.get("name", "").strip()
        try:
            if action == "anlegen":
                interval = form.get("intervall", "60").strip()
                if not interval.isdigit():
                    raise SourceError("bad-interval", "Der Abstand muss eine ganze Zahl von "
                                                      "Minuten sein.", "interval")
                new = add_source(hub.sessions, hub.settings, name, form.get("rpde", ""),
                                 licence=form.get("lizenz") or None,
                                 attribution=form.get("namensnennung") or None,
                                 interval_minutes=int(interval))
                message = f"Quelle „{name}“ angelegt." + (f" {new.note}" if new.note else "")
            elif action in ("abschalten", "einschalten"):
                set_enabled(hub.sessions, name, action == "einschalten")
                message = f"Quelle „{name}“ {'eingeschaltet' if action == 'einschalten' else 'abgeschaltet'}."
            elif action == "entfernen":
                withdrawn = remove_source(hub.sessions, name)
                message = f"Quelle „{name}“ entfernt; {withdrawn} Angebote zurückgezogen."
            elif action == "ernten":
                # within the web server's timeout: a big source is finished by the scheduler
                outcome = harvest(hub.sessions, hub.settings, name,
                                  max_seconds=hub.settings.harvest_button_seconds)
                c = outcome.counts
                message = (f"Ernte „{name}“: {c.created} neu, {c.updated} geändert, "
                           f"{c.deleted} gelöscht, {c.skipped} übersprungen.")
                if outcome.status == "partial":
                    message += (f" Noch nicht fertig: {outcome.error_message} Der Scheduler "
                                "erntet den Rest.")
                elif outcome.error_message:
                    message += f" Fehler: {outcome.error_message}"
            else:
                raise SourceError("bad-action", "Unbekannte Aktion.", "aktion")
        except SourceError as exc:
            error, status = exc, 400
        if error is None:
            return redirect(f"{ADMIN_PATH}?meldung={message or ''}", 303)
    message = message or request.args.get("meldung") or None
    return render_template("sources_admin.html", rows=_rows(), csrf=csrf_token(), error=error,
                           message=message, form=request.form, account=account), status
