"""Text no database or page can hold, refused wherever input comes in."""

from __future__ import annotations

import re

# Lone UTF-16 surrogates: JSON's "\ud800" decodes to one, which is not Unicode text.
SURROGATE = re.compile("[\ud800-\udfff]")


def text_problem(text: str) -> str | None:
    """Why `text` cannot be stored, in words, or None when it can."""
    if "\x00" in text:
        return "holds a NUL character"  # PostgreSQL refuses them in text
    if SURROGATE.search(text):
        return "holds an invalid character (a lone UTF-16 surrogate)"
    return None


def printable(text: str) -> str:
    """`text` with what cannot be stored shown as U+FFFD, to keep a refused value."""
    return SURROGATE.sub("\ufffd", text.replace("\x00", "\ufffd"))
