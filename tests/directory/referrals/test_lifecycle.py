"""The referral lifecycle through the API: every allowed move by its role, every other move
refused, the short list after a decline, assessments and updates, and who lists what.

Who may call each route at all is the authorization matrix's business
(tests/directory/test_authorization_matrix.py); here it is which status change each role
may make, and what each account's list holds.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from itertools import product

import pytest
from flask.testing import FlaskClient
from sqlalchemy import update

from directory.db import utcnow
from directory.errors import Conflict
from directory.referrals import services
from directory.referrals.models import Referral, ReferralStatus
from directory.referrals.services import TRANSITIONS
from directory.trainers.models import Trainer
from tests.factories import add_trainers, credential_payload, experience, referral_body

URL = "/api/v1/referrals"
S = ReferralStatus
STATUSES = list(ReferralStatus)
ROLES = ("doctor", "trainer")
REFUSED = [pair for pair in product(STATUSES, STATUSES) if pair not in TRANSITIONS]
ALLOWED = [(before, after, role) for (before, after), roles in TRANSITIONS.items()
           for role in sorted(r.value for r in roles)]
# A trainer cannot even read a draft (none is addressed to them) or one they declined, so
# the wrong role is only tried where the caller can read the referral.
WRONG_ROLE = [(before, after, role) for (before, after), roles in TRANSITIONS.items()
              for role in ROLES if role not in {r.value for r in roles} and before is not S.DRAFT
              and not (role == "trainer" and before is S.DECLINED)]


def ids(pairs) -> list[str]:
    return ["->".join(str(part) for part in pair) for pair in pairs]


@pytest.fixture
def trainers(session):
    """Two trainers near the patient (ranked), and one too far away to be ranked."""
    conditions = [{**experience("type-2-diabetes"), "years": 6},
                  {**experience("hypertension"), "years": 4}]
    near, nearby, far = add_trainers(
        session,
        *({"last_name": name, "postal_code": zip_code, "conditions": conditions,
           "credentials": [credential_payload(expires_on="2099-06-30")]}
          for name, zip_code in (("Near", "60614"), ("Next", "60601"), ("Far", "10001"))))
    return near, nearby, far


@dataclass
class Desk:
    """A doctor and the trainers' accounts, and the moves that take a referral anywhere."""

    doctor: FlaskClient
    profiles: dict[int, Trainer]
    api_as: Callable
    ranked: list[int]  # the two ranked trainers, in short-list order
    far: int  # a trainer outside the ranking
    accounts: dict[int, FlaskClient] = field(default_factory=dict)

    def trainer(self, trainer_id: int) -> FlaskClient:
        """That trainer's signed-in client (accounts are made when first needed: hashing
        their passwords is most of a test's setup)."""
        if trainer_id not in self.accounts:
            self.accounts[trainer_id] = self.api_as("trainer", trainer=self.profiles[trainer_id])
        return self.accounts[trainer_id]

    def create(self, client: FlaskClient | None = None, **overrides) -> dict:
        body = referral_body(**{"medications": ["metformin"], "shortlist": self.ranked,
                                **overrides})
        response = (client or self.doctor).post(URL, json=body)
        assert response.status_code == 201, response.json
        return response.json

    def addressee(self, referral: dict) -> FlaskClient:
        return self.trainer(referral["trainer_id"])

    def client(self, role: str, referral: dict) -> FlaskClient:
        return self.doctor if role == "doctor" else self.addressee(referral)

    def move(self, client: FlaskClient, referral: dict, to: str, **extra):
        return client.post(f"{URL}/{referral['id']}/transitions", json={"to": to, **extra})

    def moved(self, client: FlaskClient, referral: dict, to: str, **extra) -> dict:
        response = self.move(client, referral, to, **extra)
        assert response.status_code == 200, response.json
        assert response.json["status"] == to
        return response.json

    def report(self, referral: dict, **update):
        """Post an update; a note stands in when the test is not about its measures."""
        body = update if len(update) > 1 else {**update, "notes": "Seen today."}
        return self.addressee(referral).post(f"{URL}/{referral['id']}/updates", json=body)

    def get(self, referral: dict, client: FlaskClient | None = None) -> dict:
        response = (client or self.doctor).get(f"{URL}/{referral['id']}")
        assert response.status_code == 200, response.json
        return response.json

    def reach(self, status: ReferralStatus) -> dict:
        """A new referral brought to `status` through the API, as its users would."""
        referral = self.create()
        if status is S.CANCELLED:
            return self.moved(self.doctor, referral, "cancelled")
        if status is S.DRAFT:
            return referral
        referral = self.moved(self.doctor, referral, "sent")
        if status is S.DECLINED:
            return self.moved(self.addressee(referral), referral, "declined",
                              reason="Fully booked until spring.")
        if status is S.SENT:
            return referral
        referral = self.moved(self.addressee(referral), referral, "accepted")
        if status is S.ACCEPTED:
            return referral
        assert self.report(referral, kind="assessment").status_code == 201
        if status is S.IN_PROGRESS:
            return self.get(referral)
        return self.moved(self.doctor, self.get(referral), "completed")


