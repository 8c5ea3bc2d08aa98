"""Import a certifying body's credential list: read, validate, reconcile, apply, report.

Reconciliation decides every row before anything is written, so a dry run and a real
run report the same thing; a real run then applies the whole batch in one flush inside
the caller's transaction (all or nothing) and records it. Rows match existing
credentials by (issuer, credential number) first, then people by record linkage.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from marshmallow import ValidationError
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from directory.audit.models import AuditEvent
from directory.audit.services import IMPORT_BATCH, bulk_event, creation_log, record_event
from directory.bulk import BulkInsert, new_ids
from directory.credentials.models import Certification, Credential
from directory.credentials.services import apply_credential_changes, credential_values
from directory.errors import InvalidInput
from directory.geo.services import Place
from directory.imports.files import Table, read_table
from directory.imports.models import ImportBatch, ImportRow, ReviewStatus, RowAction
from directory.imports.profiles import Profile, choose_profile, map_headers, parse_mapping
from directory.imports.schemas import ImportRowSchema
from directory.linkage.engine import (
    Claim,
    LinkageIndex,
    Outcome,
    Person,
    losing_claims,
)
from directory.linkage.keys import PERSON_FIELDS, nicknames
from directory.notifications import events
from directory.search.models import DirectoryVersion
from directory.search.snapshot import changed_trainers, directory_version
from directory.search.sync import mark_for_reindex
from directory.text import printable
from directory.trainers.models import Trainer
from directory.trainers.services import checked_place, linkage_people, place_fields
from matching.types import VerificationStatus

CHUNK = 5_000  # ids per IN (...) query, well under SQLite's variable limit
# Reconciling starts over when the change log cannot say what others changed meanwhile;
# the last try holds the write lock throughout.
RECONCILE_TRIES = 3
# PostgreSQL's advisory lock key for the writers serialize_writes puts in line ("RFIM").
DIRECTORY_WRITERS_LOCK = 0x5246494D
TRAINER_FIELDS = (*PERSON_FIELDS, "country")
UPDATABLE = ("status", "issued_on", "expires_on")


@dataclass(frozen=True)
class ImportOptions:
    issuer: str
    profile: str | None = None
    mapping: tuple[str, ...] = ()
    dry_run: bool = False
    full_list: bool = False  # the issuer's complete list (see credentials.services)


@dataclass
class RowResult:
    row: int
    action: RowAction
    trainer_ref: int | None = None  # a trainer id; negative: one this batch creates
    confidence: float | None = None
    reasons: list[str] = field(default_factory=list)
    errors: list[dict] = field(default_factory=list)
    data: dict | None = None  # validated values
    candidates: list[dict] = field(default_factory=list)
    credential_id: int | None = None  # the known credential an update changes
    changes: dict = field(default_factory=dict)
    place: Place | None = None  # where a created trainer is
    fingerprint: str = ""
    bits: float = 0.0  # a link's evidence, to settle two rows claiming one trainer


@dataclass(frozen=True)
class LoadedRow:
    """A row that passed the schema, before reconciliation."""

    number: int
    data: dict
    certification: str  # as the file wrote it


@dataclass(frozen=True)
class KnownCredential:
    id: int
    trainer_id: int
    certification: str
    status: VerificationStatus
    issued_on: date | None
    expires_on: date | None


@dataclass
class PreparedImport:
    """A file read and its columns mapped: everything checked before any row is."""

    content: bytes
    filename: str
    options: ImportOptions
    issuer: str
    profile: Profile
    table: Table
    mapping: dict[str, str]
    ignored: list[str]  # headers no column is read from


def check_options(session: Session, options: ImportOptions,
                  data_dir: str) -> tuple[str, Profile, dict[str, str]]:
    """Refuse an unknown issuer or profile or a malformed mapping, all cheap to check
    before any file is read: the issuer's code, the profile and the mapping's pairs."""
    issuer = check_issuer(session, options.issuer)
    return (issuer, choose_profile(data_dir, issuer, options.profile),
            parse_mapping(list(options.mapping)))


def prepare_import(session: Session, content: bytes, filename: str, options: ImportOptions,
                   data_dir: str) -> PreparedImport:
    """Check the issuer, profile and mapping, read the file and map its headers."""
    issuer, profile, overrides = check_options(session, options, data_dir)
    table = read_table(content, filename)
    mapping, ignored = map_headers(table.headers, profile, overrides)
    return PreparedImport(content, filename, options, issuer, profile, table, mapping, ignored)


def run_import(session: Session, prepared: PreparedImport, data_dir: str,
               curator_id: int | None = None,
               progress: Callable[[int], None] | None = None) -> dict:
    """Reconcile every row and, unless a dry run, apply them all; return the report.

    Reconciling (the long part) holds no lock: other writes go on meanwhile. The
    directory writers' lock is taken for applying only, and the rows what others changed
    meanwhile could alter are reconciled again under it (see _reconcile_and_lock), so the
    import never acts on what another writer committed before. (On PostgreSQL a curator's
    edit may commit while the import applies, for a few seconds: it cannot merge a
    trainer or decide a review, which take the same lock.) So the caller must have
    nothing of its own pending in the session: that commit would commit it.
    """
    issuer = prepared.issuer
    if prepared.options.dry_run:
        _, _, results = _reconcile(session, prepared, data_dir, progress)
        return report(None, issuer, results)
    assert not (session.new or session.dirty or session.deleted), "commit the caller's work first"
    reconciler, results, staged = _reconcile_and_lock(session, prepared, data_dir, progress)
    batch = ImportBatch(issuer=issuer, profile=prepared.profile.name,
                        filename=prepared.filename[:255], file_format=prepared.table.format,
                        size_bytes=len(prepared.content),
                        sha256=hashlib.sha256(prepared.content).hexdigest(),
                        curator_id=curator_id, summary=summarize(results),
                        full_list=prepared.options.full_list)
    session.add(batch)
    session.flush()
    session.info[IMPORT_BATCH] = batch.id
    apply(session, batch, results, staged)
    waiting = sum(r.action is RowAction.REVIEW for r in results)
    if waiting:
        events.reviews_waiting(session, batch, waiting)
    return report(batch, issuer, results)


def _reconcile_and_lock(session: Session, prepared: PreparedImport, data_dir: str,
                        progress: Callable[[int], None] | None
                        ) -> tuple[Reconciler, list[RowResult], StagedBatch]:
    """Reconcile and stage the inserts without the lock, take it, and reconcile (and
    stage) again the few rows the trainers committed meanwhile could alter: the change
    log names them. Where it cannot say (a catalog edit or a bulk load meanwhile), start
    over; the last try works holding the lock throughout."""
    for attempt in range(1, RECONCILE_TRIES + 1):
        last = attempt == RECONCILE_TRIES
        session.commit()  # end the reading transaction: the lock needs a fresh one
        if last:
            serialize_writes(session)
        seen = directory_version(session)
        reconciler, loaded, results = _reconcile(session, prepared, data_dir, progress)
        staged = StagedBatch(session, prepared.issuer, results, reconciler.certifications)
        if last:
            break
        progress = None  # the rows were counted once
        session.commit()
        serialize_writes(session)
        changed = changed_trainers(session, seen, directory_version(session))
        if changed is not None:
            staged.restage(results, reconciler.recheck(loaded, results, changed))
            break
        session.rollback()  # let the lock go
    return reconciler, results, staged


def _reconcile(session: Session, prepared: PreparedImport, data_dir: str,
               progress: Callable[[int], None] | None
               ) -> tuple[Reconciler, list[LoadedRow | RowResult], list[RowResult]]:
    issuer = prepared.issuer
    reconciler = Reconciler(session, issuer, ImportRowSchema(
        prepared.profile, issuer, certification_names(session, issuer)), data_dir)
    loaded = [reconciler.load(number, raw, prepared.mapping)
              for number, raw in enumerate(prepared.table.rows, start=1)]
    reconciler.train(loaded)
    results = []
    for row in loaded:
        results.append(reconciler.reconcile(row))
        if progress:
            progress(1)
    reconciler.settle_claims(results)
    return reconciler, loaded, results


def import_credentials(session: Session, content: bytes, filename: str,
                       options: ImportOptions, data_dir: str,
                       curator_id: int | None = None) -> dict:
    """Prepare and run an import in one go; the caller commits."""
    prepared = prepare_import(session, content, filename, options, data_dir)
    return run_import(session, prepared, data_dir, curator_id)


def serialize_writes(session: Session) -> None:
    """Hold the directory writers' lock until commit, so two imports (or an import and a
    review decision or a merge) run one after the other and each sees the trainers the
    other made. PostgreSQL takes an advisory lock, which a curator's edit does not wait
    for (only for the rows both change); SQLite has one write lock, which every write
    waits for."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(select(func.pg_advisory_xact_lock(DIRECTORY_WRITERS_LOCK)))
        return
    table = DirectoryVersion.__table__
    session.execute(update(table).where(table.c.id == 1).values(version=table.c.version))


