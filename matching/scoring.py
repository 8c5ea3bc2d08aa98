"""Every weight and curve of the ranking, in one place (rationale in docs/matching.md)."""

from __future__ import annotations

from matching.types import CredentialLevel, ExperienceLevel, RiskTier

# The score is a weighted mean of the components, each in [0, 1].
WEIGHTS = {
    "credential_fit": 0.35,  # safety first: the right, current qualification
    "specialty_overlap": 0.30,  # real experience with this patient's conditions
    "distance": 0.25,  # access: a trainer too far away is not used
    "preferences": 0.10,  # soft wishes: budget, language, facility access
}

# The credential level each risk tier needs by default (ACSM screening, NICE PH54).
LEVEL_NEEDED = {RiskTier.LOW: CredentialLevel.GENERAL,
                RiskTier.MODERATE: CredentialLevel.SPECIALIST,
                RiskTier.HIGH: CredentialLevel.CLINICAL}
# How much covering a condition counts, by its risk: the high-risk one matters most.
RISK_WEIGHT = {RiskTier.LOW: 1.0, RiskTier.MODERATE: 2.0, RiskTier.HIGH: 3.0}
# How much experience of each depth counts towards covering a condition.
DEPTH = {ExperienceLevel.FAMILIAR: 0.4, ExperienceLevel.EXPERIENCED: 0.7,
         ExperienceLevel.EXPERT: 1.0}
# An unverified credential earns this share of the fit a verified one would.
UNVERIFIED_CREDIT = 0.5
# A performance credential (NSCA-CSCS) on the clinical ladder: a full clinical-level fit
# for athletes and surgical rehabilitation/conditioning, a general one for patients
# whose conditions are medical.
PERFORMANCE_RANK_FOR_ATHLETES = 3
PERFORMANCE_RANK_OTHERWISE = 1


def nearness(distance_km: float, max_distance_km: float) -> float:
    """1 next door, 1/2 at half the patient's maximum, 1/5 at the maximum: smooth."""
    half = max(max_distance_km, 0.1) / 2
    return 1.0 / (1.0 + (distance_km / half) ** 2)
