"""Rules about credentials that every part of ReferFit must apply the same way."""

from __future__ import annotations

from datetime import date

from matching.scoring import (
    LEVEL_NEEDED,
    PERFORMANCE_RANK_FOR_ATHLETES,
    PERFORMANCE_RANK_OTHERWISE,
    UNVERIFIED_CREDIT,
)
from matching.types import (
    CLINICAL_RANK,
    Candidate,
    Credential,
    CredentialLevel,
    Referral,
    VerificationStatus,
)


def effective_status(
    stored: VerificationStatus, expires_on: date | None, today: date
) -> VerificationStatus:
    """Return the status a credential really has today.

    A credential stops counting as verified on its expiry date, whatever was stored;
    a revoked one stays revoked even once it has also expired.
    """
    if stored is VerificationStatus.REVOKED:
        return stored
    if expires_on is not None and expires_on <= today:
        return VerificationStatus.EXPIRED
    return stored


def required_rank(referral: Referral) -> int:
    """The clinical rank (1-3) the referral needs: its riskiest condition, or the
    doctor's minimum where the doctor set one (a minimum may lower what risk asks)."""
    if referral.min_level is not None and referral.min_level is not CredentialLevel.PERFORMANCE:
        return CLINICAL_RANK[referral.min_level]
    needed = [CLINICAL_RANK[LEVEL_NEEDED[c.risk_tier]] for c in referral.conditions]
    return max(needed, default=1)


def credential_rank(credential: Credential, referral: Referral) -> int:
    """Where a credential stands on the clinical ladder for this referral."""
    if credential.level is CredentialLevel.PERFORMANCE:
        athletic = all(c.performance_friendly for c in referral.conditions)
        return PERFORMANCE_RANK_FOR_ATHLETES if athletic else PERFORMANCE_RANK_OTHERWISE
    return CLINICAL_RANK[credential.level]


def credit(credential: Credential) -> float:
    """Verified counts fully, unverified partly, expired and revoked not at all."""
    return {VerificationStatus.VERIFIED: 1.0,
            VerificationStatus.UNVERIFIED: UNVERIFIED_CREDIT}.get(credential.status, 0.0)


def credential_fit(referral: Referral, candidate: Candidate) -> tuple[float, Credential | None]:
    """How well the trainer's best credential meets the referral's need, in [0, 1],
    and that credential."""
    needed = required_rank(referral)
    best, best_fit = None, 0.0
    for credential in sorted(candidate.credentials, key=lambda c: c.code):
        fit = credit(credential) * min(1.0, credential_rank(credential, referral) / needed)
        if fit > best_fit:
            best, best_fit = credential, fit
    return best_fit, best


def holds_verified(candidate: Candidate, rank: int) -> bool:
    """Whether a verified credential reaches `rank` on the clinical ladder.

    Gates use the ladder alone: a performance credential can fit an athlete well, but
    it never stands in for a clinical-level qualification or a doctor's minimum.
    """
    return any(c.status is VerificationStatus.VERIFIED and c.level in CLINICAL_RANK
               and CLINICAL_RANK[c.level] >= rank for c in candidate.credentials)
