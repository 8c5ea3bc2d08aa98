"""Linkage on FEBRL1, real-shaped data made by someone else (directory.demo.febrl).

Measured (scripts/measure_linkage.py --data febrl1): pair completeness 1.0, no false
link, recall 0.875 overall and 0.970 over the rows whose first name relates to their
partner's (FEBRL replaces some first names outright, which only a relative would show).
"""

from __future__ import annotations

from directory.config import REPO_ROOT
from directory.demo.febrl import truth_set
from directory.demo.truthset import measure
from directory.linkage.engine import Nicknames

NICKNAMES = Nicknames.from_file(REPO_ROOT / "data" / "nicknames.toml")


def test_febrl1_blocking_finds_the_pairs_and_links_are_right():
    report = measure(truth_set("febrl1"), NICKNAMES)
    assert report.pair_completeness >= 0.998, report.format(0)
    assert report.precision == 1.0, report.format(3)
    assert report.recall_related >= 0.96, report.format(3)
    assert report.duplicates <= 0.005 * report.rows, report.format(3)
    assert max(report.candidate_counts) <= 100
