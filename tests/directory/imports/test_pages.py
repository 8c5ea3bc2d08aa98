"""The curators' import pages, driven as a browser would: upload with a preview, apply,
read the report, work the review queue; each form with the CSRF token its page rendered.
"""

from __future__ import annotations

import hashlib
import html
import io
import os
import re
import time

import pytest
from sqlalchemy import func, select

from directory.credentials.models import Credential
from directory.imports.models import ImportBatch, ImportRow, ReviewStatus
from directory.imports.pages import PREVIEW_LIFETIME_SECONDS
from directory.trainers.models import Trainer
from tests.directory.imports.page_helpers import HEADER, LIST, form_fields, text, upload
from tests.factories import make_trainer
from tests.web import csrf_token, sign_in

LIST_SUMMARY = {"rows": 4, "created": 1, "linked": 1, "updated": 0, "unchanged": 0,
                "review": 2, "rejected": 0}
LIST_FLASH = ("applied: 4 rows, 1 created, 1 linked, 0 updated, 0 unchanged, 2 review, "
              "0 rejected.")


@pytest.fixture(autouse=True)
def previews(app, tmp_path):
    """Keep previewed uploads in this test's own instance folder, not the repository's."""
    app.instance_path = str(tmp_path / "instance")
    return tmp_path / "instance" / "import-previews"


@pytest.fixture
def directory(session):
    base = {"credentials": [], "conditions": []}
    return {
        "smith": make_trainer(session, **base, first_name="Robert", last_name="Smith",
                              email="rsmith@example.com", postal_code="60614"),
        "miller_il": make_trainer(session, **base, first_name="John", last_name="Miller",
                                  email="jm1@example.com", postal_code="60601"),
        "miller_tx": make_trainer(session, **base, first_name="John", last_name="Miller",
                                  email="jm2@example.com", postal_code="78701"),
    }


@pytest.fixture
def curator(curator_page):
    return curator_page  # these tests drive pages, not the API


def counts(session) -> dict[str, int]:
    session.expire_all()  # read what the requests committed
    return {model.__name__: session.scalar(select(func.count()).select_from(model))
            for model in (Trainer, Credential, ImportBatch, ImportRow)}


def shown_counts(page: str) -> dict[str, int]:
    return {key: int(value) for key, value in re.findall(r'data-count="(\w+)">(\d+)<', page)}


def flashes(page: str) -> list[str]:
    return [html.unescape(m) for m in re.findall(r'class="flash" role="status">(.*?)</p>',
                                                 page, re.S)]


def alerts(page: str) -> list[str]:
    return [html.unescape(m) for m in re.findall(r'role="alert">(.*?)</p>', page, re.S)]


def report_rows(page: str) -> list[tuple[int, str]]:
    return [(int(row), action) for action, row in
            re.findall(r'<tr class="action-(\w+)">\s*<td>(\d+)</td>', page)]


def review_of(session, number: str) -> ImportRow:
    session.expire_all()
    return session.scalar(select(ImportRow).where(ImportRow.credential_number == number,
                                                  ImportRow.review_status.is_not(None)))


def imported(client, content: bytes = LIST) -> int:
    """Apply a list without preview; return the import's id."""
    response = upload(client, content, preview=False)
    assert response.status_code == 302, text(response)
    return int(response.location.rsplit("/", 1)[1])


def decide(client, review_id: int, decision: str, trainer_id: int | None = None, token=None):
    data = {"csrf_token": token or csrf_token(client, f"/reviews/{review_id}"),
            "decision": decision}
    if trainer_id is not None:
        data["trainer_id"] = str(trainer_id)
    return client.post(f"/reviews/{review_id}", data=data)


# Upload, preview, apply


