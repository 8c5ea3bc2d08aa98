"""ReferFit's matching engine: pure Python, no web framework or database imports.

Today it holds the shared vocabulary and the rules every caller must apply the same way
(effective credential status, distances); ranking builds on them.
"""

from matching.credentials import effective_status
from matching.distance import haversine_km, km_to_miles, miles_to_km
from matching.types import (
    CLINICAL_RANK,
    CredentialLevel,
    DeliveryMode,
    ExperienceLevel,
    RiskTier,
    VerificationStatus,
)

__all__ = [
    "CLINICAL_RANK",
    "CredentialLevel",
    "DeliveryMode",
    "ExperienceLevel",
    "RiskTier",
    "VerificationStatus",
    "effective_status",
    "haversine_km",
    "km_to_miles",
    "miles_to_km",
]
