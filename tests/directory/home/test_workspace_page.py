"""The workspace start page: what waits for curators, and the way to every curator page."""

from __future__ import annotations

from datetime import timedelta

import pytest

from directory.credentials.models import CorrectionRequest
from directory.db import today
from tests.directory.imports.page_helpers import report_location, upload
from tests.factories import make_trainer
from tests.web import sign_in


def signed_in(app, user):
    client = app.test_client()
    sign_in(client, user.email)
    return client


def test_counts_what_waits_and_links_every_curator_page(app, session, user_factory):
    trainer = make_trainer(session)
    trainer.credentials[0].expires_on = today() + timedelta(days=30)
    owner = user_factory("trainer", trainer=trainer)
    session.add(CorrectionRequest(trainer=trainer, requested_by_id=owner.id,
                                  message="My CEP number is 12345, not 1234."))
    session.commit()
    page = signed_in(app, user_factory("curator")).get("/manage")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    for label, count in (("Import rows to review", 0), ("Correction requests", 1),
                         ("Verified credentials expiring within 60 days", 1)):
        assert f"{label}</a></dt><dd>{count}</dd>" in html
    for path in ("/manage/trainers", "/manage/trainers/new", "/manage/expiring",
                 "/manage/not-confirmed", "/manage/corrections", "/imports", "/reviews",
                 "/manage/catalogs"):
        assert f'href="{path}"' in html, path
    assert "/admin/audit" not in html  # administration is for admins


def test_rows_an_upload_left_for_review_are_counted(app, session, user_factory):
    make_trainer(session)  # Maria Lopez: a row naming her and nothing else is doubtful
    client = signed_in(app, user_factory("curator"))
    content = b"first_name,last_name,certification,credential_number\nMaria,Lopez,ACSM-CPT,M-1\n"
    report_location(client, upload(client, content, preview=False, issuer="ACSM"))
    html = client.get("/manage").get_data(as_text=True)
    assert "Import rows to review</a></dt><dd>1</dd>" in html


def test_admins_also_find_the_administration_pages(app, session, user_factory):
    html = signed_in(app, user_factory("admin")).get("/manage").get_data(as_text=True)
    for path in ("/admin/users", "/admin/audit", "/admin/outbox"):
        assert f'href="{path}"' in html


@pytest.mark.parametrize("role", ["patient", "doctor", "trainer"])
def test_the_workspace_is_for_curators_and_admins(app, session, user_factory, role):
    assert signed_in(app, user_factory(role)).get("/manage").status_code == 403
    assert app.test_client().get("/manage").status_code == 302
