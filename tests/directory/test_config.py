from directory import create_app
from directory.config import DEV_SECRET_KEY, config_from_env, engine_options, normalize_database_url
from directory.extensions import db


def test_defaults_are_safe_for_development(tmp_path):
    config = config_from_env(str(tmp_path), env={})
    assert config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'referfit.sqlite3'}"
    assert config["SECRET_KEY"] == DEV_SECRET_KEY
    assert config["GEOCODER"] == "offline"
    assert config["SEARCH_INDEX_DIR"] == str(tmp_path / "search-index")


def test_environment_overrides_defaults(tmp_path):
    config = config_from_env(str(tmp_path), env={
        "DATABASE_URL": "postgresql://u@db/referfit", "SECRET_KEY": "s3cret",
        "GEOCODER": "nominatim", "SEARCH_INDEX_DIR": "/srv/index"})
    assert config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@db/referfit"
    assert config["SECRET_KEY"] == "s3cret"
    assert config["GEOCODER"] == "nominatim"
    assert config["SEARCH_INDEX_DIR"] == "/srv/index"


def test_postgres_urls_use_psycopg3():
    assert normalize_database_url("postgres://h/db") == "postgresql+psycopg://h/db"
    assert normalize_database_url("postgresql+psycopg://h/db") == "postgresql+psycopg://h/db"
    assert normalize_database_url("sqlite:///x.db") == "sqlite:///x.db"


def test_create_app_applies_overrides():
    app = create_app({"SECRET_KEY": "override", "TESTING": True})
    assert app.config["SECRET_KEY"] == "override"


def test_sqlite_writes_wait_ten_seconds_for_a_lock_and_the_queue_is_embedded(tmp_path):
    config = config_from_env(str(tmp_path), env={})
    assert config["JOBS_URL"] == f"sqlite:///{tmp_path / 'jobs.sqlite3'}"
    assert config["JOBS_IMMEDIATE"] is False
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'x.sqlite3'}"})
    with app.app_context(), db.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == 10_000


def test_postgresql_gets_no_sqlite_options(tmp_path):
    config = config_from_env(str(tmp_path), env={"JOBS_URL": "redis://127.0.0.1:6379/1"})
    config["SQLALCHEMY_DATABASE_URI"] = "postgresql+psycopg://u@db/x"
    assert "connect_args" not in engine_options(config)
    assert config["JOBS_URL"] == "redis://127.0.0.1:6379/1"
