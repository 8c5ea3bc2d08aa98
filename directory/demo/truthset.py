"""A labelled truth set for record linkage, and the measurement that replays it.

`build_truth_set(seed, directory_size, row_count)` makes a directory of people, each
holding one credential (trainer ids 1..N), and a certifying body's list of rows, each
labelled with the person it really is: a directory trainer or a new person. The same
seed always gives the same set. People are drawn like the demo directory's: given and
family names from the small pool in data/demo_names.toml (so namesakes are very common,
the hard case), places weighted by city population (`CityPicker`), emails
first.last.index@example.com and phones (NNN) 555-01NN.

The rows (shuffled):

- 60% are directory trainers: mostly one row each; 8% of these are a second credential
  of a trainer already listed, and 3% name a certification the trainer already holds
  under another number (the conflict rule must send these to review).
- 40% are new people. 10% of those rows are a second credential of a new person listed
  earlier (it should link to the trainer the first row creates); the rest are 25%
  namesakes (same first and last name as a directory trainer, elsewhere: 40% anywhere,
  35% another city of the same state, 25% another ZIP of the same city, with their own
  email and phone), 15% near-namesakes (a directory trainer's surname with another given
  name of the same initial, or their given name with a similar surname from the pool or
  one edit away), 5% relatives (a trainer's surname and ZIP, another given name, half of
  them sharing the household phone) and 55% fresh random people (who, with this name
  pool, are often namesakes anyway).

Every row then goes through the same corruptions, as lists typed by other people do.
10% of rows are kept clean; otherwise each applies independently with its probability:

================================  ====  =====================================================
corruption                        p     what it does
================================  ====  =====================================================
nickname                          0.12  Robert -> Bob (data/nicknames.toml), when one exists
initial                           0.04  first name as its initial only ("R." or "R")
first-typo                        0.04  one edit in the first name (not its first letter)
last-typo                         0.05  one edit in the last name (first letter 1 in 10)
swapped                           0.03  first and last names exchanged
accents-dropped                   0.50  of names with accents: José -> Jose, Müller -> Mueller
accents-added                     0.15  of names with a usual accented form: Garcia -> García
apostrophe                        0.30  of names with one: O'Brien -> OBrien, O Brien, O’Brien
hyphen-shortened                  0.40  of hyphenated surnames: one part kept, or a space
surname-part-added                0.03  a maiden or married part: Smith -> Smith-Jones
case-space                        0.15  upper or lower case, stray and doubled spaces
zip-plus-four                     0.05  ZIP written as ZIP+4
moved-zip / moved-city / moved-   0.08  another ZIP of the same city / another city of the
state                             0.05  same state / another state (one of the three)
                                  0.03
email-changed / email-missing     0.12  another address / none
                                  0.15
email-case                        0.05  upper case
phone-reformatted                 0.30  digits only, dots, dashes, +1 ...
phone-missing / phone-changed     0.15  none / another number
                                  0.08
================================  ====  =====================================================

`measure(truth, nicknames)` replays the rows through a `LinkageIndex` in order, exactly as
`directory.imports.services.Reconciler` does (rows decided NEW join the index under
negative provisional ids), and reports precision and recall of automatic links.
"""

from __future__ import annotations

import random
import re
import string
import time
import tomllib
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from rapidfuzz import process
from rapidfuzz.distance import JaroWinkler

from directory.config import REPO_ROOT
from directory.demo.generator import CityPicker
from directory.geo.gazetteer import City, gazetteer, normalize_place_name
from directory.linkage.engine import (
    RELATIVE_WARNING,
    Claim,
    Decision,
    LinkageIndex,
    Nicknames,
    Outcome,
    Person,
    losing_claims,
)
from directory.linkage.keys import person_keys

DATA_DIR = REPO_ROOT / "data"
CERTIFICATIONS = ("ACSM-CPT", "ACSM-EP", "ACSM-CEP", "EIM", "NSCA-CPT", "NSCA-CSCS",
                  "NCSF-CPT", "NCSF-MES", "ACE-CPT", "ACE-CMES")
