"""The search snapshot's arithmetic agrees with the pure definitions in matching/."""

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from directory.search.services import haversine_km_array
from matching.distance import haversine_km

latitudes = st.floats(-89.9, 89.9)
longitudes = st.floats(-179.9, 179.9)


@given(latitudes, longitudes, st.lists(st.tuples(latitudes, longitudes), min_size=1,
                                       max_size=20))
def test_vectorised_haversine_equals_the_scalar_one(lat, lon, points):
    lats = np.array([p[0] for p in points])
    lons = np.array([p[1] for p in points])
    expected = [haversine_km(lat, lon, p[0], p[1]) for p in points]
    assert np.allclose(haversine_km_array(lat, lon, lats, lons), expected, atol=1e-6)
