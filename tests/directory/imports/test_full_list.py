"""A list can be marked as the issuer's complete list of current credentials, from the
upload page (directly or through a preview), the API and the command line; the batch
records it and its report says so."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from directory.imports.models import ImportBatch
from tests.directory.imports.helpers import flask_import, imported
from tests.directory.imports.page_helpers import (
    LIST,
    apply,
    previewed,
    report_location,
    text,
    upload,
)
from tests.factories import NEWMAN
from tests.web import sign_in

COMPLETE = "The issuer's complete list of current credentials"
PARTIAL = "Not a complete list"


@pytest.fixture
def page_curator(client, user_factory):
    sign_in(client, user_factory("curator").email)
    return client


def batch(session) -> ImportBatch:
    session.expire_all()  # read what the request committed
    return session.scalars(select(ImportBatch).order_by(ImportBatch.id.desc())).first()


@pytest.mark.parametrize("ticked, flag, sentence", [(True, True, COMPLETE),
                                                    (False, False, PARTIAL)])
def test_the_upload_page_records_whether_it_is_the_full_list(page_curator, session, ticked,
                                                             flag, sentence):
    fields = {"full_list": "y"} if ticked else {}
    location = report_location(page_curator, upload(page_curator, LIST, preview=False,
                                                     **fields))
    assert batch(session).full_list is flag
    assert sentence in text(page_curator.get(location))
    recent = text(page_curator.get("/imports")).split("<h2>Recent imports</h2>")[1]
    assert f"<td>{'Yes' if flag else 'No'}</td>" in recent


@pytest.mark.parametrize("ticked, flag", [(True, True), (False, False)])
def test_a_preview_carries_the_full_list_mark_to_its_application(page_curator, session,
                                                                 ticked, flag):
    job_id, preview = previewed(page_curator, **({"full_list": "y"} if ticked else {}))
    assert ("Applied as the issuer's complete list" in preview) is flag
    assert batch(session) is None
    location = report_location(page_curator, apply(page_curator, job_id, preview))
    assert batch(session).full_list is flag
    assert (COMPLETE if flag else PARTIAL) in text(page_curator.get(location))


@pytest.mark.parametrize("ticked, sent", [(False, "y"), (True, "")])
def test_the_apply_form_cannot_change_the_full_list_mark(page_curator, session, ticked, sent):
    """The mark is the upload's, kept with its job: a field posted beside the apply
    button (tampered, or left over from the old form) changes nothing."""
    job_id, preview = previewed(page_curator, **({"full_list": "y"} if ticked else {}))
    report_location(page_curator, apply(page_curator, job_id, preview, full_list=sent))
    assert batch(session).full_list is ticked


@pytest.mark.parametrize("sent, flag", [({"full_list": "true"}, True), ({}, False)])
def test_the_api_records_the_full_list_mark(curator, session, sent, flag):
    imported(curator, [NEWMAN], **sent)
    assert batch(session).full_list is flag
    [listed] = curator.get("/api/v1/imports").json["items"]
    assert listed["full_list"] is flag


@pytest.mark.parametrize("options, flag", [(["--full-list"], True), ([], False)])
def test_the_command_line_records_the_full_list_mark(app, session, tmp_path,
                                                     options, flag):
    path = tmp_path / "nsca.csv"
    path.write_bytes(LIST)
    result = flask_import(app, path, *options)
    assert result.exit_code == 0, result.output
    assert batch(session).full_list is flag
