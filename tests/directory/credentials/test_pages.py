"""The curators' credential pages, driven as a browser would: add a credential, read its
provenance, verify and revoke it, work the expiry, full-list and correction queues; each
form with the CSRF token its page rendered."""

from __future__ import annotations

import html
import re
from datetime import timedelta

import pytest
from sqlalchemy import insert, select

from directory.credentials import corrections
from directory.credentials import pages as credential_pages
from directory.credentials.corrections import MAX_RESOLUTION
from directory.credentials.models import (
    Certification,
    CorrectionRequest,
    CorrectionStatus,
    Credential,
)
from directory.db import today
from directory.errors import Conflict
from directory.imports.services import ImportOptions, import_credentials
from tests.apps import DATA_DIR
from tests.directory.imports.page_helpers import report_location, upload
from tests.directory.matches.helpers import CAD_NEEDS_CLINICAL, excluded, match, matched
from tests.factories import add_trainers, credential_payload, experience, make_trainer
from tests.web import csrf_token


@pytest.fixture
def curator(curator_page):
    return curator_page  # these tests drive pages, not the API


@pytest.fixture
def trainer(session):
    return make_trainer(session, credentials=[credential_payload(
        credential_number="CEP-1", status="unverified", verification_source=None)],
        conditions=[])


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def flashes(response) -> list[str]:
    return re.findall(r'class="flash" role="status">(.*?)</p>', text(response), re.S)


def field_errors(response, field_id: str) -> list[str]:
    found = re.search(rf'<ul class="error" id="{field_id}-errors" role="alert">(.*?)</ul>',
                      text(response), re.S)
    return re.findall(r"<li>(.*?)</li>", found.group(1)) if found else []


def input_value(response, field_id: str) -> str:
    tag = re.search(rf'<input[^>]*id="{field_id}"[^>]*>', text(response)).group(0)
    value = re.search(r'value="([^"]*)"', tag)
    return value.group(1) if value else ""


def textarea(response, field_id: str) -> str:
    return re.search(rf'<textarea[^>]*id="{field_id}"[^>]*>\s*(.*?)</textarea>',
                     text(response), re.S).group(1)


def post(client, page: str, action: str, data: dict, **kwargs):
    """Post a form of `page` to `action`, with the CSRF token the page rendered."""
    return client.post(action, data={"csrf_token": csrf_token(client, page), **data},
                       **kwargs)


def reloaded(session, model, id_):
    session.expire_all()  # read what the requests committed
    return session.get(model, id_)


# -- adding a credential ------------------------------------------------------------------

def add_path(trainer) -> str:
    return f"/manage/trainers/{trainer.id}/credentials/new"


NEW = {"certification": "NSCA-CSCS", "credential_number": " NS-77 ", "issued_on": "2024-01-10",
       "expires_on": "2027-01-10", "status": "verified",
       "verification_source": "NSCA registry, checked online"}


def test_the_add_form_offers_the_catalog_and_says_whose_credential_it_is(curator, trainer):
    page = text(curator.get(add_path(trainer)))
    assert "Add a credential for Maria Lopez" in page
    assert f'href="/manage/trainers/{trainer.id}"' in page
    assert '<option value="NSCA-CSCS">NSCA-CSCS: ' in page
    assert '<legend>Status</legend>' in page
    assert 'aria-describedby="verification_source-hint"' in page


def test_adding_a_credential_saves_it_and_opens_its_page(curator, session, trainer):
    response = post(curator, add_path(trainer), add_path(trainer), NEW)
    assert response.status_code == 302
    session.expire_all()
    added = session.scalar(select(Credential).where(Credential.credential_number == "NS-77"))
    assert response.location == f"/manage/credentials/{added.id}"
    assert (added.trainer_id, added.issuer, added.status.value, str(added.expires_on),
            added.verification_source) == (trainer.id, "NSCA", "verified", "2027-01-10",
                                           "NSCA registry, checked online")
    assert added.verified_at is not None
    assert flashes(curator.get(response.location)) == [
        "Added NSCA-CSCS NS-77 to Maria Lopez."]


