"""`flask users create`: how doctors, curators and admins get their accounts."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from directory.accounts.models import Role, User
from directory.accounts.services import authenticate
from tests.factories import PASSWORD


@pytest.fixture
def create(app):
    def run(email: str, role: str = "doctor", *, stdin: bool = True, input: str = ""):
        args = ["users", "create", "--email", email, "--role", role]
        return app.test_cli_runner().invoke(
            args=args + (["--password-stdin"] if stdin else []), input=input)
    return run


def test_creates_an_account_with_the_password_from_stdin(create, session):
    result = create("Curator@Example.com", "curator", input=f"{PASSWORD}\n")
    assert result.exit_code == 0, result.output
    user = authenticate(session, "curator@example.com", PASSWORD)
    assert user is not None and user.role is Role.CURATOR
    assert result.output.strip() == f"Created curator account curator@example.com (id {user.id})."


def test_creates_an_account_with_the_prompted_password(create, session):
    result = create("admin@example.com", "admin", stdin=False, input=f"{PASSWORD}\n{PASSWORD}\n")
    assert result.exit_code == 0, result.output
    assert "Created admin account admin@example.com" in result.output
    assert PASSWORD not in result.output  # the prompt hides what is typed
    assert authenticate(session, "admin@example.com", PASSWORD).role is Role.ADMIN


def test_a_short_password_is_refused(create, session):
    result = create("doc@example.com", input="short\n")
    assert result.exit_code != 0
    assert "Use at least 10 characters." in result.output
    assert session.scalars(select(User)).all() == []


def test_a_taken_email_is_refused(create, session, user_factory):
    user_factory("doctor", email="doc@example.com")
    result = create("DOC@example.com", "admin", input=f"{PASSWORD}\n")
    assert result.exit_code != 0
    assert "An account with this email already exists." in result.output
    assert session.scalars(select(User.role)).all() == [Role.DOCTOR]


def test_an_unknown_role_is_refused(create, session):
    result = create("doc@example.com", "superuser", input=f"{PASSWORD}\n")
    assert result.exit_code == 2
    assert session.scalars(select(User)).all() == []
