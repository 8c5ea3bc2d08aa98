"""Forgiving name lookup shared by the catalogs: exact names first, then close spellings."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar

from rapidfuzz import fuzz, process, utils

T = TypeVar("T")
# A spelling this close (0-100, edit-distance ratio of the whole names) to one entry is
# taken as meaning it, if the runner-up naming another entry is at least CLEAR_LEAD behind.
ACCEPT_SCORE = 80
CLEAR_LEAD = 5
# Looser (partial and reordered words count) for suggestions in an error message.
SUGGEST_SCORE = 70


@dataclass(frozen=True)
class Lookup(Generic[T]):
    found: T | None
    matched_name: str | None  # the catalog name the text was read as
    suggestions: list[str]


def fuzzy_lookup(text: str, names: dict[str, T]) -> Lookup[T]:
    """Find the entry `text` names: an exact name (any case), or one clear close spelling."""
    wanted = text.strip().casefold()
    for name, entry in names.items():
        if name.casefold() == wanted:
            return Lookup(entry, name, [])
    close = process.extract(text, list(names), scorer=fuzz.ratio,
                            processor=utils.default_process, limit=10,
                            score_cutoff=ACCEPT_SCORE)
    if close:
        best_name, best_score, _ = close[0]
        rivals = [score for name, score, _ in close[1:] if names[name] != names[best_name]]
        if not rivals or best_score - rivals[0] >= CLEAR_LEAD:
            return Lookup(names[best_name], best_name, [])
    # Acronyms ("RA", "MS") match parts of anything, so they are not suggested.
    loose = process.extract(text, [n for n in names if len(n) > 3], scorer=fuzz.WRatio,
                            processor=utils.default_process, limit=20,
                            score_cutoff=SUGGEST_SCORE)
    # One suggestion per entry, under the name that came closest.
    by_entry = {}
    for name, _, _ in loose:
        by_entry.setdefault(names[name], name)
    return Lookup(None, None, list(by_entry.values())[:3])
