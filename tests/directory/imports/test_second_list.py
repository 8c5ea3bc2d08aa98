"""Issue 14 as a curator meets it: one issuer's list, then another issuer's list of the same
people with typos, split and swapped names, missing first names and moves.

The second list links each person to the trainer the first created, says why field by
field, sends only the doubtful row to review and creates no duplicate; re-importing
either list changes nothing.
"""

from __future__ import annotations

import re

from sqlalchemy import func, select

from directory.trainers.models import Trainer
from tests.directory.imports.helpers import imported
from tests.factories import add_trainers, credential_payload

PEOPLE = [  # first, last, address, city, state, ZIP
    ("Daniel", "Toms", "5 McClelland Ave", "Dunn Loring", "VA", "22027"),
    ("Lydia", "Fernsby", "18 Kimber Street", "Seattle", "WA", "98101"),
    ("Kwame", "Okafor", "71 Barton Road", "Austin", "TX", "78701"),
    ("Ingrid", "Lindqvist", "9 Harbor Lane", "Boston", "MA", "02118"),
    ("Tyler", "Bakker", "402 Juniper Court", "Denver", "CO", "80202"),
    ("Robert", "Szymanski", "33 Alder Way", "Portland", "OR", "97205"),
    ("Priya", "Raman", "12 Orchard Place", "Chicago", "IL", "60614"),
]


def first_list() -> list[dict]:
    return [row("NSCA-CPT", f"NS-{n}", *person) for n, person in enumerate(PEOPLE, start=1)]


def second_list() -> list[dict]:
    return [
        # A typo in the given name changes its Soundex code: found by ZIP and street.
        row("ACE-CPT", "AC-1", "Danidl", "Toms", "5 McClelland Avenue", "Dunn Loring", "VA",
            "22027"),
        row("ACE-CPT", "AC-2", "Ly Dia", "Fernsby", "18 Kimber St", "Seattle", "WA", "98101"),
        # Given and family name swapped, with a typo in one of them.
        row("ACE-CPT", "AC-3", "Okafr", "Kwame", "71 Barton Rd", "Austin", "TX", "78701"),
        row("ACE-CPT", "AC-4", "", "Lindqvist", "9 Harbor Lane", "Boston", "MA", "02118"),
        # A typo in the surname's first letter.
        row("ACE-CPT", "AC-5", "Tyler", "Vakker", "402 Juniper Ct", "Denver", "CO", "80202"),
        # A nickname, and a move to another city of the state: the street says little
        # there, so the name and state alone send this one to a curator.
        row("ACE-CPT", "AC-6", "Bob", "Szymanski", "33 Alder Way", "Portland", "OR",
            "97205"),
        row("ACE-CPT", "AC-7", "Priya", "Raman", "12 Orchard Place", "Chicago", "IL", "60614"),
        # A relative at Daniel's address: another first name, never linked to him.
        row("ACE-CPT", "AC-8", "Maria", "Toms", "5 McClelland Ave", "Dunn Loring", "VA",
            "22027"),
        row("ACE-CPT", "AC-9", "Hannah", "Whitcombe", "1 Pine Street", "Miami", "FL", "33101"),
    ]


def row(certification, number, first, last, address, city, state, postal_code) -> dict:
    return {"first_name": first, "last_name": last, "certification": certification,
            "credential_number": number, "address_line": address, "city": city,
            "state": state, "postal_code": postal_code}


def trainer_count(session) -> int:
    return session.scalar(select(func.count()).select_from(Trainer))


def test_a_second_list_links_the_same_people_through_typos_and_missing_names(
        curator, session):
    before = trainer_count(session)
    first = imported(curator, first_list(), issuer="NSCA")
    assert first["summary"]["created"] == len(PEOPLE)
    trainer_of = {person[1]: r["trainer_id"] for person, r in zip(PEOPLE, first["rows"],
                                                                  strict=True)}

    second = imported(curator, second_list(), issuer="ACE")
    rows = {r["row"]: r for r in second["rows"]}
    for number, surname in enumerate(["Toms", "Fernsby", "Okafor", "Lindqvist", "Bakker"],
                                     start=1):
        assert (rows[number]["action"], rows[number]["trainer_id"]) == \
            ("linked", trainer_of[surname]), rows[number]
    assert (rows[7]["action"], rows[7]["trainer_id"]) == ("linked", trainer_of["Raman"])
    assert rows[8]["action"] == "review"
    assert any("first names differ" in reason for reason in rows[8]["reasons"])
    assert rows[9]["action"] == "created"
    # Every link says which fields agreed and what each counted.
    assert any(re.fullmatch(r"street address matches \(\+\d+\.\d\)", reason)
               for reason in rows[1]["reasons"]), rows[1]["reasons"]
    assert "first and last names are swapped (-3.0)" in rows[3]["reasons"]
    assert trainer_count(session) == before + len(PEOPLE) + 1

    for rows_of_list, issuer in ((first_list(), "NSCA"), (second_list(), "ACE")):
        again = imported(curator, rows_of_list, issuer=issuer)
        assert again["summary"]["linked"] == again["summary"]["created"] == 0, again["summary"]
    assert trainer_count(session) == before + len(PEOPLE) + 1


