"""Record linkage: is an imported credential holder a trainer the directory already has?

Blocking (blocking.py) finds the few trainers worth comparing; each is compared field by
field at graded levels (comparisons.py) and scored in bits of evidence, Fellegi-Sunter
style, with weights learned from the directory and the list itself (weights.py).

The evidence plus the prior odds that a row is one particular trainer (about one in the
directory's size) gives the odds that the row is that trainer. Only a candidate at long
odds, corroborated beyond the name (place, street address, email or phone), well ahead of
the runner-up and with no warning sign (a different first name; the same certification
held under another number) links automatically: a wrong link tells patients an
unqualified trainer is qualified, so doubt goes to a curator. Within one list, two rows
never both link to one trainer unless they are plainly the same person's rows
(`settle_claims`). Measured in docs/import.md.

Pure: no database, no Flask. `directory.imports.services` feeds it rows and trainers.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from itertools import islice
from typing import NamedTuple

from directory.linkage.blocking import (
    BROAD,
    MAX_BLOCK,
    MAX_BROAD_BLOCK,
    UNCAPPED,
    SortedNames,
    block_keys,
    name_orders,
    searched_keys,
)
from directory.linkage.comparisons import FIELDS, Comparison, NameCounts, compare
from directory.linkage.keys import Keys, Nicknames, Person, digits, fold, person_keys, soundex
from directory.linkage.weights import Weights, estimate_m, estimate_u, random_pairs

__all__ = ["Candidate", "Claim", "Decision", "DuplicatePair", "LinkageIndex", "Nicknames",
           "Outcome", "Person", "digits", "fold", "losing_claims", "soundex"]

# Posterior odds, in bits, that a candidate is the row's person: to link without review
# (2**9 = 512 to 1, 99.8%), and to be worth a curator's look at all (1 in 16). Tuned on
# the truth set (seed 1) and FEBRL2-3: from 1 in 128 to 1 in 16 halved the reviews and
# let 4 more of 3,139 true partners be created as new trainers.
LINK_ODDS_BITS = 9.0
REVIEW_ODDS_BITS = -4.0
# The best candidate must be this many bits (2**6 = 64 times) likelier than the next.
CLEAR_LEAD_BITS = 6.0
# Prior odds a row is one given trainer are about 1 in the directory's size; a tiny
# directory is not taken to hold everyone, so the prior never exceeds 1 in this many.
MIN_PRIOR_POPULATION = 1_000
# A row holding a known credential number must name its holder at least this well:
# a typo or a nickname passes, a different person goes to review.
SAME_NAME_BITS = 4.0
# Term frequency: an agreeing value's u is the share of trainers here with that value,
# smoothed as if PSEUDO_POPULATION more people had it at DEFAULT_SHARE, so a tiny
# directory does not make every name or ZIP look unique and a big one speaks for itself.
PSEUDO_POPULATION = 1_000
DEFAULT_SHARE = {"given": 1 / 1_000, "surname": 1 / 10_000, "place": 1 / 20_000,
                 "email": 1e-6, "phone": 1e-6}
CITY_SHARE = 1 / 2_000
MAX_FIELD_BITS = {"given": 14.0, "surname": 16.0, "place": 14.0, "address": 18.0,
                  "email": 20.0, "phone": 18.0}
# Names read the other way round are rarer than any single typo: about 1 pair in 8 of
# those whose names disagree as written.
SWAPPED_COST = 3.0
TRAINING_ROWS = 5_000  # rows of a list EM learns m from (a sample of a longer list)
# Agreement beyond the name that can carry a link: the place (a misspelt city too), the
# street (another house number too: lists mistype numbers), an email or a phone.
CORROBORATING = {"place": {"postal", "city", "city-similar"},
                 "address": {"exact", "near", "street"}, "email": {"exact"}, "phone": {"exact"}}
RELATIVE_WARNING = ("first names differ: perhaps a relative sharing the surname, address "
                    "or phone")
UNNAMED_WARNING = ("a name is missing or only an initial, and neither email nor street "
                   "address tells this trainer from a relative or housemate")
REASONS = {
    "given": {"exact": "first name matches",
              "nickname": "first name is a nickname of the other",
              "typo": "first name differs by a typo", "similar": "first name is similar",
              "initial": "first name is given only as its initial",
              "differs": "first name differs"},
    "surname": {"exact": "last name matches",
                "part": "last names share a part (hyphenated or maiden name)",
                "typo": "last name differs by a typo", "similar": "last name is similar",
                "differs": "last name differs"},
    "place": {"postal": "postal code {postal_code} matches", "city": "same city",
              "postal-typo": "postal codes differ by one digit",
              "city-similar": "city spelt similarly", "state": "same state, another city",
              "differs": "another place"},
    "address": {"exact": "street address matches",
                "near": "street matches (house number missing or close)",
                "street": "same street, another house number",
                "number": "same house number, another street",
                "differs": "street address differs"},
    "email": {"exact": "email matches", "differs": "email differs"},
    "phone": {"exact": "phone matches", "differs": "phone differs"},
}


class Outcome(StrEnum):
    LINK = "link"
    REVIEW = "review"
    NEW = "new"


@dataclass
class Candidate:
    trainer_id: int
    bits: float  # evidence for this trainer over someone else
    reasons: list[str]  # each field's level in words, with the bits it counted
    corroborated: bool  # something beyond the name agrees: place, address, email, phone
    conflicts: list[str] = field(default_factory=list)  # warning signs: never link alone
    prior_bits: float = 0.0  # log2 prior odds that a row is this one trainer

    @property
    def confidence(self) -> float:
        """The probability this trainer is the row's person: prior odds times evidence."""
        return round(1 / (1 + 2 ** -(self.bits + self.prior_bits)), 3)

    @property
    def odds_bits(self) -> float:
        return self.bits + self.prior_bits


