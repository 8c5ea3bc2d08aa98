from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from directory.accounts.models import Role, User
from directory.accounts.services import create_user
from directory.db import utcnow
from directory.doctors.models import DoctorProfile, NpiRecord
from directory.doctors.registry import registry_loaded
from directory.errors import InvalidInput
from directory.notifications.services import admins, notify
from directory.urls import site_link

FIELDS = ("name", "credentials", "npi", "practice_name", "address_line", "city", "state",
          "postal_code", "phone", "fax")


def save_profile(session: Session, doctor: User, data: dict) -> DoctorProfile:
    """Create or change the doctor's profile; one account per NPI. A new profile of an
    account already active (an admin made it) counts as approved."""
    holder = session.scalar(select(DoctorProfile.user_id).where(
        DoctorProfile.npi == data["npi"]))
    if holder is not None and holder != doctor.id:
        raise InvalidInput({"npi": [
            "Another account already has this NPI. If it is yours, ask an administrator."]})
    confirmed = _confirmed(session, data["npi"])
    profile = doctor.doctor_profile or DoctorProfile(
        user=doctor, approved_at=utcnow() if doctor.active else None)
    for field in FIELDS:
        value = data.get(field) or ""
        setattr(profile, field, value.upper() if field == "state" else value)
    profile.npi_confirmed = confirmed
    session.add(profile)
    session.flush()
    return profile


def _confirmed(session: Session, npi: str) -> bool:
    """Whether the loaded CMS registry lists the NPI; with no registry loaded, the
    check digit is all there is to check (False). A registry that lacks it refuses it."""
    if not registry_loaded(session):
        return False
    if session.get(NpiRecord, npi) is None:
        raise InvalidInput({"npi": [
            "This NPI is not among the active individual clinicians in the CMS registry "
            "loaded here. Check it, or ask an administrator to load a newer extract."]})
    return True


def register_doctor(session: Session, email: str, password: str, details: dict) -> User:
    """A doctor's own account, inactive until an admin approves it; the admins are told."""
    doctor = create_user(session, email, password, Role.DOCTOR)
    doctor.active = False
    profile = save_profile(session, doctor, details)
    notify(session, "doctor_registered", admins(session),
           f"A doctor registered and waits for approval (NPI {profile.npi})", profile=profile,
           url=site_link("accounts.user", user_id=doctor.id))
    return doctor


def approve_doctor(session: Session, doctor: User) -> None:
    """Record an admin's approval of a self-registered doctor, and tell them."""
    doctor.doctor_profile.approved_at = utcnow()
    session.flush()
    notify(session, "doctor_approved", [doctor], "Your ReferFit doctor account is approved",
           url=site_link("accounts.login"))


def awaiting_approval(user: User) -> bool:
    return user.doctor_profile is not None and user.doctor_profile.awaiting_approval
