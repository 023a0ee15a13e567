"""The centers' registry and their creation workflow (创建申报 → 专家评审 → 现场考核 → 公示 → 备案), and promotion.

The rules live in `center_rules`; this module loads the state, asks the rule, and writes the new state with its
history row in one transaction. An application carries a version: a transition computed from a copy that another
request has already moved on is refused with 409 instead of overwriting it.
"""

from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import func, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from app.oversight import rules
from app.oversight.services import experts as expert_service
from app.oversight.services.access import (
    commit_unique,
    get_center,
    is_bureau,
    log,
    manages,
    require_bureau,
    user_names,
)
from app.platform import files
from app.platform.concurrency import versioned_update
from app.platform.errors import Conflict, Forbidden, Invalid, NotFound
from app.platform.taxonomy import is_industry
from app.platform.validation import parse
from indexing.sync import record_change
from models import (
    AnswerIn,
    ApplicationDocument,
    ApplicationIn,
    AssignmentSubject,
    CallIn,
    CallStatus,
    Center,
    CenterApplication,
    CenterCall,
    CenterExpert,
    CenterFounder,
    CenterLevel,
    CenterLog,
    CenterMember,
    CenterStatus,
    DecisionIn,
    InspectionIn,
    NoticeObjection,
    ObjectionIn,
    Organization,
    PanelIn,
    Promotion,
    PromotionIn,
    PromotionOutcome,
    PromotionOutcomeIn,
    Role,
    User,
)
from models.common import utcnow

STEP_FIELDS = tuple(rules.Step.__dataclass_fields__)
REVIEW_DAYS = 21
INSPECTION_DAYS = 30


# --- calls --------------------------------------------------------------------------------------------------------


def create_call(*, session: Session, user: User | None, data: dict) -> CenterCall:
    """The bureau opens a domain for applications."""
    require_bureau(user)
    call_in = parse(CallIn, data)
    if not is_industry(call_in.industry):
        raise Invalid(_("Some fields are not valid."), {"industry": _("Unknown industry.")})
    weights = rules.check_weights(call_in.weights, rules.APPLICATION_CRITERIA)
    if _filed_holder(session, rules.domain_key(call_in.industry, call_in.domain)) is not None:
        raise Conflict(
            _("A filed center already holds this domain in the city."), {"domain": _("Already held.")}
        )
    call = CenterCall(**call_in.model_dump(exclude={"weights"}), weights=weights, created_by=user.id)
    session.add(call)
    session.commit()
    session.refresh(call)
    return call


def list_calls(*, session: Session, open_only: bool = False) -> list[CenterCall]:
    query = select(CenterCall).order_by(CenterCall.deadline.desc(), CenterCall.id.desc())
    if open_only:
        query = query.where(CenterCall.status == CallStatus.open, CenterCall.deadline >= date.today())
    return list(session.exec(query).all())


def get_call(*, session: Session, call_id: int) -> CenterCall:
    call = session.get(CenterCall, call_id)
    if call is None:
        raise NotFound(_("No such call for applications."))
    return call


# --- applications -----------------------------------------------------------------------------------------------------


def _filed_holder(session: Session, key: str) -> Center | None:
    return session.exec(select(Center).where(Center.filed_domain_key == key)).first()


