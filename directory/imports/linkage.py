"""Record linkage: is an imported credential holder a trainer the directory already has?

Blocking finds the few trainers worth comparing (shared surname or sound-alike surname
with a compatible first initial, the same postal code, email or phone); each is scored
field by field in bits of evidence, Fellegi-Sunter style: agreement on a common name
("John Smith") counts for less than on a rare one, measured in this directory. Only a
confident, corroborated and unambiguous best candidate links automatically: a wrong
link tells patients an unqualified trainer is qualified, so doubt goes to a curator.

Pure: no database, no Flask. `directory.imports.services` feeds it rows and trainers.
"""

from __future__ import annotations

import math
import re
import tomllib
import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from rapidfuzz.distance import JaroWinkler

from directory.geo.gazetteer import normalize_place_name

# Bits of evidence a candidate needs to link on its own, to reach the review queue at all,
# and the lead it needs over the runner-up. Tuned on the truth set in docs/import.md.
LINK_BITS = 20.0
REVIEW_BITS = 10.0
CLEAR_LEAD_BITS = 6.0
# A row holding a known credential number must name its holder at least this well:
# a typo or a nickname passes, a different person goes to review.
SAME_NAME_BITS = 4.0
# Confidence shown to curators: the bits through a logistic, centred here.
CONFIDENCE_MIDPOINT_BITS = 12.0
MAX_NAME_BITS = 16.0
# A name the directory has never seen is taken to be about this common (pseudo-counts),
# so a tiny directory does not make every name look unique.
SURNAME_PSEUDO_POPULATION = 10_000
GIVEN_NAME_PSEUDO_POPULATION = 1_000
# Posting lists longer than this are not worth walking (email and phone never are).
MAX_BLOCK = 3_000
SUFFIXES = {"jr", "sr", "ii", "iii", "iv"}
US_PHONE_DIGITS = 10


class Outcome(StrEnum):
    LINK = "link"
    REVIEW = "review"
    NEW = "new"


@dataclass(frozen=True, slots=True)
class Person:
    """What linkage compares, from a directory trainer or an import row."""

    first_name: str
    last_name: str
    email: str | None = None
    phone: str | None = None
    city: str | None = None
    state: str | None = None
    postal_code: str | None = None


@dataclass(frozen=True, slots=True)
class Keys:
    """A person's fields folded for comparison: no accents, case or punctuation."""

    given: str  # first word of the first name; may be a lone initial
    surnames: tuple[str, ...]  # every word of the last name ("garcia", "lopez")
    initials: frozenset[str]  # of the given name and of its nickname group's names
    groups: frozenset[int]  # nickname groups of the given name
    email: str | None
    phone: str | None
    postal_code: str | None
    city: str | None
    state: str | None
    name: str  # display form, for reasons


@dataclass
class Candidate:
    trainer_id: int
    bits: float
    reasons: list[str]
    corroborated: bool  # something beyond the name agrees: postal code, city, email, phone
    conflicts: list[str] = field(default_factory=list)

    @property
    def confidence(self) -> float:
        return round(1 / (1 + 2 ** (CONFIDENCE_MIDPOINT_BITS - self.bits)), 3)


@dataclass
class Decision:
    outcome: Outcome
    candidates: list[Candidate]  # best first; the one linked, or those to review
    reasons: list[str]

    @property
    def best(self) -> Candidate | None:
        return self.candidates[0] if self.candidates else None


class Nicknames:
    """Groups of given names that name the same person (data/nicknames.toml)."""

    def __init__(self, groups: list[list[str]]):
        self.groups_of: dict[str, set[int]] = defaultdict(set)
        self.names: list[list[str]] = []
        for number, names in enumerate(groups):
            folded = [fold(n) for n in names]
            self.names.append(folded)
            for name in folded:
                self.groups_of[name].add(number)

    @classmethod
    def from_file(cls, path: Path) -> Nicknames:
        return cls(tomllib.loads(path.read_text(encoding="utf-8"))["groups"])

    def groups(self, given: str) -> frozenset[int]:
        return frozenset(self.groups_of.get(given, ()))

    def initials(self, given: str, groups: frozenset[int]) -> frozenset[str]:
        letters = {given[:1]} | {name[:1] for g in groups for name in self.names[g]}
        return frozenset(letters - {""})


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


def person_keys(person: Person, nicknames: Nicknames) -> Keys:
    first_words = [w for w in fold(person.first_name).split() if w not in SUFFIXES]
    surnames = tuple(w for w in fold(person.last_name).split() if w not in SUFFIXES)
    given = first_words[0] if first_words else ""
    groups = nicknames.groups(given)
    postal = re.sub(r"\D", "", person.postal_code or "")[:5] or None
    return Keys(
        given=given, surnames=surnames, initials=nicknames.initials(given, groups),
        groups=groups, email=(person.email or "").strip().casefold() or None,
        phone=digits(person.phone), postal_code=postal,
        city=normalize_place_name(person.city) if person.city else None,
        state=(person.state or "").strip().upper() or None,
        name=f"{person.first_name} {person.last_name}".strip(),
    )


