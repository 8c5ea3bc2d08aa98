"""The full-text index of trainers, derived from the database and rebuildable from it.

Whoosh keeps it in SEARCH_INDEX_DIR. Writers from several processes take whoosh's file
lock in turn; a write that fails is logged and marks the index stale, and never blocks
or undoes the database write it follows: `flask search reindex` repairs it.
"""

from __future__ import annotations

import fcntl
import logging
import uuid
from collections.abc import Iterable
from pathlib import Path

from rapidfuzz import process
from rapidfuzz.distance import DamerauLevenshtein
from whoosh import index as whoosh_index
from whoosh.analysis import CharsetFilter, StandardAnalyzer, StemmingAnalyzer
from whoosh.fields import ID, TEXT, Schema
from whoosh.query import And, NullQuery, Or, Term
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
CREATE_LOCK = "CREATE.lock"
REBUILD_MARK = "REBUILT"
WRITE_LOCK_TIMEOUT_SECONDS = 10.0
TYPO_SCORE = 0.8  # a match through a near spelling, against 1.0 for the words as typed
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


class TrainerIndex:
    def __init__(self, directory: str | Path):
        self.directory = Path(directory)
        self._index = None
        self._searcher = None
        self._vocabularies: dict[str, list[str]] = {}
        self._rebuild_mark = None

    # -- writing ---------------------------------------------------------------------

    def write(self, upserts: Iterable[dict], deletions: Iterable[int] = ()) -> bool:
        """Apply one batch in one writer; on failure log, mark stale and return False."""
        try:
            writer = self.index().writer(timeout=WRITE_LOCK_TIMEOUT_SECONDS)
            try:
                for trainer_id in deletions:
                    writer.delete_by_term("id", str(trainer_id))
                for doc in upserts:
                    writer.update_document(**doc)
            except Exception:
                writer.cancel()
                raise
            writer.commit()
            return True
        except Exception as error:  # the database stays right; reindex repairs the index
            log.warning("Search index update failed (%s); run `flask search reindex`.",
                        type(error).__name__)
            self.mark_stale()
            return False

    def rebuild(self, documents: Iterable[dict]) -> int:
        """Replace the whole index with these documents; return how many."""
        self.directory.mkdir(parents=True, exist_ok=True)
        self._close()
        ix = self._create()
        writer = ix.writer(timeout=WRITE_LOCK_TIMEOUT_SECONDS, limitmb=256)
        count = 0
        for doc in documents:
            writer.add_document(**doc)
            count += 1
        writer.commit(optimize=True)
        (self.directory / STALE_MARKER).unlink(missing_ok=True)
        # A rebuilt index starts its generations again: mark it so every process notices.
        (self.directory / REBUILD_MARK).write_text(uuid.uuid4().hex)
        self._index = ix
        return count

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
            self._vocabularies = {}
        return self._searcher

    def _read_rebuild_mark(self) -> str | None:
        try:
            return (self.directory / REBUILD_MARK).read_text()
        except FileNotFoundError:
            return None

    def ids(self) -> set[int]:
        return {int(fields["id"]) for fields in self.searcher().all_stored_fields()}

    def search(self, text: str) -> dict[int, float]:
        """Trainers matching every word of `text`, each word allowed a small typo.

        Returns trainer id -> 1.0 where every word matched as typed, TYPO_SCORE where some
        word matched only through a near spelling. Unscored matching (no BM25 over every
        hit) keeps common words fast on a large directory; ranking is done by the caller.
        """
        fuzzy, exact = self._queries(text)
        if fuzzy is None:
            return {}
        searcher = self.searcher()
        ids = searcher.reader().column_reader("id")
        found = dict.fromkeys((int(ids[d]) for d in searcher.docs_for_query(fuzzy)),
                              TYPO_SCORE)
        found.update(dict.fromkeys((int(ids[d]) for d in searcher.docs_for_query(exact)), 1.0))
        return found

    def matched_terms(self, text: str, trainer_ids) -> dict[int, set[str]]:
        """For a few trainers (a page of results), the indexed terms `text` matched."""
        fuzzy, _ = self._queries(text)
        if fuzzy is None or not trainer_ids:
            return {}
        only = Or([Term("id", str(trainer_id)) for trainer_id in trainer_ids])
        hits = self.searcher().search(fuzzy, filter=only, limit=None, terms=True)
        return {int(hit["id"]): {term.decode() for _, term in hit.matched_terms()}
                for hit in hits}

    def _queries(self, text: str):
        """The typo-tolerant query for `text`, and the query for its words as typed."""
        fuzzy, exact = [], []
        for token in NAMES(text):
            word = token.text
            stems = [t.text for t in WORDS(word)]  # empty for a stop word
            fuzzy.append(Or([self._fuzzy(field, word) for field in EXACT_FIELDS]
                            + [self._fuzzy(field, stems[0]) for field in STEMMED_FIELDS
                               if stems]))
            exact.append(Or([Term(field, word) for field in EXACT_FIELDS]
                            + [Term(field, stems[0]) for field in STEMMED_FIELDS if stems]))
        return (And(fuzzy), And(exact)) if fuzzy else (None, None)

    def _fuzzy(self, field: str, word: str):
        """The indexed terms of `field` within a typo or two of `word`, as one query.

        Damerau-Levenshtein distance, so a swapped pair ("Jonh") is one typo: one for
        words up to six letters, two beyond, none for short words. The exact word
        scores a little higher than its near spellings.
        """
        allowed = 0 if len(word) <= 3 else 1 if len(word) <= 6 else 2
        close = process.extract(word, self._vocabulary(field),
                                scorer=DamerauLevenshtein.distance,
                                score_cutoff=allowed, limit=20)
        terms = [Term(field, term, boost=1.0 if distance == 0 else 0.8)
                 for term, distance, _ in close]
        return Or(terms) if terms else NullQuery

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
        self._vocabularies = {}