@pytest.mark.parametrize("change, field, message", [
    ({"verification_source": "  "}, "verification_source",
     "Say where a verified credential was checked."),
    ({"issued_on": "2028-01-01"}, "expires_on", "Must not be before issued_on."),
    ({"credential_number": "CEP-1", "certification": "ACSM-CEP"}, "credential_number",
     "ACSM credential number 'CEP-1' is already registered."),
    ({"certification": ""}, "certification", "Choose the certification."),
    ({"credential_number": ""}, "credential_number", "Give the credential number."),
    ({"expires_on": "31/12/2027"}, "expires_on", "Not a valid date value."),
    ({"status": "revoked"}, "status", "Not a valid choice."),
])
def test_a_refused_credential_is_explained_beside_its_field_and_keeps_the_input(
        curator, session, trainer, change, field, message):
    response = post(curator, add_path(trainer), add_path(trainer), {**NEW, **change})
    assert response.status_code == 422
    assert field_errors(response, field) == [message]
    if field != "credential_number":
        assert input_value(response, "credential_number") == NEW["credential_number"].strip()
    session.expire_all()
    assert len(session.get(type(trainer), trainer.id).credentials) == 1


def test_adding_to_a_missing_trainer_is_not_found(curator):
    assert curator.get("/manage/trainers/999999/credentials/new").status_code == 404


def test_a_form_without_its_csrf_token_is_refused(curator, session, trainer):
    assert curator.post(add_path(trainer), data=NEW).status_code == 400
    session.expire_all()
    assert len(session.get(type(trainer), trainer.id).credentials) == 1


# -- the credential page and its provenance -----------------------------------------------

def credential_path(credential) -> str:
    return f"/manage/credentials/{credential.id}"


def provenance_rows(response) -> list[str]:
    section = text(response).split('id="provenance-title"')[1].split("</section>")[0]
    rows = re.findall(r"<tr><td>(.*?)</tr>", section, re.S)
    return [" ".join(re.sub(r'<span aria-hidden="true">→</span>|<[^>]+>', " ", row).split())
            for row in rows]


def test_the_page_shows_the_credential_and_its_standing(curator, session, trainer):
    credential = trainer.credentials[0]
    credential.expires_on = today()  # stored unverified: it lapses today all the same
    session.commit()
    page = text(curator.get(credential_path(credential)))
    assert f'<a href="/manage/trainers/{trainer.id}">Maria Lopez</a>' in page
    assert "Clinical Exercise Physiologist" in page and "CEP-1" in page
    assert ('Recorded as <span class="badge status-unverified">unverified</span>; counts today '
            'as <span class="badge status-expired">expired</span>') in page


def test_a_manual_verification_is_recorded_with_the_curators_email(curator, trainer):
    credential = trainer.credentials[0]
    response = post(curator, credential_path(credential),
                    f"{credential_path(credential)}/verify",
                    {"verification_source": "ACSM registry, checked by phone",
                     "expires_on": "2030-05-01"}, follow_redirects=True)
    assert flashes(response) == ["Verified ACSM CEP-1."]
    created, verified = provenance_rows(response)
    assert "system Added: Status: unverified" in created
    assert verified.endswith(
        f"{curator.user.email} Changed: Status: unverified changed to verified "
        "Expiry: 2099-03-01 changed to 2030-05-01 Source: ACSM registry, checked by phone")


def test_an_imported_credential_names_its_import_batch(curator, session):
    content = (b"first_name,last_name,certification,credential_number,postal_code\n"
               b"Zoe,Newman,NSCA-CPT,NS-1003,98101\n")
    batch_id = import_credentials(session, content, "nsca.csv", ImportOptions("NSCA"),
                                  str(DATA_DIR))["batch_id"]
    session.commit()
    credential = session.scalar(select(Credential).where(Credential.credential_number ==
                                                         "NS-1003"))
    response = curator.get(credential_path(credential))
    assert f'<a href="/imports/{batch_id}">import batch #{batch_id}</a>' in text(response)
    [created] = provenance_rows(response)
    assert f"import batch #{batch_id} Added: Status: verified" in created
    assert f"Source: NSCA list, import {batch_id}" in created


def test_a_credential_imported_through_the_upload_page_names_its_curator_and_batch(
        curator, session):
    """The import runs as a background job, after the request: the credential's history
    still names the curator who uploaded the list, and the import it came from."""
    content = (b"first_name,last_name,certification,credential_number,postal_code\n"
               b"Zoe,Newman,NSCA-CPT,NS-1003,98101\n")
    uploaded = upload(curator, content, preview=False)
    location = report_location(curator, uploaded)
    batch_id = int(location.rsplit("/", 1)[1])
    session.expire_all()
    credential = session.scalar(select(Credential).where(Credential.credential_number ==
                                                         "NS-1003"))
    response = curator.get(credential_path(credential))
    assert f'<a href="/imports/{batch_id}">import batch #{batch_id}</a>' in text(response)
    [created] = provenance_rows(response)
    assert (f"import batch #{batch_id} , by {curator.user.email} Added: Status: verified"
            in created)
    assert f"Source: NSCA list, import {batch_id}" in created


