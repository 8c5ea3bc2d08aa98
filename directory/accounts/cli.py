import sys

import click
from flask.cli import AppGroup

from directory.accounts.models import Role
from directory.accounts.services import create_user
from directory.errors import Conflict, InvalidInput
from directory.extensions import db

users_cli = AppGroup("users", help="Accounts.")


@users_cli.command("create")
@click.option("--email", required=True)
@click.option("--role", required=True, type=click.Choice([r.value for r in Role]))
@click.option("--password-stdin", is_flag=True,
              help="Read the password from standard input instead of prompting.")
def create_command(email: str, role: str, password_stdin: bool) -> None:
    """Create an account (doctors, curators and admins are made this way)."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        user = create_user(db.session, email, password, Role(role))
    except InvalidInput as error:
        raise click.ClickException(" ".join(error.errors["password"])) from error
    except Conflict as error:
        raise click.ClickException(str(error)) from error
    db.session.commit()
    click.echo(f"Created {user.role.value} account {user.email} (id {user.id}).")
