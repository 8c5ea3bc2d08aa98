"""Properties the ranking keeps for every referral and directory hypothesis can make."""

import dataclasses
import random
from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from matching import rank
from matching.credentials import holds_verified
from matching.distance import travel
from matching.ranking import components
from matching.specialties import specialty_overlap
from matching.types import (
    CLINICAL_RANK,
    Credential,
    CredentialLevel,
    DeliveryMode,
    Experience,
    ExperienceLevel,
    Point,
    RiskTier,
    VerificationStatus,
)
from tests.matching.strategies import candidate_lists, candidates, referrals

settings.register_profile("matching", max_examples=150, deadline=None)
settings.load_profile("matching")


@given(referrals(), candidate_lists())
def test_scores_and_components_stay_within_zero_and_one(referral, pool):
    for match in rank(referral, pool, limit=100).matches:
        assert 0.0 <= match.score <= 1.0
        assert all(0.0 <= value <= 1.0 for value in match.components.values())
        assert {"distance", "credential_fit", "specialty_overlap"} <= match.components.keys()


@given(referrals(), candidate_lists())
def test_no_match_ever_breaks_a_gate(referral, pool):
    by_id = {c.id: c for c in pool}
    for match in rank(referral, pool, limit=100).matches:
        candidate = by_id[match.candidate_id]
        assert candidate.accepting and not candidate.at_capacity
        assert travel(referral, candidate)[1] is not None
        lowered = referral.min_level in (CredentialLevel.GENERAL, CredentialLevel.SPECIALIST)
        if any(c.risk_tier is RiskTier.HIGH for c in referral.conditions) and not lowered:
            assert holds_verified(candidate, CLINICAL_RANK[CredentialLevel.CLINICAL])
        prefs = referral.preferences
        if prefs.budget_is_hard and prefs.budget is not None:
            assert candidate.price_min is not None and candidate.price_min <= prefs.budget
        if prefs.languages_are_hard and prefs.languages:
            assert prefs.languages & candidate.languages


@given(referrals(), candidate_lists(), st.randoms(use_true_random=False))
def test_candidate_order_does_not_matter(referral, pool, rng: random.Random):
    shuffled = list(pool)
    rng.shuffle(shuffled)
    assert rank(referral, pool, limit=100) == rank(referral, shuffled, limit=100)


@given(referrals(), candidates(), st.floats(0.0, 1.0))
def test_moving_closer_never_lowers_the_distance_component(referral, candidate, share):
    candidate = dataclasses.replace(candidate, modes=frozenset({DeliveryMode.IN_PERSON}))
    here = referral.location
    closer = dataclasses.replace(candidate, location=Point(
        here.latitude + share * (candidate.location.latitude - here.latitude),
        here.longitude + share * (candidate.location.longitude - here.longitude)))
    far, _ = travel(referral, candidate)
    near, _ = travel(referral, closer)
    mode = DeliveryMode.IN_PERSON
    assert components(referral, closer, near, mode)["distance"] >= \
        components(referral, candidate, far, mode)["distance"] - 1e-12


@given(referrals(), candidates(), st.sampled_from(list(ExperienceLevel)))
def test_more_experience_never_lowers_specialty_overlap(referral, candidate, level):
    for condition in referral.conditions:
        others = tuple(e for e in candidate.experience if e.condition_code != condition.code)
        without = dataclasses.replace(candidate, experience=others)
        with_it = dataclasses.replace(candidate,
                                      experience=others + (Experience(condition.code, level),))
        assert specialty_overlap(referral, with_it) >= specialty_overlap(referral, without)


@given(referrals(), candidates(), st.sampled_from(list(CredentialLevel)))
def test_an_expired_credential_never_raises_a_score(referral, candidate, level):
    expired = Credential("OLD", level, VerificationStatus.EXPIRED, date(2020, 1, 1))
    with_expired = dataclasses.replace(candidate,
                                       credentials=candidate.credentials + (expired,))
    before = rank(referral, [candidate]).matches
    after = rank(referral, [with_expired]).matches
    assert [m.score for m in after] == [m.score for m in before]
