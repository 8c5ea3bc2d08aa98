"""The clearance rule, as a property: a prescription is refused exactly when its hardest
intensity goes beyond the clearance and no reason is recorded."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from directory.referrals.services import clearance_problem
from matching.heart_rate import RPE_SCALE, rpe_class
from matching.screening import Intensity

rpe_bands = st.lists(st.integers(*RPE_SCALE), min_size=2, max_size=2).map(sorted)
limits = st.sampled_from(list(Intensity))
reasons = st.none() | st.text(min_size=1, max_size=20)


def targets(band) -> dict:
    return {"rpe_low": band[0], "rpe_high": band[1], "percent_low": None,
            "percent_high": None}


@given(rpe_bands, limits, reasons)
def test_refused_exactly_beyond_the_clearance_without_a_reason(band, limit, reason):
    problem = clearance_problem({"given": True, "up_to": limit, "override_reason": reason},
                                targets(band))
    beyond = Intensity(rpe_class(band[1])).exceeds(limit)
    assert (problem is not None) == (beyond and not reason)
    if problem:
        assert f"covers up to {limit.value}" in problem


@given(rpe_bands, limits, limits)
def test_a_wider_clearance_never_refuses_what_a_narrower_one_allows(band, a, b):
    narrow, wide = sorted((a, b), key=list(Intensity).index)
    clearance = {"given": True, "override_reason": None}
    if clearance_problem({**clearance, "up_to": narrow}, targets(band)) is None:
        assert clearance_problem({**clearance, "up_to": wide}, targets(band)) is None


@given(rpe_bands)
def test_no_limit_or_no_clearance_given_refuses_nothing(band):
    for clearance in ({"given": True, "up_to": None, "override_reason": None},
                      {"given": False, "up_to": Intensity.LIGHT, "override_reason": None}):
        assert clearance_problem(clearance, targets(band)) is None
