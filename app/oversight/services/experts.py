"""Expert accounts, their fields, and their assignments: declaring conflicts and scoring, for applications and
annual evaluations alike."""

from collections.abc import Iterable

from flask_babel import gettext as _
from sqlalchemy import update
from sqlmodel import Session, col, select

from app.oversight import rules
from app.platform.errors import Conflict, Invalid, NotFound
from app.platform.permissions import is_expert, require_expert
from app.platform.validation import parse
from models import (
    AssignmentSubject,
    CenterApplication,
    CenterCall,
    CenterEvaluation,
    CenterStatus,
    Challenge,
    ChallengeProposal,
    ChallengeStatus,
    ConflictIn,
    ExpertAssignment,
    ExpertProfile,
    ExpertProfileIn,
    FundApplication,
    FundApplicationStatus,
    FundCall,
    Role,
    ScoreIn,
    User,
)
from models.common import utcnow


def set_profile(*, session: Session, user_id: int, data: dict) -> ExpertProfile:
    """Record which fields an expert covers."""
    profile_in = parse(ExpertProfileIn, data)
    user = session.get(User, user_id)
    if not is_expert(user):
        raise NotFound(_("No such expert."))
    profile = session.get(ExpertProfile, user_id) or ExpertProfile(user_id=user_id)
    profile.specialties = list(dict.fromkeys(profile_in.specialties))
    profile.affiliation, profile.title = profile_in.affiliation, profile_in.title
    session.add(profile)
    session.commit()
    return profile


def experts(*, session: Session) -> list[tuple[User, ExpertProfile | None]]:
    """Every active expert account with its profile, by name."""
    users = session.exec(select(User).where(User.role == Role.expert, User.active).order_by(User.name)).all()
    return [(user, session.get(ExpertProfile, user.id)) for user in users]


def specialties_of(session: Session, expert_ids: list[int]) -> dict[int, list]:
    """Each named expert's fields; an id that is not an active expert account is refused."""
    specialties: dict[int, list] = {}
    for expert_id in dict.fromkeys(expert_ids):
        user = session.get(User, expert_id)
        if not is_expert(user) or not user.active:
            raise Invalid(
                _("Some fields are not valid."),
                {"expert_ids": _("Not an expert account: %(id)s.", id=expert_id)},
            )
        profile = session.get(ExpertProfile, expert_id)
        specialties[expert_id] = list(profile.specialties) if profile else []
    return specialties


def assign(
    session: Session, *, subject: AssignmentSubject, subject_id: int, expert_ids: list[int]
) -> list[ExpertAssignment]:
    """Add the assignments not made yet (no commit) and return them; call it once every check has passed."""
    specialties_of(session, expert_ids)
    made = set(
        session.exec(
            select(ExpertAssignment.expert_id).where(
                ExpertAssignment.subject == subject, ExpertAssignment.subject_id == subject_id
            )
        ).all()
    )
    # The new rows flush with the caller's write, where a racing request's duplicates become a 409.
    added = []
    for expert_id in dict.fromkeys(expert_ids):
        if expert_id not in made:
            added.append(ExpertAssignment(subject=subject, subject_id=subject_id, expert_id=expert_id))
            session.add(added[-1])
    return added


def assignments_for(
    session: Session, *, subject: AssignmentSubject, subject_id: int
) -> list[ExpertAssignment]:
    return list(
        session.exec(
            select(ExpertAssignment)
            .where(ExpertAssignment.subject == subject, ExpertAssignment.subject_id == subject_id)
            .order_by(col(ExpertAssignment.id))
        ).all()
    )


def membership(row: ExpertAssignment, specialties: Iterable[str] = ()) -> rules.Membership:
    return rules.Membership(
        expert_id=row.expert_id,
        conflict=row.conflict,
        weighted_score=row.weighted_score,
        specialties=tuple(str(item) for item in specialties),
    )


def panel_of(session: Session, *, subject: AssignmentSubject, subject_id: int) -> list[rules.Membership]:
    """A panel's members with the fields each covers now, so a conclusion can check what its scorers cover."""
    members = []
    for row in assignments_for(session, subject=subject, subject_id=subject_id):
        profile = session.get(ExpertProfile, row.expert_id)
        members.append(membership(row, profile.specialties if profile else ()))
    return members


def my_assignments(*, session: Session, user: User | None) -> list[ExpertAssignment]:
    user = require_expert(user)
    return list(
        session.exec(
            select(ExpertAssignment)
            .where(ExpertAssignment.expert_id == user.id)
            .order_by(col(ExpertAssignment.created_at).desc())
        ).all()
    )


def get_assignment(*, session: Session, user: User | None, assignment_id: int) -> ExpertAssignment:
    """The caller's own assignment; another expert's is not even confirmed to exist."""
    user = require_expert(user)
    row = session.get(ExpertAssignment, assignment_id)
    if row is None or row.expert_id != user.id:
        raise NotFound(_("No such assignment."))
    return row


def from_organizations(
    session: Session, expert_ids: Iterable[int], org_ids: Iterable[int | None]
) -> set[int]:
    """The experts who work for one of these organizations: they may not score what those organizations ask for
    (a center's fund application, a team's challenge proposal), whatever they would declare."""
    orgs = {org_id for org_id in org_ids if org_id is not None}
    ids = list(dict.fromkeys(expert_ids))
    if not orgs or not ids:
        return set()
    found = session.exec(select(User.id).where(col(User.id).in_(ids), col(User.org_id).in_(orgs))).all()
    return {user_id for user_id in found if user_id is not None}