EXISTING_SHARE = 0.60
SECOND_CREDENTIAL_SHARE = 0.08  # of existing rows
CONFLICT_SHARE = 0.03  # of existing rows
REPEAT_SHARE = 0.10  # of new rows
NEW_KINDS = {"namesake": 25, "near-namesake": 15, "relative": 5, "fresh": 55}
CLEAN_SHARE = 0.10
P = {
    "nickname": 0.12, "initial": 0.04, "first-typo": 0.04, "last-typo": 0.05,
    "swapped": 0.03, "accents-dropped": 0.50, "accents-added": 0.15, "apostrophe": 0.30,
    "hyphen-shortened": 0.40, "surname-part-added": 0.03, "case-space": 0.15,
    "zip-plus-four": 0.05, "moved-zip": 0.08, "moved-city": 0.05, "moved-state": 0.03,
    "email-changed": 0.12, "email-missing": 0.15, "email-case": 0.05,
    "phone-reformatted": 0.30, "phone-missing": 0.15, "phone-changed": 0.08,
}
# Usual accented spellings of plain names in the pool (lists often add or drop accents).
ACCENTED = {
    "Garcia": "García", "Rodriguez": "Rodríguez", "Martinez": "Martínez",
    "Hernandez": "Hernández", "Lopez": "López", "Gonzalez": "González", "Perez": "Pérez",
    "Sanchez": "Sánchez", "Ramirez": "Ramírez", "Gomez": "Gómez", "Diaz": "Díaz",
    "Gutierrez": "Gutiérrez", "Chavez": "Chávez", "Ruiz": "Ruíz", "Andre": "André",
}
EMAIL_DOMAINS = ("gmail.com", "yahoo.com", "outlook.com", "icloud.com", "fitmail.org")
# Letters typed by mistake for each other (neighbours on a QWERTY keyboard).
KEYBOARD = "qwertyuiop asdfghjkl zxcvbnm".split()


@dataclass(frozen=True)
class Row:
    person: Person
    certification: str
    number: str
    trainer_id: int | None  # the directory trainer this row really is, or None
    identity: str  # who the row is: "t<trainer id>" or "n<new person>"
    kind: str
    corruptions: tuple[str, ...] = ()


@dataclass
class TruthSet:
    directory: dict[int, Person]
    held: dict[int, tuple[str, str]]  # trainer id -> (certification, number)
    rows: list[Row]


@dataclass(frozen=True)
class _Place:
    city: City
    postal_code: str


class _People:
    """Draws people, places and contact details the way the demo directory does."""

    def __init__(self, rng: random.Random, data_dir: Path):
        self.rng = rng
        self.gazetteer = gazetteer()
        self.picker = CityPicker(data_dir / "us_cities.csv", self.gazetteer)
        names = tomllib.loads((data_dir / "demo_names.toml").read_text(encoding="utf-8"))
        self.first_names, self.last_names = names["first_names"], names["last_names"]
        self.nicknames = _nickname_table(data_dir / "nicknames.toml")
        self.by_state: dict[str, list[City]] = {}
        for city, _ in self.picker.cities:
            self.by_state.setdefault(city.state, []).append(city)

    def place(self) -> _Place:
        city, postal_code, _ = self.picker.pick(self.rng)
        return _Place(city, postal_code)

    def phone(self) -> str:
        return f"({self.rng.randint(201, 989)}) 555-01{self.rng.randint(0, 99):02d}"

    def person(self, index: int, first: str, last: str, place: _Place,
               phone: str | None = None) -> Person:
        return Person(first, last, f"{_ascii(first)}.{_ascii(last)}.{index}@example.com",
                      phone or self.phone(), place.city.name, place.city.state,
                      place.postal_code)

    def other_zip(self, place: _Place) -> _Place:
        others = [z for z in dict.fromkeys(place.city.postal_codes) if z != place.postal_code]
        return _Place(place.city, self.rng.choice(others)) if others else place

    def other_city(self, place: _Place) -> _Place:
        cities = [c for c in self.by_state[place.city.state] if c is not place.city]
        if not cities:  # the only listed city of its state: any gazetteer city there
            keys = [k for k in self.gazetteer.city_keys_by_state[place.city.state]
                    if k != normalize_place_name(place.city.name)]
            cities = [self.gazetteer.cities[(place.city.state, self.rng.choice(keys))]]
        city = self.rng.choice(cities)
        return _Place(city, self.rng.choice(city.postal_codes))

    def other_state(self, place: _Place) -> _Place:
        while (moved := self.place()).city.state == place.city.state:
            pass
        return moved


