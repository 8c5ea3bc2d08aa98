"""The curators' import pages, driven as a browser would: upload, follow the job to its
preview, apply it, read the report, work the review queue; each form with the CSRF token
its page rendered.
"""

from __future__ import annotations

import hashlib
import html
import io
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from directory.credentials.models import Credential
from directory.db import utcnow
from directory.imports import jobs
from directory.imports.jobs import PREVIEW_LIFETIME
from directory.imports.models import ImportBatch, ImportJob, ImportRow, JobStatus, ReviewStatus
from directory.trainers.models import Trainer
from tests.directory.imports.page_helpers import (
    HEADER,
    LIST,
    PREVIEW_TITLE,
    REFUSED_TITLE,
    apply,
    apply_action,
    batch_id_of,
    form_fields,
    job_id_of,
    job_page,
    previewed,
    report_location,
    text,
    upload,
)
from tests.factories import make_trainer
from tests.web import csrf_token, sign_in

LIST_SUMMARY = {"rows": 4, "created": 1, "linked": 1, "updated": 0, "unchanged": 0,
                "review": 2, "rejected": 0}
LIST_FLASH = ("applied: 4 rows, 1 created, 1 linked, 0 updated, 0 unchanged, 2 review, "
              "0 rejected.")
EXPIRED = "That preview has expired; upload the file again."
REFRESH = '<meta http-equiv="refresh" content="2">'


@pytest.fixture(autouse=True)
def previews(app, tmp_path):
    """This test's own instance folder: previewed files must not be kept in it (they
    are kept with their job, in the database)."""
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


@pytest.fixture
def another_curator(app, user_factory):
    """A second curator, signed in on a browser of their own."""
    client = app.test_client()
    client.user = user_factory("curator")
    sign_in(client, client.user.email)
    return client


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


def job(session, job_id: int) -> ImportJob:
    session.expire_all()  # read what the requests (and the jobs they ran) committed
    return session.get(ImportJob, job_id)


def waiting_job(session, user, **fields) -> ImportJob:
    """A job as the worker has it in production, where it runs after the request."""
    item = ImportJob(curator_id=user.id, filename="slow.csv", issuer="NSCA",
                     options={"profile": None, "mapping": [], "dry_run": False,
                              "full_list": False},
                     sha256=hashlib.sha256(LIST).hexdigest(), size_bytes=len(LIST),
                     content=LIST, **fields)
    session.add(item)
    session.commit()
    return item


def imported(client, content: bytes = LIST) -> int:
    """Apply a list without preview; return the import's id."""
    return batch_id_of(report_location(client, upload(client, content, preview=False)))


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

    uploaded = upload(curator, LIST)

    preview_id = job_id_of(uploaded)
    assert counts(session) == before
    preview = curator.get(uploaded.location)
    assert preview.status_code == 200
    page = text(preview)
    assert PREVIEW_TITLE in page
    assert REFRESH not in page  # finished: nothing to wait for
    assert shown_counts(page) == LIST_SUMMARY
    assert [action for _row, action in report_rows(page)] == [
        "linked", "created", "review", "review"]
    assert counts(session) == before
    kept = job(session, preview_id)
    assert (kept.status, kept.dry_run, kept.filename, kept.issuer) == (
        JobStatus.DONE, True, "nsca.csv", "NSCA")
    assert kept.content == LIST and kept.sha256 == hashlib.sha256(LIST).hexdigest()
    assert not previews.exists()  # kept with the job, not in the instance folder
    fields = form_fields(page, apply_action(preview_id))
    assert list(fields) == ["csrf_token"] and fields["csrf_token"]

    applied = apply(curator, preview_id, page)

    import_id = job_id_of(applied)
    assert import_id != preview_id
    after = counts(session)
    assert after == {**before, "Trainer": before["Trainer"] + 1,
                     "Credential": before["Credential"] + 2,
                     "ImportBatch": before["ImportBatch"] + 1,
                     "ImportRow": before["ImportRow"] + 4}
    location = report_location(curator, applied)
    report = curator.get(location)
    assert report.status_code == 200
    assert shown_counts(text(report)) == LIST_SUMMARY
    [message] = flashes(text(report))
    assert message == f"Import {batch_id_of(location)} {LIST_FLASH}"
    preview_job, import_job = job(session, preview_id), job(session, import_id)
    assert preview_job.applied_as_id == import_id and preview_job.content is None
    assert (import_job.status, import_job.dry_run) == (JobStatus.DONE, False)
    assert import_job.batch_id == batch_id_of(location) and import_job.content is None
    assert session.get(ImportBatch, import_job.batch_id).sha256 == kept.sha256
    # The preview, opened again, leads to its import rather than offering it twice.
    again = text(curator.get(f"/imports/jobs/{preview_id}"))
    assert f'<a href="/imports/jobs/{import_id}">import job {import_id}</a>' in again
    assert "Apply this import" not in again and apply_action(preview_id) not in again