def test_a_credential_loaded_in_bulk_says_it_has_no_history(curator, session, trainer):
    certification = session.scalar(select(Certification).where(Certification.code ==
                                                                "ACSM-CPT"))
    session.execute(insert(Credential), [{
        "trainer_id": trainer.id, "certification_id": certification.id, "issuer": "ACSM",
        "credential_number": "BULK-1", "status": "verified"}])
    session.commit()
    bulk = session.scalar(select(Credential).where(Credential.credential_number == "BULK-1"))
    assert "No recorded history: loaded in bulk." in text(curator.get(credential_path(bulk)))


def test_a_missing_credential_is_not_found(curator):
    assert curator.get("/manage/credentials/999999").status_code == 404
    verify = post(curator, "/manage/expiring", "/manage/credentials/999999/verify",
                  {"verification_source": "Registry"})
    assert verify.status_code == 404


# -- verifying and revoking ----------------------------------------------------------------

def test_verifying_clears_an_earlier_revocation(curator, session, trainer):
    credential = trainer.credentials[0]
    post(curator, credential_path(credential), f"{credential_path(credential)}/revoke",
         {"reason": "Issuer says it lapsed."})
    response = post(curator, credential_path(credential),
                    f"{credential_path(credential)}/verify",
                    {"verification_source": "ACSM registry: reinstated"})
    assert response.status_code == 302 and response.location == credential_path(credential)
    credential = reloaded(session, Credential, credential.id)
    assert (credential.status.value, credential.revocation_reason,
            str(credential.expires_on)) == ("verified", None, "2099-03-01")


@pytest.mark.parametrize("form, field, message", [
    ({"verification_source": " ", "expires_on": "2031-02-03"}, "verification_source",
     "Say where the credential was checked."),
    ({"verification_source": "x" * 201, "expires_on": "2031-02-03"}, "verification_source",
     "Field cannot be longer than 200 characters."),
    ({"verification_source": "Registry", "expires_on": "2020-01-01"}, "expires_on",
     "It expired on 2020-01-01: give the expiry date the issuer has now, after today."),
])
def test_a_refused_verification_keeps_the_typed_text(curator, session, trainer, form, field,
                                                      message):
    credential = trainer.credentials[0]
    response = post(curator, credential_path(credential),
                    f"{credential_path(credential)}/verify", form)
    assert response.status_code == 422
    assert field_errors(response, field) == [message]
    assert input_value(response, "expires_on") == form["expires_on"]
    assert input_value(response, "verification_source") == form["verification_source"].strip()
    assert reloaded(session, Credential, credential.id).status.value == "unverified"


def test_verifying_a_lapsed_credential_needs_its_new_expiry(curator, session, trainer):
    credential = trainer.credentials[0]
    credential.expires_on = today()
    session.commit()
    path = credential_path(credential)
    response = post(curator, path, f"{path}/verify", {"verification_source": "Registry"})
    assert field_errors(response, "expires_on") == [
        f"It expired on {today()}: give the expiry date the issuer has now, after today."]
    renewed = (today() + timedelta(days=1)).isoformat()
    post(curator, path, f"{path}/verify", {"verification_source": "Registry",
                                           "expires_on": renewed})
    credential = reloaded(session, Credential, credential.id)
    assert (credential.effective_status().value, str(credential.expires_on)) == (
        "verified", renewed)


def test_revoking_keeps_the_reason_and_says_so(curator, session, trainer):
    credential = trainer.credentials[0]
    path = credential_path(credential)
    response = post(curator, path, f"{path}/revoke",
                    {"reason": "  Issuer revoked it on 2026-01-05.  "}, follow_redirects=True)
    assert flashes(response) == ["Revoked ACSM CEP-1; it no longer counts in matching."]
    assert "Revocation reason: Issuer revoked it on 2026-01-05." in provenance_rows(response)[-1]
    credential = reloaded(session, Credential, credential.id)
    assert (credential.status.value, credential.revocation_reason, credential.verified_at) == (
        "revoked", "Issuer revoked it on 2026-01-05.", None)