def build_truth_set(seed: int, directory_size: int, row_count: int,
                    data_dir: Path = DATA_DIR) -> TruthSet:
    """Return the directory and the labelled rows for this seed: always the same."""
    rng = random.Random(f"truthset:{seed}")
    people = _People(rng, Path(data_dir))
    directory, places, held = {}, {}, {}
    for trainer_id in range(1, directory_size + 1):
        place = people.place()
        first, last = rng.choice(people.first_names), rng.choice(people.last_names)
        directory[trainer_id] = people.person(trainer_id, first, last, place)
        places[trainer_id] = place
        held[trainer_id] = (rng.choice(CERTIFICATIONS), f"D{seed}-{trainer_id:07d}")

    existing_count = round(row_count * EXISTING_SHARE)
    bases: list[tuple[Person, _Place, str, int | None, str, str | None]] = []
    listed = rng.sample(range(1, directory_size + 1),
                        min(directory_size, existing_count))
    for k, trainer_id in enumerate(listed):
        kind, certification = "existing", None
        if k and rng.random() < SECOND_CREDENTIAL_SHARE:
            trainer_id, kind = rng.choice(listed[:k]), "second-credential"
        elif rng.random() < CONFLICT_SHARE:
            kind, certification = "conflict", held[trainer_id][0]
        bases.append((directory[trainer_id], places[trainer_id], f"t{trainer_id}",
                      trainer_id, kind, certification))

    new_people: list[tuple[Person, _Place, str]] = []
    for _ in range(row_count - len(bases)):
        if new_people and rng.random() < REPEAT_SHARE:
            person, place, identity = rng.choice(new_people)
            bases.append((person, place, identity, None, "repeat", None))
            continue
        kind = rng.choices(list(NEW_KINDS), weights=list(NEW_KINDS.values()))[0]
        index = directory_size + 1 + len(new_people)
        relative_of = rng.randint(1, directory_size)
        person, place = _new_person(people, kind, index, directory[relative_of],
                                    places[relative_of])
        new_people.append((person, place, f"n{index}"))
        bases.append((person, place, f"n{index}", None, kind, None))

    rng.shuffle(bases)
    rows, taken = [], {f"t{t}": {held[t][0]} for t in directory}
    for number, (person, place, identity, trainer_id, kind, certification) in enumerate(bases):
        if certification is None:  # a credential this person does not hold yet
            owned = taken.setdefault(identity, set())
            certification = rng.choice([c for c in CERTIFICATIONS if c not in owned])
            owned.add(certification)
        corrupted, applied = _corrupt(people, person, place)
        rows.append(Row(corrupted, certification, f"L{seed}-{number:07d}", trainer_id,
                        identity, kind, applied))
    return TruthSet(directory, held, rows)


def _new_person(people: _People, kind: str, index: int, other: Person,
                other_place: _Place) -> tuple[Person, _Place]:
    """A person who is not in the directory; `other` is who they may resemble."""
    rng = people.rng
    if kind == "fresh":
        place = people.place()
        first, last = rng.choice(people.first_names), rng.choice(people.last_names)
        return people.person(index, first, last, place), place
    if kind == "relative":  # same household: surname, ZIP, sometimes the home phone
        first = rng.choice([n for n in people.first_names if n != other.first_name])
        phone = other.phone if rng.random() < 0.5 else None
        return people.person(index, first, other.last_name, other_place, phone), other_place
    roll = rng.random()
    place = (people.place() if roll < 0.40 else
             people.other_city(other_place) if roll < 0.75 else people.other_zip(other_place))
    first, last = other.first_name, other.last_name
    if kind == "near-namesake":
        if rng.random() < 0.5:
            first = rng.choice([n for n in people.first_names
                                if n[0] == first[0] and n != first] or people.first_names)
        elif rng.random() < 0.5:
            last = _similar_surname(last, people.last_names)
        else:
            last = _typo(rng, last, first_letter_share=0.0)
    return people.person(index, first, last, place), place


def _similar_surname(last: str, pool: list[str]) -> str:
    choices = [n for n in pool if n != last]
    return process.extractOne(last, choices, scorer=JaroWinkler.similarity)[0]


