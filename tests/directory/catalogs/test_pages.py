"""The curators' catalog pages, driven as a browser would: list, add, edit, refusals with
the typed values kept, the history each edit leaves, and who may use them."""

from __future__ import annotations

import html
import re

import pytest
from sqlalchemy import func, select

from directory.audit.models import AuditEvent
from directory.conditions.models import Condition, ConditionCategory
from directory.credentials.models import Certification
from matching.types import CredentialLevel, RiskTier
from tests.factories import add_trainers, experience, make_trainer, trainer_payload
from tests.web import csrf_token, post_form, sign_in

LIST = "/manage/catalogs"
NEW_CERTIFICATION = "/manage/catalogs/certifications/new"
NEW_CONDITION = "/manage/catalogs/conditions/new"
CERTIFICATION = {"code": "ACE-SFS", "issuer": "ACE", "issuer_name": "American Council on Exercise",
                 "name": "Senior Fitness Specialist", "level": "specialist",
                 "accreditation": "", "renewal_years": "2",
                 "aliases": "ACE Senior Fitness Specialist\r\n\r\n  ACE SFS  \r\n",
                 "description": ""}
CONDITION = {"code": "long-covid", "name": "Long COVID", "category": "pulmonary",
             "risk_tier": "moderate", "risk_reason": "Post-exertional malaise is common.",
             "icd10_prefixes": "U09\nU09.9", "synonyms": "post-COVID condition\nlong haul COVID"}


@pytest.fixture
def curator(curator_page):
    return curator_page  # these tests drive pages, not the API


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def flashes(page: str) -> list[str]:
    return [" ".join(m.split()) for m in re.findall(r'class="flash" role="status">(.*?)</p>',
                                                    page, re.S)]


def field_errors(page: str, field: str) -> list[str]:
    match = re.search(rf'<ul class="error" id="{field}-errors">(.*?)</ul>', page, re.S)
    return re.findall(r"<li>(.*?)</li>", match.group(1)) if match else []


def textarea(page: str, field: str) -> str:
    match = re.search(rf'<textarea[^>]*name="{field}"[^>]*>\r?\n?(.*?)</textarea>', page, re.S)
    assert match, f"no textarea {field}"
    return match.group(1)


def entry(session, model, code: str):
    session.expire_all()  # read what the requests committed
    return session.scalars(select(model).filter_by(code=code)).one()


def edit_path(row) -> str:
    kind = "certifications" if isinstance(row, Certification) else "conditions"
    return f"/manage/catalogs/{kind}/{row.id}"


def events(session, row) -> list[AuditEvent]:
    session.expire_all()
    return session.scalars(select(AuditEvent).where(
        AuditEvent.object_type == row.__tablename__, AuditEvent.object_id == str(row.id))
        .order_by(AuditEvent.id)).all()


def audit_count(session) -> int:
    session.expire_all()
    return session.scalar(select(func.count(AuditEvent.id)))


# The list


def test_list_shows_both_catalogs_with_edit_and_add_links(curator, session):
    cep = entry(session, Certification, "ACSM-CEP")
    hypertension = entry(session, Condition, "hypertension")

    response = curator.get(LIST)
    page = text(response)

    assert response.status_code == 200
    cep_row = re.search(rf'<a href="{edit_path(cep)}">ACSM-CEP</a></th>(.*?)</tr>', page, re.S)
    assert "Certified Clinical Exercise Physiologist" in cep_row.group(1)
    assert re.search(r"<td>ACSM</td><td>clinical</td>\s*<td>[^<]*ACSM CEP; ACSM-RCEP[^<]*</td>"
                     r"<td>3</td>", cep_row.group(1))
    condition_row = re.search(rf'<a href="{edit_path(hypertension)}">hypertension</a></th>'
                              r"(.*?)</tr>", page, re.S).group(1)
    assert "<td>Hypertension</td><td>low</td>" in condition_row
    assert "<td>I10, I11, I12, I13, I15, I16</td>" in condition_row
    assert "high blood pressure; HBP; HTN" in condition_row
    assert f'href="{NEW_CERTIFICATION}"' in page and f'href="{NEW_CONDITION}"' in page
    assert "cannot be deleted" in page


