"""The services behind the curators' credential pages: verify and revoke, provenance from
the audit log, the expiry lists, and what an issuer's latest full list leaves out."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import g
from sqlalchemy import select

from directory.audit.services import Actor
from directory.credentials import services
from directory.credentials.corrections import request_correction, resolve_correction
from directory.credentials.models import CorrectionStatus, Credential
from directory.db import today, utcnow
from directory.errors import InvalidInput
from directory.imports.services import ImportOptions, import_credentials
from directory.trainers.services import deactivate_trainer
from matching.types import VerificationStatus
from tests.apps import DATA_DIR
from tests.factories import credential_payload, make_trainer


def trainer_with(session, last_name: str = "Lopez", active: bool = True, **credential):
    trainer = make_trainer(session, last_name=last_name, conditions=[],
                           credentials=[credential_payload(**credential)])
    if not active:
        deactivate_trainer(session, trainer)
        session.commit()
    return trainer


# -- verify and revoke ---------------------------------------------------------------------

@pytest.fixture
def credential(session) -> Credential:
    return trainer_with(session, status="unverified", verification_source=None).credentials[0]


def test_revoking_keeps_the_trimmed_reason_and_ends_the_verification(session, credential):
    services.verify_credential(session, credential, "Registry", None, today())
    services.revoke_credential(session, credential, "  Revoked by the issuer.  ")
    assert (credential.status, credential.revocation_reason, credential.verified_at) == (
        VerificationStatus.REVOKED, "Revoked by the issuer.", None)
    assert credential.verification_source == "Registry"  # kept as history


@pytest.mark.parametrize("reason, message", [
    (" ", "Say why the credential is revoked."),
    ("x" * 501, "Keep the reason to 500 characters."),
])
def test_a_revocation_needs_a_short_reason(session, credential, reason, message):
    with pytest.raises(InvalidInput) as refused:
        services.revoke_credential(session, credential, reason)
    assert refused.value.errors == {"reason": [message]}
    assert credential.status is VerificationStatus.UNVERIFIED


def test_verifying_dates_the_check_clears_a_revocation_and_may_renew(session, credential):
    services.revoke_credential(session, credential, "Lapsed.")
    renewed = today() + timedelta(days=400)
    services.verify_credential(session, credential, " Registry, by phone ", renewed, today())
    assert (credential.status, credential.verification_source, credential.revocation_reason,
            credential.expires_on) == (VerificationStatus.VERIFIED, "Registry, by phone", None,
                                       renewed)
    assert credential.verified_at is not None


def test_verifying_keeps_the_expiry_when_none_is_given(session, credential):
    services.verify_credential(session, credential, "Registry", None, today())
    assert str(credential.expires_on) == "2099-03-01"


@pytest.mark.parametrize("stored, given", [
    (0, None),  # lapsed today, and no renewal given
    (400, 0),  # a "renewal" that lapses today
    (400, -1),
])
def test_a_verification_that_would_not_count_today_is_refused(session, credential, stored,
                                                              given):
    day = today()
    credential.expires_on = day + timedelta(days=stored)
    expiry = None if given is None else day + timedelta(days=given)
    with pytest.raises(InvalidInput) as refused:
        services.verify_credential(session, credential, "Registry", expiry, day)
    assert list(refused.value.errors) == ["expires_on"]


def test_a_renewal_before_the_issue_date_is_refused(session, credential):
    credential.issued_on = today() + timedelta(days=30)
    with pytest.raises(InvalidInput) as refused:
        services.verify_credential(session, credential, "Registry",
                                   today() + timedelta(days=10), today())
    assert refused.value.errors == {"expires_on": ["Must not be before issued_on."]}


# -- provenance ----------------------------------------------------------------------------

def test_provenance_lists_who_changed_what_oldest_first(session, credential, user_factory):
    curator = user_factory("curator")
    g.actor = Actor(curator.id, "curator")
    services.verify_credential(session, credential, "Registry", None, today())
    session.commit()
    created, verified = services.provenance(session, credential)
    assert (created.action, created.actor_email, created.actor_role) == (
        "create", None, "system")
    assert created.changes["status"] == (None, "unverified")
    assert (verified.action, verified.actor_email, verified.import_batch_id) == (
        "update", curator.email, None)
    # Only what a curator reads: not verified_at or updated_at.
    assert verified.changes == {"status": ("unverified", "verified"),
                                "verification_source": (None, "Registry")}


def test_provenance_names_the_import_that_made_the_change(session):
    content = (b"first_name,last_name,certification,credential_number,postal_code\n"
               b"Zoe,Newman,NSCA-CPT,NS-1003,98101\n")
    batch_id = import_credentials(session, content, "nsca.csv", ImportOptions("NSCA"),
                                  str(DATA_DIR))["batch_id"]
    session.commit()
    imported = session.scalar(select(Credential))
    [created] = services.provenance(session, imported)
    assert (created.import_batch_id, created.actor_role) == (batch_id, "system")


# -- expiry --------------------------------------------------------------------------------

def numbers(session, query) -> list[str]:
    return [credential.credential_number for credential in session.scalars(query)]


def expiring_in(session, *days: int, **fields) -> None:
    for day in days:
        trainer_with(session, credential_number=f"D{day}", issued_on="2020-01-01",
                     expires_on=(today() + timedelta(days=day)).isoformat(), **fields)


def test_the_expiry_window_runs_from_tomorrow_to_its_last_day(session):
    expiring_in(session, 30, 0, 1, 31, -5)
    assert numbers(session, services.expiring_credentials(today(), 30)) == ["D1", "D30"]
    assert services.count_expiring_credentials(session, today(), 30) == 2


def test_only_verified_credentials_of_active_trainers_are_expiring(session):
    expiring_in(session, 5)
    trainer_with(session, credential_number="UNVERIFIED", status="unverified",
                 verification_source=None, expires_on=(today() + timedelta(5)).isoformat())
    trainer_with(session, credential_number="INACTIVE", active=False,
                 expires_on=(today() + timedelta(5)).isoformat())
    revoked = trainer_with(session, credential_number="REVOKED",
                           expires_on=(today() + timedelta(5)).isoformat())
    services.revoke_credential(session, revoked.credentials[0], "Revoked.")
    session.commit()
    assert numbers(session, services.expiring_credentials(today(), 30)) == ["D5"]
    assert services.count_expiring_credentials(session, today(), 30) == 1


def test_the_count_looks_as_far_ahead_as_the_notices_by_default(session):
    expiring_in(session, 1, services.EXPIRY_NOTICE_DAYS, services.EXPIRY_NOTICE_DAYS + 1)
    assert services.count_expiring_credentials(session, today()) == 2


def test_an_empty_list_counts_none(session):
    assert numbers(session, services.expiring_credentials(today(), 30)) == []
    assert services.count_expiring_credentials(session, today(), 30) == 0


def test_trainers_with_nothing_verified_today_are_found(session):
    day = today().isoformat()
    for name, fields in {
        "Lapsed": {"expires_on": day, "issued_on": "2020-01-01"},
        "Unverified": {"status": "unverified", "verification_source": None},
        "Current": {},
        "Lifelong": {"expires_on": None},
    }.items():
        trainer_with(session, last_name=name, **fields)
    revoked = trainer_with(session, last_name="Revoked")
    services.revoke_credential(session, revoked.credentials[0], "Revoked.")
    make_trainer(session, last_name="Bare", credentials=[], conditions=[])
    trainer_with(session, last_name="Gone", active=False, status="unverified",
                 verification_source=None)
    session.commit()
    found = session.scalars(services.trainers_without_verified_credential(today()))
    assert [t.last_name for t in found] == ["Bare", "Lapsed", "Revoked", "Unverified"]


def test_one_current_credential_is_enough(session):
    make_trainer(session, conditions=[], credentials=[
        credential_payload(expires_on=today().isoformat(), issued_on="2020-01-01"),
        credential_payload(certification="NSCA-CPT")])
    assert session.scalars(services.trainers_without_verified_credential(today())).all() == []


# -- missing from the latest full list -----------------------------------------------------

def import_list(session, *numbers: str, full_list: bool = True) -> int:
    """An NSCA list naming Maria Lopez's credentials: each row matches one she holds."""
    rows = "".join(f"Maria,Lopez,NSCA-CSCS,{number}\n" for number in numbers)
    content = f"first_name,last_name,certification,credential_number\n{rows}".encode()
    report = import_credentials(session, content, f"nsca-{utcnow():%H%M%S%f}.csv",
                                ImportOptions("NSCA", full_list=full_list), str(DATA_DIR))
    session.commit()
    return report["batch_id"]