@pytest.mark.parametrize("reason, message", [
    ("   ", "Say why the credential is revoked."),
    ("r" * 501, "Field cannot be longer than 500 characters."),
])
def test_a_refused_revocation_keeps_the_typed_text(curator, session, trainer, reason,
                                                    message):
    credential = trainer.credentials[0]
    path = credential_path(credential)
    response = post(curator, path, f"{path}/revoke", {"reason": reason})
    assert response.status_code == 422
    assert field_errors(response, "reason") == [message]
    assert textarea(response, "reason") == reason.strip()
    assert reloaded(session, Credential, credential.id).status.value == "unverified"


def test_a_revoked_clinical_credential_drops_its_trainer_from_high_risk_matches(
        curator, client, session):
    cardiac = {**experience("coronary-artery-disease"), "years": 7}
    revoked, kept = add_trainers(
        session, *({"last_name": name, "postal_code": "60601", "conditions": [cardiac],
                    "credentials": [credential_payload()]} for name in ("Revoked", "Kept")))
    assert sorted(matched(match(client, conditions=["coronary artery disease"]))) == [
        "Maria Kept", "Maria Revoked"]
    path = credential_path(revoked.credentials[0])
    post(curator, path, f"{path}/revoke", {"reason": "Issuer revoked it."})
    body = match(client, conditions=["coronary artery disease"])
    assert matched(body) == ["Maria Kept"]
    assert excluded(body) == {"Maria Revoked": [CAD_NEEDS_CLINICAL]}


# -- expiry --------------------------------------------------------------------------------

def expiring_rows(response) -> list[str]:
    section = text(response).split('id="expiring-title"')[1].split("</section>")[0]
    return re.findall(r'<td><a href="/manage/credentials/\d+">ACSM-CEP (.*?)</a>', section)


def unverified_names(response) -> list[str]:
    section = text(response).split('id="unverified-title"')[1].split("</section>")[0]
    return re.findall(r'<td><a href="/manage/trainers/\d+">(.*?)</a></td>', section)


@pytest.fixture
def lapsing(session):
    """Verified credentials expiring after 0, 1, 30, 31, 60, 61, 90 and 91 days."""
    day = today()
    return add_trainers(session, *({"last_name": f"In{days}", "conditions": [],
                                     "credentials": [credential_payload(
                                         credential_number=f"D{days}", issued_on="2020-01-01",
                                         expires_on=(day + timedelta(days)).isoformat())]}
                                    for days in (0, 1, 30, 31, 60, 61, 90, 91)))


@pytest.mark.parametrize("days, shown", [
    ("30", ["D1", "D30"]),
    ("60", ["D1", "D30", "D31", "D60"]),
    ("90", ["D1", "D30", "D31", "D60", "D61", "D90"]),
])
def test_the_expiry_window_takes_in_its_last_day_and_not_today(curator, lapsing, days, shown):
    response = curator.get(f"/manage/expiring?days={days}")
    assert expiring_rows(response) == shown
    assert f'<span data-count="expiring">{len(shown)}</span>' in text(response)
    assert f'aria-current="page">Within {days} days' in text(response)


def test_the_expiry_page_looks_60_days_ahead_unless_told(curator, lapsing):
    assert expiring_rows(curator.get("/manage/expiring")) == ["D1", "D30", "D31", "D60"]


@pytest.mark.parametrize("days", ["45", "abc", ""])
def test_only_the_offered_windows_are_accepted(curator, days):
    assert curator.get(f"/manage/expiring?days={days}").status_code == 400


def test_trainers_with_nothing_verified_today_are_listed(curator, lapsing):
    assert unverified_names(curator.get("/manage/expiring")) == ["Maria In0"]


def page_links(response, label: str) -> dict[str, str]:
    """The Previous and Next links of the pager named `label`, by their text."""
    nav = re.search(rf'<nav class="pages" aria-label="{label}">(.*?)</nav>', text(response),
                    re.S)
    return {name: href for href, name in re.findall(r'<a href="([^"]+)">(\w+)</a>',
                                                     nav.group(1))} if nav else {}