# Adding


def test_adding_a_certification_saves_it_and_shows_its_page(curator, session):
    response = post_form(curator, NEW_CERTIFICATION, CERTIFICATION)

    added = entry(session, Certification, "ACE-SFS")
    assert response.status_code == 302 and response.location == edit_path(added)
    assert (added.name, added.level, added.renewal_years, added.accreditation) == (
        "Senior Fitness Specialist", CredentialLevel.SPECIALIST, 2, None)
    assert added.aliases == ["ACE Senior Fitness Specialist", "ACE SFS"]
    page = text(curator.get(response.location))
    assert flashes(page) == ["Added certification ACE-SFS."]
    assert [e.action for e in events(session, added)] == ["create"]


def test_adding_a_condition_saves_it(curator, session):
    response = post_form(curator, NEW_CONDITION, CONDITION)

    added = entry(session, Condition, "long-covid")
    assert response.status_code == 302 and response.location == edit_path(added)
    assert (added.risk_tier, added.icd10_prefixes, added.synonyms) == (
        RiskTier.MODERATE, ["U09", "U09.9"], ["post-COVID condition", "long haul COVID"])


def test_the_add_form_offers_every_field_empty(curator):
    page = text(curator.get(NEW_CONDITION))

    for name in ("code", "name", "category", "risk_tier", "risk_reason", "icd10_prefixes",
                 "synonyms"):
        assert f'name="{name}"' in page
    assert '<option value="">Choose a risk tier</option><option value="low">Low</option>' in page
    assert "<option selected" not in page


# Editing


def test_edit_form_shows_the_values_with_lists_one_per_line_and_the_code_read_only(
        curator, session):
    cep = entry(session, Certification, "ACSM-CEP")

    page = text(curator.get(edit_path(cep)))

    assert textarea(page, "aliases").splitlines() == cep.aliases
    assert 'name="code"' not in page
    assert "<code>ACSM-CEP</code>" in page and "These cannot change" in page
    assert "<code>ACSM</code>" in page and 'name="issuer"' not in page
    assert '<option selected value="clinical">Clinical</option>' in page
    assert 'name="renewal_years" type="text" value="3"' in page


def test_editing_a_certification_changes_only_what_was_changed(curator, session):
    cep = entry(session, Certification, "ACSM-CEP")
    aliases_before = list(cep.aliases)
    page = text(curator.get(edit_path(cep)))
    aliases = textarea(page, "aliases") + "\nCEP (ACSM)"

    response = post_form(curator, edit_path(cep), {
        "issuer": "ACSM", "issuer_name": cep.issuer_name, "name": cep.name, "level": "clinical",
        "accreditation": "NCCA", "renewal_years": "4", "aliases": aliases,
        "description": cep.description})

    assert response.status_code == 302 and response.location == edit_path(cep)
    edited = entry(session, Certification, "ACSM-CEP")
    assert edited.renewal_years == 4 and edited.aliases == [*aliases_before, "CEP (ACSM)"]
    assert flashes(text(curator.get(edit_path(cep)))) == [
        "Saved ACSM-CEP: changed renewal_years, aliases."]


def test_editing_a_condition_saves_its_lists_and_clears_an_emptied_field(curator, session):
    hypertension = entry(session, Condition, "hypertension")

    response = post_form(curator, edit_path(hypertension), {
        "name": "Hypertension", "category": "cardiovascular", "risk_tier": "moderate",
        "risk_reason": " ", "icd10_prefixes": "I10\nI11", "synonyms": "high blood pressure\nHTN"})

    assert response.status_code == 302
    edited = entry(session, Condition, "hypertension")
    assert (edited.risk_tier, edited.icd10_prefixes, edited.synonyms, edited.risk_reason) == (
        RiskTier.MODERATE, ["I10", "I11"], ["high blood pressure", "HTN"], "")


def test_a_posted_code_or_issuer_is_ignored_on_edit(curator, session):
    cep = entry(session, Certification, "ACSM-CEP")
    assert 'name="issuer"' not in text(curator.get(edit_path(cep)))

    response = post_form(curator, edit_path(cep), {"code": "ACSM-NEW", "issuer": "NSCA",
                                                   "renewal_years": "5"})

    assert response.status_code == 302
    saved = entry(session, Certification, "ACSM-CEP")
    assert (saved.renewal_years, saved.issuer) == (5, "ACSM")
    assert session.scalar(select(Certification).filter_by(code="ACSM-NEW")) is None