@pytest.fixture
def desk(api_as, trainers) -> Desk:
    near, nearby, far = trainers
    return Desk(api_as("doctor"), {t.id: t for t in trainers}, api_as, [near.id, nearby.id],
                far.id)


def when(text: str) -> datetime:
    return datetime.fromisoformat(text)


# -- every allowed move, by its role ----------------------------------------------------------

@pytest.mark.parametrize(("before", "after", "role"), ALLOWED, ids=ids(ALLOWED))
def test_allowed_transition_succeeds_for_its_role_and_is_recorded(desk, before, after, role,
                                                                  session):
    referral = desk.reach(before)
    if (before, after) == (S.SENT, S.SENT):  # allowed once it has lain unopened too long
        row = session.get(Referral, referral["id"])
        row.delivered_at -= timedelta(days=services.unopened_days() + 1)
        session.commit()
    events_before = len(referral["events"])
    start = utcnow()
    if (before, after) == (S.ACCEPTED, S.IN_PROGRESS):
        # The initial assessment is what starts the work: it makes the move itself.
        assert desk.report(referral, kind="assessment").status_code == 201
        reason = None
    else:
        reason = f"Moving it from {before} to {after}."
        desk.moved(desk.client(role, referral), referral, after, reason=reason)
    end = utcnow()

    seen = desk.get(referral)
    assert seen["status"] == after
    assert len(seen["events"]) == events_before + 1
    event = seen["events"][-1]
    assert (event["from_status"], event["to_status"], event["actor_role"], event["reason"]) == (
        before, after, role, reason)
    assert start - timedelta(seconds=1) <= when(event["occurred_at"]) <= end
    assert when(seen["status_changed_at"]) == pytest.approx(
        when(event["occurred_at"]), abs=timedelta(seconds=1))


def test_the_first_event_is_the_doctors_draft(desk):
    referral = desk.create()
    [event] = referral["events"]
    assert (event["from_status"], event["to_status"], event["actor_role"]) == (
        None, "draft", "doctor")
    assert (referral["status"], referral["trainer_id"]) == ("draft", None)


def test_send_at_creation_goes_to_the_first_on_the_short_list(desk):
    referral = desk.create(send=True)
    assert (referral["status"], referral["trainer_id"]) == ("sent", desk.ranked[0])
    assert [(e["from_status"], e["to_status"], e["trainer_id"]) for e in referral["events"]] == [
        (None, "draft", None), ("draft", "sent", desk.ranked[0])]


# -- every other move, refused --------------------------------------------------------------

@pytest.mark.parametrize("before", STATUSES, ids=str)
def test_every_other_transition_is_refused_naming_the_allowed_ones(desk, before):
    referral = desk.reach(before)  # once per status: every refused move starts from it
    onward = sorted(t for (f, t) in TRANSITIONS if f is before)
    for after in [a for b, a in REFUSED if b is before]:
        response = desk.move(desk.doctor, referral, after, reason="Because.")
        assert response.status_code == 409, (after, response.json)
        message = response.json["message"]
        assert f"A {before} referral cannot become {after}" in message
        assert (f"it can become {', '.join(onward)}." if onward else "closed") in message
    assert desk.get(referral)["status"] == before


@pytest.mark.parametrize("closed", [S.COMPLETED, S.CANCELLED])
def test_completed_and_cancelled_referrals_are_closed(desk, closed):
    referral = desk.reach(closed)
    for after in STATUSES:
        response = desk.move(desk.doctor, referral, after)
        assert response.status_code == 409, response.json
        assert response.json["message"].endswith("it is closed.")
    if referral["trainer_id"] is not None:  # completed: its trainer may not report any more
        response = desk.report(referral, sessions_attended=3)
        assert response.status_code == 409, response.json


# -- the wrong role for an allowed move -----------------------------------------------------

@pytest.mark.parametrize(("before", "after", "role"), WRONG_ROLE, ids=ids(WRONG_ROLE))
def test_the_wrong_role_is_forbidden(desk, before, after, role):
    referral = desk.reach(before)
    response = desk.move(desk.client(role, referral), referral, after, reason="Because.")
    assert response.status_code == 403, response.json
    allowed = " or ".join(f"the {r}" for r in sorted(r.value for r in TRANSITIONS[before, after]))
    assert response.json["message"] == f"Only {allowed} may make a referral {after}."
    seen = desk.get(referral)
    assert (seen["status"], seen["events"]) == (before, referral["events"])


