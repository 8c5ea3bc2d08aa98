import click
from flask.cli import AppGroup

from directory.doctors.registry import import_registry, open_text
from directory.errors import InvalidInput
from directory.extensions import db

npi_cli = AppGroup("npi", help="National Provider Identifiers (CMS NPPES).")


@npi_cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
def import_command(path: str) -> None:
    """Load a CMS NPPES extract, so doctors' NPIs are confirmed offline."""
    try:
        with open_text(path) as lines:
            counts = import_registry(db.session, lines)
    except InvalidInput as error:
        raise click.ClickException(" ".join(error.errors["file"])) from error
    db.session.commit()
    skipped = ", ".join(f"{n} {what.removeprefix('skipped: ')}"
                        for what, n in sorted(counts.items()) if what.startswith("skipped"))
    click.echo(f"Loaded {counts['loaded']} clinicians' NPIs"
               + (f"; skipped {skipped}." if skipped else "."))
