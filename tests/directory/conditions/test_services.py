import pytest

from directory.conditions.services import find_condition, normalize_icd10


@pytest.mark.parametrize("text, code", [
    ("type-2-diabetes", "type-2-diabetes"),
    ("Type 2 Diabetes", "type-2-diabetes"),
    ("sugar diabetes", "type-2-diabetes"),
    ("HIGH BLOOD PRESSURE", "hypertension"),
    ("E11.9", "type-2-diabetes"),
    ("e119", "type-2-diabetes"),
    ("I70.21", "peripheral-artery-disease"),
    ("I11.0", "hypertension"),
    ("C50.911", "cancer-active-treatment"),
    ("Z85.3", "cancer-survivorship"),
    ("COPD", "copd"),
    ("M54.50", "chronic-low-back-pain"),
])
def test_find_condition_by_any_name_or_icd10(session, text, code):
    assert find_condition(session, text).code == code


@pytest.mark.parametrize("text", ["dragon pox", "E99.9", "", "I14"])
def test_unknown_condition_is_none(session, text):
    assert find_condition(session, text) is None


def test_normalize_icd10():
    assert normalize_icd10(" e11.9 ") == "E11.9"
    assert normalize_icd10("E119") == "E11.9"
    assert normalize_icd10("E11") == "E11"
    assert normalize_icd10("COPD") is None
