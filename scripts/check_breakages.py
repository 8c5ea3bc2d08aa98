"""Break one behaviour at a time, run the suite, say which tests caught it, restore.

Shows that the suite still catches a broken gate, permission, expiry rule, rollback and
CSRF check. Each breakage changes one line of the code and puts it back afterwards,
whatever the run did. Needs PostgreSQL, as `make test` does.

    .venv/bin/python scripts/check_breakages.py [NUMBER ...]
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SUITE = ["tests/directory", "tests/matching", "tests/test_harness.py"]


@dataclass(frozen=True)
class Breakage:
    what: str
    path: str
    line: str
    broken: str


BREAKAGES = [
    Breakage("gate: a high-risk condition no longer needs a verified clinical credential",
             "matching/gates.py",
             "    if high_risk and not doctor_lowered and not holds_verified(",
             "    if False and high_risk and not doctor_lowered and not holds_verified("),
    Breakage("permission: trainers may manage credentials",
             "directory/accounts/permissions.py",
             "    Permission.MANAGE_CREDENTIALS: _role(*STAFF),",
             "    Permission.MANAGE_CREDENTIALS: _role(*STAFF, Role.TRAINER),"),
    Breakage("expiry: a credential still counts as verified on its expiry date",
             "matching/credentials.py",
             "expires_on is not None and expires_on <= today",
             "expires_on is not None and expires_on < today"),
    Breakage("rollback: an import commits its trainers and credentials before its rows",
             "directory/imports/services.py",
             "    rows = [_import_row(batch, result) for result in results]",
             "    session.commit()\n    rows = [_import_row(batch, result) for result in results]"),
    Breakage("CSRF: the curators' credential pages accept forms without the token",
             "directory/__init__.py",
             "    register_labels(app)\n",
             "    register_labels(app)\n    csrf.exempt(credential_pages)\n"),
]


def run_broken(breakage: Breakage) -> tuple[str, list[str]]:
    """The suite's closing line and the failed tests, with `breakage` in place."""
    source = REPO / breakage.path
    original = source.read_text()
    if original.count(breakage.line) != 1:
        raise SystemExit(f"{breakage.path} no longer has the line to break: {breakage.line!r}")
    source.write_text(original.replace(breakage.line, breakage.broken))
    try:
        run = subprocess.run(
            [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "-n", "auto",
             "--dist", "worksteal", *SUITE],
            cwd=REPO, capture_output=True, text=True, env={**os.environ, "CI": "true"})
    finally:
        source.write_text(original)
    closing = run.stdout.strip().splitlines()[-1] if run.stdout.strip() else run.stderr[-500:]
    return closing, sorted(set(re.findall(r"^FAILED (\S+)", run.stdout, re.M)))


def main() -> None:
    chosen = [int(number) for number in sys.argv[1:]] or range(1, len(BREAKAGES) + 1)
    for number in chosen:
        breakage = BREAKAGES[number - 1]
        closing, failed = run_broken(breakage)
        print(f"{number}. {breakage.what} ({breakage.path})\n   {closing}")
        for name in failed:
            print(f"   caught by {name}")
        if not failed:
            print("   NOT CAUGHT")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
