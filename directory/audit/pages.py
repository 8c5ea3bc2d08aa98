"""The audit log viewer (admins): every write, newest first, filtered like the API."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from flask import Blueprint, render_template, request, url_for
from wtforms.fields.choices import SelectChoice

from directory.accounts.permissions import Permission, authorize
from directory.accounts.services import find_user
from directory.audit.forms import AuditFilterForm
from directory.audit.models import AuditEvent
from directory.audit.queries import ACTIONS, actor_emails, audit_events
from directory.extensions import db

blp = Blueprint("audit_pages", __name__)
AUDIT_PAGE_SIZE = 50
# The page of each kind of object that has one: (endpoint, its id argument).
OBJECT_PAGES = {
    "trainers": ("trainer_pages.edit", "trainer_id"),
    "credentials": ("credential_pages.credential", "credential_id"),
    "users": ("accounts.user", "user_id"),
    "import_batches": ("import_pages.report", "batch_id"),
}


@blp.get("/admin/audit")
def audit_log():
    authorize(Permission.READ_AUDIT_LOG)
    form = _filter_form()
    filters = _filters(form) if form.validate() else None
    page = None if filters is None else db.paginate(
        audit_events(filters), page=form.page.data or 1, per_page=AUDIT_PAGE_SIZE,
        error_out=False)
    return render_template(
        "audit/log.html", filters=form, page=page,
        actors=actor_emails(db.session, page.items if page else []), object_url=object_url,
        change_rows=change_rows), 422 if page is None else 200


def _filter_form() -> AuditFilterForm:
    """The filters, offering what the app can record rather than what the log holds,
    which would take a scan of the whole log on every view."""
    form = AuditFilterForm(request.args)
    # Every object is a row of some table; the log's own rows are never audited.
    tables = sorted(name for name in db.metadata.tables if name != AuditEvent.__tablename__)
    form.object_type.choices = _choices(tables, "Any object type")
    form.action.choices = _choices(sorted(ACTIONS), "Any action")
    return form


def _choices(values: list[str], anything: str) -> list[SelectChoice]:
    return [SelectChoice("", anything),
            *(SelectChoice(value, value.replace("_", " ")) for value in values)]


def _filters(form: AuditFilterForm) -> dict | None:
    """The form as audit_events() filters; None, with the reason on the form, when the
    person has no account."""
    filters = {"object_type": form.object_type.data, "object_id": form.object_id.data,
               "action": form.action.data}
    if form.person.data:
        person = find_user(db.session, form.person.data)
        if person is None:
            form.person.errors.append("No account has this email.")
            return None
        filters["actor_id"] = person.id
    if form.date_from.data:
        filters["since"] = _start_of(form.date_from.data)
    if form.date_to.data:
        filters["until"] = _start_of(form.date_to.data + timedelta(days=1))  # the day included
    return {name: value for name, value in filters.items() if value}


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time.min, UTC)


def object_url(event: AuditEvent) -> str | None:
    page = OBJECT_PAGES.get(event.object_type)
    if page is None or not (event.object_id or "").isdigit():
        return None
    endpoint, argument = page
    return url_for(endpoint, **{argument: int(event.object_id)})


def change_rows(changes: dict) -> list[tuple[str, object, object]]:
    """(field, before, after) for each change. A summary event (a bulk load) records
    plain values rather than before and after: they show as after."""
    rows = []
    for field, change in changes.items():
        if isinstance(change, dict) and change.keys() == {"before", "after"}:
            rows.append((field, change["before"], change["after"]))
        else:
            rows.append((field, None, change))
    return rows
