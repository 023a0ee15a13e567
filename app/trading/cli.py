"""`flask trading close-auctions`: close every auction past its end (a cron job; reading an auction closes it too)."""

import click
from flask.cli import AppGroup
from sqlmodel import Session

from app.db import get_engine
from app.trading.services import auctions

trading_cli = AppGroup("trading", help="Open trading: auctions.")


@trading_cli.command("close-auctions")
def close_auctions() -> None:
    """Close the auctions whose end has passed: sold with a draft contract, or unsold."""
    with Session(get_engine()) as session:
        closed = auctions.close_due(session=session)
    click.echo(f"closed {closed} auction(s)")