def blocking_keys(keys: Keys, swapped: bool = False) -> set[str]:
    """The blocks a person belongs to; `swapped` reads their names the other way round."""
    if swapped:
        surnames, initials = (keys.given,), frozenset(s[:1] for s in keys.surnames)
    else:
        surnames, initials = keys.surnames, keys.initials
    found = set()
    for surname in surnames:
        if len(surname) < 2:
            continue
        for initial in initials:
            found.add(f"n:{surname}:{initial}")
            found.add(f"s:{soundex(surname)}:{initial}")
    if not swapped:
        if keys.postal_code:
            found.update(f"z:{keys.postal_code}:{initial}" for initial in initials)
        if keys.email:
            found.add(f"e:{keys.email}")
        if keys.phone:
            found.add(f"p:{keys.phone}")
    return found


class LinkageIndex:
    """The directory as linkage sees it: folded keys, blocks and name frequencies."""

    def __init__(self, nicknames: Nicknames):
        self.nicknames = nicknames
        self.people: dict[int, Keys] = {}
        self.held: dict[int, dict[str, str]] = defaultdict(dict)  # certification -> number
        self.blocks: dict[str, list[int]] = defaultdict(list)
        self.surname_counts: Counter[str] = Counter()
        self.given_counts: Counter[str] = Counter()

    def add(self, trainer_id: int, person: Person) -> Keys:
        keys = person_keys(person, self.nicknames)
        self.people[trainer_id] = keys
        for key in blocking_keys(keys):
            self.blocks[key].append(trainer_id)
        self.surname_counts[" ".join(keys.surnames)] += 1
        for surname in keys.surnames:
            if len(keys.surnames) > 1:
                self.surname_counts[surname] += 1
        self.given_counts[keys.given] += 1
        return keys

    def hold(self, trainer_id: int, certification: str, number: str) -> None:
        """Note a credential the trainer holds, so a different number for the same
        certification reads as a warning sign rather than a match."""
        self.held[trainer_id].setdefault(certification, number)

    def decide(self, person: Person, certification: str | None = None,
               number: str | None = None) -> Decision:
        """Link to one trainer, send to review with the likely ones, or call it new."""
        keys = person_keys(person, self.nicknames)
        scored = sorted((self.compare(keys, trainer_id, certification, number)
                         for trainer_id in self._candidates(keys)),
                        key=lambda c: (-c.bits, c.trainer_id))
        plausible = [c for c in scored if c.bits >= REVIEW_BITS]
        if not plausible:
            return Decision(Outcome.NEW, [], ["no trainer in the directory is a likely match"])
        best, rest = plausible[0], plausible[1:]
        doubts = []
        if best.bits < LINK_BITS:
            doubts.append(f"evidence {best.bits:.1f} bits is below the {LINK_BITS:.0f} "
                          "needed to link without review")
        if not best.corroborated:
            doubts.append("only the name agrees: no postal code, city, email or phone")
        if rest and best.bits - rest[0].bits < CLEAR_LEAD_BITS:
            doubts.append(f"{len(rest)} other trainer(s) match almost as well")
        doubts += best.conflicts
        if doubts:
            return Decision(Outcome.REVIEW, plausible[:5], doubts)
        return Decision(Outcome.LINK, [best], best.reasons)

    def same_name(self, person: Person, trainer_id: int) -> tuple[bool, str]:
        """Whether a row plausibly names this trainer (either way round), and their name."""
        row, trainer = person_keys(person, self.nicknames), self.people[trainer_id]
        bits = max(self._name_bits(row.given, row.surnames, trainer)[0],
                   self._name_bits(" ".join(row.surnames), (row.given,), trainer)[0] - 1.5)
        return bits >= SAME_NAME_BITS, trainer.name

    def compare(self, row: Keys, trainer_id: int, certification: str | None = None,
                number: str | None = None) -> Candidate:
        """Score one trainer against a row, in bits, with the reasons in words."""
        trainer = self.people[trainer_id]
        straight = self._name_bits(row.given, row.surnames, trainer)
        crossed = self._name_bits(" ".join(row.surnames), (row.given,), trainer)
        crossed_bits = crossed[0] - 1.5
        if crossed_bits > straight[0]:
            bits, reasons = crossed_bits, [*crossed[1], "first and last names are swapped"]
        else:
            bits, reasons = straight
        place_bits, place_reasons, place_corroborates = _place_bits(row, trainer)
        contact_bits, contact_reasons, contact_corroborates = _contact_bits(row, trainer)
        conflicts = []
        held = self.held.get(trainer_id, {}).get(certification) if certification else None
        if held is not None and number is not None and held != number:
            conflicts.append(f"the trainer already holds {certification} under number {held}")
        return Candidate(trainer_id, round(bits + place_bits + contact_bits, 2),
                         reasons + place_reasons + contact_reasons,
                         place_corroborates or contact_corroborates, conflicts)

    def _candidates(self, keys: Keys) -> set[int]:
        found: set[int] = set()
        for key in blocking_keys(keys) | blocking_keys(keys, swapped=True):
            block = self.blocks.get(key, ())
            if len(block) <= MAX_BLOCK or key[0] in "ep":
                found.update(block)
        return found

    def _name_bits(self, given: str, surnames: tuple[str, ...],
                   trainer: Keys) -> tuple[float, list[str]]:
        surname_bits, surname_reason = self._surname_bits(surnames, trainer)
        given_bits, given_reason = self._given_bits(given, trainer)
        return surname_bits + given_bits, [r for r in (surname_reason, given_reason) if r]

    def _surname_bits(self, surnames: tuple[str, ...], trainer: Keys) -> tuple[float, str]:
        if not surnames or not trainer.surnames:
            return 0.0, ""
        full = self._weight(self.surname_counts[" ".join(trainer.surnames)],
                            SURNAME_PSEUDO_POPULATION)
        if surnames == trainer.surnames:
            return full, "last name matches"
        shared = set(surnames) & set(trainer.surnames)
        if shared:
            part = max(self._weight(self.surname_counts[s], SURNAME_PSEUDO_POPULATION)
                       for s in shared)
            return part - 2.0, "last names share a part (hyphenated or maiden name)"
        similarity = max(JaroWinkler.similarity(" ".join(surnames), " ".join(trainer.surnames)),
                         *(JaroWinkler.similarity(a, b) for a in surnames
                           for b in trainer.surnames))
        if similarity >= 0.93:
            return full - 3.0, "last name differs by a typo"
        if similarity >= 0.88:
            return max(1.0, full - 6.0), "last name is similar"
        return -8.0, "last name differs"

    def _given_bits(self, given: str, trainer: Keys) -> tuple[float, str]:
        if not given or not trainer.given:
            return 0.0, ""
        full = self._weight(self.given_counts[trainer.given], GIVEN_NAME_PSEUDO_POPULATION)
        if given == trainer.given:
            return full, "first name matches"
        if self.nicknames.groups(given) & trainer.groups:
            return full - 1.5, "first name is a nickname of the other"
        if len(given) == 1 or len(trainer.given) == 1:
            if given[0] == trainer.given[0]:
                return 2.0, "first name is given only as its initial"
            return -7.0, "first initial differs"
        similarity = JaroWinkler.similarity(given, trainer.given)
        if similarity >= 0.93:
            return full - 2.5, "first name differs by a typo"
        if similarity >= 0.85:
            return max(0.5, full - 5.0), "first name is similar"
        return -7.0, "first name differs"

    def _weight(self, count: int, pseudo_population: int) -> float:
        """Bits for agreeing on a name this common: log2(m/u), u its smoothed share."""
        share = (count + 1) / (len(self.people) + pseudo_population)
        return min(MAX_NAME_BITS, math.log2(0.95 / share))


def _place_bits(row: Keys, trainer: Keys) -> tuple[float, list[str], bool]:
    if row.postal_code and row.postal_code == trainer.postal_code:
        return 9.0, [f"postal code {row.postal_code} matches"], True
    if row.city and row.state and (row.city, row.state) == (trainer.city, trainer.state):
        return 2.0, ["same city, another postal code"], True
    if row.state and trainer.state:
        if row.state == trainer.state:
            return -1.0, ["same state, another city"], False
        return -4.0, [f"another state ({row.state}, directory has {trainer.state})"], False
    return 0.0, [], False


def _contact_bits(row: Keys, trainer: Keys) -> tuple[float, list[str], bool]:
    bits, reasons, corroborated = 0.0, [], False
    if row.email and trainer.email:
        if row.email == trainer.email:
            bits, corroborated = bits + 14.0, True
            reasons.append("email matches")
        else:
            bits -= 1.5
            reasons.append("email differs")
    if row.phone and trainer.phone:
        if row.phone == trainer.phone:
            bits, corroborated = bits + 12.0, True
            reasons.append("phone matches")
        else:
            bits -= 1.0
            reasons.append("phone differs")
    return bits, reasons, corroborated