def test_applying_the_same_preview_twice_creates_one_batch_only(curator, session, directory):
    preview_id, page = previewed(curator)
    before = counts(session)
    first = apply(curator, preview_id, page)
    location = report_location(curator, first)
    curator.get(location)  # the first report, and its message
    once = counts(session)
    assert once["ImportBatch"] == before["ImportBatch"] + 1

    again = apply(curator, preview_id, page)

    assert again.location == first.location  # the same job, not a second import
    assert report_location(curator, again) == location
    assert counts(session) == once
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(ImportJob).where(
        ImportJob.id != preview_id)) == 1
    assert flashes(text(curator.get(location))) == [
        f"Import {batch_id_of(location)} {LIST_FLASH}"]


def test_applying_an_unknown_preview_is_404_and_writes_nothing(curator, session, directory):
    before = counts(session)

    response = curator.post(apply_action(999999),
                            data={"csrf_token": csrf_token(curator, "/imports")})

    assert response.status_code == 404
    assert counts(session) == before


@pytest.mark.parametrize("how", ["older-than-its-lifetime", "file-cleared"])
def test_an_expired_preview_is_refused_with_the_expiry_message(curator, session, directory,
                                                               how):
    preview_id, page = previewed(curator)
    kept = job(session, preview_id)
    if how == "file-cleared":
        kept.content = None  # as the periodic clean-up leaves a day-old preview
    else:
        kept.finished_at = utcnow() - PREVIEW_LIFETIME - timedelta(hours=1)
    session.commit()
    before = counts(session)

    response = apply(curator, preview_id, page)

    assert response.status_code == 302 and response.location == "/imports"
    assert flashes(text(curator.get("/imports"))) == [EXPIRED]
    assert counts(session) == before
    assert job(session, preview_id).applied_as_id is None
    shown = text(curator.get(f"/imports/jobs/{preview_id}"))
    assert "This preview has expired; upload the file again to apply it." in shown
    assert apply_action(preview_id) not in shown


def test_a_preview_younger_than_its_lifetime_can_still_be_applied(curator, session,
                                                                  directory):
    preview_id, page = previewed(curator)
    job(session, preview_id).finished_at = utcnow() - PREVIEW_LIFETIME + timedelta(hours=1)
    session.commit()

    report_location(curator, apply(curator, preview_id, page))

    assert job(session, preview_id).applied_as_id is not None


def test_a_curator_can_apply_a_preview_another_curator_made(curator, another_curator, session,
                                                            directory):
    preview_id, _ = previewed(curator)
    before = counts(session)

    response = apply(another_curator, preview_id,
                     text(another_curator.get(f"/imports/jobs/{preview_id}")))

    location = report_location(another_curator, response)
    assert counts(session)["ImportBatch"] == before["ImportBatch"] + 1
    assert shown_counts(text(another_curator.get(location))) == LIST_SUMMARY
    assert job(session, preview_id).applied_as_id == job_id_of(response)
    # The import is the applying curator's, in the batch and in the audit log.
    batch = session.scalar(select(ImportBatch).order_by(ImportBatch.id.desc()))
    assert batch.curator_id == another_curator.user.id


