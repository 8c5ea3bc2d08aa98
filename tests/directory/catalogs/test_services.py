from __future__ import annotations

import pytest
from sqlalchemy import func, select

from directory.catalogs.services import (
    CATALOGS,
    CatalogError,
    load_catalogs,
    read_catalog,
    update_entry,
)
from directory.conditions.models import Condition
from directory.conditions.schemas import ConditionSchema
from directory.credentials.models import Certification
from matching.types import CredentialLevel
from tests.directory.catalogs.editing import DATA_DIR, edited_data

CONDITION_COUNT = len(read_catalog(DATA_DIR, CATALOGS[1]))


def counts(session) -> tuple[int, int]:
    return tuple(session.scalar(select(func.count()).select_from(model))
                 for model in (Certification, Condition))


def summaries(reports) -> list[str]:
    return [report.summary() for report in reports]


def test_first_load_creates_every_certification_and_condition(session, empty_catalogs):
    reports = load_catalogs(session, DATA_DIR)
    assert summaries(reports) == [
        "certification: 13 created, 0 updated, 0 unchanged",
        f"condition: {CONDITION_COUNT} created, 0 updated, 0 unchanged",
    ]
    assert counts(session) == (13, CONDITION_COUNT)
    cep = session.scalar(select(Certification).filter_by(code="ACSM-CEP"))
    assert cep.level is CredentialLevel.CLINICAL and "ACSM CEP" in cep.aliases


def test_second_load_changes_nothing(session):
    reports = load_catalogs(session, DATA_DIR)
    assert summaries(reports) == [
        "certification: 0 created, 0 updated, 13 unchanged",
        f"condition: 0 created, 0 updated, {CONDITION_COUNT} unchanged",
    ]
    assert counts(session) == (13, CONDITION_COUNT)


def test_edited_entry_updates_its_row_and_is_reported(session, tmp_path):
    data = edited_data(tmp_path, "conditions.toml",
                       'name = "Type 2 diabetes"', 'name = "Type 2 diabetes mellitus"')
    certifications, conditions = load_catalogs(session, data)
    session.commit()
    assert certifications.updated == [] and certifications.unchanged == 13
    assert conditions.created == [] and conditions.updated == ["type-2-diabetes"]
    assert session.scalar(select(Condition.name).filter_by(code="type-2-diabetes")) == (
        "Type 2 diabetes mellitus")
    assert counts(session) == (13, CONDITION_COUNT)


def test_entry_removed_from_the_file_is_kept(session, tmp_path):
    data = edited_data(tmp_path, "certifications.toml", 'code = "EIM"', 'code = "EIM-2"')
    (certifications, _) = load_catalogs(session, data)
    assert certifications.created == ["EIM-2"]
    assert session.scalar(select(Certification).filter_by(code="EIM")) is not None


@pytest.mark.parametrize(("filename", "old", "new", "entry", "field"), [
    ("certifications.toml", 'level = "clinical"', 'level = "wizard"', "ACSM-CEP", "level"),
    ("conditions.toml", 'icd10_prefixes = ["E11"]', 'icd10_prefixes = ["E11", "diabetes"]',
     "type-2-diabetes", "icd10_prefixes"),
    ("certifications.toml", 'renewal_years = 3', 'renewal_yrs = 3', "ACSM-CEP", "renewal_yrs"),
])
def test_invalid_entry_names_file_entry_and_field_and_writes_nothing(
        session, empty_catalogs, tmp_path, filename, old, new, entry, field):
    data = edited_data(tmp_path, filename, old, new)
    with pytest.raises(CatalogError) as raised:
        load_catalogs(session, data)
    message = str(raised.value)
    assert filename in message and f"({entry})" in message and field in message
    assert counts(session) == (0, 0)


def test_invalid_condition_does_not_apply_a_valid_certification_edit(session, tmp_path):
    data = edited_data(tmp_path, "certifications.toml",
                       "renewal_years = 3", "renewal_years = 4")
    conditions = (data / "conditions.toml").read_text(encoding="utf-8")
    (data / "conditions.toml").write_text(conditions.replace('"high"', '"extreme"', 1),
                                          encoding="utf-8")
    with pytest.raises(CatalogError, match="conditions.toml"):
        load_catalogs(session, data)
    session.expire_all()
    assert session.scalar(select(Certification.renewal_years).filter_by(code="ACSM-CEP")) == 3


def test_synonym_shared_by_two_conditions_is_rejected(session, empty_catalogs, tmp_path):
    data = edited_data(tmp_path, "conditions.toml",
                       '"insulin-dependent diabetes"]', '"insulin-dependent diabetes", "Diabetes"]')
    with pytest.raises(CatalogError, match="used by more than one entry: diabetes"):
        load_catalogs(session, data)
    assert counts(session) == (0, 0)


def test_broken_toml_syntax_is_a_catalog_error(session, empty_catalogs, tmp_path):
    data = edited_data(tmp_path, "conditions.toml", "[[condition]]", "[[condition]")
    with pytest.raises(CatalogError, match="conditions.toml"):
        load_catalogs(session, data)
    assert counts(session) == (0, 0)


@pytest.mark.parametrize("text", ['[certification]\ncode = "X"\n', "certification = [1]\n",
                                  "", '[[certifications]]\ncode = "X"\n'],
                         ids=["table-not-array", "array-of-numbers", "empty", "misnamed"])
def test_catalog_of_the_wrong_shape_is_a_catalog_error(tmp_path, text):
    (tmp_path / "certifications.toml").write_text(text, encoding="utf-8")
    with pytest.raises(CatalogError, match="certifications.toml"):
        read_catalog(tmp_path, CATALOGS[0])


def test_a_load_keeps_an_entry_a_curator_edited_unless_told_to_reset(session):
    catalog = CATALOGS[1]
    row = session.scalar(select(Condition).filter_by(code="hypertension"))
    update_entry(session, catalog, row, {**ConditionSchema().dump(row),
                                         "synonyms": [*row.synonyms, "pressure trouble"]})
    session.commit()
    assert row.edited_at is not None
    _, conditions = load_catalogs(session, DATA_DIR)
    assert conditions.kept == ["hypertension"] and conditions.updated == []
    assert "kept the app's edits to hypertension (--reset-edits" in conditions.summary()
    assert "pressure trouble" in row.synonyms
    _, conditions = load_catalogs(session, DATA_DIR, reset_edits=True)
    assert conditions.updated == ["hypertension"]
    assert "pressure trouble" not in row.synonyms and row.edited_at is None


def test_an_unchanged_save_does_not_mark_the_entry_edited(session):
    row = session.scalar(select(Condition).filter_by(code="hypertension"))
    assert update_entry(session, CATALOGS[1], row, ConditionSchema().dump(row)) == []
    assert row.edited_at is None
