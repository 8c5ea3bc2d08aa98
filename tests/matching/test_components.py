"""Each component and gate on hand-made examples, with the reasons a doctor reads."""

from datetime import date

from matching import rank
from matching.credentials import credential_fit, required_rank
from matching.scoring import nearness
from matching.specialties import specialty_overlap
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

HERE = Point(41.8781, -87.6298)  # Chicago
CAD = ConditionNeed("coronary-artery-disease", "Coronary artery disease", RiskTier.HIGH)
T2D = ConditionNeed("type-2-diabetes", "Type 2 diabetes", RiskTier.MODERATE)
HTN = ConditionNeed("hypertension", "Hypertension", RiskTier.LOW)
ACL = ConditionNeed("acl-reconstruction-rehab", "ACL rehab", RiskTier.MODERATE, True)
VERIFIED, UNVERIFIED = VerificationStatus.VERIFIED, VerificationStatus.UNVERIFIED
CEP = Credential("ACSM-CEP", CredentialLevel.CLINICAL, VERIFIED, date(2027, 3, 1))
CPT = Credential("NASM-CPT", CredentialLevel.GENERAL, VERIFIED, date(2027, 5, 1))
CSCS = Credential("NSCA-CSCS", CredentialLevel.PERFORMANCE, VERIFIED, date(2028, 1, 1))


def trainer(id=1, north_km=0.0, credentials=(CEP,), experience=(), **fields):
    location = Point(HERE.latitude + north_km / 111.2, HERE.longitude)
    return Candidate(id=id, name=f"T{id}", location=location,
                     modes=fields.pop("modes", frozenset({DeliveryMode.IN_PERSON})),
                     credentials=tuple(credentials), experience=tuple(experience), **fields)


def referral(*conditions, **fields):
    prefs = fields.pop("preferences", Preferences(max_distance_km=40))
    return Referral(HERE, tuple(conditions), preferences=prefs, **fields)


def test_nearness_decays_smoothly_on_the_patients_scale():
    assert nearness(0, 40) == 1.0
    assert nearness(20, 40) == 0.5
    assert round(nearness(40, 40), 3) == 0.2
    assert nearness(10, 40) > nearness(10.1, 40)  # no steps, no cliff


def test_required_level_follows_risk_unless_the_doctor_sets_it():
    assert required_rank(referral(HTN)) == 1
    assert required_rank(referral(HTN, T2D)) == 2
    assert required_rank(referral(CAD, HTN)) == 3
    assert required_rank(referral(CAD, min_level=CredentialLevel.SPECIALIST)) == 2


def test_credential_fit_counts_verified_fully_unverified_partly():
    cad = referral(CAD)
    assert credential_fit(cad, trainer())[0] == 1.0
    unverified = Credential("ACSM-CEP", CredentialLevel.CLINICAL, UNVERIFIED)
    assert credential_fit(cad, trainer(credentials=[unverified]))[0] == 0.5
    expired = Credential("ACSM-CEP", CredentialLevel.CLINICAL, VerificationStatus.EXPIRED)
    assert credential_fit(cad, trainer(credentials=[expired])) == (0.0, None)
    assert round(credential_fit(cad, trainer(credentials=[CPT]))[0], 3) == 0.333


def test_performance_credential_fits_an_athlete_better_than_a_cardiac_patient():
    coach = trainer(credentials=[CSCS])
    assert credential_fit(referral(ACL), coach)[0] > credential_fit(referral(CAD), coach)[0]


def test_specialty_overlap_weighs_the_high_risk_condition_most():
    cardiac_only = trainer(experience=[Experience(CAD.code, ExperienceLevel.EXPERT)])
    pressure_only = trainer(experience=[Experience(HTN.code, ExperienceLevel.EXPERT)])
    both = referral(CAD, HTN)
    assert specialty_overlap(both, cardiac_only) == 0.75
    assert specialty_overlap(both, pressure_only) == 0.25


def test_high_risk_needs_a_verified_clinical_credential():
    ranking = rank(referral(CAD), [trainer(1), trainer(2, credentials=[CPT])])
    assert [m.candidate_id for m in ranking.matches] == [1]
    (excluded,) = ranking.excluded
    assert excluded.reasons == ("Coronary artery disease needs a verified clinical-level "
                                "credential",)


def test_a_doctor_may_lower_the_minimum_and_it_is_then_enforced():
    lowered = referral(CAD, min_level=CredentialLevel.GENERAL)
    ranking = rank(lowered, [trainer(1, credentials=[CPT]), trainer(2, credentials=[])])
    assert [m.candidate_id for m in ranking.matches] == [1]
    assert "doctor's minimum (general)" in ranking.excluded[0].reasons[0]


def test_not_accepting_and_out_of_range_are_excluded_with_reasons():
    ranking = rank(referral(HTN), [trainer(1, accepting=False), trainer(2, north_km=80)])
    assert ranking.matches == ()
    reasons = {e.candidate_id: e.reasons for e in ranking.excluded}
    assert reasons[1] == ("Not taking new clients",)
    assert reasons[2][0].startswith("Out of reach: 49.7 mi away")