def test_preview_shows_what_would_happen_writes_nothing_and_apply_writes_it(
        curator, session, directory, previews):
    before = counts(session)

    preview = upload(curator, LIST)

    assert preview.status_code == 200
    page = text(preview)
    assert "Preview: nothing has been written yet" in page
    assert shown_counts(page) == LIST_SUMMARY
    assert [action for _row, action in report_rows(page)] == [
        "linked", "created", "review", "review"]
    assert counts(session) == before
    digest = hashlib.sha256(LIST).hexdigest()
    assert [p.name for p in previews.iterdir()] == [f"{digest}.upload"]
    fields = form_fields(page, "/imports/apply")
    assert fields["upload"] == digest
    assert (fields["filename"], fields["issuer"]) == ("nsca.csv", "NSCA")
    assert fields["csrf_token"]

    applied = curator.post("/imports/apply", data=fields)

    assert applied.status_code == 302
    assert re.fullmatch(r"/imports/\d+", applied.location)
    after = counts(session)
    assert after == {**before, "Trainer": before["Trainer"] + 1,
                     "Credential": before["Credential"] + 2,
                     "ImportBatch": before["ImportBatch"] + 1,
                     "ImportRow": before["ImportRow"] + 4}
    report = curator.get(applied.location)
    assert report.status_code == 200
    assert shown_counts(text(report)) == LIST_SUMMARY
    [message] = flashes(text(report))
    assert message.startswith("Import ") and message.endswith(LIST_FLASH)
    assert list(previews.iterdir()) == []


def test_submitting_the_apply_form_twice_imports_once(curator, session, directory):
    fields = form_fields(text(upload(curator, LIST)), "/imports/apply")
    assert curator.post("/imports/apply", data=fields).status_code == 302
    once = counts(session)

    again = curator.post("/imports/apply", data=fields, follow_redirects=True)

    assert counts(session) == once
    assert any(re.fullmatch(r"This file was already applied as import \d+\.", message)
               for message in flashes(text(again)))


def test_applying_an_unknown_preview_says_it_expired_and_writes_nothing(
        curator, session, directory):
    before = counts(session)
    fields = {"csrf_token": csrf_token(curator, "/imports"), "upload": "0" * 64,
              "filename": "nsca.csv", "issuer": "NSCA", "profile": "", "mapping": ""}

    response = curator.post("/imports/apply", data=fields)

    assert response.status_code == 302 and response.location == "/imports"
    page = text(curator.get("/imports"))
    assert flashes(page) == ["That preview has expired; upload the file again."]
    assert counts(session) == before


def test_a_preview_older_than_its_lifetime_has_expired(curator, session, directory, previews):
    fields = form_fields(text(upload(curator, LIST)), "/imports/apply")
    before = counts(session)
    old = time.time() - PREVIEW_LIFETIME_SECONDS - 60
    for kept in previews.iterdir():
        os.utime(kept, (old, old))

    response = curator.post("/imports/apply", data=fields, follow_redirects=True)

    assert any("expired" in message for message in flashes(text(response)))
    assert counts(session) == before


@pytest.mark.parametrize("upload_field", ["../../../etc/passwd", "0" * 63, ""])
def test_a_tampered_apply_form_is_refused(curator, session, directory, upload_field):
    before = counts(session)
    fields = {"csrf_token": csrf_token(curator, "/imports"), "upload": upload_field,
              "filename": "nsca.csv", "issuer": "NSCA"}

    assert curator.post("/imports/apply", data=fields).status_code == 400
    assert counts(session) == before


def test_import_without_preview_applies_and_shows_the_report(curator, session, directory,
                                                             previews):
    before = counts(session)

    response = upload(curator, LIST, preview=False)

    assert response.status_code == 302
    assert re.fullmatch(r"/imports/\d+", response.location)
    assert counts(session)["ImportBatch"] == before["ImportBatch"] + 1
    assert counts(session)["Trainer"] == before["Trainer"] + 1
    page = text(curator.get(response.location))
    assert shown_counts(page) == LIST_SUMMARY
    assert flashes(page)[0].endswith(LIST_FLASH)
    assert not previews.exists() or list(previews.iterdir()) == []