def test_a_duplicate_added_by_hand_is_found_merged_and_the_lists_still_change_nothing(
        app, curator, session):
    imported(curator, first_list(), issuer="NSCA")
    imported(curator, second_list(), issuer="ACE")
    # Someone added Daniel again by hand, with a credential no list carries.
    (planted,) = add_trainers(session, {
        "first_name": "Dan", "last_name": "Toms", "address_line": "5 McClelland Avenue",
        "postal_code": "22027", "email": None,
        "credentials": [credential_payload(credential_number="HAND-1")]})
    found = app.test_cli_runner().invoke(args=["trainers", "duplicates"])
    assert found.output.startswith("1 likely duplicate pair(s): 1 new in the queue"), \
        found.output
    (pair,) = curator.get("/api/v1/duplicates").json["items"]
    daniel = next(t for t in pair["trainers"] if t["id"] != planted.id)
    assert (daniel["first_name"], daniel["last_name"]) == ("Daniel", "Toms")
    assert search_total(curator, "Toms") == 2

    merged = curator.post(f"/api/v1/duplicates/{pair['id']}",
                          json={"decision": "merge", "survivor_id": daniel["id"]})
    assert merged.status_code == 200, merged.json
    assert search_total(curator, "Toms") == 1
    survivor = curator.get(f"/api/v1/trainers/{daniel['id']}").json
    assert {c["credential_number"] for c in survivor["credentials"]} == {"NS-1", "AC-1",
                                                                         "HAND-1"}
    before = trainer_count(session)
    for rows_of_list, issuer in ((first_list(), "NSCA"), (second_list(), "ACE")):
        again = imported(curator, rows_of_list, issuer=issuer)
        assert again["summary"]["linked"] == again["summary"]["created"] == 0, again["summary"]
    assert trainer_count(session) == before
    assert app.test_cli_runner().invoke(args=["trainers", "duplicates"]).output.startswith(
        "0 likely duplicate pair(s)")


def search_total(client, words: str) -> int:
    return client.get("/api/v1/trainers", query_string={"q": words}).json["total"]


def test_two_rows_of_one_list_never_both_link_to_one_trainer(curator, session):
    imported(curator, first_list()[:1], issuer="NSCA")
    report = imported(curator, [
        row("ACE-CPT", "AC-1", "Daniel", "Toms", "5 McClelland Ave", "Dunn Loring", "VA",
            "22027"),
        # Another certification, so only the rule of one row per trainer stops it.
        row("ACE-CMES", "AC-2", "Danny", "Tomms", "5 McClelland Ave", "Dunn Loring", "VA",
            "22027"),
    ], issuer="ACE")
    first, second = report["rows"]
    assert first["action"] == "linked"
    assert second["action"] == "review"
    assert second["reasons"] == ["row 1 of this list links to the same trainer more strongly, "
                                 "and the two rows are not plainly one person"]
    queue = curator.get("/api/v1/reviews").json["items"]
    assert [c["trainer_id"] for c in queue[0]["candidates"]] == [first["trainer_id"]]


def test_two_credentials_of_one_person_in_one_list_both_link(curator, session):
    imported(curator, first_list()[:1], issuer="NSCA")
    report = imported(curator, [row("ACE-CPT", "AC-1", *PEOPLE[0]),
                                row("ACE-CMES", "AC-2", *PEOPLE[0])], issuer="ACE")
    assert [r["action"] for r in report["rows"]] == ["linked", "linked"]


def test_a_row_missing_a_name_that_matches_no_one_is_rejected_with_the_reason(curator):
    report = imported(curator, [
        row("NSCA-CPT", "NS-9", "", "Quillfeather", "3 Elm St", "Boston", "MA", "02118")],
        issuer="NSCA")
    (only,) = report["rows"]
    assert only["action"] == "rejected"
    assert only["errors"] == [{"column": "first_name", "field": "first_name", "message":
                               "No trainer matches, and a new one needs a first and a last "
                               "name."}]