def check_issuer(session: Session, issuer: str) -> str:
    code = issuer.strip().upper()
    known = sorted(set(session.scalars(select(Certification.issuer))))
    if code not in known:
        raise InvalidInput({"issuer": [
            f"Unknown issuer {issuer!r}; known: {', '.join(known) or 'none (load the catalogs)'}."
        ]})
    return code


def certification_names(session: Session, issuer: str) -> dict[str, str]:
    """Every name an issuer's certifications go by (code, name, aliases) -> code."""
    names = {}
    for c in session.scalars(select(Certification).where(Certification.issuer == issuer)):
        for name in (c.code, c.name, f"{c.issuer} {c.name}", *c.aliases):
            names.setdefault(name, c.code)
    return names


class Reconciler:
    """Decides what each row does, remembering earlier rows of the same file."""

    def __init__(self, session: Session, issuer: str, schema: ImportRowSchema, data_dir: str):
        self.session, self.issuer, self.schema = session, issuer, schema
        self.exact_names = {name.casefold() for name in schema.certification_names}
        self.certifications = {c.code: c for c in session.scalars(
            select(Certification).where(Certification.issuer == issuer))}
        self.known = self._known_credentials()
        self.pending_reviews, self.refused = self._reviews()
        self.index = LinkageIndex(nicknames(data_dir))
        for trainer_id, person in linkage_people(session):
            self.index.add(trainer_id, person)
        for number, credential in self.known.items():
            self.index.hold(credential.trainer_id, credential.certification, number)
        self.first_seen: dict[str, RowResult] = {}
        self.created = 0

    def _known_credentials(self, *where) -> dict[str, KnownCredential]:
        """The issuer's recorded credentials (or those `where` picks), by number."""
        return {number.upper(): KnownCredential(id_, trainer_id, code, status, issued, expires)
                for id_, trainer_id, code, number, status, issued, expires in self.session.execute(
                    select(Credential.id, Credential.trainer_id, Certification.code,
                           Credential.credential_number, Credential.status,
                           Credential.issued_on, Credential.expires_on)
                    .join(Certification).where(Credential.issuer == self.issuer, *where))}

    def _reviews(self) -> tuple[dict[str, int], dict[tuple[str, str], int]]:
        pending, refused = {}, {}
        query = select(ImportRow.id, ImportRow.credential_number, ImportRow.review_status,
                       ImportRow.data).where(ImportRow.issuer == self.issuer,
                                             ImportRow.review_status.is_not(None))
        for id_, number, status, data in self.session.execute(query):
            if status is ReviewStatus.PENDING:
                pending[number] = id_
            elif status is ReviewStatus.REJECTED:
                refused[(number, fingerprint(data))] = id_
        return pending, refused

    def load(self, number: int, raw: dict, mapping: dict[str, str]) -> LoadedRow | RowResult:
        """Check one row against the schema: its values, or the rejection."""
        if None in raw:
            problem = ("is not an object" if len(raw) == 1 else
                       "has more values than the header row has columns")
            return RowResult(number, RowAction.REJECTED, errors=[
                {"column": "", "field": "", "message": f"Row {number} {problem}."}])
        values = {mapping[h]: v for h, v in raw.items() if h in mapping}
        try:
            data = self.schema.load(values)
        except ValidationError as error:
            return RowResult(number, RowAction.REJECTED, data=_printable(values),
                             errors=_row_errors(error.messages, mapping))
        return LoadedRow(number, data, " ".join(str(values["certification"]).split()))

    def train(self, rows: list[LoadedRow | RowResult]) -> None:
        """Learn linkage weights from this list's rows against the directory."""
        self.index.train(_person(row.data) for row in rows if isinstance(row, LoadedRow))

    def reconcile(self, row: LoadedRow | RowResult) -> RowResult:
        if isinstance(row, RowResult):
            return row
        result = self._reconcile_valid(row.number, row.data)
        result.data, result.fingerprint = row.data, fingerprint(row.data)
        if row.certification.casefold() not in self.exact_names:  # forgiven: say so
            result.reasons.insert(0, f"certification {row.certification!r} read as "
                                     f"{row.data['certification']}")
        return result

    def settle_claims(self, results: list[RowResult]) -> None:
        """Two rows of one list never both link to one trainer unless they are plainly
        the same person's: the weaker goes to review, with that trainer."""
        linked = [r for r in results if r.action is RowAction.LINKED]
        claims = [Claim(r.trainer_ref, r.bits, _person(r.data)) for r in linked]
        for lost, won in losing_claims(claims, self.index).items():
            result, winner = linked[lost], linked[won]
            result.action, result.candidates = RowAction.REVIEW, [
                {"trainer_id": result.trainer_ref, "confidence": result.confidence,
                 "reasons": result.reasons}]
            result.reasons = [f"row {winner.row} of this list links to the same trainer "
                              "more strongly, and the two rows are not plainly one person"]
            result.trainer_ref = None

    def recheck(self, loaded: list[LoadedRow | RowResult], results: list[RowResult],
                changed: set[int]) -> list[int]:
        """Bring the results up to date with what other writers committed since the rows
        were reconciled: the `changed` trainers (and their credentials) and the review
        queue. Only the rows those changes could alter are reconciled again, with the
        rows that hang on them; which those were."""
        numbers = self._refresh(changed)
        again = self._touched(results, changed, numbers)
        for at in again:
            self._forget(results[at])
        for at in again:  # in file order, as the first pass went
            results[at] = self.reconcile(loaded[at])
        actions = [result.action for result in results]
        self.settle_claims(results)  # which may send another row's link to review
        return sorted({*again, *(at for at, (result, action) in enumerate(
            zip(results, actions, strict=True)) if result.action is not action)})

    def _refresh(self, changed: set[int]) -> set[str]:
        """Read the changed trainers, their credentials and the review queue again; the
        credential numbers whose record or review changed."""
        ids = sorted(changed)
        before = {n: k for n, k in self.known.items() if k.trainer_id in changed}
        now = {n: k for chunk in chunks(ids)
               for n, k in self._known_credentials(Credential.trainer_id.in_(chunk)).items()}
        for number in before:
            del self.known[number]
        self.known.update(now)
        numbers = {n for n in before.keys() | now.keys() if before.get(n) != now.get(n)}
        pending, refused = self._reviews()
        numbers |= {n for n in pending.keys() | self.pending_reviews.keys()
                    if pending.get(n) != self.pending_reviews.get(n)}
        numbers |= {n for n, _ in refused.keys() ^ self.refused.keys()}
        self.pending_reviews, self.refused = pending, refused
        people = dict(pair for chunk in chunks(ids)
                      for pair in linkage_people(self.session, Trainer.id.in_(chunk)))
        for trainer_id in ids:
            self.index.forget(trainer_id)  # and their holds
            if trainer_id in people:
                self.index.add(trainer_id, people[trainer_id])
        for number, credential in now.items():
            self.index.hold(credential.trainer_id, credential.certification, number)
        return numbers

    def _touched(self, results: list[RowResult], changed: set[int],
                 numbers: set[str]) -> list[int]:
        """The rows the changes could alter, in file order: those naming a changed
        credential number or trainer, those creating a trainer a changed one now blocks
        with (it may be the same person), and, over and over, the rows naming a trainer
        or number one of those names (a repeat, a competing claim, a link to a trainer
        an earlier row creates)."""
        trainers = set(changed) | {near for trainer_id in changed
                                   if trainer_id in self.index.people
                                   for near in self.index.near(trainer_id) if near < 0}
        touched: set[int] = set()
        while True:
            more = [at for at, result in enumerate(results) if at not in touched
                    and ((_number(result) or "") in numbers
                         or _trainers(result) & trainers)]
            if not more:
                return sorted(touched)
            touched.update(more)
            for at in more:
                trainers |= _trainers(results[at])
                numbers.add(_number(results[at]) or "")

    def _forget(self, result: RowResult) -> None:
        """Undo what reconciling a row left in the reconciler for later rows."""
        if (number := _number(result)) is None:
            return
        if self.first_seen.get(number) is result:
            del self.first_seen[number]
        if result.action is RowAction.CREATED:
            self.index.forget(result.trainer_ref)
        elif number not in self.known:  # a link's hold, perhaps since settled to review
            for trainer_id in _trainers(result):
                self.index.unhold(trainer_id, result.data["certification"], number)

    def _reconcile_valid(self, number: int, data: dict) -> RowResult:
        key = data["credential_number"]
        if (first := self.first_seen.get(key)) is not None:
            return self._repeat(number, data, first)
        self.first_seen[key] = result = self._decide(number, data)
        return result

    def _repeat(self, number: int, data: dict, first: RowResult) -> RowResult:
        if fingerprint(data) == first.fingerprint:
            if first.action in (RowAction.REVIEW, RowAction.REJECTED):
                return RowResult(number, first.action, errors=list(first.errors),
                                 reasons=[f"duplicate of row {first.row}, "
                                          f"{first.action.value} there"])
            return RowResult(number, RowAction.UNCHANGED, first.trainer_ref,
                             reasons=[f"duplicate of row {first.row}, applied once there"])
        return RowResult(number, RowAction.REJECTED, errors=[_error(
            "credential_number", f"Credential number {data['credential_number']} is also in "
            f"row {first.row} with different details; keep one of them.")])

    def _decide(self, number: int, data: dict) -> RowResult:
        key, code = data["credential_number"], data["certification"]
        # Rows a curator holds or refused stay so, whatever else matches them.
        if (review_id := self.pending_reviews.get(key)) is not None:
            return RowResult(number, RowAction.REVIEW,
                             reasons=[f"already waiting in the review queue (review {review_id})"])
        if (review_id := self.refused.get((key, fingerprint(data)))) is not None:
            return RowResult(number, RowAction.REJECTED, errors=[_error(
                "credential_number", f"A curator rejected this row in review {review_id}; "
                "correct the row or add the credential by hand.")])
        if (known := self.known.get(key)) is not None:
            return self._known(number, data, known)
        person = _person(data)
        decision = self.index.decide(person, code, key)
        if decision.outcome is Outcome.LINK:
            best = decision.best
            self.index.hold(best.trainer_id, code, key)
            return RowResult(number, RowAction.LINKED, best.trainer_id, best.confidence,
                             decision.reasons, bits=best.bits)
        if decision.outcome is Outcome.REVIEW:
            return RowResult(number, RowAction.REVIEW, None, decision.best.confidence,
                             decision.reasons, candidates=[
                                 {"trainer_id": c.trainer_id, "confidence": c.confidence,
                                  "reasons": c.reasons + c.conflicts}
                                 for c in decision.candidates])
        return self._new_trainer(number, data, person)

    def _new_trainer(self, number: int, data: dict, person: Person) -> RowResult:
        if missing := [f for f in ("first_name", "last_name") if not data.get(f)]:
            return RowResult(number, RowAction.REJECTED, errors=[_error(
                f, "No trainer matches, and a new one needs a first and a last name.")
                for f in missing])
        status = data.get("status") or VerificationStatus.VERIFIED
        if status is not VerificationStatus.VERIFIED:
            return RowResult(number, RowAction.REJECTED, errors=[_error(
                "status", f"No trainer matches, and {_article(status.value)} {status.value} "
                "credential is no reason to list a new one.")])
        if not (data.get("postal_code") or (data.get("city") and data.get("state"))):
            return RowResult(number, RowAction.REJECTED, errors=[_error(
                "postal_code", "No trainer matches, and a new one needs a place: give "
                "postal_code, or city and state.")])
        try:
            place = checked_place(data)
        except InvalidInput as error:
            return RowResult(number, RowAction.REJECTED, errors=[
                _error(column, f"No trainer matches, and a new one needs a place: {message}")
                for column, messages in error.errors.items() for message in messages])
        self.created += 1
        provisional = -self.created
        # Later rows about the same person link to the trainer this row creates.
        self.index.add(provisional, person)
        self.index.hold(provisional, data["certification"], data["credential_number"])
        return RowResult(number, RowAction.CREATED, provisional, reasons=[
            "no trainer in the directory is a likely match"], place=place)

    def _known(self, number: int, data: dict, known: KnownCredential) -> RowResult:
        key = data["credential_number"]
        if known.certification != data["certification"]:
            return RowResult(number, RowAction.REJECTED, errors=[_error(
                "certification", f"{self.issuer} number {key} is registered for "
                f"{known.certification}, not {data['certification']}.")])
        agrees, name = self.index.same_name(_person(data), known.trainer_id)
        if not agrees:
            return RowResult(number, RowAction.REVIEW, None, None, [
                f"credential number {key} is registered to {name}, whose name differs"],
                candidates=[{"trainer_id": known.trainer_id, "confidence": None,
                             "reasons": ["holds this credential number"]}])
        changes = credential_changes(known, data)
        if (problem := dates_problem(known, changes)) is not None:
            return RowResult(number, RowAction.REJECTED, errors=[_error("expires_on", problem)])
        if doubts := backward_changes(known, changes):
            return RowResult(number, RowAction.REVIEW, None, None, doubts, candidates=[
                {"trainer_id": known.trainer_id, "confidence": None,
                 "reasons": ["holds this credential number"]}])
        if not changes:
            return RowResult(number, RowAction.UNCHANGED, known.trainer_id,
                             reasons=["credential already recorded as listed"])
        reasons = [f"{k} {_shown(getattr(known, k))} -> {_shown(v)}" for k, v in changes.items()]
        return RowResult(number, RowAction.UPDATED, known.trainer_id, reasons=reasons,
                         credential_id=known.id, changes=changes)


