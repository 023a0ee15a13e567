"""The development fund (创新中心发展基金, seed §五(二)): the bureau opens a fund call; a filed center's own users
apply once per call with a plan and budget lines; the bureau puts experts on the application's panel (the same
assignments, conflict declarations and score sheets as a center application, and no expert of the center's own,
lead or member organizations); the bureau grants at most the amount asked, or declines with a reason; and records
the disbursements, which never add up to more than the grant.

Races end in the database: a second application of a center to one call breaks a unique constraint (409); a
decision is a compare-and-set on the application's status and version; a disbursement first raises the
application's running `disbursed` total under `disbursed + amount <= granted_amount`, so of two payments that
together exceed the grant exactly one lands (the row lock serializes them), and an insert trigger checks the sum
again.
"""

from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import func, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from app.oversight import rules
from app.oversight.services import experts as expert_service
from app.oversight.services.access import commit_unique, get_center, user_names
from app.platform import audit
from app.platform.concurrency import versioned_update
from app.platform.errors import Conflict, Forbidden, Invalid, NotFound
from app.platform.notifications import notify
from app.platform.permissions import is_bureau, manages, may_see_center_records, require_bureau, require_login
from app.platform.validation import parse
from models import (
    AssignmentSubject,
    Center,
    CenterMember,
    CenterStatus,
    DisbursementIn,
    ExpertAssignment,
    FundApplication,
    FundApplicationIn,
    FundApplicationStatus,
    FundCall,
    FundCallIn,
    FundDecisionIn,
    FundDisbursement,
    PanelIn,
    User,
)
from models.common import utcnow

SUBMITTED = FundApplicationStatus.submitted.value


# --- calls -----------------------------------------------------------------------------------------------------------


def open_call(*, session: Session, user: User | None, data: dict) -> FundCall:
    """The bureau opens a fund call; every filed center's users are told."""
    user = require_bureau(user)
    call_in = parse(FundCallIn, data)
    if call_in.closes_on < call_in.opens_on:
        raise Invalid(_("Some fields are not valid."), {"closes_on": _("The call closes before it opens.")})
    call = FundCall(
        title=call_in.title,
        description=call_in.description,
        budget=call_in.budget,
        opens_on=call_in.opens_on,
        closes_on=call_in.closes_on,
        criteria=rules.check_criteria(call_in.criteria),
        created_by=user.id,
    )
    session.add(call)
    session.flush()
    assert call.id is not None  # given by the flush
    audit.record(
        session, subject="fund_call", subject_id=call.id, action="opened", actor=user, budget=call.budget
    )
    filed = session.exec(select(Center.org_id).where(Center.status == CenterStatus.filed)).all()
    notify(
        session=session,
        org_ids=[org_id for org_id in filed if org_id is not None],
        kind="fund_call_opened",
        subject_type="fund_call",
        subject_id=call.id,
        text=call.title,
        detail=call.closes_on.isoformat(),
    )
    session.commit()
    session.refresh(call)
    return call


def list_calls(*, session: Session) -> list[FundCall]:
    """Every fund call, newest first: calls are public, like the centers' calls."""
    return list(
        session.exec(select(FundCall).order_by(col(FundCall.opens_on).desc(), col(FundCall.id).desc())).all()
    )


def get_call(*, session: Session, call_id: int) -> FundCall:
    call = session.get(FundCall, call_id)
    if call is None:
        raise NotFound(_("No such fund call."))
    return call


def is_open(call: FundCall) -> bool:
    return rules.fund_window_open(call.opens_on, call.closes_on, utcnow().date())


def applications_of_call(*, session: Session, user: User | None, call_id: int) -> list[FundApplication]:
    """The bureau sees every application to a call; a center's users their own centers' only."""
    get_call(session=session, call_id=call_id)
    rows = session.exec(
        select(FundApplication).where(FundApplication.call_id == call_id).order_by(col(FundApplication.id))
    ).all()
    if is_bureau(user):
        return list(rows)
    return [row for row in rows if _may_see(session, user, row)]


# --- applications ----------------------------------------------------------------------------------------------------


