"""The demo generator, mostly fed catalog entries read from data/ (no database)."""

from __future__ import annotations

import re
from collections import Counter
from datetime import date

import pytest

from directory.catalogs.services import CATALOGS, read_catalog
from directory.config import REPO_ROOT
from directory.demo.generator import CatalogEntry, DemoDirectory
from directory.demo.services import demo_directory
from directory.geo.gazetteer import gazetteer
from matching.types import CredentialLevel, RiskTier, VerificationStatus

DATA_DIR = REPO_ROOT / "data"
AS_OF = date(2025, 6, 1)
COUNT = 2000
CERTIFICATIONS = {e["code"]: e for e in read_catalog(DATA_DIR, CATALOGS[0])}
CONDITIONS = {e["code"]: e for e in read_catalog(DATA_DIR, CATALOGS[1])}
CERTIFICATION_IDS = {code: 100 + i for i, code in enumerate(CERTIFICATIONS)}
CONDITION_IDS = {code: 500 + i for i, code in enumerate(CONDITIONS)}
LEVEL_BY_ID = {CERTIFICATION_IDS[c]: e["level"] for c, e in CERTIFICATIONS.items()}
TIER_BY_ID = {CONDITION_IDS[c]: e["risk_tier"] for c, e in CONDITIONS.items()}
# Lower 48 states, Alaska and Hawaii.
US_LATITUDES, US_LONGITUDES = (18.5, 71.5), (-179.2, -66.9)


def make_directory(seed: int) -> DemoDirectory:
    certifications = {
        code: CatalogEntry(CERTIFICATION_IDS[code], code, e["issuer"],
                           renewal_years=e["renewal_years"])
        for code, e in CERTIFICATIONS.items()
    }
    conditions = {
        code: CatalogEntry(CONDITION_IDS[code], code, "", tier=e["risk_tier"], name=e["name"])
        for code, e in CONDITIONS.items()
    }
    return DemoDirectory(seed, AS_OF, DATA_DIR, gazetteer(), certifications, conditions)


@pytest.fixture(scope="module")
def people():
    directory = make_directory(seed=7)
    return [directory.trainer(i) for i in range(COUNT)]


def best_level(person) -> CredentialLevel:
    levels = {LEVEL_BY_ID[c["certification_id"]] for c in person.credentials}
    for level in (CredentialLevel.CLINICAL, CredentialLevel.PERFORMANCE,
                  CredentialLevel.SPECIALIST):
        if level in levels:
            return level
    return CredentialLevel.GENERAL


def share(people, predicate) -> float:
    return sum(1 for p in people if predicate(p)) / len(people)


def test_same_seed_and_index_give_the_same_trainer_in_any_order():
    first, second = make_directory(seed=3), make_directory(seed=3)
    later = [first.trainer(i) for i in range(40)]
    assert [second.trainer(i) for i in reversed(range(40))] == later[::-1]


def test_different_seeds_give_different_people():
    one, two = make_directory(seed=1), make_directory(seed=2)

    def identity(person):
        return person.trainer["email"], person.trainer["postal_code"]

    assert [identity(one.trainer(i)) for i in range(20)] != [
        identity(two.trainer(i)) for i in range(20)]


def test_most_trainers_are_general_and_clinical_ones_are_rare(people):
    levels = Counter(best_level(p) for p in people)
    assert levels[CredentialLevel.GENERAL] / COUNT > 0.45
    assert 0.02 < levels[CredentialLevel.CLINICAL] / COUNT < 0.15
    assert levels[CredentialLevel.SPECIALIST] > levels[CredentialLevel.CLINICAL]
    assert levels[CredentialLevel.PERFORMANCE] > 0


def test_every_clinical_trainer_has_a_high_risk_condition(people):
    clinical = [p for p in people if best_level(p) is CredentialLevel.CLINICAL]
    assert clinical
    assert all(any(TIER_BY_ID[c["condition_id"]] is RiskTier.HIGH for c in p.conditions)
               for p in clinical)


def test_condition_years_never_exceed_the_trainers_experience(people):
    assert all(1 <= c["years"] <= p.trainer["years_experience"]
               for p in people for c in p.conditions)


def test_no_trainer_lists_a_condition_twice(people):
    assert all(len({c["condition_id"] for c in p.conditions}) == len(p.conditions)
               for p in people)


def test_some_credentials_are_expired_and_some_unverified(people):
    credentials = [c for p in people for c in p.credentials]
    expired = share(credentials, lambda c: c["expires_on"] < AS_OF)
    unverified = share(credentials, lambda c: c["status"] is VerificationStatus.UNVERIFIED)
    assert 0.03 < expired < 0.4 and 0.03 < unverified < 0.4
    assert all(c["issued_on"] <= c["expires_on"] for c in credentials)


def test_only_verified_credentials_name_a_verification_source(people):
    assert all((c["status"] is VerificationStatus.VERIFIED) == bool(c["verification_source"])
               for p in people for c in p.credentials)


def test_trainers_are_located_in_the_us_with_5_digit_postal_codes(people):
    for person in people:
        t = person.trainer
        assert US_LATITUDES[0] <= t["latitude"] <= US_LATITUDES[1], t
        assert US_LONGITUDES[0] <= t["longitude"] <= US_LONGITUDES[1], t
        assert re.fullmatch(r"\d{5}", t["postal_code"]) and t["country"] == "US", t


def test_credential_numbers_are_unique_per_issuer(people):
    numbers = Counter((c["issuer"], c["credential_number"]) for p in people for c in p.credentials)
    assert numbers.most_common(1)[0][1] == 1


def test_only_in_home_trainers_have_a_service_radius(people):
    assert any(p.trainer["offers_in_home"] for p in people)
    for person in people:
        radius = person.trainer["service_radius_km"]
        assert (radius is not None and radius > 0) == person.trainer["offers_in_home"]


def test_every_trainer_offers_some_mode(people):
    assert all(p.trainer["offers_in_person"] or p.trainer["offers_in_home"]
               or p.trainer["offers_virtual"] for p in people)


def test_price_ranges_are_ordered(people):
    assert all(0 < p.trainer["price_min"] <= p.trainer["price_max"] for p in people)


def test_emails_are_unique_and_ascii(people):
    emails = [p.trainer["email"] for p in people]
    assert len(set(emails)) == COUNT
    assert all(re.fullmatch(r"[a-z]+\.[a-z]+\.\d+@example\.com", e) for e in emails)


def test_external_refs_name_the_seed_and_index(people):
    assert [p.trainer["external_ref"] for p in people[:3]] == ["demo:7:0", "demo:7:1", "demo:7:2"]


def test_directory_built_from_the_database_makes_the_same_people(session):
    from_database = demo_directory(session, 7, AS_OF, DATA_DIR)
    from_files = make_directory(seed=7)
    assert [from_database.trainer(i).trainer for i in range(50)] == [
        from_files.trainer(i).trainer for i in range(50)]


def test_missing_certifications_are_refused():
    with pytest.raises(ValueError, match="Load the catalogs first"):
        DemoDirectory(1, AS_OF, DATA_DIR, gazetteer(), {}, {})