def credential_changes(known, data: dict) -> dict:
    """What the list says differently; a value the list leaves out is kept."""
    return {k: data[k] for k in UPDATABLE
            if data.get(k) is not None and data[k] != getattr(known, k)}


def backward_changes(known, changes: dict) -> list[str]:
    """Changes an older or wrong list could make, which only a curator may accept."""
    doubts = []
    if known.status is VerificationStatus.REVOKED and "status" in changes:
        doubts.append(f"the credential was revoked; the list says {changes['status'].value}")
    if "expires_on" in changes and known.expires_on and changes["expires_on"] < known.expires_on:
        doubts.append(f"the list's expiry {changes['expires_on']} is earlier than the "
                      f"recorded {known.expires_on}: an older list?")
    return doubts


def dates_problem(known, changes: dict) -> str | None:
    """Why the changes would leave the credential expiring before it was issued, if so."""
    issued = changes.get("issued_on", known.issued_on)
    expires = changes.get("expires_on", known.expires_on)
    if issued and expires and issued > expires:
        return (f"The credential would expire ({expires}) before it was issued ({issued}); "
                "the list and the directory disagree on its dates.")
    return None


@dataclass
class StagedRow:
    """One row's inserts, ready for the driver but for what is known under the lock."""

    import_row: list
    trainer: list | None = None  # a trainer this row creates, and its creation event
    trainer_event: list | None = None
    credential: list | None = None  # a credential this row adds, its event and what
    credential_event: list | None = None  # the event logs but the trainer and source
    credential_log: dict | None = None


