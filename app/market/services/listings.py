"""Needs, achievements and services: post, edit, publish, reconfirm, close, delete, browse."""

import logging
import math
import threading
import time
import weakref
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from pydantic import ValidationError
from sqlalchemy import String, and_, cast, event, func, literal_column, or_, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from app.market import rules
from app.market.services import need_access
from app.platform import audit, files, permissions
from app.platform.errors import Conflict, Forbidden, Invalid, NotFound
from app.platform.regions import resolve_region
from app.platform.taxonomy import is_industry
from app.platform.validation import parse
from indexing.sync import record_change
from matching.language import detect_language
from models import (
    POSTED_KINDS,
    SIZE_CLASSES,
    Achievement,
    Center,
    CloseReason,
    Contract,
    ContractStatus,
    DetailView,
    FinanceProduct,
    FinancingRequest,
    Incubation,
    Instrument,
    Interest,
    ListingAttachment,
    ListingKind,
    ListingStatus,
    NdaDocument,
    Need,
    NeedAccess,
    Organization,
    Service,
    User,
)
from models.common import utcnow
from models.listing import SORT_KEYS
from models.outbox import OutboxEvent

log = logging.getLogger(__name__)

# The SQL row of any posted kind (the matcher has its own, unrelated `Listing` dataclass).
ListingRow = Need | Achievement | Service | Instrument | FinancingRequest | FinanceProduct


def kind_of(name: str) -> ListingKind[ListingRow]:
    """The registry entry of a kind users post; NotFound for any other name."""
    try:
        return POSTED_KINDS[name]
    except KeyError:
        raise NotFound(_("No such kind of listing.")) from None


# --- who may do what -------------------------------------------------------------------------------------------


def can_view(user: User | None, listing: ListingRow) -> bool:
    """Live listings are public; any other status is for its organization and the bureau."""
    return rules.is_live(listing) or permissions.may_see_unpublished(user, listing)


def require_poster(user: User | None, kind: ListingKind, *, session: Session) -> None:
    """The user's role posts this kind, and, for a kind only some organizations post (finance products), the
    user's organization is of one of those kinds."""
    org = session.get(Organization, user.org_id) if user is not None and user.org_id is not None else None
    permissions.require_poster(
        user,
        kind.poster_role,
        also=kind.also_posted_by,
        org_kind=org.kind if org is not None else None,
        org_kinds=kind.poster_org_kinds,
    )


def require_owner(user: User | None, listing: ListingRow) -> None:
    """Changing a listing (edit, publish, close, attachments): its own organization only, not even the bureau."""
    permissions.require_owner(
        user, listing, _("Only the organization that posted this listing may change it.")
    )


def attachable_centers(*, session: Session, user: User | None) -> list[Center]:
    """The centers a listing of the user's organization may name: its centers (`permissions.centers_of_org`)."""
    return permissions.centers_of_org(session, user.org_id if user else None)


# --- reading ----------------------------------------------------------------------------------------------------


def get_listing(*, session: Session, kind: str, listing_id: int, user: User | None) -> ListingRow:
    """The listing if this user may see it; a hidden draft looks exactly like a missing one."""
    listing = session.get(kind_of(kind).table, listing_id)
    # SQLModel types a query over a union of tables as their base class
    assert listing is None or isinstance(listing, ListingRow)
    if listing is None or not can_view(user, listing):
        raise NotFound(_("No such listing."))
    return listing


def to_public(*, session: Session, kind: str, listing: ListingRow, user: User | None) -> dict[str, Any]:
    """The listing as the API shows it to this user."""
    public = kind_of(kind).public
    assert public is not None  # every posted kind has its public model
    try:
        data = public.model_validate(listing, from_attributes=True).model_dump(mode="json")
    except ValidationError:
        # A row that breaks today's input rules (saved before they existed) is still shown as stored:
        # one such row must not fail the page or list it appears on.
        log.warning("%s %s breaks the listing rules; shown unvalidated", kind, listing.id, exc_info=True)
        data = public.model_construct(
            **{name: getattr(listing, name, None) for name in public.model_fields}
        ).model_dump(mode="json", warnings=False)
    if (
        kind == "need"
        and isinstance(listing, Need)
        and not need_access.reveal_details(session, user, listing)
    ):
        data["details"] = None
    if kind == "financing" and not permissions.may_see_financing_figures(session, user, listing):
        data["use_of_funds"] = data["traction"] = None
    data["type"] = kind
    data["close_reason"] = listing.close_reason
    contract = solved_contract(session=session, user=user, listing=listing)
    data["solved_contract_id"] = contract.id if contract else None
    return data


