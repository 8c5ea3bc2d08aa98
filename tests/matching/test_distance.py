"""haversine_km and the mile/kilometre conversions."""

from __future__ import annotations

import math

import pytest
from geopy.distance import geodesic
from hypothesis import given
from hypothesis import strategies as st

from matching.distance import (
    EARTH_MEAN_RADIUS_KM,
    KM_PER_MILE,
    haversine_km,
    km_to_miles,
    miles_to_km,
)

latitudes = st.floats(min_value=-90, max_value=90)
longitudes = st.floats(min_value=-180, max_value=180)

# A sphere of the mean radius is off the WGS-84 geodesic by at most ~0.56%: the worst
# case is a short north-south hop at the equator, where the meridian's radius of
# curvature (6335.4 km) is smallest. 1 mm absorbs rounding on near-zero distances.
RELATIVE_TOLERANCE = 0.006
ABSOLUTE_TOLERANCE_KM = 1e-6


@given(latitudes, longitudes, latitudes, longitudes)
def test_haversine_is_close_to_the_wgs84_geodesic(lat1, lon1, lat2, lon2):
    expected = geodesic((lat1, lon1), (lat2, lon2)).km

    actual = haversine_km(lat1, lon1, lat2, lon2)

    assert abs(actual - expected) <= RELATIVE_TOLERANCE * expected + ABSOLUTE_TOLERANCE_KM


@given(latitudes, longitudes, latitudes, longitudes)
def test_haversine_is_symmetric(lat1, lon1, lat2, lon2):
    assert haversine_km(lat1, lon1, lat2, lon2) == pytest.approx(
        haversine_km(lat2, lon2, lat1, lon1), rel=1e-12, abs=1e-9
    )


@given(latitudes, longitudes)
def test_haversine_from_a_point_to_itself_is_zero(lat, lon):
    assert haversine_km(lat, lon, lat, lon) == 0


@given(latitudes, longitudes, latitudes, longitudes)
def test_haversine_never_exceeds_half_the_circumference(lat1, lon1, lat2, lon2):
    assert 0 <= haversine_km(lat1, lon1, lat2, lon2) <= math.pi * EARTH_MEAN_RADIUS_KM + 1e-9


def test_haversine_from_new_york_to_los_angeles():
    assert haversine_km(40.7128, -74.0060, 34.0522, -118.2437) == pytest.approx(3936, abs=2)


def test_one_mile_is_1_609344_km():
    assert miles_to_km(1) == KM_PER_MILE == 1.609344
    assert km_to_miles(1.609344) == pytest.approx(1)
    assert km_to_miles(100) == pytest.approx(62.137, abs=1e-3)


@given(st.floats(min_value=0, max_value=50_000))
def test_km_and_miles_round_trip(km):
    assert miles_to_km(km_to_miles(km)) == pytest.approx(km, rel=1e-12, abs=1e-12)
    assert km_to_miles(miles_to_km(km)) == pytest.approx(km, rel=1e-12, abs=1e-12)
