"""The offline US geocoder and the helpers it parses place names with."""

from __future__ import annotations

import pytest
import zipcodes
from geopy.geocoders.base import Geocoder
from geopy.location import Location

from directory.geo.gazetteer import (
    Gazetteer,
    OfflineGeocoder,
    normalize_place_name,
    resolve_state,
    split_city_state,
)
from directory.geo.states import STATE_NAMES


@pytest.fixture(scope="module")
def geocoder():
    coder = OfflineGeocoder()
    coder.geocode("10001")  # build the (cached) gazetteer once, up front
    return coder


def record(zip_code, city, state, lat, long, acceptable_cities=()):
    return {"zip_code": zip_code, "city": city, "state": state, "lat": lat, "long": long,
            "acceptable_cities": list(acceptable_cities)}


# --- geopy compatibility -------------------------------------------------------------

def test_it_is_a_geopy_geocoder_answering_with_locations(geocoder):
    assert isinstance(geocoder, Geocoder)
    assert isinstance(geocoder.geocode("Boston, MA"), Location)


def test_exactly_one_false_answers_with_a_list_of_one(geocoder):
    locations = geocoder.geocode("10001", exactly_one=False)

    assert isinstance(locations, list)
    assert [loc.point for loc in locations] == [geocoder.geocode("10001").point]


# --- ZIP codes -----------------------------------------------------------------------

def test_a_zip_resolves_to_its_centroid_with_postal_code_precision(geocoder):
    location = geocoder.geocode("10001")

    assert location.address == "New York, NY 10001"
    assert (location.latitude, location.longitude) == pytest.approx((40.7484, -73.9967))
    assert location.raw == {"precision": "postal_code", "city": "New York", "state": "NY",
                            "postal_code": "10001"}


@pytest.mark.parametrize("query", ["10001-1234", " 10001 "])
def test_zip_plus_four_and_padded_zips_resolve_to_the_five_digit_zip(geocoder, query):
    assert geocoder.geocode(query).point == geocoder.geocode("10001").point


def test_an_unknown_zip_is_none(geocoder):
    assert geocoder.geocode("00000") is None
    assert geocoder.geocode("00000", exactly_one=False) is None


def test_a_zip_stored_without_coordinates_is_never_placed_at_0_0(geocoder):
    no_point = next(z["zip_code"] for z in zipcodes.list_all()
                    if z["lat"] == "0" or z["long"] == "0")

    assert geocoder.geocode(no_point) is None


# Guam, the Northern Marianas and American Samoa are US ZIPs outside these bounds.
PACIFIC_TERRITORIES = {"GU", "MP", "AS"}
SAMPLE_ZIPS = [z["zip_code"] for z in zipcodes.list_all()
               if z["state"] in STATE_NAMES.keys() - PACIFIC_TERRITORIES][::25]


def test_every_point_for_a_sample_of_real_zips_lies_in_the_us(geocoder):
    points = {code: geocoder.geocode(code) for code in SAMPLE_ZIPS}
    outside = {code: loc.point[:2] for code, loc in points.items()
               if loc and not (17 <= loc.latitude <= 72 and -180 <= loc.longitude <= -64)}

    assert len(SAMPLE_ZIPS) > 1000
    assert sum(loc is not None for loc in points.values()) > 0.99 * len(SAMPLE_ZIPS)
    assert outside == {}


# --- cities --------------------------------------------------------------------------

@pytest.mark.parametrize("query", ["boston, ma", "BOSTON MA", "Boston, Massachusetts",
                                   "Boston , MA ", "Bostn, MA"])
def test_forms_and_typos_of_boston_resolve_to_boston(geocoder, query):
    boston = geocoder.geocode("Boston, MA")

    location = geocoder.geocode(query)

    assert location.address == "Boston, MA"
    assert location.point == boston.point
    assert (boston.latitude, boston.longitude) == pytest.approx((42.34, -71.06), abs=0.1)


def test_a_city_has_city_precision_and_no_postal_code(geocoder):
    assert geocoder.geocode("Boston, MA").raw == {
        "precision": "city", "city": "Boston", "state": "MA", "postal_code": None}


