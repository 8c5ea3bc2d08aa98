"""A person's fields folded for comparison: no accents, case, punctuation or formatting."""

from __future__ import annotations

import re
import tomllib
import unicodedata
from collections import defaultdict
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path
from typing import NamedTuple

import jellyfish

from directory.geo.gazetteer import normalize_place_name

SUFFIXES = {"jr", "sr", "ii", "iii", "iv"}
US_PHONE_DIGITS = 10
# Street types as lists write them, to one spelling, so "Oak St" meets "Oak Street".
STREET_TYPES = {
    "street": "st", "str": "st", "avenue": "ave", "av": "ave", "road": "rd",
    "drive": "dr", "lane": "ln", "court": "ct", "place": "pl", "crescent": "cres",
    "circuit": "cct", "boulevard": "blvd", "parade": "pde", "terrace": "tce",
    "highway": "hwy", "close": "cl", "way": "wy", "square": "sq", "parkway": "pkwy",
}


@dataclass(frozen=True, slots=True)
class Person:
    """What linkage compares, from a directory trainer or an import row."""

    first_name: str | None
    last_name: str | None
    email: str | None = None
    phone: str | None = None
    city: str | None = None
    state: str | None = None
    postal_code: str | None = None
    address_line: str | None = None


# A Person's fields are the trainer's columns of the same names.
PERSON_FIELDS = tuple(Person.__dataclass_fields__)


class Keys(NamedTuple):
    """A person's fields folded for comparison."""

    given: str  # first word of the first name; may be a lone initial or empty
    given_joined: str  # every word of the first name run together ("ly dia": "lydia")
    surnames: tuple[str, ...]  # every word of the last name ("garcia", "lopez")
    groups: frozenset[int]  # nickname groups of the given name
    email: str | None
    phone: str | None
    postal_code: str | None
    city: str | None
    state: str | None
    street_number: str | None  # "12", "12a"
    street: str | None  # the street's name without its type: "pinkerton"
    name: str  # display form, for reasons

    @property
    def surname(self) -> str:
        """The whole last name run together: "o brien" and "obrien" are one."""
        return "".join(self.surnames)


class Nicknames:
    """Groups of given names that name the same person (data/nicknames.toml)."""

    def __init__(self, groups: list[list[str]]):
        self.groups_of: dict[str, set[int]] = defaultdict(set)
        self._groups: dict[str, frozenset[int]] = {}  # worked out once per name
        for number, names in enumerate(groups):
            for name in names:
                self.groups_of[fold(name)].add(number)

    @classmethod
    def from_file(cls, path: Path) -> Nicknames:
        return cls(tomllib.loads(path.read_text(encoding="utf-8"))["groups"])

    def groups(self, given: str) -> frozenset[int]:
        if (found := self._groups.get(given)) is None:
            found = self._groups[given] = frozenset(self.groups_of.get(given, ()))
        return found


@cache
def nicknames(data_dir: str) -> Nicknames:
    """The data directory's nickname groups, read once."""
    return Nicknames.from_file(Path(data_dir) / "nicknames.toml")


# Names and places repeat a lot across a directory: fold each spelling once.
@lru_cache(maxsize=200_000)
def fold(text: str | None) -> str:
    """Lower-case ASCII words: 'Núñez' -> 'nunez', "O'Brien" -> 'obrien'."""
    if not text:
        return ""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    plain = re.sub(r"['.`’]", "", plain)
    return " ".join(re.sub(r"[^a-z0-9]+", " ", plain).split())


def digits(text: str | None) -> str | None:
    """The last ten digits of a phone number (drops a leading US country code)."""
    found = re.sub(r"\D", "", text or "")
    return found[-US_PHONE_DIGITS:] if len(found) >= US_PHONE_DIGITS else None


@lru_cache(maxsize=200_000)
def soundex(word: str) -> str:
    """American Soundex: sound-alike surnames share a code (Smith, Smyth: S530)."""
    codes = {**dict.fromkeys("bfpv", "1"), **dict.fromkeys("cgjkqsxz", "2"),
             **dict.fromkeys("dt", "3"), "l": "4", **dict.fromkeys("mn", "5"), "r": "6"}
    letters = [c for c in word if c.isalpha()]
    if not letters:
        return ""
    result, previous = letters[0], codes.get(letters[0], "")
    for letter in letters[1:]:
        code = codes.get(letter, "")
        if code and code != previous:
            result += code
        if letter not in "hw":  # h and w do not separate equal codes
            previous = code
    return (result + "000")[:4]


@lru_cache(maxsize=200_000)
def nysiis(word: str) -> str:
    """NYSIIS: a phonetic code that, unlike Soundex, forgives a wrong first letter
    (Knight, Night) and vowel typos in the middle of a name."""
    return jellyfish.nysiis(word) if word else ""


def person_keys(person: Person, nicknames: Nicknames) -> Keys:
    first_words = _words(person.first_name)
    given = first_words[0] if first_words else ""
    number, street = _street(person.address_line)
    return Keys(
        given=given, given_joined="".join(first_words), surnames=_words(person.last_name),
        groups=nicknames.groups(given), email=(person.email or "").strip().casefold() or None,
        phone=digits(person.phone), postal_code=_postal_code(person.postal_code),
        city=_place_name(person.city) if person.city else None,
        state=(person.state or "").strip().upper() or None,
        street_number=number, street=street,
        name=f"{person.first_name or ''} {person.last_name or ''}".strip(),
    )


@lru_cache(maxsize=200_000)
def _words(name: str | None) -> tuple[str, ...]:
    return tuple(w for w in fold(name).split() if w not in SUFFIXES)


@lru_cache(maxsize=100_000)
def _postal_code(text: str | None) -> str | None:
    return re.sub(r"\D", "", text or "")[:5] or None


@lru_cache(maxsize=200_000)
def _street(address_line: str | None) -> tuple[str | None, str | None]:
    """The house number and the street's name: "12 Pinkerton Circuit" -> 12, pinkerton."""
    words = fold(address_line).split()
    number = words.pop(0) if words and any(c.isdigit() for c in words[0]) else None
    words = [w for w in words if STREET_TYPES.get(w, w) not in STREET_TYPES.values()] or words
    return number, "".join(words) or None


_place_name = lru_cache(maxsize=100_000)(normalize_place_name)
