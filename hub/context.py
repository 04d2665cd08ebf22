"""The hub's per-app state (settings, engine, sessions), reachable inside an app context."""
from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from .settings import Settings


@dataclass
class HubContext:
    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]


def current_hub() -> HubContext:
    """The HubContext of the current Flask app."""
    return current_app.extensions["hub"]  # type: ignore[no-any-return]