def test_saving_without_changes_says_so_and_records_nothing(curator, session):
    hypertension = entry(session, Condition, "hypertension")
    page = text(curator.get(edit_path(hypertension)))
    before = audit_count(session)

    response = post_form(curator, edit_path(hypertension), {
        "icd10_prefixes": textarea(page, "icd10_prefixes"),
        "synonyms": textarea(page, "synonyms")})

    assert response.status_code == 302
    assert flashes(text(curator.get(response.location))) == [
        "Nothing to save: hypertension already reads like this."]
    assert audit_count(session) == before


def test_an_unknown_entry_is_404(curator):
    assert curator.get("/manage/catalogs/certifications/999999").status_code == 404
    assert curator.get("/manage/catalogs/conditions/999999").status_code == 404


# Refusals: 422, messages by their fields, what was typed kept, nothing written


def test_an_unknown_level_is_refused_with_the_allowed_ones(curator, session):
    before = audit_count(session)

    response = post_form(curator, NEW_CERTIFICATION, {**CERTIFICATION, "level": "wizard"})

    page = text(response)
    assert response.status_code == 422
    assert field_errors(page, "level") == [
        "Must be one of: general, specialist, clinical, performance."]
    assert 'aria-describedby="level-errors" aria-invalid="true"' in page
    assert "Nothing was saved: correct the fields marked below." in page
    assert 'value="Senior Fitness Specialist"' in page
    assert textarea(page, "aliases") == "ACE Senior Fitness Specialist\nACE SFS"
    assert audit_count(session) == before


def test_a_bad_icd10_prefix_is_named_by_its_line(curator, session):
    hypertension = entry(session, Condition, "hypertension")

    response = post_form(curator, edit_path(hypertension), {
        "icd10_prefixes": "I10\nhigh pressure\nI11", "synonyms": "HTN"})

    page = text(response)
    assert response.status_code == 422
    assert field_errors(page, "icd10_prefixes") == [
        'Line 2, "high pressure": Not an ICD-10-CM code or prefix.']
    assert textarea(page, "icd10_prefixes") == "I10\nhigh pressure\nI11"
    assert entry(session, Condition, "hypertension").icd10_prefixes == hypertension.icd10_prefixes


def test_required_fields_and_numbers_are_checked_by_the_catalog_schema(curator):
    response = post_form(curator, NEW_CERTIFICATION, {
        **CERTIFICATION, "code": "ace mes", "name": "  ", "renewal_years": "two"})

    page = text(response)
    assert response.status_code == 422
    assert field_errors(page, "code") == ["Use capitals, digits and hyphens."]
    assert field_errors(page, "name") == ["Missing data for required field."]
    assert field_errors(page, "renewal_years") == ["Not a valid integer."]
    assert 'value="ace mes"' in page and 'value="two"' in page


def test_an_alias_another_certification_uses_is_refused_naming_it(curator, session):
    response = post_form(curator, NEW_CERTIFICATION, {
        **CERTIFICATION, "aliases": "ACE SFS\nacsm cep"})

    assert response.status_code == 422
    assert field_errors(text(response), "aliases") == [
        '"acsm cep" is already used by Certified Clinical Exercise Physiologist (ACSM-CEP).']
    assert session.scalar(select(Certification).filter_by(code="ACE-SFS")) is None


def test_a_clash_is_reported_with_the_other_fields_problems(curator):
    response = post_form(curator, NEW_CERTIFICATION, {
        **CERTIFICATION, "level": "wizard", "aliases": "ACE SFS\nACSM CEP"})

    page = text(response)
    assert field_errors(page, "level") == [
        "Must be one of: general, specialist, clinical, performance."]
    assert field_errors(page, "aliases") == [
        '"ACSM CEP" is already used by Certified Clinical Exercise Physiologist (ACSM-CEP).']


