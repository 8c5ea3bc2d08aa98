"""POST /api/v1/screening: the ACSM pre-participation screening (Riebe et al., 2015) box by
box, and answers it cannot use."""

from __future__ import annotations

from itertools import product

import pytest

# The screening is computed from the answers alone: no query a database could answer differently.
pytestmark = pytest.mark.sqlite_only

URL = "/api/v1/screening"
INTENSITIES = ("light", "moderate", "vigorous")
ANSWERS = {"exercises_regularly": False, "known_disease": False, "symptoms": False,
           "desired_intensity": "moderate"}


def expected(active: bool, disease: bool, symptoms: bool, desired: str) -> tuple[str, str]:
    """The algorithm's boxes as the paper draws them (Riebe et al., 2015, figure 2)."""
    if active:
        if symptoms:  # with or without known disease
            return "discontinue_and_seek", "none_until_cleared"
        if disease:  # cleared for moderate; clearance before vigorous
            return "recommended_before_vigorous", "moderate" if desired == "vigorous" else desired
        return "not_necessary", desired
    if symptoms or disease:
        return "recommended", "light_to_moderate"
    return "not_necessary", "light_to_moderate"


def screened(client, **answers) -> dict:
    response = client.post(URL, json={**ANSWERS, **answers})
    assert response.status_code == 200, response.json
    return response.json


def refused(client, answers: dict) -> dict:
    response = client.post(URL, json=answers)
    assert response.status_code == 422, response.json
    return response.json["errors"]["json"]


@pytest.mark.parametrize(("active", "disease", "symptoms", "desired"),
                         list(product((False, True), (False, True), (False, True), INTENSITIES)))
def test_every_answer_lands_in_its_box(client, active, disease, symptoms, desired):
    result = screened(client, exercises_regularly=active, known_disease=disease,
                      symptoms=symptoms, desired_intensity=desired)
    assert set(result) == {"medical_clearance", "recommended_intensity", "explanation"}
    assert (result["medical_clearance"], result["recommended_intensity"]) == expected(
        active, disease, symptoms, desired)
    assert len(result["explanation"]) > 40


@pytest.mark.parametrize(("answers", "words"), [
    ({}, ["not necessary", "light to moderate"]),
    ({"known_disease": True}, ["clearance is recommended", "light to moderate"]),
    ({"symptoms": True}, ["see a doctor", "light to moderate"]),
    ({"exercises_regularly": True, "symptoms": True}, ["stop exercising", "once cleared"]),
    ({"exercises_regularly": True, "known_disease": True},
     ["not necessary for moderate", "recommended before vigorous"]),
    ({"exercises_regularly": True}, ["not necessary", "moderate or vigorous"]),
])
def test_the_explanation_says_what_to_do(client, answers, words):
    explanation = screened(client, **answers)["explanation"]
    for word in words:
        assert word in explanation


def test_anyone_may_screen_themselves(client, api_as):
    assert screened(client)["medical_clearance"] == "not_necessary"
    for role in ("patient", "doctor", "trainer"):
        assert screened(api_as(role))["medical_clearance"] == "not_necessary"


@pytest.mark.parametrize("missing", list(ANSWERS))
def test_each_answer_is_required(client, missing):
    answers = {k: v for k, v in ANSWERS.items() if k != missing}
    assert refused(client, answers) == {missing: ["Missing data for required field."]}


@pytest.mark.parametrize(("field", "value"), [
    ("exercises_regularly", "sometimes"), ("exercises_regularly", None),
    ("known_disease", 2), ("symptoms", []),
    ("desired_intensity", "extreme"), ("desired_intensity", None), ("desired_intensity", 3),
])
def test_invalid_answers_are_refused_by_field(client, field, value):
    errors = refused(client, {**ANSWERS, field: value})
    assert list(errors) == [field]
    [message] = errors[field]
    assert message


def test_an_unknown_intensity_names_the_choices(client):
    [message] = refused(client, {**ANSWERS, "desired_intensity": "max"})["desired_intensity"]
    for choice in INTENSITIES:
        assert choice in message


def test_unknown_fields_and_empty_bodies_are_refused(client):
    assert "age" in refused(client, {**ANSWERS, "age": 62})
    assert set(refused(client, {})) == set(ANSWERS)
    response = client.post(URL, data="not json", content_type="application/json")
    assert response.status_code in (400, 422), response.json
