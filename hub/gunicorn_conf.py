"""gunicorn settings for the hub (bind and workers are given by `bildungsdaten serve`)."""
import os

worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
timeout = 120  # large uploads are validated inside the request
graceful_timeout = 30
accesslog = os.environ.get("GUNICORN_ACCESSLOG", "-")
# gunicorn's default format has %(u)s, the decoded Basic user name: for a header without a
# colon that is the password itself. The hub logs no user name at all.
access_log_format = '%(h)s - - %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s"'
errorlog = "-"
# The app is created per worker, so each worker has its own database connection pool.
preload_app = False
