"""Expressions of interest (合作意向) and the NDA of a confidential need (the conversation that follows is
app.deals.services.conversation).

Only the two organizations of an interest and the bureau ever learn that it exists; to anyone else it is a 404.
State changes are compare-and-set updates, so two concurrent accepts leave one decision and one set of notices.
"""

import hashlib
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from app.deals import rules as deal_rules
from app.market.rules import is_live
from app.market.services import need_access
from app.platform import audit, permissions
from app.platform.errors import Conflict, Forbidden, Invalid, NotFound
from app.platform.notifications import notify
from app.platform.permissions import is_bureau, owns
from app.platform.validation import parse
from models import (
    Achievement,
    Center,
    CenterStatus,
    DeclineIn,
    FeedbackLabel,
    FinanceProduct,
    FinancingRequest,
    Instrument,
    Interest,
    InterestIn,
    InterestStatus,
    NdaAcceptance,
    NdaDocument,
    Need,
    Organization,
    RecommendationFeedback,
    Service,
    User,
)
from models.common import utcnow

TARGET_TABLES: dict[
    str, type[Need | Achievement | Service | Instrument | Center | FinancingRequest | FinanceProduct]
] = {
    "need": Need,
    "achievement": Achievement,
    "service": Service,
    # An instrument's bookings open an interest of their own (the technical-service contract hangs on it).
    "instrument": Instrument,
    "center": Center,
    # A financing request or a finance product: the conversation that ends in a financing record.
    "financing": FinancingRequest,
    "finance_product": FinanceProduct,
}

PLATFORM_NDA_VERSION = "platform-2026-1"
PLATFORM_NDA = """保密协议（平台默认文本）

一、接收方仅为评估与披露方开展技术合作之目的使用本需求的保密信息，不得用于其他目的。
二、接收方不得向第三方披露保密信息，但为上述目的确需知悉的本单位员工及顾问除外，且其应承担同等保密义务。
三、保密信息不包括：接收方已合法知悉的、已公开的、或由第三方合法提供的信息。
四、合作未达成时，接收方应按披露方要求删除或返还保密信息。
五、本协议自接收方点击“接受”之日起生效，保密期限三年。违约方应赔偿由此给对方造成的损失。
六、本协议适用中华人民共和国法律；争议由披露方所在地人民法院管辖。"""


@dataclass(frozen=True)
class NdaText:
    """The NDA a confidential need asks for: the platform default or the owner's own, in one exact version."""

    version: str
    body: str
    custom: bool

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.body.encode()).hexdigest()


# --- who is who ---------------------------------------------------------------------------------------------------


def sides(interest: Interest) -> dict[str, int]:
    """ "from" (the interested organization) and "to" (the target's owner)."""
    return {"from": interest.from_org_id, "to": interest.to_org_id}


def side_of(user: User | None, interest: Interest) -> str | None:
    """ "from", "to", or None (see `permissions.side_of`)."""
    return permissions.side_of(user, sides(interest))


def contract_side(interest: Interest) -> dict[str, int]:
    """Party A (the client) and party B (the provider) of contracts from this interest: whoever owns the need is
    the client; without a need in the target, the interested organization is the client."""
    if interest.target_type == "need":
        return {"a": interest.to_org_id, "b": interest.from_org_id}
    return {"a": interest.from_org_id, "b": interest.to_org_id}


def require_sender(user: User | None) -> User:
    """Who may express interest (and open the form for it): a user of an organization."""
    return permissions.require_member(user)


def _target(session: Session, target_type: str, target_id: int):
    """The live target and its owner organization, or NotFound."""
    row = session.get(TARGET_TABLES[target_type], target_id)
    if row is None:
        raise NotFound(_("No such listing."))
    # SQLModel types a get over a union of tables as their base class
    assert isinstance(
        row, Need | Achievement | Service | Instrument | Center | FinancingRequest | FinanceProduct
    )
    if target_type == "center":
        # Only filed centers are public; one still under review cannot be approached.
        if row.status != CenterStatus.filed:
            raise NotFound(_("No such listing."))
    elif not is_live(row):
        raise NotFound(_("No such listing."))
    return row


def target_title(session: Session, target_type: str, target_id: int) -> str:
    row = session.get(TARGET_TABLES.get(target_type, Need), target_id)
    if row is None:
        return ""
    # SQLModel types a get over a union of tables as their base class
    assert isinstance(
        row, Need | Achievement | Service | Instrument | Center | FinancingRequest | FinanceProduct
    )
    return row.name if isinstance(row, Center) else row.title


