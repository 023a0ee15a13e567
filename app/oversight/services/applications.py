"""Center applications through their workflow (创建申报 → 专家评审 → 现场考核 → 公示 → 备案).

The rules live in `app.oversight.rules`; this module loads the state, asks the rule, and writes the new state with
its history row in one transaction. An application carries a version: a transition computed from a copy that
another request has already moved on is refused with 409 instead of overwriting it.
"""

from dataclasses import asdict, dataclass
from datetime import date, timedelta

from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from app.accounts.services import organizations
from app.oversight import rules
from app.oversight.services import experts as expert_service
from app.oversight.services import notices, registry
from app.oversight.services.access import commit_unique, log, user_names
from app.oversight.services.application_access import get_application, load_application
from app.oversight.services.calls import get_call
from app.oversight.services.notice import objections_of, unanswered
from app.platform import audit, files
from app.platform.concurrency import versioned_update
from app.platform.errors import Conflict, Invalid
from app.platform.permissions import is_bureau, is_expert, require_bureau, require_member
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
    ExpertAssignment,
    FilingIn,
    InspectionIn,
    NoticeObjection,
    Organization,
    OrgKind,
    PanelIn,
    User,
)
from models.common import utcnow

STEP_FIELDS = tuple(rules.Step.__dataclass_fields__)
REVIEW_DAYS = 21
INSPECTION_DAYS = 30


def require_applicant(user: User | None) -> User:
    """Who may apply for a center (and open the form): a user of a registered organization."""
    return require_member(user, _("Only a registered institute, university or enterprise may apply."))