def criteria_for(session: Session, row: ExpertAssignment) -> dict[str, int]:
    """The criteria and weights this assignment is scored against."""
    if row.subject == AssignmentSubject.fund_application:
        fund_application = session.get(FundApplication, row.subject_id)
        assert fund_application is not None  # an assignment's application is never deleted
        fund_call = session.get(FundCall, fund_application.call_id)
        assert fund_call is not None  # nor its call
        return dict(fund_call.criteria) or dict(rules.FUND_CRITERIA)
    if row.subject == AssignmentSubject.challenge_proposal:
        return dict(rules.CHALLENGE_CRITERIA)
    if row.subject == AssignmentSubject.application:
        application = session.get(CenterApplication, row.subject_id)
        assert application is not None  # an assignment's application is never deleted
        call = session.get(CenterCall, application.call_id)
        assert call is not None  # nor its call
        return dict(call.weights) or dict(rules.APPLICATION_CRITERIA)
    evaluation = session.get(CenterEvaluation, row.subject_id)
    assert evaluation is not None  # an assignment's evaluation is never deleted
    return dict(evaluation.weights) or dict(rules.EVALUATION_CRITERIA)  # the center's own weights, if set


def _require_open(session: Session, row: ExpertAssignment) -> None:
    if row.subject == AssignmentSubject.fund_application:
        fund_application = session.get(FundApplication, row.subject_id)
        assert fund_application is not None  # an assignment's application is never deleted
        if fund_application.status != FundApplicationStatus.submitted:
            raise Conflict(_("The bureau has already decided on this application."))
        return
    if row.subject == AssignmentSubject.challenge_proposal:
        proposal = session.get(ChallengeProposal, row.subject_id)
        challenge = session.get(Challenge, proposal.challenge_id) if proposal else None
        assert challenge is not None  # a proposal and its challenge are never deleted
        if challenge.status != ChallengeStatus.open:
            raise Conflict(_("A proposal has already been selected."))
        return
    if row.subject == AssignmentSubject.application:
        application = session.get(CenterApplication, row.subject_id)
        assert application is not None  # an assignment's application is never deleted
        if application.status != CenterStatus.review:
            raise Conflict(_("The review of this application is closed."))
    else:
        evaluation = session.get(CenterEvaluation, row.subject_id)
        assert evaluation is not None  # an assignment's evaluation is never deleted
        if evaluation.grade is not None:
            raise Conflict(_("This evaluation has already been graded."))
        if evaluation.submitted_at is None:
            raise Conflict(_("The center has not submitted its report yet."))


def declare_conflict(
    *, session: Session, user: User | None, assignment_id: int, data: dict
) -> ExpertAssignment:
    """The expert declares whether they have a conflict of interest; once, before scoring."""
    row = get_assignment(session=session, user=user, assignment_id=assignment_id)
    conflict_in = parse(ConflictIn, data)
    _require_open(session, row)
    rules.declare_conflict(membership(row), conflict=conflict_in.conflict)
    # Only a row still undeclared changes, so two racing declarations cannot both land.
    result = session.execute(
        update(ExpertAssignment)
        .where(col(ExpertAssignment.id) == row.id, col(ExpertAssignment.conflict).is_(None))
        .values(conflict=conflict_in.conflict, conflict_note=conflict_in.note, declared_at=utcnow())
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]  # an UPDATE's result is a CursorResult, typed as Result
        session.rollback()
        raise Conflict(_("You have already declared your conflicts of interest for this assignment."))
    session.commit()
    session.refresh(row)
    return row


def submit_score(*, session: Session, user: User | None, assignment_id: int, data: dict) -> ExpertAssignment:
    """Scores per criterion (0–100) and a written opinion; a conflicted expert is refused."""
    row = get_assignment(session=session, user=user, assignment_id=assignment_id)
    score_in = parse(ScoreIn, data)
    _require_open(session, row)
    scored = rules.score(membership(row), scores=score_in.scores, weights=criteria_for(session, row))
    result = session.execute(
        update(ExpertAssignment)
        .where(
            col(ExpertAssignment.id) == row.id,
            col(ExpertAssignment.conflict).is_(False),
            col(ExpertAssignment.weighted_score).is_(None),
        )
        .values(
            scores=dict(score_in.scores),
            weighted_score=scored.weighted_score,
            opinion=score_in.opinion,
            scored_at=utcnow(),
        )
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]  # an UPDATE's result is a CursorResult, typed as Result
        session.rollback()
        raise Conflict(_("You have already scored this assignment."))
    session.commit()
    session.refresh(row)
    return row


def is_assigned(session: Session, user: User | None, *, subject: AssignmentSubject, subject_id: int) -> bool:
    """True when the user is an expert assigned to this subject."""
    if not is_expert(user):
        return False
    return (
        session.exec(
            select(ExpertAssignment.id).where(
                ExpertAssignment.subject == subject,
                ExpertAssignment.subject_id == subject_id,
                ExpertAssignment.expert_id == user.id,
            )
        ).first()
        is not None
    )
