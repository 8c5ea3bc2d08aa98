"""`flask trainers duplicates`: one person listed twice is found, with the reasons, and
the pair waits in the curators' queue; a pair already decided stays decided."""

from __future__ import annotations

from sqlalchemy import select

from directory.duplicates.models import DuplicateStatus, SuspectedDuplicate
from directory.duplicates.services import merge_trainers
from tests.factories import add_trainers

TOMS = {"first_name": "Daniel", "last_name": "Toms", "email": None,
        "address_line": "5 McClelland Ave", "postal_code": "22027"}


def duplicates(app, *args: str):
    return app.test_cli_runner().invoke(args=["trainers", "duplicates", *args])


def test_a_trainer_listed_twice_is_found_and_queued_and_their_neighbour_is_not(app, session):
    daniel, dan, _ = add_trainers(
        session, TOMS, {**TOMS, "first_name": "Dan", "address_line": "5 McClelland Avenue"},
        {**TOMS, "first_name": "Kwame", "last_name": "Okafor",
         "address_line": "7 McClelland Ave"})
    result = duplicates(app)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == ("1 likely duplicate pair(s): 1 new in the queue, 0 rescored, "
                        "0 already decided.")
    (pair,) = session.scalars(select(SuspectedDuplicate)).all()
    assert (pair.trainer_id, pair.other_id, pair.status) == (daniel.id, dan.id,
                                                             DuplicateStatus.PENDING)
    assert lines[2].startswith(f"- pair {pair.id}: trainer {daniel.id} Daniel Toms and "
                               f"trainer {dan.id} Dan Toms, confidence 1.00")
    assert "first name is a nickname of the other" in lines[3]
    assert "street address matches" in lines[3]
    assert pair.reasons == lines[3].strip().split("; ")


def test_running_it_again_queues_nothing_twice_and_keeps_verdicts(app, session):
    add_trainers(session, TOMS, {**TOMS, "first_name": "Dan"})
    duplicates(app)
    pair = session.scalar(select(SuspectedDuplicate))
    pair.status = DuplicateStatus.DISTINCT
    session.commit()
    output = duplicates(app).output
    assert output == ("1 likely duplicate pair(s): 0 new in the queue, 0 rescored, "
                      "1 already decided.\n")
    assert session.scalar(select(SuspectedDuplicate)).status is DuplicateStatus.DISTINCT


def test_a_directory_without_duplicates_says_so(app, session):
    add_trainers(session, TOMS, {**TOMS, "first_name": "Kwame", "last_name": "Okafor",
                                 "postal_code": "98101", "address_line": "1 Pine St"})
    assert duplicates(app).output == ("0 likely duplicate pair(s): 0 new in the queue, "
                                      "0 rescored, 0 already decided.\n")


def test_relatives_at_one_address_are_shown_with_the_warning(app, session):
    add_trainers(session, TOMS, {**TOMS, "first_name": "Maria"})
    output = duplicates(app).output
    assert "perhaps a relative" in output


def test_the_limit_must_be_positive(app):
    result = duplicates(app, "--limit", "0")
    assert result.exit_code == 2
    assert "0 is not in the range x>=1" in result.output


def test_a_merged_record_is_never_found_again(app, session):
    daniel, dan = add_trainers(session, TOMS, {**TOMS, "first_name": "Dan"})
    merge_trainers(session, dan, daniel, curator_id=None)
    session.commit()
    assert duplicates(app).output.startswith("0 likely duplicate pair(s)")