def apply(*, session: Session, user: User | None, call_id: int, data: dict) -> FundApplication:
    """A filed center's own users apply, once per call, while the call is open."""
    user = require_login(user)
    application_in = parse(FundApplicationIn, data)
    call = get_call(session=session, call_id=call_id)
    center = session.get(Center, application_in.center_id)
    if center is None or not manages(user, center):
        raise Forbidden(_("Only the center's own users may apply for it."))
    if center.status != CenterStatus.filed:
        raise Invalid(_("Some fields are not valid."), {"center_id": _("Only filed centers may apply.")})
    if not is_open(call):
        raise Conflict(_("This fund call is not taking applications."))
    assert call.id is not None and center.id is not None
    lines = [line.model_dump() for line in application_in.budget_lines]
    application = FundApplication(
        call_id=call.id,
        center_id=center.id,
        submitted_by=user.id,
        plan=application_in.plan,
        budget_lines=lines,
        requested=sum(line["amount"] for line in lines),
    )

    def write() -> FundApplication:
        session.add(application)
        session.flush()  # a second application of the center to this call fails here
        assert application.id is not None
        audit.record(
            session,
            subject="fund_application",
            subject_id=application.id,
            action="applied",
            actor=user,
            to_state=SUBMITTED,
            call_id=call.id,
            center_id=center.id,
            requested=application.requested,
        )
        return application

    commit_unique(session, _("This center has already applied to this fund call."), write)
    session.refresh(application)
    return application


def _may_see(session: Session, user: User | None, application: FundApplication) -> bool:
    center = session.get(Center, application.center_id)
    assert center is not None  # an application's center is never deleted
    assert application.id is not None
    return may_see_center_records(user, center) or expert_service.is_assigned(
        session, user, subject=AssignmentSubject.fund_application, subject_id=application.id
    )


def get_application(*, session: Session, user: User | None, application_id: int) -> FundApplication:
    """The bureau, the center's own users and the experts on its panel read an application; nobody else learns
    that it exists."""
    application = session.get(FundApplication, application_id)
    if application is None or not _may_see(session, user, application):
        raise NotFound(_("No such fund application."))
    return application


@dataclass
class ApplicationView:
    application: FundApplication
    call: FundCall
    center: Center
    panel: list[tuple[ExpertAssignment, str]] = field(default_factory=list)
    disbursements: list[FundDisbursement] = field(default_factory=list)
    mean: float | None = None


def application_view(*, session: Session, user: User | None, application_id: int) -> ApplicationView:
    """An application with its panel (the bureau sees every row; an expert their own; the center the mean only)
    and its disbursements."""
    application = get_application(session=session, user=user, application_id=application_id)
    assert application.id is not None
    rows = expert_service.assignments_for(
        session, subject=AssignmentSubject.fund_application, subject_id=application.id
    )
    shown = rows if is_bureau(user) else [r for r in rows if user is not None and r.expert_id == user.id]
    names = user_names(session, [r.expert_id for r in shown])
    call, center = session.get(FundCall, application.call_id), session.get(Center, application.center_id)
    assert call is not None and center is not None  # never deleted
    return ApplicationView(
        application=application,
        call=call,
        center=center,
        panel=[(r, names.get(r.expert_id, "")) for r in shown],
        disbursements=disbursements_of(session, application.id),
        mean=rules.panel_mean(expert_service.membership(r) for r in rows),
    )


def disbursements_of(session: Session, application_id: int) -> list[FundDisbursement]:
    return list(
        session.exec(
            select(FundDisbursement)
            .where(FundDisbursement.application_id == application_id)
            .order_by(col(FundDisbursement.paid_on), col(FundDisbursement.id))
        ).all()
    )


def _load(session: Session, application_id: int) -> FundApplication:
    application = session.get(FundApplication, application_id)
    if application is None:
        raise NotFound(_("No such fund application."))
    return application


def _center_orgs(session: Session, center: Center) -> set[int | None]:
    members = session.exec(select(CenterMember.org_id).where(CenterMember.center_id == center.id)).all()
    return {center.org_id, center.lead_org_id, *members}


