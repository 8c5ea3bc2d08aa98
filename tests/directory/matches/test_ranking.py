"""POST /api/v1/matches: who ranks first for a referral, why, and what the referral needs."""

from __future__ import annotations

import pytest

from tests.directory.matches.helpers import (
    CAD_NEEDS_CLINICAL,
    UNVERIFIED,
    by_name,
    excluded,
    match,
    matched,
)
from tests.factories import add_trainers, credential_payload, experience

CARDIAC = {**experience("coronary-artery-disease"), "years": 7}


@pytest.fixture
def cardiac(session):
    """Near the Loop: a cardiac expert 3 mi north, a plain CEP next door, and two
    nearby trainers without a verified clinical credential."""
    return {t.last_name: t for t in add_trainers(
        session,
        {"last_name": "Heart", "postal_code": "60614", "conditions": [CARDIAC],
         "credentials": [credential_payload(expires_on="2099-06-30")]},
        {"last_name": "Plain", "postal_code": "60601"},
        {"last_name": "Gym", "postal_code": "60601", "conditions": [CARDIAC],
         "credentials": [credential_payload(certification="NASM-CPT")]},
        {"last_name": "Claim", "postal_code": "60601", "conditions": [CARDIAC],
         "credentials": [credential_payload(**UNVERIFIED)]},
        {"last_name": "Lapsed", "postal_code": "60601", "conditions": [CARDIAC],
         "credentials": [credential_payload(issued_on="2020-01-01", expires_on="2025-01-01")]},
    )}


def test_cardiac_expert_ranks_first_and_unsafe_trainers_are_excluded(client, cardiac):
    body = match(client, conditions=["coronary artery disease"])
    assert matched(body) == ["Maria Heart", "Maria Plain"]
    assert excluded(body) == {name: [CAD_NEEDS_CLINICAL] for name in
                              ("Maria Gym", "Maria Claim", "Maria Lapsed")}
    heart = body["matches"][0]
    assert heart["score"] > body["matches"][1]["score"]
    assert heart["components"]["specialty_overlap"] == 1.0
    assert body["matches"][1]["components"]["specialty_overlap"] == 0.0


def test_reasons_name_the_credential_experience_and_distance_from_the_profile(
        client, cardiac):
    first = match(client, conditions=["CAD"])["matches"][0]
    profile = client.get(f"/api/v1/trainers/{first['trainer']['id']}").json
    [credential] = profile["credentials"]
    [cardiac_experience] = profile["conditions"]
    assert 2 < first["distance"] < 5 and first["travel"] == "in_person"
    assert first["reasons"] == [
        f"{credential['certification']}, verified until {credential['expires_on'][:7]}",
        f"{cardiac_experience['years']} years with "
        f"{cardiac_experience['condition_name'].lower()} ({cardiac_experience['level']})",
        f"{first['distance']:.1f} mi away",
    ]
    assert first["reasons"][:2] == [
        "ACSM-CEP, verified until 2099-06",
        "7 years with coronary artery disease / cardiac rehabilitation (expert)"]
    assert first["trainer"]["credentials"] == [{
        "certification": "ACSM-CEP", "level": "clinical", "effective_status": "verified",
        "expires_on": "2099-06-30"}]


def test_icd10_codes_names_and_synonyms_resolve_to_conditions_with_risk_tiers(
        client):
    body = match(client, conditions=["I25.10", "type 2 diabetes", "high blood pressure"])
    assert sorted(body["conditions"], key=lambda c: c["code"]) == [
        {"code": "coronary-artery-disease",
         "name": "Coronary artery disease / cardiac rehabilitation", "risk_tier": "high"},
        {"code": "hypertension", "name": "Hypertension", "risk_tier": "low"},
        {"code": "type-2-diabetes", "name": "Type 2 diabetes", "risk_tier": "moderate"},
    ]


@pytest.mark.parametrize("conditions, level", [
    ([], "general"),
    (["hypertension"], "general"),
    (["hypertension", "type 2 diabetes"], "specialist"),
    (["hypertension", "type 2 diabetes", "I25.10"], "clinical"),
])
def test_required_level_follows_the_riskiest_condition(client, conditions, level):
    assert match(client, conditions=conditions)["required_level"] == level


def test_doctor_minimum_below_clinical_lets_a_general_trainer_take_a_cardiac_patient(
        client, cardiac):
    body = match(client, conditions=["CAD"], min_level="general")
    assert body["required_level"] == "general"
    assert "Maria Gym" in matched(body)
    assert excluded(body)["Maria Claim"] == [
        "No verified credential at the doctor's minimum (general)"]


def test_doctor_minimum_above_the_conditions_need_is_enforced(client, cardiac):
    body = match(client, conditions=["hypertension"], min_level="clinical")
    assert body["required_level"] == "clinical"
    assert "Maria Gym" not in matched(body)
    assert excluded(body)["Maria Gym"] == [
        "No verified credential at the doctor's minimum (clinical)"]


def test_the_same_request_gives_the_same_answer(client, cardiac):
    request = {"conditions": ["CAD", "T2D"], "modes": ["in_person", "virtual"],
               "budget": 100, "languages": ["es"], "avoid": ["overhead pressing"]}
    first = match(client, **request)
    assert match(client, **request) == first
    assert first["avoid"] == ["overhead pressing"]


def test_scores_and_components_lie_in_0_1_best_first_and_limit_cuts_the_list(
        client, session):
    add_trainers(session, *[
        {"last_name": f"T{i}", "postal_code": postal_code, "price_min": price, "price_max": 200,
         "conditions": conditions, "credentials": [credential_payload(certification=cert)]}
        for i, (postal_code, price, conditions, cert) in enumerate([
            ("60601", 40, [], "ACSM-CPT"),
            ("60614", 150, [experience("hypertension", "familiar")], "ACSM-EP"),
            ("60018", 60, [experience("hypertension")], "ACSM-CEP"),
            ("60614", 90, [experience("type-2-diabetes", "experienced")], "NASM-CPT"),
            ("60601", 70, [experience("hypertension", "experienced")], "ACE-CMES"),
        ])])
    request = {"conditions": ["hypertension", "T2D"], "budget": 80}
    body = match(client, **request)
    scores = [m["score"] for m in body["matches"]]
    assert len(scores) == 5 and scores == sorted(scores, reverse=True)
    assert len(set(scores)) > 1
    for m in body["matches"]:
        assert 0 <= m["score"] <= 1
        assert all(0 <= value <= 1 for value in m["components"].values())
        assert m["components"].keys() == {
            "distance", "credential_fit", "specialty_overlap", "preferences"}
    [only] = match(client, **request, limit=1)["matches"]
    assert only == body["matches"][0]


def test_equal_scores_break_ties_by_distance_then_id(client, session):
    twins = add_trainers(session, {"last_name": "B", "postal_code": "60601"},
                         {"last_name": "A", "postal_code": "60601"},
                         {"last_name": "C", "postal_code": "60601"})
    body = match(client)
    assert [m["trainer"]["id"] for m in body["matches"]] == sorted(t.id for t in twins)
    assert len({m["score"] for m in body["matches"]}) == 1
    assert by_name(body)["Maria B"]["distance"] == 0.0