@pytest.mark.parametrize("query", ["St. Louis, MO", "Saint Louis, MO", "St Louis Missouri"])
def test_saint_and_st_forms_resolve_to_the_same_point(geocoder, query):
    location = geocoder.geocode(query)

    assert location.address == "Saint Louis, MO"
    assert (location.latitude, location.longitude) == pytest.approx((38.6, -90.2), abs=0.2)


@pytest.mark.parametrize("query", ["Philadelpia, PA", "Philadelphia, Pensylvania"])
def test_small_typos_in_city_or_state_are_tolerated(geocoder, query):
    assert geocoder.geocode(query).address == "Philadelphia, PA"


@pytest.mark.parametrize("query", ["Atlantis, ZZ", "Springfield", "Xqzvw, MA", ""])
def test_unknown_or_ambiguous_places_are_none(geocoder, query):
    assert geocoder.geocode(query) is None


def test_the_state_picks_between_cities_of_the_same_name(geocoder):
    illinois = geocoder.geocode("Springfield, IL")
    massachusetts = geocoder.geocode("Springfield, MA")

    assert illinois.raw["state"] == "IL" and massachusetts.raw["state"] == "MA"
    assert illinois.longitude < -85 < -75 < massachusetts.longitude


# --- suggestions ---------------------------------------------------------------------

def test_suggest_offers_city_state_names_for_a_misspelled_city(geocoder):
    assert geocoder.suggest("Sprngfeld, IL") == ["Springfield, IL"]

    anywhere = geocoder.suggest("Springfeld")
    assert 0 < len(anywhere) <= 3
    assert all(name.startswith("Springfield, ") for name in anywhere)


def test_suggest_searches_every_state_when_the_state_is_unknown(geocoder):
    assert "Boston, MA" in geocoder.suggest("Bostn, ZZ")


def test_suggest_offers_nothing_for_a_zip(geocoder):
    assert geocoder.suggest("00000") == []


# --- the Gazetteer index -------------------------------------------------------------

def test_gazetteer_indexes_acceptable_names_and_skips_zips_without_coordinates():
    gazetteer = Gazetteer([
        record("11111", "Alpha", "NY", "41.0", "-74.0", acceptable_cities=["Alpha Village"]),
        record("11112", "Alpha", "NY", "43.0", "-76.0"),
        record("11113", "Nowhere", "NY", "0", "0"),
    ])

    assert gazetteer.zips["11113"].point is None
    assert gazetteer.find_city("NY", "Nowhere") is None
    assert gazetteer.find_city("NY", "alpha village").postal_codes == ["11111"]
    alpha = gazetteer.find_city("NY", "ALPHA")
    assert alpha.postal_codes == ["11111", "11112"]
    assert alpha.centroid == pytest.approx((42.0, -75.0))


def test_gazetteer_does_not_look_for_a_city_in_another_state():
    gazetteer = Gazetteer([record("11111", "Alpha", "NY", "41.0", "-74.0")])

    assert gazetteer.find_city("NJ", "Alpha") is None


# --- name helpers --------------------------------------------------------------------

@pytest.mark.parametrize(("name", "normalized"), [
    ("St. Louis", "saint louis"),
    ("Ft. Lauderdale", "fort lauderdale"),
    ("Mt Vernon", "mount vernon"),
    ("Cañon City", "canon city"),
    ("  COEUR-D'ALENE ", "coeur d alene"),
])
def test_normalize_place_name_folds_case_accents_punctuation_and_abbreviations(name, normalized):
    assert normalize_place_name(name) == normalized


@pytest.mark.parametrize(("text", "code"), [
    ("ma", "MA"), (" MA ", "MA"), ("Massachusetts", "MA"), ("new york", "NY"),
    ("Pensylvania", "PA"), ("ZZ", None), ("Atlantis", None), ("", None),
])
def test_resolve_state_reads_codes_names_and_small_typos(text, code):
    assert resolve_state(text) == code


@pytest.mark.parametrize(("query", "parts"), [
    ("Boston, MA", ("Boston", "MA")),
    ("Boston, Massachusetts", ("Boston", "MA")),
    ("Kansas City MO", ("Kansas City", "MO")),
    ("New York New York", ("New York", "NY")),
    ("Charleston West Virginia", ("Charleston", "WV")),
    ("Springfield", ("Springfield", None)),
    ("Washington", ("Washington", None)),
    ("Atlantis, ZZ", ("Atlantis", None)),
])
def test_split_city_state(query, parts):
    assert split_city_state(query) == parts
