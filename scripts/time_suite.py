"""Time the whole test suite of several commits on this machine, one after the other.

Each commit runs in a fresh clone, with the pytest command of its own `make test` (so
an older serial suite runs serially), this checkout's virtualenv and CI=true. Compare
commits within one run: the machines here are shared and noisy.

    .venv/bin/python scripts/time_suite.py 48a7070 HEAD [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def pytest_arguments(makefile: str) -> list[str]:
    """The arguments `make test` gives pytest in this Makefile, defaults filled in."""
    defaults = dict(re.findall(r"^(\w+) \?= (.*)$", makefile, re.M))
    recipe = re.search(r"^test:.*\n\t\$\(BIN\)/pytest(.*)$", makefile, re.M)
    if recipe is None:
        raise SystemExit("No `$(BIN)/pytest` line under `test:` in that Makefile.")
    line = re.sub(r"\$\((\w+)\)", lambda m: defaults.get(m.group(1), ""), recipe.group(1))
    return line.split()


def run_suite(ref: str, workdir: Path) -> tuple[float, str]:
    clone = workdir / ref
    if not clone.exists():
        subprocess.run(["git", "clone", "-q", str(REPO), str(clone)], check=True)
        subprocess.run(["git", "-C", str(clone), "checkout", "-q", ref], check=True)
    arguments = pytest_arguments((clone / "Makefile").read_text())
    environment = {**os.environ, "CI": "true", "PYTHONPATH": str(clone)}
    started = time.perf_counter()
    finished = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q",
                               *arguments], cwd=clone, env=environment, capture_output=True,
                              text=True)
    seconds = time.perf_counter() - started
    summary = finished.stdout.strip().splitlines()[-1] if finished.stdout.strip() else ""
    if finished.returncode != 0:
        raise SystemExit(f"{ref}: the suite failed ({summary})\n{finished.stdout[-3000:]}")
    return seconds, f"pytest {' '.join(arguments)}: {summary}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("refs", nargs="+", help="commits to time, in this order")
    parser.add_argument("--repeat", type=int, default=1, help="runs per commit")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="referfit-suite-") as workdir:
        for ref in options.refs:
            times = []
            for attempt in range(options.repeat):
                seconds, summary = run_suite(ref, Path(workdir))
                times.append(seconds)
                print(f"{ref} run {attempt + 1}: {seconds:.1f} s  ({summary})", flush=True)
            print(f"{ref}: median {statistics.median(times):.1f} s, "
                  f"max {max(times):.1f} s over {len(times)} run(s)", flush=True)


if __name__ == "__main__":
    main()
