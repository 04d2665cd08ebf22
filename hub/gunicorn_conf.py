"""gunicorn settings for the hub (bind and workers are given by `bildungsdaten serve`)."""
import os

worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
timeout = 120  # large uploads are validated inside the request
graceful_timeout = 30
accesslog = os.environ.get("GUNICORN_ACCESSLOG", "-")
errorlog = "-"
# The app is created per worker, so each worker has its own database connection pool.
preload_app = False
