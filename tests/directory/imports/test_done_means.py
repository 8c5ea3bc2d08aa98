"""The issue's scenario end to end, through the API as a curator would run it.

An NSCA list, then an ACSM list of partly the same people with other formatting, typos
and moved addresses: shared people are linked, not duplicated; doubtful pairs wait in
the review queue; re-running either import changes nothing.
"""

from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from directory.credentials.models import Credential
from directory.imports.models import ImportRow, ReviewStatus
from directory.trainers.models import Trainer
from tests.directory.imports.helpers import report_of
from tests.factories import credential_payload, make_trainer

NSCA_LIST = "\n".join([
    "FirstName,LastName,Credential,Certification ID,Cert Status,Recertification Date,"
    "E-mail,Postal Code,City,State/Province",
    "Robert,Smith,CSCS,NS-1001,Certified,03/31/2028,,60614,Chicago,IL",
    "Maria,Garcia,Certified Strength and Conditioning Specialist,NS-1002,Certified,"
    "05/01/2028,,33101,Miami,FL",
    "Zoe,Newman,NSCA-CPT,NS-1003,Certified,06/30/2027,zoe.newman@example.com,98101,Seattle,WA",
    "John,Miller,CSCS,NS-1004,Certified,01/15/2029,,,,",
]) + "\n"

ACSM_LIST = "\n".join([
    "First Name;Last Name;Certification;Certification Number;Certification Status;"
    "Expiration Date;Email Address;Zip Code;City;State",
    "  BOB  ;smith;ACSM Certified Personal Trainer;ac-2001;Active;12/31/2027;;60657;Chicago;"
    "Illinois",
    "Zoe;Newmann;ACSM Certified Exercise Physiologist;AC-2002;active;2027-09-30;"
    "zoe.newman@example.com;98101;Seattle;WA",
    "Priya;Raman;Clinical Exercise Physiologist;AC-2003;Active;11/30/2028;;60601;Chicago;IL",
]) + "\n"


@pytest.fixture
def directory(session):
    """A small directory: the people the lists will mention, and namesakes."""
    base = {"credentials": [], "conditions": []}
    return {
        "smith": make_trainer(session, **base, first_name="Robert", last_name="Smith",
                              email="rsmith@example.com", postal_code="60614"),
        "garcia": make_trainer(session, **base, first_name="María", last_name="García-López",
                               email="mgl@example.com", postal_code="33101"),
        "miller_il": make_trainer(session, **base, first_name="John", last_name="Miller",
                                  email="jm1@example.com", postal_code="60601"),
        "miller_tx": make_trainer(session, **base, first_name="John", last_name="Miller",
                                  email="jm2@example.com", postal_code="78701"),
        "other": make_trainer(session, first_name="Ana", last_name="Okafor",
                              email="ana@example.com", postal_code="10001", conditions=[],
                              credentials=[credential_payload(certification="NSCA-CSCS")]),
    }


def upload(client, text: str, issuer: str, filename: str, **form):
    data = {"file": (io.BytesIO(text.encode()), filename), "issuer": issuer, **form}
    return client.post("/api/v1/imports", data=data, content_type="multipart/form-data")


def actions(report) -> list[tuple[str, int | None]]:
    return [(row["action"], row["trainer_id"]) for row in report["rows"]]


def test_two_lists_link_shared_people_queue_doubts_and_rerun_to_no_change(
        curator, session, directory):
    trainers_before = session.scalar(select(func.count()).select_from(Trainer))

    first = report_of(curator, upload(curator, NSCA_LIST, "NSCA", "nsca.csv"))
    (smith, garcia, newman, miller) = first["rows"]
    assert (smith["action"], smith["trainer_id"]) == ("linked", directory["smith"].id)
    assert (garcia["action"], garcia["trainer_id"]) == ("linked", directory["garcia"].id)
    assert newman["action"] == "created"
    assert (miller["action"], miller["trainer_id"]) == ("review", None)
    assert first["summary"] == {"rows": 4, "created": 1, "linked": 2, "updated": 0,
                                "unchanged": 0, "review": 1, "rejected": 0}

    acsm = report_of(curator, upload(curator, ACSM_LIST, "ACSM", "acsm.csv"))
    bob, zoe, priya = acsm["rows"]
    # A nickname, upper case and stray spaces, a move within Chicago: the same person.
    assert (bob["action"], bob["trainer_id"]) == ("linked", directory["smith"].id)
    # A typo in the surname of the trainer the NSCA list created: linked, not duplicated.
    assert (zoe["action"], zoe["trainer_id"]) == ("linked", newman["trainer_id"])
    assert priya["action"] == "created"

    assert session.scalar(select(func.count()).select_from(Trainer)) == trainers_before + 2
    numbers = set(session.scalars(select(Credential.credential_number).where(
        Credential.trainer_id == directory["smith"].id)))
    assert {"NS-1001", "AC-2001"} <= numbers

    queue = curator.get("/api/v1/reviews").json
    assert [item["credential_number"] for item in queue["items"]] == ["NS-1004"]
    candidates = {c["trainer_id"] for c in queue["items"][0]["candidates"]}
    assert candidates == {directory["miller_il"].id, directory["miller_tx"].id}

    for text, issuer, name, first_report in ((NSCA_LIST, "NSCA", "nsca.csv", first),
                                             (ACSM_LIST, "ACSM", "acsm.csv", acsm)):
        again = report_of(curator, upload(curator, text, issuer, name))
        waiting = [r["row"] for r in first_report["rows"] if r["action"] == "review"]
        assert [r["action"] for r in again["rows"]] == [
            "review" if r["row"] in waiting else "unchanged" for r in again["rows"]]
    assert session.scalar(select(func.count()).select_from(Trainer)) == trainers_before + 2
    assert session.scalar(select(func.count()).select_from(ImportRow).where(
        ImportRow.review_status == ReviewStatus.PENDING)) == 1
