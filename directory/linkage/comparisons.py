"""Field by field, how well a row agrees with a trainer: one graded level per field.

Levels run from full agreement down to "differs"; a field either side leaves empty has no
level (None) and counts for nothing either way. Places (postal code, city, state) and the
street address are each one comparison, not three and two: a shared ZIP implies the city
and state, and counting each again would count the same evidence twice.
"""

from __future__ import annotations

from collections import Counter
from typing import NamedTuple

from rapidfuzz.distance import OSA, JaroWinkler

from directory.linkage.keys import Keys, Nicknames

# Each field's levels, best first. What each level is worth is learned (weights.py).
LEVELS: dict[str, tuple[str, ...]] = {
    "given": ("exact", "nickname", "typo", "similar", "initial", "differs"),
    "surname": ("exact", "part", "typo", "similar", "differs"),
    "place": ("postal", "city", "postal-typo", "city-similar", "state", "differs"),
    "address": ("exact", "near", "street", "number", "differs"),
    "email": ("exact", "differs"),
    "phone": ("exact", "differs"),
}
FIELDS = tuple(LEVELS)
TYPO_SIMILARITY = 0.93  # Jaro-Winkler: Smith/Smiht
SIMILAR_SIMILARITY = {"given": 0.85, "surname": 0.88}
PLACE_SIMILARITY = 0.9
STREET_SIMILARITY = 0.88
# A spelling this many trainers here use, and at least this share as common as the
# other, is another name (Andre and Andrew, Martin and Martinez), not a typo.
OTHER_NAME_MIN_COUNT = 2
OTHER_NAME_MIN_RATIO = 0.1


class Comparison(NamedTuple):
    """The level of each field, in FIELDS order, and whether the names were read the
    other way round (a row's first name in the trainer's last-name column)."""

    levels: tuple[str | None, ...]
    swapped: bool = False

    def level(self, field: str) -> str | None:
        return self.levels[FIELDS.index(field)]


class NameCounts(NamedTuple):
    """How many trainers use each given name and surname: tells typos from names."""

    given: Counter[str]
    surname: Counter[str]


def compare(row: Keys, trainer: Keys, nicknames: Nicknames, counts: NameCounts) -> Comparison:
    """Compare every field, reading the names the other way round if that fits better."""
    given, surname = name_levels(row.given, row.given_joined, row.surnames, trainer,
                                 nicknames, counts)
    swapped = False
    if "differs" in (given, surname) and _maybe_swapped(row, trainer):
        crossed = name_levels(row.surnames[0], "".join(row.surnames), (row.given,), trainer,
                              nicknames, counts)
        if "differs" not in crossed:
            (given, surname), swapped = crossed, True
    return Comparison((given, surname, place_level(row, trainer), address_level(row, trainer),
                       _exact(row.email, trainer.email), _exact(row.phone, trainer.phone)),
                      swapped)


def name_levels(given: str, given_joined: str, surnames: tuple[str, ...], trainer: Keys,
                nicknames: Nicknames, counts: NameCounts) -> tuple[str | None, str | None]:
    return (given_level(given, given_joined, trainer, nicknames, counts.given),
            surname_level(surnames, trainer, counts.surname))


def given_level(given: str, joined: str, trainer: Keys, nicknames: Nicknames,
                counts: Counter[str]) -> str | None:
    if not given or not trainer.given:
        return None
    theirs = {trainer.given, trainer.given_joined}
    if given in theirs or joined in theirs:  # also a name split in two: "Ly Dia", Lydia
        return "exact"
    if not nicknames.groups(given).isdisjoint(trainer.groups):
        return "nickname"
    if len(given) == 1 or len(trainer.given) == 1:
        return "initial" if given[0] == trainer.given[0] else "differs"
    return _variant_level("given", joined, trainer.given_joined, counts)


def surname_level(surnames: tuple[str, ...], trainer: Keys,
                  counts: Counter[str]) -> str | None:
    if not surnames or not trainer.surnames:
        return None
    ours, theirs = "".join(surnames), trainer.surname  # also O Brien, OBrien
    if ours == theirs:
        return "exact"
    if set(surnames).intersection(trainer.surnames):
        return "part"  # hyphenated or maiden names
    level = _variant_level("surname", ours, theirs, counts)
    if level == "differs" and (len(surnames) > 1 or len(trainer.surnames) > 1):
        parts = [_variant_level("surname", a, b, counts)
                 for a in surnames for b in trainer.surnames]
        level = min(parts, key=LEVELS["surname"].index)
    return level


def _variant_level(part: str, ours: str, theirs: str, counts: Counter[str]) -> str:
    """A spelling that differs: a typo, similar, or another name altogether."""
    if _another_name(ours, theirs, counts):
        return "differs"
    # One edit is a typo even where Jaro-Winkler is low (Wstson, Watson; Zqc, Zac), if
    # the name is not too short to be another name (Ben, Ken).
    similarity = JaroWinkler.similarity(ours, theirs)
    shortest = min(len(ours), len(theirs))
    if similarity >= TYPO_SIMILARITY or (OSA.distance(ours, theirs) <= 1 and (
            shortest >= 4 or (shortest == 3 and ours[0] == theirs[0]))):
        return "typo"
    return "similar" if similarity >= SIMILAR_SIMILARITY[part] else "differs"


def _another_name(ours: str, theirs: str, counts: Counter[str]) -> bool:
    """Whether a spelling is a name in its own right here rather than a typo."""
    count = counts[ours]
    return count >= OTHER_NAME_MIN_COUNT and count >= OTHER_NAME_MIN_RATIO * counts[theirs]


def place_level(row: Keys, trainer: Keys) -> str | None:
    zips = row.postal_code and trainer.postal_code
    states_agree = not (row.state and trainer.state) or row.state == trainer.state
    cities = row.city and trainer.city and states_agree
    if zips and row.postal_code == trainer.postal_code:
        return "postal"
    if cities and row.city == trainer.city:
        return "city"
    if zips and states_agree and OSA.distance(row.postal_code, trainer.postal_code) <= 1:
        return "postal-typo"
    if cities and JaroWinkler.similarity(row.city, trainer.city) >= PLACE_SIMILARITY:
        return "city-similar"
    if row.state and trainer.state:
        return "state" if states_agree else "differs"
    return "differs" if zips or (row.city and trainer.city) else None


def address_level(row: Keys, trainer: Keys) -> str | None:
    numbers = row.street_number and trainer.street_number
    same_number = numbers and row.street_number == trainer.street_number
    if not (row.street and trainer.street):
        return None
    if row.street == trainer.street:
        return "exact" if same_number else "street" if numbers else "near"
    similar = JaroWinkler.similarity(row.street, trainer.street) >= STREET_SIMILARITY
    if similar:
        return "near" if same_number else "street"
    return "number" if same_number else "differs"


def _exact(ours: str | None, theirs: str | None) -> str | None:
    if not ours or not theirs:
        return None
    return "exact" if ours == theirs else "differs"


def _maybe_swapped(row: Keys, trainer: Keys) -> bool:
    """A cheap test that reading the row's names the other way round could fit."""
    return bool(row.surnames and row.given and trainer.given and trainer.surnames) and \
        (row.surnames[0][0] == trainer.given[0] or row.given[0] == trainer.surnames[0][0])