class StagedBatch:
    """A batch's inserts made ready before the directory's write lock is taken (see
    directory.bulk). Under it only ids, the batch's number and the credentials' creation
    logs, which name both, are worked out."""

    def __init__(self, session: Session, issuer: str, results: list[RowResult],
                 certifications: dict[str, Certification]):
        self.issuer, self.certifications = issuer, certifications
        self.trainers = BulkInsert(session, Trainer.__table__)
        self.credentials = BulkInsert(session, Credential.__table__)
        self.import_rows = BulkInsert(session, ImportRow.__table__, but=("id",))
        self.events = BulkInsert(session, AuditEvent.__table__, but=("id",))
        self.trainer_log, self.credential_log = creation_log(Trainer), creation_log(Credential)
        self.trainer_event = bulk_event(session, Trainer.__tablename__)
        self.credential_event = bulk_event(session, Credential.__tablename__)
        self.rows = [self._stage(result) for result in results]

    def restage(self, results: list[RowResult], again: list[int]) -> None:
        """Stage again the rows reconciled again under the lock."""
        for at in again:
            self.rows[at] = self._stage(results[at])

    def _stage(self, result: RowResult) -> StagedRow:
        staged = StagedRow(self.import_rows.row(_import_row(self.issuer, result)))
        if result.action is RowAction.CREATED:
            values = {**self.trainers.defaults, **new_trainer_values(result.data, result.place)}
            staged.trainer = self.trainers.row(values)
            staged.trainer_event = self.events.row(
                {**self.trainer_event, "changes": self.trainer_log(values)})
        if result.action in (RowAction.CREATED, RowAction.LINKED):
            values = {**self.credentials.defaults,
                      **credential_values_from_row(result.data, self.certifications, None)}
            staged.credential = self.credentials.row(values)
            staged.credential_event = self.events.row(self.credential_event)
            staged.credential_log = self.credential_log(values)
        return staged

    def write(self, session: Session, batch: ImportBatch, results: list[RowResult]) -> set[int]:
        """Insert every staged row, filling in what the lock made known; the trainers
        that gained a credential."""
        source = f"{batch.issuer} list, import {batch.id}"
        created = [at for at, r in enumerate(results) if r.action is RowAction.CREATED]
        ids = new_ids(session, Trainer.__table__, len(created))
        real = dict(zip((results[at].trainer_ref for at in created), ids, strict=True))
        renamed = _name_created_trainers(results, real)
        held = [(at, r.trainer_ref) for at, r in enumerate(results)
                if r.action in (RowAction.CREATED, RowAction.LINKED)]
        credential_ids = new_ids(session, Credential.__table__, len(held))
        rows = self.rows
        self.trainers.write(session, [self.trainers.fill(rows[at].trainer, id=id_)
                                      for at, id_ in zip(created, ids, strict=True)])
        self.credentials.write(session, [self.credentials.fill(
            rows[at].credential, id=id_, trainer_id=holder, verification_source=source)
            for (at, holder), id_ in zip(held, credential_ids, strict=True)])
        self.events.write(session, [self.events.fill(
            rows[at].trainer_event, object_id=str(id_), import_batch_id=batch.id)
            for at, id_ in zip(created, ids, strict=True)] + [self.events.fill(
                rows[at].credential_event, object_id=str(id_), import_batch_id=batch.id,
                changes={**rows[at].credential_log, **self.credential_log(
                    {"trainer_id": holder, "verification_source": source})})
                for (at, holder), id_ in zip(held, credential_ids, strict=True)])
        for at in renamed:
            self.import_rows.fill(rows[at].import_row, candidates=results[at].candidates)
        self.import_rows.write(session, [
            self.import_rows.fill(row.import_row, batch_id=batch.id,
                                  trainer_id=result.trainer_ref)
            for result, row in zip(results, rows, strict=True)])
        return {holder for _, holder in held}