def nsca(session, number: str, **fields) -> Credential:
    return trainer_with(session, certification="NSCA-CSCS", credential_number=number,
                        **fields).credentials[0]


def missing(session) -> dict[str, list[str] | None]:
    return {check.issuer: numbers(session, check.missing) if check.batch else None
            for check in services.unconfirmed_credentials(session)}


def test_a_credential_left_off_the_full_list_is_missing_from_it(session):
    nsca(session, "ns-1")  # listed as NS-1: numbers have no case
    nsca(session, "NS-2")
    nsca(session, "NS-3", status="unverified", verification_source=None)
    trainer_with(session, credential_number="A-1")  # another issuer's
    batch_id = import_list(session, "NS-1")
    nsca(session, "NS-4")  # added after the list: not expected on it
    checks = {check.issuer: check for check in services.unconfirmed_credentials(session)}
    assert checks["NSCA"].batch.id == batch_id
    assert numbers(session, checks["NSCA"].missing) == ["NS-2", "NS-3"]
    assert checks["ACSM"].batch is None and checks["ACSM"].missing is None


def test_revoked_credentials_and_inactive_trainers_are_not_questioned(session):
    revoked = nsca(session, "NS-2")
    services.revoke_credential(session, revoked, "Revoked.")
    nsca(session, "NS-3", active=False)
    nsca(session, "NS-1")
    import_list(session, "NS-1")
    assert missing(session)["NSCA"] == []


