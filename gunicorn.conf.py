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


def on_starting(server) -> None:
    """Refuse to serve with in-memory rate limits from several workers: each would count
    on its own, allowing that many times the limits (sign-in guessing among them)."""
    storage = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    if server.cfg.workers > 1 and storage.startswith("memory://"):
        raise RuntimeError(
            f"Refusing to serve with in-memory rate limits and {server.cfg.workers} workers: "
            "each would count on its own. Set RATELIMIT_STORAGE_URI to a Redis URL, or "
            "WEB_CONCURRENCY=1.")
