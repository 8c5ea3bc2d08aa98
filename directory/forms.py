"""What the web forms of every package share."""

from collections.abc import Callable
from typing import TypeVar

from directory.errors import Conflict, InvalidInput, message_lines
from directory.extensions import db

T = TypeVar("T")


def strip(value):
    """A WTForms filter: text without the spaces around it; anything else as it is."""
    return value.strip() if isinstance(value, str) else value


def attempt(action: Callable[[], T]) -> tuple[T | None, list[str], int]:
    """Run a page's write and commit it: (its result, [], 200), or, refused, rolled back
    with the refusal's lines and status (422 invalid, 409 conflicting)."""
    try:
        result = action()
        db.session.commit()
    except InvalidInput as error:
        db.session.rollback()
        return None, message_lines(list(error.errors.values())), 422
    except Conflict as error:
        db.session.rollback()
        return None, [str(error)], 409
    return result, [], 200
