"""The curators' duplicates pages, driven as a browser would: look for duplicates, compare
a pair, merge it or keep both; old links to a merged trainer lead to the survivor."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from directory.duplicates.models import DuplicateStatus, SuspectedDuplicate
from directory.duplicates.services import queue_duplicates
from tests.apps import DATA_DIR
from tests.factories import add_trainers, credential_payload
from tests.web import csrf_token, post_form, text

TOMS = {"first_name": "Daniel", "last_name": "Toms", "email": None,
        "address_line": "5 McClelland Ave", "postal_code": "22027"}


@pytest.fixture
def twins(session):
    return add_trainers(session, TOMS, {**TOMS, "first_name": "Dan",
                                        "email": "dan.toms@example.com",
                                        "credentials": [credential_payload(
                                            certification="NSCA-CSCS",
                                            credential_number="CS-77")]})


@pytest.fixture
def pair(session, twins) -> SuspectedDuplicate:
    queue_duplicates(session, str(DATA_DIR))
    session.commit()
    return session.scalar(select(SuspectedDuplicate))


def test_the_button_looks_for_duplicates_and_lists_the_pairs(curator_page, twins):
    assert "No likely duplicates wait" in text(curator_page.get("/manage/duplicates"))
    found = curator_page.post("/manage/duplicates/search", data={
        "csrf_token": csrf_token(curator_page, "/manage/duplicates")})
    assert found.status_code == 302
    page = text(curator_page.get(found.headers["Location"]))
    assert "Found 1 likely duplicate pair(s): 1 new, 0 rescored, 0 already decided." in page
    assert "Pair " in page and "Daniel Toms" in page and "Dan Toms" in page
    assert "1 pair(s) waiting" in page


def test_looking_for_duplicates_needs_the_page_s_token(curator_page, twins):
    assert curator_page.post("/manage/duplicates/search").status_code == 400


def test_the_pair_page_sets_the_two_records_side_by_side(curator_page, pair, twins):
    page = curator_page.get(f"/manage/duplicates/{pair.id}")
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert "<mark>Daniel</mark>" in body and "<mark>Dan</mark>" in body  # first names differ
    words = text(page)
    assert "NSCA-CSCS CS-77" in words  # what a merge would move
    assert "street address matches" in words
    for trainer in twins:
        assert f"Keep {trainer.full_name} (trainer {trainer.id}), merge the other" in words


def test_a_merge_on_the_page_moves_everything_and_old_links_follow(curator_page, session,
                                                                   pair, twins):
    daniel, dan = twins
    merged = post_form(curator_page, f"/manage/duplicates/{pair.id}",
                       {"decision": "merge", "survivor_id": str(daniel.id)})
    assert merged.status_code == 302
    assert merged.headers["Location"] == "/manage/duplicates"  # nothing else waits
    flashed = text(curator_page.get("/manage/duplicates"))
    assert (f"Merged trainer {dan.id} into trainer {daniel.id}: moved credentials (1), "
            "conditions (1)." in flashed)
    session.expire_all()
    assert (pair.status, pair.decided_by_id) == (DuplicateStatus.MERGED, curator_page.user.id)
    assert daniel.email == "dan.toms@example.com"  # a blank filled from the merged record

    profile = curator_page.get(f"/trainers/{dan.id}?from=old-link")
    assert profile.status_code == 301
    assert profile.headers["Location"] == f"/trainers/{daniel.id}?from=old-link"
    assert "CS-77" in text(curator_page.get(profile.headers["Location"]))
    edit = curator_page.get(f"/manage/trainers/{dan.id}")
    assert (edit.status_code, edit.headers["Location"]) == (301, f"/manage/trainers/{daniel.id}")


def test_keeping_both_settles_the_pair(curator_page, session, pair):
    kept = post_form(curator_page, f"/manage/duplicates/{pair.id}", {"decision": "distinct"})
    assert kept.status_code == 302
    assert "are kept as two people" in text(curator_page.get("/manage/duplicates"))
    session.expire_all()
    assert pair.status is DuplicateStatus.DISTINCT


def test_a_pair_decided_meanwhile_says_so_and_changes_nothing(curator_page, session, pair,
                                                              twins):
    token = csrf_token(curator_page, f"/manage/duplicates/{pair.id}")
    post_form(curator_page, f"/manage/duplicates/{pair.id}", {"decision": "distinct"})
    late = curator_page.post(f"/manage/duplicates/{pair.id}", data={
        "csrf_token": token, "decision": "merge", "survivor_id": str(twins[0].id)})
    assert late.status_code == 409
    assert f"Pair {pair.id} was already decided (distinct)." in text(late)
    session.expire_all()
    assert twins[1].merged_into_id is None


def test_an_incomplete_decision_is_refused(curator_page, session, pair):
    refused = post_form(curator_page, f"/manage/duplicates/{pair.id}", {"decision": "merge"})
    assert refused.status_code == 422
    assert f"Choose trainer {pair.trainer_id} or {pair.other_id} to keep." in text(refused)
    odd = post_form(curator_page, f"/manage/duplicates/{pair.id}", {"decision": "maybe"})
    assert odd.status_code == 400
    session.expire_all()
    assert pair.status is DuplicateStatus.PENDING


def test_the_workspace_counts_the_waiting_pairs(curator_page, pair):
    page = text(curator_page.get("/manage"))
    assert "Likely duplicate trainers 1" in page


def test_the_button_sends_a_big_directory_to_the_command_line(curator_page, twins,
                                                              monkeypatch):
    monkeypatch.setattr("directory.duplicates.services.MAX_TRAINERS_IN_A_REQUEST", 1)
    found = curator_page.post("/manage/duplicates/search", data={
        "csrf_token": csrf_token(curator_page, "/manage/duplicates")})
    page = text(curator_page.get(found.headers["Location"]))
    assert "too many to compare within one request: run `flask trainers duplicates`" in page
    assert "No likely duplicates wait" in page