def submit_application(
    *, session: Session, user: User | None, call_id: int, data: dict, today: date | None = None, uploads=()
) -> CenterApplication:
    """A lead unit applies to create a center in the call's domain, with its founders, experts, plan and
    `uploads`, the documents as (title and note, uploaded file) pairs: all of it is saved, or nothing."""
    if user is None or user.org_id is None:
        raise Forbidden(_("Only a registered institute, university or enterprise may apply."))
    call = get_call(session=session, call_id=call_id)
    rules.accepts_applications(
        call_open=call.status == CallStatus.open, deadline=call.deadline, today=today or date.today()
    )
    application_in = parse(ApplicationIn, data)
    lead = session.get(Organization, user.org_id)
    codes = rules.check_founders(
        lead_kind=lead.kind,
        lead_code=lead.credit_code,
        codes=[f.credit_code for f in application_in.founders],
    )
    if not application_in.experts:
        raise Invalid(
            _("Some fields are not valid."),
            {"experts": _("Name at least one expert or technical team of the domain.")},
        )
    key = rules.domain_key(call.industry, call.domain)
    if _filed_holder(session, key) is not None:
        raise Conflict(_("A filed center already holds this domain in the city."))

    center = Center(
        name=application_in.center_name,
        level=CenterLevel.city,
        industry=call.industry,
        domain=call.domain,
        org_id=lead.id,
        lead_org_id=lead.id,
        status=CenterStatus.applied,
    )
    session.add(center)
    session.flush()
    names = {f.credit_code: f.name for f in application_in.founders} | {lead.credit_code: lead.name}
    registered = {
        o.credit_code: o.id
        for o in session.exec(select(Organization).where(Organization.credit_code.in_(codes))).all()
    }
    for code in codes:
        session.add(
            CenterFounder(
                center_id=center.id,
                name=names[code],
                credit_code=code,
                org_id=registered.get(code),
                is_lead=code == lead.credit_code,
            )
        )
        if code in registered and code != lead.credit_code:
            session.add(CenterMember(center_id=center.id, org_id=registered[code]))
    for expert in application_in.experts:
        session.add(CenterExpert(center_id=center.id, **expert.model_dump()))
    application = CenterApplication(
        call_id=call.id,
        center_id=center.id,
        applicant_org_id=lead.id,
        submitted_by=user.id,
        plan=application_in.plan,
        step_owner_id=call.created_by,
        step_deadline=call.deadline + timedelta(days=REVIEW_DAYS),
        open_key=f"{call.id}:{lead.id}",
    )

    # Imported here: the documents module reads applications through this one.
    from app.oversight.services import application_documents as documents

    stored = []

    def write() -> None:
        session.add(application)
        session.flush()
        for meta, upload in uploads:
            stored.append(documents.store_document(upload))
            session.add(
                documents.document_row(application_id=application.id, user=user, data=meta, stored=stored[-1])
            )
        log(
            session,
            center_id=center.id,
            application_id=application.id,
            event_type="applied",
            actor=user,
            data={"call_id": call.id, "founders": len(codes), "documents": len(stored)},
        )

    try:
        commit_unique(
            session, _("Your organization already has an application in progress for this call."), write
        )
    except BaseException:
        session.rollback()
        for file in stored:
            files.discard(file.stored_name)
        raise
    session.refresh(application)
    return application


def _load(session: Session, application_id: int) -> CenterApplication:
    application = session.get(CenterApplication, application_id)
    if application is None:
        raise NotFound(_("No such application."))
    return application


def can_view_application(session: Session, user: User | None, application: CenterApplication) -> bool:
    if is_bureau(user):
        return True
    if user is not None and user.org_id is not None and user.org_id == application.applicant_org_id:
        return True
    return expert_service.is_assigned(
        session, user, subject=AssignmentSubject.application, subject_id=application.id
    )


def get_application(*, session: Session, user: User | None, application_id: int) -> CenterApplication:
    """The application, for the bureau, the applicant and the panel's experts."""
    application = _load(session, application_id)
    if not can_view_application(session, user, application):
        raise Forbidden(
            _("Only the bureau, the applicant and the assigned experts may see this application.")
        )
    return application


@dataclass
class ApplicationView:
    application: CenterApplication
    center: Center
    call: CenterCall
    founders: list[CenterFounder]
    experts: list[CenterExpert]
    documents: list[ApplicationDocument]
    panel: list[tuple]  # (assignment, expert name)
    objections: list[NoticeObjection]
    history: list[CenterLog]


def application_view(*, session: Session, user: User | None, application_id: int) -> ApplicationView:
    """Everything shown about one application; experts' opinions and objections only to the bureau and the panel."""
    application = get_application(session=session, user=user, application_id=application_id)
    center = session.get(Center, application.center_id)
    panel_rows = expert_service.assignments_for(
        session, subject=AssignmentSubject.application, subject_id=application.id
    )
    names = user_names(session, [row.expert_id for row in panel_rows])
    applicant = not is_bureau(user) and user.role != Role.expert
    if user.role == Role.expert:
        # Each expert judges on their own: the others' scores stay hidden from them.
        panel_rows = [row for row in panel_rows if row.expert_id == user.id]
    return ApplicationView(
        application=application,
        center=center,
        call=session.get(CenterCall, application.call_id),
        founders=list(
            session.exec(
                select(CenterFounder)
                .where(CenterFounder.center_id == center.id)
                .order_by(CenterFounder.is_lead.desc(), CenterFounder.id)
            ).all()
        ),
        experts=list(session.exec(select(CenterExpert).where(CenterExpert.center_id == center.id)).all()),
        documents=list(
            session.exec(
                select(ApplicationDocument).where(ApplicationDocument.application_id == application.id)
            ).all()
        ),
        # The applicant learns the outcome and reasons, not who on the panel said what.
        panel=[] if applicant else [(row, names.get(row.expert_id, "")) for row in panel_rows],
        objections=[] if applicant else objections_of(session, application.id),
        history=list(
            session.exec(
                select(CenterLog).where(CenterLog.application_id == application.id).order_by(CenterLog.id)
            ).all()
        ),
    )