def test_long_lists_are_paged_keeping_the_window(curator, lapsing, monkeypatch):
    monkeypatch.setattr(credential_pages, "LIST_PAGE_SIZE", 4)
    first = curator.get("/manage/expiring?days=90")
    assert expiring_rows(first) == ["D1", "D30", "D31", "D60"]
    assert '<span data-count="expiring">6</span>' in text(first)
    assert page_links(first, "Pages of expiring credentials") == {
        "Next": "/manage/expiring?days=90&page=2#expiring-title"}
    second = curator.get("/manage/expiring?days=90&page=2")
    assert expiring_rows(second) == ["D61", "D90"]
    assert "Page 2 of 2" in text(second)
    assert page_links(second, "Pages of expiring credentials") == {
        "Previous": "/manage/expiring?days=90&page=1#expiring-title"}


def test_the_two_expiry_lists_page_on_their_own(curator, session, lapsing, monkeypatch):
    monkeypatch.setattr(credential_pages, "LIST_PAGE_SIZE", 1)
    make_trainer(session, first_name="Bo", last_name="Bare", credentials=[], conditions=[])
    response = curator.get("/manage/expiring?days=30&unverified_page=2")
    assert expiring_rows(response) == ["D1"]
    assert unverified_names(response) == ["Maria In0"]  # after Bo Bare
    label = "Pages of trainers without a current verified credential"
    assert page_links(response, label) == {
        "Previous": "/manage/expiring?days=30&unverified_page=1#unverified-title"}
    # Paging the first list keeps the second's page.
    assert page_links(response, "Pages of expiring credentials") == {
        "Next": "/manage/expiring?days=30&unverified_page=2&page=2#expiring-title"}


@pytest.mark.parametrize("query", ["page=0", "unverified_page=x", "page=100001"])
def test_a_page_number_must_be_a_whole_number_from_one(curator, query):
    assert curator.get(f"/manage/expiring?{query}").status_code == 400


# -- missing from the latest full list -----------------------------------------------------

def test_credentials_missing_from_a_full_list_are_listed_under_their_issuer(
        curator, session):
    nsca = {"conditions": []}
    listed = make_trainer(session, **nsca, credentials=[credential_payload(
        certification="NSCA-CSCS", credential_number="ns-1")])
    missing = make_trainer(session, **nsca, first_name="Omar", last_name="Haddad",
                           credentials=[credential_payload(certification="NSCA-CSCS",
                                                           credential_number="NS-2")])
    content = (b"first_name,last_name,certification,credential_number\n"
               b"Maria,Lopez,NSCA-CSCS,NS-1\n")
    batch_id = import_credentials(session, content, "nsca-full.csv",
                                  ImportOptions("NSCA", full_list=True), str(DATA_DIR))["batch_id"]
    session.commit()
    page = text(curator.get("/manage/not-confirmed"))
    nsca_section = page.split('id="issuer-NSCA"')[1].split("</section>")[0]
    assert f'<a href="/imports/{batch_id}">import #{batch_id}</a>' in nsca_section
    assert "nsca-full.csv" in nsca_section and '<span data-count="NSCA">1</span>' in nsca_section
    assert f'href="/manage/credentials/{missing.credentials[0].id}">NSCA-CSCS NS-2</a>' in (
        nsca_section)
    assert f'<a href="/manage/trainers/{missing.id}">Omar Haddad</a>' in nsca_section
    assert f"/manage/trainers/{listed.id}\"" not in nsca_section
    assert "ACSM has no full list yet" in page


def test_each_issuers_missing_credentials_are_paged_on_their_own(curator, session, monkeypatch):
    monkeypatch.setattr(credential_pages, "LIST_PAGE_SIZE", 2)
    for number in ("NS-1", "NS-2", "NS-3"):
        make_trainer(session, conditions=[], credentials=[credential_payload(
            certification="NSCA-CSCS", credential_number=number)])
    content = b"first_name,last_name,certification,credential_number\nNo,Body,NSCA-CSCS,NS-9\n"
    import_credentials(session, content, "nsca-full.csv", ImportOptions("NSCA", full_list=True),
                       str(DATA_DIR))
    session.commit()

    def missing(response) -> list[str]:
        section = text(response).split('id="issuer-NSCA"')[1].split("</section>")[0]
        return re.findall(r'">NSCA-CSCS (NS-\d)</a>', section)

    first = curator.get("/manage/not-confirmed")
    assert missing(first) == ["NS-1", "NS-2"] and '<span data-count="NSCA">3</span>' in text(first)
    assert page_links(first, "Pages of NSCA credentials") == {
        "Next": "/manage/not-confirmed?page_NSCA=2#issuer-NSCA"}
    assert missing(curator.get("/manage/not-confirmed?page_NSCA=2")) == ["NS-3"]


