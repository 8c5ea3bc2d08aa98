"""The review queue: doubtful rows beside their candidate trainers, and curators' decisions."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from directory.audit.models import AuditEvent
from directory.credentials.models import Credential
from directory.imports.models import ImportRow
from directory.trainers.models import Trainer
from tests.directory.imports.helpers import report_of
from tests.factories import credential_payload, make_trainer

URL = "/api/v1/reviews"
HEADER = "first_name,last_name,certification,credential_number,expires_on,city,postal_code\n"
# Two John Millers are listed, in Miami and Austin; the row names a John Miller with
# nothing that could tell which (no email, no phone, no state): a clear doubt.
MILLER = "John,Miller,NSCA-CSCS,NS-1004,2029-01-15,Chicago,60614\n"


def upload(client, text: str, issuer: str = "NSCA"):
    data = {"file": (io.BytesIO(text.encode()), "list.csv"), "issuer": issuer}
    return client.post("/api/v1/imports", data=data, content_type="multipart/form-data")


def imported(client, text: str, issuer: str = "NSCA") -> dict:
    return report_of(client, upload(client, text, issuer))


def decide(client, review_id: int, decision: str, trainer_id: int | None = None):
    body = {"decision": decision}
    if trainer_id is not None:
        body["trainer_id"] = trainer_id
    return client.post(f"{URL}/{review_id}", json=body)


def queue(client, **args) -> list[dict]:
    response = client.get(URL, query_string=args)
    assert response.status_code == 200, response.json
    return response.json["items"]


def credentials_numbered(session, number: str) -> list[Credential]:
    session.expire_all()
    return session.scalars(select(Credential).where(
        func.upper(Credential.credential_number) == number.upper())).all()


def trainer_count(session) -> int:
    return session.scalar(select(func.count()).select_from(Trainer))


@pytest.fixture
def millers(session):
    base = {"first_name": "John", "last_name": "Miller", "credentials": [], "conditions": []}
    return [make_trainer(session, **base, email="jm1@example.com", postal_code="33101"),
            make_trainer(session, **base, email="jm2@example.com", postal_code="78701")]


@pytest.fixture
def review(curator, millers) -> dict:
    """The one pending review the Miller row makes."""
    report = imported(curator, HEADER + MILLER)
    assert [row["action"] for row in report["rows"]] == ["review"], report
    [item] = queue(curator)
    return item


# The queue


def test_the_queue_shows_the_row_beside_each_candidate_and_where_they_differ(
        curator, millers, review):
    assert (review["status"], review["issuer"], review["credential_number"], review["row"]) == (
        "pending", "NSCA", "NS-1004", 1)
    assert review["data"]["postal_code"] == "60614"
    assert review["data"]["certification"] == "NSCA-CSCS"
    assert review["reasons"]  # why it waits, in words
    assert review["trainer_id"] is review["decided_by_id"] is review["decided_at"] is None
    candidates = {c["trainer_id"]: c for c in review["candidates"]}
    assert set(candidates) == {millers[0].id, millers[1].id}
    miami = candidates[millers[0].id]
    assert miami["name"] == "John Miller"
    assert (miami["fields"]["postal_code"], miami["fields"]["email"]) == (
        "33101", "jm1@example.com")
    assert set(miami["differences"]) == {"postal_code", "city"}
    assert miami["reasons"] and miami["confidence"] is not None


def test_one_review_reads_as_it_does_in_the_queue(curator, review):
    response = curator.get(f"{URL}/{review['id']}")

    assert response.status_code == 200, response.json
    assert response.json == review


@pytest.mark.parametrize("which", ["unknown", "not-a-review"])
def test_a_row_that_is_not_a_review_is_404(curator, session, review, which):
    imported(curator, HEADER + "Zoe,Newman,NSCA-CPT,NS-1003,2027-06-30,Seattle,98101\n")
    created = session.scalar(select(ImportRow.id).where(ImportRow.credential_number == "NS-1003"))
    review_id = {"unknown": 999999, "not-a-review": created}[which]

    assert curator.get(f"{URL}/{review_id}").status_code == 404
    assert decide(curator, review_id, "reject").status_code == 404


def test_the_queue_filters_by_issuer(curator, millers, review):
    imported(curator, HEADER + "John,Miller,ACSM-CPT,AC-77,2029-01-15,Chicago,60614\n", "ACSM")

    assert [r["credential_number"] for r in queue(curator)] == ["NS-1004", "AC-77"]
    assert [r["credential_number"] for r in queue(curator, issuer="acsm")] == ["AC-77"]
    assert [r["credential_number"] for r in queue(curator, issuer="NSCA")] == ["NS-1004"]
    assert queue(curator, issuer="ACE") == []


def test_the_queue_filters_by_status(curator, millers, review):
    assert queue(curator, status="linked") == []

    decide(curator, review["id"], "link", millers[0].id)

    assert queue(curator) == queue(curator, status="pending") == []
    assert [r["id"] for r in queue(curator, status="linked")] == [review["id"]]
    assert queue(curator, status="rejected") == []


def test_an_unknown_status_filter_is_422(curator, review):
    assert curator.get(URL, query_string={"status": "maybe"}).status_code == 422


def test_reimporting_a_row_in_the_queue_does_not_queue_it_twice(curator, review):
    report = imported(curator, HEADER + MILLER)

    [row] = report["rows"]
    assert row["action"] == "review"
    assert f"review {review['id']}" in " ".join(row["reasons"])
    assert [r["id"] for r in queue(curator)] == [review["id"]]


# Decisions


def test_link_attaches_the_credential_to_the_chosen_trainer(curator, session, millers, review):
    chosen = millers[1]

    response = decide(curator, review["id"], "link", chosen.id)

    assert response.status_code == 200, response.json
    decided = response.json
    assert (decided["status"], decided["trainer_id"], decided["decided_by_id"]) == (
        "linked", chosen.id, curator.user.id)
    assert decided["decided_at"] is not None
    [saved] = credentials_numbered(session, "NS-1004")
    assert (saved.trainer_id, saved.certification.code, saved.status.value) == (
        chosen.id, "NSCA-CSCS", "verified")
    assert f"review {review['id']}" in saved.verification_source
    assert trainer_count(session) == 2


def test_a_decisions_changes_carry_the_reviews_batch_id(curator, session, millers, review):
    decide(curator, review["id"], "link", millers[0].id)

    [saved] = credentials_numbered(session, "NS-1004")
    batches = set(session.scalars(select(AuditEvent.import_batch_id).where(
        AuditEvent.object_type == "credentials", AuditEvent.object_id == str(saved.id))))
    assert batches == {review["batch_id"]}


def test_create_makes_a_geocoded_trainer_from_the_row(curator, session, millers, review):
    response = decide(curator, review["id"], "create")

    assert response.status_code == 200, response.json
    assert response.json["status"] == "created"
    new_id = response.json["trainer_id"]
    assert new_id not in {m.id for m in millers}
    assert trainer_count(session) == 3
    trainer = curator.get(f"/api/v1/trainers/{new_id}").json
    assert (trainer["first_name"], trainer["last_name"], trainer["city"],
            trainer["postal_code"], trainer["state"]) == ("John", "Miller", "Chicago",
                                                          "60614", "IL")
    assert trainer["location"]["latitude"] == pytest.approx(41.9, abs=0.2)
    assert trainer["location"]["longitude"] == pytest.approx(-87.65, abs=0.2)
    assert [(c["credential_number"], c["expires_on"], c["effective_status"])
            for c in trainer["credentials"]] == [("NS-1004", "2029-01-15", "verified")]


def test_reject_attaches_nothing_and_a_reimport_cites_the_review(
        curator, session, millers, review):
    response = decide(curator, review["id"], "reject")

    assert response.status_code == 200, response.json
    assert (response.json["status"], response.json["trainer_id"]) == ("rejected", None)
    assert response.json["decided_by_id"] == curator.user.id
    assert credentials_numbered(session, "NS-1004") == []

    [row] = imported(curator, HEADER + MILLER)["rows"]

    assert row["action"] == "rejected"
    assert any(f"review {review['id']}" in e["message"] for e in row["errors"])
    assert queue(curator) == []
    assert credentials_numbered(session, "NS-1004") == []


def test_a_corrected_row_after_a_rejection_is_judged_afresh(curator, millers, review):
    decide(curator, review["id"], "reject")
    corrected = "John,Miller,NSCA-CSCS,NS-1004,2029-01-15,Miami,33101\n"

    [row] = imported(curator, HEADER + corrected)["rows"]

    assert row["action"] != "rejected"


@pytest.mark.parametrize("first", ["link", "create", "reject"])
def test_deciding_twice_is_409(curator, millers, review, first):
    assert decide(curator, review["id"], first,
                  millers[0].id if first == "link" else None).status_code == 200

    response = decide(curator, review["id"], "link", millers[1].id)

    assert response.status_code == 409
    assert "already decided" in response.json["message"]


def test_link_without_a_trainer_is_422_naming_trainer_id(curator, session, review):
    response = decide(curator, review["id"], "link")

    assert response.status_code == 422
    assert "trainer_id" in str(response.json["errors"])
    assert queue(curator)[0]["status"] == "pending"


def test_create_naming_a_trainer_is_422(curator, millers, review):
    response = decide(curator, review["id"], "create", millers[0].id)

    assert response.status_code == 422
    assert "trainer_id" in str(response.json["errors"])


def test_link_to_a_trainer_that_does_not_exist_is_422(curator, session, review):
    response = decide(curator, review["id"], "link", 999999)

    assert response.status_code == 422
    assert "999999" in str(response.json["errors"])
    assert queue(curator)[0]["status"] == "pending"
    assert credentials_numbered(session, "NS-1004") == []


@pytest.mark.parametrize("number", ["NS-1004", "ns-1004"], ids=["same-case", "lower-case"])
def test_create_is_409_when_the_number_was_registered_meanwhile(
        curator, session, millers, review, number):
    response = curator.post(f"/api/v1/trainers/{millers[0].id}/credentials",
                            json=credential_payload(certification="NSCA-CSCS",
                                                    credential_number=number))
    assert response.status_code == 201, response.json

    response = decide(curator, review["id"], "create")

    assert response.status_code == 409, response.json
    assert f"trainer {millers[0].id}" in response.json["message"]
    assert trainer_count(session) == 2
    assert len(credentials_numbered(session, "NS-1004")) == 1
    assert queue(curator)[0]["status"] == "pending"


def test_create_for_a_row_without_a_place_is_422_and_stays_pending(curator, session,
                                                                    millers):
    imported(curator, "first_name,last_name,certification,credential_number\n"
                      "John,Miller,NSCA-CSCS,NS-1004\n")
    [pending] = queue(curator)

    response = decide(curator, pending["id"], "create")

    assert response.status_code == 422, response.json
    assert "postal_code" in str(response.json["errors"])
    assert trainer_count(session) == 2
    assert queue(curator)[0]["status"] == "pending"


# A known number under another name


@pytest.fixture
def holder(session):
    return make_trainer(session, first_name="Ana", last_name="Okonkwo", conditions=[],
                        email="ana@example.com", postal_code="10001",
                        credentials=[credential_payload(certification="NSCA-CSCS",
                                                        credential_number="NS-5000",
                                                        expires_on="2027-01-01")])


@pytest.fixture
def renamed(curator, holder) -> dict:
    """A row giving the holder's number with a different person's name."""
    imported(curator, HEADER + "Brian,Walsh,NSCA-CSCS,NS-5000,2030-01-01,,10001\n")
    [item] = queue(curator)
    return item


def test_a_known_number_under_another_name_waits_beside_its_holder(holder, renamed):
    assert [c["trainer_id"] for c in renamed["candidates"]] == [holder.id]
    assert set(renamed["candidates"][0]["differences"]) >= {"first_name", "last_name"}
    assert "Ana Okonkwo" in " ".join(renamed["reasons"])


def test_linking_it_to_its_holder_applies_the_lists_changes(curator, session, holder,
                                                            renamed):
    response = decide(curator, renamed["id"], "link", holder.id)

    assert response.status_code == 200, response.json
    [saved] = credentials_numbered(session, "NS-5000")
    assert (saved.trainer_id, saved.expires_on.isoformat()) == (holder.id, "2030-01-01")


def test_linking_it_to_anyone_but_its_holder_is_409(curator, session, holder, millers,
                                                     renamed):
    response = decide(curator, renamed["id"], "link", millers[0].id)

    assert response.status_code == 409
    assert f"trainer {holder.id}" in response.json["message"]
    [saved] = credentials_numbered(session, "NS-5000")
    assert saved.trainer_id == holder.id
    assert queue(curator)[0]["status"] == "pending"


# Who may


@pytest.mark.parametrize("role", ["doctor", "trainer", "patient"])
def test_only_staff_see_or_decide_reviews(api_as, millers, review, role):
    other = api_as(role)

    assert other.get(URL).status_code == 403
    assert decide(other, review["id"], "link", millers[0].id).status_code == 403
