"""POST /api/v1/matches refuses what it cannot read, naming the field."""

from __future__ import annotations

import pytest

from tests.directory.matches.helpers import refused


def test_unknown_place_is_refused_under_near(client):
    [message] = refused(client, {"near": "99999"})["near"]
    assert "Could not find the place '99999'" in message


def test_unknown_condition_is_refused_by_position(client):
    errors = refused(client, {"near": "60601", "conditions": ["hypertension", "dragon pox"]})
    assert list(errors) == ["conditions"]
    [message] = errors["conditions"]["1"]
    assert message.startswith("No condition matches 'dragon pox'")


@pytest.mark.parametrize("body, field, message", [
    ({"conditions": ["CAD"]}, "near", "Missing data for required field."),
    ({"near": "60601", "limit": 0}, "limit", None),
    ({"near": "60601", "limit": 101}, "limit", None),
    ({"near": "60601", "colour": "blue"}, "colour", "Unknown field."),
    ({"near": "60601", "modes": []}, "modes", None),
    ({"near": "60601", "units": "leagues"}, "units", None),
])
def test_malformed_request_is_refused_naming_the_field(client, body, field, message):
    errors = refused(client, body)
    assert list(errors) == [field]
    if message:
        assert errors[field] == [message]