def list_applications(
    *, session: Session, user: User | None, status: str | None = None
) -> list[CenterApplication]:
    """The bureau sees every application; an organization sees its own."""
    query = select(CenterApplication).order_by(CenterApplication.updated_at.desc())
    if not is_bureau(user):
        if user is None or user.org_id is None:
            raise Forbidden(_("You are not allowed to do this."))
        query = query.where(CenterApplication.applicant_org_id == user.org_id)
    if status:
        if status not in CenterStatus.__members__:
            raise Invalid(_("Some fields are not valid."), {"status": _("Not one of the allowed values.")})
        query = query.where(CenterApplication.status == status)
    return list(session.exec(query).all())


def _step(application: CenterApplication) -> rules.Step:
    return rules.Step(**{name: getattr(application, name) for name in STEP_FIELDS})


def _stale() -> Conflict:
    return Conflict(_("This application is not at that step any more; reload the page to see where it is."))


def _apply(
    session: Session,
    application: CenterApplication,
    transition: tuple[rules.Step, rules.LogEntry],
    actor: User,
    *,
    owner_id: int | None = None,
) -> CenterApplication:
    """Write a transition: the application (only if nobody moved it meanwhile), the center's status, the log."""
    step, entry = transition
    now = utcnow()
    try:
        # Pending rows (a panel's assignments) flush here; a racing request that added the same ones loses.
        versioned_update(
            session,
            CenterApplication,
            application.id,
            version=application.version,
            values={
                **asdict(step),
                "updated_at": now,
                "open_key": application.open_key if step.status in rules.OPEN_STATUSES else None,
                "step_owner_id": owner_id if owner_id is not None else application.step_owner_id,
            },
            conflict=_stale(),
        )
    except IntegrityError:
        session.rollback()
        raise _stale() from None
    center = session.get(Center, application.center_id)
    center.status, center.updated_at = step.status, now
    if step.status == CenterStatus.filed:
        center.filed_on = step.decided_at.date()
        center.filed_domain_key = rules.domain_key(center.industry, center.domain)
        center.established = center.established or center.filed_on
    session.add(center)
    log(
        session,
        center_id=center.id,
        application_id=application.id,
        event_type=entry.event_type,
        actor=actor,
        data=entry.data,
    )
    record_change(session, "center", center.id)
    try:
        session.commit()
    except IntegrityError:
        # Only a filing sets a unique key here: another center of the domain was filed a moment ago.
        session.rollback()
        raise Conflict(
            _("A filed center already holds this domain in the city; a second one cannot be filed.")
        ) from None
    session.refresh(application)
    return application


def form_panel(*, session: Session, user: User | None, application_id: int, data: dict) -> CenterApplication:
    """The bureau sends the application to an expert panel."""
    require_bureau(user)
    panel_in = parse(PanelIn, data)
    application = _load(session, application_id)
    deadline = panel_in.deadline or date.today() + timedelta(days=REVIEW_DAYS)
    transition = rules.form_panel(
        _step(application),
        deadline=deadline,
        specialties=expert_service.specialties_of(session, panel_in.expert_ids),
    )
    expert_service.assign(
        session,
        subject=AssignmentSubject.application,
        subject_id=application.id,
        expert_ids=panel_in.expert_ids,
    )
    return _apply(session, application, transition, user, owner_id=user.id)


def conclude_review(
    *, session: Session, user: User | None, application_id: int, data: dict
) -> CenterApplication:
    """The bureau closes the expert review: on to the site inspection, or refused."""
    require_bureau(user)
    decision = parse(DecisionIn, data)
    application = _load(session, application_id)
    members = [
        expert_service.membership(row)
        for row in expert_service.assignments_for(
            session, subject=AssignmentSubject.application, subject_id=application.id
        )
    ]
    transition = rules.conclude_review(
        _step(application),
        members=members,
        approve=decision.approve,
        reason=decision.reason,
        now=utcnow(),
        deadline=date.today() + timedelta(days=INSPECTION_DAYS),
    )
    return _apply(session, application, transition, user)