def _corrupt(people: _People, person: Person,
             place: _Place) -> tuple[Person, tuple[str, ...]]:
    """The row a list would hold for this person, and the corruptions applied."""
    rng = people.rng
    if rng.random() < CLEAN_SHARE:
        return person, ()
    f = {"first": person.first_name, "last": person.last_name, "email": person.email,
         "phone": person.phone, "place": place, "zip4": False}
    applied = []
    for name, corrupt in _CORRUPTIONS:
        if corrupt(people, f):
            applied.append(name)
    place = f["place"]
    postal = place.postal_code + (f"-{rng.randint(0, 9999):04d}" if f["zip4"] else "")
    return Person(f["first"], f["last"], f["email"], f["phone"], place.city.name,
                  place.city.state, postal), tuple(applied)


def _chance(people: _People, name: str) -> bool:
    return people.rng.random() < P[name]


def _nickname(people, f) -> bool:
    options = people.nicknames.get(_ascii(f["first"]), [])
    if not options or not _chance(people, "nickname"):
        return False
    f["first"] = people.rng.choice(options).title()
    return True


def _initial(people, f) -> bool:
    if not _chance(people, "initial"):
        return False
    f["first"] = f["first"][0] + people.rng.choice((".", ""))
    return True


def _first_typo(people, f) -> bool:
    if len(f["first"]) < 4 or not _chance(people, "first-typo"):
        return False
    f["first"] = _typo(people.rng, f["first"], first_letter_share=0.0)
    return True


def _last_typo(people, f) -> bool:
    if len(f["last"]) < 4 or not _chance(people, "last-typo"):
        return False
    f["last"] = _typo(people.rng, f["last"], first_letter_share=0.1)
    return True


def _swapped(people, f) -> bool:
    if not _chance(people, "swapped"):
        return False
    f["first"], f["last"] = f["last"], f["first"]
    return True


def _accents(people, f) -> bool:
    changed = False
    for key in ("first", "last"):
        name = f[key]
        if _ascii_word(name) != name and _chance(people, "accents-dropped"):
            f[key] = _ascii_word(name.replace("ü", "ue") if people.rng.random() < 0.5 else name)
            changed = True
        elif name in ACCENTED and _chance(people, "accents-added"):
            f[key] = ACCENTED[name]
            changed = True
    return changed


def _apostrophe(people, f) -> bool:
    if "'" not in f["last"] or not _chance(people, "apostrophe"):
        return False
    f["last"] = f["last"].replace("'", people.rng.choice(("", " ", "’")))
    return True


def _hyphen(people, f) -> bool:
    rng, last = people.rng, f["last"]
    if "-" in last:
        if not _chance(people, "hyphen-shortened"):
            return False
        parts = last.split("-")
        f["last"] = rng.choice([*parts, " ".join(parts)])
        return True
    if not _chance(people, "surname-part-added"):
        return False
    other = rng.choice(people.last_names).split("-")[0]
    f["last"] = f"{last}-{other}" if rng.random() < 0.5 else f"{other} {last}"
    return True


def _case_space(people, f) -> bool:
    if not _chance(people, "case-space"):
        return False
    rng = people.rng
    style = rng.choice((str.upper, str.lower, lambda s: f"  {s} ", lambda s: s.replace(" ", "  ")))
    f["first"], f["last"] = style(f["first"]), style(f["last"])
    return True


def _zip_plus_four(people, f) -> bool:
    f["zip4"] = _chance(people, "zip-plus-four")
    return f["zip4"]


def _moved(people, f) -> bool:
    roll = people.rng.random()
    if roll < P["moved-zip"]:
        f["place"] = people.other_zip(f["place"])
    elif roll < P["moved-zip"] + P["moved-city"]:
        f["place"] = people.other_city(f["place"])
    elif roll < P["moved-zip"] + P["moved-city"] + P["moved-state"]:
        f["place"] = people.other_state(f["place"])
    else:
        return False
    return True


