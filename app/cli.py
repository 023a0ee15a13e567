"""Commands: `flask db ...`, `flask users ...`, `flask demo load`, `flask listings expire`."""

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from sqlmodel import Session

from app import migrate
from app.db import get_engine
from app.services import accounts, demo, listings
from app.services.errors import ServiceError
from models import Role

db_cli = AppGroup("db", help="Database schema.")
users_cli = AppGroup("users", help="Accounts created by an administrator.")
demo_cli = AppGroup("demo", help="Demo data.")
listings_cli = AppGroup("listings", help="Listing lifecycle.")


@db_cli.command("upgrade")
@click.argument("revision", default="head")
def db_upgrade(revision: str) -> None:
    """Apply migrations up to REVISION (default: head)."""
    migrate.upgrade(get_engine(), revision)
    click.echo(f"database at {revision}")


@db_cli.command("revision")
@click.option("-m", "--message", required=True)
def db_revision(message: str) -> None:
    """Autogenerate a migration from the models."""
    migrate.new_revision(get_engine(), message)


def _create_user(role: Role, email: str, name: str, password: str) -> None:
    with Session(get_engine()) as session:
        try:
            user = accounts.create_user(session=session, email=email, password=password, name=name, role=role)
        except ServiceError as exc:
            raise click.ClickException(" ".join([exc.message, *exc.fields.values()])) from None
    click.echo(f"created {role.value} user {user.email}")


@users_cli.command("create-bureau")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.password_option()
def create_bureau(email: str, name: str, password: str) -> None:
    """Create a city bureau account."""
    _create_user(Role.bureau, email, name, password)


@users_cli.command("create-expert")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.password_option()
def create_expert(email: str, name: str, password: str) -> None:
    """Create an expert account."""
    _create_user(Role.expert, email, name, password)


@demo_cli.command("load")
def demo_load() -> None:
    """Load the demo marketplace (idempotent)."""
    with Session(get_engine()) as session:
        counts = demo.load_demo(session=session, ttl_days=current_app.config["LISTING_TTL_DAYS"])
    click.echo(", ".join(f"{n} {kind}" for kind, n in counts.items()))
    click.echo(f"demo accounts: <key>@{demo.DEMO_EMAIL_DOMAIN}, bureau@{demo.DEMO_EMAIL_DOMAIN}; "
               f"password {demo.DEMO_PASSWORD}")


@listings_cli.command("expire")
def listings_expire() -> None:
    """Mark listings past their expiry as expired."""
    with Session(get_engine()) as session:
        click.echo(f"{listings.expire_listings(session=session)} listings expired")


def init_app(app: Flask) -> None:
    for group in (db_cli, users_cli, demo_cli, listings_cli):
        app.cli.add_command(group)