def record_inspection(
    *, session: Session, user: User | None, application_id: int, data: dict, default_notice_days: int
) -> CenterApplication:
    """The site inspection's record; passing puts the center on public notice."""
    require_bureau(user)
    inspection = parse(InspectionIn, data)
    application = _load(session, application_id)
    transition = rules.record_inspection(
        _step(application),
        inspected_on=inspection.inspected_on,
        inspectors=inspection.inspectors,
        findings=inspection.findings,
        passed=inspection.passed,
        notice_days=inspection.notice_days or default_notice_days,
        now=utcnow(),
    )
    return _apply(session, application, transition, user)


def decide_filing(
    *, session: Session, user: User | None, application_id: int, data: dict
) -> CenterApplication:
    """The bureau files the center (备案) or refuses it, with reasons."""
    require_bureau(user)
    decision = parse(DecisionIn, data)
    application = _load(session, application_id)
    if not decision.approve:
        return refuse_application(
            session=session, user=user, application_id=application_id, data={"reason": decision.reason}
        )
    center = session.get(Center, application.center_id)
    holder = _filed_holder(session, rules.domain_key(center.industry, center.domain))
    transition = rules.file_center(
        _step(application),
        reason=decision.reason,
        now=utcnow(),
        unanswered_objections=len(unanswered(session, application.id)),
        domain_taken=holder is not None and holder.id != center.id,
    )
    return _apply(session, application, transition, user)


def refuse_application(
    *, session: Session, user: User | None, application_id: int, data: dict
) -> CenterApplication:
    """End an application at any open step with reasons the applicant sees."""
    require_bureau(user)
    reason = str((data or {}).get("reason", "")).strip()
    if len(reason) < 2:
        raise Invalid(_("Some fields are not valid."), {"reason": _("Give the reasons for the decision.")})
    application = _load(session, application_id)
    return _apply(session, application, rules.refuse(_step(application), reason=reason, now=utcnow()), user)


# --- public notice --------------------------------------------------------------------------------------------------


def on_notice(*, session: Session, now: datetime | None = None) -> list[tuple[CenterApplication, Center]]:
    """Applications whose public notice is running now."""
    now = now or utcnow()
    rows = session.exec(
        select(CenterApplication, Center)
        .join(Center, Center.id == CenterApplication.center_id)
        .where(CenterApplication.status == CenterStatus.notice)
        .order_by(CenterApplication.notice_ends)
    ).all()
    return [(a, c) for a, c in rows if a.notice_ends is None or a.notice_ends > now]


def raise_objection(*, session: Session, application_id: int, data: dict) -> NoticeObjection:
    """Anyone may object while the notice runs."""
    objection_in = parse(ObjectionIn, data)
    application = _load(session, application_id)
    if application.status != CenterStatus.notice or (
        application.notice_ends and application.notice_ends <= utcnow()
    ):
        raise Conflict(_("This center is not on public notice, so objections are closed."))
    objection = NoticeObjection(application_id=application.id, **objection_in.model_dump())
    session.add(objection)
    log(
        session,
        center_id=application.center_id,
        application_id=application.id,
        event_type="objection_raised",
        actor=None,
        data={},
    )
    session.commit()
    session.refresh(objection)
    return objection


def objections_of(session: Session, application_id: int) -> list[NoticeObjection]:
    return list(
        session.exec(
            select(NoticeObjection)
            .where(NoticeObjection.application_id == application_id)
            .order_by(NoticeObjection.id)
        ).all()
    )


def unanswered(session: Session, application_id: int) -> list[NoticeObjection]:
    return [o for o in objections_of(session, application_id) if o.answer is None]


def answer_objection(
    *, session: Session, user: User | None, objection_id: int, data: dict
) -> NoticeObjection:
    """The bureau answers an objection, once."""
    require_bureau(user)
    answer_in = parse(AnswerIn, data)
    objection = session.get(NoticeObjection, objection_id)
    if objection is None:
        raise NotFound(_("No such objection."))
    result = session.execute(
        update(NoticeObjection)
        .where(NoticeObjection.id == objection.id, NoticeObjection.answer.is_(None))
        .values(answer=answer_in.answer, answered_at=utcnow(), answered_by=user.id)
    )
    if result.rowcount != 1:
        session.rollback()
        raise Conflict(_("This objection has already been answered."))
    application = session.get(CenterApplication, objection.application_id)
    log(
        session,
        center_id=application.center_id,
        application_id=application.id,
        event_type="objection_answered",
        actor=user,
        data={"objection_id": objection.id},
    )
    session.commit()
    session.refresh(objection)
    return objection


# --- the registry -----------------------------------------------------------------------------------------------------


