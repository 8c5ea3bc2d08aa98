"""GET /api/v1/geocode and the choice of geocoder behind it."""

from __future__ import annotations

import pytest
from geopy.extra.rate_limiter import RateLimiter
from geopy.geocoders import Nominatim
from geopy.location import Location

from directory.geo.services import _build_geocoder

# Geocoding reads the bundled gazetteer (or a stand-in), never the database.
pytestmark = pytest.mark.sqlite_only

URL = "/api/v1/geocode"


def test_a_zip_answers_with_the_place(client):
    response = client.get(URL, query_string={"q": "10001"})

    assert response.status_code == 200
    body = response.get_json()
    assert body == {"label": "New York, NY 10001", "latitude": pytest.approx(40.7484),
                    "longitude": pytest.approx(-73.9967), "precision": "postal_code",
                    "city": "New York", "state": "NY", "postal_code": "10001"}


def test_a_city_answers_with_city_precision(client):
    body = client.get(URL, query_string={"q": "boston, ma"}).get_json()

    assert (body["label"], body["precision"], body["postal_code"]) == (
        "Boston, MA", "city", None)


def test_lat_lon_answers_with_address_precision(client):
    response = client.get(URL, query_string={"q": " 42.36 , -71.06 "})

    assert response.status_code == 200
    assert response.get_json() == {"label": "42.36000,-71.06000", "latitude": 42.36,
                                   "longitude": -71.06, "precision": "address",
                                   "city": None, "state": None, "postal_code": None}


@pytest.mark.parametrize("q", ["91,0", "-90.5,0", "0,180.01"])
def test_out_of_range_coordinates_are_422(client, q):
    response = client.get(URL, query_string={"q": q})

    assert response.status_code == 422
    assert repr(q) in response.get_json()["message"]


def test_an_unknown_place_is_422_naming_the_query(client):
    response = client.get(URL, query_string={"q": "00000"})

    assert response.status_code == 422
    body = response.get_json()
    assert "'00000'" in body["message"]
    assert "Did you mean" not in body["message"]
    assert body["errors"] == {"query": {"q": [body["message"]]}}


def test_an_unknown_place_with_a_recognizable_city_suggests_alternatives(client):
    response = client.get(URL, query_string={"q": "Bostn, ZZ"})

    assert response.status_code == 422
    message = response.get_json()["message"]
    assert "'Bostn, ZZ'" in message
    assert "Did you mean:" in message and "Boston, MA" in message


def test_missing_q_is_422_naming_q(client):
    response = client.get(URL)

    assert response.status_code == 422
    assert list(response.get_json()["errors"]["query"]) == ["q"]


@pytest.mark.parametrize("q", ["", "1" * 200, "1" * 201])
def test_q_must_be_1_to_200_characters(client, q):
    response = client.get(URL, query_string={"q": q})

    assert response.status_code == 422
    message = response.get_json()["errors"]["query"]["q"][0]
    # 200 characters pass validation and reach the geocoder; 0 and 201 do not.
    assert ("Could not find the place" in message) is (len(q) == 200)


def test_an_online_geocoder_answer_is_taken_as_an_address(app, client):
    app.extensions["referfit_geocoder"] = lambda q: Location("1 Main St", (42.0, -71.0), {})

    body = client.get(URL, query_string={"q": "1 Main St"}).get_json()

    assert (body["label"], body["latitude"], body["precision"]) == ("1 Main St", 42.0, "address")


def test_an_online_geocoder_miss_is_422_without_suggestions(app, client):
    app.extensions["referfit_geocoder"] = lambda q: None

    response = client.get(URL, query_string={"q": "Bostn, ZZ"})

    assert response.status_code == 422
    assert "Did you mean" not in response.get_json()["message"]


def test_a_named_geopy_service_is_wrapped_in_a_rate_limiter():
    coder = _build_geocoder({"GEOCODER": "nominatim", "GEOCODER_USER_AGENT": "referfit-tests",
                             "GEOCODER_MIN_DELAY_SECONDS": 1.5})

    limiter = coder.__wrapped__  # behind a cache of places already resolved
    assert isinstance(limiter, RateLimiter)
    assert limiter.min_delay_seconds == 1.5
    assert not limiter.swallow_exceptions
    # Nominatim is asked for US places with their address parts.
    assert limiter.func.keywords == {"addressdetails": True, "country_codes": "us"}
    assert isinstance(limiter.func.func.__self__, Nominatim)
    assert limiter.func.func.__self__.headers["User-Agent"] == "referfit-tests"
    assert coder.cache_info().maxsize > 0


def test_online_geocoder_accepts_a_long_delay():
    coder = _build_geocoder({"GEOCODER": "nominatim", "GEOCODER_USER_AGENT": "referfit-test",
                             "GEOCODER_MIN_DELAY_SECONDS": 6.0})
    assert coder.__wrapped__.min_delay_seconds == 6.0


def test_an_online_geocoder_outage_is_a_503_not_an_unknown_place(app, client):
    from geopy.exc import GeocoderUnavailable

    def down(query):
        raise GeocoderUnavailable("no route to host")

    app.extensions["referfit_geocoder"] = down
    response = client.get("/api/v1/geocode", query_string={"q": "Boston, MA"})
    assert response.status_code == 503
    assert "not answering" in response.json["message"]


def test_an_online_answer_keeps_its_city_state_zip_and_precision(app, client):
    answers = {
        "1 Beacon St, Boston": Location("1 Beacon Street, Boston, MA", (42.3583, -71.0603), {
            "addresstype": "building", "address": {
                "house_number": "1", "road": "Beacon Street", "city": "Boston",
                "state": "Massachusetts", "ISO3166-2-lvl4": "US-MA", "postcode": "02108"}}),
        "02108": Location("02108, Boston", (42.357, -71.064), {
            "addresstype": "postcode", "address": {"postcode": "02108", "city": "Boston",
                                                  "state": "Massachusetts"}}),
        "Sitka, Alaska": Location("Sitka, Alaska", (57.05, -135.33), {
            "addresstype": "town", "address": {"town": "Sitka", "state": "Alaska"}}),
    }
    app.extensions["referfit_geocoder"] = answers.get
    found = {q: client.get(URL, query_string={"q": q}).get_json() for q in answers}
    assert [(p["precision"], p["city"], p["state"], p["postal_code"])
            for p in found.values()] == [("address", "Boston", "MA", "02108"),
                                         ("postal_code", "Boston", "MA", "02108"),
                                         ("city", "Sitka", "AK", None)]
