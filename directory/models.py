"""Every model, imported in one place so SQLAlchemy and Alembic see the whole schema."""

from directory.conditions.models import Condition, TrainerConditionExperience
from directory.credentials.models import Certification, Credential
from directory.trainers.models import Trainer

__all__ = ["Certification", "Condition", "Credential", "Trainer", "TrainerConditionExperience"]
