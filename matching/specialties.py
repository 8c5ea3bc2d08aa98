"""How much of the patient's condition list the trainer really knows."""

from __future__ import annotations

from matching.scoring import DEPTH, RISK_WEIGHT
from matching.types import Candidate, Referral


def specialty_overlap(referral: Referral, candidate: Candidate) -> float:
    """Risk-weighted share of the referral's conditions covered, by experience depth.

    With no conditions (a general fitness referral) there is nothing to miss: 1.
    """
    if not referral.conditions:
        return 1.0
    depth = {e.condition_code: DEPTH[e.level] for e in candidate.experience}
    total = sum(RISK_WEIGHT[c.risk_tier] for c in referral.conditions)
    covered = sum(RISK_WEIGHT[c.risk_tier] * depth.get(c.code, 0.0)
                  for c in referral.conditions)
    return covered / total
