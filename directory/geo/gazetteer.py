"""An offline, geopy-compatible geocoder for US places, backed by the zipcodes package.

It resolves a ZIP code, "City, ST" and "City, State" (any case, "St."/"Saint" forms,
small typos) to the ZIP's or the city's centroid. ZIPs the gazetteer stores without
coordinates ("0") are never used as a point at (0, 0).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import cache
from statistics import fmean

import zipcodes
from geopy.geocoders.base import Geocoder
from geopy.location import Location
from rapidfuzz import fuzz, process

from directory.geo.states import STATE_NAMES

ZIP_PATTERN = re.compile(r"^\s*(\d{5})(?:-\d{4})?\s*$")
# Typos tolerated in a city or state name: a ratio of at least this (0-100).
FUZZY_CUTOFF = 85
# Words spelled several ways in US place names, mapped to one spelling.
ABBREVIATIONS = {"st": "saint", "ste": "sainte", "ft": "fort", "mt": "mount", "pt": "port"}


def normalize_place_name(name: str) -> str:
    """Fold case, accents, punctuation and common abbreviations of a place name."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    words = re.sub(r"[^a-z0-9]+", " ", ascii_name.lower()).split()
    return " ".join(ABBREVIATIONS.get(word, word) for word in words)


@dataclass
class City:
    name: str
    state: str
    postal_codes: list[str] = field(default_factory=list)
    points: list[tuple[float, float]] = field(default_factory=list)

    @property
    def centroid(self) -> tuple[float, float]:
        return fmean(p[0] for p in self.points), fmean(p[1] for p in self.points)


@dataclass(frozen=True)
class ZipRecord:
    postal_code: str
    city: str
    state: str
    point: tuple[float, float] | None  # None where the gazetteer has no coordinates


class Gazetteer:
    """Indexes of the zipcodes data: by ZIP, and by (state, normalized city)."""

    def __init__(self, records: list[dict]):
        self.zips: dict[str, ZipRecord] = {}
        self.cities: dict[tuple[str, str], City] = {}
        for record in records:
            point = _point(record)
            self.zips[record["zip_code"]] = ZipRecord(
                record["zip_code"], record["city"], record["state"], point
            )
            if point is None:
                continue
            for name in [record["city"], *record.get("acceptable_cities", [])]:
                key = (record["state"], normalize_place_name(name))
                city = self.cities.setdefault(key, City(name=name, state=record["state"]))
                city.postal_codes.append(record["zip_code"])
                city.points.append(point)
        self.city_keys_by_state: dict[str, list[str]] = {}
        for state, key in self.cities:
            self.city_keys_by_state.setdefault(state, []).append(key)

    def find_city(self, state: str, name: str) -> City | None:
        key = normalize_place_name(name)
        if (state, key) in self.cities:
            return self.cities[(state, key)]
        best = process.extractOne(
            key, self.city_keys_by_state.get(state, []), scorer=fuzz.ratio,
            score_cutoff=FUZZY_CUTOFF,
        )
        return self.cities[(state, best[0])] if best else None

    def suggest_cities(self, state: str | None, name: str, limit: int = 3) -> list[str]:
        """Return the closest "City, ST" names, for an error message."""
        key = normalize_place_name(name)
        states = [state] if state else list(self.city_keys_by_state)
        choices = {
            (s, k): k for s in states for k in self.city_keys_by_state.get(s, [])
        }
        matches = process.extract(key, choices, scorer=fuzz.WRatio, limit=limit, score_cutoff=75)
        return [f"{self.cities[m[2]].name}, {m[2][0]}" for m in matches]


def _point(record: dict) -> tuple[float, float] | None:
    lat, lon = float(record["lat"]), float(record["long"])
    return None if lat == 0 or lon == 0 else (lat, lon)


@cache
def gazetteer() -> Gazetteer:
    """Build the gazetteer once per process (about a second)."""
    return Gazetteer(zipcodes.list_all())


def resolve_state(text: str) -> str | None:
    """Return the two-letter code for a state code or name, tolerating small typos."""
    text = text.strip()
    if text.upper() in STATE_NAMES:
        return text.upper()
    by_name = {normalize_place_name(name): code for code, name in STATE_NAMES.items()}
    best = process.extractOne(
        normalize_place_name(text), list(by_name), scorer=fuzz.ratio, score_cutoff=FUZZY_CUTOFF
    )
    return by_name[best[0]] if best else None


def split_city_state(query: str) -> tuple[str, str | None]:
    """Split "City, ST", "City, State" or "City ST" into a city and a state code."""
    if "," in query:
        city, _, state_text = query.rpartition(",")
        return city.strip(), resolve_state(state_text)
    words = query.split()
    # Try the longest state name at the end first ("New York" before "York").
    for size in (3, 2, 1):
        if len(words) > size and (state := _exact_state(" ".join(words[-size:]))):
            return " ".join(words[:-size]), state
    return query.strip(), None


def _exact_state(text: str) -> str | None:
    if text.upper() in STATE_NAMES:
        return text.upper()
    key = normalize_place_name(text)
    return next((c for c, n in STATE_NAMES.items() if normalize_place_name(n) == key), None)


class OfflineGeocoder(Geocoder):
    """A geopy geocoder that answers from the bundled US gazetteer, with no network."""

    def __init__(self, gazetteer_factory=gazetteer):
        super().__init__()
        self._gazetteer = gazetteer_factory

    def geocode(self, query: str, *, exactly_one: bool = True, timeout=None):
        """Return a Location (or a list of one) for the place, or None if unknown."""
        location = self._locate(str(query))
        if location is None:
            return None
        return location if exactly_one else [location]

    def suggest(self, query: str) -> list[str]:
        """Return places whose names are close to an unresolved query."""
        if ZIP_PATTERN.match(query):
            return []
        city, state = split_city_state(query)
        return self._gazetteer().suggest_cities(state, city) if city else []

    def _locate(self, query: str) -> Location | None:
        if match := ZIP_PATTERN.match(query):
            return self._locate_zip(match.group(1))
        city_name, state = split_city_state(query)
        if not city_name or state is None:
            return None
        city = self._gazetteer().find_city(state, city_name)
        if city is None:
            return None
        raw = {"precision": "city", "city": city.name, "state": state, "postal_code": None}
        return Location(f"{city.name}, {state}", city.centroid, raw)

    def _locate_zip(self, postal_code: str) -> Location | None:
        record = self._gazetteer().zips.get(postal_code)
        if record is None or record.point is None:
            return None
        raw = {"precision": "postal_code", "city": record.city, "state": record.state,
               "postal_code": postal_code}
        return Location(f"{record.city}, {record.state} {postal_code}", record.point, raw)
