"""POST /api/v1/matches: the hard gates exclude with a reason; soft wishes only lower."""

from __future__ import annotations

import pytest

from tests.directory.matches.helpers import by_name, excluded, match, matched
from tests.factories import add_trainers


def test_trainer_not_taking_new_clients_is_excluded(client, session):
    add_trainers(session, {"last_name": "Full", "accepting_new_clients": False,
                           "postal_code": "60601"},
                 {"last_name": "Open", "postal_code": "60614"})
    body = match(client)
    assert matched(body) == ["Maria Open"]
    assert excluded(body) == {"Maria Full": ["Not taking new clients"]}


@pytest.mark.parametrize("trainer, modes", [
    ({"modes": ["virtual"]}, ["in_person"]),
    ({"modes": ["in_person"]}, ["virtual"]),
    ({"modes": ["in_home"], "service_radius_km": 2}, ["in_home"]),
])
def test_nearby_trainer_without_an_accepted_way_to_train_is_out_of_reach(
        client, session, trainer, modes):
    add_trainers(session, {"last_name": "Near", "postal_code": "60614", **trainer})
    body = match(client, modes=modes)
    assert body["matches"] == []
    [(name, [reason])] = excluded(body).items()
    assert reason == ("Out of reach: 3.0 mi away and no accepted way to train "
                      "within the patient's range")


def test_home_visits_within_the_trainers_radius_match(client, session):
    add_trainers(session, {"last_name": "Visits", "postal_code": "60614",
                           "modes": ["in_home"], "service_radius_km": 10})
    [visits] = match(client, modes=["in_home"])["matches"]
    assert visits["travel"] == "in_home"
    assert visits["reasons"][-1] == "Home visits (3.0 mi away)"


def test_beyond_max_distance_in_person_trainers_are_left_out(client, session):
    add_trainers(session, {"last_name": "Suburb", "postal_code": "60018", "modes": ["in_person"]},
                 {"last_name": "Loop", "postal_code": "60601", "modes": ["in_person"]})
    assert matched(match(client, max_distance=25)) == ["Maria Loop", "Maria Suburb"]
    body = match(client, max_distance=10)
    assert matched(body) == ["Maria Loop"]
    # Only trainers within the patient's range are explained (docs/matching.md, section 4).
    assert "Maria Suburb" not in excluded(body)


def test_max_distance_is_in_the_request_units(client, session):
    add_trainers(session, {"last_name": "Suburb", "postal_code": "60018"})
    assert matched(match(client, max_distance=20, units="mi")) == ["Maria Suburb"]
    body = match(client, max_distance=20, units="km")
    assert body["units"] == "km" and body["matches"] == []
    in_km = match(client, max_distance=30, units="km")["matches"][0]
    assert 24 < in_km["distance"] < 27
    assert in_km["reasons"][-1] == f"{in_km['distance']:.1f} km away"


def test_online_only_trainer_far_away_matches_when_the_patient_accepts_virtual(
        client, session):
    add_trainers(session, {"last_name": "Online", "postal_code": "90012", "modes": ["virtual"]},
                 {"last_name": "Milwaukee", "postal_code": "53202", "modes": ["in_person"]})
    body = match(client, modes=["in_person", "virtual"], max_distance=25)
    assert matched(body) == ["Maria Online"]
    online = body["matches"][0]
    assert online["travel"] == "virtual" and online["components"]["distance"] == 1.0
    assert online["distance"] > 1500
    assert online["reasons"][-1] == f"Online sessions ({online['distance']:.1f} mi away)"
    assert matched(match(client, modes=["in_person"])) == []


@pytest.fixture
def pricey_and_english(session):
    add_trainers(session,
                 {"last_name": "Pricey", "postal_code": "60601", "price_min": 120,
                  "price_max": 150, "languages": ["es"]},
                 {"last_name": "English", "postal_code": "60601", "price_min": 60,
                  "price_max": 80, "languages": ["en"]})


def test_hard_budget_excludes_trainers_who_cost_more(client, pricey_and_english):
    body = match(client, budget=80, budget_is_hard=True)
    assert matched(body) == ["Maria English"]
    assert excluded(body) == {"Maria Pricey": ["Over budget (from $120, budget $80)"]}


def test_hard_language_excludes_trainers_who_speak_none_of_them(client, pricey_and_english):
    body = match(client, languages=["es", "fr"], languages_are_hard=True)
    assert matched(body) == ["Maria Pricey"]
    assert excluded(body) == {"Maria English": ["Speaks none of es, fr"]}


def test_soft_budget_and_language_only_lower_the_preferences_component(
        client, pricey_and_english):
    plain = by_name(match(client))
    body = match(client, budget=80, languages=["en"])
    assert body["excluded"] == []
    pricey, english = by_name(body)["Maria Pricey"], by_name(body)["Maria English"]
    assert pricey["components"]["preferences"] == 0.0
    assert english["components"]["preferences"] == 1.0
    assert pricey["score"] == pytest.approx(plain["Maria Pricey"]["score"] - 0.10)
    assert matched(body) == ["Maria English", "Maria Pricey"]
    half = by_name(match(client, budget=80, languages=["es"]))["Maria Pricey"]
    assert half["components"]["preferences"] == 0.5
