"""The admins' audit log page: newest first, paged, filtered as the API filters."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import delete, select

from directory.audit.models import AuditEvent
from directory.imports.models import ImportBatch
from tests.directory.imports.page_helpers import report_location, upload
from tests.factories import make_trainer
from tests.web import csrf_token, post_form, sign_in

EVENT_ROW = re.compile(r'<tr id="event-(\d+)">')


@pytest.fixture(autouse=True)
def only_this_tests_events(session):
    """Start from an empty log: the catalogs' load is audited too."""
    session.execute(delete(AuditEvent))


@pytest.fixture
def admin(client, user_factory):
    user = user_factory("admin")
    sign_in(client, user.email)
    return user


def add_event(session, **fields) -> int:
    """Write an audit event directly, at a chosen time (the log's own rows are never
    audited themselves). Its table, referral_updates, is one no test here writes to."""
    event = AuditEvent(**{"occurred_at": datetime(2030, 6, 1, 12, tzinfo=UTC),
                          "actor_role": "system", "action": "update",
                          "object_type": "referral_updates", "object_id": "1", "changes": {},
                          **fields})
    session.add(event)
    session.commit()
    return event.id


def shown(client, query: str) -> list[int]:
    response = client.get(f"/admin/audit?{query}")
    assert response.status_code == 200, response.get_data(as_text=True)
    return [int(i) for i in EVENT_ROW.findall(response.get_data(as_text=True))]


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def row(client, query: str, event_id: int) -> str:
    """The HTML of one event's row on the page the query shows."""
    page = client.get(f"/admin/audit?{query}").get_data(as_text=True)
    (found,) = [part for part in page.split('<tr id="event-')[1:]
                if part.startswith(f'{event_id}"')]
    return html.unescape(found)


def test_each_filter_narrows_the_log(client, session, admin, user_factory):
    other = user_factory("curator")
    mine = add_event(session, actor_id=admin.id, actor_role="admin", object_id="7")
    theirs = add_event(session, actor_id=other.id, actor_role="curator", action="delete",
                       object_id="8")
    other_type = add_event(session, object_type="referral_events", action="create",
                           object_id="7")
    updates = "object_type=referral_updates"
    assert shown(client, updates) == [theirs, mine]  # newest first: the higher id
    assert shown(client, f"{updates}&person={admin.email.upper()}") == [mine]
    assert shown(client, f"person={other.email}") == [theirs]
    assert shown(client, "object_type=referral_events") == [other_type]
    assert shown(client, "object_id=7&action=update") == [mine]
    assert shown(client, "object_id=7") == [other_type, mine]
    assert shown(client, "action=delete") == [theirs]


def test_date_bounds_are_inclusive_days_in_utc(client, session, admin):
    def at(*moment) -> int:
        return add_event(session, occurred_at=datetime(*moment, tzinfo=UTC))

    before = at(2030, 1, 1, 23, 59, 59)
    first, last = at(2030, 1, 2, 0, 0, 0), at(2030, 1, 3, 23, 59, 59)
    after = at(2030, 1, 4, 0, 0, 0)
    assert shown(client, "date_from=2030-01-02&date_to=2030-01-03") == [last, first]
    assert shown(client, "date_from=2030-01-03&date_to=2030-01-03") == [last]
    assert shown(client, "object_type=referral_updates&date_from=2030-01-04") == [after]
    assert shown(client, "object_type=referral_updates&date_to=2030-01-01") == [before]


def test_the_filters_offer_every_table_and_recorded_action_without_reading_the_log(
        client, admin):
    page = client.get("/admin/audit").get_data(as_text=True)
    object_types = re.findall(r'<option value="([^"]*)">',
                              page.split('id="object_type"')[1].split("</select>")[0])
    assert object_types[0] == "" and object_types == sorted(object_types)
    assert {"trainers", "credentials", "users", "import_rows"} <= set(object_types)
    assert "audit_events" not in object_types  # the log never records its own rows
    actions = page.split('id="action"')[1].split("</select>")[0]
    assert re.findall(r'<option value="([^"]*)">', actions) == [
        "", "bulk_create", "create", "delete", "login", "update"]
    assert '<option value="bulk_create">bulk create</option>' in actions


