import click
from flask import current_app
from flask.cli import AppGroup

from directory.catalogs.services import CatalogError, load_catalogs
from directory.extensions import db
from directory.search.sync import search_index

catalogs_cli = AppGroup("catalogs", help="Reference catalogs: certifications and conditions.")


@catalogs_cli.command("load")
@click.option("--reset-edits", is_flag=True,
              help="Put the files' values back on entries curators edited in the app.")
def load_command(reset_edits: bool) -> None:
    """Load or refresh the catalogs from the data directory (idempotent).

    Entries curators edited in the app keep their edits unless --reset-edits.
    """
    try:
        reports = load_catalogs(db.session, current_app.config["DATA_DIR"], reset_edits)
    except CatalogError as error:
        db.session.rollback()
        raise click.ClickException(f"{error}\nNothing was changed.") from error
    db.session.commit()
    for report in reports:
        click.echo(report.summary())
    if search_index().stale:
        click.echo("The search index holds catalog names: run `flask search reindex`.")
