"""Learned weights: shares that stay probabilities, and EM that follows the data."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from directory.linkage.comparisons import FIELDS, LEVELS, Comparison
from directory.linkage.weights import PRIOR_M, estimate_m, estimate_u, random_pairs

patterns = st.tuples(*(st.one_of(st.none(), st.sampled_from(LEVELS[f])) for f in FIELDS))
rows = st.lists(st.lists(patterns, max_size=6), max_size=40)


def assert_probabilities(table: dict) -> None:
    for f in FIELDS:
        assert set(table[f]) == set(LEVELS[f])
        assert all(0 < share <= 1 for share in table[f].values())
        assert sum(table[f].values()) == pytest.approx(1)


@settings(deadline=None, max_examples=80)
@given(rows, st.lists(patterns, max_size=50))
def test_learned_shares_are_probabilities(candidates, random_comparisons):
    u, pairs = estimate_u(Comparison(p) for p in random_comparisons)
    assert pairs == len(random_comparisons)
    m, share = estimate_m(candidates, u)
    assert_probabilities(u)
    assert_probabilities(m)
    assert 0 <= share <= 1


def test_no_pairs_leave_the_prior():
    u, _ = estimate_u([])
    assert estimate_m([], u) == (PRIOR_M, 0.0)


def test_em_learns_that_matches_agree_where_namesakes_do_not():
    exact = ("exact", "exact")
    match = (*exact, "postal", "exact", None, None)
    namesake = (*exact, "differs", "differs", None, None)
    u, _ = estimate_u([Comparison(("differs",) * 4 + (None, None))] * 1000)
    # Each row: its one match and three namesakes elsewhere.
    m, share = estimate_m([[match, namesake, namesake, namesake]] * 200, u)
    assert m["place"]["postal"] > 0.8 and m["address"]["exact"] > 0.8
    assert share > 0.9


def test_random_pairs_are_distinct_and_repeatable():
    ids = list(range(100))
    pairs = random_pairs(ids, count=500)
    assert pairs == random_pairs(ids, count=500)
    assert all(a != b for a, b in pairs)
    assert len(random_pairs([1, 2, 3], count=500)) == 3  # every pair of a small directory