@pytest.mark.parametrize("query, field, message", [
    ("person=nobody@example.com", "person", "No account has this email."),
    ("date_from=2030-01-02&date_to=2030-01-01", "date_to",
     "The end date is before the start date."),
    ("date_from=yesterday", "date_from", "Not a valid date value."),
    ("object_type=spaceships", "object_type", "Not a valid choice."),
    ("page=0", None, "Number must be between 1 and 100000."),
], ids=["unknown-person", "end-before-start", "bad-date", "unknown-type", "bad-page"])
def test_refused_filters_are_422_with_the_reason_and_no_events(client, session, admin, query,
                                                               field, message):
    add_event(session)
    response = client.get(f"/admin/audit?{query}")
    assert response.status_code == 422
    page = text(response)
    assert message in page and EVENT_ROW.search(page) is None
    if field:
        assert f'aria-describedby="{field}-errors"' in page
    if field == "person":
        assert 'value="nobody@example.com"' in page  # what was typed stays
    # One alert for the refused filters; a field's messages are tied to it instead.
    assert page.count('role="alert"') == 1


def test_rows_show_who_what_and_the_changes(client, session, admin):
    login = session.scalar(select(AuditEvent.id).where(AuditEvent.action == "login"))
    signed_in = row(client, "action=login", login)
    assert f"{admin.email} <span class=\"muted small\">(admin)</span>" in signed_in
    assert f'<a href="/admin/users/{admin.id}">users #{admin.id}</a>' in signed_in

    anonymous = add_event(session, actor_role="anonymous", changes={
        "status": {"before": "draft", "after": "sent"}, "goals": {"before": None,
                                                                 "after": ["walk"]}})
    shown_row = row(client, "object_type=referral_updates", anonymous)
    assert "<td>anonymous</td>" in shown_row and "2030-06-01 12:00:00" in shown_row
    assert ('<tr><th scope="row">status</th><td>draft</td><td>sent</td></tr>' in shown_row)
    assert ('<th scope="row">goals</th><td><span class="muted">none</span></td>'
            '<td>["walk"]</td>') in shown_row


def test_a_summary_event_shows_its_values(client, session, admin):
    bulk = add_event(session, action="bulk_create", object_type="trainers", object_id=None,
                     changes={"source": "demo", "count": 5})
    shown_row = row(client, "action=bulk_create", bulk)
    assert "<td>trainers</td>" in shown_row
    assert '<th scope="row">count</th><td><span class="muted">none</span></td><td>5</td>' \
        in shown_row


def test_redacted_values_show_as_redacted(client, session, admin):
    created = post_form(client, "/admin/users", {
        "email": "new.doctor@example.com", "role": "doctor",
        "password": "a secret passphrase", "trainer_id": ""})
    assert created.status_code == 302
    event = session.scalar(select(AuditEvent.id).where(
        AuditEvent.object_type == "users", AuditEvent.action == "create",
        AuditEvent.actor_id == admin.id))
    shown_row = row(client, "object_type=users&action=create", event)
    assert ('<th scope="row">password_hash</th><td><span class="muted">none</span></td>'
            '<td>[redacted]</td>') in shown_row
    assert "a secret passphrase" not in shown_row


def test_an_admins_trainer_link_appears_in_the_log(client, session, admin,
                                                   user_factory):
    trainer = make_trainer(session)
    account = user_factory("trainer")
    page = f"/admin/users/{account.id}"
    linked = client.post(f"{page}/trainer", data={"csrf_token": csrf_token(client, page),
                                                  "trainer_id": str(trainer.id)})
    assert linked.status_code == 302

    query = f"person={admin.email}&object_type=users&object_id={account.id}&action=update"
    (event,) = shown(client, query)
    shown_row = row(client, query, event)
    assert f"{admin.email} <span" in shown_row
    assert f'<a href="/admin/users/{account.id}">users #{account.id}</a>' in shown_row
    assert (f'<th scope="row">trainer_id</th><td><span class="muted">none</span></td>'
            f"<td>{trainer.id}</td>") in shown_row