def submit_application(
    *, session: Session, user: User | None, call_id: int, data: dict, today: date | None = None, uploads=()
) -> CenterApplication:
    """A lead unit applies to create a center in the call's domain, with its founders, experts, plan and
    `uploads`, the documents as (title and note, uploaded file) pairs: all of it is saved, or nothing."""
    user = require_applicant(user)
    call = get_call(session=session, call_id=call_id)
    rules.accepts_applications(
        call_open=call.status == CallStatus.open, deadline=call.deadline, today=today or date.today()
    )
    application_in = parse(ApplicationIn, data)
    lead = session.get(Organization, user.org_id)
    assert lead is not None and lead.id is not None  # the user's organization, stored
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

    # No organization of its own yet: the center becomes a legal person at filing (see `Center.org_id`).
    center = Center(
        name=application_in.center_name,
        level=CenterLevel.city,
        industry=call.industry,
        domain=call.domain,
        org_id=None,
        lead_org_id=lead.id,
        status=CenterStatus.applied,
    )
    session.add(center)
    session.flush()
    assert center.id is not None and call.id is not None  # given by the flush; a stored call
    names = {f.credit_code: f.name for f in application_in.founders} | {lead.credit_code: lead.name}
    registered = {
        o.credit_code: o.id
        for o in session.exec(select(Organization).where(col(Organization.credit_code).in_(codes))).all()
        if o.id is not None  # stored organizations: always
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
        assert application.id is not None and center.id is not None  # given by the flush
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
    # Under public notice: why filing must wait (the form says so and stays disabled), None once it may go ahead.
    filing_wait: str | None = None


def application_view(*, session: Session, user: User | None, application_id: int) -> ApplicationView:
    """Everything shown about one application; experts' opinions and objections only to the bureau and the panel."""
    application = get_application(session=session, user=user, application_id=application_id)
    center = session.get(Center, application.center_id)
    call = session.get(CenterCall, application.call_id)
    # An application's center and call are never deleted; get_application let only a party or the bureau through.
    assert center is not None and call is not None and application.id is not None and user is not None
    panel_rows = expert_service.assignments_for(
        session, subject=AssignmentSubject.application, subject_id=application.id
    )
    names = user_names(session, [row.expert_id for row in panel_rows])
    applicant = not is_bureau(user) and not is_expert(user)
    if is_expert(user):
        # Each expert judges on their own: the others' scores stay hidden from them.
        panel_rows = [row for row in panel_rows if row.expert_id == user.id]
    return ApplicationView(
        application=application,
        center=center,
        call=call,
        founders=list(
            session.exec(
                select(CenterFounder)
                .where(CenterFounder.center_id == center.id)
                .order_by(col(CenterFounder.is_lead).desc(), col(CenterFounder.id))
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
        filing_wait=rules.filing_wait(
            notice_ends=application.notice_ends,
            now=utcnow(),
            unanswered_objections=len(unanswered(session, application.id)),
        )
        if application.status == CenterStatus.notice
        else None,
    )


def list_applications(
    *, session: Session, user: User | None, status: str | None = None
) -> list[CenterApplication]:
    """The bureau sees every application; an organization sees its own."""
    query = select(CenterApplication).order_by(col(CenterApplication.updated_at).desc())
    if not is_bureau(user):
        user = require_member(user, _("You are not allowed to do this."))
        query = query.where(CenterApplication.applicant_org_id == user.org_id)
    if status:
        if status not in CenterStatus.__members__:
            raise Invalid(_("Some fields are not valid."), {"status": _("Not one of the allowed values.")})
        query = query.where(CenterApplication.status == status)
    return list(session.exec(query).all())


def center_names(*, session: Session, applications: list[CenterApplication]) -> dict[int, str]:
    """The name of the center each application would create, by center id."""
    ids = {a.center_id for a in applications}
    if not ids:
        return {}
    rows = session.exec(select(Center).where(col(Center.id).in_(ids))).all()
    return {c.id: c.name for c in rows if c.id is not None}


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
    assigned: list[ExpertAssignment] | None = None,
) -> CenterApplication:
    """Write a transition: the application (only if nobody moved it meanwhile), the center's status, the log, and
    the notices of the applicant and of the experts just `assigned` to its panel."""
    step, entry = transition
    before, now = application.status, utcnow()
    assert application.id is not None  # a stored application
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
    assert center is not None and center.id is not None  # an application's center is never deleted
    center.status, center.updated_at = step.status, now
    if step.status == CenterStatus.filed:
        assert step.decided_at is not None  # a filing is a decision
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
    # No flush before the commit below: a filing's unique key must break there, where it becomes a 409.
    with session.no_autoflush:
        notices.application_step(
            session, application, center, event=entry.event_type, status=step.status, data=entry.data
        )
        notices.panel_assigned(session, center, assigned or [])
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
    user = require_bureau(user)
    panel_in = parse(PanelIn, data)
    application = load_application(session, application_id)
    assert application.id is not None  # a stored application
    deadline = panel_in.deadline or date.today() + timedelta(days=REVIEW_DAYS)
    transition = rules.form_panel(
        _step(application),
        deadline=deadline,
        specialties=expert_service.specialties_of(session, panel_in.expert_ids),
    )
    assigned = expert_service.assign(
        session,
        subject=AssignmentSubject.application,
        subject_id=application.id,
        expert_ids=panel_in.expert_ids,
    )
    return _apply(session, application, transition, user, owner_id=user.id, assigned=assigned)


def conclude_review(
    *, session: Session, user: User | None, application_id: int, data: dict
) -> CenterApplication:
    """The bureau closes the expert review: on to the site inspection, or refused."""
    user = require_bureau(user)
    decision = parse(DecisionIn, data)
    application = load_application(session, application_id)
    assert application.id is not None  # a stored application
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
    user = require_bureau(user)
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
    """The bureau files the center (备案) or refuses it, with reasons.

    Filing makes the center a legal person of its own (seed 3(2)1): the bureau names its legal entity, and the
    organization with that credit code becomes the center's (`legal_entity`). Only a lead unit the bureau has
    verified may have its center filed (`organizations.can_be_filed_as_center`): the check is here, where every
    filing passes, so the browser and the API refuse it alike."""
    user = require_bureau(user)
    decision = parse(FilingIn, data)
    application = load_application(session, application_id)
    if not decision.approve:
        return refuse_application(
            session=session, user=user, application_id=application_id, data={"reason": decision.reason}
        )
    center = session.get(Center, application.center_id)
    assert center is not None and application.id is not None  # an application's center is never deleted
    holder = registry.filed_holder(session, rules.domain_key(center.industry, center.domain))
    transition = rules.file_center(
        _step(application),
        reason=decision.reason,
        now=utcnow(),
        unanswered_objections=len(unanswered(session, application.id)),
        domain_taken=holder is not None and holder.id != center.id,
    )
    lead = session.get(Organization, application.applicant_org_id)
    if not organizations.can_be_filed_as_center(lead):
        raise Conflict(
            _(
                "%(org)s is not verified yet: verify the organization on the bureau's desk before filing it "
                "as a center.",
                org=lead.name if lead else "",
            )
        )
    entity, created = legal_entity(session, center, decision)
    assert center.id is not None  # a stored center
    center.org_id = entity.id
    log(
        session,
        center_id=center.id,
        event_type="legal_entity",
        actor=user,
        data={
            "org_id": entity.id,
            "name": entity.name,
            "credit_code": entity.credit_code,
            "created": created,
        },
    )
    return _apply(session, application, transition, user)


def legal_entity(session: Session, center: Center, decision: FilingIn) -> tuple[Organization, bool]:
    """The center's own organization at filing, and whether it is new (flushed, uncommitted).

    A center that already has one keeps it (the bureau may restate its credit code, not change it). Otherwise the
    bureau must name it: an organization registered under that credit code is linked (it must be verified, and
    not be another center's or a unit of this one: the lead or a founder is not the center), else one is created,
    verified by this very act, since the bureau has just checked the business licence for the filing."""
    errors = {}
    if center.org_id is not None:
        own = session.get(Organization, center.org_id)
        assert own is not None  # a center's organization is never deleted
        if decision.entity_credit_code not in (None, own.credit_code):
            errors["entity_credit_code"] = _(
                "The center already has its legal entity: %(name)s.", name=own.name
            )
            raise Invalid(_("Some fields are not valid."), errors)
        return own, False
    if decision.entity_name is None:
        errors["entity_name"] = _("Name the center's own legal entity: filing makes it a legal person.")
    if decision.entity_credit_code is None:
        errors["entity_credit_code"] = _("Give the unified social credit code of the center's legal entity.")
    if errors:
        raise Invalid(_("Some fields are not valid."), errors)
    assert decision.entity_name is not None and decision.entity_credit_code is not None  # checked just above
    code = decision.entity_credit_code
    founders = session.exec(
        select(CenterFounder.credit_code).where(CenterFounder.center_id == center.id)
    ).all()
    if code in founders:
        raise Invalid(
            _("Some fields are not valid."),
            {
                "entity_credit_code": _(
                    "This is a founding unit's code: the center is a legal person of its own."
                )
            },
        )
    existing = session.exec(select(Organization).where(Organization.credit_code == code)).first()
    if existing is not None:
        assert existing.id is not None  # a stored organization
        other = session.exec(
            select(Center).where(Center.org_id == existing.id, Center.id != center.id)
        ).first()
        if other is not None:
            raise Conflict(
                _("%(org)s is already the legal entity of %(center)s.", org=existing.name, center=other.name),
                {"entity_credit_code": _("Already another center's legal entity.")},
            )
        if not organizations.can_be_filed_as_center(existing):
            raise Conflict(
                _(
                    "%(org)s is not verified yet: verify the organization on the bureau's desk before filing it "
                    "as a center.",
                    org=existing.name,
                )
            )
        return existing, False
    lead = session.get(Organization, center.lead_org_id) if center.lead_org_id else None
    entity = Organization(
        kind=OrgKind.center,
        name=decision.entity_name,
        credit_code=code,
        region=lead.region if lead else None,
        industries=[center.industry],
        verified_at=utcnow(),
    )
    session.add(entity)
    try:
        session.flush()
    except IntegrityError:
        # Registered a moment ago by someone else under this code: the bureau looks at it and files again.
        session.rollback()
        raise Conflict(
            _("An organization with this credit code was registered meanwhile; decide again."),
            {"entity_credit_code": _("Already registered.")},
        ) from None
    return entity, True


def refuse_application(
    *, session: Session, user: User | None, application_id: int, data: dict
) -> CenterApplication:
    """End an application at any open step with reasons the applicant sees."""
    user = require_bureau(user)
    reason = str((data or {}).get("reason", "")).strip()
    if len(reason) < 2:
        raise Invalid(_("Some fields are not valid."), {"reason": _("Give the reasons for the decision.")})
    application = load_application(session, application_id)
    return _apply(session, application, rules.refuse(_step(application), reason=reason, now=utcnow()), user)