def _name_created_trainers(results: list[RowResult], real: dict[int, int]) -> list[int]:
    """Give the results the ids of the trainers created for them, in place of the
    provisional ones; the rows whose review candidates named one."""
    renamed = []
    for at, result in enumerate(results):
        result.trainer_ref = real.get(result.trainer_ref, result.trainer_ref)
        if any(candidate["trainer_id"] in real for candidate in result.candidates):
            renamed.append(at)
            for candidate in result.candidates:
                candidate["trainer_id"] = real.get(candidate["trainer_id"],
                                                   candidate["trainer_id"])
    return renamed


def apply(session: Session, batch: ImportBatch, results: list[RowResult],
          staged: StagedBatch) -> None:
    """Write every row's outcome, each created row with its audit event, from the staged
    inserts: the write lock is held for the database's work, not for building rows."""
    source = f"{batch.issuer} list, import {batch.id}"
    holders = staged.write(session, batch, results)
    _update_credentials(session, {r.credential_id: r.changes for r in results
                                  if r.action is RowAction.UPDATED}, source)
    mark_for_reindex(session, holders)
    # The report's rows went in by a bulk insert the audit hook does not see.
    record_event(session, "bulk_create", "import_rows", changes={"count": len(results)})


def _update_credentials(session: Session, changes: dict[int, dict], source: str) -> None:
    """The list's changes to known credentials, through the ORM (audited as updates)."""
    for chunk in chunks(list(changes)):
        for credential in session.scalars(select(Credential).where(Credential.id.in_(chunk))):
            apply_credential_changes(credential, {**changes[credential.id],
                                                  "verification_source": source})
    session.flush()


