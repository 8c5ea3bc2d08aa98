import click
from flask import current_app
from flask.cli import AppGroup

from directory.extensions import db
from directory.trainers.models import Trainer
from directory.trainers.services import likely_duplicates

trainers_cli = AppGroup("trainers", help="The directory's trainers.")


@trainers_cli.command("duplicates")
@click.option("--limit", default=50, show_default=True, type=click.IntRange(min=1),
              help="Show at most this many pairs, likeliest first.")
def duplicates_command(limit: int) -> None:
    """List pairs of trainers that are likely one person, with the reasons.

    Record linkage compares every trainer with the few that share a block key, as an
    import compares a list's rows. Nothing is changed: a curator merges or edits.
    """
    pairs = likely_duplicates(db.session, current_app.config["DATA_DIR"])
    if not pairs:
        click.echo("No likely duplicate trainers.")
        return
    click.echo(f"{len(pairs)} likely duplicate pair(s); the {min(limit, len(pairs))} "
               "likeliest:")
    for pair in pairs[:limit]:
        first, second = db.session.get(Trainer, pair.trainer_id), \
            db.session.get(Trainer, pair.other_id)
        candidate = pair.candidate
        click.echo(f"- trainer {first.id} {first.full_name} and trainer {second.id} "
                   f"{second.full_name}: confidence {candidate.confidence:.2f}")
        click.echo(f"    {'; '.join(candidate.reasons + candidate.conflicts)}")
