"""Driving the HTML forms as a browser would: with the CSRF token the page rendered."""

from __future__ import annotations

import re
from html.parser import HTMLParser

from werkzeug.datastructures import MultiDict

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


class FormReader(HTMLParser):
    """The values a browser would submit from each form of a page."""

    def __init__(self, page: str):
        super().__init__()
        self.forms: list[tuple[dict, list]] = []
        self._select: tuple[str, list, list] | None = None  # name, options, selected
        self._textarea: list | None = None
        self.feed(page)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.forms.append((attrs, []))
        elif tag == "input" and "name" in attrs and self._submitted(attrs):
            self.forms[-1][1].append((attrs["name"], attrs.get("value", "")))
        elif tag == "select":
            self._select = (attrs["name"], [], [])
        elif tag == "option" and self._select:
            self._select[1].append(attrs.get("value", ""))
            if "selected" in attrs:
                self._select[2].append(attrs.get("value", ""))
        elif tag == "textarea":
            self._textarea = [attrs["name"], ""]

    def handle_data(self, data):
        if self._textarea:
            self._textarea[1] += data

    def handle_endtag(self, tag):
        if tag == "select" and self._select:
            name, options, selected = self._select
            self.forms[-1][1].append((name, (selected or options)[0]))
            self._select = None
        elif tag == "textarea" and self._textarea:
            name, text = self._textarea
            # Browsers drop the newline that follows <textarea>.
            self.forms[-1][1].append((name, text.removeprefix("\r\n").removeprefix("\n")))
            self._textarea = None

    @staticmethod
    def _submitted(attrs: dict) -> bool:
        if attrs.get("type") in ("checkbox", "radio"):
            return "checked" in attrs
        return attrs.get("type") != "submit"

    def form(self, label: str) -> MultiDict:
        """The values of the form with this aria-label (or action)."""
        for attrs, fields in self.forms:
            if label in (attrs.get("aria-label"), attrs.get("action")):
                return MultiDict(fields)
        raise AssertionError(f"no form {label!r} on the page")


def submit(client, path: str, form: str, changes: dict, action: str | None = None,
           target: str | None = None):
    """GET the page, then POST its form with `changes` (lists for checkboxes)."""
    page = client.get(path)
    assert page.status_code == 200, page.status_code
    data = FormReader(page.get_data(as_text=True)).form(form)
    for key, value in changes.items():
        data.setlist(key, value if isinstance(value, list) else [value])
    if action:
        data["action"] = action
    return client.post(target or path, data=data)


def text(response) -> str:
    """The page's text, whitespace collapsed, for reading what a person reads."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)))


def client_as(app, user=None):
    """A browser signed in as `user` (anonymous without one)."""
    client = app.test_client()
    if user is not None:
        with client.session_transaction() as cookie:
            cookie["_user_id"] = str(user.id)
            cookie["_fresh"] = True
    return client
