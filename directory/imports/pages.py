"""Curators' pages: upload a list with a dry-run preview, read reports, work the queue."""

from __future__ import annotations

import hashlib
import time
from pathlib import Path

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from sqlalchemy import select

from directory.accounts.permissions import Permission, authorize
from directory.credentials.models import Certification
from directory.errors import InvalidInput, message_lines
from directory.extensions import db
from directory.forms import attempt
from directory.imports import reviews, services
from directory.imports.forms import ApplyPreviewForm, ImportForm, ReviewDecisionForm
from directory.imports.models import ImportBatch, ImportRow, ReviewStatus, RowAction
from directory.imports.profiles import load_profiles
from directory.imports.schemas import ReportSchema
from directory.imports.views import allows_upload, get_batch, get_review, read_upload
from directory.pagination import page_number
from directory.trainers.models import Trainer
from directory.urls import db_id

blp = Blueprint("import_pages", __name__)
REPORT_PAGE_SIZE = 100
QUEUE_PAGE_SIZE = 25
PREVIEW_LIFETIME_SECONDS = 24 * 3600


@blp.route("/imports", methods=["GET", "POST"])
@allows_upload
def imports():
    authorize(Permission.IMPORT_CREDENTIALS)
    form = _import_form()
    errors, preview = [], None
    if form.validate_on_submit():
        filename = form.file.data.filename or "upload"
        try:
            content = read_upload(form.file.data)
            report = _run(content, filename, _options(form, form.dry_run.data,
                                                      form.full_list.data))
        except InvalidInput as error:
            errors = message_lines(list(error.errors.values()))
        else:
            if report["batch_id"] is not None:
                flash(_summary_sentence(report))
                return redirect(url_for("import_pages.report", batch_id=report["batch_id"]))
            preview = {"report": report, "form": ApplyPreviewForm(
                upload=keep_upload(content), filename=filename, issuer=form.issuer.data,
                profile=form.profile.data, mapping=form.mapping.data,
                full_list="y" if form.full_list.data else "")}
    refused = request.method == "POST" and (errors or form.errors)
    return render_template("imports/imports.html", form=form, errors=errors, preview=preview,
                           batches=_recent_batches(),
                           pending=reviews.pending_review_count(db.session),
                           ), 422 if refused else 200


@blp.post("/imports/apply")
def apply_preview():
    authorize(Permission.IMPORT_CREDENTIALS)
    form = ApplyPreviewForm()
    if not form.validate_on_submit():
        abort(400, "The preview form was incomplete; upload the file again.")
    content = _kept_upload(form.upload.data)
    if content is None:
        applied = db.session.scalar(select(ImportBatch).where(
            ImportBatch.sha256 == form.upload.data).order_by(ImportBatch.id.desc()))
        if applied is not None:
            flash(f"This file was already applied as import {applied.id}.")
            return redirect(url_for("import_pages.report", batch_id=applied.id))
        flash("That preview has expired; upload the file again.")
        return redirect(url_for("import_pages.imports"))
    try:
        report = _run(content, form.filename.data,
                      _options(form, dry_run=False, full_list=form.full_list.data == "y"))
    except InvalidInput as error:
        flash("The import was refused; nothing changed: "
              + " ".join(message_lines(list(error.errors.values()))))
        return redirect(url_for("import_pages.imports"))
    _forget_upload(form.upload.data)
    flash(_summary_sentence(report))
    return redirect(url_for("import_pages.report", batch_id=report["batch_id"]))


@blp.get(f"/imports/{db_id('batch_id')}")
def report(batch_id):
    authorize(Permission.IMPORT_CREDENTIALS)
    batch = get_batch(batch_id)
    action = request.args.get("action")
    if action not in {None, *RowAction}:
        abort(400, f"Unknown action {action!r}.")
    query = select(ImportRow).where(ImportRow.batch_id == batch.id).order_by(ImportRow.row)
    if action:
        query = query.where(ImportRow.action == action)
    page = db.paginate(query, page=page_number(), per_page=REPORT_PAGE_SIZE, error_out=False)
    return render_template("imports/report.html", batch=batch, page=page, action=action,
                           actions=list(RowAction))


@blp.get(f"/imports/{db_id('batch_id')}/report.json")
def report_json(batch_id):
    """The report as the API gives it, for a signed-in curator's browser."""
    authorize(Permission.IMPORT_CREDENTIALS)
    return jsonify(ReportSchema().dump(services.stored_report(db.session, get_batch(batch_id))))