def assign_panel(*, session: Session, user: User | None, application_id: int, data: dict) -> FundApplication:
    """The bureau asks experts to score an application; an expert of the center's own, lead or member
    organizations is refused."""
    require_bureau(user)
    panel_in = parse(PanelIn, data)
    application = _load(session, application_id)
    if application.status != SUBMITTED:
        raise Conflict(_("The bureau has already decided on this application."))
    center = get_center(session, application.center_id)
    call = get_call(session=session, call_id=application.call_id)
    conflicted = expert_service.from_organizations(
        session, panel_in.expert_ids, _center_orgs(session, center)
    )
    if conflicted:
        names = user_names(session, conflicted)
        raise Invalid(
            _("Some fields are not valid."),
            {
                "expert_ids": _(
                    "These experts work for the center or one of its units and may not score it: %(names)s.",
                    names="、".join(sorted(names.values())),
                )
            },
        )
    assert application.id is not None

    def write() -> None:
        assigned = expert_service.assign(
            session,
            subject=AssignmentSubject.fund_application,
            subject_id=application.id,  # type: ignore[arg-type]  # checked above
            expert_ids=panel_in.expert_ids,
        )
        session.flush()  # the assignments' ids for the notices; a racing duplicate fails here
        for row in assigned:
            assert row.id is not None
            notify(
                session=session,
                user_ids=[row.expert_id],
                kind="fund_review_assigned",
                subject_type="assignment",
                subject_id=row.id,
                text=f"{center.name} · {call.title}",
            )
        audit.record(
            session,
            subject="fund_application",
            subject_id=application.id,  # type: ignore[arg-type]
            action="panel_assigned",
            actor=user,
            experts=[row.expert_id for row in assigned],
        )

    commit_unique(session, _("These experts are already assigned."), write)
    session.refresh(application)
    return application


def decide(*, session: Session, user: User | None, application_id: int, data: dict) -> FundApplication:
    """The bureau grants an amount no larger than the request, or declines with a reason; once."""
    user = require_bureau(user)
    decision = parse(FundDecisionIn, data)
    application = _load(session, application_id)
    assert application.id is not None
    if application.status != SUBMITTED:
        raise Conflict(_("The bureau has already decided on this application."))
    if decision.grant:
        amount: int | None = rules.check_grant(requested=application.requested, amount=decision.amount)
        status = FundApplicationStatus.granted.value
    else:
        if len(decision.reason.strip()) < 2:
            raise Invalid(_("Some fields are not valid."), {"reason": _("Give the reason for declining.")})
        amount, status = None, FundApplicationStatus.declined.value
    rows = expert_service.assignments_for(
        session, subject=AssignmentSubject.fund_application, subject_id=application.id
    )
    versioned_update(
        session,
        FundApplication,
        application.id,
        version=application.version,
        where=[col(FundApplication.status) == SUBMITTED],
        values={
            "status": status,
            "granted_amount": amount,
            "decision_reason": decision.reason.strip(),
            "review_mean": rules.panel_mean(expert_service.membership(r) for r in rows),
            "decided_by": user.id,
            "decided_at": utcnow(),
        },
        conflict=Conflict(_("The bureau has already decided on this application.")),
    )
    audit.record(
        session,
        subject="fund_application",
        subject_id=application.id,
        action=status,
        actor=user,
        from_state=SUBMITTED,
        to_state=status,
        amount=amount,
        reason=decision.reason.strip() or None,
    )
    call = get_call(session=session, call_id=application.call_id)
    center = get_center(session, application.center_id)
    notify(
        session=session,
        org_id=center.org_id,
        kind="fund_decided",
        subject_type="fund_application",
        subject_id=application.id,
        text=call.title,
        state=status,
    )
    session.commit()
    session.refresh(application)
    return application


