"""Blocking: the few trainers worth comparing with a row, never the whole directory.

A trainer is filed under many keys and a row looks under the same keys, so a true pair
meets in at least one block whichever single field a list got wrong:

- surname with given name or nickname group (Bob meets Robert); a Soundex sound-alike
  surname with the given name (a typo in the surname); the surname with a sound-alike
  given name or just its initial (typos in the given name, initials);
- the ZIP with the surname's first three letters (a typo later in it), or with the given
  name (any corruption of the other name);
- the given name with the city (the surname and the ZIP wrong);
- the ZIP, the city or the given name with the street's first four letters (a street
  misspelt, or run into its type: "Balfourcrescent"), the ZIP with the house number, and
  the house number with the street (both names wrong);
- NYSIIS codes of both names (typos in both, a wrong first letter), and of the surname
  within the state;
- the email; the phone;
- the same keys with the row's names read the other way round (swapped columns);
- a sorted neighbourhood: the trainers next to the row in alphabetical order of
  "surname given" and of "given surname" (a typo that changes every code above).

Blocks longer than MAX_BLOCK are skipped, and the broad families' (initial, given name in
a city or on a street, phonetic surname in a state) beyond MAX_BROAD_BLOCK, as other keys find their
pairs; email and phone blocks never are. So a row meets a bounded number of
trainers however big the directory is.
"""

from __future__ import annotations

from bisect import bisect_left, insort

from directory.linkage.keys import Keys, Nicknames, nysiis, soundex

MAX_BLOCK = 200
# Families whose blocks hold many people who merely share a common name and a big place:
# walked only while small, as the narrower families find most of their pairs.
BROAD = ("i:", "gc:", "gs:", "ps:")
MAX_BROAD_BLOCK = 50
NEIGHBOURS = 3  # each side of a row in each sorted order
UNCAPPED = ("em:", "ph:")  # email and phone blocks are walked whatever their size
# Letters of a street's and a surname's start that place blocks use (see above).
STREET_PREFIX, SURNAME_PREFIX = 4, 3


def block_keys(keys: Keys) -> set[str]:
    """The blocks a trainer is filed under, and a row looks under."""
    found = set()
    givens = _given_keys(keys)
    # The street's first letters: "Studley Steet", "Balfourcrescent" and "Auroraclose"
    # still meet Studley Street, Balfour Crescent and Aurora Close.
    street = keys.street[:STREET_PREFIX] if keys.street else None
    surnames = {s for s in keys.surnames if len(s) >= 2} | ({keys.surname} - {""})
    for surname in surnames:
        code = soundex(surname)
        for given in givens:
            found.add(f"n:{surname}:{given}")
            found.add(f"s:{code}:{given}")
        if keys.given:
            found.add(f"f:{surname}:{soundex(keys.given)}")
            found.add(f"i:{surname}:{keys.given[0]}")
        if keys.postal_code:  # its first letters: a typo later in it still meets
            found.add(f"sz:{surname[:SURNAME_PREFIX]}:{keys.postal_code}")
        if keys.state:
            found.add(f"ps:{nysiis(surname)}:{keys.state}")
    if keys.postal_code:
        found.update(f"gz:{given}:{keys.postal_code}" for given in givens)
        if keys.street_number:
            found.add(f"a:{keys.postal_code}:{keys.street_number}")
        if street:
            found.add(f"zs:{keys.postal_code}:{street}")
    if keys.city:
        found.update(f"gc:{given}:{keys.city}" for given in givens)
        if street:
            found.add(f"cs:{keys.city}:{street}")
    if street and keys.given:
        found.add(f"gs:{keys.given}:{street}")
    if keys.street_number and keys.street:
        found.add(f"st:{keys.street_number}:{keys.street}")
    if keys.given_joined and keys.surname:
        found.add(f"pn:{nysiis(keys.given_joined)}:{nysiis(keys.surname)}")
    found.update(f"{kind}{value}" for kind, value in (("em:", keys.email), ("ph:", keys.phone))
                 if value)
    return found


def searched_keys(keys: Keys, nicknames: Nicknames) -> set[str]:
    """The blocks worth searching for a row: its own, and its names read swapped. The
    surname with an initial is searched only for a row that gives just an initial."""
    found = block_keys(keys)
    if len(keys.given) > 1:
        found = {key for key in found if not key.startswith("i:")}
    if keys.given and keys.surnames:
        swapped_given = keys.surnames[0]
        found |= block_keys(keys._replace(
            given=swapped_given, given_joined=keys.surname, surnames=(keys.given_joined,),
            groups=nicknames.groups(swapped_given)))
    return found


def _given_keys(keys: Keys) -> set[str]:
    """A given name's block keys: itself, run together, and its nickname groups."""
    return {keys.given, keys.given_joined, *(f"#{g}" for g in keys.groups)} - {""}


class SortedNames:
    """Trainers in alphabetical order of one name key, to find a row's neighbours.

    Filled in bulk then sorted once on the first search; a trainer added after that (one
    an import creates) is inserted in place.
    """

    def __init__(self):
        self._entries: list[tuple[str, int]] = []
        self._sorted = True

    def add(self, name: str, trainer_id: int) -> None:
        if not name:
            return
        if self._sorted and self._entries and len(self._entries) > 1_000:
            insort(self._entries, (name, trainer_id))
        else:
            self._entries.append((name, trainer_id))
            self._sorted = False

    def neighbours(self, name: str, width: int = NEIGHBOURS) -> list[int]:
        if not name:
            return []
        if not self._sorted:
            self._entries.sort()
            self._sorted = True
        at = bisect_left(self._entries, (name, -1 << 62))
        return [trainer_id for _, trainer_id in self._entries[max(0, at - width):at + width]]


def name_orders(keys: Keys) -> tuple[str, str]:
    """A person's two sort keys: "surname given" and "given surname"."""
    return (f"{keys.surname} {keys.given_joined}".strip(),
            f"{keys.given_joined} {keys.surname}".strip())
