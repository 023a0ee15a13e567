"""Open challenges (揭榜挂帅): an enterprise (or the bureau, for it) posts a challenge from a need with goals,
acceptance criteria, a reward and a deadline; centers, universities and institutes submit proposals, which only the
poster (the need's organization) and the bureau read; the poster scores them and selects one, and a
commissioned-development contract at the proposal's price follows.

Selection is a compare-and-set on the challenge's status and version: two selections at once make one contract.
"""

from datetime import date

from flask_babel import gettext as _
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from app.market.rules import is_live
from app.platform import audit, permissions
from app.platform.errors import Conflict, Forbidden, Invalid, NotFound
from app.platform.notifications import notify
from app.platform.validation import parse
from app.trading import rules
from app.trading.services import challenge_reviews, deal_links
from app.trading.services.challenge_access import get_challenge, is_poster
from indexing.sync import record_change
from models import (
    Challenge,
    ChallengeIn,
    ChallengeProposal,
    ChallengeStatus,
    ContractKind,
    Need,
    Organization,
    ProposalIn,
    ScoreProposalIn,
    SelectionIn,
    User,
)
from models.common import utcnow


def create_challenge(*, session: Session, user: User | None, data: dict) -> Challenge:
    """Post a challenge from a live need of the user's organization (the bureau: from any live need)."""
    user = permissions.require_login(user)
    challenge_in = parse(ChallengeIn, data)
    need = session.get(Need, challenge_in.need_id)
    bureau = permissions.is_bureau(user)
    if need is None or not (is_live(need) or permissions.owns(user, need)):
        raise NotFound(_("No such listing."))
    if not (bureau or permissions.owns(user, need)):
        raise Forbidden(_("Only the need's organization or the bureau can post a challenge from it."))
    if not is_live(need):
        raise Conflict(_("Publish the need before posting a challenge from it."))
    if challenge_in.deadline < utcnow().date():
        raise Invalid(_("Some fields are not valid."), {"deadline": _("The deadline has passed.")})
    assert need.id is not None
    challenge = Challenge(
        need_id=need.id,
        poster_org_id=need.org_id,
        title=need.title,
        goals=challenge_in.goals,
        acceptance_criteria=challenge_in.acceptance_criteria,
        reward=challenge_in.reward,
        deadline=challenge_in.deadline,
        created_by=user.id,
    )
    session.add(challenge)
    session.flush()
    assert challenge.id is not None
    audit.record(
        session,
        subject="challenge",
        subject_id=challenge.id,
        action="posted",
        actor=user,
        to_state=ChallengeStatus.open,
        need_id=need.id,
        reward=challenge.reward,
    )
    record_change(session, "need", need.id)  # the need's search document now carries the challenge
    session.commit()
    session.refresh(challenge)
    return challenge


def list_challenges(*, session: Session, open_only: bool = False) -> list[Challenge]:
    stmt = select(Challenge)
    if open_only:
        stmt = stmt.where(Challenge.status == ChallengeStatus.open)
    return list(session.exec(stmt.order_by(col(Challenge.created_at).desc(), col(Challenge.id).desc())).all())


def accepts_proposals(challenge: Challenge, today: date | None = None) -> bool:
    return challenge.status == ChallengeStatus.open and (today or utcnow().date()) <= challenge.deadline


def submit_proposal(
    *, session: Session, user: User | None, challenge_id: int, data: dict
) -> ChallengeProposal:
    """A team (a center, university or institute) answers the challenge (揭榜), once."""
    user = permissions.require_member(user)
    challenge = get_challenge(session=session, challenge_id=challenge_id)
    org = session.get(Organization, user.org_id)
    if org is None or org.kind not in rules.CHALLENGE_TEAMS:
        raise Forbidden(_("Only innovation centers, universities and institutes can answer a challenge."))
    if user.org_id == challenge.poster_org_id:
        raise Forbidden(_("The poster cannot answer its own challenge."))
    proposal_in = parse(ProposalIn, data)
    if not accepts_proposals(challenge):
        raise Conflict(_("This challenge no longer takes proposals."))
    assert challenge.id is not None and user.org_id is not None and user.id is not None
    proposal = ChallengeProposal(
        challenge_id=challenge.id, org_id=user.org_id, user_id=user.id, **proposal_in.model_dump()
    )
    session.add(proposal)
    try:
        session.flush()
    except IntegrityError:
        session.rollback()
        raise Conflict(_("Your organization has already submitted a proposal to this challenge.")) from None
    audit.record(
        session, subject="challenge", subject_id=challenge.id, action="proposal_submitted", actor=user
    )
    challenge_reviews.assign_new_proposal(session, challenge, proposal)
    notify(
        session=session,
        org_id=challenge.poster_org_id,
        kind="challenge_proposal",
        subject_type="challenge",
        subject_id=challenge.id,
        text=challenge.title,
    )
    session.commit()
    session.refresh(proposal)
    return proposal


