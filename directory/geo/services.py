"""Turn what people type ("10001", "Boston, MA", "42.36,-71.06") into points."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache, partial

from flask import current_app
from geopy.exc import GeopyError
from geopy.extra.rate_limiter import RateLimiter
from geopy.geocoders import get_geocoder_for_service
from geopy.location import Location
from werkzeug.exceptions import ServiceUnavailable

from directory.geo.gazetteer import OfflineGeocoder
from directory.geo.states import STATE_NAMES
from directory.trainers.models import LocationPrecision

ONLINE_CACHE_SIZE = 4096
LAT_LON_PATTERN = re.compile(r"^\s*(-?\d+(?:\.\d+)?)\s*,\s*(-?\d+(?:\.\d+)?)\s*$")


@dataclass(frozen=True)
class Place:
    label: str
    latitude: float
    longitude: float
    precision: LocationPrecision
    city: str | None = None
    state: str | None = None
    postal_code: str | None = None


class PlaceNotFound(ValueError):
    """A place that cannot be resolved, with the names it was probably meant to be."""

    def __init__(self, query: str, suggestions: list[str] | None = None):
        self.query = query
        self.suggestions = suggestions or []
        message = (f"Could not find the place {query!r}. "
                   "Give a US ZIP code, 'City, ST' or 'lat,lon'.")
        if self.suggestions:
            message += " Did you mean: " + "; ".join(self.suggestions) + "?"
        super().__init__(message)


def geocoder():
    """Return the app's geocoder, built once per app from the GEOCODER setting."""
    if "referfit_geocoder" not in current_app.extensions:
        current_app.extensions["referfit_geocoder"] = _build_geocoder(current_app.config)
    return current_app.extensions["referfit_geocoder"]


def _build_geocoder(config):
    """The offline geocoder, or a cached, rate-limited online one (a callable)."""
    name = config["GEOCODER"]
    if name == "offline":
        return OfflineGeocoder()
    online = get_geocoder_for_service(name)(user_agent=config["GEOCODER_USER_AGENT"])
    geocode = online.geocode
    if name == "nominatim":  # US places, with the address parts a trainer's place needs
        geocode = partial(online.geocode, addressdetails=True, country_codes="us")
    # Public geocoding services ban clients that exceed about one request a second.
    delay = config["GEOCODER_MIN_DELAY_SECONDS"]
    # geopy requires the wait after an error to be at least the normal delay.
    # An outage must surface as an error, not pass for an unknown place.
    limited = RateLimiter(geocode, min_delay_seconds=delay,
                          error_wait_seconds=max(5.0, delay), swallow_exceptions=False)
    # Places repeat: answer them from memory rather than send them upstream again.
    return lru_cache(maxsize=ONLINE_CACHE_SIZE)(limited)


def resolve_place(query: str) -> Place:
    """Resolve a ZIP, a "City, ST" or a "lat,lon" pair, or raise PlaceNotFound."""
    query = query.strip()
    if match := LAT_LON_PATTERN.match(query):
        return _coordinates(query, float(match.group(1)), float(match.group(2)))
    coder = geocoder()
    try:
        found = coder.geocode(query) if isinstance(coder, OfflineGeocoder) else coder(query)
    except GeopyError as error:
        raise ServiceUnavailable("The geocoding service is not answering; try again, or "
                                 "give the place as 'lat,lon'.") from error
    if found is None:
        suggestions = coder.suggest(query) if isinstance(coder, OfflineGeocoder) else []
        raise PlaceNotFound(query, suggestions)
    return _place_from_location(found)


def _coordinates(query: str, latitude: float, longitude: float) -> Place:
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        raise PlaceNotFound(query)
    label = f"{latitude:.5f},{longitude:.5f}"
    return Place(label, latitude, longitude, LocationPrecision.ADDRESS)


def _place_from_location(location: Location) -> Place:
    raw = location.raw if isinstance(location.raw, dict) else {}
    # The offline geocoder says what it matched; online ones answer in their own shape.
    parts = raw if "precision" in raw else _online_parts(raw)
    return Place(
        label=location.address,
        latitude=location.latitude,
        longitude=location.longitude,
        precision=LocationPrecision(parts.get("precision", LocationPrecision.ADDRESS)),
        city=parts.get("city"),
        state=parts.get("state"),
        postal_code=parts.get("postal_code"),
    )


STATE_CODES = {name.casefold(): code for code, name in STATE_NAMES.items()}


def _online_parts(raw: dict) -> dict:
    """City, state, ZIP and precision from a Nominatim-style answer (addressdetails)."""
    address = raw.get("address") or {}
    iso = address.get("ISO3166-2-lvl4", "")
    state = iso[3:] if iso.startswith("US-") else STATE_CODES.get(
        str(address.get("state", "")).casefold())
    city = next((address[k] for k in ("city", "town", "village", "hamlet") if k in address),
                None)
    if "house_number" in address:
        precision = LocationPrecision.ADDRESS
    elif raw.get("addresstype") == "postcode":
        precision = LocationPrecision.POSTAL_CODE
    elif city:
        precision = LocationPrecision.CITY
    else:
        precision = LocationPrecision.ADDRESS
    return {"precision": precision, "city": city, "state": state,
            "postal_code": address.get("postcode")}
