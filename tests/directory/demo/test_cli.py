from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from directory.accounts.models import Role
from directory.accounts.services import authenticate, find_user
from directory.conditions.models import TrainerConditionExperience
from directory.config import REPO_ROOT
from directory.credentials.models import Credential
from directory.demo.services import DEMO_PASSWORD, demo_directory
from directory.trainers.models import Trainer


def demo_load(app, count: int, seed: int = 3):
    args = ["demo", "load", "--count", str(count), "--seed", str(seed), "--as-of", "2025-06-01"]
    return app.test_cli_runner().invoke(args=args)


def count_of(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


def test_load_adds_the_requested_trainers(app, session):
    result = demo_load(app, 50)
    assert result.exit_code == 0, result.output
    assert "Demo directory (seed 3): 50 trainers added, 0 already present." in result.output
    assert count_of(session, Trainer) == 50
    assert count_of(session, Credential) >= 50
    assert count_of(session, TrainerConditionExperience) > 0


def test_loaded_trainers_are_the_generated_ones(app, session):
    demo_load(app, 20)
    expected = demo_directory(session, 3, date(2025, 6, 1), REPO_ROOT / "data").trainer(17)
    trainer = session.scalar(select(Trainer).filter_by(external_ref="demo:3:17"))
    assert trainer.email == expected.trainer["email"]
    assert [c.credential_number for c in trainer.credentials] == [
        c["credential_number"] for c in expected.credentials]
    assert len(trainer.condition_experience) == len(expected.conditions)


def test_second_load_adds_nothing(app, session):
    demo_load(app, 50)
    result = demo_load(app, 50)
    assert result.exit_code == 0, result.output
    assert "0 trainers added, 50 already present." in result.output
    assert count_of(session, Trainer) == 50


def test_larger_count_adds_only_the_missing_trainers(app, session):
    demo_load(app, 50)
    first_ids = set(session.scalars(select(Trainer.id)))
    result = demo_load(app, 80)
    assert result.exit_code == 0, result.output
    assert "30 trainers added, 50 already present." in result.output
    assert count_of(session, Trainer) == 80
    assert first_ids <= set(session.scalars(select(Trainer.id)))


def test_another_seed_adds_other_trainers(app, session):
    demo_load(app, 10)
    result = demo_load(app, 10, seed=4)
    assert "10 trainers added" in result.output
    assert count_of(session, Trainer) == 20


def test_load_without_catalogs_fails_clearly(app, session, empty_catalogs):
    result = demo_load(app, 5)
    assert result.exit_code != 0
    assert "Load the catalogs first" in result.output
    assert count_of(session, Trainer) == 0


def test_loaded_trainer_is_served_by_the_api(app, client, session):
    demo_load(app, 30)
    trainer_id = session.scalars(
        select(TrainerConditionExperience.trainer_id).order_by(TrainerConditionExperience.id)
    ).first()
    response = client.get(f"/api/v1/trainers/{trainer_id}")
    assert response.status_code == 200, response.json
    body = response.json
    assert body["credentials"] and body["conditions"]
    assert body["location"]["precision"] == "postal_code"
    assert all(c["credential_number"].startswith("3-") for c in body["credentials"])


def test_demo_accounts_cover_every_role_and_link_the_trainer(app, session):
    run(app, "demo", "load", "--count", "5")
    first = run(app, "demo", "accounts")
    assert first.exit_code == 0, first.output
    assert "password 'referfit-demo'" in first.output
    trainer = find_user(session, "trainer@demo.referfit.test")
    assert trainer.trainer_id == session.scalar(select(Trainer.id).order_by(Trainer.id))
    assert authenticate(session, "admin@demo.referfit.test", DEMO_PASSWORD).role is Role.ADMIN
    # The demo doctor's referrals say who referred, as a real doctor's do.
    assert find_user(session, "doctor@demo.referfit.test").doctor_profile.signature == (
        "Dana Reyes, MD")
    again = run(app, "demo", "accounts")
    assert again.output.count("(already there)") == 5


def test_demo_accounts_are_refused_in_production(app, session):
    app.config["ENV_NAME"] = "production"
    refused = run(app, "demo", "accounts")
    assert refused.exit_code != 0
    assert "not in production" in refused.output
    assert find_user(session, "admin@demo.referfit.test") is None


def run(app, *args):
    return app.test_cli_runner().invoke(args=list(args))
