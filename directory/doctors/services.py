from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from directory.accounts.models import User
from directory.doctors.models import DoctorProfile, NpiRecord
from directory.doctors.registry import registry_loaded
from directory.errors import InvalidInput

FIELDS = ("name", "credentials", "npi", "practice_name", "address_line", "city", "state",
          "postal_code", "phone", "fax")


def save_profile(session: Session, doctor: User, data: dict) -> DoctorProfile:
    """Create or change the doctor's profile; one account per NPI."""
    holder = session.scalar(select(DoctorProfile.user_id).where(
        DoctorProfile.npi == data["npi"]))
    if holder is not None and holder != doctor.id:
        raise InvalidInput({"npi": [
            "Another account already has this NPI. If it is yours, ask an administrator."]})
    confirmed = _confirmed(session, data["npi"])
    profile = doctor.doctor_profile or DoctorProfile(user=doctor)
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