def new_trainer(data: dict, place: Place) -> Trainer:
    """A trainer known only from a credential list (see new_trainer_values)."""
    return Trainer(**new_trainer_values(data, place))


def new_trainer_values(data: dict, place: Place) -> dict:
    """A trainer known only from a credential list: listed, not yet accepting clients
    (they have not said so), until they or a curator complete the profile."""
    fields = {key: data.get(key) for key in TRAINER_FIELDS}
    return {**fields, **place_fields(data, place), "accepting_new_clients": False}


def new_credential_from_row(data: dict, certifications: dict[str, Certification],
                            source: str) -> Credential:
    certification = certifications[data["certification"]]
    return Credential(certification=certification,
                      **credential_values_from_row(data, certifications, source))


def credential_values_from_row(data: dict, certifications: dict[str, Certification],
                               source: str) -> dict:
    status = data.get("status") or VerificationStatus.VERIFIED
    return credential_values(certifications[data["certification"]], data["credential_number"],
                             {"status": status, "issued_on": data.get("issued_on"),
                              "expires_on": data.get("expires_on"),
                              "verification_source": source})


def _import_row(issuer: str, result: RowResult) -> dict:
    """A row of the report (its batch is filled in under the lock)."""
    keep_data = result.action in (RowAction.REVIEW, RowAction.REJECTED)
    waiting = result.action is RowAction.REVIEW and bool(result.candidates)
    return {
        "row": result.row, "action": result.action,
        "trainer_id": result.trainer_ref, "confidence": result.confidence,
        "reasons": result.reasons, "errors": result.errors, "issuer": issuer,
        # A rejected row's number may be anything the file held: keep what fits.
        "credential_number": str((result.data or {}).get("credential_number") or "")[:64]
        or None,
        "data": _printable(result.data) if keep_data and result.data else None,
        "candidates": result.candidates,
        # A row already in the queue from an earlier import is not queued twice.
        "review_status": ReviewStatus.PENDING if waiting else None,
    }