def disburse(*, session: Session, user: User | None, application_id: int, data: dict) -> FundDisbursement:
    """The bureau records a payment of a grant; the payments never add up to more than the grant."""
    user = require_bureau(user)
    payment = parse(DisbursementIn, data)
    application = _load(session, application_id)
    assert application.id is not None
    if application.status != FundApplicationStatus.granted:
        raise Conflict(_("Only a granted application can be paid."))
    # The running total rises only while it stays within the grant: decided by the database under the row's
    # lock, so two payments that together exceed the grant cannot both land.
    result = session.execute(
        update(FundApplication)
        .where(
            col(FundApplication.id) == application.id,
            col(FundApplication.status) == FundApplicationStatus.granted.value,
            col(FundApplication.disbursed) + payment.amount <= col(FundApplication.granted_amount),
        )
        .values(
            disbursed=col(FundApplication.disbursed) + payment.amount, version=FundApplication.version + 1
        )
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]  # an UPDATE's result is a CursorResult
        session.rollback()
        session.refresh(application)
        remaining = (application.granted_amount or 0) - application.disbursed
        raise Conflict(
            _(
                "The payments would exceed the grant: %(remaining)s yuan remain to be paid.",
                remaining=remaining,
            ),
            {"amount": _("At most %(remaining)s yuan.", remaining=remaining)},
        )
    row = FundDisbursement(
        application_id=application.id,
        paid_on=payment.paid_on,
        amount=payment.amount,
        note=payment.note,
        recorded_by=user.id,
    )
    session.add(row)
    try:
        session.flush()
    except (
        IntegrityError
    ):  # the trigger's check of the sum; the total above makes this unreachable in practice
        session.rollback()
        raise Conflict(_("The payments would exceed the grant.")) from None
    audit.record(
        session,
        subject="fund_application",
        subject_id=application.id,
        action="disbursed",
        actor=user,
        amount=payment.amount,
        paid_on=payment.paid_on,
    )
    call = get_call(session=session, call_id=application.call_id)
    center = get_center(session, application.center_id)
    notify(
        session=session,
        org_id=center.org_id,
        kind="fund_disbursed",
        subject_type="fund_application",
        subject_id=application.id,
        text=call.title,
        detail=str(payment.amount),
    )
    session.commit()
    session.refresh(row)
    return row


def center_names(session: Session, center_ids) -> list[Center]:
    ids = {i for i in center_ids if i is not None}
    return list(session.exec(select(Center).where(col(Center.id).in_(ids))).all()) if ids else []


# --- per center and for the dashboard --------------------------------------------------------------------------------


def center_applications(
    *, session: Session, user: User | None, center_id: int
) -> list[tuple[FundApplication, FundCall]]:
    """A center's fund applications, newest call first, for the bureau and the center itself."""
    center = get_center(session, center_id)
    if not may_see_center_records(user, center):
        return []
    return list(
        session.exec(
            select(FundApplication, FundCall)
            .join(FundCall, col(FundCall.id) == FundApplication.call_id)
            .where(FundApplication.center_id == center_id)
            .order_by(col(FundCall.opens_on).desc(), col(FundApplication.id).desc())
        ).all()
    )


def grants_of_center(session: Session, center_id: int) -> list[tuple[FundApplication, FundCall]]:
    """The grants a center received, newest call first: public money, shown on its public profile."""
    return list(
        session.exec(
            select(FundApplication, FundCall)
            .join(FundCall, col(FundCall.id) == FundApplication.call_id)
            .where(
                FundApplication.center_id == center_id,
                FundApplication.status == FundApplicationStatus.granted.value,
            )
            .order_by(col(FundCall.opens_on).desc())
        ).all()
    )


@dataclass(frozen=True)
class CallFigures:
    call: FundCall
    applications: int
    granted_count: int
    requested: int
    granted: int
    disbursed: int


def figures_by_call(session: Session) -> list[CallFigures]:
    """For the bureau's dashboard: per call, how many applied, how much was asked, granted and paid (yuan)."""
    totals = {
        call_id: (count, granted_count or 0, requested or 0, granted or 0, disbursed or 0)
        for call_id, count, granted_count, requested, granted, disbursed in session.exec(
            select(  # type: ignore[call-overload]
                FundApplication.call_id,
                func.count(),
                func.count(col(FundApplication.granted_amount)),
                func.sum(FundApplication.requested),
                func.sum(FundApplication.granted_amount),
                func.sum(FundApplication.disbursed),
            ).group_by(FundApplication.call_id)
        ).all()
    }
    return [CallFigures(call, *totals.get(call.id, (0, 0, 0, 0, 0))) for call in list_calls(session=session)]
