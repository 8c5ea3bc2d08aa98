"""GET /api/v1/trainers: the plain list, and search by place, condition, credential and text."""

from __future__ import annotations

import pytest

from directory.trainers.services import deactivate_trainer
from tests.directory.search.helpers import URL, names, search
from tests.factories import add_trainers, credential_payload, experience

MI = 1.609344
UNVERIFIED = {"status": "unverified", "verification_source": None}


def refused(client, **query) -> dict:
    response = client.get(URL, query_string=query)
    assert response.status_code == 422, response.json
    return response.json["errors"]["query"]  # where webargs puts query-string errors


# -- the plain list -----------------------------------------------------------------------

def test_without_filters_lists_active_trainers_by_last_name_a_page_at_a_time(
        client, session):
    *_, gone = add_trainers(session, {"last_name": "Young"}, {"last_name": "Adams"},
                            {"last_name": "Gone"})
    deactivate_trainer(session, gone)
    session.commit()
    assert names(search(client)) == ["Adams", "Young"]
    body = search(client, page=2, page_size=1)
    assert names(body) == ["Young"]
    assert {k: body[k] for k in ("total", "page", "page_size", "pages")} == {
        "total": 2, "page": 2, "page_size": 1, "pages": 2}


# -- place ----------------------------------------------------------------------------------

@pytest.fixture
def east_coast(session):
    """Boston has the best credential and comes first by name, so only distance puts it last."""
    general = credential_payload(certification="ACSM-CPT")
    add_trainers(session,
                 {"last_name": "Boston", "postal_code": "02108"},
                 {"last_name": "Brooklyn", "postal_code": "11201", "credentials": [general]},
                 {"last_name": "Manhattan", "postal_code": "10001",
                  "credentials": [{**general, "credential_number": "M-1", **UNVERIFIED}]})


def test_near_keeps_trainers_within_the_radius_with_their_distance(client, east_coast):
    body = search(client, near="10001", radius=10)
    assert body["place"] == "New York, NY 10001" and body["units"] == "mi"
    distances = {item["last_name"]: item["distance"] for item in body["items"]}
    assert distances.keys() == {"Manhattan", "Brooklyn"}
    assert distances["Manhattan"] == pytest.approx(0, abs=0.1)
    assert 3 < distances["Brooklyn"] < 6


def test_distances_and_radius_are_in_the_query_units(client, east_coast):
    miles = search(client, near="10001", radius=300, sort="distance")
    kilometres = search(client, near="10001", radius=300 * MI, units="km", sort="distance")
    assert kilometres["units"] == "km" and names(kilometres) == names(miles)
    assert kilometres["items"][2]["distance"] == pytest.approx(
        miles["items"][2]["distance"] * MI, rel=1e-3)
    # Brooklyn is about 6 km (4 mi) away.
    assert names(search(client, near="10001", radius=5, units="km")) == ["Manhattan"]
    assert len(search(client, near="10001", radius=5)["items"]) == 2


def test_sort_distance_puts_the_nearest_first(client, east_coast):
    assert names(search(client, near="10001", radius=300)) == ["Boston", "Brooklyn", "Manhattan"]
    assert names(search(client, near="10001", radius=300, sort="distance")) == [
        "Manhattan", "Brooklyn", "Boston"]


def test_near_accepts_a_misspelled_city_or_coordinates(client, east_coast):
    for near, place in [("Bostn, MA", "Boston, MA"), ("42.3588,-71.0707", "42.35880,-71.07070")]:
        body = search(client, near=near, radius=10)
        assert (body["place"], names(body)) == (place, ["Boston"])


@pytest.mark.parametrize("near", ["99999", "Atlantis, ZZ"])
def test_unknown_place_is_refused_naming_it(client, near):
    [message] = refused(client, near=near)["near"]
    assert f"Could not find the place {near!r}" in message


# -- conditions -----------------------------------------------------------------------------