@pytest.mark.parametrize("preview", [True, False], ids=["preview", "apply"])
@pytest.mark.parametrize("content, fields, message", [
    (b"", {}, "The file is empty."),
    (HEADER.encode(), {}, "The file has a header row but no data rows."),
    (b"first_name,last_name\nAnn,Lee\n", {},
     "Missing required columns: certification, credential_number."),
    (LIST, {"mapping": "no equals sign"}, "'no equals sign' is not 'Header=column'."),
    (LIST, {"profile": "acsm"}, "Profile 'acsm' is for ACSM lists, not NSCA."),
], ids=["empty", "header-only", "missing-columns", "bad-mapping", "wrong-profile"])
def test_file_level_errors_are_shown_on_the_page_and_nothing_is_written(
        curator, session, directory, previews, preview, content, fields, message):
    before = counts(session)

    response = upload(curator, content, preview=preview, **fields)

    assert response.status_code == 422
    [shown] = alerts(text(response))
    assert shown.startswith(message)
    assert "Apply this import" not in text(response)
    assert counts(session) == before
    assert not previews.exists() or list(previews.iterdir()) == []


def test_missing_columns_message_names_them_and_what_was_found(curator, directory):
    response = upload(curator, b"First Name,Last Name,City\nAnn,Lee,Boston\n")

    [shown] = alerts(text(response))
    assert "certification, credential_number" in shown
    assert "'First Name', 'Last Name', 'City'" in shown


def test_form_without_a_file_asks_for_one(curator, session, directory):
    before = counts(session)
    response = curator.post("/imports", data={
        "csrf_token": csrf_token(curator, "/imports"), "issuer": "NSCA", "dry_run": "y"},
        content_type="multipart/form-data")

    assert response.status_code == 422
    assert "Choose the file to import." in text(response)
    assert counts(session) == before


def test_imports_page_offers_the_form_with_preview_checked(curator, directory):
    page = text(curator.get("/imports"))

    assert re.search(r'<input checked id="dry_run" name="dry_run" type="checkbox"', page)
    assert '<option value="NSCA">NSCA</option>' in page
    assert 'enctype="multipart/form-data"' in page


def test_imports_page_says_when_there_are_no_imports_yet(curator, directory):
    page = text(curator.get("/imports"))

    assert "No imports yet." in page


def test_imports_page_lists_recent_imports(curator, directory):
    batch_id = imported(curator)

    page = text(curator.get("/imports"))

    assert f'<a href="/imports/{batch_id}">#{batch_id}</a>' in page
    assert "(2 waiting)" in page


def test_preview_page_ids_are_unique(curator, directory):
    """After a preview the page holds two forms; labels must still reach their fields."""
    page = text(upload(curator, LIST))

    ids = re.findall(r'\sid="([^"]+)"', page)
    assert sorted({i for i in ids if ids.count(i) > 1}) == []


# Report


def test_report_filters_rows_by_action(curator, directory):
    batch_id = imported(curator)

    everything = text(curator.get(f"/imports/{batch_id}"))
    waiting = text(curator.get(f"/imports/{batch_id}?action=review"))
    linked = text(curator.get(f"/imports/{batch_id}?action=linked"))
    updated = text(curator.get(f"/imports/{batch_id}?action=updated"))

    assert report_rows(everything) == [(1, "linked"), (2, "created"), (3, "review"),
                                       (4, "review")]
    assert report_rows(waiting) == [(3, "review"), (4, "review")]
    assert report_rows(linked) == [(1, "linked")]
    assert report_rows(updated) == [] and "No rows with this action." in updated
    assert f'href="/imports/{batch_id}?action=review" aria-current="page"' in waiting
    assert shown_counts(waiting) == LIST_SUMMARY  # the summary stays the whole import's


def test_report_refuses_an_unknown_action(curator, directory):
    batch_id = imported(curator)

    assert curator.get(f"/imports/{batch_id}?action=deleted").status_code == 400


def test_report_of_an_unknown_import_is_404(curator, directory):
    assert curator.get("/imports/999999").status_code == 404


