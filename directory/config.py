"""Configuration from environment variables, with safe development defaults."""

from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DEV_SECRET_KEY = "dev-only-insecure-secret-key"


def normalize_database_url(url: str) -> str:
    """Point plain PostgreSQL URLs at psycopg 3, the driver ReferFit ships with."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def engine_options(config: dict) -> dict:
    """The engine's options for the database the settings name."""
    options = dict(config["SQLALCHEMY_ENGINE_OPTIONS"])
    if config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        options["connect_args"] = {"timeout": config["SQLITE_BUSY_TIMEOUT_SECONDS"],
                                   **options.get("connect_args", {})}
    return options


def config_from_env(instance_path: str, env: dict[str, str] | None = None) -> dict:
    """Build the app's settings from the environment (see .env.example)."""
    env = dict(os.environ if env is None else env)
    instance = Path(instance_path)
    database_url = env.get("DATABASE_URL") or f"sqlite:///{instance / 'referfit.sqlite3'}"
    production = env.get("REFERFIT_ENV", "development") == "production"
    return {
        # "production" turns on Secure cookies and refuses the development secret.
        "ENV_NAME": "production" if production else "development",
        "SECRET_KEY": env.get("SECRET_KEY") or DEV_SECRET_KEY,
        "SESSION_COOKIE_SECURE": production,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": production,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "MAX_CONTENT_LENGTH": int(env.get("MAX_CONTENT_LENGTH", 5 * 1024 * 1024)),
        # Credential-list uploads only (50,000 rows of CSV is about 5 MiB).
        "IMPORT_MAX_BYTES": int(env.get("IMPORT_MAX_BYTES", 20 * 1024 * 1024)),
        # How many reverse proxies in front set X-Forwarded-For/-Proto: with 0 (direct
        # serving) those headers are ignored, since clients could forge them.
        "TRUSTED_PROXIES": int(env.get("TRUSTED_PROXIES", "0")),
        # memory:// suits one process; give a redis:// URL when running several.
        "RATELIMIT_STORAGE_URI": env.get("RATELIMIT_STORAGE_URI", "memory://"),
        "RATELIMIT_HEADERS_ENABLED": True,
        # Redis down: count in this process's memory (per process, so looser) and log a
        # warning, rather than refuse every sign-in with a 500; retried as Redis returns.
        "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
        "RATELIMIT_SWALLOW_ERRORS": True,
        # Never wait long for an unreachable Redis.
        "RATELIMIT_STORAGE_OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        # Sign-in (directory/accounts/limits.py): failures on one account from one
        # address; every attempt from one address; failures on one account from anywhere.
        "LOGIN_RATE_LIMIT": env.get("LOGIN_RATE_LIMIT", "5 per minute; 30 per hour"),
        "LOGIN_ADDRESS_RATE_LIMIT": env.get("LOGIN_ADDRESS_RATE_LIMIT",
                                            "20 per minute; 200 per hour"),
        "LOGIN_ACCOUNT_RATE_LIMIT": env.get("LOGIN_ACCOUNT_RATE_LIMIT",
                                            "50 per hour; 200 per day"),
        "REGISTER_RATE_LIMIT": env.get("REGISTER_RATE_LIMIT", "10 per hour"),
        # Each correction request emails every curator.
        "CORRECTION_RATE_LIMIT": env.get("CORRECTION_RATE_LIMIT", "10 per hour"),
        # Each self-referral emails the trainer asked.
        "SELF_REFERRAL_RATE_LIMIT": env.get("SELF_REFERRAL_RATE_LIMIT", "5 per hour; 10 per day"),
        # Messages on a referral (each may email its other parties).
        "MESSAGE_RATE_LIMIT": env.get("MESSAGE_RATE_LIMIT", "30 per hour; 200 per day"),
        # A sent referral the trainer has not opened for this long: the doctor is told,
        # and may send it to the next trainer on the short list.
        "REFERRAL_UNOPENED_DAYS": int(env.get("REFERRAL_UNOPENED_DAYS", "3")),
        "SQLALCHEMY_DATABASE_URI": normalize_database_url(database_url),
        # The background jobs' queue (directory/jobs.py): a SQLite file beside the
        # directory's by default, or redis://host:6379/1 where Redis runs.
        "JOBS_URL": env.get("JOBS_URL") or f"sqlite:///{instance / 'jobs.sqlite3'}",
        # Run each job at once where it is queued, with no worker (tests).
        "JOBS_IMMEDIATE": env.get("JOBS_IMMEDIATE", "false").lower() == "true",
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        # How long a SQLite write waits for another's lock (an import applies in a few
        # seconds) before it fails: well inside gunicorn's 30 s request timeout.
        "SQLITE_BUSY_TIMEOUT_SECONDS": float(env.get("SQLITE_BUSY_TIMEOUT_SECONDS", "10")),
        # A change missing from the search index this long (a crash between a commit and
        # its index write) is written in by the next search (search/sync.py).
        "SEARCH_CATCH_UP_SECONDS": float(env.get("SEARCH_CATCH_UP_SECONDS", "10")),
        "SEARCH_INDEX_DIR": env.get("SEARCH_INDEX_DIR", str(instance / "search-index")),
        "DATA_DIR": env.get("DATA_DIR", str(REPO_ROOT / "data")),
        # "offline" (the bundled US gazetteer) or the name of a geopy geocoder,
        # e.g. "nominatim", for deployments with network access.
        "GEOCODER": env.get("GEOCODER", "offline"),
        "GEOCODER_USER_AGENT": env.get("GEOCODER_USER_AGENT", "referfit"),
        "GEOCODER_MIN_DELAY_SECONDS": float(env.get("GEOCODER_MIN_DELAY_SECONDS", "1.0")),
        "API_TITLE": "ReferFit API",
        "API_VERSION": "v1",
        "OPENAPI_VERSION": "3.0.3",
        "OPENAPI_URL_PREFIX": "/api",
        "OPENAPI_JSON_PATH": "openapi.json",
        "API_SPEC_OPTIONS": {
            "info": {
                "description": "Find trainers qualified for clinical exercise referrals. "
                "Errors come back as JSON with code, status, message and, "
                "for invalid input, per-field errors."
            }
        },
        "MAX_PAGE_SIZE": 100,
        # Email: "outbox" (the default) only records messages, for admins to read at
        # /admin/outbox; "smtp" also sends them through the MAIL_* server below.
        "MAIL_BACKEND": env.get("MAIL_BACKEND", "outbox"),
        "MAIL_SERVER": env.get("MAIL_SERVER", "localhost"),
        "MAIL_PORT": int(env.get("MAIL_PORT", "25")),
        "MAIL_USE_TLS": env.get("MAIL_USE_TLS", "false").lower() == "true",
        "MAIL_USE_SSL": env.get("MAIL_USE_SSL", "false").lower() == "true",
        "MAIL_USERNAME": env.get("MAIL_USERNAME") or None,
        "MAIL_PASSWORD": env.get("MAIL_PASSWORD") or None,
        "MAIL_TIMEOUT_SECONDS": float(env.get("MAIL_TIMEOUT_SECONDS", "10")),
        "MAIL_DEFAULT_SENDER": env.get("MAIL_DEFAULT_SENDER", "ReferFit <no-reply@referfit.test>"),
        # Where links in emails point: the address people reach this site at.
        "SITE_URL": env.get("SITE_URL", "http://127.0.0.1:5000"),
        # Not read from the environment: only tests, through create_app(), lower it.
        "PASSWORD_HASH_METHOD": "scrypt",
    }
