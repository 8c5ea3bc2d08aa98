import json
from pathlib import Path

import click
from flask import current_app, g
from flask.cli import AppGroup
from sqlalchemy import select

from directory.accounts.models import User
from directory.accounts.permissions import STAFF
from directory.audit.services import Actor
from directory.errors import InvalidInput, message_lines
from directory.extensions import db
from directory.imports.schemas import ReportSchema
from directory.imports.services import ImportOptions, prepare_import, run_import
from directory.labels import size_text

SHOWN_ERRORS = 20
REFUSED = "The import was refused; nothing changed."
credentials_cli = AppGroup("credentials", help="Credential lists from certifying bodies.")


@credentials_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--issuer", required=True, help="The certifying body's code, e.g. NSCA.")
@click.option("--profile", default=None,
              help="Column profile from data/import_profiles.toml [default: the issuer's].")
@click.option("--map", "mapping", multiple=True, metavar='"Header=column"',
              help="Map a header of the file to a column; repeat for more.")
@click.option("--dry-run", is_flag=True, help="Report what would happen; write nothing.")
@click.option("--full-list", is_flag=True,
              help="The file is the issuer's complete list of current credentials: the "
                   "ones it leaves out are shown to curators as not confirmed.")
@click.option("--report", "report_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the full report as JSON here.")
@click.option("--curator", "curator_email", default=None,
              help="Record the import as this curator's (an account email).")
def import_command(file: Path, issuer, profile, mapping, dry_run, full_list, report_path,
                   curator_email) -> None:
    """Import a credential list (CSV, JSON or XLSX): link, create, update, or queue
    doubtful rows for review. All or nothing; re-running the same file changes nothing."""
    curator = _curator(curator_email)
    content = file.read_bytes()
    limit = current_app.config["IMPORT_MAX_BYTES"]
    if len(content) > limit:
        raise click.ClickException(
            f"{REFUSED}\nfile: {file} is {size_text(len(content))}; the limit is "
            f"{size_text(limit)} (IMPORT_MAX_BYTES). Split it into smaller lists.")
    options = ImportOptions(issuer, profile, tuple(mapping), dry_run, full_list)
    data_dir = current_app.config["DATA_DIR"]
    try:
        prepared = prepare_import(db.session, content, file.name, options, data_dir)
        if prepared.ignored:
            click.echo("Columns not read: " + ", ".join(prepared.ignored), err=True)
        with click.progressbar(length=len(prepared.table.rows), label="Reconciling rows",
                               show_pos=True) as bar:
            report = run_import(db.session, prepared, data_dir,
                                curator.id if curator else None, progress=bar.update)
        db.session.commit()
    except InvalidInput as error:
        db.session.rollback()
        raise click.ClickException(
            "\n".join([REFUSED, *message_lines(error.errors)])) from None
    except BaseException:
        db.session.rollback()  # a crash midway leaves the directory as it was
        raise
    document = ReportSchema().dump(report)
    if report_path:
        report_path.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    _echo_summary(document)


def _curator(email: str | None) -> User | None:
    if email is None:
        return None
    user = db.session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None or user.role not in STAFF or not user.is_active:
        raise click.ClickException(
            f"{REFUSED}\ncurator: {email} is not an active curator or admin account.")
    g.actor = Actor(user.id, user.role.value)  # the audit log names them, not "system"
    return user


def _echo_summary(document: dict) -> None:
    summary = document["summary"]
    head = ("Dry run: nothing was written." if document["dry_run"]
            else f"Import {document['batch_id']} applied.")
    click.echo(f"{head} {document['issuer']}, {summary['rows']} rows:")
    for action in ("created", "linked", "updated", "unchanged", "review", "rejected"):
        click.echo(f"  {action:<10} {summary[action]}")
    errors = [(row["row"], error) for row in document["rows"] for error in row["errors"]]
    for number, error in errors[:SHOWN_ERRORS]:
        click.echo(f"  row {number}: {error['column'] or 'row'}: {error['message']}", err=True)
    if len(errors) > SHOWN_ERRORS:
        click.echo(f"  ... and {len(errors) - SHOWN_ERRORS} more errors: see --report.",
                   err=True)
