"""Record linkage: is an imported credential holder a trainer the directory already has?

Blocking finds the few trainers worth comparing: the same surname (or a Soundex
sound-alike) with the same given name or nickname group (Bob meets Robert), the surname
with a sound-alike given name (typos) or, for a row giving only an initial, with that
initial; the same ZIP and given name (typos in a surname's first letter); the same email
or phone; and the names read the other way round. A row meets a few dozen trainers at
most, never the whole directory.

Each candidate is scored field by field in bits of evidence, Fellegi-Sunter style:
agreeing on a value scores log2(m/u), m how often the same person's records agree on it,
u how often two people's do by chance, measured in this directory. So "John Smith" or a
Manhattan ZIP counts for less than a rare name or a small town's ZIP, and an email shared
by a gym's trainers for less than a personal one; disagreeing costs bits.

The evidence plus the prior odds that a row is one particular trainer (about one in the
directory's size) gives the odds that the row is that trainer. Only a candidate at long
odds, corroborated beyond the name (postal code, city, email or phone), well ahead of the
runner-up and with no warning sign (a different first name; the same certification held
under another number) links automatically: a wrong link tells patients an unqualified
trainer is qualified, so doubt goes to a curator. Measured in docs/import.md.

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
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

from rapidfuzz.distance import OSA, JaroWinkler

from directory.geo.gazetteer import normalize_place_name

# Posterior odds, in bits, that a candidate is the row's person: to link without review
# (2**9 = 512 to 1, 99.8%), and to be worth a curator's look at all (1 in 128). Tuned on
# the truth set (directory.demo.truthset): 7 bits linked about one namesake in 150,000
# rows at 200,000 trainers; 9 linked none on the seeds measured, for 1.5 points of recall.
LINK_ODDS_BITS = 9.0
REVIEW_ODDS_BITS = -7.0
# The best candidate must be this many bits (2**6 = 64 times) likelier than the next.
CLEAR_LEAD_BITS = 6.0
# Prior odds a row is one given trainer are about 1 in the directory's size; a tiny
# directory is not taken to hold everyone, so the prior never exceeds 1 in this many.
MIN_PRIOR_POPULATION = 1_000
# A row holding a known credential number must name its holder at least this well:
# a typo or a nickname passes, a different person goes to review.
SAME_NAME_BITS = 4.0

# How often the same person's two records agree on a field (m), and what a value is
# assumed to be shared by before the directory says otherwise (smoothing of u: the
# default share counts as PSEUDO_POPULATION people, so a tiny directory does not make
# every name or ZIP look unique, and a big one speaks for itself).
NAME_M = 0.95
POSTAL_M = 0.85  # people move, and lists mix home and work addresses
CITY_M = 0.9  # the city agrees and a postal code is missing on one side
MOVED_IN_CITY_M = 0.08  # both have postal codes, which differ, in the same city
PSEUDO_POPULATION = 1_000
SURNAME_SHARE = 1 / 10_000
GIVEN_SHARE = 1 / 1_000
INITIAL_SHARE = 1 / 20
POSTAL_SHARE = 1 / 20_000
CITY_SHARE = 1 / 2_000
MAX_NAME_BITS = 16.0
MAX_PLACE_BITS = 14.0
# An email or phone number is personal: by chance, another person has it about as often
# as the other trainers here who share it (a gym's front desk number says little), or
# else once in a million (a typo, a recycled number). Capped, as data errors happen.
CONTACT_M = 0.8
CONTACT_SHARE = 1e-6
MAX_EMAIL_BITS = 20.0
MAX_PHONE_BITS = 18.0  # numbers are recycled and mistyped more often than addresses
# Disagreement: people change emails and numbers, so a different one is weak evidence
# against; another state is stronger (lists hold current addresses, people rarely move).
EMAIL_DIFFERS_BITS = -3.0
PHONE_DIFFERS_BITS = -3.0
SAME_STATE_OTHER_CITY_BITS = -1.0
OTHER_STATE_BITS = -4.0
# Variants of a name cost bits against full agreement: a nickname is often used, a typo
# or names swapped between the columns are rarer, and so likelier to be someone else.
NICKNAME_COST = 1.5
TYPO_COST = {"given": 2.5, "surname": 3.0}
SIMILAR_COST = {"given": 5.0, "surname": 6.0}
SHARED_PART_COST = 2.0
SWAPPED_COST = 3.0
NAME_DIFFERS_BITS = {"given": -7.0, "surname": -8.0}
TYPO_SIMILARITY = 0.93  # Jaro-Winkler: Smith/Smiht
SIMILAR_SIMILARITY = {"given": 0.85, "surname": 0.88}
# A spelling this many trainers here use, and at least this share as common as the
# other, is another name (Andre and Andrew, Martin and Martinez), not a typo.
OTHER_NAME_MIN_COUNT = 2
OTHER_NAME_MIN_RATIO = 0.1
# Posting lists longer than this are not worth walking (email and phone never are).
MAX_BLOCK = 1_000
SUFFIXES = {"jr", "sr", "ii", "iii", "iv"}
US_PHONE_DIGITS = 10
FIRST_NAME_DIFFERS = "first name differs"
ONLY_INITIAL = "first name is given only as its initial"
EMAIL_MATCHES = "email matches"
# Relatives share a surname, an address and often a phone: only a first name or an email
# tells them apart, so a candidate with a different first name never links on its own,
# nor one whose first name is unknown or an initial unless the email agrees.
RELATIVE_WARNING = ("first names differ: perhaps a relative sharing the surname, address "
                    "or phone")
UNNAMED_WARNING = ("only a first initial (or none) and no email to tell this trainer from "
                   "a relative sharing the surname, address or phone")


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
    address_line: str | None = None


class Keys(NamedTuple):
    """A person's fields folded for comparison: no accents, case or punctuation."""

    given: str  # first word of the first name; may be a lone initial
    surnames: tuple[str, ...]  # every word of the last name ("garcia", "lopez")
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
    bits: float  # evidence for this trainer over someone else
    reasons: list[str]
    corroborated: bool  # something beyond the name agrees: postal code, city, email, phone
    conflicts: list[str] = field(default_factory=list)  # warning signs: never link alone
    prior_bits: float = 0.0  # log2 prior odds that a row is this one trainer

    @property
    def confidence(self) -> float:
        """The probability this trainer is the row's person: prior odds times evidence."""
        return round(1 / (1 + 2 ** -(self.bits + self.prior_bits)), 3)