# -- corrections ---------------------------------------------------------------------------

@pytest.fixture
def asked(session, trainer, user_factory):
    account = user_factory("trainer", trainer=trainer)
    made = [corrections.request_correction(session, trainer, account, credential, message)
            for credential, message in ((trainer.credentials[0], "My number is CEP-10."),
                                        (None, "I also hold NSCA-CPT NS-5.\nPlease add it."))]
    session.commit()
    return made


def test_the_queue_lists_open_requests_oldest_first(curator, asked, trainer):
    page = text(curator.get("/manage/corrections"))
    first, second = asked
    assert page.index(f"Request {first.id}: Maria Lopez") < page.index(
        f"Request {second.id}: Maria Lopez")
    assert f'href="/manage/credentials/{trainer.credentials[0].id}">ACSM-CEP CEP-1</a>' in page
    assert "One the directory does not list yet" in page
    assert "I also hold NSCA-CPT NS-5.\nPlease add it." in page
    assert '<span data-count="open">2</span>' in page
    assert f'for="note-{first.id}"' in page and f'id="note-{second.id}"' in page


def test_resolving_a_request_closes_it_with_the_note(curator, session, asked):
    first = asked[0]
    response = post(curator, "/manage/corrections", f"/manage/corrections/{first.id}",
                    {"status": "resolved", "note": "Number corrected to CEP-10."},
                    follow_redirects=True)
    assert flashes(response) == [f"Request {first.id} resolved."]
    page = text(response)
    assert '<span data-count="open">1</span>' in page
    closed = page.split('id="closed-title"')[1]
    assert "Number corrected to CEP-10." in closed and f"by {curator.user.email}" in closed
    first = reloaded(session, CorrectionRequest, first.id)
    assert (first.status, first.resolved_by_id) == (CorrectionStatus.RESOLVED, curator.user.id)


@pytest.mark.parametrize("form, message", [
    ({"status": "declined", "note": " "}, "Say what was done, for the record."),
    ({"status": "open", "note": "Keep it open."}, "Choose resolve or decline."),
    ({"note": "No button pressed."}, "Choose resolve or decline."),
])
def test_a_refused_resolution_keeps_the_note(curator, session, asked, form, message):
    first = asked[0]
    response = post(curator, "/manage/corrections", f"/manage/corrections/{first.id}", form)
    assert response.status_code == 422
    assert message in text(response)
    assert textarea(response, f"note-{first.id}") == form["note"].strip()
    assert reloaded(session, CorrectionRequest, first.id).status is CorrectionStatus.OPEN


def test_a_request_closed_already_answers_conflict(curator, session, asked):
    first = asked[0]
    path = f"/manage/corrections/{first.id}"
    post(curator, "/manage/corrections", path, {"status": "declined", "note": "Not ours."})
    response = post(curator, "/manage/corrections", path,
                    {"status": "resolved", "note": "Done."})
    assert response.status_code == 409
    assert f"Request {first.id} was already declined; nothing changed." in text(response)
    missing = post(curator, "/manage/corrections", "/manage/corrections/999999",
                   {"status": "resolved", "note": "Done."})
    assert missing.status_code == 404


def test_a_request_another_curator_closed_meanwhile_answers_conflict(curator, session, asked,
                                                                     monkeypatch):
    first = asked[0]

    def closed_meanwhile(*args):  # the other curator's answer came first
        raise Conflict("This request was already declined.")

    monkeypatch.setattr(corrections, "resolve_correction", closed_meanwhile)
    response = post(curator, "/manage/corrections", f"/manage/corrections/{first.id}",
                    {"status": "resolved", "note": "Done."})
    assert response.status_code == 409
    assert '<p class="error" role="alert">This request was already declined.</p>' in text(
        response)


def test_a_note_may_be_as_long_as_the_service_keeps_and_no_longer(curator, session, asked):
    first, second = asked
    longest = "n" * MAX_RESOLUTION
    too_long = post(curator, "/manage/corrections", f"/manage/corrections/{first.id}",
                    {"status": "resolved", "note": longest + "n"})
    assert too_long.status_code == 422
    assert field_errors(too_long, f"note-{first.id}") == [
        f"Field cannot be longer than {MAX_RESOLUTION} characters."]
    done = post(curator, "/manage/corrections", f"/manage/corrections/{second.id}",
                {"status": "resolved", "note": longest})
    assert done.status_code == 302
    assert reloaded(session, CorrectionRequest, second.id).resolution == longest