def summarize(results: list[RowResult]) -> dict:
    counts = Counter(r.action for r in results)
    return {"rows": len(results), **{action.value: counts[action] for action in RowAction}}


def report(batch: ImportBatch | None, issuer: str, results: list[RowResult]) -> dict:
    return {
        "batch_id": batch.id if batch else None, "issuer": issuer, "dry_run": batch is None,
        "summary": summarize(results),
        "rows": [{"row": r.row, "action": r.action,
                  # In a dry run a trainer to be created has no id yet.
                  "trainer_id": r.trainer_ref if r.trainer_ref and r.trainer_ref > 0 else None,
                  "confidence": r.confidence, "reasons": r.reasons, "errors": r.errors}
                 for r in results],
    }


def stored_report(session: Session, batch: ImportBatch) -> dict:
    rows = session.scalars(select(ImportRow).where(ImportRow.batch_id == batch.id)
                           .order_by(ImportRow.row))
    return {"batch_id": batch.id, "issuer": batch.issuer, "dry_run": False,
            "summary": batch.summary, "rows": [{
                "row": r.row, "action": r.action, "confidence": r.confidence,
                "reasons": r.reasons, "errors": r.errors,
                # As the import left it: a review row names no trainer, decided or not.
                "trainer_id": None if r.action is RowAction.REVIEW else r.trainer_id,
            } for r in rows]}


