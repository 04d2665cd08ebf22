"""`bildungsdaten scheduler [--once JOB] [--list]`: the background jobs as one process."""
from __future__ import annotations

import logging

import click

from ..settings import load_settings
from . import HubCLIError, require_current_database


def register(cli: click.Group) -> None:
    @cli.command("scheduler")
    @click.option("--once", "once", metavar="JOB", help="Nur diesen Job einmal ausführen.")
    @click.option("--list", "list_jobs", is_flag=True, help="Jobs und Zeitpläne anzeigen.")
    def scheduler(once: str | None, list_jobs: bool) -> None:
        """Startet die Hintergrund-Jobs (Ablauf, Aufräumen, Abruf der Anbieterdateien)."""
        from ..jobs.scheduler import all_jobs, build_scheduler, run_job

        jobs = all_jobs()
        if list_jobs:
            for name, _func, trigger in jobs:
                click.echo(f"{name}\t{trigger}")
            return
        settings = load_settings()
        require_current_database(settings.database_url)
        from ..app import create_app

        app = create_app(settings=settings)
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
        if once is not None:
            names = [job[0] for job in jobs]
            if once not in names:
                raise HubCLIError(f"Unbekannter Job „{once}“. Vorhanden: {', '.join(names)}.")
            result = run_job(app, once)
            click.echo(f"{once}: {result}")
            return
        click.echo("Scheduler läuft (Beenden mit Strg+C): " + ", ".join(j[0] for j in jobs))
        try:
            build_scheduler(app, blocking=True).start()
        except (KeyboardInterrupt, SystemExit):
            click.echo("Scheduler beendet.")
