"""One row of a credential list, in canonical columns, checked and normalized."""

import tomllib
from datetime import date
from pathlib import Path

import pytest
from marshmallow import ValidationError

from directory.imports.profiles import CANONICAL, load_profiles
from directory.imports.schemas import ImportRowSchema
from matching.types import VerificationStatus

DATA_DIR = Path(__file__).resolve().parents[3] / "data"
PROFILES = load_profiles(str(DATA_DIR))
CATALOG = tomllib.loads((DATA_DIR / "certifications.toml").read_text(encoding="utf-8"))
# A valid row per issuer; each test changes what it is about.
VALID = {
    "NSCA": {"first_name": "Ann", "last_name": "Lee",
             "certification": "Certified Strength and Conditioning Specialist",
             "credential_number": "NS-1001"},
    "ACSM": {"first_name": "Ann", "last_name": "Lee",
             "certification": "Certified Clinical Exercise Physiologist",
             "credential_number": "AC-1001"},
    "NCSF": {"first_name": "Ann", "last_name": "Lee", "certification": "NCSF CPT",
             "credential_number": "NC-1001"},
    "ACE": {"first_name": "Ann", "last_name": "Lee", "certification": "ACE CPT",
            "credential_number": "AE-1001"},
    "NASM": {"first_name": "Ann", "last_name": "Lee", "certification": "NASM CPT",
             "credential_number": "NA-1001"},
}


def certification_names(issuer: str) -> dict[str, str]:
    """What services.certification_names gives, read from the catalog file."""
    names = {}
    for entry in CATALOG["certification"]:
        if entry["issuer"] == issuer:
            for name in (entry["code"], entry["name"], f"{issuer} {entry['name']}",
                         *entry.get("aliases", ())):
                names.setdefault(name, entry["code"])
    return names


def schema(issuer: str):
    profile = PROFILES.get(issuer.lower(), CANONICAL)
    return ImportRowSchema(profile, issuer, certification_names(issuer))


def row(issuer: str, **values) -> dict:
    return {**VALID[issuer], **values}


def load(issuer: str = "NSCA", **values) -> dict:
    return schema(issuer).load(row(issuer, **values))


def errors(issuer: str = "NSCA", **values) -> dict:
    with pytest.raises(ValidationError) as caught:
        load(issuer, **values)
    return caught.value.messages


def test_a_minimal_row_gets_the_defaults():
    assert load("NSCA") == {
        "first_name": "Ann", "last_name": "Lee", "certification": "NSCA-CSCS",
        "credential_number": "NS-1001",
        # No status: a new credential is verified, a known one keeps its status.
        "status": None,
        "issued_on": None, "expires_on": None, "email": None, "phone": None,
        "address_line": None, "city": None, "state": None, "postal_code": None,
        "country": "US",
    }


def test_a_full_row():
    data = load("ACSM", first_name="Renée", status="In Good Standing",
                issued_on="03/15/2023", expires_on="03/15/2026", email="Renee@Example.com",
                phone="(617) 555-0100", address_line="1 Main St", city="Boston",
                state="Massachusetts", postal_code="2134", country="United States")

    assert data == {
        "first_name": "Renée", "last_name": "Lee", "certification": "ACSM-CEP",
        "credential_number": "AC-1001", "status": VerificationStatus.VERIFIED,
        "issued_on": date(2023, 3, 15), "expires_on": date(2026, 3, 15),
        "email": "renee@example.com", "phone": "(617) 555-0100",
        "address_line": "1 Main St", "city": "Boston", "state": "MA",
        "postal_code": "02134", "country": "US",
    }


def test_a_schema_reads_many_rows():
    rows = schema("NCSF")

    first = rows.load(row("NCSF", expires_on="12/31/2026"))
    second = rows.load(row("NCSF", expires_on="12/31/2026"))

    assert first["expires_on"] == second["expires_on"] == date(2027, 1, 1)


# Whitespace and empty cells


def test_stray_whitespace_is_trimmed_and_collapsed():
    data = load(first_name="  Ann \t Marie ", last_name="\nLee  ", city=" New   York ",
                address_line="1  Main\tSt")

    assert (data["first_name"], data["last_name"]) == ("Ann Marie", "Lee")
    assert (data["city"], data["address_line"]) == ("New York", "1 Main St")


