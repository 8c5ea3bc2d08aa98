"""Issuer profiles, and how a file's headers map onto ReferFit's import columns."""

from pathlib import Path

import pytest

from directory.errors import InvalidInput
from directory.imports.profiles import (
    CANONICAL,
    COLUMNS,
    REQUIRED,
    choose_profile,
    header_key,
    load_profiles,
    map_headers,
    parse_mapping,
)
from matching.types import VerificationStatus

DATA_DIR = str(Path(__file__).resolve().parents[3] / "data")
PROFILES = load_profiles(DATA_DIR)
MAP_HINT = "Map a header with 'Header=column' if the file names it differently."


def error_of(call, *args) -> dict:
    with pytest.raises(InvalidInput) as caught:
        call(*args)
    return caught.value.errors


# The shipped profiles


def test_the_shipped_profiles():
    assert {name: p.issuer for name, p in PROFILES.items()} == {
        "acsm": "ACSM", "nsca": "NSCA", "ncsf": "NCSF", "ace": "ACE"}
    assert all(p.description for p in PROFILES.values())


@pytest.mark.parametrize("name", ["acsm", "nsca", "ncsf", "ace"])
def test_each_profile_maps_its_own_headers_onto_every_column(name):
    profile = PROFILES[name]
    headers = list(profile.headers.values())

    mapping, ignored = map_headers(headers, profile, {})

    assert ignored == []
    assert mapping == {header: column for column, header in profile.headers.items()}
    assert sorted(mapping.values()) == sorted(COLUMNS)


def test_only_ncsf_gives_the_last_valid_day():
    assert {n for n, p in PROFILES.items() if p.expiry_is_last_valid_day} == {"ncsf"}


def test_date_formats_are_read_in_order():
    assert PROFILES["acsm"].date_formats == ("%m/%d/%Y", "%m/%d/%y")
    assert PROFILES["nsca"].date_formats == ("%m/%d/%Y", "%d-%b-%Y")
    assert PROFILES["ncsf"].date_formats == ("%m/%d/%Y", "%B %d, %Y")
    assert PROFILES["ace"].date_formats == ("%m/%d/%Y", "%Y/%m/%d")
    assert CANONICAL.date_formats == ()


def test_a_profile_mapping_to_an_unknown_column_is_refused_whole(tmp_path):
    (tmp_path / "import_profiles.toml").write_text(
        '[profile.good]\nissuer = "X"\n[profile.good.columns]\n"Nom" = "last_name"\n'
        '[profile.bad]\nissuer = "Y"\n[profile.bad.columns]\n"Born" = "birthday"\n',
        encoding="utf-8")

    with pytest.raises(ValueError, match=r"profile 'bad' maps to unknown columns \['birthday'\]"):
        load_profiles(str(tmp_path))


# Matching headers


@pytest.mark.parametrize("header", ["first_name", "First Name", "FIRST NAME", "first-name",
                                    "  First   Name ", "FirstName", "first.name", "First_Name:"])
def test_canonical_headers_match_ignoring_case_spaces_and_punctuation(header):
    assert header_key(header) == "firstname"
    mapping, _ = map_headers([header, "last_name", "certification", "credential_number"],
                             CANONICAL, {})

    assert mapping[header] == "first_name"


@pytest.mark.parametrize(("profile", "header", "column"), [
    ("acsm", "ZIP CODE", "postal_code"),
    ("acsm", "zip_code", "postal_code"),
    ("nsca", "e mail", "email"),
    ("nsca", "State / Province", "state"),
    ("ncsf", "Certificate#", "credential_number"),
    ("ncsf", "certificate #", "credential_number"),
    ("ncsf", "Address-1", "address_line"),
    ("ace", "ace certification number", "credential_number"),
])
def test_profile_headers_match_ignoring_case_spaces_and_punctuation(profile, header, column):
    assert PROFILES[profile].columns[header_key(header)] == column


