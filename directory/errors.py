"""Errors as JSON for the API and as friendly pages for people."""

from __future__ import annotations

import logging
import math
import time
import traceback

from flask import (
    Flask,
    Response,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from sqlalchemy.exc import IntegrityError
from werkzeug.exceptions import HTTPException
from werkzeug.http import HTTP_STATUS_CODES

from directory.extensions import db, limiter
from directory.labels import size_text

log = logging.getLogger(__name__)


class InvalidInput(Exception):
    """Input that passed its schema but breaks a domain rule; answered with a 422.

    `errors` maps each offending field to its messages (nested lists by index), the
    shape marshmallow and webargs use, so a client reads every failure the same way.
    """

    def __init__(self, errors: dict, message: str = "Invalid input.", location: str = "json"):
        super().__init__(message)
        self.errors = errors
        self.message = message
        self.location = location  # "json" for bodies, "query" for query strings

    @staticmethod
    def collect(*steps):
        """Run each step, raising one InvalidInput with every step's errors."""
        results, errors = [], {}
        for step in steps:
            try:
                results.append(step())
            except InvalidInput as error:
                errors.update(error.errors)
        if errors:
            raise InvalidInput(errors)
        return results


def message_lines(messages, path: str = "") -> list[str]:
    """Nested field errors as lines a person reads: 'patient.place: Could not find ...'."""
    return [f"{where.replace('_', ' ')}: {m}" if where else m
            for where, m in message_pairs(messages, path)]


def message_pairs(messages, path: str = "") -> list[tuple[str, str]]:
    """Nested field errors as (dotted path, message): ('patient.place', 'Could not ...')."""
    if isinstance(messages, dict):
        return [pair for key, value in messages.items()
                for pair in message_pairs(value, f"{path}.{key}" if path else str(key))]
    if isinstance(messages, str):
        return [(path, messages)]
    return [pair for m in messages for pair in message_pairs(m, path)]


class Conflict(Exception):
    """A write that would break a uniqueness rule; answered with a 409."""


class Moved(Exception):
    """The record asked for was merged into another: a read is sent on to the same view
    of that one (301), so old links keep working; a write is refused (409), so nothing
    lands on a pointer unseen. `view_args` are the URL's arguments for the new record."""

    def __init__(self, message: str, **view_args):
        super().__init__(message)
        self.message, self.view_args = message, view_args


def error_response(code: int, message: str | None = None, errors: dict | None = None) -> Response:
    """Answer an API error as JSON, or a person as a page; nothing of the request is kept."""
    db.session.rollback()
    if not request.path.startswith("/api/"):
        page = render_template("error.html", code=code, name=HTTP_STATUS_CODES[code],
                               message=message)
        return make_response(page, code)
    body: dict = {"code": code, "status": HTTP_STATUS_CODES[code]}
    if message:
        body["message"] = message
    if errors:
        body["errors"] = errors
    response = jsonify(body)
    response.status_code = code
    return response


def handle_http_exception(error: HTTPException):
    if error.code == 401 and not request.path.startswith("/api/"):
        # People meet a sign-in page, and come back where they were after it.
        db.session.rollback()
        return redirect(url_for("accounts.login", next=request.full_path.rstrip("?")))
    # flask-smorest's abort() and webargs put their details in error.data.
    data = getattr(error, "data", None) or {}
    message = data.get("message") or (error.description if error.code != 500 else None)
    if error.code == 429:
        message = f"{message} {_wait_text()}"
    if error.code == 413 and request.max_content_length:
        message = (f"The request is larger than the {size_text(request.max_content_length)} "
                   "limit; nothing was saved.")
    response = error_response(error.code, message, data.get("errors") or data.get("messages"))
    if error.code == 405 and getattr(error, "valid_methods", None):
        response.headers["Allow"] = ", ".join(error.valid_methods)
    if error.code == 401 and error.www_authenticate:
        response.headers["WWW-Authenticate"] = error.www_authenticate[0].to_header()
    return response


def handle_moved(error: Moved) -> Response:
    if request.method not in ("GET", "HEAD"):
        return error_response(409, error.message)
    db.session.rollback()
    # The same view of the other record, its query kept (url_for's own "_" options
    # are never taken from a visitor's query string).
    query = {name: values for name, values in request.args.to_dict(flat=False).items()
             if not name.startswith("_")}
    location = url_for(request.endpoint, **{**query, **request.view_args, **error.view_args})
    if not request.path.startswith("/api/"):
        return redirect(location, 301)
    response = jsonify({"code": 301, "status": HTTP_STATUS_CODES[301],
                        "message": error.message})
    response.status_code, response.headers["Location"] = 301, location
    return response


def _wait_text() -> str:
    """How long a rate-limited caller waits, in words: until every limit this request
    has used up resets (Retry-After gives the first one's, in seconds)."""
    try:
        used_up = [limit.reset_at for limit in limiter.current_limits
                   if limit.breached or limit.remaining == 0]
    except Exception:  # the counts' storage just became unreachable: no figure to give
        used_up = []
    if not used_up:
        return "Try again later."
    seconds = max(1, math.ceil(max(used_up) - time.time()))
    wait = f"{seconds} seconds" if seconds < 120 else f"{math.ceil(seconds / 60)} minutes"
    return f"Try again in {wait}."


def handle_unexpected_error(error: Exception):
    # Log the type and the stack, never the message: a database error's message can
    # carry the row it failed on, and with it patients' details.
    stack = "".join(traceback.format_tb(error.__traceback__))
    log.error("Unhandled %s on %s %s\n%s", type(error).__name__, request.method,
              request.url_rule or request.path, stack)
    return error_response(500, "Something went wrong on our side; nothing was saved.")


def register_error_handlers(app: Flask) -> None:
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(Exception, handle_unexpected_error)
    app.register_error_handler(
        InvalidInput, lambda e: error_response(422, e.message, {e.location: e.errors})
    )
    app.register_error_handler(Conflict, lambda e: error_response(409, str(e)))
    app.register_error_handler(Moved, handle_moved)
    # A uniqueness or check constraint the service's own checks missed (a concurrent
    # write got there first): the request conflicts with what is stored.
    app.register_error_handler(IntegrityError, lambda e: error_response(
        409, "This conflicts with data saved meanwhile (a duplicate or an inconsistent "
             "value); nothing was saved. Check and try again."))