def test_two_applies_at_once_import_the_preview_once(curator, another_curator, session,
                                                    directory):
    """The second of two simultaneous applies (its preview read before the first
    committed) finds the preview taken and goes to the first's job."""
    preview_id, _ = previewed(curator)
    before = counts(session)["ImportBatch"]
    stale = job(session, preview_id)
    assert stale.applied_as_id is None and stale.content  # as the second request read it
    first = job_id_of(apply(another_curator, preview_id,
                            text(another_curator.get(f"/imports/jobs/{preview_id}"))))

    second = jobs.apply_dry_run(session, stale, curator.user.id)

    assert second.id == first
    assert counts(session)["ImportBatch"] == before + 1


@pytest.mark.parametrize("path", ["/imports/jobs/../../../etc/passwd/apply",
                                  "/imports/jobs/abc/apply", "/imports/jobs/-1/apply",
                                  "/imports/jobs/99999999999/apply"])
def test_apply_addresses_that_name_no_job_are_404(curator, session, directory, path):
    before = counts(session)

    response = curator.post(path, data={"csrf_token": csrf_token(curator, "/imports")})

    assert response.status_code == 404
    assert counts(session) == before


def test_only_a_finished_preview_can_be_applied(curator, session, directory):
    real = job_id_of(upload(curator, LIST, preview=False))
    failed = job_id_of(upload(curator, b""))
    before = counts(session)
    token = csrf_token(curator, "/imports")

    for job_id in (real, failed):
        response = curator.post(apply_action(job_id), data={"csrf_token": token})

        assert response.status_code == 302 and response.location == "/imports"
        assert flashes(text(curator.get("/imports"))) == [
            f"Import job {job_id} is not a finished preview."]
    assert counts(session) == before


def test_import_without_preview_applies_and_shows_the_report(curator, session, directory,
                                                             previews):
    before = counts(session)

    response = upload(curator, LIST, preview=False)

    import_id = job_id_of(response)
    assert counts(session)["ImportBatch"] == before["ImportBatch"] + 1
    assert counts(session)["Trainer"] == before["Trainer"] + 1
    location = report_location(curator, response)
    page = text(curator.get(location))
    assert shown_counts(page) == LIST_SUMMARY
    assert flashes(page) == [f"Import {batch_id_of(location)} {LIST_FLASH}"]
    done = job(session, import_id)
    assert done.batch_id == batch_id_of(location) and done.content is None
    assert not previews.exists()


@pytest.mark.parametrize("preview", [True, False], ids=["preview", "apply"])
@pytest.mark.parametrize("content, fields, message", [
    (LIST, {"mapping": "no equals sign"}, "'no equals sign' is not 'Header=column'."),
    (LIST, {"profile": "acsm"}, "Profile 'acsm' is for ACSM lists, not NSCA."),
], ids=["bad-mapping", "wrong-profile"])
def test_option_errors_are_shown_on_the_upload_page_and_nothing_is_queued(
        curator, session, directory, previews, preview, content, fields, message):
    before = counts(session)

    response = upload(curator, content, preview=preview, **fields)

    assert response.status_code == 422
    [shown] = alerts(text(response))
    assert shown.startswith(message)
    assert "Apply this import" not in text(response)
    assert counts(session) == before
    assert session.scalar(select(func.count()).select_from(ImportJob)) == 0
    assert not previews.exists()


@pytest.mark.parametrize("preview", [True, False], ids=["preview", "apply"])
@pytest.mark.parametrize("content, message", [
    (b"", "The file is empty."),
    (HEADER.encode(), "The file has a header row but no data rows."),
    (b"first_name,last_name\nAnn,Lee\n",
     "Missing required columns: certification, credential_number."),
], ids=["empty", "header-only", "missing-columns"])
def test_file_errors_are_shown_on_the_job_page_and_nothing_is_written(
        curator, session, directory, previews, preview, content, message):
    before = counts(session)

    response = upload(curator, content, preview=preview)

    failed = job_page(curator, response)
    assert failed.status_code == 200
    page = text(failed)
    assert REFUSED_TITLE in page
    [shown] = alerts(page)
    assert shown.startswith(message)
    assert "Apply this import" not in page and PREVIEW_TITLE not in page
    assert counts(session) == before
    ended = job(session, job_id_of(response))
    assert ended.status is JobStatus.FAILED and ended.content is None
    assert not previews.exists()


