"""ReferFit's matching engine: pure Python, no web framework or database imports.

`rank(referral, candidates)` gates, scores and explains; the types it takes and
returns are plain frozen dataclasses in matching.types. Weights and curves live in
matching.scoring, with their rationale in docs/matching.md.
"""

from matching.credentials import effective_status
from matching.distance import haversine_km, km_to_miles, miles_to_km
from matching.ranking import rank
from matching.types import (
    CLINICAL_RANK,
    Candidate,
    ConditionNeed,
    Credential,
    CredentialLevel,
    DeliveryMode,
    Exclusion,
    Experience,
    ExperienceLevel,
    Match,
    Point,
    Preferences,
    Ranking,
    Referral,
    RiskTier,
    VerificationStatus,
)

__all__ = [
    "CLINICAL_RANK", "Candidate", "ConditionNeed", "Credential", "CredentialLevel",
    "DeliveryMode", "Exclusion", "Experience", "ExperienceLevel", "Match", "Point",
    "Preferences", "Ranking", "Referral", "RiskTier", "VerificationStatus",
    "effective_status", "haversine_km", "km_to_miles", "miles_to_km", "rank",
]
