"""Vocabulary shared by the matching engine and the directory.

These enums are the one definition of each domain term; the directory's models and
schemas reuse them so a level or a status means the same thing everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
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


# -- The engine's input and output: plain frozen values, no database behind them. ----

@dataclass(frozen=True)
class Point:
    latitude: float
    longitude: float


@dataclass(frozen=True)
class ConditionNeed:
    """One of the patient's conditions, as the taxonomy describes it."""

    code: str
    name: str
    risk_tier: RiskTier
    # Rehabilitation and conditioning around surgery suit performance coaches too.
    performance_friendly: bool = False


@dataclass(frozen=True)
class Preferences:
    max_distance_km: float = 40.0
    modes: frozenset[DeliveryMode] = frozenset({DeliveryMode.IN_PERSON})
    budget: float | None = None  # per session
    budget_is_hard: bool = False
    languages: frozenset[str] = frozenset()
    languages_are_hard: bool = False
    accessibility: frozenset[str] = frozenset()  # facility features needed in person


@dataclass(frozen=True)
class Referral:
    location: Point
    conditions: tuple[ConditionNeed, ...] = ()
    # The doctor's minimum level, if any. Set below clinical, it also lowers what
    # high-risk conditions require: the doctor has decided, and it is reported.
    min_level: CredentialLevel | None = None
    avoid: tuple[str, ...] = ()  # exercises or movements to avoid, passed on to reasons
    preferences: Preferences = field(default_factory=Preferences)


@dataclass(frozen=True)
class Credential:
    code: str
    level: CredentialLevel
    status: VerificationStatus  # the effective status today
    expires_on: date | None = None


@dataclass(frozen=True)
class Experience:
    condition_code: str
    level: ExperienceLevel
    years: int | None = None
    clients: int | None = None


@dataclass(frozen=True)
class Candidate:
    id: int
    name: str
    location: Point
    modes: frozenset[DeliveryMode]
    service_radius_km: float | None = None
    credentials: tuple[Credential, ...] = ()
    experience: tuple[Experience, ...] = ()
    price_min: float | None = None
    languages: frozenset[str] = frozenset({"en"})
    accessibility: frozenset[str] = frozenset()
    accepting: bool = True
    # Has taken as many new referrals this month as they said they can.
    at_capacity: bool = False


@dataclass(frozen=True)
class Match:
    candidate_id: int
    score: float
    distance_km: float
    travel: DeliveryMode  # how the patient would train with them
    components: dict[str, float]
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class Exclusion:
    candidate_id: int
    distance_km: float
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class Ranking:
    matches: tuple[Match, ...]
    excluded: tuple[Exclusion, ...]
