"""Copies of the shipped catalogs with one edit, for tests of loading changed files."""

from __future__ import annotations

import shutil
from pathlib import Path

from directory.config import REPO_ROOT

DATA_DIR = REPO_ROOT / "data"


def edited_data(tmp_path: Path, filename: str, old: str, new: str) -> Path:
    """Copy data/*.toml into tmp_path, replacing the first `old` in `filename` by `new`."""
    for source in DATA_DIR.glob("*.toml"):
        shutil.copy(source, tmp_path / source.name)
    path = tmp_path / filename
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} is not in {filename}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return tmp_path