@dataclass
class Decision:
    outcome: Outcome
    candidates: list[Candidate]  # best first; the one linked, or those to review
    reasons: list[str]

    @property
    def best(self) -> Candidate | None:
        return self.candidates[0] if self.candidates else None


class DuplicatePair(NamedTuple):
    """Two directory trainers that may be one person: `candidate` scores `other_id`
    against `trainer_id` (the lower id), with its reasons and warning signs."""

    trainer_id: int
    other_id: int
    candidate: Candidate


class Nicknames:
    """Groups of given names that name the same person (data/nicknames.toml)."""

    def __init__(self, groups: list[list[str]]):
        self.groups_of: dict[str, set[int]] = defaultdict(set)
        self.names: list[list[str]] = []
        self._groups: dict[str, frozenset[int]] = {}  # worked out once per name
        for number, names in enumerate(groups):
            folded = [fold(n) for n in names]
            self.names.append(folded)
            for name in folded:
                self.groups_of[name].add(number)

    @classmethod
    def from_file(cls, path: Path) -> Nicknames:
        return cls(tomllib.loads(path.read_text(encoding="utf-8"))["groups"])

    def groups(self, given: str) -> frozenset[int]:
        if (found := self._groups.get(given)) is None:
            found = self._groups[given] = frozenset(self.groups_of.get(given, ()))
        return found


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


def person_keys(person: Person, nicknames: Nicknames) -> Keys:
    first_words = _words(person.first_name)
    given = first_words[0] if first_words else ""
    return Keys(
        given=given, surnames=_words(person.last_name),
        groups=nicknames.groups(given), email=(person.email or "").strip().casefold() or None,
        phone=digits(person.phone), postal_code=_postal_code(person.postal_code),
        city=_place_name(person.city) if person.city else None,
        state=(person.state or "").strip().upper() or None,
        name=f"{person.first_name} {person.last_name}".strip(),
    )


@lru_cache(maxsize=200_000)
def _words(name: str | None) -> tuple[str, ...]:
    return tuple(w for w in fold(name).split() if w not in SUFFIXES)


