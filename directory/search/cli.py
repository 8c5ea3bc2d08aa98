import click
from flask.cli import AppGroup
from sqlalchemy import select

from directory.extensions import db
from directory.search.index import document
from directory.search.models import DirectoryChange
from directory.search.snapshot import directory_version
from directory.search.sync import search_index, trainers_with_documents
from directory.trainers.models import Trainer, TrainerStatus

search_cli = AppGroup("search", help="The full-text search index.")
BATCH = 1000


def active_ids(session) -> list[int]:
    return list(session.scalars(select(Trainer.id).where(
        Trainer.status == TrainerStatus.ACTIVE).order_by(Trainer.id)))


def rebuild_index(session, progress=None) -> int:
    """Rebuild the index from the database in batches; return how many were indexed.

    Trainers changed while it ran are written again from the change log, so no write
    that waited for (or gave up on) the rebuild's lock is lost.
    """
    started_at = directory_version(session)
    ids = active_ids(session)

    def documents():
        for start in range(0, len(ids), BATCH):
            batch = ids[start:start + BATCH]
            yield from (document(t) for t in trainers_with_documents(session, batch))
            session.expunge_all()  # constant memory over a large directory
            if progress:
                progress(len(batch))

    index = search_index()
    count = index.rebuild(documents())
    session.rollback()  # a fresh read: see what was committed while the rebuild ran
    replayed_at = directory_version(session)
    changed = set(session.scalars(select(DirectoryChange.trainer_id).where(
        DirectoryChange.version > started_at, DirectoryChange.version <= replayed_at)))
    if None in changed:  # a bulk change or catalog edit meanwhile: another rebuild is due
        index.mark_stale()
        return count
    if changed:
        listed = [t for t in trainers_with_documents(session, changed)
                  if t.status is TrainerStatus.ACTIVE]
        if not index.write([document(t) for t in listed], changed - {t.id for t in listed}):
            return count  # still stale: marked by write()
    index.clear_stale()
    index.mark_caught_up(replayed_at)
    return count


@search_cli.command("reindex")
def reindex_command() -> None:
    """Rebuild the index from the database."""
    total = len(active_ids(db.session))
    with click.progressbar(length=total, label="Indexing trainers") as bar:
        count = rebuild_index(db.session, bar.update)
    click.echo(f"Search index rebuilt: {count} active trainers.")


@search_cli.command("check")
def check_command() -> None:
    """Report drift between the database and the index; exit 1 if there is any."""
    index = search_index()
    if not index.exists():
        raise click.ClickException("There is no search index yet: run `flask search reindex`.")
    in_db, in_index = set(active_ids(db.session)), index.ids()
    missing, extra = in_db - in_index, in_index - in_db
    click.echo(f"Database: {len(in_db)} active trainers; index: {len(in_index)} documents.")
    if missing:
        click.echo(f"Missing from the index: {len(missing)} (e.g. {sorted(missing)[:5]})")
    if extra:
        click.echo(f"In the index but not active in the database: {len(extra)} "
                   f"(e.g. {sorted(extra)[:5]})")
    if index.stale:
        click.echo("An index update failed since the last rebuild.")
    if behind := index.missing_versions(directory_version(db.session)):
        click.echo(f"Committed changes not yet in the index: {len(behind)} (the next search "
                   "writes them in once overdue).")
    if missing or extra or index.stale:
        raise click.ClickException("The index has drifted: run `flask search reindex`.")
    click.echo("In step.")