def test_a_code_already_in_use_is_refused(curator):
    response = post_form(curator, NEW_CERTIFICATION, {**CERTIFICATION, "code": "ACSM-CEP"})

    assert response.status_code == 422
    assert field_errors(text(response), "code") == [
        '"ACSM-CEP" is already used by Certified Clinical Exercise Physiologist (ACSM-CEP).']


def test_a_synonym_another_condition_uses_is_refused_naming_it(curator, session):
    obesity = entry(session, Condition, "obesity")

    response = post_form(curator, edit_path(obesity), {
        "synonyms": "obese\nHigh Blood Pressure", "icd10_prefixes": "E66"})

    assert response.status_code == 422
    assert field_errors(text(response), "synonyms") == [
        '"High Blood Pressure" is already used by Hypertension (hypertension).']
    assert "high blood pressure" not in entry(session, Condition, "obesity").synonyms


def test_a_new_condition_named_as_another_ones_synonym_is_refused(curator):
    response = post_form(curator, NEW_CONDITION, {**CONDITION, "name": "HTN"})

    assert field_errors(text(response), "name") == [
        '"HTN" is already used by Hypertension (hypertension).']


def test_an_entry_keeps_its_own_names_when_edited(curator, session):
    hypertension = entry(session, Condition, "hypertension")

    response = post_form(curator, edit_path(hypertension), {
        "name": "hypertension", "synonyms": "HYPERTENSION\nHTN",
        "icd10_prefixes": "I10"})

    assert response.status_code == 302
    assert entry(session, Condition, "hypertension").name == "hypertension"


def test_an_entry_whose_stored_code_breaks_the_rules_says_so_above_the_form(curator, session):
    # Written around the loader: the code is not on the form, so the message stands alone.
    legacy = Condition(code="Legacy_Code", name="Legacy", category=ConditionCategory.AGING,
                       risk_tier=RiskTier.LOW)
    session.add(legacy)
    session.commit()

    response = post_form(curator, edit_path(legacy), {"name": "Legacy condition"})

    assert response.status_code == 422
    assert re.search(r'<p class="error" role="alert">code: String does not match expected '
                     r"pattern.</p>", text(response))


def test_posts_without_the_csrf_token_are_refused(curator, session):
    hypertension = entry(session, Condition, "hypertension")
    before = audit_count(session)

    assert curator.post(NEW_CONDITION, data=CONDITION).status_code == 400
    assert curator.post(edit_path(hypertension), data={"risk_tier": "high"}).status_code == 400
    assert audit_count(session) == before


# History


def test_an_edit_is_audited_with_before_after_and_the_curator(curator, session):
    cep = entry(session, Certification, "ACSM-CEP")

    post_form(curator, edit_path(cep), {"renewal_years": "5", "level": "specialist"})

    *_, event = events(session, cep)
    assert (event.action, event.actor_id, event.actor_role) == (
        "update", curator.user.id, "curator")
    assert {k: event.changes[k] for k in ("renewal_years", "level")} == {
        "renewal_years": {"before": 3, "after": 5},
        "level": {"before": "clinical", "after": "specialist"}}


def test_the_edit_page_shows_who_changed_what(curator, session):
    hypertension = entry(session, Condition, "hypertension")
    post_form(curator, edit_path(hypertension), {
        "synonyms": "high blood pressure\npressure trouble", "icd10_prefixes": "I10"})

    page = text(curator.get(edit_path(hypertension)))

    history = page.split('id="history-title"')[1]
    newest = re.search(r"<tbody>\s*<tr>(.*?)</tr>", history, re.S).group(1)
    assert f"<td>{curator.user.email}</td><td>update</td>" in newest
    assert re.search(r"<code>synonyms</code></dt>\s*<dd>high blood pressure; HBP; HTN; elevated "
                     r"blood pressure; hypertensive disease .*?</span> high blood pressure; "
                     r"pressure trouble</dd>", newest, re.S)
    assert "updated_at" not in history
    assert "<td>system</td><td>create</td>" in history  # loaded by flask catalogs load


