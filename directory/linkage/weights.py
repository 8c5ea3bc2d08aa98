"""What each level of each field is worth, learned from the data (Fellegi-Sunter).

Agreeing at a level scores log2(m/u) bits: m is how often the same person's two records
agree at that level, u how often two different people's do. Both are estimated as
Splink does:

- u from random pairs of directory trainers (almost all different people), sampled
  deterministically;
- m by expectation maximisation over the pairs blocking finds for a list's rows, with u
  held fixed: each pair is weighed by how likely it is the row's one match under the
  current m, and m re-estimated from the weighed pairs, until it settles. Like Splink,
  it runs in passes (PASSES), each over the pairs that agree on some fields and
  learning the others, since agreement blocking looked for is no evidence.

Both start from priors (PRIOR_M, PRIOR_U) worth a fixed number of pairs, so a handful
of rows or a tiny directory leaves them close to the priors, and a real list of
thousands of rows speaks for itself. Exact agreement on a name, a place, an email or a
phone is further adjusted by how common that value is here (term frequency), so "Smith"
counts for less than a rare name.
"""

from __future__ import annotations

import math
import random
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from itertools import combinations

import numpy as np

from directory.linkage.comparisons import FIELDS, LEVELS, Comparison

# Priors: shares of each field's levels among matches (m) and among random pairs (u),
# of pairs where both sides give the field. Rough figures from lists of people: most
# matches agree exactly; namesakes are common, so u of an exact first name is 1 in 200.
PRIOR_M = {
    "given": {"exact": 0.78, "nickname": 0.1, "typo": 0.05, "similar": 0.02,
              "initial": 0.02, "differs": 0.03},
    "surname": {"exact": 0.88, "part": 0.02, "typo": 0.05, "similar": 0.02, "differs": 0.03},
    "place": {"postal": 0.8, "city": 0.06, "postal-typo": 0.03, "city-similar": 0.02,
              "state": 0.05, "differs": 0.04},
    "address": {"exact": 0.8, "near": 0.06, "street": 0.04, "number": 0.04, "differs": 0.06},
    "email": {"exact": 0.8, "differs": 0.2},
    "phone": {"exact": 0.75, "differs": 0.25},
}
PRIOR_U = {
    "given": {"exact": 0.005, "nickname": 0.001, "typo": 0.002, "similar": 0.01,
              "initial": 0.004, "differs": 0.978},
    "surname": {"exact": 0.0005, "part": 0.0002, "typo": 0.0008, "similar": 0.004,
                "differs": 0.9945},
    "place": {"postal": 0.0002, "city": 0.0005, "postal-typo": 0.0005, "city-similar": 0.001,
              "state": 0.05, "differs": 0.9478},
    "address": {"exact": 0.00001, "near": 0.00002, "street": 0.0002, "number": 0.01,
                "differs": 0.98977},
    "email": {"exact": 0.000001, "differs": 0.999999},
    "phone": {"exact": 0.000001, "differs": 0.999999},
}
M_PSEUDO_PAIRS = 50  # the prior m is worth this many matched pairs
U_PSEUDO_PAIRS = 2_000  # the prior u, this many random pairs
U_SAMPLE_PAIRS = 20_000
EM_ITERATIONS = 30
EM_TOLERANCE = 1e-5
MIN_SHARE = 1e-7  # no level is impossible


@dataclass
class Weights:
    """m and u per field and level, and how many pairs they were learned from."""

    m: dict[str, dict[str, float]] = field(default_factory=lambda: _copy(PRIOR_M))
    u: dict[str, dict[str, float]] = field(default_factory=lambda: _copy(PRIOR_U))
    u_pairs: int = 0  # random pairs u was estimated from
    em_pairs: int = 0  # blocked pairs m was estimated from
    match_share: float | None = None  # EM's estimate of the share of rows with a partner

    def bits(self, field_name: str, level: str) -> float:
        return math.log2(self.m[field_name][level] / self.u[field_name][level])

    def describe(self) -> dict:
        """The learned weights in bits, for docs and the benchmark's report."""
        return {f: {level: round(self.bits(f, level), 2) for level in LEVELS[f]}
                for f in FIELDS}


def estimate_u(comparisons: Iterable[Comparison]) -> tuple[dict, int]:
    """u per field and level from comparisons of random pairs, smoothed by the prior."""
    counts = {f: Counter() for f in FIELDS}
    pairs = 0
    for comparison in comparisons:
        pairs += 1
        for field_name, level in zip(FIELDS, comparison.levels, strict=True):
            if level is not None:
                counts[field_name][level] += 1
    return {f: _shares(counts[f], PRIOR_U[f], U_PSEUDO_PAIRS) for f in FIELDS}, pairs


# EM passes, as Splink trains: each takes the pairs agreeing on its condition fields and
# learns m of the other fields only. A pass's condition says nothing of its own fields:
# pairs that share a name share it because blocking looked for it, matches or not.
PASSES = ({"given": ("exact",), "surname": ("exact",)}, {"place": ("postal",)})


