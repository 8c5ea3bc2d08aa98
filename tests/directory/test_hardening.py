"""Edge cases found in review: each was a 500, a leak or a wrong answer before."""

from datetime import date

from sqlalchemy import select

from directory.credentials import services as credential_services
from directory.credentials.models import Credential
from directory.search.snapshot import build_snapshot
from tests.factories import PASSWORD, credential_payload, make_trainer, trainer_payload
from tests.web import sign_in


def test_remember_me_cookie_does_not_disable_bearer_tokens(app, client, user_factory):
    user = user_factory("curator")
    app.config["WTF_CSRF_ENABLED"] = True
    sign_in(client, user.email, PASSWORD)  # sets the session cookie
    client.post("/logout")
    token = client.post("/api/v1/auth/tokens",
                        json={"email": user.email, "password": PASSWORD}).json["token"]
    client.set_cookie("remember_token", "1|forged")
    response = client.get("/api/v1/auth/tokens", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200


def test_token_answers_are_never_cached(client, user_factory):
    user = user_factory("doctor")
    response = client.post("/api/v1/auth/tokens", json={"email": user.email,
                                                        "password": PASSWORD})
    assert response.headers["Cache-Control"] == "no-store"


def test_one_price_end_sent_alone_is_checked_against_the_other(curator, session):
    trainer = make_trainer(session, price_min=40, price_max=60)
    response = curator.patch(f"/api/v1/trainers/{trainer.id}", json={"price_min": 100})
    assert response.status_code == 422
    assert "price_max" in response.json["errors"]["json"]


def test_a_duplicate_the_service_missed_is_a_409_not_a_500(curator, session,
                                                           monkeypatch):
    make_trainer(session, credentials=[credential_payload(credential_number="DUP-1")])
    monkeypatch.setattr(credential_services, "_number_taken", lambda *args: False)
    response = curator.post("/api/v1/trainers", json=trainer_payload(
        credentials=[credential_payload(credential_number="DUP-1")]))
    assert response.status_code == 409
    assert "nothing was saved" in response.json["message"]


def test_trainers_cannot_edit_their_condition_experience_or_coordinates(api_as, session):
    trainer = make_trainer(session)
    own = api_as("trainer", trainer=trainer)
    for change in ({"conditions": [{"condition": "heart failure", "years": 20,
                                    "level": "expert"}]},
                   {"latitude": 40.0, "longitude": -100.0}):
        assert own.patch(f"/api/v1/trainers/{trainer.id}", json=change).status_code == 403


def test_credential_verification_fields_follow_its_status(curator, session):
    credential_id = make_trainer(session).credentials[0].id
    url = f"/api/v1/credentials/{credential_id}"
    assert curator.patch(url, json={"status": "expired"}).status_code == 422
    assert curator.patch(url, json={"verification_source": None}).status_code == 422
    unverified = curator.patch(url, json={"status": "unverified"}).json
    assert unverified["verified_at"] is None
    again = curator.patch(url, json={"status": "verified", "verification_source": "Renewal"})
    assert again.json["verified_at"] is not None
    assert session.scalar(select(Credential.verification_source)
                          .where(Credential.id == credential_id)) == "Renewal"


def test_pagination_links_carry_only_search_fields(client, session):
    for last_name in ("A", "B"):
        make_trainer(session, last_name=last_name)
    page = client.get("/search?near=10001&page_size=1&endpoint=&_anchor=%20&_external=%20")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'href="/search?near=10001&amp;page_size=1&amp;page=2"' in html
    assert "http://" not in html.split("<main", 1)[1]


def test_profile_back_link_never_points_off_site(client, session):
    trainer = make_trainer(session)
    away = client.get(f"/trainers/{trainer.id}",
                      headers={"Referer": "https://evil.example/search?x=1"})
    assert 'href="/">← Back' in away.get_data(as_text=True)
    ours = client.get(f"/trainers/{trainer.id}",
                      headers={"Referer": "http://localhost/search?near=10001"})
    assert 'href="/search?near=10001">← Back' in ours.get_data(as_text=True)


class Rows(list):
    def all(self):
        return self


def test_snapshot_skips_rows_of_trainers_activated_mid_build(session, monkeypatch):
    trainer = make_trainer(session)
    real_execute = session.execute

    def trainers_read_before_the_trainer_existed(statement, *args, **kwargs):
        result = real_execute(statement, *args, **kwargs)
        if "latitude" in str(statement) and "credentials" not in str(statement):
            return Rows(row for row in result if row.id != trainer.id)
        return result

    monkeypatch.setattr(session, "execute", trainers_read_before_the_trainer_existed)
    snapshot = build_snapshot(session, date(2026, 6, 1))
    assert trainer.id not in snapshot.ids