@lru_cache(maxsize=100_000)
def _postal_code(text: str | None) -> str | None:
    return re.sub(r"\D", "", text or "")[:5] or None


_place_name = lru_cache(maxsize=100_000)(normalize_place_name)


def blocking_keys(keys: Keys) -> set[str]:
    """The blocks a directory trainer is filed under."""
    found = _name_blocks(keys) | _contact_blocks(keys) | _place_blocks(keys)
    if keys.given:  # where rows giving only an initial look
        found.update(f"i:{surname}:{keys.given[0]}" for surname in _surnames(keys.surnames))
        if keys.postal_code:
            found.add(f"z:{keys.postal_code}:{keys.given[0]}")
    return found


def searched_keys(keys: Keys, nicknames: Nicknames) -> set[str]:
    """The blocks worth searching for a row: by name, contact, place, and names swapped."""
    found = _name_blocks(keys) | _contact_blocks(keys) | _place_blocks(keys)
    surnames = _surnames(keys.surnames)
    if len(keys.given) == 1:
        found.update(f"i:{surname}:{keys.given}" for surname in surnames)
    elif keys.given:  # a trainer the directory knows only by an initial
        found.update(f"n:{surname}:{keys.given[0]}" for surname in surnames)
    if keys.given and keys.surnames:  # first and last name in each other's columns
        swapped = keys.surnames[0]
        for given in _given_keys(swapped, nicknames.groups(swapped)):
            found.add(f"n:{keys.given}:{given}")
            found.add(f"s:{soundex(keys.given)}:{given}")
    return found


def _name_blocks(keys: Keys) -> set[str]:
    found = set()
    given_keys = _given_keys(keys.given, keys.groups)
    for surname in _surnames(keys.surnames):
        code = soundex(surname)
        for given in given_keys:
            found.add(f"n:{surname}:{given}")  # the surname with a name or nickname group
            found.add(f"s:{code}:{given}")  # a sound-alike surname: a typo in it
        if keys.given:
            found.add(f"f:{surname}:{soundex(keys.given)}")  # a typo in the first name
    return found


def _place_blocks(keys: Keys) -> set[str]:
    """The same ZIP and first name: typos Soundex misses (in a surname's first letter)."""
    if not keys.postal_code:
        return set()
    return {f"z:{keys.postal_code}:{given}" for given in _given_keys(keys.given, keys.groups)}


def _contact_blocks(keys: Keys) -> set[str]:
    return {f"{kind}:{value}" for kind, value in (("e", keys.email), ("p", keys.phone)) if value}


def _given_keys(given: str, groups: frozenset[int]) -> set[str]:
    """A given name's block keys: itself and its nickname groups (Bob meets Robert)."""
    return {given, *(f"#{g}" for g in groups)} - {""}


def _surnames(surnames: tuple[str, ...]) -> list[str]:
    return [s for s in surnames if len(s) >= 2]


def _maybe_swapped(row: Keys, trainer: Keys) -> bool:
    """A cheap test that reading the row's names the other way round could fit."""
    return bool(row.surnames and row.given and trainer.given and trainer.surnames) and \
        row.surnames[0][0] == trainer.given[0] and row.given[0] == trainer.surnames[0][0]


