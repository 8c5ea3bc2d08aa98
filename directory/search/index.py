"""The full-text index of trainers, derived from the database and rebuildable from it.

Whoosh keeps it in SEARCH_INDEX_DIR. Writers from several processes take whoosh's file
lock in turn; a write that fails is logged and marks the index stale, and never blocks
or undoes the database write it follows: `flask search reindex` repairs it.
"""

from __future__ import annotations

import fcntl
import functools
import json
import logging
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from rapidfuzz import process
from rapidfuzz.distance import DamerauLevenshtein
from whoosh import index as whoosh_index
from whoosh.analysis import CharsetFilter, StandardAnalyzer, StemmingAnalyzer
from whoosh.fields import ID, TEXT, Schema
from whoosh.index import LockError
from whoosh.query import Every
from whoosh.support.charset import accent_map

from directory.geo.states import STATE_NAMES

log = logging.getLogger(__name__)

# Accents folded so "Nunez" finds "Núñez"; no stop words in names ("Di", "Le").
NAMES = StandardAnalyzer(stoplist=None) | CharsetFilter(accent_map)
WORDS = StemmingAnalyzer() | CharsetFilter(accent_map)

SCHEMA = Schema(
    id=ID(stored=True, unique=True, sortable=True),  # sortable: a fast docnum -> id column
    name=TEXT(analyzer=NAMES, field_boost=3.0),
    certifications=TEXT(analyzer=NAMES, field_boost=2.0),
    conditions=TEXT(analyzer=WORDS, field_boost=2.0),
    place=TEXT(analyzer=NAMES),
    facility=TEXT(analyzer=NAMES),
    bio=TEXT(analyzer=WORDS),
)
EXACT_FIELDS = ("name", "certifications", "place", "facility")  # analysed by NAMES
STEMMED_FIELDS = ("conditions", "bio")  # analysed by WORDS
STALE_MARKER = "STALE"
APPLIED_FILE, APPLIED_LOCK = "APPLIED", "APPLIED.lock"
CREATE_LOCK = "CREATE.lock"
REBUILD_MARK = "REBUILT"
WRITE_LOCK_TIMEOUT_SECONDS = 10.0
TYPO_SCORE = 0.8  # a match through a near spelling, against 1.0 for the words as typed
MAX_CACHED_TERMS = 2000


@dataclass(frozen=True)
class Expansion:
    field: str
    term: str
    exact: bool  # the word as typed (after analysis), not a near spelling


@dataclass(frozen=True)
class TextMatches:
    ids: np.ndarray  # sorted trainer ids matching every word
    exact: np.ndarray  # bool, per id: every word matched as typed
    words: list[list[Expansion]]

    @classmethod
    def none(cls) -> TextMatches:
        return cls(np.empty(0, dtype=np.int64), np.empty(0, dtype=bool), [])

    def scores(self) -> np.ndarray:
        return np.where(self.exact, 1.0, TYPO_SCORE)
# Bumped when SCHEMA changes: an index of another version is treated as missing.
SCHEMA_VERSION = "2"
VERSION_FILE = "SCHEMA_VERSION"


def document(trainer) -> dict:
    """The index document of one trainer (its credentials and conditions loaded)."""
    certifications = [c.certification for c in trainer.credentials]
    conditions = [e.condition for e in trainer.condition_experience]
    return {
        "id": str(trainer.id),
        "name": trainer.full_name,
        # Codes and names; the aliases serve imports, and would double the field's size.
        "certifications": " ".join(f"{c.code} {c.name}" for c in certifications),
        "conditions": " ".join(" ".join([c.name, *c.synonyms]) for c in conditions),
        "place": " ".join(filter(None, [trainer.city, trainer.state,
                                        STATE_NAMES.get(trainer.state or ""),
                                        trainer.postal_code])),
        "facility": trainer.facility_name or "",
        "bio": trainer.bio or "",
    }


def _locked(method):
    """Serialise a TrainerIndex operation: threads of one process share its searcher
    and caches (the file lock guards against other processes)."""
    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        with self._lock:
            return method(self, *args, **kwargs)
    return wrapper


