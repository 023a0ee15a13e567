"""Needs, achievements and services: post, edit, publish, reconfirm, close, delete, browse."""

import math
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import String, cast, func, or_
from sqlmodel import Session, SQLModel, select

from app.services.errors import Conflict, Forbidden, Invalid, NotFound
from app.services.taxonomy import is_industry
from app.services.validation import parse
from indexing.sync import record_change
from models import (
    Achievement,
    AchievementCreate,
    AchievementPublic,
    AchievementUpdate,
    Center,
    CenterMember,
    ListingStatus,
    Need,
    NeedAccess,
    NeedCreate,
    NeedPublic,
    NeedUpdate,
    Role,
    Service,
    ServiceCreate,
    ServicePublic,
    ServiceUpdate,
    User,
)
from models.common import utcnow


@dataclass(frozen=True)
class ListingKind:
    """How one kind of listing is validated, stored, shown, and who may post it."""

    name: str
    table: type[SQLModel]
    create: type[SQLModel]
    update: type[SQLModel]
    public: type[SQLModel]
    poster_role: Role


KINDS: dict[str, ListingKind] = {
    "need": ListingKind("need", Need, NeedCreate, NeedUpdate, NeedPublic, Role.enterprise),
    "achievement": ListingKind("achievement", Achievement, AchievementCreate, AchievementUpdate,
                               AchievementPublic, Role.center),
    "service": ListingKind("service", Service, ServiceCreate, ServiceUpdate, ServicePublic, Role.center),
}

Listing = Need | Achievement | Service


def kind_of(name: str) -> ListingKind:
    try:
        return KINDS[name]
    except KeyError:
        raise NotFound(_("No such kind of listing.")) from None


# --- who may do what -------------------------------------------------------------------------------------------

def is_live(listing: Listing, now=None) -> bool:
    """Published and not past its expiry: what the public sees."""
    now = now or utcnow()
    return listing.status == ListingStatus.published and (listing.expires_at is None or listing.expires_at > now)


def owns(user: User | None, listing: Listing) -> bool:
    return user is not None and user.org_id is not None and user.org_id == listing.org_id


def is_bureau(user: User | None) -> bool:
    return user is not None and user.role == Role.bureau


def can_view(user: User | None, listing: Listing) -> bool:
    return is_live(listing) or owns(user, listing) or is_bureau(user)


def can_see_details(session: Session, user: User | None, need: Need) -> bool:
    """Confidential details: the owner, the bureau, and organizations the owner approved."""
    if not need.confidential or owns(user, need) or is_bureau(user):
        return True
    if user is None or user.org_id is None:
        return False
    return session.get(NeedAccess, (need.id, user.org_id)) is not None


def reveal_details(session: Session, user: User | None, need: Need) -> bool:
    """`can_see_details`, and when the answer is yes for someone other than the owner, log that view."""
    if not can_see_details(session, user, need):
        return False
    from app.services.interests import log_detail_view  # interests builds on this module

    log_detail_view(session=session, user=user, need=need)
    return True


def require_poster(user: User | None, kind: ListingKind) -> None:
    if user is None:
        raise Forbidden(_("Please log in first."))
    if user.role != kind.poster_role or user.org_id is None:
        raise Forbidden(_("Your role may not post this kind of listing."))


def _require_owner(user: User | None, listing: Listing) -> None:
    if not owns(user, listing):
        raise Forbidden(_("Only the organization that posted this listing may change it."))


# --- reading ----------------------------------------------------------------------------------------------------

def get_listing(*, session: Session, kind: str, listing_id: int, user: User | None) -> Listing:
    """The listing if this user may see it; a hidden draft looks exactly like a missing one."""
    listing = session.get(kind_of(kind).table, listing_id)
    if listing is None or not can_view(user, listing):
        raise NotFound(_("No such listing."))
    return listing


def to_public(*, session: Session, kind: str, listing: Listing, user: User | None) -> dict[str, Any]:
    """The listing as the API shows it to this user."""
    data = kind_of(kind).public.model_validate(listing, from_attributes=True).model_dump(mode="json")
    if kind == "need" and not reveal_details(session, user, listing):
        data["details"] = None
    data["type"] = kind
    return data


@dataclass
class Page:
    items: list
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))


def browse(*, session: Session, kind: str, user: User | None, page: int = 1, per_page: int = 20,
           industry: str | None = None, mode: str | None = None, region: str | None = None,
           trl_min: int | None = None, q: str | None = None, mine: bool = False) -> Page:
    """Live listings (or the user's own, in any status), newest first, filtered and paginated."""
    table = kind_of(kind).table
    stmt = select(table)
    if mine:
        if user is None or user.org_id is None:
            raise Forbidden(_("Please log in first."))
        stmt = stmt.where(table.org_id == user.org_id)
    else:
        stmt = stmt.where(table.status == ListingStatus.published,
                          or_(table.expires_at.is_(None), table.expires_at > utcnow()))
    if industry:
        stmt = stmt.where(table.industry == industry)
    if mode:
        # Modes are a JSON list; matching the quoted value in its text works on SQLite and PostgreSQL alike.
        stmt = stmt.where(cast(table.cooperation_modes, String).like(f'%"{mode}"%'))
    if region and hasattr(table, "region"):
        stmt = stmt.where(table.region == region)
    if trl_min and hasattr(table, "trl"):
        stmt = stmt.where(table.trl >= trl_min)
    if q:
        pattern = f"%{q.strip()}%"
        stmt = stmt.where(or_(table.title.like(pattern), table.description.like(pattern)))
    page = max(1, page)
    total = session.exec(select(func.count()).select_from(stmt.subquery())).one()
    items = session.exec(stmt.order_by(table.updated_at.desc(), table.id.desc())
                         .offset((page - 1) * per_page).limit(per_page)).all()
    return Page(list(items), total, page, per_page)


