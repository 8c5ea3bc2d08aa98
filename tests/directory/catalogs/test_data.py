"""The shipped catalogs in data/ meet the spec (pure: no app, no database)."""

from __future__ import annotations

import pytest

from directory.catalogs.services import CATALOGS, read_catalog
from directory.config import REPO_ROOT
from matching.types import CredentialLevel, RiskTier

DATA_DIR = REPO_ROOT / "data"

CERTIFICATION_LEVELS = {
    "ACSM-CEP": "clinical", "CSEP-CEP": "clinical",
    "NSCA-CSCS": "performance",
    "ACSM-EP": "specialist", "NCSF-MES": "specialist", "ACE-CMES": "specialist",
    "NASM-CES": "specialist", "EIM": "specialist",
    "ACSM-CPT": "general", "NCSF-CPT": "general", "NSCA-CPT": "general",
    "ACE-CPT": "general", "NASM-CPT": "general",
}
REQUIRED_CONDITIONS = (
    "type-2-diabetes", "type-1-diabetes", "prediabetes", "obesity", "dyslipidemia",
    "hypertension", "coronary-artery-disease", "heart-failure", "peripheral-artery-disease",
    "stroke", "copd", "asthma", "osteoporosis", "osteoarthritis", "rheumatoid-arthritis",
    "chronic-low-back-pain", "fibromyalgia", "joint-replacement-rehab",
    "acl-reconstruction-rehab", "pre-operative-conditioning", "parkinsons-disease",
    "multiple-sclerosis", "falls-risk", "cancer-survivorship", "pregnancy", "postpartum",
    "chronic-kidney-disease", "frailty",
)
HIGH_RISK = ("coronary-artery-disease", "heart-failure", "copd", "stroke",
             "parkinsons-disease", "multiple-sclerosis")
# ICD-10-CM starting points from DOMAIN.md.
ICD10_EXAMPLES = {
    "type-2-diabetes": "E11", "type-1-diabetes": "E10", "prediabetes": "R73.03",
    "obesity": "E66", "dyslipidemia": "E78", "hypertension": "I10",
    "coronary-artery-disease": "I25", "heart-failure": "I50",
    "peripheral-artery-disease": "I70.2", "stroke": "I63", "copd": "J44", "asthma": "J45",
    "osteoporosis": "M81", "osteoarthritis": "M17", "rheumatoid-arthritis": "M05",
    "chronic-low-back-pain": "M54.5", "fibromyalgia": "M79.7",
    "joint-replacement-rehab": "Z96.65", "parkinsons-disease": "G20",
    "multiple-sclerosis": "G35", "falls-risk": "Z91.81", "cancer-survivorship": "Z85",
    "pregnancy": "Z34", "postpartum": "Z39", "chronic-kidney-disease": "N18",
    "frailty": "R54",
}


@pytest.fixture(scope="module")
def certifications():
    return {entry["code"]: entry for entry in read_catalog(DATA_DIR, CATALOGS[0])}


@pytest.fixture(scope="module")
def conditions():
    return {entry["code"]: entry for entry in read_catalog(DATA_DIR, CATALOGS[1])}


def test_certifications_are_exactly_the_specified_codes_with_their_levels(certifications):
    levels = {code: entry["level"] for code, entry in certifications.items()}
    assert levels == {code: CredentialLevel(level) for code, level in
                      CERTIFICATION_LEVELS.items()}


def test_every_certification_names_its_issuer(certifications):
    for code, entry in certifications.items():
        assert code.startswith(entry["issuer"]) or code == "EIM", code
        assert entry["issuer_name"] and entry["name"], code


def test_there_are_at_least_25_conditions(conditions):
    assert len(conditions) >= 25


def test_required_conditions_exist(conditions):
    assert set(REQUIRED_CONDITIONS) <= conditions.keys()


@pytest.mark.parametrize("field", ["icd10_prefixes", "synonyms", "risk_reason"])
def test_every_condition_has_a_non_empty(conditions, field):
    assert [code for code, entry in conditions.items() if not entry[field]] == []


def test_every_condition_has_a_risk_tier(conditions):
    assert all(isinstance(entry["risk_tier"], RiskTier) for entry in conditions.values())


def test_conditions_needing_clinical_monitoring_are_high_risk(conditions):
    assert {code: conditions[code]["risk_tier"] for code in HIGH_RISK} == dict.fromkeys(
        HIGH_RISK, RiskTier.HIGH)


def test_risk_factors_are_low_risk(conditions):
    for code in ("prediabetes", "obesity", "dyslipidemia"):
        assert conditions[code]["risk_tier"] is RiskTier.LOW, code


@pytest.mark.parametrize(("code", "icd10"), sorted(ICD10_EXAMPLES.items()))
def test_domain_icd10_code_maps_to_its_condition(conditions, code, icd10):
    matches = {c for c, entry in conditions.items()
               if any(icd10.startswith(prefix) for prefix in entry["icd10_prefixes"])}
    assert matches == {code}