def test_report_shows_100_rows_a_page(curator, directory):
    # One row creates a trainer; 129 name a certification NSCA does not have.
    long_list = LIST.split(b"\n")[0] + b"\n" + LIST.split(b"\n")[2] + b"\n" + b"".join(
        f"Ann,Row{i},NOPE,RJ-{i:04d},verified,2029-01-15,,Seattle,WA,98101\n".encode()
        for i in range(129))
    batch_id = imported(curator, long_list)

    first = text(curator.get(f"/imports/{batch_id}"))
    second = text(curator.get(f"/imports/{batch_id}?page=2"))
    rejected_2 = text(curator.get(f"/imports/{batch_id}?action=rejected&page=2"))

    assert [row for row, _ in report_rows(first)] == list(range(1, 101))
    assert "Page 1 of 2" in first
    assert f'href="/imports/{batch_id}?page=2">Next<' in first
    assert ">Previous<" not in first
    assert [row for row, _ in report_rows(second)] == list(range(101, 131))
    assert f'href="/imports/{batch_id}?page=1">Previous<' in second
    assert ">Next<" not in second
    assert [row for row, _ in report_rows(rejected_2)] == list(range(102, 131))
    assert {action for _, action in report_rows(rejected_2)} == {"rejected"}
    assert f'href="/imports/{batch_id}?action=rejected&amp;page=1">Previous<' in rejected_2
    assert shown_counts(first)["rows"] == 130
    assert curator.get(f"/imports/{batch_id}?page=0").status_code == 400


# Review queue and decisions


def test_queue_lists_pending_reviews_and_forgets_decided_ones(curator, session, directory):
    imported(curator)
    first, second = review_of(session, "NS-1004"), review_of(session, "NS-1007")

    page = text(curator.get("/reviews"))

    assert f'<a href="/reviews/{first.id}">Review {first.id}</a>' in page
    assert f'<a href="/reviews/{second.id}">Review {second.id}</a>' in page
    assert "NSCA-CSCS NS-1004" in page and "Dallas, TX, 75201" in page
    assert page.index(f"Review {first.id}<") < page.index(f"Review {second.id}<")

    decide(curator, first.id, "reject")

    page = text(curator.get("/reviews"))
    assert f"/reviews/{first.id}" not in page
    assert f"/reviews/{second.id}" in page


def test_empty_queue_says_so(curator, directory):
    assert "Nothing waits for review." in text(curator.get("/reviews"))


def test_review_page_marks_exactly_the_values_that_differ(curator, session, directory):
    imported(curator)
    review = review_of(session, "NS-1004")

    page = text(curator.get(f"/reviews/{review.id}"))

    differing = re.findall(r'<td class="differs"><mark>([^<]*)</mark>', page)
    assert differing == ["jm1@example.com", "jm2@example.com"]
    assert page.count('class="differs"') == 2
    # The names agree with the row: shown, not marked.
    assert re.search(r'first name</th><td>John</td>\s*<td>John</td>\s*<td>John</td>', page)
    # The row has no place: the candidates' places are shown, but nothing to differ from.
    assert re.search(r'city</th><td></td>\s*<td>Chicago</td>\s*<td>Austin</td>', page)
    for trainer in (directory["miller_il"], directory["miller_tx"]):
        assert f'<a href="/trainers/{trainer.id}">John Miller</a> (trainer {trainer.id})' in page
        assert f'name="trainer_id" value="{trainer.id}"' in page
    for key, place in (("miller_il", "Chicago IL"), ("miller_tx", "Austin TX")):
        label = f"Link to John Miller (trainer {directory[key].id}, {place})"
        assert f">{label}</button>" in page
    # The row has no place, so no new trainer can be made from it.
    assert ">Create a new trainer</button>" not in page
    assert "no new trainer can be made from it" in page
    assert ">Reject this row</button>" in page


def test_review_page_marks_differing_places(curator, session, directory):
    imported(curator)
    review = review_of(session, "NS-1007")

    page = text(curator.get(f"/reviews/{review.id}"))

    differing = re.findall(r'<td class="differs"><mark>([^<]*)</mark>', page)
    assert sorted(differing) == sorted(["Chicago", "IL", "60601", "Austin", "78701"])
    # Dallas, TX: the Texan namesake's state agrees, so it is shown unmarked.
    state = re.search(r'state</th><td>TX</td>(.*?)</tr>', page, re.S).group(1)
    assert sorted(re.findall(r"<td[^>]*>.*?</td>", state)) == [
        '<td class="differs"><mark>IL</mark> <span class="visually-hidden">(differs)</span></td>',
        "<td>TX</td>"]


