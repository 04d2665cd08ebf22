"""The Bildungsumfrage: import LimeSurvey exports privately, publish only audited aggregates."""
from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Wire the survey into the hub: its pages, its start-page link, its catalogue datasets."""
    from ..blueprints import survey as pages
    from ..pages_nav import add_links
    from .catalog_source import survey_datasets

    app.register_blueprint(pages.bp)
    add_links(app, pages.LINKS)
    app.extensions["hub"].dataset_sources.append(survey_datasets)
