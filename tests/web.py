"""Driving the HTML forms as a browser would: with the CSRF token the page rendered."""

from __future__ import annotations

import re

from tests.factories import PASSWORD

CSRF_FIELD = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_token(client, path: str) -> str:
    page = client.get(path)
    match = CSRF_FIELD.search(page.get_data(as_text=True))
    assert match, f"no CSRF token on {path} ({page.status_code})"
    return match.group(1)


def post_form(client, path: str, data: dict, **kwargs):
    """GET the page for its CSRF token, then POST the form to it."""
    return client.post(path, data={"csrf_token": csrf_token(client, path), **data}, **kwargs)


def sign_in(client, email: str, password: str = PASSWORD, path: str = "/login"):
    return post_form(client, path, {"email": email, "password": password})
