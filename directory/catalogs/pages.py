"""Curators edit the certification and condition catalogs."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from sqlalchemy import select

from directory.accounts.pages import form_page
from directory.accounts.permissions import Permission, authorize
from directory.catalogs import services
from directory.catalogs.forms import CatalogEntryForm, CertificationForm, ConditionForm
from directory.catalogs.services import CERTIFICATIONS, CONDITIONS, Catalog
from directory.conditions.models import Condition
from directory.credentials.models import Certification
from directory.db import Base
from directory.errors import InvalidInput
from directory.extensions import db
from directory.search.sync import search_index
from directory.urls import db_id

blp = Blueprint("catalog_pages", __name__)
HISTORY_LENGTH = 10


@blp.get("/manage/catalogs")
def catalogs():
    authorize(Permission.MANAGE_CATALOGS)
    certifications = db.session.scalars(select(Certification).order_by(Certification.code))
    conditions = db.session.scalars(select(Condition).order_by(Condition.name))
    return render_template("catalogs/catalogs.html", certifications=certifications.all(),
                           conditions=conditions.all())


@blp.route("/manage/catalogs/certifications/new", methods=["GET", "POST"])
def new_certification():
    authorize(Permission.MANAGE_CATALOGS)
    return _add(CERTIFICATIONS, CertificationForm())


@blp.route(f"/manage/catalogs/certifications/{db_id('certification_id')}",
           methods=["GET", "POST"])
def certification(certification_id: int):
    authorize(Permission.MANAGE_CATALOGS)
    row = db.get_or_404(Certification, certification_id)
    return _edit(CERTIFICATIONS, CertificationForm(obj=row), row)


@blp.route("/manage/catalogs/conditions/new", methods=["GET", "POST"])
def new_condition():
    authorize(Permission.MANAGE_CATALOGS)
    return _add(CONDITIONS, ConditionForm())


@blp.route(f"/manage/catalogs/conditions/{db_id('condition_id')}", methods=["GET", "POST"])
def condition(condition_id: int):
    authorize(Permission.MANAGE_CATALOGS)
    row = db.get_or_404(Condition, condition_id)
    return _edit(CONDITIONS, ConditionForm(obj=row), row)


def _add(catalog: Catalog, form: CatalogEntryForm):
    if form.validate_on_submit():
        try:
            row = services.add_entry(db.session, catalog, form.entry())
        except InvalidInput as error:
            _show_errors(form, error.errors)
        else:
            db.session.commit()
            _flash_saved(f"Added {catalog.table_key} {row.code}.")
            return redirect(_entry_url(row))
    return _entry_page(catalog, form, None)


def _edit(catalog: Catalog, form: CatalogEntryForm, row: Base):
    for name in catalog.fixed_fields:  # shown, never edited: see Catalog.fixed_fields
        del form[name]
    if form.validate_on_submit():
        try:
            changed = services.update_entry(db.session, catalog, row, form.entry())
        except InvalidInput as error:
            _show_errors(form, error.errors)
        else:
            db.session.commit()
            if changed:
                _flash_saved(f"Saved {row.code}: changed {', '.join(changed)}.")
            else:
                flash(f"Nothing to save: {row.code} already reads like this.")
            return redirect(_entry_url(row))
    return _entry_page(catalog, form, row)


def _entry_page(catalog: Catalog, form: CatalogEntryForm, row: Base | None):
    events = services.recent_changes(db.session, row, HISTORY_LENGTH) if row else []
    # The history shows the columns a curator edits, not bookkeeping like updated_at.
    return form_page("catalogs/entry.html", form, catalog=catalog, row=row, events=events,
                     columns=list(catalog.schema().fields), history_length=HISTORY_LENGTH)


def _flash_saved(message: str) -> None:
    flash(message)
    if search_index().stale:
        # Catalog names live in every indexed trainer's document (directory/search/sync.py).
        flash("Searches by condition or certification use this at once; free-text search "
              "finds trainers by the old names until the search index is rebuilt "
              "(flask search reindex).")


def _entry_url(row: Base) -> str:
    if isinstance(row, Certification):
        return url_for("catalog_pages.certification", certification_id=row.id)
    return url_for("catalog_pages.condition", condition_id=row.id)


def _show_errors(form: CatalogEntryForm, errors: dict) -> None:
    """Put the schema's and the uniqueness rule's messages next to their fields."""
    for name, messages in errors.items():
        if name in form:
            form[name].errors.extend(_messages(messages, form[name].data))
        else:
            form.form_errors.extend(f"{name}: {message}" for message in messages)


def _messages(messages: list[str] | dict[int, list[str]], values) -> list[str]:
    # A list field's messages are keyed by the position of the line they are about.
    if isinstance(messages, dict):
        return [f'Line {index + 1}, "{values[index]}": {message}'
                for index, line_messages in sorted(messages.items())
                for message in line_messages]
    return messages