def _email(people, f) -> bool:
    rng, roll = people.rng, people.rng.random()
    if f["email"] is None:
        return False
    if roll < P["email-changed"]:
        f["email"] = (f"{_ascii(f['first'])}{_ascii(f['last'])}{rng.randint(1, 99)}"
                      f"@{rng.choice(EMAIL_DOMAINS)}")
    elif roll < P["email-changed"] + P["email-missing"]:
        f["email"] = None
    elif roll < P["email-changed"] + P["email-missing"] + P["email-case"]:
        f["email"] = f["email"].upper()
    else:
        return False
    return True


def _phone(people, f) -> bool:
    rng, roll = people.rng, people.rng.random()
    if f["phone"] is None:
        return False
    if roll < P["phone-reformatted"]:
        d = re.sub(r"\D", "", f["phone"])
        f["phone"] = rng.choice((d, f"{d[:3]}.{d[3:6]}.{d[6:]}", f"{d[:3]}-{d[3:6]}-{d[6:]}",
                                 f"+1 {d[:3]} {d[3:6]} {d[6:]}", f"1 ({d[:3]}) {d[3:6]}-{d[6:]}"))
    elif roll < P["phone-reformatted"] + P["phone-missing"]:
        f["phone"] = None
    elif roll < P["phone-reformatted"] + P["phone-missing"] + P["phone-changed"]:
        f["phone"] = people.phone()
    else:
        return False
    return True


# In this order: names first (a nickname of a typo would not be a nickname), then places.
_CORRUPTIONS = [
    ("nickname", _nickname), ("initial", _initial), ("first-typo", _first_typo),
    ("last-typo", _last_typo), ("accents", _accents), ("apostrophe", _apostrophe),
    ("hyphen", _hyphen), ("swapped", _swapped), ("case-space", _case_space),
    ("zip-plus-four", _zip_plus_four), ("moved", _moved), ("email", _email),
    ("phone", _phone),
]


def _typo(rng: random.Random, word: str, first_letter_share: float) -> str:
    """One edit: a neighbouring key, a letter dropped, doubled or two letters swapped."""
    lower = word.lower()
    start = 0 if rng.random() < first_letter_share else 1
    i = rng.randrange(start, len(word) - 1)
    edit = rng.choice(("substitute", "delete", "insert", "transpose"))
    if edit == "substitute":
        row = next((r for r in KEYBOARD if lower[i] in r), string.ascii_lowercase)
        j = row.find(lower[i])
        neighbours = [row[k] for k in (j - 1, j + 1) if 0 <= k < len(row) and j >= 0]
        letter = rng.choice(neighbours or list(string.ascii_lowercase))
        typed = word[:i] + (letter.upper() if word[i].isupper() else letter) + word[i + 1:]
    elif edit == "delete":
        typed = word[:i] + word[i + 1:]
    elif edit == "insert":
        typed = word[:i] + word[i] + word[i:]
    else:
        typed = word[:i] + word[i + 1] + word[i] + word[i + 2:]
    return typed if typed != word else word[:i] + word[i + 1:]


def _ascii_word(name: str) -> str:
    return unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()


def _ascii(name: str) -> str:
    return "".join(ch for ch in _ascii_word(name).lower() if ch.isalnum())


def _nickname_table(path: Path) -> dict[str, list[str]]:
    """Formal name -> the short forms a list might use instead (the group's other names)."""
    table: dict[str, list[str]] = {}
    for names in tomllib.loads(path.read_text(encoding="utf-8"))["groups"]:
        formal, *short = names
        table.setdefault(formal, []).extend(n for n in short if n != formal)
    return table


# --- measurement ---------------------------------------------------------------------