# Far beyond any real listing count; larger pages would only overflow the database's OFFSET.
MAX_PAGE = 10_000


@dataclass
class Page:
    items: list
    total: int
    page: int
    per_page: int
    # Search hits by listing id (title_html, snippet), when the page came from a keyword search.
    hits: dict[int, dict] | None = None
    # Did-you-mean words when a keyword search found little (app.market.services.suggestions), best first.
    suggestions: list[str] = field(default_factory=list)

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))


def sorts_of(kind: str) -> tuple[str, ...]:
    """The orders a list of this kind offers without keywords (sort names of app.market.services.search)."""
    table = kind_of(kind).table
    return tuple(
        dict.fromkeys(
            [
                "newest",
                *(
                    name
                    for name, column in (
                        ("deadline", "deadline"),
                        ("price", "price"),
                        ("price", "budget_max"),
                        ("trl", "trl"),
                    )
                    if hasattr(table, column)
                ),
            ]
        )
    )


def _order(kind: str, sort: str | None) -> list:
    # The same expressions as the lists' indexes (models.listing.SORT_KEYS), so an index gives the order.
    table = kind_of(kind).table
    newest = [col(table.updated_at).desc(), col(table.id).desc()]
    if sort == "deadline" and hasattr(table, "deadline"):
        return [col(table.deadline).asc().nulls_last(), *newest]
    key = SORT_KEYS.get(kind, {}).get(sort or "")
    return [literal_column(key).desc(), *newest] if key else newest


# Counting the live listings of a kind reads every matching index entry (34k at 100k listings: several ms
# under load, three times on the home page). A count stays exact until a listing changes, and every change
# writes an outbox row in its own transaction, or until the next of the counted listings expires; so a count
# is kept until the newest outbox id moves or that expiry passes. Also for at most COUNT_KEEP_SECONDS: an
# outbox id can commit after a higher one (two writers at once), which the newest id alone would not show.
# Small counts cost less than the check and are not kept.
COUNT_KEEP_FROM = 1000
COUNT_KEEP_SECONDS = 10.0
COUNT_KEEP_MAX = 512


@dataclass(frozen=True)
class _KeptCount:
    total: int
    outbox_mark: int
    next_expiry: datetime | None
    until: float


# Per database (engine), so two apps in one process never share counts.
_kept_counts: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
# Request threads share the kept counts; the lock covers the dictionaries only, never a query.
_kept_lock = threading.Lock()


def _count(session: Session, stmt) -> int:
    return session.exec(select(func.count()).select_from(stmt.subquery())).one()


def _live_count(session: Session, kind: str, stmt, *, key: tuple) -> int:
    """The number of live listings `stmt` selects, kept between requests as long as it is exact."""
    mark = session.exec(select(func.max(OutboxEvent.id))).one() or 0
    now, clock = utcnow(), time.monotonic()
    with _kept_lock:
        kept_counts = _kept_counts.setdefault(session.get_bind(), {})
        kept = kept_counts.get(key)
    if (
        kept is not None
        and kept.outbox_mark == mark
        and clock < kept.until
        and (kept.next_expiry is None or now < kept.next_expiry)
    ):
        return kept.total
    total = _count(session, stmt)
    if total >= COUNT_KEEP_FROM:
        table = kind_of(kind).table
        next_expiry = session.exec(
            select(func.min(table.expires_at)).where(
                col(table.status) == ListingStatus.published, col(table.expires_at) > now
            )
        ).one()
        with _kept_lock:
            if len(kept_counts) >= COUNT_KEEP_MAX:
                kept_counts.clear()
            kept_counts[key] = _KeptCount(total, mark, next_expiry, clock + COUNT_KEEP_SECONDS)
    return total