def test_linking_through_the_page_gives_the_trainer_the_credential(
        curator, session, directory):
    imported(curator)
    review, following = review_of(session, "NS-1004"), review_of(session, "NS-1007")
    miller = directory["miller_il"]
    trainers_before = counts(session)["Trainer"]

    response = decide(curator, review.id, "link", miller.id)

    assert response.status_code == 302
    assert response.location == f"/reviews/{following.id}"
    page = text(curator.get(response.location))
    assert flashes(page) == [f"Review {review.id}: linked (trainer {miller.id})."]
    decided = review_of(session, "NS-1004")
    assert decided.review_status is ReviewStatus.LINKED
    assert (decided.trainer_id, decided.decided_by_id) == (miller.id, curator.user.id)
    credential = session.scalar(select(Credential).where(
        Credential.credential_number == "NS-1004"))
    assert credential.trainer_id == miller.id
    assert counts(session)["Trainer"] == trainers_before


def test_creating_through_the_page_adds_a_trainer_and_returns_to_the_queue(
        curator, session, directory):
    imported(curator)
    decide(curator, review_of(session, "NS-1004").id, "reject")
    review = review_of(session, "NS-1007")
    before = counts(session)

    response = decide(curator, review.id, "create")

    assert response.status_code == 302 and response.location == "/reviews"
    assert counts(session)["Trainer"] == before["Trainer"] + 1
    decided = review_of(session, "NS-1007")
    assert decided.review_status is ReviewStatus.CREATED
    trainer = session.get(Trainer, decided.trainer_id)
    assert (trainer.first_name, trainer.city, trainer.postal_code) == (
        "John", "Dallas", "75201")
    assert {c.credential_number for c in trainer.credentials} == {"NS-1007"}
    assert flashes(text(curator.get("/reviews"))) == [
        f"Review {review.id}: created (trainer {trainer.id})."]


def test_rejecting_through_the_page_records_only_the_decision(curator, session, directory):
    imported(curator)
    review = review_of(session, "NS-1004")
    before = counts(session)

    response = decide(curator, review.id, "reject")

    assert response.status_code == 302
    assert counts(session) == before
    decided = review_of(session, "NS-1004")
    assert decided.review_status is ReviewStatus.REJECTED and decided.trainer_id is None


def test_deciding_an_already_decided_review_is_409(curator, session, directory):
    imported(curator)
    review = review_of(session, "NS-1004")
    token = csrf_token(curator, f"/reviews/{review.id}")
    decide(curator, review.id, "link", directory["miller_il"].id, token=token)
    before = counts(session)

    response = decide(curator, review.id, "reject", token=token)

    assert response.status_code == 409
    page = text(response)
    assert alerts(page) == [f"Review {review.id} was already decided (linked)."]
    assert f"Decided: linked, trainer {directory['miller_il'].id}." in page
    assert ">Reject this row</button>" not in page
    assert counts(session) == before
    assert review_of(session, "NS-1004").review_status is ReviewStatus.LINKED


def test_creating_a_trainer_without_a_place_is_explained(curator, session, directory):
    imported(curator)
    review = review_of(session, "NS-1004")
    before = counts(session)

    response = decide(curator, review.id, "create")

    assert response.status_code == 422
    [message] = alerts(text(response))
    assert "postal_code" in message
    assert counts(session) == before
    assert review_of(session, "NS-1004").review_status is ReviewStatus.PENDING


def test_linking_to_a_trainer_that_is_gone_is_explained(curator, session, directory):
    imported(curator)
    review = review_of(session, "NS-1004")

    response = decide(curator, review.id, "link", 999999)

    assert response.status_code == 422
    assert alerts(text(response)) == ["That trainer no longer exists."]
    assert review_of(session, "NS-1004").review_status is ReviewStatus.PENDING