def test_the_history_shows_the_last_ten_changes_newest_first(curator, session):
    cep = entry(session, Certification, "ACSM-CEP")
    for version in range(1, 12):
        post_form(curator, edit_path(cep), {"description": f"Version {version}"})

    history = text(curator.get(edit_path(cep))).split('id="history-title"')[1]

    rows = re.findall(r"<code>description</code></dt>\s*<dd>.*?Version (\d+)</dd>", history, re.S)
    assert [int(version) for version in rows] == list(range(11, 1, -1))
    assert "<td>create</td>" not in history


# Search follows the catalog


def test_an_added_synonym_is_understood_by_the_search_page(curator, session):
    add_trainers(session, trainer_payload(last_name="Keller",
                                          conditions=[experience("hypertension")]))
    search = "/search?near=10001&condition=pressure+trouble"
    assert curator.get(search).status_code == 422
    hypertension = entry(session, Condition, "hypertension")

    post_form(curator, edit_path(hypertension), {
        "synonyms": "\n".join([*hypertension.synonyms, "pressure trouble"]),
        "icd10_prefixes": "\n".join(hypertension.icd10_prefixes)})

    response = curator.get(search)
    page = text(response)
    assert response.status_code == 200
    assert "Read as: “pressure trouble” → Hypertension" in page
    assert "Keller" in page


def test_saving_says_when_free_text_search_awaits_a_reindex(curator, session):
    add_trainers(session, trainer_payload())  # writes, and so creates, the search index
    hypertension = entry(session, Condition, "hypertension")

    response = post_form(curator, edit_path(hypertension), {
        "synonyms": "pressure trouble", "icd10_prefixes": "I10"}, follow_redirects=True)

    assert flashes(text(response))[1].endswith(
        "free-text search finds trainers by the old names until the search index is rebuilt "
        "(flask search reindex).")


# Who may use the pages

ROUTES = [LIST, NEW_CERTIFICATION, NEW_CONDITION, "/manage/catalogs/certifications/{cert}",
          "/manage/catalogs/conditions/{condition}"]
POSTS = {NEW_CERTIFICATION: CERTIFICATION, NEW_CONDITION: CONDITION,
         "/manage/catalogs/certifications/{cert}": {"renewal_years": "6"},
         "/manage/catalogs/conditions/{condition}": {"risk_tier": "high",
                                                     "icd10_prefixes": "I10"}}


def signed_in_as(client, session, user_factory, role: str) -> str:
    """Sign in as `role` (anonymous: not at all); return a CSRF token of the session."""
    if role == "anonymous":
        return csrf_token(client, "/login")
    trainer = make_trainer(session, email=f"{role}@example.com") if role == "trainer" else None
    sign_in(client, user_factory(role, trainer=trainer).email)
    return csrf_token(client, "/account")


def route_paths(session) -> dict[str, str]:
    ids = {"cert": entry(session, Certification, "ACSM-CEP").id,
           "condition": entry(session, Condition, "hypertension").id}
    return {route: route.format(**ids) for route in ROUTES}


@pytest.mark.parametrize("role", ["anonymous", "patient", "doctor", "trainer"])
def test_only_curators_and_admins_may_use_the_pages(client, session, user_factory, role):
    token = signed_in_as(client, session, user_factory, role)
    paths = route_paths(session)
    before = audit_count(session)

    for path in paths.values():
        response = client.get(path)
        if role == "anonymous":
            assert (response.status_code, response.location) == (302, f"/login?next={path}")
        else:
            assert response.status_code == 403, path
    for route, data in POSTS.items():
        response = client.post(paths[route], data={**data, "csrf_token": token})
        assert response.status_code == (302 if role == "anonymous" else 403), route
    assert audit_count(session) == before


@pytest.mark.parametrize("role", ["curator", "admin"])
def test_curators_and_admins_may_read_and_save(client, session, user_factory, role):
    token = signed_in_as(client, session, user_factory, role)
    paths = route_paths(session)

    for path in paths.values():
        assert client.get(path).status_code == 200, path
    for route, data in POSTS.items():
        response = client.post(paths[route], data={**data, "csrf_token": token})
        assert response.status_code == 302, (route, text(response))
    assert entry(session, Certification, "ACSM-CEP").renewal_years == 6
    assert entry(session, Condition, "hypertension").risk_tier is RiskTier.HIGH
