"""`bildungsdaten survey …`: import an export, release audited tables, delete raw responses."""
from __future__ import annotations

from pathlib import Path

import click
import sqlalchemy as sa

from ..auth.audit import cli_actor, record
from ..db import transaction
from ..survey.errors import SurveyError
from ..survey.importer import delete_responses, import_survey
from ..survey.limesurvey import parse_catalogue, parse_lss
from ..survey.models import Survey, SurveyRelease
from ..survey.publish import release_path
from ..survey.release import load_definition
from ..survey.service import import_details, make_release, release_details
from . import HubCLIError, open_database


def register(cli: click.Group) -> None:
    @cli.group()
    def survey() -> None:
        """Bildungsumfrage: Import, geprüfte Veröffentlichung, Löschen der Rohdaten."""

    @survey.command("import")
    @click.option("--survey", "slug", required=True, help="Kennung, z. B. bildungsumfrage-2026")
    @click.option("--responses", type=click.Path(exists=True, dir_okay=False, path_type=Path),
                  required=True, help="Antworten (LimeSurvey-CSV mit Fragecodes)")
    @click.option("--structure", type=click.Path(exists=True, dir_okay=False, path_type=Path),
                  help="LimeSurvey-Strukturdatei (.lss)")
    @click.option("--questions", type=click.Path(exists=True, dir_okay=False, path_type=Path),
                  help="Fragenkatalog (JSON) für eine einfache CSV")
    @click.option("--status", type=click.Choice(["collecting", "closed"]), default="collecting",
                  show_default=True, help="closed = Umfrage abgeschlossen")
    @click.option("--title", default=None, help="Titel (Standard: aus der Strukturdatei)")
    def import_cmd(slug: str, responses: Path, structure: Path | None, questions: Path | None,
                   status: str, title: str | None) -> None:
        """Importiert einen Export; identifizierende Spalten und Freitexte werden verworfen."""
        if bool(structure) == bool(questions):
            raise HubCLIError("Bitte genau eine Angabe: --structure DATEI.lss oder --questions DATEI.json")
        try:
            with open_database() as db:
                parsed = parse_lss(structure.read_bytes()) if structure else \
                    parse_catalogue(questions.read_bytes())  # type: ignore[union-attr]
                with transaction(db.sessions) as session:
                    result = import_survey(session, slug, responses.read_bytes(), parsed,
                                           plain=questions is not None, title=title, status=status)
                    record(session, "survey.imported", slug, import_details(result),
                           actor=cli_actor())
        except SurveyError as exc:
            raise HubCLIError(str(exc)) from None
        click.echo(f"Importiert: {result.responses} Fragebögen ({result.submitted} abgeschlossen) "
                   f"in „{slug}“.")
        click.echo(f"Behalten: {len(result.kept_columns)} Spalten. Verworfen (identifizierend "
                   f"oder Freitext): {', '.join(result.dropped_columns) or '–'}.")

    @survey.command("release")
    @click.option("--survey", "slug", required=True)
    @click.option("--definition", type=click.Path(exists=True, dir_okay=False, path_type=Path),
                  required=True, help="Tabellen-Definition (JSON oder TOML)")
    @click.option("--rohdaten-behalten", "keep", is_flag=True,
                  help="Rohantworten einer abgeschlossenen Umfrage nicht löschen (nur nötig für "
                       "eine weitere Veröffentlichung über dieselben Befragten)")
    def release_cmd(slug: str, definition: Path, keep: bool) -> None:
        """Sperrt, prüft (ganzzahlige Optimierung) und veröffentlicht – oder lehnt ab.

        Bei einer abgeschlossenen Umfrage werden danach die Rohantworten gelöscht, außer mit
        --rohdaten-behalten."""
        try:
            with open_database() as db:
                settings = db.settings
                raw = load_definition(definition.read_bytes(), definition.name)
                with transaction(db.sessions) as session:
                    summary = make_release(session, slug, raw, keep_responses=keep)
                    record(session, "survey.released", slug, release_details(summary),
                           actor=cli_actor())
        except SurveyError as exc:
            raise HubCLIError(f"Veröffentlichung abgelehnt – {exc}") from None
        click.echo(f"Veröffentlichung {summary.version} von „{slug}“: {len(summary.tables)} "
                   f"Tabellen über {summary.responses} abgeschlossene Fragebögen.")
        for t in summary.tables:
            click.echo(f"  {t.slug}: {t.cells} Zellen, gesperrt {t.primary + t.secondary} "
                       f"({t.primary} primär, {t.secondary} sekundär) – {t.title}")
        click.echo(f"Prüfung bestanden ({summary.solves} ganzzahlige Optimierungen, "
                   f"{summary.seconds:.1f} s). Veröffentlicht unter "
                   f"{settings.url(release_path(slug, summary.version))}")
        if summary.deleted_responses is not None:
            click.echo(f"Die Umfrage ist abgeschlossen: {summary.deleted_responses} Rohantworten "
                       "gelöscht (behalten nur mit --rohdaten-behalten).")
        else:
            click.echo("Rohantworten behalten (Umfrage nicht abgeschlossen oder "
                       "--rohdaten-behalten); löschen: bildungsdaten survey delete-responses.")

    @survey.command("delete-responses")
    @click.option("--survey", "slug", required=True)
    @click.option("--yes", is_flag=True, help="ohne Rückfrage")
    def delete_cmd(slug: str, yes: bool) -> None:
        """Löscht alle Rohantworten einer Umfrage (Veröffentlichungen bleiben)."""
        if not yes:
            click.confirm(f"Alle Rohantworten von „{slug}“ unwiderruflich löschen?", abort=True)
        try:
            with open_database() as db:
                with transaction(db.sessions) as session:
                    n = delete_responses(session, slug)
                    record(session, "survey.responses_deleted", slug, {"anzahl": n},
                           actor=cli_actor())
        except SurveyError as exc:
            raise HubCLIError(str(exc)) from None
        click.echo(f"{n} Rohantworten von „{slug}“ gelöscht.")

    @survey.command("list")
    def list_cmd() -> None:
        """Listet die Umfragen mit Status, Fragebögen und Veröffentlichungen."""
        with open_database() as db, db.sessions() as session:
            rows = session.execute(
                sa.select(Survey, sa.func.count(SurveyRelease.id))
                .outerjoin(SurveyRelease, SurveyRelease.survey_id == Survey.id)
                .group_by(Survey.id).order_by(Survey.slug)).all()
        if not rows:
            click.echo("Noch keine Umfrage importiert.")
        for s, n in rows:
            state = "nimmt Antworten an" if s.status == "collecting" else "abgeschlossen"
            click.echo(f"{s.slug}\t{s.title}\t{state}\t{s.response_count} Fragebögen\t"
                       f"{n} Veröffentlichung(en)")