def test_each_requests_controls_name_the_request(curator, asked):
    first = asked[0]
    about = f"request {first.id} from Maria Lopez"
    page = text(curator.get("/manage/corrections"))
    assert f'Resolve<span class="visually-hidden"> {about}</span></button>' in page
    assert f'Decline<span class="visually-hidden"> {about}</span></button>' in page
    assert (f'<label for="note-{first.id}">Note<span class="visually-hidden"> on {about}'
            "</span></label>") in page


def test_every_error_list_describes_its_control(curator, asked):
    first = asked[0]
    response = post(curator, "/manage/corrections", f"/manage/corrections/{first.id}",
                    {"note": " "})
    page = text(response)
    error_ids = re.findall(r'<ul class="error" id="([^"]+)"', page)
    assert sorted(error_ids) == sorted([f"status-{first.id}-errors", f"note-{first.id}-errors"])
    for error_id in error_ids:
        assert re.search(rf'aria-describedby="[^"]*\b{error_id}\b', page), error_id
    assert page.count(f'aria-describedby="status-{first.id}-errors"') == 2  # both buttons


def test_a_refused_answer_comes_back_on_its_page_of_the_queue(curator, session, trainer,
                                                              asked, monkeypatch):
    monkeypatch.setattr(credential_pages, "QUEUE_PAGE_SIZE", 1)
    second = asked[1]
    page_two = text(curator.get("/manage/corrections?page=2"))
    assert f'action="/manage/corrections/{second.id}?page=2"' in page_two
    response = post(curator, "/manage/corrections?page=2",
                    f"/manage/corrections/{second.id}?page=2", {"status": "resolved"})
    assert response.status_code == 422
    assert f"Request {second.id}: Maria Lopez" in text(response)
    assert "Say what was done, for the record." in text(response)
    assert 'href="/manage/corrections?page=1">Previous</a>' in text(response)


# -- who may use the pages -----------------------------------------------------------------

ROLES = ("anonymous", "patient", "doctor", "trainer", "curator", "admin")


@pytest.fixture
def world(app, session, trainer, asked):
    app.config["WTF_CSRF_ENABLED"] = False  # CSRF has its own test above
    credential = trainer.credentials[0]
    return {"trainer": trainer.id, "credential": credential.id, "request": asked[0].id}


def routes(ids: dict) -> list[tuple[str, str, dict | None, int]]:
    """(method, path, form, the status a curator or admin gets)."""
    return [
        ("GET", f"/manage/trainers/{ids['trainer']}/credentials/new", None, 200),
        ("POST", f"/manage/trainers/{ids['trainer']}/credentials/new",
         {"certification": "NSCA-CPT", "credential_number": "AUTH-1"}, 302),
        ("GET", f"/manage/credentials/{ids['credential']}", None, 200),
        ("POST", f"/manage/credentials/{ids['credential']}/verify",
         {"verification_source": "Registry"}, 302),
        ("POST", f"/manage/credentials/{ids['credential']}/revoke", {"reason": "Lapsed."}, 302),
        ("GET", "/manage/expiring?days=30", None, 200),
        ("GET", "/manage/not-confirmed", None, 200),
        ("GET", "/manage/corrections", None, 200),
        ("POST", f"/manage/corrections/{ids['request']}",
         {"status": "resolved", "note": "Done."}, 302),
    ]


@pytest.mark.parametrize("role", ROLES)
def test_only_curators_and_admins_use_the_credential_pages(app, user_factory, world, asked,
                                                           role):
    client = app.test_client()
    if role != "anonymous":
        # The trainer is the one whose credential and requests these are.
        user_id = asked[0].requested_by_id if role == "trainer" else user_factory(role).id
        with client.session_transaction() as cookie:
            cookie["_user_id"], cookie["_fresh"] = str(user_id), True
    for method, path, form, staff in routes(world):
        response = client.open(path, method=method, data=form)
        expected = staff if role in ("curator", "admin") else 302 if role == "anonymous" \
            else 403
        assert response.status_code == expected, (method, path)
        if role == "anonymous":
            assert response.location.startswith("/login?next=")
