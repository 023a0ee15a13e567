"""Center applications through their workflow (创建申报 → 专家评审 → 现场考核 → 公示 → 备案).

The rules live in `app.oversight.rules`; this module loads the state, asks the rule, and writes the new state with
its history row in one transaction. An application carries a version: a transition computed from a copy that
another request has already moved on is refused with 409 instead of overwriting it.
"""

from dataclasses import asdict, dataclass
from datetime import date, timedelta

from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from app.oversight import rules
from app.oversight.services import experts as expert_service
from app.oversight.services import registry
from app.oversight.services.access import (
    commit_unique,
    is_bureau,
    log,
    require_bureau,
    user_names,
)
from app.oversight.services.application_access import get_application, load_application
from app.oversight.services.calls import get_call
from app.oversight.services.notice import objections_of, unanswered
from app.platform import audit, files
from app.platform.concurrency import versioned_update
from app.platform.errors import Conflict, Forbidden, Invalid
from app.platform.validation import parse
from indexing.sync import record_change
from models import (
    ApplicationDocument,
    ApplicationIn,
    AssignmentSubject,
    AuditEvent,
    CallStatus,
    Center,
    CenterApplication,
    CenterCall,
    CenterExpert,
    CenterFounder,
    CenterLevel,
    CenterMember,
    CenterStatus,
    DecisionIn,
    InspectionIn,
    NoticeObjection,
    Organization,
    PanelIn,
    Role,
    User,
)
from models.common import utcnow

STEP_FIELDS = tuple(rules.Step.__dataclass_fields__)
REVIEW_DAYS = 21
INSPECTION_DAYS = 30


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
    if registry.filed_holder(session, key) is not None:
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
    history: list[AuditEvent]


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
        history=audit.history(session, "application", application.id),
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
    return Conflict(rules.stale_message())


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
    before, now = application.status, utcnow()
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
        from_state=before,
        to_state=step.status,
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
    application = load_application(session, application_id)
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
    application = load_application(session, application_id)
    members = expert_service.panel_of(
        session, subject=AssignmentSubject.application, subject_id=application.id
    )
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
    application = load_application(session, application_id)
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
    application = load_application(session, application_id)
    if not decision.approve:
        return refuse_application(
            session=session, user=user, application_id=application_id, data={"reason": decision.reason}
        )
    center = session.get(Center, application.center_id)
    holder = registry.filed_holder(session, rules.domain_key(center.industry, center.domain))
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
    application = load_application(session, application_id)
    return _apply(session, application, rules.refuse(_step(application), reason=reason, now=utcnow()), user)