class TrainerIndex:
    def __init__(self, directory: str | Path):
        self._lock = threading.RLock()
        self.directory = Path(directory)
        self._index = None
        self._searcher = None
        self._vocabularies: dict[str, list[str]] = {}
        self._postings: dict[tuple[str, str], np.ndarray] = {}
        self._docnum_to_id: np.ndarray | None = None
        self._rebuild_mark = None
        self._missing_since: dict[int, float] = {}  # version -> when first seen missing

    # -- writing ---------------------------------------------------------------------

    def write(self, upserts: Iterable[dict], deletions: Iterable[int] = (),
              version: int | None = None,
              wait_seconds: float = WRITE_LOCK_TIMEOUT_SECONDS) -> bool:
        """Apply one batch in one writer, and note the directory version it brings in
        (see write_fresh)."""
        return self.write_fresh(lambda: (upserts, deletions),
                                () if version is None else (version,), wait_seconds)

    def write_fresh(self, batch: Callable[[], tuple[Iterable[dict], Iterable[int]]],
                    versions: Iterable[int],
                    wait_seconds: float = WRITE_LOCK_TIMEOUT_SECONDS) -> bool:
        """Write what `batch()` returns, called once the write lock is held, so a batch
        read from the database then cannot overwrite a later commit's documents (those
        wait for the lock); then note `versions` as in the index. A lock still busy
        after `wait_seconds` (another writer: a rebuild, a big import) is no failure:
        False, and the versions stay missing for the catch-up (search/sync.py) to
        write. A failed write logs, marks the index stale and returns False."""
        # This process's threads first (they share the searcher), then other processes.
        if not self._lock.acquire(timeout=wait_seconds):
            return False
        try:
            try:
                writer = self.index().writer(timeout=wait_seconds)
            except LockError:
                return False
            try:
                upserts, deletions = batch()
                for trainer_id in deletions:
                    writer.delete_by_term("id", str(trainer_id))
                for doc in upserts:
                    writer.update_document(**doc)
            except Exception:
                writer.cancel()
                raise
            writer.commit()
        except Exception as error:  # the database stays right; reindex repairs the index
            log.warning("Search index update failed (%s); run `flask search reindex`.",
                        type(error).__name__)
            self.mark_stale()
            return False
        finally:
            self._lock.release()
        self._note_applied(versions)
        return True

    # -- which directory versions the index holds ------------------------------------
    # Every commit that changes what search sees bumps the directory version and writes
    # its documents after the commit. APPLIED records the versions written: "through",
    # below which all are in, and those written "ahead" of a gap. A gap (a crash between
    # a commit and its write) is what catching up (search/sync.py) fills.

    def applied_through(self) -> int | None:
        """The version up to which every change is in; None before any is recorded."""
        state = self._applied()
        return state["through"] if state else None

    def missing_versions(self, current: int) -> list[int]:
        state = self._applied() or {"through": current, "ahead": []}
        ahead = set(state["ahead"])
        return [v for v in range(state["through"] + 1, current + 1) if v not in ahead]

    def overdue_versions(self, current: int, grace_seconds: float) -> list[int]:
        """The missing versions this process has seen missing for `grace_seconds`."""
        now, seen = time.monotonic(), self._missing_since
        missing = self.missing_versions(current)
        self._missing_since = {v: seen.get(v, now) for v in missing}
        return [v for v in missing if now - self._missing_since[v] >= grace_seconds]

    def mark_caught_up(self, version: int) -> None:
        """Everything up to `version` is in (a rebuild read the directory at it)."""
        with self._applied_lock():
            state = self._applied() or {"through": version, "ahead": []}
            through = max(state["through"], version)  # never back: others wrote on
            self._save_applied(through, [v for v in state["ahead"] if v > through])

    def _note_applied(self, versions: Iterable[int]) -> None:
        versions = set(versions)
        if not versions:
            return
        with self._applied_lock():
            # No record yet (a new index, or one made before records were kept): taken
            # as in step up to this write, as a rebuild leaves it.
            state = self._applied() or {"through": min(versions) - 1, "ahead": []}
            through, ahead = state["through"], set(state["ahead"]) | versions
            while through + 1 in ahead:
                through += 1
            self._save_applied(through, sorted(v for v in ahead if v > through))

    def _applied(self) -> dict | None:
        try:
            return json.loads((self.directory / APPLIED_FILE).read_text())
        except (FileNotFoundError, ValueError):
            return None

    def _save_applied(self, through: int, ahead: list[int]) -> None:
        path = self.directory / APPLIED_FILE
        temporary = path.with_suffix(".tmp")
        temporary.write_text(json.dumps({"through": through, "ahead": ahead}))
        temporary.replace(path)  # readers see the old state or the new, never half

    @contextmanager
    def _applied_lock(self):
        self.directory.mkdir(parents=True, exist_ok=True)
        with open(self.directory / APPLIED_LOCK, "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)  # other processes note theirs in turn
            yield

    @_locked
    def rebuild(self, documents: Iterable[dict]) -> int:
        """Replace every document with these; return how many.

        An index of the current schema is rewritten in one commit, so searches keep the
        old documents until the new ones are all there; any other is created anew.
        Writers from other processes wait for the lock meanwhile, and may time out
        and mark the index stale: the caller replays what changed (search/cli.py).
        """
        self.directory.mkdir(parents=True, exist_ok=True)
        if self.exists():
            writer = self.index().writer(timeout=WRITE_LOCK_TIMEOUT_SECONDS, limitmb=256)
            writer.delete_by_query(Every())
        else:
            self._close()
            writer = self.index().writer(timeout=WRITE_LOCK_TIMEOUT_SECONDS, limitmb=256)
            # A new index starts its generations again: mark it so every process notices.
            (self.directory / REBUILD_MARK).write_text(uuid.uuid4().hex)
        count = 0
        for doc in documents:
            writer.add_document(**doc)
            count += 1
        writer.commit(optimize=True)
        return count

    def clear_stale(self) -> None:
        (self.directory / STALE_MARKER).unlink(missing_ok=True)

    def mark_stale(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        (self.directory / STALE_MARKER).touch()

    @property
    def stale(self) -> bool:
        return (self.directory / STALE_MARKER).exists()

    # -- reading ---------------------------------------------------------------------

    def exists(self) -> bool:
        version = self.directory / VERSION_FILE
        return (whoosh_index.exists_in(str(self.directory)) and version.exists()
                and version.read_text().strip() == SCHEMA_VERSION)

    def _create(self):
        ix = whoosh_index.create_in(str(self.directory), SCHEMA)
        (self.directory / VERSION_FILE).write_text(SCHEMA_VERSION)
        return ix

    def index(self):
        if self._index is None:
            self.directory.mkdir(parents=True, exist_ok=True)
            # Two processes finding no index must not both create one (the second
            # would wipe the first one's documents): create under an exclusive lock.
            with open(self.directory / CREATE_LOCK, "w") as lock:
                fcntl.flock(lock, fcntl.LOCK_EX)
                if self.exists():
                    self._index = whoosh_index.open_dir(str(self.directory))
                else:
                    self._index = self._create()
        return self._index

    def searcher(self):
        # A new searcher when the index has a newer generation (whoosh's refresh()
        # reuses segment readers and can miss deletions), and a new index object when
        # the index was rebuilt, since generations then start again.
        mark = self._read_rebuild_mark()
        if mark != self._rebuild_mark:
            self._close()
            self._rebuild_mark = mark
        elif self._searcher is not None and not self._searcher.up_to_date():
            self._searcher.close()
            self._searcher = None
        if self._searcher is None:
            self._searcher = self.index().searcher()
            self._forget_caches()
        return self._searcher

    def _forget_caches(self) -> None:
        self._vocabularies, self._postings, self._docnum_to_id = {}, {}, None

    def _read_rebuild_mark(self) -> str | None:
        try:
            return (self.directory / REBUILD_MARK).read_text()
        except FileNotFoundError:
            return None

    @_locked
    def ids(self) -> set[int]:
        return {int(fields["id"]) for fields in self.searcher().all_stored_fields()}

    @_locked
    def search(self, text: str) -> TextMatches:
        """Trainers matching every word of `text`, each word allowed a small typo.

        Whoosh stores the inverted index; matching is set algebra over numpy arrays of
        each term's trainer ids, cached per searcher, so common words ("diabetes" in
        tens of thousands of profiles) cost an array operation rather than a walk of
        their postings in Python.
        """
        words = self._expand(text)
        if not words:
            return TextMatches.none()
        size = int(self._docnum_ids().max(initial=0)) + 1
        matching, exact = np.ones(size, dtype=bool), np.ones(size, dtype=bool)
        for alternatives in words:
            # Bit masks over trainer ids: OR across a word's spellings, AND across words.
            matching &= self._mask(alternatives, size)
            exact &= self._mask([a for a in alternatives if a.exact], size)
        ids = np.flatnonzero(matching)
        return TextMatches(ids, exact[ids], words)

    def _expand(self, text: str) -> list[list[Expansion]]:
        """For each word of `text`, the indexed terms it may stand for, by field."""
        words = []
        for token in NAMES(text):
            stems = [t.text for t in WORDS(token.text)]  # empty for a stop word
            forms = [(field, token.text) for field in EXACT_FIELDS]
            forms += [(field, stems[0]) for field in STEMMED_FIELDS if stems]
            words.append([Expansion(field, term, term == typed)
                          for field, typed in forms for term in self._close_terms(field, typed)])
        return words

    def _close_terms(self, field: str, word: str) -> list[str]:
        """The indexed terms of `field` within a typo or two of `word`.

        Damerau-Levenshtein distance, so a swapped pair ("Jonh") is one typo: one for
        words up to six letters, two beyond, none for short words.
        """
        allowed = 0 if len(word) <= 3 else 1 if len(word) <= 6 else 2
        close = process.extract(word, self._vocabulary(field),
                                scorer=DamerauLevenshtein.distance,
                                score_cutoff=allowed, limit=20)
        return [term for term, _, _ in close]

    def _mask(self, alternatives: list[Expansion], size: int) -> np.ndarray:
        mask = np.zeros(size, dtype=bool)
        for a in alternatives:
            mask[self._trainer_ids(a.field, a.term)] = True
        return mask

    def _trainer_ids(self, field: str, term: str) -> np.ndarray:
        """Sorted ids of the trainers whose `field` holds `term` (cached per searcher)."""
        key = (field, term)
        if key not in self._postings:
            reader = self.searcher().reader()
            docnums = np.fromiter(reader.postings(field, term).all_ids(), dtype=np.int64)
            ids = self._docnum_ids()[docnums]
            self._postings[key] = np.unique(ids[ids >= 0])
            if len(self._postings) > MAX_CACHED_TERMS:
                self._postings.pop(next(iter(self._postings)))  # oldest first
        return self._postings[key]

    def _docnum_ids(self) -> np.ndarray:
        """Trainer id by whoosh document number; -1 for deleted documents."""
        if self._docnum_to_id is None:
            reader = self.searcher().reader()
            if reader.doc_count_all() == 0:  # an empty index's reader has no columns
                self._docnum_to_id = np.empty(0, dtype=np.int64)
                return self._docnum_to_id
            ids = np.fromiter((int(i) if i else -1 for i in reader.column_reader("id")),
                              dtype=np.int64)
            if reader.has_deletions():
                ids[[d for d in range(len(ids)) if reader.is_deleted(d)]] = -1
            self._docnum_to_id = ids
        return self._docnum_to_id

    @_locked
    def matched_terms(self, matches: TextMatches, trainer_ids) -> dict[int, set[str]]:
        """For a few trainers (a page of results), the indexed terms they matched."""
        found: dict[int, set[str]] = {}
        wanted = np.array(list(trainer_ids), dtype=np.int64)
        for alternatives in matches.words:
            for a in alternatives:
                for trainer_id in wanted[np.isin(wanted, self._trainer_ids(a.field, a.term))]:
                    found.setdefault(int(trainer_id), set()).add(a.term)
        return found

    def _vocabulary(self, field: str) -> list[str]:
        # Cached per searcher: a new searcher (a newer index) starts a new cache.
        searcher = self.searcher()
        if field not in self._vocabularies:
            self._vocabularies[field] = [t.decode() for t in searcher.lexicon(field)]
        return self._vocabularies[field]

    def _close(self) -> None:
        if self._searcher is not None:
            self._searcher.close()
        self._searcher = self._index = None
        self._forget_caches()
