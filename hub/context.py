"""The hub's per-app state (settings, engine, sessions), reachable inside an app context."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from flask import current_app
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from .settings import Settings

if TYPE_CHECKING:
    from .catalog import DatasetSource
    from .pages_nav import PageLink


@dataclass
class HubContext:
    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    # What the areas registered (app factory, init_app): start-page/navigation links and the
    # catalogue's extra dataset sources, per app (never module-global, so what the CLI builds
    # through the app is exactly what the site serves).
    links: list[PageLink] = field(default_factory=list)
    dataset_sources: list[DatasetSource] = field(default_factory=list)


def current_hub() -> HubContext:
    """The HubContext of the current Flask app."""
    return current_app.extensions["hub"]  # type: ignore[no-any-return]