@pytest.mark.parametrize("empty", ["", "   ", None])
def test_an_empty_required_cell_is_missing(empty):
    assert errors(first_name=empty, last_name=empty, credential_number=empty) == {
        "last_name": ["Give the holder's name: a first or a last name at least."],
        "credential_number": ["Missing data for required field."]}


@pytest.mark.parametrize("name", ["first_name", "last_name"])
def test_one_missing_name_is_left_to_linkage(name):
    # Lists leave out given names; linkage finds the trainer by the other fields.
    assert load(**{name: ""})[name] is None


@pytest.mark.parametrize("empty", ["", " \t ", None])
def test_an_empty_optional_cell_takes_the_default(empty):
    data = load(email=empty, status=empty, country=empty, issued_on=empty, state=empty)

    assert data["email"] is None and data["issued_on"] is None and data["state"] is None
    assert data["status"] is None
    assert data["country"] == "US"


def test_names_have_a_length_limit():
    assert errors(first_name="A" * 101, last_name="B" * 101) == {
        "first_name": ["Length must be between 1 and 100."],
        "last_name": ["Length must be between 1 and 100."]}
    assert load(first_name="A" * 100)["first_name"] == "A" * 100


# Credential numbers


@pytest.mark.parametrize(("given", "stored"), [
    ("ns-1001", "NS-1001"),
    ("  ab  12/3.4 ", "AB 12/3.4"),
    ("123456", "123456"),
])
def test_credential_numbers_are_upper_cased_and_trimmed(given, stored):
    assert load(credential_number=given)["credential_number"] == stored


@pytest.mark.parametrize("number", ["#1001", "-1001", "NS_1001", "NS–1001"])
def test_credential_numbers_use_a_few_characters(number):
    assert errors(credential_number=number) == {
        "credential_number": ["Use letters, digits, spaces, dots, slashes and hyphens."]}


def test_credential_numbers_have_a_length_limit():
    assert errors(credential_number="9" * 65) == {
        "credential_number": ["Length must be between 1 and 64."]}


# Email and phone


def test_emails_are_lower_cased_and_trimmed():
    assert load(email="  Ann.Lee@Example.COM ")["email"] == "ann.lee@example.com"


@pytest.mark.parametrize("email", ["ann.lee", "ann@", "ann lee@example.com"])
def test_a_bad_email(email):
    assert errors(email=email) == {"email": ["Not a valid email address."]}


@pytest.mark.parametrize("phone", ["(617) 555-0100", "+1 617.555.0100", "617-555-0100 x12",
                                   "5550100", "617-555-0100 X12"])
def test_phone_numbers(phone):
    assert load(phone=phone)["phone"] == phone


@pytest.mark.parametrize("phone", ["555-010", "call the office", "617-555-0100 ext. 12",
                                   "1234567890123456"])
def test_a_bad_phone_number(phone):
    assert errors(phone=phone) == {"phone": ["Give a phone number of 7 to 15 digits."]}


# Certifications


@pytest.mark.parametrize(("issuer", "given", "code"), [
    ("NSCA", "Certified Strength and Conditioning Specialist", "NSCA-CSCS"),
    ("NSCA", "NSCA-CSCS", "NSCA-CSCS"),
    ("NSCA", "CSCS", "NSCA-CSCS"),
    ("NSCA", "NSCA Certified Personal Trainer", "NSCA-CPT"),
    ("NSCA", "nsca cpt", "NSCA-CPT"),
    ("NSCA", "  certified   STRENGTH and conditioning specialist ", "NSCA-CSCS"),
    ("ACSM", "ACSM-RCEP", "ACSM-CEP"),
    ("ACSM", "Certified Exercise Physiologist", "ACSM-EP"),
    ("ACSM", "Certified Clinical Exercise Physiologist", "ACSM-CEP"),
    ("ACSM", "EIM Level 2", "EIM"),
    ("NCSF", "Medical Exercise Specialist (NCSF)", "NCSF-MES"),
    ("ACE", "ACE Certified Medical Exercise Specialist", "ACE-CMES"),
])
def test_certifications_by_code_name_or_alias(issuer, given, code):
    assert load(issuer, certification=given)["certification"] == code