def get_interest(*, session: Session, user: User | None, interest_id: int) -> Interest:
    """The interest if this user is one of its parties or the bureau; otherwise it does not exist."""
    interest = session.get(Interest, interest_id)
    if interest is None or not permissions.may_see_deal(user, sides(interest)):
        raise NotFound(_("No such expression of interest."))
    return interest


def _require_side(user: User | None, interest: Interest, side: str | None) -> None:
    if side_of(user, interest) != side:
        if side == "to":
            raise Forbidden(_("Only the organization that received this interest can do this."))
        raise Forbidden(_("Only the organization that expressed this interest can do this."))


# --- expressing and deciding ----------------------------------------------------------------------------------------


def express_interest(
    *,
    session: Session,
    user: User,
    target_type: str,
    target_id: int,
    message: str,
    via_type: str | None = None,
    via_id: int | None = None,
) -> Interest:
    """Send an interest from the user's organization to the owner of a live listing or a center."""
    user = require_sender(user)
    data = parse(
        InterestIn,
        {
            "target_type": target_type,
            "target_id": target_id,
            "message": message,
            "via_type": via_type,
            "via_id": via_id,
        },
    )
    if (data.via_type is None) != (data.via_id is None):
        raise Invalid(
            _("Some fields are not valid."), {"via_id": _("Give both via_type and via_id, or neither.")}
        )
    target = _target(session, data.target_type, data.target_id)
    if target.org_id == user.org_id:
        raise Invalid(
            _("Your organization owns this listing."), {"target_id": _("Choose another organization's.")}
        )
    if data.via_type is not None:
        assert data.via_id is not None  # checked above: both or neither
        via = session.get(TARGET_TABLES[data.via_type], data.via_id)
        if via is None or not owns(user, via):
            raise Invalid(
                _("Some fields are not valid."), {"via_id": _("Not one of your organization's listings.")}
            )
    assert user.id is not None and user.org_id is not None  # a stored user of an organization
    _refuse_second_conversation(
        session,
        from_org_id=user.org_id,
        to_org_id=target.org_id,
        target_type=data.target_type,
        target_id=data.target_id,
        via_type=data.via_type,
        via_id=data.via_id,
    )
    interest = Interest(
        from_org_id=user.org_id,
        from_user_id=user.id,
        target_type=data.target_type,
        target_id=data.target_id,
        to_org_id=target.org_id,
        via_type=data.via_type,
        via_id=data.via_id,
        message=data.message.strip(),
    )
    session.add(interest)
    try:
        session.flush()
    except IntegrityError:
        # The partial unique index holds even when two requests pass any check made here at the same time.
        session.rollback()
        raise Conflict(_("Your organization already has an open expression of interest in this.")) from None
    assert interest.id is not None  # given by the flush
    audit.record(
        session,
        subject="interest",
        subject_id=interest.id,
        action="expressed",
        actor=user,
        to_state=interest.status,
        target=f"{interest.target_type}:{interest.target_id}",
    )
    notify(
        session=session,
        org_id=interest.to_org_id,
        kind="interest_new",
        subject_type="interest",
        subject_id=interest.id,
        text=target_title(session, data.target_type, data.target_id),
        email_body=interest.message,
    )
    session.commit()
    session.refresh(interest)
    return interest


