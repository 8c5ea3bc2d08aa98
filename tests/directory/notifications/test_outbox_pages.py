"""Admins read every message in the browser: the outbox list, its filters, one message."""

from __future__ import annotations

import pytest

from directory.notifications.models import Message, MessageStatus
from tests.web import sign_in


@pytest.fixture
def admin_page(app, user_factory):
    client = app.test_client()
    sign_in(client, user_factory("admin").email)
    return client


def add(session, **fields) -> Message:
    message = Message(**{"kind": "referral_answered", "recipient": "doc@example.com",
                         "subject": "Referral #1 was accepted by Maria Near",
                         "body": "Maria Near has accepted referral #1.",
                         "status": MessageStatus.RECORDED, "attempts": 0, **fields})
    session.add(message)
    session.commit()
    return message


def test_the_outbox_lists_messages_newest_first(admin_page, session):
    add(session, subject="First")
    add(session, subject="Second")
    page = admin_page.get("/admin/outbox").get_data(as_text=True)
    assert page.index("Second") < page.index("First")
    assert "2 messages" in page
    assert "messages are kept here only" in page  # the default backend says so


def test_filters_narrow_the_list(admin_page, session):
    add(session, subject="To the doctor")
    add(session, subject="To the trainer", kind="referral_sent", recipient="t@example.com",
        status=MessageStatus.QUEUED)
    for query, shown, hidden in (({"kind": "referral_sent"}, "To the trainer", "To the doctor"),
                                 ({"status": "recorded"}, "To the doctor", "To the trainer"),
                                 ({"recipient": "DOC@"}, "To the doctor", "To the trainer")):
        page = admin_page.get("/admin/outbox", query_string=query).get_data(as_text=True)
        assert shown in page and hidden not in page, query
    empty = admin_page.get("/admin/outbox", query_string={"recipient": "nobody"})
    assert "No messages match these filters." in empty.get_data(as_text=True)


def test_a_filter_the_outbox_cannot_mean_is_refused(admin_page):
    refused = admin_page.get("/admin/outbox", query_string={"status": "lost"})
    assert refused.status_code == 400
    assert "status must be one of queued, sent, failed, recorded" in \
        refused.get_data(as_text=True)
    for page in ("0", "²", "-1"):
        assert admin_page.get("/admin/outbox", query_string={"page": page}).status_code == 400


def test_one_message_shows_its_body_and_delivery(admin_page, session):
    message = add(session, status=MessageStatus.QUEUED, attempts=2,
                  last_error="ConnectionRefusedError: no mail server")
    page = admin_page.get(f"/admin/outbox/{message.id}").get_data(as_text=True)
    assert "Maria Near has accepted referral #1." in page
    assert "ConnectionRefusedError: no mail server" in page
    assert admin_page.get("/admin/outbox/999999").status_code == 404


def test_pages_of_the_outbox_keep_the_filters(admin_page, session):
    for number in range(51):
        add(session, subject=f"Message {number}")
    page = admin_page.get("/admin/outbox", query_string={"kind": "referral_answered"})
    assert "page=2" in page.get_data(as_text=True)
    assert "kind=referral_answered" in page.get_data(as_text=True)


@pytest.mark.parametrize("role", ["patient", "doctor", "trainer", "curator"])
def test_only_admins_read_the_outbox(app, session, user_factory, role):
    message = add(session)
    client = app.test_client()
    sign_in(client, user_factory(role).email)
    assert client.get("/admin/outbox").status_code == 403
    assert client.get(f"/admin/outbox/{message.id}").status_code == 403
    assert app.test_client().get("/admin/outbox").status_code == 302  # to sign in
