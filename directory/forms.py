"""What the web forms of every package share."""

import re
from collections.abc import Callable
from typing import TypeVar

from directory.errors import Conflict, InvalidInput, message_lines
from directory.extensions import db

T = TypeVar("T")


# marshmallow's own messages as a form beside its field says them.
PLAIN = {
    "Missing data for required field.": "Fill this in.",
    "Not a valid integer.": "Enter a whole number.",
    "Not a valid number.": "Enter a number.",
    "Not a valid date.": "Enter a date.",
    "Not a valid email address.": "Enter an email address, like name@example.com.",
    "Not a valid string.": "Enter text.",
    "Not a valid boolean.": "Tick it or leave it.",
    "Field may not be null.": "Fill this in.",
}
PLAIN_PATTERNS = (
    (re.compile(r"Must be greater than or equal to (\S+) and less than or equal to (\S+)\."),
     r"Enter a value from \1 to \2."),
    (re.compile(r"Must be greater than or equal to (\S+)\."), r"Enter \1 or more."),
    (re.compile(r"Must be less than or equal to (\S+)\."), r"Enter \1 or less."),
    (re.compile(r"Length must be between 1 and (\d+)\."), r"Fill this in (at most \1 characters)."),
    (re.compile(r"Longer than maximum length (\d+)\."), r"Use at most \1 characters."),
    (re.compile(r"Must be one of: .*"), "Choose one of the options."),
)


def plain(message: str) -> str:
    """A schema's message in the words a form shows beside its field."""
    if message in PLAIN:
        return PLAIN[message]
    for pattern, words in PLAIN_PATTERNS:
        if pattern.fullmatch(message):
            return pattern.sub(words, message)
    return message


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