@pytest.mark.parametrize("object_type, link", [
    ("trainers", "/manage/trainers/5"),
    ("credentials", "/manage/credentials/5"),
    ("users", "/admin/users/5"),
    ("import_batches", "/imports/5"),
    ("referrals", None),
])
def test_objects_link_to_their_pages(client, session, admin, object_type, link):
    event = add_event(session, object_type=object_type, object_id="5")
    shown_row = row(client, f"object_type={object_type}&object_id=5", event)
    label = f"{object_type.replace('_', ' ')} #5"
    assert (f'<td><a href="{link}">{label}</a></td>' if link else f"<td>{label}</td>") \
        in shown_row


def test_import_batches_link_to_their_report(client, session, admin):
    batch = ImportBatch(issuer="ACSM", filename="list.csv", file_format="csv", size_bytes=1,
                        sha256="0" * 64, summary={})
    session.add(batch)
    session.commit()
    event = add_event(session, import_batch_id=batch.id)
    assert f'<a href="/imports/{batch.id}">#{batch.id}</a>' in row(
        client, "object_type=referral_updates", event)


def test_an_upload_through_the_page_is_logged_under_its_curator(app, client, session, admin,
                                                              user_factory):
    """The upload becomes a job that the worker runs after the request: the import and
    what it wrote are logged under the curator who uploaded, never with the file itself."""
    curator = user_factory("curator")
    browser = app.test_client()
    sign_in(browser, curator.email)
    content = (b"first_name,last_name,certification,credential_number,postal_code\n"
               b"Zoe,Newman,NSCA-CPT,NS-1003,98101\n")
    batch_id = int(report_location(browser, upload(browser, content, preview=False))
                   .rsplit("/", 1)[1])

    query = f"person={curator.email}&object_type=import_batches&action=create"
    (created,) = shown(client, query)
    batch_row = row(client, query, created)
    assert f'<a href="/imports/{batch_id}">import batches #{batch_id}</a>' in batch_row
    assert f"{curator.email} <span" in batch_row
    assert ('<th scope="row">filename</th><td><span class="muted">none</span></td>'
            "<td>nsca.csv</td>") in batch_row
    assert "Zoe" not in batch_row  # the file's content is not the log's to keep
    query = f"person={curator.email}&object_type=credentials&action=create"
    (credential,) = shown(client, query)
    assert f'<a href="/imports/{batch_id}">#{batch_id}</a>' in row(client, query, credential)


def test_the_log_is_paged_by_fifty_keeping_the_filters(client, session, admin):
    start = datetime(2030, 1, 1, tzinfo=UTC)
    ids = [add_event(session, occurred_at=start + timedelta(minutes=i)) for i in range(51)]
    first = client.get("/admin/audit?object_type=referral_updates").get_data(as_text=True)
    assert "51 events." in first and "Page 1 of 2" in first
    assert [int(i) for i in EVENT_ROW.findall(first)] == ids[:0:-1]
    assert 'href="/admin/audit?object_type=referral_updates&amp;page=2"' in first
    assert shown(client, "object_type=referral_updates&page=2") == [ids[0]]


def test_the_page_and_the_api_filter_alike(client, api_as, session, admin):
    api = api_as("admin")
    for day in (1, 2, 3):
        add_event(session, occurred_at=datetime(2030, 3, day, 8, tzinfo=UTC), object_id="9")
    through_api = api.get("/api/v1/audit-events?object_type=referral_updates&object_id=9"
                          "&since=2030-03-02T00:00:00Z&until=2030-03-03T00:00:00Z").json
    on_page = shown(client, "object_type=referral_updates&object_id=9&date_from=2030-03-02"
                            "&date_to=2030-03-02")
    assert [item["id"] for item in through_api["items"]] == on_page and len(on_page) == 1


@pytest.mark.parametrize("role, status", [
    ("anonymous", 302), ("patient", 403), ("doctor", 403), ("trainer", 403),
    ("curator", 403), ("admin", 200),
])
def test_only_admins_read_the_log(app, user_factory, role, status):
    client = app.test_client()
    if role != "anonymous":
        sign_in(client, user_factory(role).email)
    response = client.get("/admin/audit")
    assert response.status_code == status
    if role == "anonymous":
        assert response.location == "/login?next=/admin/audit"

