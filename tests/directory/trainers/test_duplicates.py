"""`flask trainers duplicates`: one person listed twice is found, with the reasons."""

from __future__ import annotations

from tests.factories import add_trainers

TOMS = {"first_name": "Daniel", "last_name": "Toms", "email": None,
        "address_line": "5 McClelland Ave", "postal_code": "22027"}


def duplicates(app, *args: str):
    return app.test_cli_runner().invoke(args=["trainers", "duplicates", *args])


def test_a_trainer_listed_twice_is_found_and_their_neighbour_is_not(app, session):
    daniel, dan, _ = add_trainers(
        session, TOMS, {**TOMS, "first_name": "Dan", "address_line": "5 McClelland Avenue"},
        {**TOMS, "first_name": "Kwame", "last_name": "Okafor",
         "address_line": "7 McClelland Ave"})
    result = duplicates(app)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "1 likely duplicate pair(s); the 1 likeliest:"
    assert lines[1].startswith(f"- trainer {daniel.id} Daniel Toms and trainer {dan.id} "
                               "Dan Toms: confidence 1.00")
    assert "first name is a nickname of the other" in lines[2]
    assert "street address matches" in lines[2]


def test_a_directory_without_duplicates_says_so(app, session):
    add_trainers(session, TOMS, {**TOMS, "first_name": "Kwame", "last_name": "Okafor",
                                 "postal_code": "98101", "address_line": "1 Pine St"})
    assert duplicates(app).output == "No likely duplicate trainers.\n"


def test_relatives_at_one_address_are_shown_with_the_warning(app, session):
    add_trainers(session, TOMS, {**TOMS, "first_name": "Maria"})
    output = duplicates(app).output
    assert "perhaps a relative" in output


def test_the_limit_must_be_positive(app):
    result = duplicates(app, "--limit", "0")
    assert result.exit_code == 2
    assert "0 is not in the range x>=1" in result.output
