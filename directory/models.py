"""Every model, imported in one place so SQLAlchemy and Alembic see the whole schema."""

from directory.accounts.models import ApiToken, User
from directory.audit.models import AuditEvent
from directory.conditions.models import Condition, TrainerConditionExperience
from directory.credentials.models import Certification, Credential
from directory.imports.models import ImportBatch, ImportRow
from directory.referrals.models import Referral, ReferralEvent, ReferralUpdate
from directory.search.models import DirectoryChange, DirectoryVersion
from directory.trainers.models import Trainer

__all__ = ["ApiToken", "AuditEvent", "Certification", "Condition", "Credential",
           "DirectoryChange", "DirectoryVersion", "ImportBatch", "ImportRow", "Referral",
           "ReferralEvent", "ReferralUpdate", "Trainer", "TrainerConditionExperience", "User"]
