"""WSGI entry point for gunicorn: `bildungsdaten.hub.wsgi:app`."""
from .app import create_app

app = create_app()
