from __future__ import annotations

from sqlalchemy import func, select

from directory.conditions.models import Condition
from directory.credentials.models import Certification
from directory.db import utcnow
from tests.directory.catalogs.editing import edited_data


def load(app):
    return app.test_cli_runner().invoke(args=["catalogs", "load"])


def test_load_prints_what_it_created(app, session, empty_catalogs):
    result = load(app)
    assert result.exit_code == 0, result.output
    conditions = session.scalar(select(func.count()).select_from(Condition))
    assert conditions >= 25
    assert result.output.splitlines() == [
        "certification: 13 created, 0 updated, 0 unchanged",
        f"condition: {conditions} created, 0 updated, 0 unchanged",
    ]


def test_second_load_reports_no_change(app):
    load(app)
    result = load(app)
    assert result.exit_code == 0, result.output
    assert [line.split(", ")[:2] for line in result.output.splitlines()] == [
        ["certification: 0 created", "0 updated"], ["condition: 0 created", "0 updated"]]


def test_broken_data_fails_and_says_nothing_changed(app, session, empty_catalogs, tmp_path):
    app.config["DATA_DIR"] = str(edited_data(tmp_path, "certifications.toml",
                                             'level = "general"', 'level = "wizard"'))
    result = load(app)
    assert result.exit_code != 0
    assert "certifications.toml" in result.output
    assert result.output.rstrip().endswith("Nothing was changed.")
    assert session.scalar(select(func.count()).select_from(Certification)) == 0


def test_reset_edits_puts_the_files_values_back(app, session):
    load(app)
    cep = session.scalar(select(Certification).filter_by(code="ACSM-CEP"))
    cep.renewal_years, cep.edited_at = 9, utcnow()
    session.commit()
    assert "kept the app's edits to ACSM-CEP" in load(app).output
    reset = app.test_cli_runner().invoke(args=["catalogs", "load", "--reset-edits"])
    assert reset.output.startswith("certification: 0 created, 1 updated")
    session.refresh(cep)
    assert cep.renewal_years != 9 and cep.edited_at is None