def estimate_m(rows: Sequence[Sequence[tuple]], u: dict) -> tuple[dict, float]:
    """m per field and level by EM over each row's candidates, u held fixed.

    `rows` holds, for each row of a list, the level patterns (FIELDS order, None for a
    missing field) of the trainers blocking found for it. A field's m is the mean of its
    estimates over the passes it is not a condition of. Returns m and the largest share
    of rows with a partner that a pass estimates.
    """
    estimates: dict[str, list[dict]] = {f: [] for f in FIELDS}
    shares = []
    for condition in PASSES:
        kept = [[p for p in candidates if _meets(p, condition)] for candidates in rows]
        learned = [f for f in FIELDS if f not in condition]
        m, share = _em([c for c in kept if c], u, learned, len(rows))
        shares.append(share)
        for f in learned:
            estimates[f].append(m[f])
    m = {f: {level: sum(e[level] for e in estimates[f]) / len(estimates[f])
             for level in LEVELS[f]} if estimates[f] else dict(PRIOR_M[f]) for f in FIELDS}
    return m, max(shares)


def _meets(pattern: tuple, condition: dict[str, tuple[str, ...]]) -> bool:
    return all(pattern[FIELDS.index(f)] in levels for f, levels in condition.items())


def _em(rows: list[list[tuple]], u: dict, learned: list[str],
        row_count: int) -> tuple[dict, float]:
    """One EM pass over the fields `learned`. A row is one person: it has a partner
    among its candidates with probability `share` and then one at most, so its
    candidates compete for that one match rather than each being a match on its own."""
    m = _copy(PRIOR_M)
    codes = {pattern: number for number, pattern in enumerate(
        dict.fromkeys(p for candidates in rows for p in candidates))}
    if not codes:
        return m, 0.0
    pair_pattern = np.array([codes[p] for candidates in rows for p in candidates])
    pair_row = np.repeat(np.arange(len(rows)), [len(candidates) for candidates in rows])
    per_row = np.bincount(pair_row, minlength=len(rows))[pair_row]
    level_of = {f: np.array([-1 if p[FIELDS.index(f)] is None
                             else LEVELS[f].index(p[FIELDS.index(f)]) for p in codes])
                for f in learned}
    share = 0.5
    for _ in range(EM_ITERATIONS):
        factor = np.exp(np.clip(_log_factors(level_of, m, u), -700, 700))[pair_pattern]
        factor /= per_row  # each candidate equally likely to be the one, before evidence
        offered = np.bincount(pair_row, weights=factor, minlength=len(rows))[pair_row]
        weight = share * factor / ((1 - share) + share * offered)
        by_pattern = np.bincount(pair_pattern, weights=weight, minlength=len(codes))
        new_m = {**m, **{f: _shares(Counter({level: by_pattern[level_of[f] == number].sum()
                                             for number, level in enumerate(LEVELS[f])}),
                                    PRIOR_M[f], M_PSEUDO_PAIRS) for f in learned}}
        change = max(abs(new_m[f][level] - m[f][level]) for f in learned for level in m[f])
        m, share = new_m, max(MIN_SHARE, min(1 - MIN_SHARE, weight.sum() / len(rows)))
        if change < EM_TOLERANCE:
            break
    return m, share * len(rows) / max(1, row_count)


def _log_factors(level_of: dict[str, np.ndarray], m: dict, u: dict) -> np.ndarray:
    """Each pattern's natural-log Bayes factor, m over u summed across its fields."""
    total = np.zeros(len(next(iter(level_of.values()))))
    for f, levels in level_of.items():
        table = np.array([math.log(m[f][level] / u[f][level]) for level in LEVELS[f]] + [0.0])
        total += table[levels]  # -1, a missing field, picks the trailing 0
    return total


def random_pairs(ids: Sequence[int], count: int = U_SAMPLE_PAIRS,
                 seed: int = 0) -> list[tuple[int, int]]:
    """Pairs of distinct trainers drawn at random, the same ones for the same ids."""
    if len(ids) < 2:
        return []
    if len(ids) * (len(ids) - 1) // 2 <= count:  # a small directory: every pair
        return list(combinations(ids, 2))
    rng = random.Random(seed)
    pairs = []
    for _ in range(count):
        a, b = rng.sample(range(len(ids)), 2)
        pairs.append((ids[a], ids[b]))
    return pairs


def _shares(counts: Counter, prior: dict[str, float], pseudo: float) -> dict[str, float]:
    total = sum(counts.values()) + pseudo
    return {level: max(MIN_SHARE, float(counts[level] + pseudo * p) / total)
            for level, p in prior.items()}


def _copy(table: dict) -> dict:
    return {f: dict(levels) for f, levels in table.items()}
