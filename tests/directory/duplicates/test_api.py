"""The duplicates queue and merges through the API, and what a merged record answers."""

from __future__ import annotations

import pytest

from tests.factories import add_trainers, credential_payload

TOMS = {"first_name": "Daniel", "last_name": "Toms", "email": None,
        "address_line": "5 McClelland Ave", "postal_code": "22027"}


@pytest.fixture
def twins(session):
    return add_trainers(session, TOMS, {**TOMS, "first_name": "Dan",
                                        "credentials": [credential_payload(
                                            certification="NSCA-CSCS")]})


def queued_pair(curator) -> dict:
    found = curator.post("/api/v1/duplicates/search")
    assert found.status_code == 200, found.json
    assert found.json == {"found": 1, "queued": 1, "refreshed": 0, "decided": 0}
    (pair,) = curator.get("/api/v1/duplicates").json["items"]
    return pair


def test_a_queued_pair_shows_both_trainers_and_the_evidence(curator, twins):
    daniel, dan = twins
    pair = queued_pair(curator)
    assert pair["status"] == "pending"
    assert [t["id"] for t in pair["trainers"]] == [daniel.id, dan.id]
    assert [t["first_name"] for t in pair["trainers"]] == ["Daniel", "Dan"]
    assert pair["trainers"][1]["credentials"][0]["certification"] == "NSCA-CSCS"
    assert any("street address matches" in reason for reason in pair["reasons"])
    assert curator.get(f"/api/v1/duplicates/{pair['id']}").json == pair


def test_merging_a_pair_moves_everything_and_old_links_lead_to_the_survivor(curator, twins):
    daniel, dan = twins
    pair = queued_pair(curator)
    assert curator.get("/api/v1/trainers", query_string={"q": "Toms"}).json["total"] == 2
    decided = curator.post(f"/api/v1/duplicates/{pair['id']}",
                           json={"decision": "merge", "survivor_id": daniel.id})
    assert decided.status_code == 200, decided.json
    assert (decided.json["status"], decided.json["survivor_id"]) == ("merged", daniel.id)
    assert decided.json["decided_by_id"] == curator.user.id

    moved = curator.get(f"/api/v1/trainers/{dan.id}")
    assert moved.status_code == 301
    assert moved.headers["Location"].endswith(f"/api/v1/trainers/{daniel.id}")
    assert moved.json["message"] == f"Trainer {dan.id} was merged into trainer {daniel.id}."
    survivor = curator.get(f"/api/v1/trainers/{dan.id}", follow_redirects=True).json
    assert sorted(c["certification"] for c in survivor["credentials"]) == ["ACSM-CEP",
                                                                          "NSCA-CSCS"]
    assert curator.get("/api/v1/trainers", query_string={"q": "Toms"}).json["total"] == 1
    refused = curator.patch(f"/api/v1/trainers/{dan.id}", json={"bio": "Still here?"})
    assert refused.status_code == 409
    assert refused.json["message"] == f"Trainer {dan.id} was merged into trainer {daniel.id}."
    assert curator.get("/api/v1/duplicates").json["total"] == 0
    assert curator.get("/api/v1/duplicates", query_string={"status": "merged"}
                       ).json["items"][0]["id"] == pair["id"]


def test_a_pair_kept_apart_is_not_suggested_again(curator, twins):
    pair = queued_pair(curator)
    decided = curator.post(f"/api/v1/duplicates/{pair['id']}", json={"decision": "distinct"})
    assert decided.json["status"] == "distinct"
    again = curator.post("/api/v1/duplicates/search").json
    assert again == {"found": 1, "queued": 0, "refreshed": 0, "decided": 1}
    assert curator.get("/api/v1/duplicates").json["total"] == 0