def proposals_of(*, session: Session, user: User | None, challenge_id: int) -> list[ChallengeProposal]:
    """Every proposal to the poster and the bureau; a team sees its own only; anyone else is refused."""
    user = permissions.require_login(user)
    challenge = get_challenge(session=session, challenge_id=challenge_id)
    stmt = select(ChallengeProposal).where(ChallengeProposal.challenge_id == challenge.id)
    if not is_poster(user, challenge):
        if user.org_id is None:
            raise Forbidden(_("Proposals are confidential to the challenge's poster."))
        stmt = stmt.where(ChallengeProposal.org_id == user.org_id)
        if session.exec(stmt).first() is None:
            raise Forbidden(_("Proposals are confidential to the challenge's poster."))
    return list(session.exec(stmt.order_by(col(ChallengeProposal.id))).all())


def _own_proposal(session: Session, user: User | None, challenge_id: int, proposal_id: int):
    challenge = get_challenge(session=session, challenge_id=challenge_id)
    if not is_poster(user, challenge):
        raise Forbidden(_("Only the challenge's poster can do this."))
    proposal = session.get(ChallengeProposal, proposal_id)
    if proposal is None or proposal.challenge_id != challenge.id:
        raise NotFound(_("No such proposal."))
    return challenge, proposal


def score_proposal(
    *, session: Session, user: User | None, challenge_id: int, proposal_id: int, data: dict
) -> ChallengeProposal:
    """The poster scores a proposal (0–100); a later score replaces an earlier one."""
    user = permissions.require_login(user)
    score = parse(ScoreProposalIn, data).score
    challenge, proposal = _own_proposal(session, user, challenge_id, proposal_id)
    if challenge.status != ChallengeStatus.open:
        raise Conflict(_("A proposal has already been selected."))
    proposal.score = score
    session.add(proposal)
    assert challenge.id is not None
    audit.record(
        session,
        subject="challenge",
        subject_id=challenge.id,
        action="scored",
        actor=user,
        proposal_id=proposal.id,
        score=score,
    )
    session.commit()
    session.refresh(proposal)
    return proposal


def select_proposal(*, session: Session, user: User | None, challenge_id: int, data: dict) -> Challenge:
    """The poster selects one proposal: the challenge closes and a commissioned-development contract at the
    proposal's price is drafted between the need's organization (client) and the team (developer)."""
    user = permissions.require_login(user)
    proposal_id = parse(SelectionIn, data).proposal_id
    challenge, proposal = _own_proposal(session, user, challenge_id, proposal_id)
    if challenge.status != ChallengeStatus.open:
        raise Conflict(_("A proposal has already been selected."))
    assert challenge.id is not None and proposal.id is not None
    result = session.execute(
        update(Challenge)
        .where(
            col(Challenge.id) == challenge.id,
            col(Challenge.version) == challenge.version,
            col(Challenge.status) == ChallengeStatus.open,
        )
        .values(
            status=ChallengeStatus.selected, selected_proposal_id=proposal.id, version=challenge.version + 1
        )
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]  # an UPDATE's result is a CursorResult
        session.rollback()
        raise Conflict(_("A proposal has already been selected."))
    audit.record(
        session,
        subject="challenge",
        subject_id=challenge.id,
        action="selected",
        actor=user,
        from_state=ChallengeStatus.open,
        to_state=ChallengeStatus.selected,
        proposal_id=proposal.id,
        amount=proposal.price,
    )
    record_change(session, "need", challenge.need_id)  # no longer open: the need's document drops it
    notify(
        session=session,
        org_id=proposal.org_id,
        kind="challenge_selected",
        subject_type="challenge",
        subject_id=challenge.id,
        text=challenge.title,
    )
    need = session.get(Need, challenge.need_id)
    assert need is not None and need.id is not None  # a challenge's need is never deleted
    interest = deal_links.accepted_interest(
        session,
        from_org=proposal.org_id,
        target_type="need",
        target_id=need.id,
        to_org=challenge.poster_org_id,
        message=_("Proposal selected in the open challenge."),
    )
    creator = user if permissions.acts_for(user, challenge.poster_org_id) else None
    contract = deal_links.draft_contract(
        session,
        creator=creator or deal_links.member_of(session, challenge.poster_org_id, challenge.created_by),
        interest=interest,
        kind=ContractKind.commissioned_development,
        title=challenge.title,
        amount=proposal.price,
        field=need.industry,
    )
    session.execute(
        update(Challenge)
        .where(col(Challenge.id) == challenge.id)
        .values(contract_id=contract.id)
        .execution_options(synchronize_session=False)
    )
    session.commit()
    session.refresh(challenge)
    return challenge