def browse(
    *,
    session: Session,
    kind: str,
    user: User | None,
    page: int = 1,
    per_page: int = 20,
    industry: str | None = None,
    mode: str | None = None,
    region: str | None = None,
    trl_min: int | None = None,
    q: str | None = None,
    mine: bool = False,
    sort: str | None = None,
    category: str | None = None,
    price_max: int | None = None,
    ids: Any = None,
) -> Page:
    """Live listings (or the user's own, in any status), filtered, sorted (newest first by default) and
    paginated. `category` and `price_max` apply to the kinds that have them (services, instruments); `ids`
    keeps only those listings (an instrument list's "free next week"). Keyword search of live listings goes through the search backend (app.market.services.search);
    ``q`` here only filters the user's own listings, most of which (drafts, closed) are not indexed."""
    table = kind_of(kind).table
    stmt = select(table)
    if mine:
        if user is None or user.org_id is None:
            raise Forbidden(_("Please log in first."))
        stmt = stmt.where(table.org_id == user.org_id)
    else:
        stmt = stmt.where(
            table.status == ListingStatus.published,
            or_(col(table.expires_at).is_(None), col(table.expires_at) > utcnow()),
        )
    if industry:
        stmt = stmt.where(table.industry == industry)
    if mode:
        # Modes are a JSON list; matching the quoted value in its text works on SQLite and PostgreSQL alike.
        stmt = stmt.where(cast(table.cooperation_modes, String).like(f'%"{mode}"%'))
    if region and hasattr(table, "region"):
        stmt = stmt.where(table.region == region)
    if trl_min and hasattr(table, "trl"):
        stmt = stmt.where(col(table.trl) >= trl_min)
    if category and hasattr(table, "category"):
        stmt = stmt.where(cast(table.category, String) == category)
    if price_max is not None and hasattr(table, "price"):
        stmt = stmt.where(col(table.price).is_not(None), col(table.price) <= price_max)
    if ids is not None:
        stmt = stmt.where(col(table.id).in_(ids))
    if q:
        pattern = f"%{q.strip()}%"
        stmt = stmt.where(or_(col(table.title).like(pattern), col(table.description).like(pattern)))
    page = max(1, page)
    if mine or q or ids is not None:
        total = _count(session, stmt)
    else:
        total = _live_count(
            session, kind, stmt, key=(kind, industry, mode, region, trl_min, category, price_max)
        )
    items = session.exec(
        stmt.order_by(*_order(kind, sort)).offset((page - 1) * per_page).limit(per_page)
    ).all()
    return Page(list(items), total, page, per_page)


# --- writing ----------------------------------------------------------------------------------------------------


def _check_references(session: Session, user: User, values: dict[str, Any]) -> None:
    if "region" in values:
        values["region"] = resolve_region(values["region"])
    if not is_industry(values.get("industry")):
        raise Invalid(_("Some fields are not valid."), {"industry": _("Unknown industry.")})
    # A finance product's eligibility: industries and size classes from their lists, each named once.
    if values.get("industries") is not None:
        if not all(is_industry(code) and code for code in values["industries"]):
            raise Invalid(_("Some fields are not valid."), {"industries": _("Unknown industry.")})
        values["industries"] = list(dict.fromkeys(values["industries"]))
    if values.get("size_classes") is not None:
        if not set(values["size_classes"]) <= set(SIZE_CLASSES):
            raise Invalid(
                _("Some fields are not valid."),
                {"size_classes": _("Choose the size class: large, medium, small or micro.")},
            )
        values["size_classes"] = list(dict.fromkeys(values["size_classes"]))
    center_id = values.get("center_id")
    if center_id is not None:
        if not permissions.belongs_to_center(session, user, center_id):
            raise Invalid(
                _("Some fields are not valid."),
                {"center_id": _("Your organization is not a member of this center.")},
            )


def _check_deadline(deadline: date | None) -> None:
    if deadline is not None and deadline < utcnow().date():
        raise Invalid(_("Some fields are not valid."), {"deadline": _("The deadline cannot be in the past.")})


def lock_listing(*, session: Session, kind: str, listing_id: int, user: User) -> ListingRow:
    """A listing of the user's organization, locked until the transaction ends (see `_lock`): for changes
    to what belongs to it, such as its attachments."""
    return _lock(session, kind, listing_id, user)


