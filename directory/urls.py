"""URL building blocks shared by every blueprint."""

from flask import current_app

MAX_DB_ID = 2**31 - 1


def db_id(name: str) -> str:
    """A URL segment for a database id, e.g. "<int(max=2147483647):trainer_id>".

    Ids beyond a 32-bit integer cannot exist: the cap makes them a plain 404 rather
    than an overflow deep in the database driver.
    """
    return f"<int(max={MAX_DB_ID}):{name}>"


def site_link(endpoint: str, **values) -> str:
    """An absolute link for an email or a one-time link, on the configured SITE_URL:
    never on the request's Host header, which a client chooses."""
    path = current_app.url_map.bind("").build(endpoint, values)
    return current_app.config["SITE_URL"].rstrip("/") + path
