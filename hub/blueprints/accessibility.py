"""The pages the law asks for: Erklärung zur Barrierefreiheit, Barriere melden (stored, listed
for the admin with its six-week answer deadline), Leichte Sprache, Impressum, Datenschutz."""
from __future__ import annotations

import re
from typing import Any

import sqlalchemy as sa
from flask import Blueprint, abort, redirect, render_template, request

from ..auth.admin import require_admin
from ..auth.csrf import check_csrf, csrf_token
from ..context import current_hub
from ..db import transaction
from ..models import utcnow
from ..portal.models import BarrierReport

bp = Blueprint("accessibility", __name__, template_folder="../templates")

MAX_DESCRIPTION = 5000
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


def _paragraphs(text: str) -> list[str]:
    return [p.strip() for p in text.replace("\r\n", "\n").split("\n\n") if p.strip()]


@bp.get("/barrierefreiheit")
def statement() -> str:
    return render_template("accessibility_statement.html",
                           contact=current_hub().settings.contact_email)


@bp.get("/leichte-sprache")
def easy_language() -> str:
    return render_template("easy_language.html")


@bp.get("/impressum")
def imprint() -> str:
    s = current_hub().settings
    text = s.imprint_text or (
        f"Herausgeber: {s.publisher_name}\n\nKontakt: {s.contact_email}\n\n"
        f"Webseite: {s.publisher_url}\n\nVerantwortlich für die Angebote sind die jeweiligen "
        "Anbieter; sie liefern ihre Angaben selbst.")
    return render_template("text_page.html", title="Impressum", paragraphs=_paragraphs(text))


@bp.get("/datenschutz")
def privacy() -> str:
    s = current_hub().settings
    text = s.privacy_text or (
        f"Verantwortlich: {s.publisher_name}, {s.contact_email}.\n\n"
        "Diese Seiten laden nichts von anderen Servern: keine fremden Schriften, Skripte, "
        "Bilder oder Karten. Es gibt keine Werbung und keine Besuchsstatistik.\n\n"
        "Die Merkliste bleibt nur in Ihrem Browser (localStorage) und wird nicht an uns "
        "gesendet, außer Sie öffnen sie als Seite oder Kalenderdatei; dann nennt die Adresse die "
        "gemerkten Angebote.\n\n"
        "Cookies: Nur wenn Sie ein Formular öffnen (Barriere melden, Hochladen für Anbieter), "
        "setzen wir ein technisch nötiges Sitzungs-Cookie zum Schutz vor gefälschten "
        "Formularen. Es endet, wenn Sie den Browser schließen.\n\n"
        "Wenn Sie eine Barriere melden, speichern wir Ihre Nachricht und – freiwillig – Name "
        "und E-Mail-Adresse, um Ihnen zu antworten (Art. 6 Abs. 1 lit. c und e DSGVO). Wir "
        "löschen sie, wenn die Meldung erledigt ist.\n\n"
        "Der Server schreibt technisch nötige Protokolle (Zeit, aufgerufene Adresse, Fehler). "
        "Sie haben das Recht auf Auskunft, Berichtigung, Löschung und Beschwerde beim "
        "Hessischen Beauftragten für Datenschutz und Informationsfreiheit.")
    return render_template("text_page.html", title="Datenschutz", paragraphs=_paragraphs(text))


@bp.route("/barriere-melden", methods=["GET", "POST"])
def report() -> Any:
    values = {"page": request.args.get("seite", "")[:500], "description": "", "name": "",
              "email": ""}
    errors: dict[str, str] = {}
    if request.method == "POST":
        check_csrf()
        values = {k: request.form.get(k, "").strip() for k in values}
        errors = _check_report(values)
        if not errors:
            with transaction(current_hub().sessions) as session:
                session.add(BarrierReport(page=values["page"] or None,
                                          description=values["description"],
                                          name=values["name"] or None,
                                          email=values["email"] or None))
            return redirect("/barriere-melden/danke", 303)
    return render_template("barrier_report.html", values=values, errors=errors,
                           csrf=csrf_token()), 400 if errors else 200


def _check_report(values: dict[str, str]) -> dict[str, str]:
    errors: dict[str, str] = {}
    if not values["description"]:
        errors["description"] = "Bitte beschreiben Sie die Barriere."
    elif len(values["description"]) > MAX_DESCRIPTION:
        errors["description"] = f"Bitte höchstens {MAX_DESCRIPTION} Zeichen."
    if len(values["page"]) > 500:
        errors["page"] = "Bitte höchstens 500 Zeichen."
    if len(values["name"]) > 200:
        errors["name"] = "Bitte höchstens 200 Zeichen."
    if values["email"] and (len(values["email"]) > 200 or not EMAIL.fullmatch(values["email"])):
        errors["email"] = "Bitte eine E-Mail-Adresse wie name@beispiel.de angeben – oder das " \
                          "Feld leer lassen."
    return errors


@bp.get("/barriere-melden/danke")
def report_thanks() -> str:
    return render_template("text_page.html", title="Danke für Ihre Meldung", paragraphs=[
        "Wir haben Ihre Meldung gespeichert und antworten innerhalb von sechs Wochen, wenn Sie "
        "uns eine E-Mail-Adresse genannt haben.",
        "Antworten wir nicht rechtzeitig oder nicht zufriedenstellend, können Sie sich an die "
        "Durchsetzungsstelle nach dem Hessischen Behindertengleichstellungsgesetz wenden (siehe "
        "Erklärung zur Barrierefreiheit)."])


@bp.route("/admin/barrieren", methods=["GET", "POST"])
def admin_reports() -> Any:
    account = require_admin()
    if request.method == "POST":
        check_csrf()
        report_id = request.form.get("beantwortet", "")
        if not report_id.isdigit():
            abort(400, "Keine Meldung angegeben.")
        with transaction(current_hub().sessions) as session:
            found = session.get(BarrierReport, int(report_id))
            if found is None:
                abort(404)
            found.answered_at = found.answered_at or utcnow()
        return redirect("/admin/barrieren", 303)
    with current_hub().sessions() as session:
        reports = session.execute(sa.select(BarrierReport).order_by(
            BarrierReport.answered_at.is_not(None), BarrierReport.created_at)).scalars().all()
    return render_template("barrier_admin.html", reports=reports, now=utcnow(),
                           csrf=csrf_token(), account=account)
