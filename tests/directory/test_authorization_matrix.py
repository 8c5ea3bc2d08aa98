"""Every route, for every kind of caller, answers with the status the rules promise.

The routes come from the app's URL map: a route added without a line here fails
`test_every_route_has_expectations`, so nothing is born unprotected.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from datetime import timedelta
from itertools import count

import pytest
from sqlalchemy import select

from directory.accounts.models import PasswordReset, User
from directory.accounts.services import issue_token
from directory.claims.services import request_link
from directory.conditions.models import Condition
from directory.credentials.corrections import request_correction
from directory.credentials.models import Certification
from directory.db import today
from directory.doctors.npi import check_digit
from directory.duplicates.models import SuspectedDuplicate
from directory.duplicates.services import merge_trainers
from directory.imports.jobs import queue_import
from directory.imports.models import ImportJob, ImportRow
from directory.imports.services import ImportOptions, import_credentials
from directory.notifications.models import Message, MessageStatus
from directory.referrals.models import ReferralStatus
from directory.referrals.schemas import ReferralCreateSchema, UpdateSchema
from directory.referrals.services import add_update, create_referral, transition
from directory.search.sync import search_snapshots
from directory.trainers.services import deactivate_trainer
from tests.apps import DATA_DIR
from tests.factories import PASSWORD, credential_payload, make_trainer, trainer_payload

ROLES = ("anonymous", "patient", "doctor", "trainer", "other_trainer", "curator", "admin")
_unique = count(1)


def everyone(status: int) -> dict[str, int]:
    return dict.fromkeys(ROLES, status)


def staff_only(ok: int, anonymous: int = 401) -> dict[str, int]:
    return {**everyone(403), "anonymous": anonymous, "curator": ok, "admin": ok}


def admin_only(ok: int, anonymous: int = 401) -> dict[str, int]:
    return {**everyone(403), "anonymous": anonymous, "admin": ok}


def signed_in(ok: int, anonymous: int = 401) -> dict[str, int]:
    return {**everyone(ok), "anonymous": anonymous}


@dataclass
class Case:
    endpoint: str
    method: str
    path: str  # formatted with the world's ids
    expected: dict[str, int]
    body: object = None  # a dict, or a callable making a fresh one per request
    form: bool = False  # an HTML form post rather than JSON


def new_trainer():
    return trainer_payload(credentials=[credential_payload()])


def new_user():
    return {"email": f"new{next(_unique)}@example.com", "password": PASSWORD, "role": "doctor"}


def new_import(**form):
    """A one-row credential list naming the {own} trainer but nothing else about them:
    a doubtful match, so it waits for review."""
    content = b"first_name,last_name,certification,credential_number\nMaria,Lopez,ACSM-CPT,M-1\n"
    return {"file": (io.BytesIO(content), "list.csv"), "issuer": "ACSM", **form}


def new_referral(**overrides) -> dict:
    """A referral near the {own} trainer (Maria Lopez, 10001, type 2 diabetes expert)."""
    body = {"patient": {"name": "Pat Example", "age": 62, "place": "10001"},
            "conditions": ["type 2 diabetes"],
            "prescription": {"goals": ["walk daily"], "frequency_per_week": 3,
                             "intensity": {"resting_heart_rate": 70}, "time_minutes": 30,
                             "type": "walking", "clearance": {"given": True}}}
    return {**body, **overrides}


def new_registration():
    email = f"registrant{next(_unique)}@example.com"
    return {"email": email, "password": PASSWORD, "confirm": PASSWORD}


def new_doctor_registration():
    n = next(_unique)
    first_nine = f"{100_000_000 + n:09d}"
    return {**new_registration(), "name": f"Doctor {n}",
            "npi": first_nine + str(check_digit(first_nine))}


SELF_SCREENING = {"exercises_regularly": False, "known_disease": False, "symptoms": False,
                  "desired_intensity": "moderate"}
REFERRAL_READERS = {"anonymous": 401, "patient": 200, "doctor": 200, "trainer": 200,
                    "other_trainer": 404, "curator": 404, "admin": 200}

CASES = [
    Case("search_pages.index", "GET", "/", everyone(200)),
    Case("search_pages.search", "GET", "/search?near=10001&condition=hypertension",
         everyone(200)),
    Case("search_pages.profile", "GET", "/trainers/{own}", everyone(200)),
    Case("match_pages.match", "GET", "/match?near=10001&conditions=type+2+diabetes",
         everyone(200)),
    Case("matches.Matches", "POST", "/api/v1/matches", everyone(200),
         body={"near": "10001", "conditions": ["E11.9"]}),
    Case("search_pages.profile", "GET", "/trainers/{inactive}",
         {**everyone(404), "curator": 200, "admin": 200}),
    Case("home.api_docs", "GET", "/api/docs", everyone(200)),
    Case("health.alive", "GET", "/healthz", everyone(200)),
    Case("health.ready", "GET", "/readyz", everyone(200)),
    Case("api-docs.openapi_json", "GET", "/api/openapi.json", everyone(200)),
    Case("accounts.login", "GET", "/login", everyone(200)),
    Case("accounts.login", "POST", "/login", everyone(401), form=True,
         body={"email": "nobody@example.com", "password": "wrong password"}),
    Case("accounts.logout", "POST", "/logout", everyone(302), form=True, body={}),
    Case("accounts.register", "GET", "/register", everyone(200)),
    Case("accounts.register", "POST", "/register", everyone(302), form=True,
         body=new_registration),
    Case("accounts.account", "GET", "/account", signed_in(200, anonymous=302)),
    Case("accounts.users", "GET", "/admin/users", admin_only(200, anonymous=302)),
    Case("accounts.users", "POST", "/admin/users", admin_only(302, anonymous=302), form=True,
         body=lambda: {**new_user(), "trainer_id": ""}),
    Case("trainers.Trainers", "GET", "/api/v1/trainers", everyone(200)),
    Case("trainers.Trainers", "POST", "/api/v1/trainers", staff_only(201), body=new_trainer),
    Case("trainers.TrainerById", "GET", "/api/v1/trainers/{own}", everyone(200)),
    # An inactive profile is hidden, as if missing, except from curators and admins.
    Case("trainers.TrainerById", "GET", "/api/v1/trainers/{inactive}",
         {**everyone(404), "curator": 200, "admin": 200}),
    Case("trainers.TrainerById", "PATCH", "/api/v1/trainers/{own}",
         {**staff_only(200), "trainer": 200}, body={"bio": "Updated."}),
    # Names and status are the curators' even on one's own profile.
    Case("trainers.TrainerById", "PATCH", "/api/v1/trainers/{own}", staff_only(200),
         body={"last_name": "Renamed"}),
    Case("trainers.TrainerById", "DELETE", "/api/v1/trainers/{other}", staff_only(204)),
    Case("trainer_accounts.TrainerAccount", "PUT", "/api/v1/trainers/{own}/account",
         staff_only(200), body=lambda: {"email": WORLD["trainer_email"]}),
    Case("credentials.TrainerCredentials", "POST", "/api/v1/trainers/{own}/credentials",
         staff_only(201), body=credential_payload),
    Case("credentials.CredentialById", "PATCH", "/api/v1/credentials/{own_credential}",
         staff_only(200), body={"expires_on": "2031-01-01"}),
    Case("certifications.Certifications", "GET", "/api/v1/certifications", everyone(200)),
    Case("conditions.Conditions", "GET", "/api/v1/conditions", everyone(200)),
    Case("geocode.Geocode", "GET", "/api/v1/geocode?q=10001", everyone(200)),
    Case("auth.Tokens", "POST", "/api/v1/auth/tokens", everyone(201),
         body=lambda: {"email": WORLD["trainer_email"], "password": PASSWORD}),
    Case("auth.Tokens", "GET", "/api/v1/auth/tokens", signed_in(200)),
    # Tokens are personal: another account's token looks missing, even to admins.
    Case("auth.TokenById", "DELETE", "/api/v1/auth/tokens/{spare_token}",
         {**signed_in(404), "trainer": 204}),
    Case("users.Users", "GET", "/api/v1/users", admin_only(200)),
    Case("users.Users", "POST", "/api/v1/users", admin_only(201), body=new_user),
    Case("audit.AuditEvents", "GET", "/api/v1/audit-events", admin_only(200)),
    Case("imports.Imports", "GET", "/api/v1/imports", staff_only(200)),
    Case("imports.Imports", "POST", "/api/v1/imports", staff_only(202), form=True,
         body=lambda: new_import(dry_run="true")),
    Case("imports.ImportJobById", "GET", "/api/v1/imports/jobs/{preview_job}",
         staff_only(200)),
    Case("imports.ImportById", "GET", "/api/v1/imports/{batch}", staff_only(200)),
    Case("reviews.Reviews", "GET", "/api/v1/reviews", staff_only(200)),
    Case("reviews.ReviewById", "GET", "/api/v1/reviews/{review}", staff_only(200)),
    # The curator decides first, so the admin then meets a decided review.
    Case("reviews.ReviewById", "POST", "/api/v1/reviews/{review}",
         {**staff_only(200), "admin": 409}, body={"decision": "reject"}),
    Case("duplicates.Duplicates", "GET", "/api/v1/duplicates", staff_only(200)),
    Case("duplicates.DuplicateSearch", "POST", "/api/v1/duplicates/search", staff_only(200)),
    Case("duplicates.DuplicateById", "GET", "/api/v1/duplicates/{pair}", staff_only(200)),
    # The curator decides first, so the admin then meets a decided pair.
    Case("duplicates.DuplicateById", "POST", "/api/v1/duplicates/{pair}",
         {**staff_only(200), "admin": 409}, body={"decision": "distinct"}),
    # The curator merges first; the admin then meets a record merged already.
    Case("trainers.TrainerMerge", "POST", "/api/v1/trainers/{merge_from}/merge",
         {**staff_only(200), "admin": 409}, body=lambda: {"survivor_id": WORLD["merge_into"]}),
    # Old links to a merged record lead everyone to the survivor.
    Case("trainers.TrainerById", "GET", "/api/v1/trainers/{merged}", everyone(301)),
    Case("search_pages.profile", "GET", "/trainers/{merged}", everyone(301)),
    Case("screening.ScreeningCheck", "POST", "/api/v1/screening", everyone(200),
         body={"exercises_regularly": False, "known_disease": True, "symptoms": False,
               "desired_intensity": "moderate"}),
    Case("referrals.Referrals", "GET", "/api/v1/referrals",
         {**everyone(200), "anonymous": 401, "curator": 403}),
    Case("referrals.Referrals", "POST", "/api/v1/referrals",
         {**everyone(403), "anonymous": 401, "doctor": 201}, body=lambda: new_referral()),
    # Only the referring doctor, the addressed trainer, the patient and admins read it;
    # to anyone else it does not exist.
    Case("referrals.ReferralById", "GET", "/api/v1/referrals/{referral}", REFERRAL_READERS),
    # The addressed trainer accepts; the doctor may move it, but not to "accepted".
    Case("referrals.Transitions", "POST", "/api/v1/referrals/{referral}/transitions",
         {**REFERRAL_READERS, "patient": 403, "doctor": 403, "admin": 403},
         body={"to": "accepted"}),
    Case("referrals.Updates", "POST", "/api/v1/referrals/{referral}/updates",
         {**REFERRAL_READERS, "patient": 403, "doctor": 403, "admin": 403, "trainer": 201},
         body={"kind": "assessment", "notes": "Baseline."}),
    # Its parties talk; admins read the conversation but take no part in it.
    Case("referrals.Messages", "GET", "/api/v1/referrals/{referral}/messages",
         REFERRAL_READERS),
    Case("referrals.Messages", "POST", "/api/v1/referrals/{referral}/messages",
         {**REFERRAL_READERS, "patient": 201, "doctor": 201, "trainer": 201, "admin": 403},
         body={"body": "Hello."}),
    # The referrer acknowledges a concern; the patient and admins read it, no more.
    Case("referrals.Concern", "POST",
         "/api/v1/referrals/{concern_referral}/updates/{concern}/concern",
         {**REFERRAL_READERS, "patient": 403, "trainer": 403, "admin": 403},
         body={"status": "acknowledged"}),
    Case("referral_pages.screening", "GET", "/screening", everyone(200)),
    Case("referral_pages.screening", "POST", "/screening", everyone(200), form=True,
         body={"exercises_regularly": "true", "known_disease": "false", "symptoms": "false",
               "desired_intensity": "moderate"}),
    Case("referrals.SelfReferrals", "POST", "/api/v1/referrals/self",
         {**everyone(403), "anonymous": 401, "patient": 201},
         body=lambda: {"trainer_id": WORLD["own"], "goals": ["walk"],
                       "patient": {"name": "Sam", "age": 58, "place": "10001"},
                       "screening": SELF_SCREENING}),
    Case("referral_pages.refer_myself", "GET", "/referrals/self?trainer_id={own}",
         {**everyone(403), "anonymous": 302, "patient": 200}),
    Case("referral_pages.refer_myself", "POST", "/referrals/self",
         {**everyone(403), "anonymous": 302, "patient": 302}, form=True,
         body=lambda: {"trainer_id": WORLD["own"], "goals": "walk", "patient_name": "Sam",
                       "patient_age": "58", "patient_place": "10001",
                       **{k: str(v).lower() for k, v in SELF_SCREENING.items()}}),
    Case("referral_pages.dashboard", "GET", "/referrals",
         {**everyone(200), "anonymous": 302, "curator": 403}),
    Case("claim_pages.start", "GET", "/trainers/{unclaimed}/claim", everyone(200)),
    Case("claim_pages.start", "POST", "/trainers/{unclaimed}/claim", everyone(202), form=True,
         body={"action": "send"}),
    # The link itself is the key: anyone holding it may use it, and it opens one profile.
    Case("claim_pages.use_link", "GET", "/claim/{claim_secret}", everyone(200)),
    Case("claim_pages.use_link", "POST", "/claim/" + "x" * 43, everyone(404), form=True,
         body={"credential_number": "M-1", "password": PASSWORD, "confirm": PASSWORD}),
    Case("claim_pages.queue", "GET", "/manage/claims", staff_only(200, anonymous=302)),
    Case("claim_pages.decide", "POST", "/manage/claims/999999",
         staff_only(404, anonymous=302), form=True, body={"decision": "refuse"}),
    Case("claim_pages.invite", "POST", "/manage/claims/invite",
         staff_only(302, anonymous=302), form=True, body={"trainer_ids": "999999"}),
    Case("doctor_pages.register", "GET", "/register/doctor", everyone(200)),
    Case("doctor_pages.register", "POST", "/register/doctor", everyone(202), form=True,
         body=new_doctor_registration),
    Case("doctor_pages.profile", "GET", "/account/doctor",
         {**everyone(403), "anonymous": 302, "doctor": 200}),
    Case("doctor_pages.profile", "POST", "/account/doctor",
         {**everyone(403), "anonymous": 302, "doctor": 302}, form=True,
         body={"name": "Gregory House", "credentials": "MD", "npi": "1234567893"}),
    Case("referral_pages.new", "GET", "/referrals/new",
         {**everyone(403), "anonymous": 302, "doctor": 200}),
    Case("referral_pages.new", "POST", "/referrals/new",
         {**everyone(403), "anonymous": 302, "doctor": 200}, form=True,
         body={"patient_name": "Pat", "patient_age": "62", "patient_place": "10001",
               "conditions": "type 2 diabetes", "goals": "walk", "frequency_per_week": "3",
               "time_minutes": "30", "type": "walking", "resting_heart_rate": "70",
               "action": "preview"}),
    Case("referral_pages.detail", "GET", "/referrals/{page_referral}",
         {**REFERRAL_READERS, "anonymous": 302}),
    Case("referral_pages.letter", "GET", "/referrals/{page_referral}/letter",
         {**REFERRAL_READERS, "anonymous": 302}),
    Case("referral_pages.move", "POST", "/referrals/{page_referral}/transitions",
         {**REFERRAL_READERS, "anonymous": 302, "patient": 403, "doctor": 403,
          "admin": 403, "trainer": 302}, form=True, body={"to": "accepted"}),
    Case("referral_pages.report", "POST", "/referrals/{page_referral}/updates",
         {**REFERRAL_READERS, "anonymous": 302, "patient": 403, "doctor": 403,
          "admin": 403, "trainer": 302}, form=True,
         body={"kind": "assessment", "notes": "Baseline."}),
    Case("referral_pages.write", "POST", "/referrals/{page_referral}/messages",
         {**REFERRAL_READERS, "anonymous": 302, "patient": 302, "doctor": 302, "trainer": 302,
          "admin": 403}, form=True, body={"body": "Hello."}),
    Case("referral_pages.answer_concern", "POST",
         "/referrals/{page_concern_referral}/updates/{page_concern}/concern",
         {**REFERRAL_READERS, "anonymous": 302, "patient": 403, "doctor": 302, "trainer": 403,
          "admin": 403}, form=True, body={"status": "acknowledged"}),
    Case("import_pages.imports", "GET", "/imports", staff_only(200, anonymous=302)),
    # An upload is queued as a job, and the answer sends the curator to its page.
    Case("import_pages.imports", "POST", "/imports", staff_only(303, anonymous=302), form=True,
         body=lambda: {**new_import(), "dry_run": "y"}),
    # A finished preview shows on its job's page, with the button to apply it.
    Case("import_pages.job", "GET", "/imports/jobs/{preview_job}",
         staff_only(200, anonymous=302)),
    # Applying queues the real import and sends to its job; the second caller is sent
    # to the same job.
    Case("import_pages.apply_preview", "POST", "/imports/jobs/{page_preview_job}/apply",
         staff_only(303, anonymous=302), form=True, body={}),
    Case("import_pages.report", "GET", "/imports/{batch}", staff_only(200, anonymous=302)),
    Case("import_pages.report_json", "GET", "/imports/{batch}/report.json",
         staff_only(200, anonymous=302)),
    Case("import_pages.queue", "GET", "/reviews", staff_only(200, anonymous=302)),
    Case("import_pages.review", "GET", "/reviews/{page_review}",
         staff_only(200, anonymous=302)),
    Case("import_pages.review", "POST", "/reviews/{page_review}",
         {**staff_only(302, anonymous=302), "admin": 409}, form=True,
         body={"decision": "reject"}),
    Case("duplicate_pages.queue", "GET", "/manage/duplicates", staff_only(200, anonymous=302)),
    Case("duplicate_pages.search", "POST", "/manage/duplicates/search",
         staff_only(302, anonymous=302), form=True, body={}),
    Case("duplicate_pages.pair", "GET", "/manage/duplicates/{page_pair}",
         staff_only(200, anonymous=302)),
    Case("duplicate_pages.pair", "POST", "/manage/duplicates/{page_pair}",
         {**staff_only(302, anonymous=302), "admin": 409}, form=True,
         body={"decision": "distinct"}),
    # -- The workspaces
    Case("home.workspace", "GET", "/manage", staff_only(200, anonymous=302)),
    Case("notification_pages.outbox", "GET", "/admin/outbox", admin_only(200, anonymous=302)),
    Case("notification_pages.message", "GET", "/admin/outbox/{message}",
         admin_only(200, anonymous=302)),
    Case("accounts.user", "GET", "/admin/users/{spare_user}", admin_only(200, anonymous=302)),
    Case("accounts.change_role", "POST", "/admin/users/{spare_user}/role",
         admin_only(302, anonymous=302), form=True, body={"role": "doctor"}),
    Case("accounts.set_active", "POST", "/admin/users/{spare_user}/active",
         admin_only(302, anonymous=302), form=True, body={"active": "yes"}),
    Case("accounts.link_trainer", "POST", "/admin/users/{spare_user}/trainer",
         admin_only(302, anonymous=302), form=True, body={"trainer_id": ""}),
    Case("accounts.issue_reset", "POST", "/admin/users/{spare_user}/reset",
         admin_only(200, anonymous=302), form=True, body={}),
    # A reset link is for whoever holds it; a wrong one is missing for everyone.
    Case("accounts.reset_password", "GET", "/reset-password?token={reset_secret}",
         everyone(200)),
    Case("accounts.reset_password", "POST", "/reset-password?token=not-a-reset-link",
         everyone(404), form=True, body={"password": PASSWORD, "confirm": PASSWORD}),
    Case("audit_pages.audit_log", "GET", "/admin/audit", admin_only(200, anonymous=302)),
    Case("trainer_pages.manage_list", "GET", "/manage/trainers", staff_only(200, anonymous=302)),
    Case("trainer_pages.create", "GET", "/manage/trainers/new", staff_only(200, anonymous=302)),
    Case("trainer_pages.create", "POST", "/manage/trainers/new", staff_only(302, anonymous=302),
         form=True, body={"first_name": "Nora", "last_name": "Quinn", "postal_code": "60601",
                          "languages": "en", "modes": "in_person"}),
    Case("trainer_pages.edit", "GET", "/manage/trainers/{own}", staff_only(200, anonymous=302)),
    Case("trainer_pages.edit", "POST", "/manage/trainers/{other}",
         staff_only(302, anonymous=302), form=True,
         body={"first_name": "Maria", "last_name": "Other", "languages": "en",
               "modes": "in_person", "postal_code": "10001"}),
    Case("trainer_pages.set_status", "POST", "/manage/trainers/{other}/status",
         staff_only(302, anonymous=302), form=True, body={"status": "active", "confirm": "y"}),
    # Each trainer account sees the profile linked to it; staff edit from the list.
    Case("trainer_pages.my_profile", "GET", "/my/profile",
         {**everyone(403), "anonymous": 302, "trainer": 200, "other_trainer": 200}),
    # accepting_new_clients stays ticked: {own} must still take the referrals below.
    Case("trainer_pages.my_profile", "POST", "/my/profile",
         {**everyone(403), "anonymous": 302, "trainer": 302, "other_trainer": 302}, form=True,
         body={"bio": "Mine.", "languages": "en", "modes": "in_person",
               "accepting_new_clients": "y"}),
    Case("trainer_pages.request_correction", "POST", "/my/profile/corrections",
         {**everyone(403), "anonymous": 302, "trainer": 302, "other_trainer": 302}, form=True,
         body={"credential_id": "", "message": "My NSCA-CSCS is missing."}),
    Case("credential_pages.add", "GET", "/manage/trainers/{own}/credentials/new",
         staff_only(200, anonymous=302)),
    Case("credential_pages.add", "POST", "/manage/trainers/{own}/credentials/new",
         staff_only(302, anonymous=302), form=True,
         body=lambda: {"certification": "NSCA-CPT", "credential_number": f"P-{next(_unique)}"}),
    Case("credential_pages.credential", "GET", "/manage/credentials/{own_credential}",
         staff_only(200, anonymous=302)),
    Case("credential_pages.verify", "POST", "/manage/credentials/{own_credential}/verify",
         staff_only(302, anonymous=302), form=True,
         body={"verification_source": "ACSM registry"}),
    # The other trainer's credential, so {own} still matches in the cases after it.
    Case("credential_pages.revoke", "POST", "/manage/credentials/{other_credential}/revoke",
         staff_only(302, anonymous=302), form=True, body={"reason": "Lapsed."}),
    Case("credential_pages.expiring", "GET", "/manage/expiring",
         staff_only(200, anonymous=302)),
    Case("credential_pages.not_confirmed", "GET", "/manage/not-confirmed",
         staff_only(200, anonymous=302)),
    Case("credential_pages.corrections", "GET", "/manage/corrections",
         staff_only(200, anonymous=302)),
    # The curator resolves it first, so the admin then meets a closed request.
    Case("credential_pages.resolve_correction", "POST", "/manage/corrections/{correction}",
         {**staff_only(302, anonymous=302), "admin": 409}, form=True,
         body={"status": "resolved", "note": "Done."}),
    Case("catalog_pages.catalogs", "GET", "/manage/catalogs", staff_only(200, anonymous=302)),
    Case("catalog_pages.new_certification", "GET", "/manage/catalogs/certifications/new",
         staff_only(200, anonymous=302)),
    Case("catalog_pages.new_certification", "POST", "/manage/catalogs/certifications/new",
         staff_only(302, anonymous=302), form=True,
         body=lambda: {"code": f"TEST-{next(_unique)}", "issuer": "TEST",
                       "issuer_name": "Test body", "name": "Test certification",
                       "level": "general"}),
    Case("catalog_pages.certification", "GET", "/manage/catalogs/certifications/{certification}",
         staff_only(200, anonymous=302)),
    Case("catalog_pages.certification", "POST",
         "/manage/catalogs/certifications/{certification}", staff_only(302, anonymous=302),
         form=True, body={"renewal_years": "4"}),
    Case("catalog_pages.new_condition", "GET", "/manage/catalogs/conditions/new",
         staff_only(200, anonymous=302)),
    Case("catalog_pages.new_condition", "POST", "/manage/catalogs/conditions/new",
         staff_only(302, anonymous=302), form=True,
         body=lambda: {"code": f"test-condition-{next(_unique)}",
                       "name": f"Test condition {next(_unique)}", "category": "aging",
                       "risk_tier": "low"}),
    Case("catalog_pages.condition", "GET", "/manage/catalogs/conditions/{condition}",
         staff_only(200, anonymous=302)),
    Case("catalog_pages.condition", "POST", "/manage/catalogs/conditions/{condition}",
         staff_only(302, anonymous=302), form=True, body={"risk_tier": "moderate"}),
]
WORLD: dict = {}


def routes(app) -> set[tuple[str, str]]:
    return {(rule.endpoint, method) for rule in app.url_map.iter_rules()
            if rule.endpoint != "static"
            for method in rule.methods - {"HEAD", "OPTIONS"}}


def concern_world(session, users, own) -> dict:
    """Two referrals to {own} in progress whose trainer raised a concern (API, pages)."""
    world = {}
    for prefix in ("", "page_"):
        referral = create_referral(
            session, users["doctor"], ReferralCreateSchema().load(new_referral(
                shortlist=[own.id], send=True,
                patient={"name": "Pat Example", "age": 62, "place": "10001",
                         "account_email": users["patient"].email})),
            search_snapshots().current(session, today()), today())
        transition(session, referral, users["trainer"], ReferralStatus.ACCEPTED)
        report = add_update(session, referral, users["trainer"], UpdateSchema().load(
            {"kind": "assessment", "notes": "Dizzy.", "concern": True}))
        world.update({f"{prefix}concern_referral": referral.id, f"{prefix}concern": report.id})
    session.commit()
    return world


def test_every_route_has_expectations(app):
    covered = {(case.endpoint, case.method) for case in CASES}
    assert routes(app) - covered == set(), "add the new route to CASES"
    assert covered - routes(app) == set(), "CASES names a route that no longer exists"


def duplicate_world(session, own, other, inactive) -> dict:
    """Two pairs to decide, two trainers to merge, and one merged already."""
    pair, page_pair = (SuspectedDuplicate(trainer_id=min(own.id, b.id),
                                          other_id=max(own.id, b.id), confidence=0.9)
                       for b in (other, inactive))
    session.add_all([pair, page_pair])
    merge_from, merge_into, merged, keeper = (make_trainer(session, last_name=f"Twin{n}")
                                              for n in range(4))
    merge_trainers(session, merged, keeper, curator_id=None)
    session.commit()
    return {"pair": pair.id, "page_pair": page_pair.id, "merge_from": merge_from.id,
            "merge_into": merge_into.id, "merged": merged.id}


def preview_jobs(session, content: bytes, curator_id: int) -> dict:
    """Two finished previews (jobs run as they are queued in tests): one to read, one to
    apply."""
    previews = {name: queue_import(session, content.replace(b"M-1", number), "list.csv",
                                   ImportOptions("ACSM", dry_run=True), curator_id).id
                for name, number in (("preview_job", b"M-3"), ("page_preview_job", b"M-4"))}
    session.expire_all()  # the jobs ran in sessions of their own
    for job_id in previews.values():
        assert session.get(ImportJob, job_id).report is not None, "the preview did not run"
    return previews


@pytest.fixture
def callers(app, session, user_factory):
    """An API client and a page client maker per role; the trainer owns {own}."""
    app.config["WTF_CSRF_ENABLED"] = False  # CSRF has its own tests
    own, other = make_trainer(session), make_trainer(session, last_name="Other")
    inactive = make_trainer(session, last_name="Gone")
    deactivate_trainer(session, inactive)
    users = {role: user_factory(role) for role in ("patient", "doctor", "curator", "admin")}
    users["trainer"] = user_factory("trainer", trainer=own)
    users["other_trainer"] = user_factory("trainer", trainer=other)
    spare, _ = issue_token(session, users["trainer"], "spare", 1)
    session.commit()
    content = new_import()["file"][0].read()
    batch = import_credentials(session, content, "list.csv", ImportOptions("ACSM"),
                               str(DATA_DIR))["batch_id"]
    page_batch = import_credentials(session, content.replace(b"M-1", b"M-2"), "list.csv",
                                    ImportOptions("ACSM"), str(DATA_DIR))["batch_id"]
    review, page_review = (session.scalar(select(ImportRow.id).where(ImportRow.batch_id == b))
                           for b in (batch, page_batch))
    session.commit()
    referral, page_referral = (create_referral(
        session, users["doctor"], ReferralCreateSchema().load(new_referral(
            shortlist=[own.id], send=True,
            patient={"name": "Pat Example", "age": 62, "place": "10001",
                     "account_email": users["patient"].email})),
        search_snapshots().current(session, today()), today()) for _ in range(2))
    session.commit()
    WORLD.update(concern_world(session, users, own))
    message = Message(kind="referral_sent", recipient=users["trainer"].email, subject="S",
                      body="B", status=MessageStatus.RECORDED, attempts=0)
    spare_user = user_factory("doctor")
    # Another account's link: issuing one for spare_user would cancel it.
    reset, reset_secret = PasswordReset.issue(user_factory("doctor"), None, timedelta(hours=1))
    session.add_all([message, reset])
    session.commit()
    WORLD.update(
        message=message.id, spare_user=spare_user.id, reset_secret=reset_secret,
        other_credential=other.credentials[0].id,
        correction=request_correction(session, own, users["trainer"], own.credentials[0],
                                      "My number is M-100.").id,
        certification=session.scalar(select(Certification.id).filter_by(code="ACSM-CEP")),
        condition=session.scalar(select(Condition.id).filter_by(code="hypertension")))
    WORLD.update(duplicate_world(session, own, other, inactive))
    unclaimed = make_trainer(session, last_name="Unclaimed", email="unclaimed@example.com")
    claim_link = request_link(session, make_trainer(session, last_name="Linked",
                                                    email="linked@example.com"))
    session.commit()
    WORLD.update(unclaimed=unclaimed.id, claim_secret=re.search(
        r"/claim/(\S+)", session.scalar(select(Message.body).where(
            Message.recipient == claim_link.email))).group(1))
    WORLD.update(batch=batch, review=review, page_review=page_review, referral=referral.id,
                 page_referral=page_referral.id,
                 **preview_jobs(session, content, users["curator"].id),
                 own=own.id, other=other.id, inactive=inactive.id, spare_token=spare.id,
                 own_credential=own.credentials[0].id, trainer_email=users["trainer"].email)

    def page_client(user_id):
        # A new client per request: signing out or registering must not leak into the next.
        def make():
            client = app.test_client()
            if user_id is not None:
                # Signing out ends the account's sessions: a new one names the new epoch.
                user = session.get(User, user_id)
                session.refresh(user)
                with client.session_transaction() as cookie_session:
                    cookie_session["_user_id"] = user.get_id()
                    cookie_session["_fresh"] = True
            return client
        return make

    clients = {"anonymous": (app.test_client(), page_client(None))}
    for role, user in users.items():
        _token, secret = issue_token(session, user, "matrix", 1)
        api = app.test_client()
        api.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {secret}"
        clients[role] = (api, page_client(user.id))
    session.commit()
    return clients


def test_authorization_matrix(callers):
    failures = []
    for case in CASES:
        for role in ROLES:
            api, page_client = callers[role]
            client = api if case.path.startswith("/api/") else page_client()
            body = case.body() if callable(case.body) else case.body
            kwargs = {"data": body} if case.form else {"json": body}
            response = client.open(case.path.format(**WORLD), method=case.method, **kwargs)
            if response.status_code != case.expected[role]:
                failures.append(f"{case.method} {case.path} as {role}: "
                                f"{response.status_code}, expected {case.expected[role]}"
                                f" {response.get_data(as_text=True)[:150]}")
    assert failures == [], "\n".join(failures)
