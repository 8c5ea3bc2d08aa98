"""Hard constraints: a candidate failing any is excluded, with every reason."""

from __future__ import annotations

from matching.credentials import holds_verified, required_rank
from matching.scoring import LEVEL_NEEDED
from matching.types import (
    CLINICAL_RANK,
    Candidate,
    CredentialLevel,
    DeliveryMode,
    Referral,
    RiskTier,
    VerificationStatus,
)

AT_CAPACITY = "At capacity: takes no more new referrals this month"


def exclusion_reasons(referral: Referral, candidate: Candidate,
                      travel: DeliveryMode | None, distance_text: str) -> list[str]:
    reasons = []
    if not candidate.accepting:
        reasons.append("Not taking new clients")
    if candidate.at_capacity:
        reasons.append(AT_CAPACITY)
    if travel is None:
        reasons.append(f"Out of reach: {distance_text} away and no accepted way to train "
                       "within the patient's range")
    reasons += _credential_gates(referral, candidate)
    prefs = referral.preferences
    if prefs.budget_is_hard and prefs.budget is not None and (
            candidate.price_min is None or candidate.price_min > prefs.budget):
        price = "no price listed" if candidate.price_min is None else \
            f"from ${candidate.price_min:g}"
        reasons.append(f"Over budget ({price}, budget ${prefs.budget:g})")
    if prefs.languages_are_hard and prefs.languages and \
            not prefs.languages & candidate.languages:
        reasons.append("Speaks none of " + ", ".join(sorted(prefs.languages)))
    return reasons


def _credential_gates(referral: Referral, candidate: Candidate) -> list[str]:
    reasons = []
    high_risk = [c.name for c in referral.conditions if c.risk_tier is RiskTier.HIGH]
    minimum = referral.min_level
    doctor_lowered = minimum in CLINICAL_RANK and \
        CLINICAL_RANK[minimum] < CLINICAL_RANK[CredentialLevel.CLINICAL]
    if high_risk and not doctor_lowered and not holds_verified(
            candidate, CLINICAL_RANK[LEVEL_NEEDED[RiskTier.HIGH]]):
        reasons.append(f"{', '.join(high_risk)} needs a verified clinical-level credential")
    if minimum is CredentialLevel.PERFORMANCE:
        met = any(c.level is minimum and c.status is VerificationStatus.VERIFIED
                  for c in candidate.credentials)
    else:
        met = minimum is None or holds_verified(candidate, required_rank(referral))
    if not met:
        reasons.append(f"No verified credential at the doctor's minimum ({minimum.value})")
    return reasons