@pytest.mark.parametrize(("issuer", "typo", "code"), [
    ("NSCA", "Certified Strength and Conditioning Specialst", "NSCA-CSCS"),
    ("NSCA", "Certifed Personal Trainer", "NSCA-CPT"),
    ("ACSM", "Certified Exercise Physiologst", "ACSM-EP"),
    ("ACSM", "Certified Clinical Exercise Physiologst", "ACSM-CEP"),
])
def test_a_certification_with_a_typo(issuer, typo, code):
    assert load(issuer, certification=typo)["certification"] == code


def test_an_unknown_certification_suggests_the_closest():
    assert errors(certification="Personal Trainer Certification") == {"certification": [
        "Unknown NSCA certification 'Personal Trainer Certification'. "
        "Closest: Certified Personal Trainer."]}


def test_an_unknown_certification_with_nothing_close_lists_the_issuers():
    assert errors(certification="Yoga Teacher") == {"certification": [
        "Unknown NSCA certification 'Yoga Teacher'. "
        "Known NSCA certifications: NSCA-CPT, NSCA-CSCS."]}


def test_another_issuers_certification_is_unknown():
    message = errors(certification="ACE-CMES")["certification"][0]

    assert message.startswith("Unknown NSCA certification 'ACE-CMES'.")


# Dates


@pytest.mark.parametrize(("issuer", "text", "day"), [
    ("ACSM", "2026-01-31", date(2026, 1, 31)),
    ("ACSM", "01/31/2026", date(2026, 1, 31)),
    ("ACSM", "1/5/2026", date(2026, 1, 5)),
    ("ACSM", "01/31/26", date(2026, 1, 31)),
    ("NSCA", "31-Jan-2026", date(2026, 1, 31)),
    ("NSCA", "05-MAY-2026", date(2026, 5, 5)),
    ("NSCA", "01/31/2026", date(2026, 1, 31)),
    ("NCSF", "January 31, 2026", date(2026, 1, 31)),
    ("NCSF", " January  31,  2026 ", date(2026, 1, 31)),
    ("NCSF", "01/31/2026", date(2026, 1, 31)),
    ("ACE", "2026/01/31", date(2026, 1, 31)),
    ("ACE", "01/31/2026", date(2026, 1, 31)),
    ("NASM", "2026-01-31", date(2026, 1, 31)),
])
def test_dates_in_iso_or_the_profiles_formats(issuer, text, day):
    assert load(issuer, issued_on=text)["issued_on"] == day


def test_a_spreadsheets_own_date_is_kept():
    assert load("ACE", issued_on=date(2024, 2, 29))["issued_on"] == date(2024, 2, 29)


@pytest.mark.parametrize(("issuer", "text"), [
    ("ACSM", "02/30/2026"),
    ("ACSM", "13/01/2026"),
    ("NSCA", "2026-02-29"),
    ("NSCA", "31-Feb-2026"),
    ("ACE", "2026/04/31"),
])
def test_an_impossible_date(issuer, text):
    assert errors(issuer, issued_on=text) == {"issued_on": [f"'{text}' is not a real date."]}


@pytest.mark.parametrize(("issuer", "text", "examples"), [
    ("ACSM", "31-Jan-2026", "2026-01-31, 01/31/2026, 01/31/26"),
    ("NSCA", "January 31, 2026", "2026-01-31, 01/31/2026, 31-Jan-2026"),
    ("NCSF", "soon", "2026-01-31, 01/31/2026, January 31, 2026"),
    ("NASM", "Jan 2026", "2026-01-31"),
])
def test_a_date_in_no_known_format(issuer, text, examples):
    assert errors(issuer, expires_on=text) == {"expires_on": [
        f"'{text}' is not a date in this list's formats (like {examples})."]}


def test_issued_after_it_expires():
    assert errors("ACSM", issued_on="01/31/2026", expires_on="01/01/2025") == {
        "expires_on": ["Expires 2025-01-01 before it was issued (2026-01-31)."]}


# NCSF's "Valid Through" is the last valid day; expires_on is the first day it lapses.


@pytest.mark.parametrize("valid_through", ["12/31/2026", "December 31, 2026", "2026-12-31",
                                           date(2026, 12, 31)])
