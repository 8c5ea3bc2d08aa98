"""Hypothesis strategies for the matching engine's inputs."""

from datetime import date

from hypothesis import strategies as st

from matching.types import (
    Candidate,
    ConditionNeed,
    Credential,
    CredentialLevel,
    DeliveryMode,
    Experience,
    ExperienceLevel,
    Point,
    Preferences,
    Referral,
    RiskTier,
    VerificationStatus,
)

CHICAGO = Point(41.8781, -87.6298)
CONDITIONS = [
    ConditionNeed("coronary-artery-disease", "Coronary artery disease", RiskTier.HIGH),
    ConditionNeed("type-2-diabetes", "Type 2 diabetes", RiskTier.MODERATE),
    ConditionNeed("hypertension", "Hypertension", RiskTier.LOW),
    ConditionNeed("acl-reconstruction-rehab", "ACL rehab", RiskTier.MODERATE, True),
]
CODES = {"general": "NASM-CPT", "specialist": "ACE-CMES", "clinical": "ACSM-CEP",
         "performance": "NSCA-CSCS"}

points = st.builds(Point, st.floats(41.0, 42.8), st.floats(-88.6, -86.6))
modes = st.frozensets(st.sampled_from(list(DeliveryMode)), min_size=1)
credentials = st.builds(
    lambda level, status, days: Credential(CODES[level.value], level, status,
                                           date(2027, 1, 1).fromordinal(
                                               date(2027, 1, 1).toordinal() + days)),
    st.sampled_from(list(CredentialLevel)), st.sampled_from(list(VerificationStatus)),
    st.integers(-400, 900))
experience = st.builds(Experience, st.sampled_from([c.code for c in CONDITIONS]),
                       st.sampled_from(list(ExperienceLevel)), st.integers(0, 30))


IDS = st.integers(1, 10_000)


@st.composite
def candidates(draw):
    return Candidate(
        id=draw(IDS), name="Trainer", location=draw(points), modes=draw(modes),
        service_radius_km=draw(st.one_of(st.none(), st.floats(1, 60))),
        credentials=tuple(draw(st.lists(credentials, max_size=3))),
        experience=tuple({e.condition_code: e for e in draw(st.lists(experience,
                                                                     max_size=4))}.values()),
        price_min=draw(st.one_of(st.none(), st.floats(20, 200))),
        languages=draw(st.frozensets(st.sampled_from(["en", "es", "zh"]), min_size=1)),
        accessibility=draw(st.frozensets(st.sampled_from(["step_free_access", "elevator"]))),
        accepting=draw(st.booleans()),
        at_capacity=draw(st.booleans()),
    )


@st.composite
def referrals(draw):
    return Referral(
        location=CHICAGO,
        conditions=tuple(draw(st.lists(st.sampled_from(CONDITIONS), unique=True,
                                       max_size=3))),
        min_level=draw(st.one_of(st.none(), st.sampled_from(list(CredentialLevel)))),
        preferences=Preferences(
            max_distance_km=draw(st.floats(2, 80)), modes=draw(modes),
            budget=draw(st.one_of(st.none(), st.floats(30, 150))),
            budget_is_hard=draw(st.booleans()),
            languages=draw(st.frozensets(st.sampled_from(["en", "es", "zh"]))),
            languages_are_hard=draw(st.booleans()),
            accessibility=draw(st.frozensets(st.sampled_from(["step_free_access"])))),
    )


def candidate_lists(max_size=12):
    return st.lists(candidates(), max_size=max_size, unique_by=lambda c: c.id)
