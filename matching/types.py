"""Vocabulary shared by the matching engine and the directory.

These enums are the one definition of each domain term; the directory's models and
schemas reuse them so a level or a status means the same thing everywhere.
"""

from __future__ import annotations

from enum import StrEnum


class CredentialLevel(StrEnum):
    """How much clinical complexity a certification prepares a trainer for."""

    GENERAL = "general"
    SPECIALIST = "specialist"
    CLINICAL = "clinical"
    # Performance credentials (e.g. NSCA-CSCS) suit athletes; they are not a step on
    # the clinical ladder, so they have no rank in CLINICAL_RANK below.
    PERFORMANCE = "performance"


# Order of the clinical ladder: general < specialist < clinical.
CLINICAL_RANK: dict[CredentialLevel, int] = {
    CredentialLevel.GENERAL: 1,
    CredentialLevel.SPECIALIST: 2,
    CredentialLevel.CLINICAL: 3,
}


class RiskTier(StrEnum):
    """How much clinical oversight a condition needs during exercise."""

    LOW = "low"
    MODERATE = "moderate"
    HIGH = "high"


class VerificationStatus(StrEnum):
    UNVERIFIED = "unverified"
    VERIFIED = "verified"
    EXPIRED = "expired"
    REVOKED = "revoked"


class DeliveryMode(StrEnum):
    IN_PERSON = "in_person"  # at the trainer's facility
    IN_HOME = "in_home"  # at the client's home, within the trainer's service radius
    VIRTUAL = "virtual"


class ExperienceLevel(StrEnum):
    """Depth of a trainer's experience with one condition."""

    FAMILIAR = "familiar"
    EXPERIENCED = "experienced"
    EXPERT = "expert"
