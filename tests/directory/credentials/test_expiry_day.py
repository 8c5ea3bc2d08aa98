"""A credential stops counting as verified on its expiry date: in the API, on search
result badges and in matching, the same day, with no re-import or reindex."""

from __future__ import annotations

from datetime import timedelta

import pytest

from directory.db import today
from tests.directory.matches.helpers import CAD_NEEDS_CLINICAL, excluded, match, matched
from tests.factories import add_trainers, credential_payload, experience


@pytest.fixture
def lapsing(session):
    """Two clinical trainers next door: one's credential expires today, one's tomorrow."""
    cardiac = {**experience("coronary-artery-disease"), "years": 7}
    day = today()
    return {t.last_name: t for t in add_trainers(
        session,
        {"last_name": "Today", "postal_code": "60601", "conditions": [cardiac],
         "credentials": [credential_payload(issued_on="2020-01-01",
                                            expires_on=day.isoformat())]},
        {"last_name": "Tomorrow", "postal_code": "60601", "conditions": [cardiac],
         "credentials": [credential_payload(issued_on="2020-01-01",
                                            expires_on=(day + timedelta(days=1)).isoformat())]},
    )}


def test_the_api_shows_a_credential_expiring_today_as_expired(client, lapsing):
    statuses = {name: client.get(f"/api/v1/trainers/{t.id}").json["credentials"][0]
                ["effective_status"] for name, t in lapsing.items()}
    assert statuses == {"Today": "expired", "Tomorrow": "verified"}


def test_search_badges_stop_saying_verified_on_the_expiry_date(client, lapsing):
    page = client.get("/search?near=60601").get_data(as_text=True)
    cards = page.split('class="result"')[1:]
    [today_card] = [card for card in cards if "Maria Today" in card]
    [tomorrow_card] = [card for card in cards if "Maria Tomorrow" in card]
    assert "(expired)" in today_card and "✓ verified" not in today_card
    assert "✓ verified" in tomorrow_card


def test_matching_excludes_a_clinical_credential_on_its_expiry_date(client, lapsing):
    body = match(client, conditions=["coronary artery disease"])
    assert matched(body) == ["Maria Tomorrow"]
    assert excluded(body) == {"Maria Today": [CAD_NEEDS_CLINICAL]}
