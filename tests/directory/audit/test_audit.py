from sqlalchemy import func, select

from directory.audit.models import AuditEvent
from directory.audit.services import REDACTED
from tests.factories import trainer_payload


def events(session, **filters):
    query = select(AuditEvent).order_by(AuditEvent.id)
    for name, value in filters.items():
        query = query.where(getattr(AuditEvent, name) == value)
    return session.scalars(query).all()


def test_api_write_is_audited_with_actor_and_request_id(curator, session):
    response = curator.post("/api/v1/trainers", json=trainer_payload(),
                            headers={"X-Request-ID": "req-123"})
    assert response.status_code == 201, response.json
    trainer_id = response.json["id"]
    (created,) = events(session, object_type="trainers", action="create")
    assert created.object_id == str(trainer_id)
    assert created.actor_id == curator.user.id and created.actor_role == "curator"
    assert created.request_id == "req-123"
    assert created.changes["last_name"] == {"before": None, "after": "Lopez"}
    # The credential and the condition experience are audited in the same request.
    assert {e.object_type for e in events(session, request_id="req-123")} >= {
        "trainers", "credentials", "trainer_condition_experience"}


def test_update_records_before_and_after_of_changed_fields_only(curator, session):
    trainer_id = curator.post("/api/v1/trainers", json=trainer_payload()).json["id"]
    curator.patch(f"/api/v1/trainers/{trainer_id}", json={"bio": "New bio.", "price_max": 150})
    (update,) = events(session, object_type="trainers", action="update")
    assert update.changes["bio"] == {"before": "Clinical exercise physiologist.",
                                     "after": "New bio."}
    assert update.changes["price_max"] == {"before": 120.0, "after": 150.0}
    assert set(update.changes) <= {"bio", "price_max", "updated_at"}


def test_refused_write_leaves_no_audit_event(curator, session):
    before = session.scalar(select(func.count(AuditEvent.id)))
    response = curator.post("/api/v1/trainers", json=trainer_payload(postal_code="00000"))
    assert response.status_code == 422
    assert session.scalar(select(func.count(AuditEvent.id))) == before


def test_passwords_and_token_hashes_are_redacted(api_as, session):
    api_as("patient")  # creates a user and a token
    user_event = events(session, object_type="users", action="create")[0]
    token_event = events(session, object_type="api_tokens", action="create")[0]
    assert user_event.changes["password_hash"] == {"before": None, "after": REDACTED}
    assert token_event.changes["token_hash"] == {"before": None, "after": REDACTED}


def test_command_line_writes_are_audited_as_system(app, session):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["catalogs", "load"]).exit_code == 0
    catalog_events = events(session, object_type="certifications")
    assert len(catalog_events) == 13
    assert {(e.actor_id, e.actor_role) for e in catalog_events} == {(None, "system")}
    assert runner.invoke(args=["demo", "load", "--count", "5"]).exit_code == 0
    (bulk,) = events(session, action="bulk_create")
    assert bulk.changes["count"] == 5 and bulk.changes["source"] == "demo"


def test_admin_lists_and_filters_the_audit_log(api_as, curator, session):
    admin = api_as("admin")
    trainer_id = curator.post("/api/v1/trainers", json=trainer_payload()).json["id"]
    page = admin.get(f"/api/v1/audit-events?object_type=trainers&object_id={trainer_id}").json
    assert page["total"] == 1 and page["items"][0]["action"] == "create"
    mine = admin.get(f"/api/v1/audit-events?actor_id={curator.user.id}").json
    assert mine["total"] >= 3
    assert all(item["actor_id"] == curator.user.id for item in mine["items"])
    assert admin.get("/api/v1/audit-events?since=2000-01-01T00:00:00Z&until=2000-01-02T00:00:00Z"
                     ).json["total"] == 0
    assert admin.get("/api/v1/audit-events?since=yesterday").status_code == 422


def test_sign_in_is_recorded(app, user_factory, session):
    user = user_factory("doctor")
    client = app.test_client()
    app.config["WTF_CSRF_ENABLED"] = False
    response = client.post("/login", data={"email": user.email,
                                           "password": "correct horse battery staple"})
    assert response.status_code == 302
    (login,) = events(session, action="login")
    assert login.object_id == str(user.id)
    assert (login.actor_id, login.actor_role) == (user.id, "doctor")