def test_a_link_without_a_trainer_is_refused_not_a_server_error(curator, session, directory):
    imported(curator)
    review = review_of(session, "NS-1004")
    before = counts(session)

    response = decide(curator, review.id, "link")

    assert response.status_code in (400, 422)
    assert counts(session) == before
    assert review_of(session, "NS-1004").review_status is ReviewStatus.PENDING


@pytest.mark.parametrize("decision", ["merge", ""])
def test_an_unknown_decision_is_400(curator, session, directory, decision):
    imported(curator)
    review = review_of(session, "NS-1004")

    assert decide(curator, review.id, decision).status_code == 400
    assert review_of(session, "NS-1004").review_status is ReviewStatus.PENDING


def test_a_row_that_never_waited_has_no_review_page(curator, session, directory):
    imported(curator)
    session.expire_all()
    linked = session.scalar(select(ImportRow).where(ImportRow.credential_number == "NS-1001"))

    assert curator.get(f"/reviews/{linked.id}").status_code == 404


# Protection


def test_posts_without_the_csrf_token_are_refused(curator, session, directory):
    batch_id = imported(curator)
    review = review_of(session, "NS-1004")
    fields = form_fields(text(upload(curator, LIST)), "/imports/apply")
    del fields["csrf_token"]
    before = counts(session)

    assert curator.post("/imports", data={
        "file": (io.BytesIO(LIST), "nsca.csv"), "issuer": "NSCA"},
        content_type="multipart/form-data").status_code == 400
    assert curator.post("/imports/apply", data=fields).status_code == 400
    assert curator.post(f"/reviews/{review.id}", data={
        "decision": "link", "trainer_id": directory["miller_il"].id}).status_code == 400
    assert counts(session) == before
    assert review_of(session, "NS-1004").review_status is ReviewStatus.PENDING
    assert batch_id


PAGES = ["/imports", "/imports/1", "/reviews", "/reviews/1"]


@pytest.mark.parametrize("role", ["patient", "doctor", "trainer"])
def test_other_roles_are_forbidden(client, session, user_factory, directory, role):
    trainer = directory["smith"] if role == "trainer" else None
    sign_in(client, user_factory(role, trainer=trainer).email)
    token = csrf_token(client, "/account")
    before = counts(session)

    for path in PAGES:
        assert client.get(path).status_code == 403, path
    assert client.post("/imports", data={
        "csrf_token": token, "file": (io.BytesIO(LIST), "nsca.csv"), "issuer": "NSCA"},
        content_type="multipart/form-data").status_code == 403
    assert client.post("/imports/apply", data={
        "csrf_token": token, "upload": "0" * 64, "filename": "nsca.csv",
        "issuer": "NSCA"}).status_code == 403
    assert client.post("/reviews/1", data={
        "csrf_token": token, "decision": "reject"}).status_code == 403
    assert counts(session) == before


@pytest.mark.parametrize("path", PAGES)
def test_strangers_are_sent_to_sign_in(client, path):
    response = client.get(path)

    assert response.status_code == 302
    assert response.location == f"/login?next={path}"


@pytest.mark.parametrize("role, shown", [
    ("curator", True), ("admin", True), ("patient", False), ("doctor", False),
    ("trainer", False), (None, False),
])
def test_nav_shows_imports_and_reviews_to_curators_and_admins_only(
        client, user_factory, directory, role, shown):
    if role:
        trainer = directory["smith"] if role == "trainer" else None
        sign_in(client, user_factory(role, trainer=trainer).email)

    page = text(client.get("/"))
    nav = re.search(r'<nav aria-label="Main">(.*?)</nav>', page, re.S).group(1)

    assert ('<a href="/imports">Imports</a>' in nav) is shown
    assert ('<a href="/reviews">Reviews</a>' in nav) is shown


@pytest.mark.parametrize("preview", [True, False], ids=["preview", "apply"])
def test_a_file_over_the_limit_is_refused_on_the_page(app, curator, session, preview):
    app.config["IMPORT_MAX_BYTES"] = 64
    before = counts(session)

    response = upload(curator, LIST, preview=preview)

    assert response.status_code == 422
    assert "The file is larger than the 64 bytes limit" in text(response)
    assert counts(session) == before
