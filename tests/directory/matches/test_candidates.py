"""The directory ranks only the best pre-scored trainers exactly (services.PRESCORED, plus
the NEAREST within range). The pre-score must order them as the engine would, or a
crowd of nearby trainers pushes the true best match out of the answer. The caps are
lowered here so a handful of trainers stands for the hundreds of a city."""

from __future__ import annotations

from directory.matches import services
from tests.directory.matches.helpers import UNVERIFIED, match, matched
from tests.factories import add_trainers, credential_payload, experience


def best_with_and_without_caps(client, monkeypatch, **request) -> tuple[str, str]:
    uncapped = matched(match(client, **request))[0]
    monkeypatch.setattr(services, "PRESCORED", 2)
    monkeypatch.setattr(services, "NEAREST", 1)
    return uncapped, matched(match(client, **request))[0]


def test_crowd_of_nearby_trainers_does_not_hide_the_best_online_match(
        client, session, monkeypatch):
    add_trainers(session, *[{"last_name": f"Local{i}", "postal_code": "60601", "conditions": []}
                            for i in range(3)],
                 {"last_name": "Far", "postal_code": "90012",
                  "conditions": [experience("hypertension", "familiar")]})
    uncapped, capped = best_with_and_without_caps(
        client, monkeypatch, conditions=["hypertension"], modes=["virtual"])
    assert uncapped == "Maria Far"
    assert capped == uncapped


def test_crowd_of_unverified_trainers_does_not_hide_a_verified_one(
        client, session, monkeypatch):
    add_trainers(session, *[{"last_name": f"Claim{i}", "postal_code": "60601",
                             "credentials": [credential_payload(**UNVERIFIED)]}
                            for i in range(3)],
                 {"last_name": "Verified", "postal_code": "60614",
                  "credentials": [credential_payload(certification="ACSM-CPT")]})
    uncapped, capped = best_with_and_without_caps(client, monkeypatch)
    assert uncapped == "Maria Verified"
    assert capped == uncapped
