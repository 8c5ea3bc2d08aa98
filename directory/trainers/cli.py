import click
from flask import current_app
from flask.cli import AppGroup

from directory.duplicates.models import DuplicateStatus
from directory.duplicates.services import duplicates_query, queue_duplicates
from directory.extensions import db

trainers_cli = AppGroup("trainers", help="The directory's trainers.")


@trainers_cli.command("duplicates")
@click.option("--limit", default=50, show_default=True, type=click.IntRange(min=1),
              help="Show at most this many waiting pairs, likeliest first.")
def duplicates_command(limit: int) -> None:
    """Find trainers that are likely one person and queue the pairs for curators.

    Record linkage compares every trainer with the few that share a block key, as an
    import compares a list's rows. Nothing is merged here: a curator merges each pair,
    or marks it two people, at /manage/duplicates (or through /api/v1/duplicates).
    """
    result = queue_duplicates(db.session, current_app.config["DATA_DIR"])
    db.session.commit()
    click.echo(f"{result.found} likely duplicate pair(s): {result.queued} new in the queue, "
               f"{result.refreshed} rescored, {result.decided} already decided.")
    waiting = db.session.scalars(duplicates_query(DuplicateStatus.PENDING).limit(limit)).all()
    if waiting:
        click.echo(f"The {len(waiting)} likeliest waiting pair(s):")
    for pair in waiting:
        click.echo(f"- pair {pair.id}: trainer {pair.trainer_id} {pair.trainer.full_name} and "
                   f"trainer {pair.other_id} {pair.other.full_name}, confidence "
                   f"{pair.confidence:.2f}")
        click.echo(f"    {'; '.join(pair.reasons)}")
