"""`flask npi import`: a CMS NPPES extract (its real header names) confirms NPIs offline."""

from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import select

from directory.doctors.models import DoctorProfile, NpiRecord
from tests.web import post_form, sign_in

PRACTICE = "Provider Business Practice Location Address"
# Columns of the npidata_pfile, in its order, with others between them in the real file.
HEADER = ["NPI", "Entity Type Code", "Replacement NPI",
          "Provider Organization Name (Legal Business Name)",
          "Provider Last Name (Legal Name)", "Provider First Name", "Provider Middle Name",
          "Provider Credential Text", "Provider First Line Business Practice Location Address",
          f"{PRACTICE} City Name", f"{PRACTICE} State Name", f"{PRACTICE} Postal Code",
          f"{PRACTICE} Telephone Number", "NPI Deactivation Date", "NPI Reactivation Date",
          "Healthcare Provider Taxonomy Code_1", "Healthcare Provider Primary Taxonomy Switch_1",
          "Healthcare Provider Taxonomy Code_2", "Healthcare Provider Primary Taxonomy Switch_2"]


def extract(*rows: dict) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, HEADER, quoting=csv.QUOTE_ALL)  # CMS quotes every field
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def clinician(**overrides) -> dict:
    return {"NPI": "1234567893", "Entity Type Code": "1",
            "Provider Last Name (Legal Name)": "HOUSE", "Provider First Name": "GREGORY",
            "Provider Credential Text": "M.D.", f"{PRACTICE} City Name": "PRINCETON",
            f"{PRACTICE} State Name": "NJ", f"{PRACTICE} Postal Code": "085401234",
            f"{PRACTICE} Telephone Number": "6095550100",
            "Healthcare Provider Taxonomy Code_1": "207Q00000X",
            "Healthcare Provider Primary Taxonomy Switch_1": "N",
            "Healthcare Provider Taxonomy Code_2": "207R00000X",
            "Healthcare Provider Primary Taxonomy Switch_2": "Y", **overrides}


def run_import(app, tmp_path, text: str):
    path = tmp_path / "npidata_pfile.csv"
    path.write_text(text)
    return app.test_cli_runner().invoke(args=["npi", "import", str(path)])


def test_individuals_are_loaded_and_the_rest_counted_as_skipped(app, session, tmp_path):
    result = run_import(app, tmp_path, extract(
        clinician(),
        clinician(**{"NPI": "1245319599", "Entity Type Code": "2",
                     "Provider Organization Name (Legal Business Name)": "PLAINSBORO"}),
        clinician(NPI="1234567890"),  # its check digit is wrong
        clinician(NPI="1003000126", **{"NPI Deactivation Date": "05/01/2020"}),
        clinician(NPI="1003000118", **{"NPI Deactivation Date": "05/01/2020",
                                       "NPI Reactivation Date": "06/01/2020"})))
    assert result.exit_code == 0, result.output
    assert result.output == ("Loaded 2 clinicians' NPIs; skipped 1 deactivated, "
                             "1 invalid NPI, 1 organizations.\n")
    house = session.get(NpiRecord, "1234567893")
    assert (house.name, house.credential, house.state, house.taxonomy) == (
        "Gregory House", "M.D.", "NJ", "207R00000X")  # the taxonomy flagged primary
    assert session.get(NpiRecord, "1003000118") is not None  # reactivated


def test_a_newer_extract_replaces_a_clinicians_record(app, session, tmp_path):
    run_import(app, tmp_path, extract(clinician()))
    run_import(app, tmp_path, extract(clinician(**{f"{PRACTICE} City Name": "PLAINSBORO"})))
    assert session.scalars(select(NpiRecord.city)).all() == ["PLAINSBORO"]


def test_a_file_that_is_not_an_extract_is_refused_saying_why(app, session, tmp_path):
    result = run_import(app, tmp_path, "npi,name\n1234567893,House\n")
    assert result.exit_code != 0
    assert 'This is not an NPPES extract: it has no "NPI", "Entity Type Code"' in result.output
    assert session.scalar(select(NpiRecord)) is None


@pytest.fixture
def doctor(client, user_factory):
    sign_in(client, user_factory("doctor").email)
    return client


def test_with_a_registry_loaded_a_listed_npi_is_confirmed(app, doctor, session, tmp_path):
    run_import(app, tmp_path, extract(clinician()))
    saved = post_form(doctor, "/account/doctor", {"name": "Gregory House", "npi": "1234567893"})
    assert saved.status_code == 302
    assert session.scalar(select(DoctorProfile.npi_confirmed)) is True
    assert "(confirmed in the CMS registry)" in doctor.get("/account").get_data(as_text=True)


def test_with_a_registry_loaded_an_unlisted_npi_is_refused(app, doctor, session, tmp_path):
    run_import(app, tmp_path, extract(clinician()))
    refused = post_form(doctor, "/account/doctor", {"name": "Someone", "npi": "1003000126"})
    assert refused.status_code == 422
    assert "not among the active individual clinicians" in refused.get_data(as_text=True)


def test_without_a_registry_the_check_digit_is_all_that_is_checked(doctor, session):
    assert post_form(doctor, "/account/doctor", {"name": "G H", "npi": "1234567893"}
                     ).status_code == 302
    assert session.scalar(select(DoctorProfile.npi_confirmed)) is False