def _refuse_second_conversation(
    session: Session,
    *,
    from_org_id: int,
    to_org_id: int,
    target_type: str,
    target_id: int,
    via_type: str | None,
    via_id: int | None,
) -> None:
    """One conversation per pair of organizations and need, whichever way it started: a provider expressing
    interest in a need whose owner already reached out to it about that need (the need as `via`), or the owner
    reaching out about its need to a provider already interested in it, is sent to the open interest instead
    (409 naming it in `fields.interest_id`). The need's row is locked first, so two such requests at once see
    each other's interest: PostgreSQL locks the row; on SQLite a write as the transaction's first statement
    takes the database's write lock, as `listings._lock` does."""
    open_ = col(Interest.status).in_([InterestStatus.pending, InterestStatus.accepted])
    if target_type == "need":
        need_id = target_id
        stmt = select(Interest).where(
            open_,
            col(Interest.from_org_id) == to_org_id,
            col(Interest.to_org_id) == from_org_id,
            col(Interest.via_type) == "need",
            col(Interest.via_id) == target_id,
        )
    elif via_type == "need" and via_id is not None:
        need_id = via_id
        stmt = select(Interest).where(
            open_,
            col(Interest.from_org_id) == to_org_id,
            col(Interest.target_type) == "need",
            col(Interest.target_id) == via_id,
        )
    else:
        return
    if session.get_bind().dialect.name == "sqlite":
        session.connection().execute(update(Need).where(col(Need.id) == need_id).values(id=Need.id))
    session.exec(select(Need.id).where(col(Need.id) == need_id).with_for_update()).first()
    existing = session.exec(stmt.order_by(col(Interest.id))).first()
    if existing is not None:
        session.rollback()
        raise Conflict(
            _("The two organizations already have a conversation about this need; continue it there."),
            {"interest_id": str(existing.id)},
        )


def list_interests(*, session: Session, user: User, box: str) -> list[Interest]:
    """Interests received ("in") or sent ("out") by the user's organization, newest first; the bureau sees all."""
    if box not in ("in", "out"):
        raise Invalid(_("Some fields are not valid."), {"box": _("Not one of the allowed values.")})
    if user is None:
        raise Forbidden(_("Please log in first."))
    stmt = select(Interest)
    if not is_bureau(user):
        user = require_sender(user)
        column = Interest.to_org_id if box == "in" else Interest.from_org_id
        stmt = stmt.where(column == user.org_id)
    return list(session.exec(stmt.order_by(col(Interest.created_at).desc(), col(Interest.id).desc())).all())


def _refused(interest: Interest, target: str) -> Conflict:
    allowed = deal_rules.INTEREST_ALLOWED.get(interest.status, ())
    return Conflict(
        _(
            "This interest is %(status)s; it cannot become %(target)s. Allowed: %(allowed)s.",
            status=interest.status.value,
            target=target,
            allowed=", ".join(allowed) or _("none"),
        ),
        {"to": ", ".join(allowed)},
    )


def _decide(session: Session, user: User, interest_id: int, to: InterestStatus, **values) -> Interest:
    interest = get_interest(session=session, user=user, interest_id=interest_id)
    try:
        deal_rules.decide_interest(current=interest.status, to=to, side=side_of(user, interest))
    except deal_rules.WrongSide as exc:
        _require_side(user, interest, exc.required)
    except deal_rules.IllegalTransition:
        raise _refused(interest, to) from None
    changed = (
        session.connection()
        .execute(
            update(Interest)
            .where(col(Interest.id) == interest.id, col(Interest.status) == InterestStatus.pending)
            .values(status=to, decided_at=utcnow(), **values)
        )
        .rowcount
    )
    if changed != 1:
        session.rollback()
        session.refresh(interest)
        raise _refused(interest, to)
    assert interest.id is not None  # a stored interest
    audit.record(
        session,
        subject="interest",
        subject_id=interest.id,
        action=to.value,
        actor=user,
        from_state=InterestStatus.pending,
        to_state=to,
        reason=values.get("decline_reason"),
        note=values.get("decline_note") or None,
    )
    session.refresh(interest)
    return interest


def accept_interest(*, session: Session, user: User, interest_id: int) -> Interest:
    """The target's owner accepts: both sides now see each other's contacts and may talk and contract."""
    interest = _decide(session, user, interest_id, InterestStatus.accepted)
    record_feedback(session=session, interest=interest, label=FeedbackLabel.interested)
    assert interest.id is not None  # a stored interest
    notify(
        session=session,
        org_id=interest.from_org_id,
        kind="interest_accepted",
        subject_type="interest",
        subject_id=interest.id,
        text=target_title(session, interest.target_type, interest.target_id),
    )
    session.commit()
    return interest


def decline_interest(
    *, session: Session, user: User, interest_id: int, reason: str, note: str = ""
) -> Interest:
    """The target's owner declines, with a reason from the fixed list and optional text."""
    data = parse(DeclineIn, {"reason": reason, "note": note or ""})
    interest = _decide(
        session,
        user,
        interest_id,
        InterestStatus.declined,
        decline_reason=data.reason,
        decline_note=data.note.strip(),
    )
    record_feedback(session=session, interest=interest, label=FeedbackLabel.dismissed)
    assert interest.id is not None  # a stored interest
    notify(
        session=session,
        org_id=interest.from_org_id,
        kind="interest_declined",
        subject_type="interest",
        subject_id=interest.id,
        text=target_title(session, interest.target_type, interest.target_id),
    )
    session.commit()
    return interest