def test_the_trainer_may_not_send_the_doctors_draft(desk):
    """The draft is the doctor's alone: no trainer can even see it."""
    referral = desk.create()
    for client in map(desk.trainer, desk.profiles):
        assert desk.move(client, referral, "sent").status_code == 404
    assert desk.get(referral)["status"] == "draft"


# -- declining, and the short list ----------------------------------------------------------

def test_decline_needs_a_reason(desk):
    referral = desk.reach(S.SENT)
    trainer = desk.addressee(referral)
    for extra in ({}, {"reason": None}):
        response = desk.move(trainer, referral, "declined", **extra)
        assert response.status_code == 422, response.json
        assert response.json["errors"]["json"]["reason"] == ["Say why the referral is declined."]
    response = desk.move(trainer, referral, "declined", reason="")
    assert response.status_code == 422, response.json
    assert "reason" in response.json["errors"]["json"]
    assert desk.get(referral)["status"] == "sent"


def test_after_a_decline_the_doctor_resends_to_the_next_on_the_short_list(desk):
    first, second = desk.ranked
    referral = desk.reach(S.SENT)
    assert (referral["trainer_id"], referral["next_on_shortlist"]) == (first, None)
    declined = desk.moved(desk.trainer(first), referral, "declined", reason="No free slots.")
    assert declined["next_on_shortlist"] == second
    assert desk.get(referral)["next_on_shortlist"] == second
    event = declined["events"][-1]
    assert (event["trainer_id"], event["reason"]) == (first, "No free slots.")

    resent = desk.moved(desk.doctor, referral, "sent")
    assert (resent["trainer_id"], resent["next_on_shortlist"]) == (second, None)
    assert resent["events"][-1]["trainer_id"] == second

    # The declining trainer has let it go; the next one has it.
    assert desk.trainer(first).get(f"{URL}/{referral['id']}").status_code == 404
    assert referral["id"] not in [r["id"] for r in desk.trainer(first).get(URL).json]
    assert desk.move(desk.trainer(first), referral, "accepted").status_code == 404
    assert [r["id"] for r in desk.trainer(second).get(URL).json] == [referral["id"]]
    assert desk.get(referral, desk.trainer(second))["status"] == "sent"
    assert desk.moved(desk.trainer(second), referral, "accepted")["trainer_id"] == second


def test_when_nobody_is_left_on_the_short_list_the_doctor_must_choose(desk):
    first, second = desk.ranked
    referral = desk.reach(S.SENT)
    desk.moved(desk.trainer(first), referral, "declined", reason="No free slots.")
    desk.moved(desk.doctor, referral, "sent")
    declined = desk.moved(desk.trainer(second), referral, "declined", reason="Moving away.")
    assert declined["next_on_shortlist"] is None

    response = desk.move(desk.doctor, referral, "sent")
    assert response.status_code == 422, response.json
    [message] = response.json["errors"]["json"]["trainer_id"]
    assert "No trainer is left on the short list" in message
    assert desk.get(referral)["status"] == "declined"
    # The doctor may still name a trainer from the ranking.
    assert desk.moved(desk.doctor, referral, "sent", trainer_id=first)["trainer_id"] == first


def test_a_draft_without_a_short_list_needs_a_trainer_named(desk):
    referral = desk.create(shortlist=[])
    response = desk.move(desk.doctor, referral, "sent")
    assert response.status_code == 422, response.json
    assert "trainer_id" in response.json["errors"]["json"]
    sent = desk.moved(desk.doctor, referral, "sent", trainer_id=desk.ranked[1])
    # The doctor's choice joins the short list, so a decline is followed up from it.
    assert (sent["trainer_id"], sent["shortlist"]) == (desk.ranked[1], [desk.ranked[1]])


@pytest.mark.parametrize("before", [S.DRAFT, S.DECLINED])
def test_sending_to_a_trainer_outside_the_ranking_is_refused(desk, before):
    referral = desk.reach(before)
    for trainer_id in (desk.far, 999_999):
        response = desk.move(desk.doctor, referral, "sent", trainer_id=trainer_id)
        assert response.status_code == 422, response.json
        assert response.json["errors"]["json"]["trainer_id"] == [
            f"Trainer {trainer_id} is not among the recommended trainers."]
    seen = desk.get(referral)
    assert (seen["status"], seen["trainer_id"]) == (before, referral["trainer_id"])
    assert desk.far not in seen["shortlist"]