def test_ncsf_valid_through_becomes_the_day_after(valid_through):
    assert load("NCSF", expires_on=valid_through)["expires_on"] == date(2027, 1, 1)


def test_other_profiles_keep_the_expiry_date():
    assert load("ACSM", expires_on="12/31/2026")["expires_on"] == date(2026, 12, 31)
    assert load("NASM", expires_on="2026-12-31")["expires_on"] == date(2026, 12, 31)


def test_ncsf_issued_on_its_only_valid_day():
    data = load("NCSF", issued_on="12/31/2026", expires_on="12/31/2026")

    assert (data["issued_on"], data["expires_on"]) == (date(2026, 12, 31), date(2027, 1, 1))


def test_ncsf_issued_after_its_last_valid_day_names_the_files_dates():
    assert errors("NCSF", issued_on="12/31/2026", expires_on="12/30/2026") == {
        "expires_on": ["Expires 2026-12-30 before it was issued (2026-12-31)."]}


# Status


@pytest.mark.parametrize(("issuer", "word", "status"), [
    ("NSCA", "Active", VerificationStatus.VERIFIED),
    ("NSCA", "  LAPSED ", VerificationStatus.EXPIRED),
    ("NSCA", "Not  Certified", VerificationStatus.EXPIRED),
    ("NSCA", "revoked", VerificationStatus.REVOKED),
    ("ACSM", "in good standing", VerificationStatus.VERIFIED),
    ("ACE", "Expired - In Grace Period", VerificationStatus.EXPIRED),
])
def test_status_words(issuer, word, status):
    assert load(issuer, status=word)["status"] is status


def test_an_unknown_status_word():
    assert errors(status="Pending") == {"status": [
        "Unknown status 'Pending'; use active, expired or revoked "
        "(or the issuer's own words in its profile)."]}


# Place


@pytest.mark.parametrize(("given", "code"), [
    ("MA", "MA"), ("ma", "MA"), ("Massachusetts", "MA"), ("massachusets", "MA"),
    ("New York", "NY"), (" new   york ", "NY"), ("District of Columbia", "DC"),
])
def test_us_states_by_name_or_code(given, code):
    assert load(state=given)["state"] == code


def test_a_place_that_is_no_us_state():
    assert errors(state="Narnia") == {"state": ["'Narnia' is not a US state or its code."]}


def test_states_outside_the_us_are_kept_as_codes():
    assert load(country="CA", state="ON")["state"] == "ON"
    assert errors(country="CA", state="Ontario") == {"state": [
        "'Ontario' is not a two-letter region code."]}


@pytest.mark.parametrize(("given", "zip_code"), [
    ("02134", "02134"),
    ("2134", "02134"),  # a spreadsheet dropped the leading zero
    ("501", "00501"),
    ("02134-1234", "02134"),
    (" 10001 ", "10001"),
])
def test_us_zip_codes(given, zip_code):
    assert load(postal_code=given)["postal_code"] == zip_code


@pytest.mark.parametrize("given", ["12", "123456", "02134-12", "021341234", "ABCDE", "K1A 0B1"])
def test_a_bad_us_zip_code(given):
    assert errors(postal_code=given) == {"postal_code": [f"'{given}' is not a US ZIP code."]}


def test_postal_codes_outside_the_us_are_kept():
    assert load(country="CA", postal_code="K1A 0B1")["postal_code"] == "K1A 0B1"


@pytest.mark.parametrize(("given", "code"), [
    ("US", "US"), ("us", "US"), ("USA", "US"), ("United States", "US"),
    ("united  states of america", "US"), ("ca", "CA"), ("GB", "GB"),
])
def test_countries(given, code):
    assert load(country=given)["country"] == code


@pytest.mark.parametrize("given", ["Canada", "U.K.", "C4"])
def test_a_country_that_is_no_code(given):
    assert errors(country=given) == {"country": [f"'{given}' is not a two-letter country code."]}


def test_every_place_problem_at_once():
    assert errors(state="Narnia", postal_code="12", issued_on="2026-01-31",
                  expires_on="2025-01-31") == {
        "state": ["'Narnia' is not a US state or its code."],
        "postal_code": ["'12' is not a US ZIP code."],
        "expires_on": ["Expires 2025-01-31 before it was issued (2026-01-31)."],
    }