class LinkageIndex:
    """The directory as linkage sees it: folded keys, blocks and value frequencies."""

    def __init__(self, nicknames: Nicknames):
        self.nicknames = nicknames
        self.people: dict[int, Keys] = {}
        self.held: dict[int, dict[str, str]] = defaultdict(dict)  # certification -> number
        self.blocks: dict[str, list[int]] = defaultdict(list)
        self.surname_counts: Counter[str] = Counter()
        self.given_counts: Counter[str] = Counter()
        self.initial_counts: Counter[str] = Counter()
        self.postal_counts: Counter[str] = Counter()
        self.city_counts: Counter[tuple[str, str]] = Counter()
        self.email_counts: Counter[str] = Counter()
        self.phone_counts: Counter[str] = Counter()
        # log2 of the prior odds that a row is one particular trainer
        self.prior_bits = -math.log2(MIN_PRIOR_POPULATION)
        # Agreement weights worked out since the last add (a row's namesakes share them).
        self._weights: dict[tuple[str, str], float] = {}
        self._names: dict[tuple, tuple[float, list[str]]] = {}  # name comparisons, likewise

    def add(self, trainer_id: int, person: Person) -> Keys:
        keys = person_keys(person, self.nicknames)
        self.people[trainer_id] = keys
        for key in blocking_keys(keys):
            self.blocks[key].append(trainer_id)
        self.surname_counts[" ".join(keys.surnames)] += 1
        if len(keys.surnames) > 1:
            self.surname_counts.update(keys.surnames)
        self.given_counts[keys.given] += 1
        self.initial_counts[keys.given[:1]] += 1
        self.postal_counts[keys.postal_code] += 1
        self.city_counts[(keys.city, keys.state)] += 1
        self.email_counts[keys.email] += 1
        self.phone_counts[keys.phone] += 1
        self.prior_bits = -math.log2(max(len(self.people), MIN_PRIOR_POPULATION))
        self._weights.clear()  # counts changed
        self._names.clear()
        return keys

    def hold(self, trainer_id: int, certification: str, number: str) -> None:
        """Note a credential the trainer holds, so a different number for the same
        certification reads as a warning sign rather than a match."""
        self.held[trainer_id].setdefault(certification, number)

    def decide(self, person: Person, certification: str | None = None,
               number: str | None = None) -> Decision:
        """Link to one trainer, send to review with the likely ones, or call it new."""
        keys = person_keys(person, self.nicknames)
        prior = self.prior_bits
        self._names.clear()  # only this row's comparisons are worth keeping
        scored = sorted((self.compare(keys, trainer_id, certification, number)
                         for trainer_id in self._candidates(keys)),
                        key=lambda c: (-c.bits, c.trainer_id))
        plausible = [c for c in scored if c.bits + prior >= REVIEW_ODDS_BITS]
        if not plausible:
            return Decision(Outcome.NEW, [], ["no trainer in the directory is a likely match"])
        best, rest = plausible[0], plausible[1:]
        doubts = []
        if best.bits + prior < LINK_ODDS_BITS:
            doubts.append(f"the best match is not sure enough to link without a curator "
                          f"(confidence {best.confidence:.2f})")
        if not best.corroborated:
            doubts.append("nothing but the name agrees (no matching postal code, city, email "
                          "or phone)")
        if rest and best.bits - rest[0].bits < CLEAR_LEAD_BITS:
            others = "another trainer matches" if len(rest) == 1 else \
                f"{len(rest)} other trainers match"
            doubts.append(f"{others} almost as well")
        doubts += best.conflicts
        if doubts:
            return Decision(Outcome.REVIEW, plausible[:5], doubts)
        return Decision(Outcome.LINK, [best], best.reasons)

    def duplicate_pairs(self) -> list[DuplicatePair]:
        """Pairs of trainers here likely to be one person, likeliest first."""
        found: dict[tuple[int, int], Candidate] = {}
        for trainer_id, keys in self.people.items():
            self._names.clear()
            for other in self._candidates(keys):
                pair = (min(trainer_id, other), max(trainer_id, other))
                if other == trainer_id or pair in found:
                    continue
                candidate = self.compare(self.people[pair[0]], pair[1])
                if candidate.bits + self.prior_bits >= REVIEW_ODDS_BITS:
                    found[pair] = candidate
        return sorted((DuplicatePair(a, b, c) for (a, b), c in found.items()),
                      key=lambda p: (-p.candidate.bits, p.trainer_id, p.other_id))

    def same_name(self, person: Person, trainer_id: int) -> tuple[bool, str]:
        """Whether a row plausibly names this trainer (either way round), and their name."""
        row, trainer = person_keys(person, self.nicknames), self.people[trainer_id]
        bits = self._name_bits(row, trainer)[0]
        return bits >= SAME_NAME_BITS, trainer.name

    def compare(self, row: Keys, trainer_id: int, certification: str | None = None,
                number: str | None = None) -> Candidate:
        """Score one trainer against a row, in bits, with the reasons in words."""
        trainer = self.people[trainer_id]
        bits, reasons = self._name_bits(row, trainer)
        place_bits, place_reasons, place_corroborates = self._place_bits(row, trainer)
        contact_bits, contact_reasons, contact_corroborates = self._contact_bits(row, trainer)
        conflicts = []
        if FIRST_NAME_DIFFERS in reasons:
            conflicts.append(RELATIVE_WARNING)
        elif (ONLY_INITIAL in reasons or not row.given) and EMAIL_MATCHES not in contact_reasons:
            conflicts.append(UNNAMED_WARNING)
        held = self.held.get(trainer_id, {}).get(certification) if certification else None
        if held is not None and number is not None and held != number:
            conflicts.append(f"the trainer already holds {certification} under number {held}")
        return Candidate(trainer_id, round(bits + place_bits + contact_bits, 2),
                         reasons + place_reasons + contact_reasons,
                         place_corroborates or contact_corroborates, conflicts,
                         self.prior_bits)

    def _candidates(self, keys: Keys) -> set[int]:
        found: set[int] = set()
        for key in searched_keys(keys, self.nicknames):
            block = self.blocks.get(key, ())
            if len(block) <= MAX_BLOCK or key[0] in "ep":
                found.update(block)
        return found

    def _name_bits(self, row: Keys, trainer: Keys) -> tuple[float, list[str]]:
        # A row's namesakes in the directory all score the same: work it out once.
        key = (row.given, row.surnames, trainer.given, trainer.surnames)
        if (found := self._names.get(key)) is None:
            found = self._names[key] = self._either_way_bits(row, trainer)
        return found

    def _either_way_bits(self, row: Keys, trainer: Keys) -> tuple[float, list[str]]:
        bits, reasons = self._names_bits(row.given, row.surnames, trainer)
        if bits < 0 and _maybe_swapped(row, trainer):
            crossed, crossed_reasons = self._names_bits(row.surnames[0], (row.given,), trainer)
            if crossed - SWAPPED_COST > bits:
                return (crossed - SWAPPED_COST,
                        [*crossed_reasons, "first and last names are swapped"])
        return bits, reasons

    def _names_bits(self, given: str, surnames: tuple[str, ...],
                    trainer: Keys) -> tuple[float, list[str]]:
        surname_bits, surname_reason = self._surname_bits(surnames, trainer)
        given_bits, given_reason = self._given_bits(given, trainer)
        return surname_bits + given_bits, [r for r in (surname_reason, given_reason) if r]

    def _surname_bits(self, surnames: tuple[str, ...], trainer: Keys) -> tuple[float, str]:
        if not surnames or not trainer.surnames:
            return 0.0, ""
        theirs = " ".join(trainer.surnames)
        if surnames == trainer.surnames or "".join(surnames) == "".join(trainer.surnames):
            return self._name_agreement(theirs), "last name matches"  # also O Brien, OBrien
        shared = set(surnames).intersection(trainer.surnames)
        if shared:
            part = max(self._name_agreement(s) for s in shared)
            return part - SHARED_PART_COST, "last names share a part (hyphenated or maiden name)"
        ours = " ".join(surnames)
        similarity = JaroWinkler.similarity(ours, theirs)
        if len(surnames) > 1 or len(trainer.surnames) > 1:
            similarity = max(similarity, *(JaroWinkler.similarity(a, b) for a in surnames
                                           for b in trainer.surnames))
        return self._variant_bits("surname", ours, theirs, similarity, self.surname_counts)

    def _given_bits(self, given: str, trainer: Keys) -> tuple[float, str]:
        if not given or not trainer.given:
            return 0.0, ""
        if given == trainer.given:
            return self._name_agreement(given), "first name matches"
        if not self.nicknames.groups(given).isdisjoint(trainer.groups):
            full = self._variant_agreement(given, trainer.given)
            return full - NICKNAME_COST, "first name is a nickname of the other"
        if len(given) == 1 or len(trainer.given) == 1:
            if given[0] == trainer.given[0]:
                return self._agreement(self.initial_counts[given[0]], INITIAL_SHARE), ONLY_INITIAL
            return NAME_DIFFERS_BITS["given"], FIRST_NAME_DIFFERS
        similarity = JaroWinkler.similarity(given, trainer.given)
        return self._variant_bits("given", given, trainer.given, similarity, self.given_counts)

    def _variant_bits(self, part: str, ours: str, theirs: str, similarity: float,
                      counts: Counter[str]) -> tuple[float, str]:
        """A spelling that differs: a typo, similar, or another name altogether."""
        label = "first name" if part == "given" else "last name"
        # One edit is a typo even where Jaro-Winkler is low (Wstson, Watson), if not short.
        typo = OSA.distance(ours, theirs) <= 1 and min(len(ours), len(theirs)) >= 4
        if (similarity < SIMILAR_SIMILARITY[part] and not typo) or \
                self._another_name(ours, theirs, counts):
            return NAME_DIFFERS_BITS[part], f"{label} differs"
        full = self._variant_agreement(ours, theirs)
        if similarity >= TYPO_SIMILARITY or typo:
            return full - TYPO_COST[part], f"{label} differs by a typo"
        return max(0.5, full - SIMILAR_COST[part]), f"{label} is similar"

    @staticmethod
    def _another_name(ours: str, theirs: str, counts: Counter[str]) -> bool:
        """Whether a spelling is a name in its own right here rather than a typo."""
        count = counts[ours]
        return count >= OTHER_NAME_MIN_COUNT and count >= OTHER_NAME_MIN_RATIO * counts[theirs]

    def _name_agreement(self, name: str) -> float:
        """Bits for agreeing on a name, as common as it is in either column: lists swap
        them, and a swapped row must not make "Reed Carol" look like a rare name."""
        if (bits := self._weights.get(("name", name))) is None:
            bits = self._weights["name", name] = min(
                self._agreement(self.given_counts[name], GIVEN_SHARE),
                self._agreement(self.surname_counts[name], SURNAME_SHARE))
        return bits

    def _variant_agreement(self, ours: str, theirs: str) -> float:
        """Bits for two spellings of a name: as much as the commoner one is worth, so a
        rare misspelling or nickname (Kathryn) does not read as a rare name."""
        return min(self._name_agreement(ours), self._name_agreement(theirs))

    def _place_bits(self, row: Keys, trainer: Keys) -> tuple[float, list[str], bool]:
        if row.postal_code and row.postal_code == trainer.postal_code:
            if (bits := self._weights.get(("postal", row.postal_code))) is None:
                bits = self._weights["postal", row.postal_code] = self._agreement(
                    self.postal_counts[row.postal_code], POSTAL_SHARE, POSTAL_M, MAX_PLACE_BITS)
            return bits, [f"postal code {row.postal_code} matches"], True
        if row.city and row.state and (row.city, row.state) == (trainer.city, trainer.state):
            # A move across a big city says little (never less than nothing); with a
            # postal code missing, the city is all there is to agree on.
            both_known = row.postal_code and trainer.postal_code
            bits = self._agreement(self.city_counts[(row.city, row.state)], CITY_SHARE,
                                   MOVED_IN_CITY_M if both_known else CITY_M, MAX_PLACE_BITS)
            return max(0.0, bits), ["same city, another postal code" if both_known
                                    else "same city"], True
        if row.state and trainer.state:
            if row.state == trainer.state:
                return SAME_STATE_OTHER_CITY_BITS, ["same state, another city"], False
            return OTHER_STATE_BITS, [f"another state ({row.state}, directory has "
                                      f"{trainer.state})"], False
        return 0.0, [], False

    def _contact_bits(self, row: Keys, trainer: Keys) -> tuple[float, list[str], bool]:
        bits, reasons, corroborated = 0.0, [], False
        if row.email and trainer.email:
            if row.email == trainer.email:
                bits += self._contact_agreement(self.email_counts[row.email], MAX_EMAIL_BITS)
                corroborated = True
                reasons.append(EMAIL_MATCHES)
            else:
                bits += EMAIL_DIFFERS_BITS
                reasons.append("email differs")
        if row.phone and trainer.phone:
            if row.phone == trainer.phone:
                bits += self._contact_agreement(self.phone_counts[row.phone], MAX_PHONE_BITS)
                corroborated = True
                reasons.append("phone matches")
            else:
                bits += PHONE_DIFFERS_BITS
                reasons.append("phone differs")
        return bits, reasons, corroborated

    def _contact_agreement(self, count: int, cap: float) -> float:
        """Bits for sharing an email or phone that `count` trainers here have (this one too)."""
        return self._agreement(count - 1, CONTACT_SHARE, CONTACT_M, cap)

    def _agreement(self, count: int, default_share: float, m: float = NAME_M,
                   cap: float = MAX_NAME_BITS) -> float:
        """Bits for agreeing on a value `count` people here have: log2(m/u), u smoothed."""
        share = ((count + PSEUDO_POPULATION * default_share)
                 / (len(self.people) + PSEUDO_POPULATION))
        return min(cap, math.log2(m / share))
