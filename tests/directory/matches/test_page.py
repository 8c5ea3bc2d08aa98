"""The /match page: a GET form, the ranking with its reasons, errors next to their field."""

from __future__ import annotations

import re

from tests.directory.matches.helpers import UNVERIFIED
from tests.factories import add_trainers, credential_payload, experience


def test_match_page_lists_the_best_trainer_with_why(client, session):
    add_trainers(session,
                 {"first_name": "Ada", "last_name": "Heart", "postal_code": "60614",
                  "conditions": [experience("coronary-artery-disease")]},
                 {"first_name": "Ben", "last_name": "Claim", "postal_code": "60601",
                  "credentials": [credential_payload(**UNVERIFIED)]})
    response = client.get("/match", query_string={
        "near": "60601", "conditions": ["coronary artery disease", "", ""],
        "modes": "in_person"})
    assert response.status_code == 200
    html = response.text
    results = html[html.index('<ol class="results">'):html.index("</ol>")]
    assert "Ada Heart" in results and "Ben Claim" not in results
    why = re.search(r"<details>\s*<summary>Why</summary>(.*?)</details>", results, re.S)
    assert why is not None
    assert "<li>ACSM-CEP, verified until 2099-03</li>" in why.group(1)
    assert "<li>3.0 mi away</li>" in why.group(1)
    excluded = html[html.index('<ul class="excluded">'):]
    assert "Ben Claim" in excluded and "needs a verified clinical-level credential" in excluded


def test_unknown_place_shows_the_message_next_to_the_field(client):
    response = client.get("/match", query_string={"near": "99999"})
    assert response.status_code == 422
    field = re.search(r'<ul class="error" id="near-errors"[^>]*>(.*?)</ul>', response.text, re.S)
    assert field is not None and "Could not find the place" in field.group(1)
    assert 'aria-invalid="true"' in response.text
    assert '<ol class="results">' not in response.text


def test_match_page_without_a_place_shows_the_empty_form(client):
    response = client.get("/match")
    assert response.status_code == 200
    assert 'aria-label="Referral"' in response.text and 'id="near"' in response.text
    assert '<ol class="results">' not in response.text and 'role="alert"' not in response.text
