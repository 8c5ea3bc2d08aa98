"""effective_status: what a stored credential status really means on a given day."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from matching.credentials import effective_status
from matching.types import VerificationStatus

statuses = st.sampled_from(VerificationStatus)
days = st.dates(min_value=date(1950, 1, 1), max_value=date(2150, 12, 31))
offsets = st.integers(min_value=0, max_value=3650).map(lambda n: timedelta(days=n))


@given(stored=statuses, today=days, overdue=offsets)
def test_a_credential_on_or_past_its_expiry_is_never_verified(stored, today, overdue):
    expires_on = today - overdue

    status = effective_status(stored, expires_on, today)

    assert status is not VerificationStatus.VERIFIED
    expected = stored if stored is VerificationStatus.REVOKED else VerificationStatus.EXPIRED
    assert status is expected


@given(today=days, expires_on=st.none() | days)
def test_a_revoked_credential_stays_revoked_whatever_its_expiry(today, expires_on):
    assert effective_status(VerificationStatus.REVOKED, expires_on, today) is (
        VerificationStatus.REVOKED
    )


@given(stored=statuses, today=days, margin=offsets, has_expiry=st.booleans())
def test_an_unexpired_credential_keeps_its_stored_status(stored, today, margin, has_expiry):
    expires_on = today + timedelta(days=1) + margin if has_expiry else None

    assert effective_status(stored, expires_on, today) is stored


def test_a_credential_stops_counting_as_verified_the_day_it_expires():
    today = date(2025, 6, 30)

    assert effective_status(VerificationStatus.VERIFIED, today, today) is (
        VerificationStatus.EXPIRED
    )
    assert effective_status(VerificationStatus.VERIFIED, date(2025, 7, 1), today) is (
        VerificationStatus.VERIFIED
    )


def test_a_verified_credential_expired_yesterday_is_expired():
    today = date(2025, 6, 30)

    assert effective_status(VerificationStatus.VERIFIED, date(2025, 6, 29), today) is (
        VerificationStatus.EXPIRED
    )