def withdraw_interest(*, session: Session, user: User, interest_id: int) -> Interest:
    """The interested side takes back a pending interest; it may express a new one later."""
    interest = _decide(session, user, interest_id, InterestStatus.withdrawn)
    assert interest.id is not None  # a stored interest
    notify(
        session=session,
        org_id=interest.to_org_id,
        kind="interest_withdrawn",
        subject_type="interest",
        subject_id=interest.id,
        text=target_title(session, interest.target_type, interest.target_id),
    )
    session.commit()
    return interest


def _feedback_query(interest: Interest) -> tuple[str, int, str] | None:
    """(query_type, query_id, rec_kind) of the recommendation this interest answers, when it has one."""
    if interest.via_type == "need":
        rec_kind = {"achievement": "license", "service": "commission", "center": "commission"}.get(
            interest.target_type
        )
        return ("need", interest.via_id, rec_kind) if rec_kind and interest.via_id is not None else None
    if interest.via_type == "achievement" and interest.target_type == "need" and interest.via_id is not None:
        return "achievement", interest.via_id, "needs"
    return None


def record_feedback(
    *, session: Session, interest: Interest, label: FeedbackLabel
) -> RecommendationFeedback | None:
    """What happened to an interest, as a ranking signal for the matcher (in the caller's transaction): accepted
    is "interested", declined "dismissed", a signed contract "contracted". Only interests sent from one of the
    sender's listings answer a recommendation; the others teach the ranker nothing."""
    query = _feedback_query(interest)
    if query is None:
        return None
    query_type, query_id, rec_kind = query
    key: dict[str, object] = {
        "user_id": interest.from_user_id,
        "query_type": query_type,
        "query_id": query_id,
        "target_type": interest.target_type,
        "target_id": interest.target_id,
        "label": label,
    }
    # One signal per interest and label: a second contract signed from the same interest teaches nothing new
    # (and the table's unique key would refuse it).
    existing = session.exec(
        select(RecommendationFeedback).where(
            *(getattr(RecommendationFeedback, name) == value for name, value in key.items())
        )
    ).first()
    if existing is not None:
        return existing
    row = RecommendationFeedback(
        user_id=interest.from_user_id,
        query_type=query_type,
        query_id=query_id,
        rec_kind=rec_kind,
        target_type=interest.target_type,
        target_id=interest.target_id,
        label=label,
    )
    session.add(row)
    return row


# --- confidential needs -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class NdaLink:
    """The confidential need an interest is about (its target, or its `via` when the need's owner reached out
    first), and the organization that must accept the need's NDA to read its details: the other side."""

    need: Need
    acceptor_side: str  # "from" or "to"
    acceptor_org_id: int


def nda_link(*, session: Session, interest: Interest) -> NdaLink | None:
    """The confidential need this interest links the two organizations about, if any."""
    if interest.target_type == "need":
        need_id: int | None = interest.target_id
    elif interest.via_type == "need":
        need_id = interest.via_id
    else:
        return None
    need = session.get(Need, need_id) if need_id is not None else None
    if need is None or not need.confidential:
        return None
    if need.org_id == interest.to_org_id:
        return NdaLink(need, "from", interest.from_org_id)
    if need.org_id == interest.from_org_id:
        return NdaLink(need, "to", interest.to_org_id)
    return None


def nda_text_for(*, session: Session, interest: Interest) -> NdaText | None:
    """The NDA the other side must accept; None unless the interest links a confidential need."""
    link = nda_link(session=session, interest=interest)
    if link is None or link.need.id is None:  # a stored need always has its id
        return None
    return current_nda(session=session, need_id=link.need.id)


def current_nda(*, session: Session, need_id: int) -> NdaText:
    own = session.exec(
        select(NdaDocument)
        .where(col(NdaDocument.need_id) == need_id)
        .order_by(col(NdaDocument.version).desc())
    ).first()
    if own is None:
        return NdaText(PLATFORM_NDA_VERSION, PLATFORM_NDA, custom=False)
    return _own_text(own)


