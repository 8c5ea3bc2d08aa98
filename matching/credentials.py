"""Rules about credentials that every part of ReferFit must apply the same way."""

from __future__ import annotations

from datetime import date

from matching.types import VerificationStatus


def effective_status(
    stored: VerificationStatus, expires_on: date | None, today: date
) -> VerificationStatus:
    """Return the status a credential really has today.

    A credential past its expiry date never counts as verified, whatever was stored;
    a revoked one stays revoked even once it has also expired.
    """
    if stored is VerificationStatus.REVOKED:
        return stored
    if expires_on is not None and expires_on < today:
        return VerificationStatus.EXPIRED
    return stored
