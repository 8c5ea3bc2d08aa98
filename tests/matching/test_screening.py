"""The ACSM pre-participation screening algorithm, box by box (Riebe et al., 2015)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from matching.screening import Clearance, Intensity, Screening, StartingIntensity, screen

C, S = Clearance, StartingIntensity


@pytest.mark.parametrize(("active", "disease", "symptoms", "desired", "clearance", "start"), [
    # Not exercising now.
    (False, False, False, "vigorous", C.NOT_NECESSARY, S.LIGHT_TO_MODERATE),
    (False, True, False, "moderate", C.RECOMMENDED, S.LIGHT_TO_MODERATE),
    (False, False, True, "light", C.RECOMMENDED, S.LIGHT_TO_MODERATE),
    (False, True, True, "moderate", C.RECOMMENDED, S.LIGHT_TO_MODERATE),
    # Exercising regularly.
    (True, False, False, "vigorous", C.NOT_NECESSARY, S.VIGOROUS),
    (True, False, False, "moderate", C.NOT_NECESSARY, S.MODERATE),
    (True, True, False, "moderate", C.RECOMMENDED_BEFORE_VIGOROUS, S.MODERATE),
    (True, True, False, "vigorous", C.RECOMMENDED_BEFORE_VIGOROUS, S.MODERATE),
    (True, False, True, "moderate", C.DISCONTINUE_AND_SEEK, S.NONE_UNTIL_CLEARED),
    (True, True, True, "light", C.DISCONTINUE_AND_SEEK, S.NONE_UNTIL_CLEARED),
])
def test_each_box_of_the_algorithm(active, disease, symptoms, desired, clearance, start):
    result = screen(Screening(active, disease, symptoms, Intensity(desired)))
    assert (result.medical_clearance, result.recommended_intensity) == (clearance, start)
    assert result.explanation


answers = st.builds(Screening, st.booleans(), st.booleans(), st.booleans(),
                    st.sampled_from(Intensity))


@given(answers)
def test_symptoms_always_call_for_a_doctor(answers):
    if answers.symptoms:
        assert screen(answers).medical_clearance in (C.RECOMMENDED, C.DISCONTINUE_AND_SEEK)


@given(answers)
def test_nobody_inactive_is_told_to_start_vigorous(answers):
    if not answers.exercises_regularly:
        assert screen(answers).recommended_intensity is S.LIGHT_TO_MODERATE


@given(answers)
def test_known_disease_never_clears_vigorous_without_a_doctor(answers):
    result = screen(answers)
    if answers.known_disease:
        assert result.medical_clearance is not C.NOT_NECESSARY
        assert result.recommended_intensity is not S.VIGOROUS
