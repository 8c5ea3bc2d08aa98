from datetime import date

import click
from flask import current_app
from flask.cli import AppGroup

from directory.demo.services import DEMO_PASSWORD, demo_accounts, demo_directory, load_demo_batches
from directory.extensions import db

demo_cli = AppGroup("demo", help="A generated demo directory of US trainers.")


@demo_cli.command("load")
@click.option("--count", default=2000, show_default=True, type=click.IntRange(0, 5_000_000),
              help="How many demo trainers the directory should hold.")
@click.option("--seed", default=1, show_default=True, type=click.IntRange(0),
              help="The same seed always makes the same trainers.")
@click.option("--as-of", "as_of", type=click.DateTime(["%Y-%m-%d"]), default=None,
              help="Date credential expiries are spread around [default: today].")
def load_command(count: int, seed: int, as_of) -> None:
    """Generate and load demo trainers; trainers already loaded are skipped."""
    as_of_date = as_of.date() if as_of else date.today()
    try:
        generator = demo_directory(db.session, seed, as_of_date, current_app.config["DATA_DIR"])
    except (OSError, ValueError) as error:
        raise click.ClickException(str(error)) from error
    added = 0
    with click.progressbar(length=count, label="Demo trainers", file=None,
                           show_pos=True) as bar:
        for inserted, seen in load_demo_batches(db.session, generator, count):
            db.session.commit()  # one batch at a time: an interrupted load resumes
            added += inserted
            bar.update(seen)
    click.echo(f"Demo directory (seed {seed}): {added} trainers added, "
               f"{count - added} already present.")


@demo_cli.command("accounts")
def accounts_command() -> None:
    """Create one demo account per role, with a known password (never in production)."""
    if current_app.config["ENV_NAME"] == "production":
        raise click.ClickException("Demo accounts have a published password: not in production.")
    accounts = demo_accounts(db.session)
    db.session.commit()
    click.echo(f"Demo accounts (password {DEMO_PASSWORD!r}):")
    for user, new in accounts:
        linked = f", linked to trainer {user.trainer_id}" if user.trainer_id else ""
        already = "" if new else " (already there)"
        click.echo(f"  {user.email:32} {user.role.value}{linked}{already}")