# --- writing ----------------------------------------------------------------------------------------------------

def _check_references(session: Session, user: User, values: dict[str, Any]) -> None:
    if not is_industry(values.get("industry")):
        raise Invalid(_("Some fields are not valid."), {"industry": _("Unknown industry.")})
    center_id = values.get("center_id")
    if center_id is not None:
        center = session.get(Center, center_id)
        member = center is not None and (
            center.org_id == user.org_id or session.get(CenterMember, (center_id, user.org_id)) is not None)
        if not member:
            raise Invalid(_("Some fields are not valid."),
                          {"center_id": _("Your organization is not a member of this center.")})


def _stamp_published(listing: Listing) -> None:
    now = utcnow()
    listing.status = ListingStatus.published
    listing.published_at = listing.published_at or now
    listing.expires_at = now + timedelta(days=current_app.config["LISTING_TTL_DAYS"])


def create_listing(*, session: Session, kind: str, data: Any, user: User, publish: bool = False) -> Listing:
    """Validate and save a new listing of the user's organization, as a draft or published."""
    spec = kind_of(kind)
    require_poster(user, spec)
    listing_in = parse(spec.create, data)
    values = listing_in.model_dump()
    _check_references(session, user, values)
    listing = spec.table(**values, org_id=user.org_id, owner_id=user.id)
    if publish:
        _stamp_published(listing)
    session.add(listing)
    session.flush()
    record_change(session, kind, listing.id)
    session.commit()
    session.refresh(listing)
    return listing


def update_listing(*, session: Session, kind: str, listing_id: int, data: Any, user: User) -> Listing:
    """Apply a partial update; the merged listing is validated as a whole before anything is saved."""
    spec = kind_of(kind)
    listing = get_listing(session=session, kind=kind, listing_id=listing_id, user=user)
    _require_owner(user, listing)
    changes = parse(spec.update, data).model_dump(exclude_unset=True)
    current = spec.create.model_validate(listing, from_attributes=True).model_dump()
    merged = parse(spec.create, {**current, **changes}).model_dump()
    _check_references(session, user, merged)
    for field_name, value in merged.items():
        setattr(listing, field_name, value)
    listing.updated_at = utcnow()
    session.add(listing)
    record_change(session, kind, listing.id)
    session.commit()
    session.refresh(listing)
    return listing


def set_status(*, session: Session, kind: str, listing_id: int, user: User, action: str) -> Listing:
    """publish, reconfirm (extends the expiry) or close a listing of the user's organization."""
    listing = get_listing(session=session, kind=kind, listing_id=listing_id, user=user)
    _require_owner(user, listing)
    if action in ("publish", "reconfirm"):
        if listing.status == ListingStatus.closed:
            raise Conflict(_("A closed listing cannot be published again; post a new one."))
        _stamp_published(listing)
    elif action == "close":
        listing.status = ListingStatus.closed
    else:
        raise Invalid(_("Unknown action."))
    listing.updated_at = utcnow()
    session.add(listing)
    record_change(session, kind, listing.id)
    session.commit()
    session.refresh(listing)
    return listing


def delete_listing(*, session: Session, kind: str, listing_id: int, user: User) -> None:
    listing = get_listing(session=session, kind=kind, listing_id=listing_id, user=user)
    _require_owner(user, listing)
    if kind == "need":
        for grant in session.exec(select(NeedAccess).where(NeedAccess.need_id == listing.id)).all():
            session.delete(grant)
    session.delete(listing)
    record_change(session, kind, listing_id, op="delete")
    session.commit()


def grant_details(*, session: Session, need_id: int, org_id: int, user: User) -> None:
    """Let another organization read a confidential need's details."""
    need = get_listing(session=session, kind="need", listing_id=need_id, user=user)
    _require_owner(user, need)
    if session.get(NeedAccess, (need_id, org_id)) is None:
        session.add(NeedAccess(need_id=need_id, org_id=org_id))
        session.commit()


def expire_listings(*, session: Session) -> int:
    """Mark published listings past their expiry as expired; returns how many changed."""
    now, changed = utcnow(), 0
    for spec in KINDS.values():
        rows = session.exec(select(spec.table).where(spec.table.status == ListingStatus.published,
                                                     spec.table.expires_at <= now)).all()
        for listing in rows:
            listing.status = ListingStatus.expired
            session.add(listing)
            record_change(session, spec.name, listing.id)
            changed += 1
    session.commit()
    return changed