def test_canonical_names_work_beside_any_profile():
    headers = ["First Name", "Last Name", "Certification", "credential_number", "postal_code"]

    mapping, ignored = map_headers(headers, PROFILES["acsm"], {})

    assert mapping["credential_number"] == "credential_number"
    assert mapping["postal_code"] == "postal_code"
    assert ignored == []


def test_a_profiles_own_headers_need_that_profile():
    headers = ["FirstName", "LastName", "Credential", "Certification ID"]

    assert map_headers(headers, PROFILES["nsca"], {})[0] == {
        "FirstName": "first_name", "LastName": "last_name", "Credential": "certification",
        "Certification ID": "credential_number"}
    errors = error_of(map_headers, headers, PROFILES["acsm"], {})
    assert errors["file"][0].startswith(
        "Missing required columns: certification, credential_number. ")


def test_headers_no_column_wants_are_returned_in_order():
    headers = ["Member Since", "First Name", "Last Name", "Notes", "Certification",
               "Certification Number", "CEUs"]

    mapping, ignored = map_headers(headers, PROFILES["acsm"], {})

    assert ignored == ["Member Since", "Notes", "CEUs"]
    assert set(mapping) == {"First Name", "Last Name", "Certification", "Certification Number"}


def test_the_ad_hoc_mapping_maps_headers_the_profile_does_not_know():
    headers = ["FirstName", "LastName", "Credential", "Member No", "Mobile"]
    overrides = parse_mapping(["member no=credential_number", "MOBILE=phone"])

    mapping, ignored = map_headers(headers, PROFILES["nsca"], overrides)

    assert mapping["Member No"] == "credential_number"
    assert mapping["Mobile"] == "phone"
    assert ignored == []


def test_the_ad_hoc_mapping_comes_before_the_profile():
    headers = ["FirstName", "LastName", "Credential", "Cert Name"]
    overrides = parse_mapping(["Credential=credential_number", "Cert Name=certification"])

    mapping, _ = map_headers(headers, PROFILES["nsca"], overrides)

    assert mapping["Credential"] == "credential_number"
    assert mapping["Cert Name"] == "certification"


# Missing and doubled columns


def test_missing_required_columns_are_named_with_what_was_found():
    errors = error_of(map_headers, ["first_name", "Certification", "Notes"], CANONICAL, {})

    assert errors == {"file": [
        "Missing required columns: last_name, credential_number. "
        "Found: 'first_name', 'Certification', 'Notes'. " + MAP_HINT]}


def test_missing_required_columns_name_the_profiles_headers_for_them():
    errors = error_of(map_headers, ["First Name", "Certification", "Email Address"],
                      PROFILES["acsm"], {})

    assert errors == {"file": [
        "Missing required columns: last_name, credential_number. "
        "Found: 'First Name', 'Certification', 'Email Address'. "
        "The acsm profile expects 'Last Name', 'Certification Number'. " + MAP_HINT]}


def test_every_required_column_is_checked():
    assert REQUIRED == ("first_name", "last_name", "certification", "credential_number")
    for left_out in REQUIRED:
        headers = [column for column in REQUIRED if column != left_out]

        errors = error_of(map_headers, headers, CANONICAL, {})

        assert errors["file"][0].startswith(f"Missing required columns: {left_out}. ")


def test_two_headers_for_one_column_are_refused():
    headers = ["First Name", "Last Name", "first_name", "Certification", "Certification Number"]

    errors = error_of(map_headers, headers, PROFILES["acsm"], {})

    assert errors == {"file": [
        "Columns 'First Name' and 'first_name' both map to first_name; "
        "map one of them to another column with 'Header=column'."]}


def test_an_ad_hoc_mapping_onto_a_column_already_given_is_refused():
    headers = ["First", "Last", "Certification Title", "Certificate #", "Other ID"]
    overrides = parse_mapping(["Other ID=credential_number"])

    errors = error_of(map_headers, headers, PROFILES["ncsf"], overrides)

    assert errors == {"file": [
        "Columns 'Certificate #' and 'Other ID' both map to credential_number; "
        "map one of them to another column with 'Header=column'."]}