def _own_text(document: NdaDocument) -> NdaText:
    return NdaText(f"need-{document.need_id}-v{document.version}", document.body, custom=True)


def own_need(*, session: Session, user: User | None, need_id: int) -> Need:
    """A need of the user's organization, whose NDA it writes; anyone else's need looks missing."""
    need = session.get(Need, need_id)
    if need is None or not owns(user, need):
        raise NotFound(_("No such listing."))
    return need


def set_nda_text(*, session: Session, user: User, need_id: int, body: str) -> NdaText:
    """The owner of a need writes its own NDA (a new version); an empty body goes back to the platform text."""
    own_need(session=session, user=user, need_id=need_id)
    body = (body or "").strip()
    if len(body) > 20_000:
        raise Invalid(
            _("Some fields are not valid."), {"body": _("Too long: at most %(n)s characters.", n=20_000)}
        )
    latest = session.exec(
        select(NdaDocument)
        .where(col(NdaDocument.need_id) == need_id)
        .order_by(col(NdaDocument.version).desc())
    ).first()
    if not body:
        body = PLATFORM_NDA
    assert user.id is not None  # a stored user
    document = NdaDocument(
        need_id=need_id, version=(latest.version if latest else 0) + 1, body=body, created_by=user.id
    )
    session.add(document)
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        raise Conflict(_("Someone changed this NDA at the same time; please reload and try again.")) from None
    # The version this call wrote, not whatever is newest now: a concurrent edit may already have followed it.
    return _own_text(document)


def nda_acceptance(*, session: Session, interest: Interest) -> NdaAcceptance | None:
    """The acceptance of the linked need's NDA by the other organization: on this interest, or on another of
    theirs about the same need (a grantee accepts once)."""
    link = nda_link(session=session, interest=interest)
    if link is None:
        return None
    return session.exec(
        select(NdaAcceptance)
        .where(
            col(NdaAcceptance.need_id) == link.need.id,
            col(NdaAcceptance.org_id) == link.acceptor_org_id,
        )
        .order_by(col(NdaAcceptance.id))
    ).first()


def may_accept_nda(*, session: Session, interest: Interest) -> bool:
    """The other side may accept now: the owner granted it access, or accepted its interest in the need itself
    (which grants access on acceptance of the NDA, as it always did)."""
    link = nda_link(session=session, interest=interest)
    if link is None or link.need.id is None:
        return False
    if need_access.grant_of(session, link.need.id, link.acceptor_org_id) is not None:
        return True
    return interest.target_type == "need" and interest.status == InterestStatus.accepted


def accept_nda(
    *, session: Session, user: User, interest_id: int, agreed: object, version: object = None
) -> NdaAcceptance:
    """The organization on the other side of a confidential need's owner accepts the need's NDA by click-through,
    naming the version it was shown; from then on, with the owner's grant, it reads the need's details.

    `agreed` is the user's explicit consent (the ticked box, or `"accept": true` in the API): without it nothing is
    recorded. A version that is not the current text's is refused (409): the owner changed the text after it was
    shown, and the new one must be read first."""
    interest = get_interest(session=session, user=user, interest_id=interest_id)
    link = nda_link(session=session, interest=interest)
    # Without a confidential need, the interested side is told there is nothing to accept; the other is refused.
    _require_side(user, interest, link.acceptor_side if link is not None else "from")
    if link is None:
        raise Conflict(_("This expression of interest needs no NDA."))
    if agreed is not True:
        raise Invalid(
            _("Some fields are not valid."),
            {"accept": _("Please accept the confidentiality agreement first.")},
        )
    if not isinstance(version, str) or not version.strip():
        raise Invalid(
            _("Some fields are not valid."),
            {"version": _("Name the version of the agreement you accept (nda.version of the interest).")},
        )
    need = link.need
    assert need.id is not None and interest.id is not None and user.id is not None and user.org_id is not None
    nda = current_nda(session=session, need_id=need.id)
    if version.strip() != nda.version:
        raise Conflict(
            _(
                "The agreement was changed since you read it: it is now version %(version)s. "
                "Please read the new text and accept it again.",
                version=nda.version,
            )
        )
    if not may_accept_nda(session=session, interest=interest):
        if interest.target_type == "need":
            raise Conflict(
                _("The owner of the need must accept your interest before you can accept its NDA.")
            )
        raise Conflict(_("The owner of the need has not granted your organization access to its details."))
    if nda_acceptance(session=session, interest=interest) is not None:
        raise Conflict(_("Your organization has already accepted this NDA."))
    acceptance = NdaAcceptance(
        interest_id=interest.id,
        need_id=need.id,
        org_id=user.org_id,
        user_id=user.id,
        text_version=nda.version,
        text_sha256=nda.sha256,
    )
    session.add(acceptance)
    try:
        # The unique interest_id decides between two concurrent acceptances, before anything else is written.
        session.flush()
    except IntegrityError:
        session.rollback()
        raise Conflict(_("Your organization has already accepted this NDA.")) from None
    if interest.target_type == "need":
        # The owner accepted this interest in the need: that was its consent (granted_by stays empty).
        need_access.insert_grant(session, need_id=need.id, org_id=user.org_id, granted_by=None)
    need_access.log_event(
        session=session, need_id=need.id, user=user, org_id=user.org_id, event="nda_accepted"
    )
    audit.record(
        session,
        subject="interest",
        subject_id=interest.id,
        action="nda_accepted",
        actor=user,
        nda_version=nda.version,
        nda_sha256=nda.sha256,
    )
    notify(
        session=session,
        org_id=need.org_id,
        kind="nda_accepted",
        subject_type="interest",
        subject_id=interest.id,
        text=need.title,
    )
    session.commit()
    session.refresh(acceptance)
    return acceptance