@dataclass
class Report:
    rows: int = 0
    linkable: int = 0  # rows whose person is in the directory or created earlier
    links: int = 0
    correct_links: int = 0
    reviews: int = 0
    reviews_linkable: int = 0
    reviews_with_truth: int = 0  # of reviews_linkable: the true match is a candidate
    created: int = 0
    duplicates: int = 0  # a known person's row called NEW
    paired: int = 0  # of linkable rows: the true trainer is among blocking's candidates
    # Of linkable rows: the first names are unrelated (not a typo, nickname or initial),
    # which a relative sharing surname and address shows too. FEBRL replaces names so.
    unrelated_first_names: int = 0
    candidate_counts: list[int] = field(default_factory=list)
    weights: dict = field(default_factory=dict)
    build_seconds: float = 0.0
    decide_seconds: float = 0.0
    false_links: list[str] = field(default_factory=list)
    misses: list[str] = field(default_factory=list)
    unpaired: list[str] = field(default_factory=list)  # lost in blocking: row and partner
    false_links_by_kind: Counter = field(default_factory=Counter)
    misses_by_corruption: Counter = field(default_factory=Counter)
    misses_by_doubt: Counter = field(default_factory=Counter)
    linkable_by_corruption: Counter = field(default_factory=Counter)

    @property
    def precision(self) -> float:
        return self.correct_links / self.links if self.links else 1.0

    @property
    def recall(self) -> float:
        return self.correct_links / self.linkable if self.linkable else 1.0

    @property
    def recall_related(self) -> float:
        """Recall over the rows whose first name relates to their partner's."""
        related = self.linkable - self.unrelated_first_names
        return self.correct_links / related if related else 1.0

    @property
    def pair_completeness(self) -> float:
        return self.paired / self.linkable if self.linkable else 1.0

    @property
    def review_share(self) -> float:
        return self.reviews / self.rows if self.rows else 0.0

    @property
    def review_hit_rate(self) -> float:
        return self.reviews_with_truth / self.reviews_linkable if self.reviews_linkable else 1.0

    def format(self, examples: int = 5) -> str:
        lines = [
            f"rows                         {self.rows}",
            f"rows whose person exists     {self.linkable}",
            f"automatic links              {self.links}",
            f"precision of automatic links {self.precision:.4f} "
            f"({self.links - self.correct_links} wrong)",
            f"recall of automatic links    {self.recall:.4f}",
            f"  rows with unrelated first names (never linked, a relative's sign) "
            f"{self.unrelated_first_names}; recall over the others {self.recall_related:.4f}",
            f"sent to review               {self.reviews} ({self.review_share:.1%} of rows)",
            f"review items with the truth  {self.review_hit_rate:.1%} of "
            f"{self.reviews_linkable} whose person exists",
            f"new trainers created         {self.created}",
            f"pair completeness (blocking) {self.pair_completeness:.4f}",
            f"candidates per row           median {_median(self.candidate_counts)}, "
            f"max {max(self.candidate_counts, default=0)}",
            f"wrongly-created duplicates   {self.duplicates}",
            f"index build                  {self.build_seconds:.1f} s",
            f"decide all rows              {self.decide_seconds:.1f} s "
            f"({1000 * self.decide_seconds / max(1, self.rows):.2f} ms a row)",
        ]
        if self.false_links_by_kind:
            lines.append("false links by row kind      " + ", ".join(
                f"{k} {n}" for k, n in sorted(self.false_links_by_kind.items())))
        lines.append("not linked, by corruption    " + ", ".join(
            f"{k} {self.misses_by_corruption[k]}/{n}"
            for k, n in sorted(self.linkable_by_corruption.items())))
        lines.append("not linked, by doubt         " + ", ".join(
            f"{k} {n}" for k, n in self.misses_by_doubt.most_common()))
        for title, shown in (("False links", self.false_links), ("Misses", self.misses),
                             ("Lost in blocking", self.unpaired)):
            if shown:
                lines += ["", f"{title} (first {min(examples, len(shown))} of {len(shown)}):"]
                lines += shown[:examples]
        return "\n".join(lines)


