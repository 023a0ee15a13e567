"""Commands: `flask db ...`, `flask users ...`, `flask demo load|grow`, `flask listings expire`, `flask backup ...`."""

import json
import signal
import threading
import time
from datetime import date
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from sqlmodel import Session

from app import migrate
from app.accounts.services import accounts, deletion
from app.db import get_engine
from app.market.services import attachments, embeddings, indexes, listings, recommendations, saved_searches
from app.ops import backup, demo, grow
from app.ops import index_worker as worker_loop
from app.oversight.services import experts, notices
from app.platform import taxonomy
from app.platform.errors import ServiceError
from app.trading.cli import trading_cli
from indexing.sync import prune_applied
from models import ExpertField, Role, User

db_cli = AppGroup("db", help="Database schema.")
users_cli = AppGroup("users", help="Accounts: created by an administrator, deleted at their owner's request.")
demo_cli = AppGroup("demo", help="Demo data.")
listings_cli = AppGroup("listings", help="Listing lifecycle.")
index_cli = AppGroup("index", help="Search and vector indexes.")
match_cli = AppGroup("match", help="The matcher's learned ranking.")
notify_cli = AppGroup("notify", help="Notifications and alerts.")
backup_cli = AppGroup("backup", help="Backups of the database and the uploads.")
files_cli = AppGroup("files", help="Uploaded files.")
instruments_cli = AppGroup("instruments", help="Shared instruments: their stored free time.")


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


def _create_user(role: Role, email: str, name: str, password: str) -> User:
    with Session(get_engine()) as session:
        try:
            user = accounts.create_user(session=session, email=email, password=password, name=name, role=role)
        except ServiceError as exc:
            raise click.ClickException(" ".join([exc.message, *exc.fields.values()])) from None
    click.echo(f"created {role.value} user {user.email}")
    return user


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
@click.option(
    "--field",
    "fields",
    multiple=True,
    type=click.Choice([f.value for f in ExpertField]),
    help="A field the expert covers on review panels; repeat for several.",
)
@click.option("--affiliation", default="")
@click.password_option()
def create_expert(email: str, name: str, password: str, fields: tuple[str, ...], affiliation: str) -> None:
    """Create an expert account with the fields it covers."""
    user = _create_user(Role.expert, email, name, password)
    if fields:
        with Session(get_engine()) as session:
            experts.set_profile(
                session=session,
                user_id=user.id,
                data={"specialties": list(fields), "affiliation": affiliation},
            )
        click.echo(f"fields: {', '.join(fields)}")


@users_cli.command("purge-deletions")
def purge_deletions() -> None:
    """Delete the accounts whose waiting period has ended (their owners asked); meant for a daily cron job."""
    with Session(get_engine()) as session:
        deleted = deletion.purge_due(session=session)
    click.echo(f"{len(deleted)} accounts deleted")


@demo_cli.command("load")
def demo_load() -> None:
    """Load the demo marketplace (idempotent)."""
    with Session(get_engine()) as session:
        counts = demo.load_demo(session=session, ttl_days=current_app.config["LISTING_TTL_DAYS"])
    click.echo(", ".join(f"{n} {kind}" for kind, n in counts.items()))
    click.echo(
        f"demo accounts: <key>@{demo.DEMO_EMAIL_DOMAIN}, bureau@{demo.DEMO_EMAIL_DOMAIN}; "
        f"password {demo.DEMO_PASSWORD}"
    )


@demo_cli.command("grow")
@click.option(
    "--listings", "count", type=click.IntRange(min=1), required=True, help="How many listings to add."
)
@click.option(
    "--seed", default=1, show_default=True, help="The same seed on the same database adds the same rows."
)
def demo_grow(count: int, seed: int) -> None:
    """Add COUNT listings with organizations, interests and contracts in the demo's proportions."""
    started = time.perf_counter()
    with Session(get_engine()) as session:
        try:
            counts = grow.grow(
                session=session,
                listings=count,
                seed=seed,
                ttl_days=current_app.config["LISTING_TTL_DAYS"],
                industries=taxonomy.industries(),
            )
        except grow.GrowError as exc:
            raise click.ClickException(str(exc)) from None
    seconds = time.perf_counter() - started
    click.echo(", ".join(f"{n} {kind}" for kind, n in counts.items()))
    click.echo(
        f"{count} listings in {seconds:.1f} s ({count / seconds:.0f} listings/s); "
        "`flask index worker` indexes them from the outbox"
    )


@listings_cli.command("expire")
def listings_expire() -> None:
    """Mark listings past their expiry as expired."""
    with Session(get_engine()) as session:
        click.echo(f"{listings.expire_listings(session=session)} listings expired")


@index_cli.command("rebuild")
@click.option(
    "--workers",
    default=1,
    show_default=True,
    type=click.IntRange(1, 32),
    help="processes that analyse listing texts in parallel (a large market builds faster)",
)
def index_rebuild(workers: int) -> None:
    """Recreate the search index and the vector stores from the database."""
    try:
        count = indexes.rebuild(current_app._get_current_object(), workers=workers)
    except indexes.NotTheWriter as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"indexed {count} listings")


