"""WSGI entry point for gunicorn: `bildungsdaten.hub.wsgi:app` (imported in each worker)."""
from .app import create_app

app = create_app()
app.extensions["search_matrix"].warm()  # each worker reads its search matrix at start
