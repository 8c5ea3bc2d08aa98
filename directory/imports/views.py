from functools import wraps

from flask import current_app, request, url_for
from flask.views import MethodView
from flask_login import current_user
from flask_smorest import Blueprint, abort
from sqlalchemy import select

from directory.accounts.permissions import Permission, requires
from directory.errors import InvalidInput
from directory.extensions import db
from directory.imports import reviews, services
from directory.imports.jobs import queue_import
from directory.imports.models import ImportBatch, ImportJob, ImportRow
from directory.imports.schemas import (
    BatchSchema,
    ImportFileSchema,
    ImportFormSchema,
    ImportJobSchema,
    ReportSchema,
    ReviewDecisionSchema,
    ReviewQueryArgsSchema,
    ReviewSchema,
)
from directory.labels import size_text
from directory.pagination import PageArgsSchema, page_of, page_schema
from directory.security import check_upload_fields
from directory.trainers.models import Trainer
from directory.urls import db_id

imports_blp = Blueprint("imports", __name__, url_prefix="/api/v1/imports",
                        description="Credential lists from certifying bodies (curators).")
reviews_blp = Blueprint("reviews", __name__, url_prefix="/api/v1/reviews",
                        description="Imported rows waiting for a curator's decision.")
FORM_ALLOWANCE = 64 * 1024  # the multipart envelope and the form fields beside the file


def allows_upload(view):
    """Raise this request's size limit to an import file's, before the body is parsed."""
    @wraps(view)
    def wrapper(*args, **kwargs):
        request.max_content_length = current_app.config["IMPORT_MAX_BYTES"] + FORM_ALLOWANCE
        check_upload_fields()
        return view(*args, **kwargs)
    wrapper.takes_uploads = True  # security.refuse_hostile_input leaves the form to it
    return wrapper


def too_large(limit: int) -> InvalidInput:
    return InvalidInput({"file": [f"The file is larger than the {size_text(limit)} limit; "
                                  "split it into smaller lists. Nothing was imported."]},
                        message="The file is too large.", location="files")


def read_upload(upload) -> bytes:
    """The uploaded file's bytes, refused whole when over the import limit."""
    limit = current_app.config["IMPORT_MAX_BYTES"]
    content = upload.read(limit + 1)
    if len(content) > limit:
        raise too_large(limit)
    return content


def get_batch(batch_id: int) -> ImportBatch:
    batch = db.session.get(ImportBatch, batch_id)
    if batch is None:
        abort(404, message=f"There is no import with id {batch_id}.")
    return batch


def get_job(job_id: int) -> ImportJob:
    job = db.session.get(ImportJob, job_id)
    if job is None:
        abort(404, message=f"There is no import job with id {job_id}.")
    return job


def get_review(review_id: int) -> ImportRow:
    review = db.session.get(ImportRow, review_id)
    if review is None or review.review_status is None:
        abort(404, message=f"There is no review with id {review_id}.")
    return review


@imports_blp.route("")
class Imports(MethodView):
    @requires(Permission.IMPORT_CREDENTIALS)
    @imports_blp.arguments(PageArgsSchema, location="query")
    @imports_blp.response(200, page_schema(BatchSchema))
    def get(self, args):
        """List applied imports, newest first."""
        query = select(ImportBatch).order_by(ImportBatch.id.desc())
        return page_of(query, args)

    @requires(Permission.IMPORT_CREDENTIALS)
    @allows_upload
    @imports_blp.arguments(ImportFormSchema, location="form")
    @imports_blp.arguments(ImportFileSchema, location="files")
    @imports_blp.response(202, ImportJobSchema, headers={"Location": {
        "description": "The job to follow.", "schema": {"type": "string"}}})
    def post(self, form, files):
        """Queue a credential list's import (multipart: file, issuer, profile, map,
        dry_run, full_list); follow the job at Location until it is done or failed."""
        upload = files["file"]
        options = services.ImportOptions(form["issuer"], form["profile"], tuple(form["map"]),
                                         form["dry_run"], form["full_list"])
        try:
            job = queue_import(db.session, read_upload(upload), upload.filename or "upload",
                               options, current_user.id)
        except InvalidInput as error:
            # Refusals name the part of the multipart request at fault.
            error.location = "files" if "file" in error.errors else "form"
            raise
        return job, 202, {"Location": url_for("imports.ImportJobById", job_id=job.id)}


@imports_blp.route(f"/jobs/{db_id('job_id')}")
class ImportJobById(MethodView):
    @requires(Permission.IMPORT_CREDENTIALS)
    @imports_blp.response(200, ImportJobSchema)
    def get(self, job_id):
        """An import job: its status, rows done of total, and what it came to."""
        return get_job(job_id)


@imports_blp.route(f"/{db_id('batch_id')}")
class ImportById(MethodView):
    @requires(Permission.IMPORT_CREDENTIALS)
    @imports_blp.response(200, ReportSchema)
    def get(self, batch_id):
        """An applied import's report, row by row."""
        return services.stored_report(db.session, get_batch(batch_id))


@reviews_blp.route("")
class Reviews(MethodView):
    @requires(Permission.IMPORT_CREDENTIALS)
    @reviews_blp.arguments(ReviewQueryArgsSchema, location="query")
    @reviews_blp.response(200, page_schema(ReviewSchema))
    def get(self, args):
        """List reviews (pending by default), oldest first, each beside its candidates."""
        page = page_of(reviews.reviews_query(args["status"], args["issuer"]), args)
        return {**page, "items": reviews.review_details(db.session, page["items"])}


@reviews_blp.route(f"/{db_id('review_id')}")
class ReviewById(MethodView):
    @requires(Permission.IMPORT_CREDENTIALS)
    @reviews_blp.response(200, ReviewSchema)
    def get(self, review_id):
        """One review beside its candidate trainers."""
        (details,) = reviews.review_details(db.session, [get_review(review_id)])
        return details

    @requires(Permission.IMPORT_CREDENTIALS)
    @reviews_blp.arguments(ReviewDecisionSchema)
    @reviews_blp.response(200, ReviewSchema)
    def post(self, decision, review_id):
        """Decide a review: link to a chosen trainer, create a new trainer, or reject."""
        review = get_review(review_id)
        trainer = None
        if decision["trainer_id"] is not None:
            trainer = db.session.get(Trainer, decision["trainer_id"])
            if trainer is None:
                raise InvalidInput({"trainer_id": [
                    f"There is no trainer with id {decision['trainer_id']}."]})
        reviews.decide_review(db.session, review, decision["decision"], trainer,
                               current_user.id)
        db.session.commit()
        (details,) = reviews.review_details(db.session, [review])
        return details
