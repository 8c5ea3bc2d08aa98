"""ReferFit's web app: the trainer directory, its API and its pages."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from flask import Flask

from directory.config import config_from_env, engine_options
from directory.errors import register_error_handlers
from directory.extensions import api, csrf, db, limiter, migrate
from directory.jobs import init_jobs
from directory.labels import register_labels
from directory.pagination import page_url
from directory.security import register_security

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def create_app(config: Mapping | None = None) -> Flask:
    """Build the app; `config` overrides settings read from the environment."""
    app = Flask(__name__)
    app.config.update(config_from_env(app.instance_path))
    app.config.update(config or {})
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = engine_options(app.config)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    register_security(app)
    register_extensions(app)
    register_blueprints(app)
    register_error_handlers(app)
    register_commands(app)
    return app


def register_extensions(app: Flask) -> None:
    from directory import models  # noqa: F401  (the metadata must know every table)
    from directory.accounts.auth import register_authentication
    from directory.notifications.services import check_mail_settings
    from directory.search import sync  # noqa: F401  (keeps the index in step on commit)

    db.init_app(app)
    # Batch mode lets Alembic alter tables on SQLite, which has little ALTER TABLE.
    migrate.init_app(app, db, directory=str(MIGRATIONS_DIR), render_as_batch=True,
                     compare_type=True)
    api.init_app(app)
    csrf.init_app(app)
    limiter.init_app(app)
    check_mail_settings(app)
    register_authentication(app)
    init_jobs(app)


def register_blueprints(app: Flask) -> None:
    from directory.accounts.pages import blp as account_pages
    from directory.accounts.views import auth_blp, trainer_account_blp, users_blp
    from directory.audit.pages import blp as audit_pages
    from directory.audit.views import blp as audit_api
    from directory.catalogs.pages import blp as catalog_pages
    from directory.claims.pages import blp as claim_pages
    from directory.conditions.views import blp as conditions_api
    from directory.credentials.pages import blp as credential_pages
    from directory.credentials.views import blp as certifications_api
    from directory.credentials.views import credentials_blp
    from directory.doctors.pages import blp as doctor_pages
    from directory.duplicates.pages import blp as duplicate_pages
    from directory.duplicates.views import blp as duplicates_api
    from directory.geo.views import blp as geocode_api
    from directory.home.health import blp as health_checks
    from directory.home.pages import blp as home_pages
    from directory.imports.pages import blp as import_pages
    from directory.imports.views import imports_blp, reviews_blp
    from directory.matches.pages import blp as match_pages
    from directory.matches.views import blp as matches_api
    from directory.notifications.pages import blp as notification_pages
    from directory.referrals.pages import blp as referral_pages
    from directory.referrals.views import blp as referrals_api
    from directory.referrals.views import screening_blp
    from directory.search.pages import blp as search_pages
    from directory.trainers.pages import blp as trainer_pages
    from directory.trainers.views import blp as trainers_api

    for blueprint in (trainers_api, trainer_account_blp, credentials_blp, certifications_api,
                      conditions_api, geocode_api, matches_api, auth_blp, users_blp, audit_api,
                      imports_blp, reviews_blp, duplicates_api, referrals_api, screening_blp):
        api.register_blueprint(blueprint)
        # The API authenticates with bearer tokens, never cookies, so CSRF cannot reach it.
        csrf.exempt(blueprint)
    for blueprint in (home_pages, search_pages, match_pages, import_pages, referral_pages,
                      trainer_pages, credential_pages, catalog_pages, audit_pages,
                      notification_pages, duplicate_pages, doctor_pages, claim_pages,
                      health_checks):
        app.register_blueprint(blueprint)
    register_labels(app)
    app.add_template_global(page_url)  # the pager macro's links (templates/_pager.html)
    app.register_blueprint(account_pages)


def register_commands(app: Flask) -> None:
    from directory.accounts.cli import users_cli
    from directory.catalogs.cli import catalogs_cli
    from directory.demo.cli import demo_cli
    from directory.doctors.cli import npi_cli
    from directory.imports.cli import credentials_cli
    from directory.jobs import jobs_cli
    from directory.notifications.cli import notifications_cli
    from directory.search.cli import search_cli
    from directory.trainers.cli import trainers_cli

    for group in (catalogs_cli, demo_cli, users_cli, search_cli, credentials_cli,
                  notifications_cli, trainers_cli, jobs_cli, npi_cli):
        app.cli.add_command(group)
