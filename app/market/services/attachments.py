"""Images and PDF brochures or drawings attached to listings, stored with app.platform.files.

Only the listing's organization adds or removes them. Anyone who may see the listing sees its attachments,
except a confidential need's: those follow its details (the owner, the bureau, approved organizations).
"""

from flask_babel import gettext as _
from sqlalchemy import func, update
from sqlmodel import Session, col, select

from app.market.services.listings import get_listing, lock_listing, require_owner
from app.market.services.need_access import can_see_details
from app.platform import files
from app.platform.errors import Conflict, Invalid, NotFound
from models import ListingAttachment, Need, User

# A listing shows pictures and documents; archives, Office files and text belong in a conversation.
LISTING_TYPES = ("image/png", "image/jpeg", "application/pdf")
MAX_PER_LISTING = 10


def _visible_listing(session: Session, kind: str, listing_id: int, user: User | None):
    listing = get_listing(session=session, kind=kind, listing_id=listing_id, user=user)
    if kind == "need" and isinstance(listing, Need) and not can_see_details(session, user, listing):
        raise NotFound(_("No such file."))
    return listing


def attachments_of(*, session: Session, kind: str, listing, user: User | None) -> list[ListingAttachment]:
    """The listing's attachments this user may see, oldest first."""
    if kind == "need" and not can_see_details(session, user, listing):
        return []
    return list(
        session.exec(
            select(ListingAttachment)
            .where(ListingAttachment.listing_type == kind, ListingAttachment.listing_id == listing.id)
            .order_by(col(ListingAttachment.id))
        ).all()
    )


def add_attachment(*, session: Session, kind: str, listing_id: int, user: User, upload) -> ListingAttachment:
    """Check and store one uploaded image or PDF for a listing of the user's organization."""
    listing = get_listing(session=session, kind=kind, listing_id=listing_id, user=user)
    require_owner(user, listing)
    if upload is None or not upload.filename:
        raise Invalid(_("Choose a file to upload."), {"file": _("Choose a file to upload.")})
    # The first bytes decide the type of an image or a PDF; anything else is refused before it is stored.
    head = upload.stream.read(16)
    upload.stream.seek(0)
    if head and files.sniff(head, head) not in LISTING_TYPES:
        raise Invalid(
            _("This type of file is not accepted."),
            {"file": _("A listing takes images (PNG, JPEG) and PDF documents.")},
        )
    stored = files.store(upload)
    thumbnail_name = None
    try:
        if stored.mimetype.startswith("image/"):
            thumbnail_name = files.store_thumbnail(stored.stored_name)
        # Counted under the listing's lock: two uploads at once cannot both take the last free place.
        listing = lock_listing(session=session, kind=kind, listing_id=listing_id, user=user)
        assert listing.id is not None and user.id is not None  # stored rows
        count = len(attachments_of(session=session, kind=kind, listing=listing, user=user))
        if count >= MAX_PER_LISTING:
            raise Conflict(_("A listing has at most %(n)s attachments.", n=MAX_PER_LISTING))
        row = ListingAttachment(
            listing_type=kind,
            listing_id=listing.id,
            uploaded_by=user.id,
            original_name=stored.original_name,
            stored_name=stored.stored_name,
            thumbnail_name=thumbnail_name,
            mimetype=stored.mimetype,
            size=stored.size,
            sha256=stored.sha256,
        )
        session.add(row)
        session.commit()
    except BaseException:
        session.rollback()
        files.discard(stored.stored_name)
        if thumbnail_name:
            files.discard(thumbnail_name)
        raise
    session.refresh(row)
    return row


def _attachment(session: Session, kind: str, listing_id: int, attachment_id: int) -> ListingAttachment:
    row = session.get(ListingAttachment, attachment_id)
    if row is None or row.listing_type != kind or row.listing_id != listing_id:
        raise NotFound(_("No such file."))
    return row


def attachment_file(*, session: Session, kind: str, listing_id: int, attachment_id: int, user: User | None):
    """(path, original name, type) of an attachment the user may see."""
    _visible_listing(session, kind, listing_id, user)
    row = _attachment(session, kind, listing_id, attachment_id)
    return files.path_of(row.stored_name), row.original_name, row.mimetype


def thumbnail_file(*, session: Session, kind: str, listing_id: int, attachment_id: int, user: User | None):
    """(path, type) of an image attachment's thumbnail, under the same rule as the image itself."""
    _visible_listing(session, kind, listing_id, user)
    row = _attachment(session, kind, listing_id, attachment_id)
    if not row.thumbnail_name:
        raise NotFound(_("No such file."))
    path = files.path_of(row.thumbnail_name)
    with open(path, "rb") as handle:
        return path, files.sniff(handle.read(16), b"")


def card_thumbnails(*, session: Session, kind: str, listings) -> dict[int, int]:
    """The first image of each listing, for its card, as {listing id: attachment id}: one query for a page of
    cards. Never a confidential need's, whose cards anyone may see."""
    ids = [listing.id for listing in listings if not (kind == "need" and listing.confidential)]
    if not ids:
        return {}
    rows = session.exec(
        select(ListingAttachment.listing_id, func.min(ListingAttachment.id))
        .where(
            ListingAttachment.listing_type == kind,
            col(ListingAttachment.listing_id).in_(ids),
            col(ListingAttachment.thumbnail_name).is_not(None),
        )
        .group_by(col(ListingAttachment.listing_id))
    ).all()
    # min() of a group: never None
    return {listing_id: first for listing_id, first in rows if first is not None}


def delete_attachment(
    *, session: Session, kind: str, listing_id: int, attachment_id: int, user: User
) -> None:
    """Remove an attachment and its files; under the listing's lock, so a second delete at once finds none."""
    lock_listing(session=session, kind=kind, listing_id=listing_id, user=user)
    row = session.exec(
        select(ListingAttachment)
        .where(ListingAttachment.id == attachment_id)
        .execution_options(populate_existing=True)
    ).first()
    if row is None or row.listing_type != kind or row.listing_id != listing_id:
        session.rollback()
        raise NotFound(_("No such file."))
    stored_names = [name for name in (row.stored_name, row.thumbnail_name) if name]
    session.delete(row)
    session.commit()
    for stored_name in stored_names:
        files.discard(stored_name)


def backfill_thumbnails(*, session: Session) -> tuple[int, int]:
    """Make the missing thumbnails of image attachments (those uploaded before thumbnails existed): (made,
    left without one because the image cannot be read). Safe to run twice at once: a thumbnail is recorded only
    where none is yet, and the loser's file is deleted."""
    rows = session.exec(
        select(ListingAttachment.id, ListingAttachment.stored_name)
        .where(
            col(ListingAttachment.thumbnail_name).is_(None),
            col(ListingAttachment.mimetype).startswith("image/"),
        )
        .order_by(col(ListingAttachment.id))
    ).all()
    made = unreadable = 0
    for attachment_id, stored_name in rows:
        try:
            thumbnail_name = files.store_thumbnail(stored_name)
        except (Invalid, NotFound):
            unreadable += 1
            continue
        try:
            recorded = session.execute(
                update(ListingAttachment)
                .where(
                    col(ListingAttachment.id) == attachment_id,
                    col(ListingAttachment.thumbnail_name).is_(None),
                )
                .values(thumbnail_name=thumbnail_name)
            ).rowcount  # type: ignore[attr-defined]  # an UPDATE's result is a CursorResult, typed as Result
            session.commit()
        except BaseException:
            session.rollback()
            files.discard(thumbnail_name)
            raise
        if recorded:
            made += 1
        else:
            files.discard(thumbnail_name)
    return made, unreadable