def measure(truth: TruthSet, nicknames: Nicknames) -> Report:
    """Replay the rows as the reconciler does and count what linkage got right."""
    report = Report(rows=len(truth.rows))
    started = time.perf_counter()
    index = LinkageIndex(nicknames)
    for trainer_id, person in truth.directory.items():
        index.add(trainer_id, person)
    for trainer_id, (certification, number) in truth.held.items():
        index.hold(trainer_id, certification, number)
    index.train(row.person for row in truth.rows)
    report.build_seconds = time.perf_counter() - started

    identity_of: dict[int, str] = {t: f"t{t}" for t in truth.directory}
    people: dict[int, Person] = dict(truth.directory)
    ids_of: dict[str, set[int]] = {f"t{t}": {t} for t in truth.directory}
    known_before, decisions = [], []
    started = time.perf_counter()
    for row in truth.rows:
        known = set(ids_of.get(row.identity, ()))
        candidates = index.candidates(row.person)
        report.candidate_counts.append(len(candidates))
        if known:
            report.paired += bool(known & candidates)
            if not known & candidates:
                report.unpaired.append(f"  row {row.person} / trainer {people[min(known)]}")
            partner = index.compare(person_keys(row.person, nicknames), min(known, key=abs))
            report.unrelated_first_names += RELATIVE_WARNING in partner.conflicts
        decision = index.decide(row.person, row.certification, row.number)
        known_before.append(known)
        decisions.append(decision)
        if decision.outcome is Outcome.LINK:
            index.hold(decision.best.trainer_id, row.certification, row.number)
        elif decision.outcome is Outcome.NEW:
            provisional = -(report.created + 1)
            report.created += 1
            index.add(provisional, row.person)
            index.hold(provisional, row.certification, row.number)
            identity_of[provisional], people[provisional] = row.identity, row.person
            ids_of.setdefault(row.identity, set()).add(provisional)
    _settle(decisions, truth.rows, index)
    for row, decision, known in zip(truth.rows, decisions, known_before, strict=True):
        _score(report, row, decision, known, identity_of, people)
    report.decide_seconds = time.perf_counter() - started
    report.weights = index.weights.describe()
    return report


def _settle(decisions: list[Decision], rows: list[Row], index: LinkageIndex) -> None:
    """Send to review the rows that lose a claim to a trainer, as the reconciler does."""
    linked = [at for at, d in enumerate(decisions) if d.outcome is Outcome.LINK]
    claims = [Claim(decisions[at].best.trainer_id, decisions[at].best.bits, rows[at].person)
              for at in linked]
    for lost, won in losing_claims(claims, index).items():
        at = linked[lost]
        decisions[at] = Decision(Outcome.REVIEW, decisions[at].candidates, [
            f"row {linked[won] + 1} links to the same trainer more strongly"])


def _score(report: Report, row: Row, decision: Decision, known: set[int],
           identity_of: dict[int, str], people: dict[int, Person]) -> None:
    corruptions = row.corruptions or ("clean",)
    report.reviews += decision.outcome is Outcome.REVIEW
    if known:
        report.linkable += 1
        report.linkable_by_corruption.update(corruptions)
    if decision.outcome is Outcome.LINK:
        report.links += 1
        linked = decision.best.trainer_id
        if identity_of[linked] == row.identity:
            report.correct_links += 1
        else:
            report.false_links_by_kind[row.kind] += 1
            report.false_links.append(
                f"  {_show(row)}\n    linked to {linked} {_show_person(people[linked])}"
                f" ({decision.best.bits:.1f} bits: {'; '.join(decision.reasons)})")
        return
    if not known:
        return
    report.misses_by_corruption.update(corruptions)
    report.misses_by_doubt.update(_doubts(decision))
    truth_id = min(known, key=abs)
    if decision.outcome is Outcome.REVIEW:
        report.reviews_linkable += 1
        if any(c.trainer_id in known for c in decision.candidates):
            report.reviews_with_truth += 1
    else:
        report.duplicates += 1
    best = decision.best
    report.misses.append(
        f"  {_show(row)}\n    is {truth_id} {_show_person(people[truth_id])}\n    "
        f"{decision.outcome.value}: {'; '.join(decision.reasons)}"
        + (f" (best {best.trainer_id}, {best.bits:.1f} bits: {'; '.join(best.reasons)})"
           if best else ""))


DOUBTS = {"evidence": "too little evidence", "only the name": "uncorroborated",
          "other trainer": "ambiguous", "first names differ": "first name differs",
          "the trainer already holds": "conflict", "a name is missing": "name missing or initial"}


def _median(values: list[int]) -> int:
    return sorted(values)[len(values) // 2] if values else 0


def _doubts(decision: Decision) -> list[str]:
    if decision.outcome is Outcome.NEW:
        return ["called new"]
    return [label for reason in decision.reasons for start, label in DOUBTS.items()
            if reason.startswith(start) or start in reason[:30]]


def _show(row: Row) -> str:
    return (f"[{row.kind}; {', '.join(row.corruptions) or 'clean'}] "
            f"{_show_person(row.person)}")


def _show_person(p: Person) -> str:
    return (f"{p.first_name!r} {p.last_name!r}, {p.city}, {p.state} {p.postal_code}, "
            f"{p.email}, {p.phone}")