def _lock(session: Session, kind: str, listing_id: int, user: User) -> ListingRow:
    """The listing, read fresh and locked until this transaction ends, so concurrent changes to it are
    applied one after the other and each is validated against the row the other left.

    PostgreSQL locks the row (SELECT ... FOR UPDATE). SQLite has no row locks: a write as the transaction's
    first statement takes the database's write lock, waiting for any other writer to commit first.
    """
    table = kind_of(kind).table
    if session.get_bind().dialect.name == "sqlite":
        session.connection().execute(update(table).where(col(table.id) == listing_id).values(id=table.id))
    listing = session.exec(
        select(table)
        .where(table.id == listing_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).first()
    # SQLModel types a query over a union of tables as their base class
    assert listing is None or isinstance(listing, ListingRow)
    if listing is None or not can_view(user, listing):
        raise NotFound(_("No such listing."))
    require_owner(user, listing)
    return listing


def _commit(session: Session) -> None:
    """Commit; a row the database's own checks refuse is a conflict the user can retry, never a 500."""
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        log.warning("a listing change broke a database constraint", exc_info=True)
        raise Conflict(_("The listing changed at the same time. Reload it and try again.")) from None


def _state(listing: ListingRow) -> rules.ListingState:
    return rules.ListingState(
        **{name: getattr(listing, name) for name in rules.ListingState.__dataclass_fields__}
    )


def _ask(status: ListingStatus, action: str | None, **kwargs) -> rules.Action | None:
    """The rule's answer for this action, its refusals as the errors the owner sees."""
    try:
        return rules.check(status, action, **kwargs)
    except rules.ReasonRequired:
        raise _close_reason_error() from None
    except rules.IllegalAction as refused:
        raise Conflict(str(refused.refusal)) from None
    except rules.HasDeals:
        raise Conflict(
            _(
                "Someone has already expressed interest in this listing or a deal refers to it, so it "
                "cannot be deleted. Close it instead."
            )
        ) from None
    except (rules.UnknownAction, rules.WrongActor):
        raise Invalid(_("Unknown action.")) from None


def _transition(listing: ListingRow, action: str, **kwargs) -> None:
    """Move the listing as the rules say; the caller has checked the action with `_ask`."""
    if rules.ACTIONS[action].to == ListingStatus.published:
        kwargs["ttl"] = timedelta(days=current_app.config["LISTING_TTL_DAYS"])
    new = rules.transition(_state(listing), action, now=utcnow(), **kwargs)
    for name, value in vars(new).items():
        setattr(listing, name, value)


def create_listing(
    *, session: Session, kind: str, data: Any, user: User, publish: bool = False
) -> ListingRow:
    """Validate and save a new listing of the user's organization, as a draft or published."""
    spec = kind_of(kind)
    require_poster(user, spec, session=session)
    # a posted kind; require_poster checked the org
    assert spec.create is not None and user.org_id is not None
    listing_in = parse(spec.create, data)
    values = listing_in.model_dump()
    _check_deadline(values.get("deadline"))
    _check_references(session, user, values)
    listing = spec.table(**values, org_id=user.org_id, owner_id=user.id)
    if publish:
        _transition(listing, "publish")
    session.add(listing)
    session.flush()
    assert listing.id is not None  # given by the flush
    audit.record(
        session,
        subject=kind,
        subject_id=listing.id,
        action="publish" if publish else "create",
        actor=user,
        to_state=listing.status,
    )
    record_change(session, kind, listing.id)
    _commit(session)
    session.refresh(listing)
    return listing


# What an owner may do to a listing's status (see app.market.rules.ACTIONS).
STATUS_ACTIONS = rules.STATUS_ACTIONS


def _close_reason_error() -> Invalid:
    return Invalid(
        _("Some fields are not valid."), {"close_reason": _("Choose why you are closing this listing.")}
    )


def parse_close_reason(reason: Any) -> CloseReason:
    """The reason a listing is closed; Invalid, naming the field, when it is missing or unknown."""
    try:
        return rules.close_reason(reason)
    except rules.ReasonRequired:
        raise _close_reason_error() from None


# A contract both parties signed; drafts and terminated contracts solved nothing.
SOLVING_STATUSES = (ContractStatus.signed, ContractStatus.in_progress, ContractStatus.completed)


def solving_contracts(*, session: Session, kind: str, listing_id: int) -> list[Contract]:
    """The signed contracts that came from this listing (as the interest's target or the listing it went
    through), newest first: the ones closing it as solved on this platform may name."""
    return list(
        session.exec(
            select(Contract)
            .join(Interest, col(Interest.id) == Contract.interest_id)
            .where(
                col(Contract.status).in_(SOLVING_STATUSES),
                or_(
                    and_(col(Interest.target_type) == kind, col(Interest.target_id) == listing_id),
                    and_(col(Interest.via_type) == kind, col(Interest.via_id) == listing_id),
                ),
            )
            .order_by(col(Contract.signed_on).desc(), col(Contract.id).desc())
        ).all()
    )


def may_see_contract(user: User | None, contract: Contract) -> bool:
    """A contract's parties and the bureau; the same rule as the contract's own page."""
    return permissions.may_see_deal(user, {"a": contract.party_a_org_id, "b": contract.party_b_org_id})


def solved_contract(*, session: Session, user: User | None, listing: ListingRow) -> Contract | None:
    """The contract a listing closed as solved here names, if this user may see it."""
    if listing.solved_contract_id is None:
        return None
    contract = session.get(Contract, listing.solved_contract_id)
    return contract if contract is not None and may_see_contract(user, contract) else None


def _solving_contract_id(
    session: Session, kind: str, listing: ListingRow, reason: Any, contract_id: Any
) -> int | None:
    """The contract to link when closing as solved here (see `rules.solving_contract`)."""
    if parse_close_reason(reason) != CloseReason.solved_here:
        return None
    assert listing.id is not None  # a stored listing
    signed = [
        contract.id
        for contract in solving_contracts(session=session, kind=kind, listing_id=listing.id)
        if contract.id is not None  # stored contracts: always
    ]
    try:
        return rules.solving_contract(reason, contract_id, signed)
    except rules.ContractChoiceRequired:
        raise Invalid(
            _("Some fields are not valid."),
            {"contract_id": _("This listing has several signed contracts: choose the one that solved it.")},
        ) from None
    except rules.NotASolvingContract:
        raise Invalid(
            _("Some fields are not valid."), {"contract_id": _("Not one of this listing's signed contracts.")}
        ) from None


def _check_action(listing: ListingRow, action: str | None, reason: Any = None) -> None:
    if action is not None and action not in STATUS_ACTIONS:
        raise Invalid(_("Unknown action."))
    _ask(listing.status, action, reason=reason)


def _apply_action(
    session: Session, kind: str, listing: ListingRow, action: str, reason: Any = None, contract_id: Any = None
) -> None:
    solved = _solving_contract_id(session, kind, listing, reason, contract_id) if action == "close" else None
    _transition(listing, action, reason=reason, solved_contract_id=solved)


def _audit_action(
    session: Session, kind: str, listing: ListingRow, action: str, before: ListingStatus, user: User
) -> None:
    """The audit row of a status action, with the close reason (and contract) when it closes the listing."""
    closing = action == "close"
    assert listing.id is not None  # a stored listing
    audit.record(
        session,
        subject=kind,
        subject_id=listing.id,
        action=action,
        actor=user,
        from_state=before,
        to_state=listing.status,
        reason=listing.close_reason if closing else None,
        contract_id=listing.solved_contract_id if closing else None,
    )


def update_listing(
    *,
    session: Session,
    kind: str,
    listing_id: int,
    data: Any,
    user: User,
    action: str | None = None,
    reason: Any = None,
    contract_id: Any = None,
) -> ListingRow:
    """Apply a partial update and, optionally, a status action (publish, reconfirm, close with ``reason``
    and, when solved here, ``contract_id``, reopen) in one transaction: everything is validated against the locked row before anything changes,
    so either all of it is saved or none of it."""
    spec = kind_of(kind)
    listing = _lock(session, kind, listing_id, user)
    assert spec.create is not None and spec.update is not None  # a posted kind has both
    changes = parse(spec.update, data).model_dump(exclude_unset=True)
    # The stored values as they are, not re-validated: a row that broke a rule before the rule existed
    # can still be repaired by the change that fixes it.
    current = {name: getattr(listing, name) for name in spec.create.model_fields}
    merged = parse(spec.create, {**current, **changes}).model_dump()
    if "region" not in changes:
        # A region typed as free text before regions had codes stays as it is until its owner picks one.
        merged.pop("region", None)
    if "deadline" in changes and changes["deadline"] != getattr(listing, "deadline", None):
        _check_deadline(changes["deadline"])
    _check_references(session, user, merged)
    _check_action(listing, action, reason)
    for field_name, value in merged.items():
        setattr(listing, field_name, value)
    if action is not None:
        before = listing.status
        _apply_action(session, kind, listing, action, reason, contract_id)
        _audit_action(session, kind, listing, action, before, user)
    listing.updated_at = utcnow()
    session.add(listing)
    assert listing.id is not None  # a stored listing
    record_change(session, kind, listing.id)
    _commit(session)
    session.refresh(listing)
    return listing


def set_status(
    *,
    session: Session,
    kind: str,
    listing_id: int,
    user: User,
    action: str,
    reason: str | None = None,
    contract_id: Any = None,
) -> ListingRow:
    """publish, reconfirm (extends the expiry), close (with a reason and, when solved here, the contract)
    or reopen (as a draft) a listing of the user's organization."""
    listing = _lock(session, kind, listing_id, user)
    _check_action(listing, action, reason)
    before = listing.status
    _apply_action(session, kind, listing, action, reason, contract_id)
    _audit_action(session, kind, listing, action, before, user)
    listing.updated_at = utcnow()
    session.add(listing)
    assert listing.id is not None  # a stored listing
    record_change(session, kind, listing.id)
    _commit(session)
    session.refresh(listing)
    return listing


def delete_listing(*, session: Session, kind: str, listing_id: int, user: User) -> None:
    listing = _lock(session, kind, listing_id, user)
    try:
        # Interests, contracts and the bureau's indicators point at the listing: it is closed, never removed.
        _ask(listing.status, "delete", has_deals=_has_deals(session, kind, listing_id))
    except Conflict:
        session.rollback()
        raise
    if kind == "need":
        # What hangs on the need alone goes with it: grants to read its details, the log of who read them, and
        # its own NDA texts (acceptances of them belong to interests, and an interest already refused deletion).
        for table in (NeedAccess, DetailView, NdaDocument):
            for row in session.exec(select(table).where(table.need_id == listing.id)).all():
                session.delete(row)
    attached = session.exec(
        select(ListingAttachment).where(
            ListingAttachment.listing_type == kind, ListingAttachment.listing_id == listing.id
        )
    ).all()
    stored_names = [name for row in attached for name in (row.stored_name, row.thumbnail_name) if name]
    for row in attached:
        session.delete(row)
    session.delete(listing)
    audit.record(
        session, subject=kind, subject_id=listing_id, action="delete", actor=user, from_state=listing.status
    )
    record_change(session, kind, listing_id, op="delete")
    session.commit()
    # The files go only once the rows are gone: a failed commit leaves both in place.
    for stored_name in stored_names:
        files.discard(stored_name)


def has_deals(*, session: Session, kind: str, listing_id: int) -> bool:
    """Whether an interest or a contract refers to the listing: it can then be closed but not deleted, and its
    owner's page says so instead of offering a deletion that would be refused after the confirmation."""
    return _has_deals(session, kind, listing_id)


def _has_deals(session: Session, kind: str, listing_id: int) -> bool:
    interest = (
        select(Interest.id)
        .where(
            or_(
                (col(Interest.target_type) == kind) & (col(Interest.target_id) == listing_id),
                (col(Interest.via_type) == kind) & (col(Interest.via_id) == listing_id),
            )
        )
        .limit(1)
    )
    if session.exec(interest).first() is not None:
        return True
    return (
        kind == "achievement"
        and session.exec(
            select(Incubation.id).where(Incubation.achievement_id == listing_id).limit(1)
        ).first()
        is not None
    )


def expire_listings(*, session: Session) -> int:
    """Mark published listings past their expiry as expired; returns how many changed."""
    now, changed = utcnow(), 0
    for spec in POSTED_KINDS.values():
        rows = session.exec(
            select(spec.table).where(
                col(spec.table.status).in_(rules.ACTIONS["expire"].sources), col(spec.table.expires_at) <= now
            )
        ).all()
        for listing in rows:
            # SQLModel types a query over a union of tables as their base class
            assert isinstance(listing, ListingRow) and listing.id is not None
            _transition(listing, "expire", actor=rules.SYSTEM)
            session.add(listing)
            audit.record(
                session,
                subject=spec.name,
                subject_id=listing.id,
                action="expire",
                actor=None,
                from_state=ListingStatus.published,
                to_state=ListingStatus.expired,
            )
            record_change(session, spec.name, listing.id)
            changed += 1
    session.commit()
    return changed


def _set_language(_mapper, _connection, listing) -> None:
    """Every save of a listing, whichever path writes it (a form, the API, the demo), records its language."""
    listing.language = detect_language(f"{listing.title}\n{listing.description}")


for _kind in POSTED_KINDS.values():
    event.listen(_kind.table, "before_insert", _set_language)
    event.listen(_kind.table, "before_update", _set_language)