def test_condition_is_read_from_code_name_synonym_icd10_or_misspelling(
        client, session):
    add_trainers(session, {"last_name": "Pressure", "conditions": [experience("hypertension")]},
                 {"last_name": "Sugar", "conditions": [experience("type-2-diabetes")]})
    for text, meaning, trainer in [("hypertension", "Hypertension", "Pressure"),
                                   ("Type 2 diabetes", "Type 2 diabetes", "Sugar"),
                                   ("high blood pressure", "Hypertension", "Pressure"),
                                   ("E11.9", "Type 2 diabetes", "Sugar"),
                                   ("diabetis", "Type 2 diabetes", "Sugar"),
                                   ("hypertenshun", "Hypertension", "Pressure")]:
        body = search(client, condition=text)
        assert (body["interpreted"], names(body)) == ({f"condition:{text}": meaning}, [trainer])


def test_two_conditions_keep_only_trainers_with_both(client, session):
    add_trainers(session, {"last_name": "Both", "conditions": [
        experience("hypertension"), experience("type-2-diabetes", "familiar")]},
                 {"last_name": "Pressure", "conditions": [experience("hypertension")]})
    body = search(client, condition=["high blood pressure", "T2D"])
    assert names(body) == ["Both"]
    assert body["items"][0]["matched"]["filters"] == [
        "condition: Hypertension (expert)", "condition: Type 2 diabetes (familiar)"]


def test_unknown_condition_is_refused_by_position(client):
    errors = refused(client, condition=["hypertension", "dragon pox"])
    assert errors == {"condition": {"1": [
        "No condition matches 'dragon pox'. The names it knows are listed at "
        "GET /api/v1/conditions."]}}


def test_ambiguous_condition_is_refused_with_suggestions(client):
    [message] = refused(client, condition="knee")["condition"]["0"]
    assert message.startswith("No condition matches 'knee'. Did you mean: ")
    assert "knee arthritis" in message and "knee replacement" in message


# -- credentials ----------------------------------------------------------------------------

@pytest.fixture
def credentialed(session):
    add_trainers(
        session,
        {"last_name": "Verified", "credentials": [credential_payload()]},
        {"last_name": "Unverified", "credentials": [credential_payload(**UNVERIFIED)]},
        {"last_name": "Expired", "credentials": [  # recorded as verified, but past its date
            credential_payload(issued_on="2020-01-01", expires_on="2023-01-01")]},
        {"last_name": "Revoked", "credentials": [credential_payload(status="revoked")]},
        {"last_name": "General", "credentials": [credential_payload(certification="ACSM-CPT")]},
    )


def test_certification_is_read_from_code_or_name(client, credentialed):
    for text in ["ACSM-CEP", "clinical exercise physiologist"]:
        body = search(client, certification=text)
        assert body["interpreted"] == {f"certification:{text}": "ACSM-CEP"}
        assert sorted(names(body)) == ["Unverified", "Verified"]


def test_level_counts_current_credentials_verified_or_not(client, credentialed):
    assert sorted(names(search(client, level="clinical"))) == ["Unverified", "Verified"]
    assert sorted(names(search(client, level="general"))) == [
        "General", "Unverified", "Verified"]


def test_verified_only_counts_only_verified_unexpired_credentials(client, credentialed):
    for query in [{"level": "clinical"}, {"certification": "ACSM-CEP"}]:
        assert names(search(client, verified_only="true", **query)) == ["Verified"]


def test_verified_only_alone_drops_trainers_without_a_verified_credential(client, credentialed):
    assert sorted(names(search(client, verified_only="true"))) == ["General", "Verified"]


# -- practical filters ----------------------------------------------------------------------

@pytest.mark.parametrize(("fits", "misses", "query", "why"), [
    ({"accepting_new_clients": True}, {"accepting_new_clients": False},
     {"accepting": "true"}, "accepting new clients"),
    ({"modes": ["in_home"], "service_radius_km": 20}, {"modes": ["in_person", "virtual"]},
     {"mode": "in_home"}, "mode: in_home"),
    ({"price_min": 50, "price_max": 60}, {"price_min": 51}, {"max_price": 50},
     "price from 50 USD"),
    ({"languages": ["fr", "en"]}, {"languages": ["en", "es"]}, {"language": "fr"},
     "language: fr"),
    ({"accessibility_features": ["elevator", "step_free_access"]},
     {"accessibility_features": ["elevator"]},
     {"accessible": "step_free_access"}, "accessible: step_free_access"),
])
def test_practical_filter_keeps_only_trainers_who_fit(
        client, session, fits, misses, query, why):
    add_trainers(session, {"last_name": "Fits", **fits}, {"last_name": "Misses", **misses})
    body = search(client, **query)
    assert names(body) == ["Fits"]
    assert body["items"][0]["matched"]["filters"] == [why]