def fingerprint(data: dict) -> str:
    """The same values, the same fingerprint, whether fresh or read back from JSON."""
    return hashlib.sha256(json.dumps(_printable(data), sort_keys=True).encode()).hexdigest()


def _printable(data: dict) -> dict:
    return {k: v.isoformat() if isinstance(v, date) else
            v.value if isinstance(v, VerificationStatus) else
            printable(v) if isinstance(v, str) else v
            for k, v in data.items() if v is not None}


def _number(result: RowResult) -> str | None:
    return (result.data or {}).get("credential_number")


def _trainers(result: RowResult) -> set[int]:
    """The trainers a row's outcome names: the one it links to or creates, and its
    review candidates."""
    named = {candidate["trainer_id"] for candidate in result.candidates}
    return named | {result.trainer_ref} if result.trainer_ref is not None else named


def _person(data: dict) -> Person:
    return Person(**{f: data.get(f) for f in PERSON_FIELDS})


def _row_errors(messages: dict, mapping: dict[str, str]) -> list[dict]:
    header_of = {column: header for header, column in mapping.items()}
    return [{"column": header_of.get(column, column), "field": column, "message": message}
            for column, texts in messages.items()
            for message in (texts if isinstance(texts, list) else [texts])]


def _article(word: str) -> str:
    return "an" if word[0] in "aeiou" else "a"


def _error(column: str, message: str) -> dict:
    return {"column": column, "field": column, "message": message}


def _shown(value) -> str:
    if value is None:
        return "none"
    return value.isoformat() if isinstance(value, date) else str(getattr(value, "value", value))


def chunks(items: list) -> list[list]:
    """Items in lists of CHUNK, for IN (...) queries and bulk inserts."""
    return [items[i:i + CHUNK] for i in range(0, len(items), CHUNK)]