@blp.get("/reviews")
def queue():
    authorize(Permission.IMPORT_CREDENTIALS)
    page = db.paginate(reviews.reviews_query(ReviewStatus.PENDING), page=page_number(),
                       per_page=QUEUE_PAGE_SIZE, error_out=False)
    return render_template("imports/queue.html", page=page,
                           reviews=reviews.review_details(db.session, page.items))


@blp.route(f"/reviews/{db_id('review_id')}", methods=["GET", "POST"])
def review(review_id):
    authorize(Permission.IMPORT_CREDENTIALS)
    item = get_review(review_id)
    form, errors, status = ReviewDecisionForm(), [], 200
    if form.validate_on_submit():
        _, errors, status = attempt(lambda: _decide(item, form))
        if not errors:
            flash(f"Review {item.id}: {item.review_status.value}"
                  + (f" (trainer {item.trainer_id})." if item.trainer_id else "."))
            following = db.session.scalar(reviews.reviews_query(ReviewStatus.PENDING).limit(1))
            if following is not None:
                return redirect(url_for("import_pages.review", review_id=following.id))
            return redirect(url_for("import_pages.queue"))
    (details,) = reviews.review_details(db.session, [get_review(review_id)])
    return render_template("imports/review.html", review=details, form=form, errors=errors,
                           columns=services.PERSON_FIELDS), 400 if form.errors else status


def _decide(item: ImportRow, form: ReviewDecisionForm) -> None:
    trainer = None
    if form.trainer_id.data:
        trainer = db.session.get(Trainer, int(form.trainer_id.data))
        if trainer is None:
            raise InvalidInput({"trainer_id": ["That trainer no longer exists."]})
    reviews.decide_review(db.session, item, form.decision.data, trainer, current_user.id)


def _import_form() -> ImportForm:
    form = ImportForm()
    issuers = sorted(set(db.session.scalars(select(Certification.issuer))))
    form.issuer.choices = [(code, code) for code in issuers]
    profiles = load_profiles(current_app.config["DATA_DIR"])
    form.profile.choices = [("", "The issuer's own (or ReferFit's column names)"),
                            ("canonical", "ReferFit's column names")] + [
        (name, f"{name} ({profile.issuer})") for name, profile in profiles.items()]
    return form


def _options(form: ImportForm | ApplyPreviewForm, dry_run: bool,
             full_list: bool) -> services.ImportOptions:
    """The import's options from the upload form, or from a preview's hidden copy of it."""
    pairs = tuple(line.strip() for line in (form.mapping.data or "").splitlines()
                  if line.strip())
    return services.ImportOptions(form.issuer.data, form.profile.data or None, pairs,
                                  dry_run, full_list)


def _run(content: bytes, filename: str, options: services.ImportOptions) -> dict:
    report = services.import_credentials(db.session, content, filename, options,
                                         current_app.config["DATA_DIR"], current_user.id)
    db.session.commit()
    return report


def _summary_sentence(report: dict) -> str:
    counts = ", ".join(f"{report['summary'][a]} {a}" for a in RowAction)
    return f"Import {report['batch_id']} applied: {report['summary']['rows']} rows, {counts}."


def _recent_batches() -> list[ImportBatch]:
    return db.session.scalars(
        select(ImportBatch).order_by(ImportBatch.id.desc()).limit(20)).all()


def _upload_dir() -> Path:
    path = Path(current_app.instance_path) / "import-previews"
    path.mkdir(parents=True, exist_ok=True)
    return path


def keep_upload(content: bytes) -> str:
    """Keep a previewed file until it is applied (or a day passes), named by its hash."""
    folder = _upload_dir()
    for old in folder.glob("*.upload"):
        if old.stat().st_mtime < time.time() - PREVIEW_LIFETIME_SECONDS:
            old.unlink(missing_ok=True)
    digest = hashlib.sha256(content).hexdigest()
    (folder / f"{digest}.upload").write_bytes(content)
    return digest


def _kept_upload(digest: str) -> bytes | None:
    path = _upload_dir() / f"{digest}.upload"
    if not path.exists() or path.stat().st_mtime < time.time() - PREVIEW_LIFETIME_SECONDS:
        return None
    return path.read_bytes()


def _forget_upload(digest: str) -> None:
    (_upload_dir() / f"{digest}.upload").unlink(missing_ok=True)