def test_the_job_page_of_a_failed_upload_shows_the_refusal(curator, session, directory):
    response = upload(curator, b"first_name,last_name\nAnn,Lee\n", filename="broken.csv")

    failed = job_page(curator, response)

    assert failed.status_code == 200
    page = text(failed)
    assert "Preview of broken.csv (NSCA)" in page
    assert f'<h2 id="failed-title">{REFUSED_TITLE}</h2>' in page
    [shown] = alerts(page)
    assert shown.startswith("Missing required columns: certification, credential_number. "
                            "Found: 'first_name', 'last_name'.")
    assert '<a href="/imports">Upload a corrected file</a>' in page
    assert REFRESH not in page and "<progress" not in page
    assert flashes(page) == []
    ended = job(session, job_id_of(response))
    assert ended.status is JobStatus.FAILED and ended.batch_id is None
    assert ended.errors and ended.finished_at is not None


def test_missing_columns_message_names_them_and_what_was_found(curator, directory):
    response = upload(curator, b"First Name,Last Name,City\nAnn,Lee,Boston\n")

    [shown] = alerts(text(job_page(curator, response)))
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
    assert session.scalar(select(func.count()).select_from(ImportJob)) == 0


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


def upload_rows(page: str) -> dict[int, str]:
    """The imports page's recent uploads: each job's status, by its id."""
    if "<h2>Recent uploads</h2>" not in page:
        return {}
    table = page.split("<h2>Recent uploads</h2>")[1].split("</table>")[0]
    return {int(job_id): html.unescape(status.strip()) for job_id, status in re.findall(
        r'<a href="/imports/jobs/(\d+)">Job \1</a>.*?<td>(?:Preview|Import)</td>\s*'
        r"<td>(.*?)</td></tr>", table, re.S)}


def test_the_imports_page_leads_back_to_each_upload(curator, session, directory):
    """A curator who leaves a job's page finds the upload again, to follow it or to apply
    its preview."""
    assert upload_rows(text(curator.get("/imports"))) == {}
    preview_id, page = previewed(curator)
    failed_id = job_id_of(upload(curator, b""))
    expired_id, _ = previewed(curator, LIST.replace(b"NS-10", b"NS-20"))
    job(session, expired_id).finished_at = utcnow() - PREVIEW_LIFETIME - timedelta(hours=1)
    session.commit()
    waiting = waiting_job(session, curator.user)
    running = waiting_job(session, curator.user, status=JobStatus.RUNNING, rows_done=1,
                          rows_total=4)
    assert upload_rows(text(curator.get("/imports"))) == {
        preview_id: "Preview ready", failed_id: "Refused", expired_id: "Preview expired",
        waiting.id: "Waiting for the worker", running.id: "Running (1 of 4 rows)"}
    assert apply_action(preview_id) in text(curator.get(f"/imports/jobs/{preview_id}"))

    location = report_location(curator, apply(curator, preview_id, page))

    import_id = job(session, preview_id).applied_as_id
    shown = upload_rows(text(curator.get("/imports")))
    assert shown[preview_id] == f"Applied (job {import_id})"
    assert shown[import_id] == f"Applied as import #{batch_id_of(location)}"


def test_preview_page_ids_are_unique(curator, directory):
    """The preview's page holds the apply form beside the site's own; labels must still
    reach their fields."""
    _, page = previewed(curator)

    ids = re.findall(r'\sid="([^"]+)"', page)
    assert sorted({i for i in ids if ids.count(i) > 1}) == []


# The job's page while the worker has it