def test_a_trainer_at_capacity_is_excluded_with_that_reason():
    ranking = rank(referral(HTN), [trainer(1, at_capacity=True), trainer(2)])
    assert [m.candidate_id for m in ranking.matches] == [2]
    assert ranking.excluded[0].reasons == ("At capacity: takes no more new referrals this month",)


def test_virtual_counts_as_zero_travel_and_home_visits_need_the_service_radius():
    online = Preferences(max_distance_km=40,
                         modes=frozenset({DeliveryMode.VIRTUAL, DeliveryMode.IN_HOME}))
    far_online = trainer(1, north_km=500, modes=frozenset({DeliveryMode.VIRTUAL}))
    home_near = trainer(2, north_km=5, modes=frozenset({DeliveryMode.IN_HOME}),
                        service_radius_km=10)
    home_short = trainer(3, north_km=15, modes=frozenset({DeliveryMode.IN_HOME}),
                         service_radius_km=10)
    ranking = rank(referral(HTN, preferences=online), [far_online, home_near, home_short])
    matches = {m.candidate_id: m for m in ranking.matches}
    assert matches[1].components["distance"] == 1.0 and matches[1].travel is DeliveryMode.VIRTUAL
    assert matches[2].travel is DeliveryMode.IN_HOME
    assert [e.candidate_id for e in ranking.excluded] == [3]


def test_budget_and_language_are_hard_or_soft_as_the_patient_chooses():
    pricey = trainer(1, price_min=150, languages=frozenset({"en"}))
    soft = Preferences(max_distance_km=40, budget=80, languages=frozenset({"es"}))
    hard = Preferences(max_distance_km=40, budget=80, budget_is_hard=True,
                       languages=frozenset({"es"}), languages_are_hard=True)
    (match,) = rank(referral(HTN, preferences=soft), [pricey]).matches
    assert match.components["preferences"] == 0.0
    (excluded,) = rank(referral(HTN, preferences=hard), [pricey]).excluded
    assert excluded.reasons == ("Over budget (from $150, budget $80)", "Speaks none of es")


def test_reasons_read_like_the_profile():
    veteran = trainer(experience=[Experience(CAD.code, ExperienceLevel.EXPERT, years=12)],
                      north_km=5.1)
    (match,) = rank(referral(CAD, T2D), [veteran]).matches
    assert match.reasons == ("ACSM-CEP, verified until 2027-03",
                             "12 years with coronary artery disease (expert)",
                             "No listed experience with type 2 diabetes",
                             "3.2 mi away")


def test_verified_clinical_cardiac_trainer_ranks_first():
    best = trainer(1, north_km=8, experience=[Experience(CAD.code, ExperienceLevel.EXPERT)])
    near_but_new = trainer(2, north_km=1)
    unverified = trainer(3, north_km=1, credentials=[
        Credential("ACSM-CEP", CredentialLevel.CLINICAL, UNVERIFIED)])
    ranking = rank(referral(CAD), [near_but_new, unverified, best])
    assert [m.candidate_id for m in ranking.matches] == [1, 2]
    assert [e.candidate_id for e in ranking.excluded] == [3]


def test_a_performance_credential_never_passes_a_clinical_gate():
    coach = trainer(credentials=[CSCS])
    athlete_with_minimum = referral(ACL, min_level=CredentialLevel.CLINICAL)
    (excluded,) = rank(athlete_with_minimum, [coach]).excluded
    assert excluded.reasons == ("No verified credential at the doctor's minimum (clinical)",)
    assert rank(referral(ACL), [coach]).matches  # without the minimum it fits an athlete


def test_every_failed_gate_is_reported():
    both = referral(CAD, min_level=CredentialLevel.PERFORMANCE)
    (excluded,) = rank(both, [trainer(credentials=[CPT])]).excluded
    assert excluded.reasons == (
        "Coronary artery disease needs a verified clinical-level credential",
        "No verified credential at the doctor's minimum (performance)")


def test_online_counts_as_zero_travel_whenever_both_sides_accept_it():
    prefs = Preferences(max_distance_km=40,
                        modes=frozenset({DeliveryMode.IN_PERSON, DeliveryMode.VIRTUAL}))
    both_ways = frozenset({DeliveryMode.IN_PERSON, DeliveryMode.VIRTUAL})
    near, far = trainer(1, north_km=30, modes=both_ways), trainer(2, north_km=60,
                                                                  modes=both_ways)
    ranking = rank(referral(HTN, preferences=prefs), [far, near])
    assert [m.components["distance"] for m in ranking.matches] == [1.0, 1.0]
    assert [m.candidate_id for m in ranking.matches] == [1, 2]  # ties go to the nearer
    assert ranking.matches[0].travel is DeliveryMode.IN_PERSON
