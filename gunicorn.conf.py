"""Production server settings: `gunicorn wsgi:app` picks this file up from here."""

import os

bind = os.environ.get("BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
# %(U)s is the path without its query string: searches carry conditions and places,
# which are health details and must stay out of logs.
accesslog = "-"
access_log_format = '%(h)s - - %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(L)ss'
# The most gunicorn reads of a request line: longer addresses up to it meet the app's
# own 414 (directory/security.py, JSON for the API) rather than gunicorn's HTML one.
limit_request_line = 8190
