"""Curators' pages: upload a list, follow its job to a preview or a report, work the queue."""

from __future__ import annotations

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
from directory.imports import jobs, reviews, services
from directory.imports.forms import ApplyPreviewForm, ImportForm, ReviewDecisionForm
from directory.imports.models import ImportBatch, ImportRow, JobStatus, ReviewStatus, RowAction
from directory.imports.profiles import load_profiles
from directory.imports.schemas import ReportSchema
from directory.imports.views import allows_upload, get_batch, get_job, get_review, read_upload
from directory.jobs import worker_state
from directory.pagination import page_number
from directory.trainers.models import Trainer
from directory.urls import db_id

blp = Blueprint("import_pages", __name__)
REPORT_PAGE_SIZE = 100
QUEUE_PAGE_SIZE = 25


@blp.route("/imports", methods=["GET", "POST"])
@allows_upload
def imports():
    authorize(Permission.IMPORT_CREDENTIALS)
    form = _import_form()
    errors = []
    if form.validate_on_submit():
        try:
            job = jobs.queue_import(db.session, read_upload(form.file.data),
                                    form.file.data.filename or "upload", _options(form),
                                    current_user.id)
        except InvalidInput as error:
            errors = message_lines(list(error.errors.values()))
        else:
            return redirect(url_for("import_pages.job", job_id=job.id), 303)
    refused = request.method == "POST" and (errors or form.errors)
    return render_template("imports/imports.html", form=form, errors=errors,
                           batches=_recent_batches(), uploads=jobs.latest_jobs(db.session),
                           preview_expired=jobs.preview_expired,
                           pending=reviews.pending_review_count(db.session),
                           ), 422 if refused else 200


@blp.get(f"/imports/jobs/{db_id('job_id')}")
def job(job_id):
    """An upload's progress (the page refreshes itself), then what it came to."""
    authorize(Permission.IMPORT_CREDENTIALS)
    item = get_job(job_id)
    if item.status is JobStatus.DONE and item.batch_id is not None:
        flash(_summary_sentence(item.batch.id, item.batch.summary))
        return redirect(url_for("import_pages.report", batch_id=item.batch_id))
    return render_template(
        "imports/job.html", job=item, form=ApplyPreviewForm(),
        errors=message_lines(list((item.errors or {}).values())),
        worker=worker_state() if item.status is JobStatus.QUEUED else "ok",
        expired=item.status is JobStatus.DONE and jobs.preview_expired(item))


@blp.post(f"/imports/jobs/{db_id('job_id')}/apply")
def apply_preview(job_id):
    authorize(Permission.IMPORT_CREDENTIALS)
    if not ApplyPreviewForm().validate_on_submit():
        abort(400, "The form's security token had expired; open the preview again.")
    try:
        applied = jobs.apply_dry_run(db.session, get_job(job_id), current_user.id)
    except InvalidInput as error:
        flash(" ".join(message_lines(list(error.errors.values()))))
        return redirect(url_for("import_pages.imports"))
    return redirect(url_for("import_pages.job", job_id=applied.id), 303)


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


def _options(form: ImportForm) -> services.ImportOptions:
    pairs = tuple(line.strip() for line in (form.mapping.data or "").splitlines()
                  if line.strip())
    return services.ImportOptions(form.issuer.data, form.profile.data or None, pairs,
                                  form.dry_run.data, form.full_list.data)


def _summary_sentence(batch_id: int, summary: dict) -> str:
    counts = ", ".join(f"{summary[a]} {a}" for a in RowAction)
    return f"Import {batch_id} applied: {summary['rows']} rows, {counts}."


def _recent_batches() -> list[ImportBatch]:
    return db.session.scalars(
        select(ImportBatch).order_by(ImportBatch.id.desc()).limit(20)).all()
