"""The seam between referrals and matching: typed in, typed out, and a stored ranking in
its own shape; pages get data, never a services module."""

from __future__ import annotations

import types

import pytest
from flask import template_rendered

from directory.db import today
from directory.errors import InvalidInput
from directory.matches.services import MatchAnswer, NotUnderstood, describe
from directory.referrals import ranking
from directory.referrals.schemas import PreferencesSchema, ReferralCreateSchema
from directory.referrals.services import create_referral
from directory.search.sync import search_snapshots
from matching.types import Preferences, Referral
from tests.factories import referral_body
from tests.web import csrf_token, sign_in


def rank(session, place="60614", conditions=("type 2 diabetes",)):
    return ranking.rank(session, search_snapshots().current(session, today()), today(),
                        place, list(conditions), PreferencesSchema().load({"max_distance": 10}))


def test_a_referral_is_ranked_as_the_engines_own_referral_into_a_typed_answer(
        session, trainers):
    answer = rank(session)
    assert isinstance(answer, MatchAnswer) and isinstance(answer.request.referral, Referral)
    assert [c.code for c in answer.request.referral.conditions] == ["type-2-diabetes"]
    assert set(answer.ranked_ids()) == {t.id for t in trainers}
    kept = ranking.stored(answer)
    assert [m["trainer"]["id"] for m in kept["matches"]] == answer.ranked_ids()
    assert kept["place"] == answer.request.place.label


@pytest.mark.parametrize(("place", "conditions", "errors"), [
    ("Atlantis, ZZ", ["type 2 diabetes"], {"patient"}),
    ("60614", ["dragon pox"], {"conditions"}),
    ("Atlantis, ZZ", ["dragon pox"], {"patient", "conditions"}),
])
def test_what_matching_does_not_understand_is_named_as_the_referral_has_it(
        session, trainers, place, conditions, errors):
    with pytest.raises(NotUnderstood):
        describe(session, place, conditions, Preferences())
    with pytest.raises(InvalidInput) as refused:
        rank(session, place, conditions)
    assert set(refused.value.errors) == errors
    if "patient" in errors:
        assert refused.value.errors["patient"]["place"]


def test_the_referral_pages_receive_data_and_no_services_module(app, client, session,
                                                                 trainers, user_factory):
    rendered = []

    def record(_sender, template, context, **_extra):
        rendered.append((template.name, context))

    doctor = user_factory("doctor")
    sign_in(client, doctor.email)
    referral = create_referral(session, doctor, ReferralCreateSchema().load(
        referral_body(shortlist=[trainers[0].id], send=True)),
        search_snapshots().current(session, today()), today())
    session.commit()
    with template_rendered.connected_to(record, app):
        for path in ("/referrals", f"/referrals/{referral.id}", "/referrals/new",
                     f"/referrals/{referral.id}/letter"):
            assert client.get(path).status_code == 200
        client.post("/referrals/new", data={"csrf_token": csrf_token(client, "/referrals/new"),
                                            "patient_name": "Pat"})
    assert {name for name, _ in rendered} >= {"referrals/dashboard.html",
                                             "referrals/detail.html", "referrals/new.html"}
    for name, context in rendered:
        modules = [key for key, value in context.items() if isinstance(value, types.ModuleType)]
        assert modules == [], (name, modules)