@index_cli.command("worker")
@click.option("--poll", default=1.0, show_default=True, help="Seconds between polls of an empty outbox.")
def run_index_worker(poll: float) -> None:
    """Drain the outbox into the search backend and this host's vector stores until stopped."""
    app = current_app._get_current_object()
    index = indexes.vector_index(app)
    stop = threading.Event()

    def request_stop(_signum, _frame):
        stop.set()

    # Ctrl-C and the service manager's SIGTERM both stop it cleanly (the changes it holds are saved). Set here
    # rather than inherited: a process a shell starts in the background inherits SIGINT ignored.
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, request_stop)
    if not index.writer.acquire():
        click.echo(f"another process writes {index.store_dir}; waiting to take over when it stops")
        while not index.writer.acquire():
            if stop.wait(indexes.RELOAD_CHECK_SECONDS):
                return
    click.echo("index worker running; Ctrl-C stops it")
    worker_loop.run_writer(app, stop, poll_interval=poll)


@index_cli.command("status")
def index_status() -> None:
    """Show each consumer's cursor, lag and last error, and what each index holds."""
    app = current_app._get_current_object()
    worker, _vectors = indexes.make_worker(app)
    status = worker.status()
    # The multilingual encoder's consumer, when E5_URL is set (its lag is listings waiting for a vector).
    encoder = embeddings.make_worker(app, publish=False)
    if encoder is not None:
        status.update(encoder[0].status())
    for name, state in status.items():
        click.echo(f"{name}: " + ", ".join(f"{k}={v}" for k, v in state.items()))
    click.echo(
        f"search backend {app.config['SEARCH_BACKEND']}: {indexes.search_backend(app).count()} documents"
    )
    index = indexes.vector_index(app)
    try:
        index.load_newest()
    except (FileNotFoundError, ValueError) as error:
        click.echo(f"vectors: {error}")
    matcher = index.matcher()
    counts = matcher.counts() if matcher else {}
    click.echo("vectors: " + (", ".join(f"{k}={v}" for k, v in counts.items()) or "not built"))


@index_cli.command("prune")
def index_prune() -> None:
    """Delete outbox rows every consumer has applied (the newest row always stays)."""
    count, slowest = prune_applied(get_engine())
    click.echo(f"pruned {count} outbox rows" + (f"; furthest behind: {slowest}" if slowest else ""))


@match_cli.command("evaluate-feedback")
def match_evaluate_feedback() -> None:
    """Compare a ranker learned from feedback with the unlearned ranking on held-back feedback."""
    with Session(get_engine()) as session:
        result = recommendations.evaluate_feedback_ranker(session=session)
    click.echo(json.dumps(result, ensure_ascii=False))


@notify_cli.command("digest")
def notify_digest() -> None:
    """Send today's digest of saved-search hits and new matches, one per user; meant for a daily cron job."""
    with Session(get_engine()) as session:
        digests = saved_searches.build_digests(session=session)
    click.echo(f"{len(digests)} digests, {sum(len(d.items) for d in digests)} items")


@notify_cli.command("reports-due")
@click.option("--days", default=14, show_default=True, help="remind of reports due within this many days")
def notify_reports_due(days: int) -> None:
    """Remind centers whose annual report is still missing and due soon (or overdue), once per evaluation;
    meant for a daily cron job."""
    with Session(get_engine()) as session:
        count = notices.reports_due(session, today=date.today(), within_days=days)
        session.commit()
    click.echo(f"{count} centers reminded")


@notify_cli.command("booking-reminders")
def notify_booking_reminders() -> None:
    """Remind both sides of each confirmed instrument booking that starts within a day, once; meant for an
    hourly or daily cron job."""
    from app.instruments.services import bookings

    with Session(get_engine()) as session:
        count = bookings.due_reminders(session=session)
    click.echo(f"{count} bookings reminded")


@instruments_cli.command("refresh-free-time")
def instruments_refresh_free_time() -> None:
    """Recompute every live instrument's stored free time for the coming weeks, so that the "free next week"
    filter finds none stale; meant for a daily cron job (writes refresh their own instrument already)."""
    from app.instruments.services import free_time

    with Session(get_engine()) as session:
        count = free_time.refresh_all(session)
    click.echo(f"{count} instruments refreshed")


@backup_cli.command("create")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
def backup_create(directory: Path) -> None:
    """Write the database, the uploads and a manifest into DIRECTORY (new or empty)."""
    try:
        manifest = backup.create(app=current_app._get_current_object(), directory=directory)
    except backup.BackupError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(
        f"backup of {sum(manifest['tables'].values())} rows and {len(manifest['files']) - 1} uploads "
        f"written to {directory}"
    )


@backup_cli.command("restore")
@click.argument("directory", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Replace a database and upload folder that are not empty.")
def backup_restore(directory: Path, force: bool) -> None:
    """Check the backup in DIRECTORY, restore it onto this instance, then rebuild search and vectors."""
    try:
        manifest = backup.restore(app=current_app._get_current_object(), directory=directory, force=force)
    except backup.BackupError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(
        f"restored {sum(manifest['tables'].values())} rows from the backup of {manifest['created_at']}; "
        "search and vectors rebuilt"
    )


@files_cli.command("thumbnails")
def files_thumbnails() -> None:
    """Make the thumbnails that images uploaded before thumbnails existed lack."""
    with Session(get_engine()) as session:
        made, unreadable = attachments.backfill_thumbnails(session=session)
    click.echo(
        f"{made} thumbnails made"
        + (f"; {unreadable} images could not be read and keep none" if unreadable else "")
    )


def init_app(app: Flask) -> None:
    for group in (
        db_cli,
        users_cli,
        demo_cli,
        listings_cli,
        index_cli,
        match_cli,
        notify_cli,
        backup_cli,
        files_cli,
        trading_cli,
        instruments_cli,
    ):
        app.cli.add_command(group)