# -- the assessment, and progress updates ---------------------------------------------------

def test_in_progress_needs_the_initial_assessment_first(desk):
    referral = desk.reach(S.ACCEPTED)
    response = desk.move(desk.addressee(referral), referral, "in_progress")
    assert response.status_code == 409, response.json
    assert "Record the initial assessment first" in response.json["message"]
    assert desk.get(referral)["status"] == "accepted"


def test_an_assessment_on_an_accepted_referral_starts_it(desk):
    referral = desk.reach(S.ACCEPTED)
    response = desk.report(referral, kind="assessment", resting_heart_rate=70,
                           systolic=138, diastolic=86, notes="Baseline done.")
    assert response.status_code == 201, response.json
    assert (response.json["kind"], response.json["trainer_id"]) == (
        "assessment", referral["trainer_id"])
    seen = desk.get(referral)
    assert seen["status"] == "in_progress"
    assert [(e["from_status"], e["to_status"], e["actor_role"]) for e in seen["events"][-1:]] == [
        ("accepted", "in_progress", "trainer")]
    assert [u["kind"] for u in seen["updates"]] == ["assessment"]


# A declined referral is no longer the trainer's to read, let alone report on (404).
@pytest.mark.parametrize("status", [S.SENT, S.COMPLETED])
def test_an_assessment_needs_an_accepted_referral(desk, status):
    referral = desk.reach(status)
    response = desk.report(referral, kind="assessment")
    assert response.status_code == 409, response.json
    assert response.json["message"] == (
        f"An assessment needs an accepted referral; this one is {status}.")
    assert desk.get(referral)["updates"] == referral["updates"]


@pytest.mark.parametrize("status", [S.SENT, S.ACCEPTED, S.COMPLETED])
def test_progress_is_reported_only_in_progress(desk, status):
    referral = desk.reach(status)
    updates = referral["updates"]
    response = desk.report(referral, sessions_attended=4, weekly_minutes=90)
    assert response.status_code == 409, response.json
    assert response.json["message"] == (
        f"Progress is reported on a referral in progress; this one is {status}.")
    seen = desk.get(referral)
    assert (seen["status"], seen["updates"]) == (status, updates)


def test_progress_updates_join_the_timeline_in_order(desk):
    referral = desk.reach(S.IN_PROGRESS)
    for minutes in (60, 90, 120):
        response = desk.report(referral, weekly_minutes=minutes, strength_days=1)
        assert response.status_code == 201, response.json
        assert response.json["kind"] == "progress"
    seen = desk.get(referral)
    assert [(u["kind"], u["weekly_minutes"]) for u in seen["updates"]] == [
        ("assessment", None), ("progress", 60), ("progress", 90), ("progress", 120)]
    assert seen["status"] == "in_progress"  # progress does not move it


# -- who lists what ---------------------------------------------------------------------------

def listed(client: FlaskClient, **query) -> list[int]:
    response = client.get(URL, query_string=query)
    assert response.status_code == 200, response.json
    return [r["id"] for r in response.json]


@pytest.fixture
def several(desk, api_as):
    """Referrals in several states from two doctors, one naming a patient's account."""
    first, second = desk.ranked
    patient, other_patient = api_as("patient"), api_as("patient")
    draft = desk.create()
    to_first = desk.moved(desk.doctor, desk.create(), "sent", trainer_id=first)
    to_second = desk.moved(desk.doctor, desk.create(), "sent", trainer_id=second)
    accepted = desk.moved(desk.trainer(first), to_first, "accepted")
    dropped = desk.moved(desk.doctor, desk.create(), "cancelled")
    other_doctor = api_as("doctor")
    named = desk.create(other_doctor, patient={
        "name": "Pat Example", "age": 62, "place": "60614",
        "account_email": patient.user.email.upper()})
    named = desk.moved(other_doctor, named, "sent", trainer_id=first)
    return {"draft": draft["id"], "accepted": accepted["id"], "to_second": to_second["id"],
            "dropped": dropped["id"], "named": named["id"], "other_doctor": other_doctor,
            "patient": patient, "other_patient": other_patient}


def test_each_role_lists_only_its_own_referrals_newest_first(desk, several, api_as):
    first, second = desk.ranked
    r = several
    assert listed(desk.doctor) == [r["dropped"], r["to_second"], r["accepted"], r["draft"]]
    assert listed(r["other_doctor"]) == [r["named"]]
    assert listed(desk.trainer(first)) == [r["named"], r["accepted"]]
    assert listed(desk.trainer(second)) == [r["to_second"]]
    assert listed(desk.trainer(desk.far)) == []
    assert listed(r["patient"]) == [r["named"]]
    assert listed(r["other_patient"]) == []
    assert listed(api_as("admin")) == sorted(
        (r[k] for k in ("draft", "accepted", "to_second", "dropped", "named")), reverse=True)


