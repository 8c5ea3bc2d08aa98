"""Heart-rate targets against worked examples (ACSM GETP 10th ed.) and their invariants."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from matching.heart_rate import (
    MaxFormula,
    blunting_medications,
    intensity_class,
    karvonen,
    meets_guidelines,
    percent_of_reserve,
    predicted_max,
    rpe_band,
    target_range,
)


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
