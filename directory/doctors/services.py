from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from directory.accounts.models import User
from directory.doctors.models import DoctorProfile
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
    profile = doctor.doctor_profile or DoctorProfile(user=doctor)
    for field in FIELDS:
        value = data.get(field) or ""
        setattr(profile, field, value.upper() if field == "state" else value)
    session.add(profile)
    session.flush()
    return profile