def registry(*, session: Session, user: User | None, status: str | None = None) -> list[Center]:
    """Every center in every status, for the bureau."""
    require_bureau(user)
    query = select(Center).order_by(Center.status, Center.industry, Center.name)
    if status:
        if status not in CenterStatus.__members__:
            raise Invalid(_("Some fields are not valid."), {"status": _("Not one of the allowed values.")})
        query = query.where(Center.status == status)
    return list(session.exec(query).all())


@dataclass
class CenterRecord:
    center: Center
    founders: list[CenterFounder]
    experts: list[CenterExpert]
    applications: list[CenterApplication]
    promotions: list[Promotion]
    history: list[CenterLog]


def center_record(*, session: Session, user: User | None, center_id: int) -> CenterRecord:
    """A center's registry entry with its history, for the bureau and the center's own users."""
    center = get_center(session, center_id)
    if not (is_bureau(user) or manages(user, center)):
        raise Forbidden(_("Only the bureau and the center itself may see its registry record."))
    return CenterRecord(
        center=center,
        founders=list(
            session.exec(
                select(CenterFounder)
                .where(CenterFounder.center_id == center.id)
                .order_by(CenterFounder.is_lead.desc(), CenterFounder.id)
            ).all()
        ),
        experts=list(session.exec(select(CenterExpert).where(CenterExpert.center_id == center.id)).all()),
        applications=list(
            session.exec(
                select(CenterApplication)
                .where(CenterApplication.center_id == center.id)
                .order_by(CenterApplication.id)
            ).all()
        ),
        promotions=promotions_of(session, center.id),
        history=list(
            session.exec(
                select(CenterLog).where(CenterLog.center_id == center.id).order_by(CenterLog.id)
            ).all()
        ),
    )


def status_counts(*, session: Session) -> dict[str, int]:
    rows = session.exec(select(Center.status, func.count()).group_by(Center.status)).all()
    return {status.value if hasattr(status, "value") else status: n for status, n in rows}


# --- promotion ------------------------------------------------------------------------------------------------------


def promotions_of(session: Session, center_id: int) -> list[Promotion]:
    return list(
        session.exec(
            select(Promotion)
            .where(Promotion.center_id == center_id)
            .order_by(Promotion.recommended_on, Promotion.id)
        ).all()
    )


def recommend_promotion(*, session: Session, user: User | None, center_id: int, data: dict) -> Promotion:
    """The bureau recommends a filed center for the next level, on the basis of its evaluation record."""
    require_bureau(user)
    promotion_in = parse(PromotionIn, data)
    center = get_center(session, center_id)
    pending = any(p.outcome == PromotionOutcome.pending for p in promotions_of(session, center.id))
    target = rules.promotion_target(status=center.status, level=center.level, pending=pending)
    promotion = Promotion(
        center_id=center.id,
        from_level=center.level,
        to_level=target,
        basis=promotion_in.basis,
        recommended_on=date.today(),
        recommended_by=user.id,
        pending_center_id=center.id,
    )

    def write() -> None:
        session.add(promotion)
        log(
            session,
            center_id=center.id,
            event_type="promotion_recommended",
            actor=user,
            data={"to_level": target.value},
        )

    commit_unique(
        session, _("This center already has a promotion recommendation awaiting its outcome."), write
    )
    session.refresh(promotion)
    return promotion


def record_promotion_outcome(
    *, session: Session, user: User | None, promotion_id: int, data: dict
) -> Promotion:
    """The province's or the nation's answer; approval raises the center's level."""
    require_bureau(user)
    outcome_in = parse(PromotionOutcomeIn, data)
    promotion = session.get(Promotion, promotion_id)
    if promotion is None:
        raise NotFound(_("No such promotion record."))
    outcome = PromotionOutcome.approved if outcome_in.approved else PromotionOutcome.rejected
    result = session.execute(
        update(Promotion)
        .where(Promotion.id == promotion.id, Promotion.outcome == PromotionOutcome.pending)
        .values(
            outcome=outcome,
            outcome_on=outcome_in.decided_on,
            remarks=outcome_in.remarks,
            pending_center_id=None,
        )
    )
    if result.rowcount != 1:
        session.rollback()
        raise Conflict(_("The outcome of this promotion is already recorded."))
    if outcome == PromotionOutcome.approved:
        session.execute(
            update(Center)
            .where(Center.id == promotion.center_id, Center.level == promotion.from_level)
            .values(level=promotion.to_level, updated_at=utcnow())
        )
    log(
        session,
        center_id=promotion.center_id,
        event_type="promotion_" + outcome.value,
        actor=user,
        data={"to_level": promotion.to_level.value, "on": outcome_in.decided_on.isoformat()},
    )
    session.commit()
    session.refresh(promotion)
    return promotion