def test_the_patient_reads_the_referral_naming_their_account(desk, several):
    seen = several["patient"].get(f"{URL}/{several['named']}")
    assert seen.status_code == 200, seen.json
    assert seen.json["patient"]["name"] == "Pat Example"
    assert several["other_patient"].get(f"{URL}/{several['named']}").status_code == 404


def test_the_status_query_filters_each_list(desk, several, api_as):
    first, _second = desk.ranked
    r = several
    assert listed(desk.doctor, status="sent") == [r["to_second"]]
    assert listed(desk.doctor, status="draft") == [r["draft"]]
    assert listed(desk.doctor, status="cancelled") == [r["dropped"]]
    assert listed(desk.doctor, status="completed") == []
    assert listed(desk.trainer(first), status="accepted") == [r["accepted"]]
    assert listed(desk.trainer(first), status="sent") == [r["named"]]
    assert listed(desk.trainer(first), status="draft") == []
    assert listed(api_as("admin"), status="sent") == [r["named"], r["to_second"]]
    assert listed(r["patient"], status="accepted") == []


def test_an_unknown_status_is_refused(desk):
    response = desk.doctor.get(URL, query_string={"status": "lost"})
    assert response.status_code == 422, response.json
    assert "status" in response.json["errors"]["query"]


def test_a_trainer_account_without_a_profile_sees_no_referral(desk, api_as):
    """An account made a trainer (by an admin or `flask users create`) before it is linked to
    a profile has no trainer id; a referral cancelled as a draft has no trainer either.
    Neither None must match the other."""
    dropped = desk.moved(desk.doctor, desk.create(), "cancelled")
    unlinked = api_as("trainer")
    assert unlinked.user.trainer_id is None
    leaked = unlinked.get(f"{URL}/{dropped['id']}")
    assert (listed(unlinked), leaked.status_code) == ([], 404)


def test_an_empty_report_is_refused(desk):
    referral = desk.reach(ReferralStatus.ACCEPTED)

    response = desk.addressee(referral).post(f"{URL}/{referral['id']}/updates",
                                             json={"kind": "assessment"})

    assert response.status_code == 422
    assert response.json["errors"]["json"]["notes"] == [
        "Report at least one measure or a note."]
    assert desk.get(referral)["status"] == "accepted"


def test_a_trainer_no_longer_reads_what_they_declined_or_what_was_withdrawn(desk):
    declined = desk.reach(S.DECLINED)
    trainer = desk.trainer(declined["trainer_id"])
    assert trainer.get(f"{URL}/{declined['id']}").status_code == 404
    withdrawn = desk.reach(S.SENT)
    desk.moved(desk.doctor, withdrawn, "cancelled")
    assert desk.trainer(withdrawn["trainer_id"]).get(f"{URL}/{withdrawn['id']}").status_code == 404
    assert {r["id"] for r in trainer.get(URL).json} & {declined["id"], withdrawn["id"]} == set()


def test_only_the_referring_doctor_sees_the_ranking(desk):
    referral = desk.reach(S.ACCEPTED)
    assert desk.get(referral)["ranking"]["matches"]
    assert desk.get(referral, desk.addressee(referral))["ranking"] is None


def test_a_trainer_who_stopped_taking_clients_cannot_be_sent_it(desk, session):
    first, second = desk.ranked
    referral = desk.reach(S.SENT)
    desk.moved(desk.trainer(first), referral, "declined", reason="No free slots.")
    desk.profiles[second].accepting_new_clients = False
    session.commit()

    response = desk.move(desk.doctor, referral, "sent")

    assert response.status_code == 422, response.json
    assert response.json["errors"]["json"]["trainer_id"] == [
        f"Trainer {second} is no longer taking new clients: choose another."]


def test_a_move_made_meanwhile_wins_and_the_late_one_is_told(desk, session, user_factory):
    referral = desk.reach(S.SENT)
    trainer = user_factory("trainer", trainer=desk.profiles[referral["trainer_id"]])
    stale = session.get(Referral, referral["id"])  # as the trainer's request read it
    session.execute(update(Referral.__table__).where(Referral.__table__.c.id == stale.id)
                    .values(status=S.CANCELLED))  # the doctor cancelled meanwhile

    with pytest.raises(Conflict, match="changed meanwhile"):
        services.transition(session, stale, trainer, S.ACCEPTED)
