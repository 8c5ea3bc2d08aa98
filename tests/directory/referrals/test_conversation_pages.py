"""The conversation on the referral page and the dashboards' flags, as a browser posts
them (with CSRF); a failed form keeps what was typed."""

from __future__ import annotations

import html

import pytest

from directory.db import today
from directory.referrals.models import ReferralStatus
from directory.referrals.schemas import ReferralCreateSchema, UpdateSchema
from directory.referrals.services import add_update, create_referral, transition
from directory.search.sync import search_snapshots
from tests.factories import referral_body
from tests.web import csrf_token, sign_in


@pytest.fixture
def world(app, session, user_factory, trainers):
    """A referral in progress whose trainer raised a concern; each side signed in."""
    doctor, coach = user_factory("doctor"), user_factory("trainer", trainer=trainers[0])
    referral = create_referral(session, doctor, ReferralCreateSchema().load(
        referral_body(shortlist=[trainers[0].id], send=True)),
        search_snapshots().current(session, today()), today())
    transition(session, referral, coach, ReferralStatus.ACCEPTED)
    concern = add_update(session, referral, coach, UpdateSchema().load(
        {"kind": "assessment", "notes": "Dizzy after intervals.", "concern": True}))
    session.commit()
    clients = {}
    for name, user in (("doctor", doctor), ("trainer", coach)):
        clients[name] = app.test_client()
        sign_in(clients[name], user.email)
    return {"referral": referral, "concern": concern, **clients}


def post(client, path: str, data: dict, page: str):
    return client.post(path, data={"csrf_token": csrf_token(client, page), **data})


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def test_the_doctor_acknowledges_and_replies_and_the_trainer_sees_it_new(world):
    page = f"/referrals/{world['referral'].id}"
    doctor, trainer = world["doctor"], world["trainer"]
    shown = text(doctor.get(page))
    assert "Open concerns" in shown and "Dizzy after intervals." in shown
    assert "Not acknowledged yet." in shown and ">Acknowledge</button>" in shown
    assert "Concern raised: acknowledge it" in text(doctor.get("/referrals"))

    answered = post(doctor, f"{page}/updates/{world['concern'].id}/concern",
                    {"status": "acknowledged", "message": "Keep to RPE 11 for now."}, page)
    assert answered.status_code == 302 and answered.location.endswith("#concerns")
    assert "Concern acknowledged, not resolved" in text(doctor.get("/referrals"))

    assert "1 unread message" in text(trainer.get("/referrals"))
    seen = text(trainer.get(page))
    assert "acknowledged the concern: <span class=\"words\">Keep to RPE 11 for now." in seen
    assert 'class="unread"' in seen and ">Acknowledge</button>" not in seen
    assert "unread message" not in text(trainer.get("/referrals"))  # read now
    assert 'class="unread"' not in text(trainer.get(page))

    resolved = post(trainer, f"{page}/updates/{world['concern'].id}/concern",
                    {"status": "resolved"}, page)
    assert resolved.status_code == 302
    assert "Open concerns" not in text(doctor.get(page))
    assert "Concern" not in text(doctor.get("/referrals")).split("<tbody>")[1]


def test_messages_go_both_ways_on_the_page(world):
    page = f"/referrals/{world['referral'].id}"
    sent = post(world["trainer"], f"{page}/messages", {"body": "Booked for Monday 9am."}, page)
    assert sent.status_code == 302 and sent.location.endswith("#messages")
    shown = text(world["doctor"].get(page))
    assert "(trainer)</strong>" in shown and "Booked for Monday 9am." in shown


def test_a_refused_message_keeps_its_words_and_says_why(world):
    page = f"/referrals/{world['referral'].id}"
    words = "A long account of the session. " * 130  # over 4,000 characters
    refused = post(world["doctor"], f"{page}/messages", {"body": words}, page)
    assert refused.status_code == 422
    shown = text(refused)
    assert "Longer than maximum length 4000" in shown
    assert words.strip() in shown


def test_the_trainer_may_not_acknowledge_and_is_told_so(world):
    page = f"/referrals/{world['referral'].id}"
    refused = post(world["trainer"], f"{page}/updates/{world['concern'].id}/concern",
                   {"status": "acknowledged", "message": "Seen."}, page)
    assert refused.status_code == 403
    assert "Only the referrer acknowledges a concern" in text(refused)
    assert ">Seen.</textarea>" in text(refused)  # kept in the form it came from


def test_a_report_refused_keeps_every_value_entered(world):
    page = f"/referrals/{world['referral'].id}"
    refused = post(world["trainer"], f"{page}/updates",
                   {"kind": "progress", "sessions_attended": "8", "weekly_minutes": "95",
                    "systolic": "135", "notes": "Better week.", "concern": "true"}, page)
    assert refused.status_code == 422
    shown = text(refused)
    assert "Give both systolic and diastolic pressure." in shown
    for name, value in (("sessions_attended", "8"), ("weekly_minutes", "95"),
                        ("systolic", "135")):
        assert f'name="{name}" type="number" step="any" min="0" value="{value}"' in shown
    assert ">Better week.</textarea>" in shown
    assert 'name="concern" value="true" checked' in shown


def test_an_admin_reads_the_conversation_with_nothing_marked_new_and_no_form(
        world, app, user_factory):
    page = f"/referrals/{world['referral'].id}"
    post(world["trainer"], f"{page}/messages", {"body": "Booked for Monday."}, page)
    admin = app.test_client()
    sign_in(admin, user_factory("admin").email)
    shown = text(admin.get(page))
    assert "Booked for Monday." in shown
    assert 'class="unread"' not in shown and "Send message" not in shown
