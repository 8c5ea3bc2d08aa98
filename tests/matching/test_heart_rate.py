"""Heart-rate targets against worked examples (ACSM GETP 10th ed.) and their invariants."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from matching.heart_rate import (
    RPE,
    RPE_SCALE,
    MaxFormula,
    blunting_medications,
    intensity_class,
    karvonen,
    meets_guidelines,
    percent_of_reserve,
    predicted_max,
    rpe_band,
    rpe_class,
    rpe_span,
    target_range,
)
from matching.screening import Intensity


@pytest.mark.parametrize(("formula", "age", "expected"), [
    (MaxFormula.FOX, 62, 158), (MaxFormula.TANAKA, 62, 164.6),
    (MaxFormula.GELLISH, 62, 163.6), (MaxFormula.FOX, 45, 175),
    (MaxFormula.TANAKA, 40, 180),
])
def test_predicted_maximum_by_formula(formula, age, expected):
    assert predicted_max(age, formula) == pytest.approx(expected)


def test_karvonen_worked_example():
    # 45 years old, resting 70, maximum 220 - 45 = 175: reserve 105 beats.
    assert target_range(70, 175, 50, 60) == (123, 133)  # 122.5 rounds up, 133.0
    assert karvonen(70, 175, 40) == pytest.approx(112.0)


def test_a_62_year_old_at_moderate_intensity():
    maximum = predicted_max(62, MaxFormula.FOX)  # 158
    assert target_range(70, maximum, 40, 59) == (105, 122)


@pytest.mark.parametrize(("percent", "name"), [
    (0, "very_light"), (29.9, "very_light"), (30, "light"), (39, "light"),
    (40, "moderate"), (59.9, "moderate"), (60, "vigorous"), (89, "vigorous"),
    (90, "near_maximal"), (100, "near_maximal"),
])
def test_intensity_classes(percent, name):
    assert intensity_class(percent) == name


def test_impossible_inputs_are_refused():
    with pytest.raises(ValueError, match="below the maximum"):
        karvonen(180, 160, 50)
    with pytest.raises(ValueError, match="down to"):
        target_range(70, 160, 60, 40)
    with pytest.raises(ValueError, match="outside"):
        predicted_max(0)
    with pytest.raises(ValueError, match="share"):
        karvonen(70, 160, 120)


def test_physical_activity_vital_sign():
    assert meets_guidelines(150, 0, 2)
    assert meets_guidelines(0, 75, 2)
    assert not meets_guidelines(140, 0, 3)
    assert not meets_guidelines(200, 0, 1)


@given(resting=st.integers(35, 110), age=st.integers(18, 95),
       low=st.integers(0, 100), high=st.integers(0, 100),
       formula=st.sampled_from(MaxFormula))
def test_targets_lie_between_resting_and_maximum_in_order(resting, age, low, high, formula):
    maximum = predicted_max(age, formula)
    low, high = sorted((low, high))
    if resting >= maximum:
        return
    bottom, top = target_range(resting, maximum, low, high)
    assert resting <= bottom + 0.5 and top <= maximum + 0.5
    assert bottom <= top
    assert percent_of_reserve(karvonen(resting, maximum, low), resting, maximum) == (
        pytest.approx(low))


@given(age=st.integers(1, 119), formula=st.sampled_from(MaxFormula))
def test_older_means_a_lower_predicted_maximum(age, formula):
    assert predicted_max(age + 1, formula) < predicted_max(age, formula)


def test_rate_limiting_medications_are_recognised_in_any_form():
    medications = ["Metoprolol succinate 50 mg", "metformin", "DILTIAZEM ER", "lisinopril"]
    assert blunting_medications(medications) == ["Metoprolol succinate 50 mg", "DILTIAZEM ER"]
    assert blunting_medications(["a beta-blocker"]) == ["a beta-blocker"]
    assert blunting_medications(["atorvastatin"]) == []


@pytest.mark.parametrize(("low", "high", "band"), [
    (30, 39, (9, 11)), (40, 59, (12, 13)), (60, 80, (14, 17)), (30, 59, (9, 13)),
    (40, 89, (12, 17)), (10, 20, (9, 11)), (95, 100, (14, 17))])
def test_the_rpe_band_covers_both_ends_of_the_reserve_band(low, high, band):
    assert rpe_band(low, high) == band


def test_beta_blockers_are_recognised_by_brand_and_by_their_endings():
    found = blunting_medications(["Toprol XL 50", "Coreg", "timolol drops", "nebivolol",
                                  "labetalol", "Cardizem CD", "amlodipine", "Bystolic"])
    assert found == ["Toprol XL 50", "Coreg", "timolol drops", "nebivolol", "labetalol",
                     "Cardizem CD", "Bystolic"]


# The RPE table names three classes; the reserve's very light and near maximal ends are
# prescribed at its light and vigorous bands.
AS_RPE_CLASS = {"very_light": "light", "light": "light", "moderate": "moderate",
                "vigorous": "vigorous", "near_maximal": "vigorous"}
percents = st.floats(0, 100, allow_nan=False)
rpes = st.integers(*RPE_SCALE)


@given(percents, percents)
def test_a_reserve_bands_name_and_rpe_band_agree(a, b):
    """The issue's example: 50-70% was named "moderate" while its RPE ran 12-17."""
    low, high = sorted((a, b))
    ends = [AS_RPE_CLASS[intensity_class(p)] for p in (low, high)]
    assert rpe_span(*rpe_band(low, high)) == (ends[0] if ends[0] == ends[1] else
                                              f"{ends[0]}_to_{ends[1]}")


@given(rpes, rpes)
def test_every_rpe_in_a_band_lies_between_the_classes_its_name_gives(a, b):
    low, high = sorted((a, b))
    order = list(RPE)
    first, _, last = rpe_span(low, high).partition("_to_")
    last = last or first
    assert all(order.index(first) <= order.index(rpe_class(r)) <= order.index(last)
               for r in range(low, high + 1))


def test_a_band_within_one_class_has_that_name_alone():
    assert [rpe_span(*band) for band in RPE.values()] == list(RPE)
    assert rpe_span(12, 17) == "moderate_to_vigorous"


def test_intensities_are_in_order_lightest_first():
    light, moderate, vigorous = Intensity.LIGHT, Intensity.MODERATE, Intensity.VIGOROUS
    assert vigorous.exceeds(moderate) and moderate.exceeds(light) and vigorous.exceeds(light)
    assert not any(i.exceeds(i) for i in Intensity)
    assert not light.exceeds(moderate) and not moderate.exceeds(vigorous)