def test_far_virtual_only_trainer_appears_only_when_virtual_is_accepted(
        client, session):
    add_trainers(session, {"last_name": "Local", "modes": ["in_person"]},
                 {"last_name": "Remote", "postal_code": "90012", "modes": ["virtual"]})
    assert names(search(client, near="10001")) == ["Local"]
    body = search(client, near="10001", mode=["in_person", "virtual"], sort="distance")
    local, remote = body["items"]
    assert (local["last_name"], local["virtual_only"]) == ("Local", False)
    assert (remote["last_name"], remote["virtual_only"]) == ("Remote", True)
    assert "virtual sessions" in remote["matched"]["filters"]
    assert remote["distance"] > 2000


def test_in_home_trainer_appears_only_within_their_service_radius(client, session):
    # Brooklyn 11201 is about 6 km from 10001, well inside the 25 mile search radius.
    add_trainers(session, *({"last_name": name, "postal_code": "11201", "modes": ["in_home"],
                             "service_radius_km": km} for name, km in [("Short", 5), ("Long", 10)]))
    assert names(search(client, near="10001", mode="in_home")) == ["Long"]
    assert sorted(names(search(client, near="11201", mode="in_home"))) == ["Long", "Short"]


# -- free text ------------------------------------------------------------------------------

def test_text_search_tolerates_typos_in_names(client, session):
    add_trainers(session, {"first_name": "John", "last_name": "Smith"},
                 {"first_name": "Joan", "last_name": "Smythe"})
    body = search(client, q="Jonh Smiht")
    assert names(body) == ["Smith"]
    [hit] = body["items"]
    assert hit["matched"]["terms"] == ["john", "smith"]
    assert [c["effective_status"] for c in hit["credentials"]] == ["verified"]


def test_text_search_finds_misspelled_condition_words(client, session):
    add_trainers(session, {"last_name": "Sugar", "conditions": [experience("type-2-diabetes")]},
                 {"last_name": "Pressure", "conditions": [experience("hypertension")]})
    body = search(client, q="diabetis")
    assert names(body) == ["Sugar"]
    assert body["items"][0]["matched"]["terms"] == ["diabet"]


def test_text_search_ignores_accents(client, session):
    add_trainers(session, {"last_name": "Núñez"}, {"last_name": "Muñoz"})
    body = search(client, q="Nunez")
    assert (names(body), body["items"][0]["matched"]["terms"]) == (["Núñez"], ["nunez"])


# -- order and pages ------------------------------------------------------------------------

def test_relevance_prefers_verified_clinical_expertise_at_equal_distance(
        client, session):
    general = credential_payload(certification="ACSM-CPT", **UNVERIFIED)
    add_trainers(session, {"last_name": "Adams", "credentials": [general],
                           "conditions": [experience("hypertension", "familiar")]},
                 {"last_name": "Zeller", "conditions": [experience("hypertension")]})
    body = search(client, near="10001", condition="hypertension")
    assert names(body) == ["Zeller", "Adams"]
    first, second = body["items"]
    assert first["score"] > second["score"] and first["distance"] == second["distance"]


@pytest.fixture
def priced(session):
    add_trainers(session, *({"last_name": name, "price_min": price} for name, price in [
        ("Mid", 60), ("Unpriced", None), ("High", 90), ("Low", 30)]))


def test_sort_price_puts_the_cheapest_first_and_unpriced_last(client, priced):
    assert names(search(client, sort="price")) == ["Low", "Mid", "High", "Unpriced"]


def test_search_pages_carry_the_total_and_page_count(client, priced):
    body = search(client, sort="price", page=2, page_size=3)
    assert names(body) == ["Unpriced"]
    assert (body["total"], body["page"], body["page_size"], body["pages"]) == (4, 2, 3, 2)
    assert search(client, sort="price", page=3, page_size=3)["items"] == []