@pytest.mark.parametrize(("body", "errors"), [
    ({"decision": "merge"}, {"survivor_id": ["Choose trainer {0} or {1} to keep."]}),
    ({"decision": "distinct", "survivor_id": 1},
     {"survivor_id": ["Only a merge keeps one of the two."]}),
    ({"decision": "maybe"}, {"decision": ["Must be one of: merge, distinct."]}),
])
def test_a_bad_decision_is_refused_and_changes_nothing(curator, twins, body, errors):
    pair = queued_pair(curator)
    refused = curator.post(f"/api/v1/duplicates/{pair['id']}", json=body)
    ids = [t.id for t in twins]
    expected = {name: [m.format(*ids) for m in messages] for name, messages in errors.items()}
    assert (refused.status_code, refused.json["errors"]) == (422, {"json": expected})
    assert curator.get(f"/api/v1/duplicates/{pair['id']}").json["status"] == "pending"


def test_the_survivor_must_be_one_of_the_pair_and_a_pair_is_decided_once(curator, session,
                                                                         twins):
    stranger, = add_trainers(session, {"first_name": "Kwame", "last_name": "Okafor"})
    pair = queued_pair(curator)
    url = f"/api/v1/duplicates/{pair['id']}"
    wrong = curator.post(url, json={"decision": "merge", "survivor_id": stranger.id})
    assert wrong.status_code == 422
    assert wrong.json["errors"]["json"]["survivor_id"][0].startswith("Choose trainer ")
    assert curator.post(url, json={"decision": "distinct"}).status_code == 200
    again = curator.post(url, json={"decision": "merge", "survivor_id": twins[0].id})
    assert again.status_code == 409
    assert again.json["message"] == f"Pair {pair['id']} was already decided (distinct)."


def test_a_trainer_is_merged_directly_into_another(curator, twins):
    daniel, dan = twins
    merged = curator.post(f"/api/v1/trainers/{dan.id}/merge", json={"survivor_id": daniel.id})
    assert merged.status_code == 200, merged.json
    assert (merged.json["merged_id"], merged.json["survivor_id"]) == (dan.id, daniel.id)
    assert merged.json["moved"]["credentials"] == 1
    twice = curator.post(f"/api/v1/trainers/{dan.id}/merge", json={"survivor_id": daniel.id})
    assert twice.status_code == 409
    missing = curator.post(f"/api/v1/trainers/{daniel.id}/merge", json={"survivor_id": 99999})
    assert (missing.status_code, missing.json["errors"]) == (
        422, {"json": {"survivor_id": ["There is no trainer with id 99999."]}})


def test_an_unknown_pair_is_a_404(curator):
    assert curator.get("/api/v1/duplicates/12345").status_code == 404


def test_old_links_keep_their_query_and_writes_to_the_merged_record_are_refused(
        curator, client, twins):
    daniel, dan = twins
    curator.post(f"/api/v1/trainers/{dan.id}/merge", json={"survivor_id": daniel.id})
    moved = client.get(f"/api/v1/trainers/{dan.id}?lang=es&_external=1&lang=en")
    assert moved.status_code == 301
    assert moved.headers["Location"] == f"/api/v1/trainers/{daniel.id}?lang=es&lang=en"
    added = curator.post(f"/api/v1/trainers/{dan.id}/credentials",
                         json=credential_payload())
    assert (added.status_code, added.json["message"]) == (
        409, f"Trainer {dan.id} was merged into trainer {daniel.id}.")


def test_a_merged_record_whose_survivor_is_hidden_is_a_404_to_the_public(curator, client,
                                                                         twins):
    daniel, dan = twins
    curator.post(f"/api/v1/trainers/{dan.id}/merge", json={"survivor_id": daniel.id})
    curator.delete(f"/api/v1/trainers/{daniel.id}")
    assert client.get(f"/api/v1/trainers/{dan.id}").status_code == 404
    assert client.get(f"/trainers/{dan.id}").status_code == 404
    assert curator.get(f"/api/v1/trainers/{dan.id}").status_code == 301


def test_a_directory_too_big_for_one_request_is_sent_to_the_command_line(curator, twins,
                                                                         monkeypatch):
    monkeypatch.setattr("directory.duplicates.services.MAX_TRAINERS_IN_A_REQUEST", 1)
    refused = curator.post("/api/v1/duplicates/search")
    assert refused.status_code == 409
    assert refused.json["message"] == (
        "The directory has 2 trainers, too many to compare within one request: run "
        "`flask trainers duplicates` on the server, which queues the pairs here.")
    assert curator.get("/api/v1/duplicates").json["total"] == 0
