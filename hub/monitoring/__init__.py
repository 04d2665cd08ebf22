"""Bildungsmonitoring: indicators per municipality and life phase from the live offers and
the census population, stored daily as an immutable time series and published as open data."""
from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Wire the monitoring into the hub: its pages and files, its start-page link, its
    catalogue dataset."""
    from ..pages_nav import add_links
    from . import views
    from .catalog_source import monitoring_datasets

    app.register_blueprint(views.bp)
    add_links(app, views.LINKS)
    app.extensions["hub"].dataset_sources.append(monitoring_datasets)