# --- what each side sees ----------------------------------------------------------------------------------------------


def _org_email(session: Session, org_id: int, preferred_user_id: int | None) -> str | None:
    if preferred_user_id is not None:
        preferred = session.get(User, preferred_user_id)
        if preferred is not None and preferred.org_id == org_id and preferred.active:
            return preferred.email
    first = session.exec(
        select(User).where(col(User.org_id) == org_id, col(User.active).is_(True)).order_by(col(User.id))
    ).first()
    return first.email if first else None


def counterpart_contacts(*, session: Session, user: User, interest: Interest) -> dict | None:
    """The other side's contact person, phone and email: only for a party, only after acceptance."""
    side = side_of(user, interest)
    if side is None or interest.status != InterestStatus.accepted:
        return None
    other_id = interest.to_org_id if side == "from" else interest.from_org_id
    org = session.get(Organization, other_id)
    assert org is not None  # a party's organization is never deleted
    return {
        "organization": org.name,
        "contact_name": org.contact_name,
        "contact_phone": org.contact_phone,
        "contact_email": _org_email(session, other_id, interest.from_user_id if side == "to" else None),
    }


def _org_ref(session: Session, org_id: int) -> dict:
    org = session.get(Organization, org_id)
    return {"id": org_id, "name": org.name if org else None}


def interest_to_public(*, session: Session, user: User, interest: Interest) -> dict:
    """The interest as the API shows it to this user (a party or the bureau)."""
    side = side_of(user, interest)
    nda = nda_text_for(session=session, interest=interest)
    acceptance = nda_acceptance(session=session, interest=interest) if nda else None
    link = nda_link(session=session, interest=interest)
    granted = (
        link is not None
        and link.need.id is not None
        and need_access.grant_of(session, link.need.id, link.acceptor_org_id) is not None
    )
    return {
        "id": interest.id,
        "status": interest.status.value,
        "side": side,
        "target_type": interest.target_type,
        "target_id": interest.target_id,
        "target_title": target_title(session, interest.target_type, interest.target_id),
        "via_type": interest.via_type,
        "via_id": interest.via_id,
        "from_org": _org_ref(session, interest.from_org_id),
        "to_org": _org_ref(session, interest.to_org_id),
        "message": interest.message,
        "decline_reason": interest.decline_reason.value if interest.decline_reason else None,
        "decline_note": interest.decline_note,
        "created_at": interest.created_at.isoformat(),
        "decided_at": interest.decided_at.isoformat() if interest.decided_at else None,
        "nda_required": nda is not None,
        "nda": ({"version": nda.version, "text": nda.body, "custom": nda.custom} if nda else None),
        "nda_accepted": acceptance is not None,
        "nda_accepted_at": acceptance.accepted_at.isoformat() if acceptance else None,
        "nda_need_id": link.need.id if link else None,
        "access_granted": granted,
        "contacts": counterpart_contacts(session=session, user=user, interest=interest),
        "parties": contract_side(interest),
    }