@dataclass
class Decision:
    outcome: Outcome
    candidates: list[Candidate]  # best first; the one linked, or those to review
    reasons: list[str]

    @property
    def best(self) -> Candidate | None:
        return self.candidates[0] if self.candidates else None


class Evidence(NamedTuple):
    """One trainer against a row: the comparison, each field's (name, level, bits), and
    the bits in all (the swap's cost included)."""

    comparison: Comparison
    fields: list[tuple[str, str, float]]
    bits: float


class DuplicatePair(NamedTuple):
    """Two directory trainers that may be one person: `candidate` scores `other_id`
    against `trainer_id` (the lower id), with its reasons and warning signs."""

    trainer_id: int
    other_id: int
    candidate: Candidate


class LinkageIndex:
    """The directory as linkage sees it: folded keys, blocks, value counts and weights."""

    def __init__(self, nicknames: Nicknames):
        self.nicknames = nicknames
        self.people: dict[int, Keys] = {}
        self.held: dict[int, dict[str, str]] = defaultdict(dict)  # certification -> number
        self.forgotten: set[int] = set()
        self.blocks: dict[str, list[int]] = defaultdict(list)
        self.orders = (SortedNames(), SortedNames())
        self.counts = NameCounts(Counter(), Counter())
        self.postal_counts: Counter[str] = Counter()
        self.city_counts: Counter[tuple[str, str]] = Counter()
        self.email_counts: Counter[str] = Counter()
        self.phone_counts: Counter[str] = Counter()
        self.prior_bits = -math.log2(MIN_PRIOR_POPULATION)
        self._weights: Weights | None = None
        self._bits: dict[tuple, float] = {}  # term-frequency weights worked out once

    # --- filling ---------------------------------------------------------------------

    def add(self, trainer_id: int, person: Person) -> Keys:
        """Index a trainer; added again, by their new values (the old ones' blocks
        then hold the id as well, which only costs a comparison)."""
        keys = person_keys(person, self.nicknames)
        self.forgotten.discard(trainer_id)
        self.people[trainer_id] = keys
        for key in block_keys(keys):
            self.blocks[key].append(trainer_id)
        for order, name in zip(self.orders, name_orders(keys), strict=True):
            order.add(name, trainer_id)
        self.counts.surname[keys.surname] += 1
        if len(keys.surnames) > 1:
            self.counts.surname.update(keys.surnames)
        self.counts.given[keys.given] += 1
        self.postal_counts[keys.postal_code] += 1
        self.city_counts[(keys.city, keys.state)] += 1
        self.email_counts[keys.email] += 1
        self.phone_counts[keys.phone] += 1
        self.prior_bits = -math.log2(max(len(self.people), MIN_PRIOR_POPULATION))
        self._bits.clear()  # counts changed
        return keys

    def hold(self, trainer_id: int, certification: str, number: str) -> None:
        """Note a credential the trainer holds, so a different number for the same
        certification reads as a warning sign rather than a match."""
        self.held[trainer_id].setdefault(certification, number)

    def unhold(self, trainer_id: int, certification: str, number: str) -> None:
        if self.held.get(trainer_id, {}).get(certification) == number:
            del self.held[trainer_id][certification]

    def forget(self, trainer_id: int) -> None:
        """Leave a trainer out of every later decision (deleted, merged, or a row's
        provisional trainer that row no longer creates). Its block entries stay, as
        dead ids the candidate search skips: removing them would mean a scan."""
        self.people.pop(trainer_id, None)
        self.held.pop(trainer_id, None)
        self.forgotten.add(trainer_id)

    def near(self, trainer_id: int) -> set[int]:
        """The others blocking puts beside one indexed trainer."""
        return self._candidates(self.people[trainer_id]) - {trainer_id}

    # --- weights ---------------------------------------------------------------------

    @property
    def weights(self) -> Weights:
        if self._weights is None:
            self._weights = self._estimate_u()
        return self._weights

    def train(self, rows: Iterable[Person]) -> Weights:
        """Learn m by EM from the pairs blocking finds for these rows (the first
        TRAINING_ROWS of them), with u from random pairs of the directory's trainers."""
        return self._learn((person_keys(person, self.nicknames), None) for person in rows)

    def _learn(self, rows: Iterable[tuple[Keys, int | None]]) -> Weights:
        """Learn from rows' keys, each with a trainer id to leave out of its candidates
        (the trainer itself, where the rows are the directory's own trainers)."""
        weights = self._estimate_u()
        patterns = [[self._comparison(keys, self.people[trainer_id]).levels
                     for trainer_id in self._candidates(keys) if trainer_id != itself]
                    for keys, itself in islice(rows, TRAINING_ROWS)]
        weights.m, weights.match_share = estimate_m(patterns, weights.u)
        weights.em_pairs = sum(map(len, patterns))
        self._weights = weights
        self._bits.clear()
        return weights

    def _estimate_u(self) -> Weights:
        ids = sorted(self.people)
        u, pairs = estimate_u(self._comparison(self.people[a], self.people[b])
                              for a, b in random_pairs(ids))
        return Weights(u=u, u_pairs=pairs)

    # --- deciding --------------------------------------------------------------------

    def decide(self, person: Person, certification: str | None = None,
               number: str | None = None) -> Decision:
        """Link to one trainer, send to review with the likely ones, or call it new."""
        keys = person_keys(person, self.nicknames)
        # Most candidates are namesakes far from plausible: only plausible ones are
        # explained in words.
        least = REVIEW_ODDS_BITS - self.prior_bits
        evidence = {trainer_id: self._evidence(keys, self.people[trainer_id])
                    for trainer_id in self._candidates(keys)}
        scored = sorted((self._candidate(keys, trainer_id, found, certification, number)
                         for trainer_id, found in evidence.items() if found.bits >= least),
                        key=lambda c: (-c.bits, c.trainer_id))
        return self._decision(scored)

    def candidates(self, person: Person) -> set[int]:
        """The trainers blocking puts before the comparison, for measuring blocking."""
        return self._candidates(person_keys(person, self.nicknames))

    def _decision(self, plausible: list[Candidate]) -> Decision:
        if not plausible:
            return Decision(Outcome.NEW, [], ["no trainer in the directory is a likely match"])
        best, rest = plausible[0], plausible[1:]
        doubts = []
        if best.odds_bits < LINK_ODDS_BITS:
            doubts.append(f"the best match is not sure enough to link without a curator "
                          f"(confidence {best.confidence:.2f})")
        if not best.corroborated:
            doubts.append("nothing but the name agrees (no matching place, street address, "
                          "email or phone)")
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
        if self._weights is None:
            self._learn((keys, trainer_id) for trainer_id, keys in self.people.items())
        found: dict[tuple[int, int], Candidate] = {}
        for trainer_id, keys in self.people.items():
            for other in self._candidates(keys):
                pair = (min(trainer_id, other), max(trainer_id, other))
                if other == trainer_id or pair in found:
                    continue
                candidate = self.compare(self.people[pair[0]], pair[1])
                if candidate.odds_bits >= REVIEW_ODDS_BITS:
                    found[pair] = candidate
        return sorted((DuplicatePair(a, b, c) for (a, b), c in found.items()),
                      key=lambda p: (-p.candidate.bits, p.trainer_id, p.other_id))

    def same_person(self, first: Person, second: Person) -> bool:
        """Whether two rows are plainly one person's: the same names (or a nickname),
        the same place, and no field that differs."""
        comparison = self._comparison(person_keys(first, self.nicknames),
                                      person_keys(second, self.nicknames))
        levels = dict(zip(FIELDS, comparison.levels, strict=True))
        return (not comparison.swapped and levels["given"] in ("exact", "nickname")
                and levels["surname"] == "exact" and levels["place"] in ("postal", "city")
                and "differs" not in levels.values())

    def same_name(self, person: Person, trainer_id: int) -> tuple[bool, str]:
        """Whether a row plausibly names this trainer (either way round), and their name."""
        row, trainer = person_keys(person, self.nicknames), self.people[trainer_id]
        found = self._evidence(row, trainer)
        bits = sum(counted for f, _, counted in found.fields if f in ("given", "surname"))
        return bits - SWAPPED_COST * found.comparison.swapped >= SAME_NAME_BITS, trainer.name

    def compare(self, row: Keys, trainer_id: int, certification: str | None = None,
                number: str | None = None) -> Candidate:
        """Score one trainer against a row, in bits, with the reasons in words."""
        found = self._evidence(row, self.people[trainer_id])
        return self._candidate(row, trainer_id, found, certification, number)

    def _candidate(self, row: Keys, trainer_id: int, found: Evidence,
                   certification: str | None, number: str | None) -> Candidate:
        comparison = found.comparison
        reasons = [f"{REASONS[f][level].format(**row._asdict())} ({counted:+.1f})"
                   for f, level, counted in found.fields]
        if comparison.swapped:
            reasons.append(f"first and last names are swapped ({-SWAPPED_COST:+.1f})")
        return Candidate(trainer_id, round(found.bits, 2), reasons, _corroborated(comparison),
                         self._conflicts(row, trainer_id, comparison, certification, number),
                         self.prior_bits)

    def _evidence(self, row: Keys, trainer: Keys) -> Evidence:
        """What each field a row and a trainer both give counted, and their sum."""
        comparison = self._comparison(row, trainer)
        fields = [(f, level, self._field_bits(f, level, row, trainer))
                  for f, level in zip(FIELDS, comparison.levels, strict=True) if level]
        bits = sum(counted for _, _, counted in fields) - SWAPPED_COST * comparison.swapped
        return Evidence(comparison, fields, bits)

    def _conflicts(self, row: Keys, trainer_id: int, comparison: Comparison,
                   certification: str | None, number: str | None) -> list[str]:
        # Relatives share a surname, an address and often a phone: only a first name, an
        # email or (for the one trainer at the address) the street address tells them
        # apart, so a different first name never links on its own.
        conflicts = []
        given = comparison.level("given")
        if given == "differs":
            conflicts.append(RELATIVE_WARNING)
        elif (given in ("initial", None) or comparison.level("surname") is None) and \
                comparison.level("email") != "exact" and \
                comparison.level("address") not in ("exact", "near", "street"):
            conflicts.append(UNNAMED_WARNING)
        held = self.held.get(trainer_id, {}).get(certification) if certification else None
        if held is not None and number is not None and held != number:
            conflicts.append(f"the trainer already holds {certification} under number {held}")
        return conflicts

    def _comparison(self, row: Keys, trainer: Keys) -> Comparison:
        return compare(row, trainer, self.nicknames, self.counts)

    def _field_bits(self, field_name: str, level: str, row: Keys, trainer: Keys) -> float:
        """A level's learned weight, adjusted for how common an agreeing value is here."""
        weights = self.weights
        value, count = self._agreeing_value(field_name, level, row, trainer)
        if value is None:
            bits = weights.bits(field_name, level)
            if field_name in ("given", "surname") and level != "differs":
                # A misspelling or nickname of a name counts no more than the name would.
                bits = min(bits, self._field_bits(field_name, "exact", trainer, trainer))
            return bits
        key = (field_name, level, value)
        if (bits := self._bits.get(key)) is None:
            default = CITY_SHARE if level == "city" else DEFAULT_SHARE[field_name]
            share = ((count + PSEUDO_POPULATION * default)
                     / (len(self.people) + PSEUDO_POPULATION))
            bits = self._bits[key] = min(MAX_FIELD_BITS[field_name],
                                         math.log2(weights.m[field_name][level] / share))
        return bits

    def _agreeing_value(self, field_name: str, level: str, row: Keys,
                        trainer: Keys) -> tuple[object, int]:
        """The value two records share, and how many other trainers here share it."""
        if field_name == "given" and level == "exact":
            # As common as it is in either column: lists swap them, and a swapped row
            # must not make "Reed Carol" look like a rare name.
            name = trainer.given
            return name, max(self.counts.given[name], self.counts.surname[name])
        if field_name == "surname" and level == "exact":
            name = trainer.surname
            return name, max(self.counts.surname[name], self.counts.given[name])
        if field_name == "place" and level == "postal":
            return row.postal_code, self.postal_counts[row.postal_code]
        if field_name == "place" and level == "city":
            return (row.city, row.state), self.city_counts[(trainer.city, trainer.state)]
        if field_name == "email" and level == "exact":
            return row.email, self.email_counts[row.email] - 1
        if field_name == "phone" and level == "exact":
            return row.phone, self.phone_counts[row.phone] - 1
        return None, 0

    def _candidates(self, keys: Keys) -> set[int]:
        found: set[int] = set()
        for key in searched_keys(keys, self.nicknames):
            block = self.blocks.get(key, ())
            limit = MAX_BROAD_BLOCK if key.startswith(BROAD) else MAX_BLOCK
            if len(block) <= limit or key.startswith(UNCAPPED):
                found.update(block)
        for order, name in zip(self.orders, name_orders(keys), strict=True):
            found.update(order.neighbours(name))
        return found - self.forgotten if self.forgotten else found


def _corroborated(comparison: Comparison) -> bool:
    return any(comparison.level(f) in levels for f, levels in CORROBORATING.items())


class Claim(NamedTuple):
    """A row of a list linking to a trainer, with the evidence for it."""

    trainer_id: int
    bits: float
    person: Person


def losing_claims(claims: Sequence[Claim], index: LinkageIndex) -> dict[int, int]:
    """One-to-one within a list: where rows link to the same trainer, only the strongest
    keeps its link, unless the rows are plainly one person's (two credentials of one
    trainer). Returns, for each claim that loses, the position of the one that won."""
    by_trainer: dict[int, list[int]] = defaultdict(list)
    for at, claim in enumerate(claims):
        by_trainer[claim.trainer_id].append(at)
    lost = {}
    for positions in by_trainer.values():
        strongest = max(positions, key=lambda at: (claims[at].bits, -at))
        for at in positions:
            if at != strongest and not index.same_person(claims[strongest].person,
                                                         claims[at].person):
                lost[at] = strongest
    return lost