# Choosing a profile


@pytest.mark.parametrize(("issuer", "name"),
                         [("ACSM", "acsm"), ("NSCA", "nsca"), ("NCSF", "ncsf"), ("ACE", "ace")])
def test_each_issuer_has_its_own_profile_by_default(issuer, name):
    assert choose_profile(DATA_DIR, issuer, None) is PROFILES[name]
    assert choose_profile(DATA_DIR, issuer, name) is PROFILES[name]


def test_an_issuer_without_a_profile_gets_canonical_columns():
    assert choose_profile(DATA_DIR, "NASM", None) is CANONICAL


def test_canonical_columns_can_be_chosen_for_any_issuer():
    assert choose_profile(DATA_DIR, "NSCA", "canonical") is CANONICAL


def test_an_unknown_profile_lists_the_known_ones():
    assert error_of(choose_profile, DATA_DIR, "NSCA", "nasm") == {"profile": [
        "Unknown profile 'nasm'; known: ace, acsm, canonical, ncsf, nsca."]}


def test_another_issuers_profile_is_refused():
    assert error_of(choose_profile, DATA_DIR, "NSCA", "acsm") == {"profile": [
        "Profile 'acsm' is for ACSM lists, not NSCA."]}


# Ad hoc mappings


def test_parse_mapping_keys_headers_like_the_profiles():
    assert parse_mapping([" Member No = credential_number", "E-Mail=email", "A=B=city"]) == {
        "memberno": "credential_number", "email": "email", "ab": "city"}


def test_parse_mapping_of_nothing():
    assert parse_mapping([]) == {}


def test_parse_mapping_names_every_malformed_pair():
    errors = error_of(parse_mapping, ["Member No", "=email", "Mobile=cell", "Zip=postal_code"])

    assert errors == {"map": [
        "'Member No' is not 'Header=column'.",
        "'=email' is not 'Header=column'.",
        "'Mobile=cell': 'cell' is not a column; use one of " + ", ".join(COLUMNS) + ".",
    ]}


# Status words


@pytest.mark.parametrize(("profile", "word", "status"), [
    ("acsm", "In Good Standing", VerificationStatus.VERIFIED),
    ("acsm", "INACTIVE", VerificationStatus.EXPIRED),
    ("nsca", "Certified", VerificationStatus.VERIFIED),
    ("nsca", "not   certified", VerificationStatus.EXPIRED),
    ("ace", "Current", VerificationStatus.VERIFIED),
    ("ace", "Expired - In Grace Period", VerificationStatus.EXPIRED),
    ("ncsf", "Active", VerificationStatus.VERIFIED),
    ("ncsf", " Lapsed ", VerificationStatus.EXPIRED),
    ("ncsf", "Suspended", VerificationStatus.REVOKED),
])
def test_issuer_words_and_common_words(profile, word, status):
    assert PROFILES[profile].status(word) is status


@pytest.mark.parametrize(("word", "status"), [
    ("active", VerificationStatus.VERIFIED),
    ("Valid", VerificationStatus.VERIFIED),
    ("in good standing", VerificationStatus.VERIFIED),
    ("Expired", VerificationStatus.EXPIRED),
    ("Not Current", VerificationStatus.EXPIRED),
    ("Revoked", VerificationStatus.REVOKED),
    ("cancelled", VerificationStatus.REVOKED),
    ("Canceled", VerificationStatus.REVOKED),
    ("Decertified", VerificationStatus.REVOKED),
])
def test_common_words_need_no_profile(word, status):
    assert CANONICAL.status(word) is status


@pytest.mark.parametrize(("profile", "word"), [
    (CANONICAL, "pending"),
    (CANONICAL, ""),
    (PROFILES["acsm"], "Not Certified"),  # NSCA's word, not ACSM's
    (PROFILES["nsca"], "Expired - In Grace Period"),  # ACE's
])
def test_unknown_words_have_no_status(profile, word):
    assert profile.status(word) is None
