"""Open challenges scored by the bureau's experts: the poster (or the bureau) of an open challenge asks experts to
score its proposals. The same assignments, conflict declarations and score sheets as the bureau's panels
(app.oversight.services.experts), one assignment per proposal and expert; an expert of a proposing organization is
never put on that organization's proposal. The experts' mean stands beside the poster's own score, which keeps
working as before; the poster still selects.
"""

from flask_babel import gettext as _
from sqlmodel import Session, col, select

from app.oversight import rules as panel_rules
from app.oversight.services import experts as expert_service
from app.oversight.services.access import commit_unique
from app.platform import audit, permissions
from app.platform.errors import Conflict, Forbidden, NotFound
from app.platform.notifications import notify
from app.platform.validation import parse
from app.trading.services.challenge_access import get_challenge, is_poster
from models import (
    AssignmentSubject,
    Challenge,
    ChallengeProposal,
    ChallengeStatus,
    ExpertAssignment,
    Organization,
    PanelIn,
    User,
)

PROPOSAL = AssignmentSubject.challenge_proposal


def _proposals(session: Session, challenge_id: int) -> list[ChallengeProposal]:
    return list(
        session.exec(
            select(ChallengeProposal)
            .where(ChallengeProposal.challenge_id == challenge_id)
            .order_by(col(ChallengeProposal.id))
        ).all()
    )


def _assignments(session: Session, proposal_ids: list[int]) -> list[ExpertAssignment]:
    if not proposal_ids:
        return []
    return list(
        session.exec(
            select(ExpertAssignment)
            .where(ExpertAssignment.subject == PROPOSAL, col(ExpertAssignment.subject_id).in_(proposal_ids))
            .order_by(col(ExpertAssignment.id))
        ).all()
    )


def panel_of(session: Session, challenge_id: int) -> list[int]:
    """The experts asked to score this challenge's proposals, in the order they were asked."""
    ids = [p.id for p in _proposals(session, challenge_id) if p.id is not None]
    return list(dict.fromkeys(row.expert_id for row in _assignments(session, ids)))


def _assign(
    session: Session, challenge: Challenge, proposals, expert_ids: list[int]
) -> list[ExpertAssignment]:
    """Assign each expert to each proposal except their own organization's (no commit); notify them."""
    made = []
    for proposal in proposals:
        barred = expert_service.from_organizations(session, expert_ids, [proposal.org_id])
        allowed = [i for i in expert_ids if i not in barred]
        if allowed:
            made += expert_service.assign(
                session, subject=PROPOSAL, subject_id=proposal.id, expert_ids=allowed
            )
    session.flush()  # ids for the notices; a racing duplicate assignment fails here
    for row in made:
        assert row.id is not None
        notify(
            session=session,
            user_ids=[row.expert_id],
            kind="challenge_review_assigned",
            subject_type="assignment",
            subject_id=row.id,
            text=challenge.title,
        )
    return made


def ask_experts(*, session: Session, user: User | None, challenge_id: int, data: dict) -> list[int]:
    """The poster asks the bureau's experts to score every proposal in (and those still to come); returns the
    panel. An expert of a proposing organization is left off that proposal."""
    user = permissions.require_login(user)
    panel_in = parse(PanelIn, data)
    challenge = get_challenge(session=session, challenge_id=challenge_id)
    if not is_poster(user, challenge):
        raise Forbidden(_("Only the challenge's poster can do this."))
    if challenge.status != ChallengeStatus.open:
        raise Conflict(_("A proposal has already been selected."))
    expert_service.specialties_of(session, panel_in.expert_ids)  # each must be an active expert (422)
    assert challenge.id is not None

    def write() -> None:
        made = _assign(session, challenge, _proposals(session, challenge.id), panel_in.expert_ids)  # type: ignore[arg-type]
        audit.record(
            session,
            subject="challenge",
            subject_id=challenge.id,  # type: ignore[arg-type]
            action="experts_asked",
            actor=user,
            experts=list(dict.fromkeys(panel_in.expert_ids)),
            assignments=len(made),
        )

    commit_unique(session, _("These experts are already assigned."), write)
    return panel_of(session, challenge.id)


def assign_new_proposal(session: Session, challenge: Challenge, proposal: ChallengeProposal) -> None:
    """A proposal arriving after the poster asked experts goes to the same panel (no commit)."""
    assert challenge.id is not None
    panel = panel_of(session, challenge.id)
    if panel:
        _assign(session, challenge, [proposal], panel)


def expert_means(session: Session, challenge_id: int) -> dict[int, float | None]:
    """Each proposal's mean of the experts' weighted scores (None until one has scored)."""
    proposals = _proposals(session, challenge_id)
    rows = _assignments(session, [p.id for p in proposals if p.id is not None])
    return {
        p.id: panel_rules.panel_mean(expert_service.membership(r) for r in rows if r.subject_id == p.id)
        for p in proposals
        if p.id is not None
    }


def proposal_for_expert(
    *, session: Session, user: User | None, proposal_id: int
) -> tuple[Challenge, ChallengeProposal, str]:
    """The proposal an expert was asked to score, with its challenge and the team's name; to nobody else."""
    if not expert_service.is_assigned(session, user, subject=PROPOSAL, subject_id=proposal_id):
        raise NotFound(_("No such proposal."))
    proposal = session.get(ChallengeProposal, proposal_id)
    assert proposal is not None  # an assigned proposal is never deleted
    org = session.get(Organization, proposal.org_id)
    return (
        get_challenge(session=session, challenge_id=proposal.challenge_id),
        proposal,
        org.name if org else "",
    )
