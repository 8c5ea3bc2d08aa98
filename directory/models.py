"""Every model, imported in one place so SQLAlchemy and Alembic see the whole schema."""

from directory.accounts.models import ApiToken, PasswordReset, User
from directory.audit.models import AuditEvent
from directory.claims.models import ProfileClaim
from directory.conditions.models import Condition, TrainerConditionExperience
from directory.credentials.models import Certification, CorrectionRequest, Credential
from directory.doctors.models import DoctorProfile, NpiRecord
from directory.duplicates.models import SuspectedDuplicate
from directory.imports.models import ImportBatch, ImportJob, ImportRow
from directory.notifications.models import Message
from directory.referrals.models import Referral, ReferralEvent, ReferralUpdate
from directory.search.models import DirectoryChange, DirectoryVersion
from directory.trainers.models import Trainer

__all__ = [
    "ApiToken", "AuditEvent", "Certification", "Condition", "CorrectionRequest", "Credential",
    "DirectoryChange", "DirectoryVersion", "DoctorProfile", "ImportBatch", "ImportJob",
    "ImportRow", "Message", "NpiRecord", "PasswordReset", "ProfileClaim", "Referral",
    "ReferralEvent", "ReferralUpdate", "SuspectedDuplicate", "Trainer",
    "TrainerConditionExperience", "User"]