def test_a_queued_job_says_it_waits_and_refreshes_itself(curator, session, directory):
    item = waiting_job(session, curator.user)

    response = curator.get(f"/imports/jobs/{item.id}")

    assert response.status_code == 200
    page = text(response)
    assert REFRESH in page
    assert "Waiting for the background worker to start it." in page
    assert "Import of slow.csv (NSCA)" in page and curator.user.email in page
    assert PREVIEW_TITLE not in page and REFUSED_TITLE not in page


@pytest.mark.parametrize("done, total, message, bar", [
    (0, None, "Reading the file…", '<progress aria-label="Import progress"></progress>'),
    (1, 4, "Reconciling rows: 1 of 4.",
     '<progress aria-label="Rows reconciled" value="1" max="4">1 of 4</progress>'),
    (4, 4, "Applying the changes (4 rows)…",
     '<progress aria-label="Import progress" value="4" max="4"></progress>'),
], ids=["reading", "reconciling", "applying"])
def test_a_running_job_shows_its_progress_and_refreshes_itself(curator, session, directory,
                                                               done, total, message, bar):
    item = waiting_job(session, curator.user, status=JobStatus.RUNNING, rows_done=done,
                       rows_total=total)

    page = text(curator.get(f"/imports/jobs/{item.id}"))

    assert REFRESH in page
    assert message in page and bar in page
    assert "Apply this import" not in page


def test_the_page_of_an_unknown_job_is_404(curator, directory):
    assert curator.get("/imports/jobs/999999").status_code == 404


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
    before = counts(session)

    assert curator.post("/imports", data={
        "file": (io.BytesIO(LIST), "nsca.csv"), "issuer": "NSCA"},
        content_type="multipart/form-data").status_code == 400
    assert curator.post(f"/reviews/{review.id}", data={
        "decision": "link", "trainer_id": directory["miller_il"].id}).status_code == 400
    assert counts(session) == before
    assert review_of(session, "NS-1004").review_status is ReviewStatus.PENDING
    assert batch_id


@pytest.mark.parametrize("token", [None, "not-the-token"], ids=["missing", "wrong"])
def test_the_apply_post_without_its_csrf_token_is_400(curator, session, directory, token):
    preview_id, page = previewed(curator)
    before = counts(session)

    response = curator.post(apply_action(preview_id),
                            data={} if token is None else {"csrf_token": token})

    assert response.status_code == 400
    assert counts(session) == before
    assert job(session, preview_id).applied_as_id is None
    # The preview is not used up: its own form still applies it.
    report_location(curator, apply(curator, preview_id, page))
    assert counts(session)["ImportBatch"] == before["ImportBatch"] + 1


PAGES = ["/imports", "/imports/1", "/imports/jobs/1", "/reviews", "/reviews/1"]


@pytest.mark.parametrize("role", ["patient", "doctor", "trainer"])
def test_other_roles_are_forbidden(client, another_curator, session, user_factory, directory,
                                   role):
    preview_id, _ = previewed(another_curator)
    trainer = directory["smith"] if role == "trainer" else None
    sign_in(client, user_factory(role, trainer=trainer).email)
    token = csrf_token(client, "/account")
    before = counts(session)

    for path in [*PAGES, f"/imports/jobs/{preview_id}"]:
        assert client.get(path).status_code == 403, path
    assert client.post("/imports", data={
        "csrf_token": token, "file": (io.BytesIO(LIST), "nsca.csv"), "issuer": "NSCA"},
        content_type="multipart/form-data").status_code == 403
    assert client.post(apply_action(preview_id),
                       data={"csrf_token": token}).status_code == 403
    assert client.post("/reviews/1", data={
        "csrf_token": token, "decision": "reject"}).status_code == 403
    assert counts(session) == before
    assert job(session, preview_id).applied_as_id is None


def test_strangers_cannot_apply_a_preview(client, another_curator, session, directory):
    preview_id, _ = previewed(another_curator)
    before = counts(session)

    response = client.post(apply_action(preview_id),
                           data={"csrf_token": csrf_token(client, "/login")})

    assert response.status_code == 302
    assert response.location.startswith("/login")
    assert counts(session) == before
    assert job(session, preview_id).applied_as_id is None


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
    assert session.scalar(select(func.count()).select_from(ImportJob)) == 0