def test_only_the_latest_full_list_counts(session):
    for number in ("NS-1", "NS-2", "NS-3"):
        nsca(session, number)
    import_list(session, "NS-1")
    import_list(session, "NS-1", "NS-2")
    assert missing(session)["NSCA"] == ["NS-3"]
    import_list(session, "NS-3", full_list=False)  # a partial list changes nothing
    assert missing(session)["NSCA"] == ["NS-3"]


def test_every_issuer_is_named_with_or_without_a_full_list(session):
    import_list(session, "NS-9")  # a list naming nobody in the directory
    found = missing(session)
    assert found["NSCA"] == [] and found["ACSM"] is None
    assert list(found) == sorted(found)


# -- corrections ---------------------------------------------------------------------------

def test_recently_closed_requests_come_newest_first_with_who_closed_them(
        session, credential, user_factory):
    curator = user_factory("curator")
    account = user_factory("trainer", trainer=credential.trainer)
    asked = [request_correction(session, credential.trainer, account, credential, f"Fix {n}")
             for n in range(3)]
    resolve_correction(session, asked[1], curator, CorrectionStatus.DECLINED, "Not ours.")
    resolve_correction(session, asked[0], curator, CorrectionStatus.RESOLVED, "Fixed.")
    session.commit()
    closed = services.recently_closed_corrections(session, 20)
    assert [(item.id, email) for item, email in closed] == [
        (asked[0].id, curator.email), (asked[1].id, curator.email)]
    assert len(services.recently_closed_corrections(session, 1)) == 1
