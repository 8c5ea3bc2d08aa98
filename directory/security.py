"""Protections every response gets: headers, request ids, and checks of the config."""

from __future__ import annotations

import json
import logging
import re
import uuid

from flask import Flask, Response, abort, current_app, g, request
from flask_login import current_user
from werkzeug.middleware.proxy_fix import ProxyFix

from directory.config import DEV_SECRET_KEY
from directory.text import SURROGATE, text_problem

# No inline script or style anywhere: pages ship their assets from /static.
CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'", "script-src 'self'", "style-src 'self'", "img-src 'self' data:",
    "object-src 'none'", "base-uri 'self'", "form-action 'self'", "frame-ancestors 'none'",
])
REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
# Far deeper than any body the API takes (a referral's prescription is 4 levels).
MAX_JSON_DEPTH = 32
# gunicorn reads request lines up to 8,190 bytes (gunicorn.conf.py) and answers longer
# ones itself; between this and that the app answers, as JSON for the API.
MAX_ADDRESS_LENGTH = 4096
# Served by flask-smorest, not by our views: the OpenAPI document is public.
PUBLIC_LIBRARY_ENDPOINTS = {"static", "api-docs.openapi_json"}
NEVER_CACHED_ENDPOINTS = {"auth.Tokens", "accounts.login", "accounts.register",
                          "accounts.reset_password"}
# Pages whose URL holds a secret: not even this site gets it back as a Referer.
NO_REFERRER_ENDPOINTS = {"accounts.reset_password"}


class RedactQueryStrings(logging.Filter):
    """Drop query strings from access logs: searches carry conditions and places."""

    QUERY = re.compile(r"\?[^\s\"]*")

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = self.QUERY.sub("?[redacted]", record.getMessage())
        record.args = ()
        return True


class InsecureConfiguration(RuntimeError):
    """The app refuses to start in production with development settings."""


def check_production_config(app: Flask) -> None:
    if app.config["ENV_NAME"] != "production":
        return
    secret = app.config["SECRET_KEY"]
    if not secret or secret == DEV_SECRET_KEY or len(secret) < 32:
        raise InsecureConfiguration(
            "Refusing to start in production with the development SECRET_KEY: set "
            "SECRET_KEY to a random value of at least 32 characters.")
    if not app.config["SITE_URL"].startswith("https://"):
        # Emails and one-time reset links are built on it.
        raise InsecureConfiguration(
            "Refusing to start in production without an https SITE_URL: set it to the "
            "address people reach this site at, e.g. https://referfit.example.org.")


def refuse_hostile_input() -> None:
    """A 400 naming the problem for input no view should meet: a JSON body nested too
    deeply (it would exhaust the parser's recursion), and NUL characters or lone
    surrogates in the query string, a plain form or a JSON body; and a 414 for an
    address longer than any page or search needs."""
    if len(request.full_path) > MAX_ADDRESS_LENGTH:
        abort(414, f"The address is longer than {MAX_ADDRESS_LENGTH:,} characters; "
                   "shorten the query.")
    _check_texts("query string", request.args)
    if request.mimetype == "application/x-www-form-urlencoded" or (
            request.mimetype == "multipart/form-data" and not _takes_uploads()):
        _check_texts("form", request.form)
    if request.is_json and (raw := request.get_data(cache=True)):
        try:
            body = json.loads(raw)
        except RecursionError:
            abort(400, f"The JSON body is nested more than {MAX_JSON_DEPTH} levels deep.")
        except ValueError:
            return  # not JSON at all: the view's parser says what is wrong
        check_json_value(body)


def _takes_uploads() -> bool:
    """Whether this request's view takes file uploads (imports.views.allows_upload): it
    raises the size limit first, then checks the form itself (check_upload_fields)."""
    view = current_app.view_functions.get(request.endpoint)
    handler = getattr(getattr(view, "view_class", None), request.method.lower(), view)
    return getattr(handler, "takes_uploads", False)


def check_upload_fields() -> None:
    """The same for a multipart form's fields, once the upload's own size limit is set."""
    _check_texts("form", request.form)


def _check_texts(where: str, values) -> None:
    for name, value in values.items(multi=True):
        if (problem := text_problem(name) or text_problem(value)) is not None:
            abort(400, f"The {where} field {_printable(name)} {problem}.")


def check_json_value(value) -> None:
    """Walk a JSON value (without recursion: it may be deep) for depth and bad text."""
    pending = [(value, "body", 1)]
    while pending:
        item, path, depth = pending.pop()
        if depth > MAX_JSON_DEPTH:
            abort(400, f"The JSON body is nested more than {MAX_JSON_DEPTH} levels deep.")
        if isinstance(item, dict):
            for key, child in item.items():
                if (problem := text_problem(key)) is not None:
                    abort(400, f"A key in the JSON {path} {problem}.")
                pending.append((child, f"{path}.{_printable(key)}", depth + 1))
        elif isinstance(item, list):
            pending.extend((child, f"{path}.{index}", depth + 1)
                           for index, child in enumerate(item))
        elif isinstance(item, str) and (problem := text_problem(item)) is not None:
            abort(400, f"The JSON value at {path} {problem}.")


def _printable(name: str) -> str:
    return repr(SURROGATE.sub("?", name.replace("\x00", "?"))[:60])


def assign_request_id() -> None:
    given = request.headers.get("X-Request-ID", "")
    g.request_id = given if REQUEST_ID.match(given) else uuid.uuid4().hex


def add_security_headers(response: Response) -> Response:
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers["X-Content-Type-Options"] = "nosniff"
    headers["X-Frame-Options"] = "DENY"
    headers["Referrer-Policy"] = "no-referrer" if request.endpoint in NO_REFERRER_ENDPOINTS \
        else "same-origin"
    if request.is_secure:
        headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
    if "request_id" in g:
        headers["X-Request-ID"] = g.request_id
    if (current_user and current_user.is_authenticated) or \
            request.endpoint in NEVER_CACHED_ENDPOINTS:
        # Answers for an account can hold health details, and a token answer holds a
        # secret: keep them out of every cache.
        headers["Cache-Control"] = "no-store"
    return response


def check_view_authorized(response: Response) -> Response:
    """In testing, fail any successful view that never asked `authorize`."""
    if (request.endpoint not in PUBLIC_LIBRARY_ENDPOINTS | {None} and response.status_code < 400
            and not g.get("authorized")):
        raise AssertionError(f"View {request.endpoint} answered without calling authorize().")
    return response


def register_security(app: Flask) -> None:
    check_production_config(app)
    if proxies := app.config["TRUSTED_PROXIES"]:
        # The client's address (rate limits) and scheme (HSTS, Secure cookies) as the
        # trusted proxies saw them.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)
    access_log = logging.getLogger("werkzeug")
    if not any(isinstance(f, RedactQueryStrings) for f in access_log.filters):
        access_log.addFilter(RedactQueryStrings())
    app.before_request(assign_request_id)
    app.before_request(refuse_hostile_input)
    app.after_request(add_security_headers)
    if app.config.get("TESTING"):
        app.after_request(check_view_authorized)
