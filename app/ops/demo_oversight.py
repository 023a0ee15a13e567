"""Demo records of the bureau's oversight: experts, calls, applications in every step of the workflow, the
filed centers' founders and history, two years of evaluations, trainings, cooperation, promotions and
first-commercialization flags. Loading twice changes nothing: every row is found again by its key."""

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlmodel import Session, select

from app.oversight import rules
from app.platform import audit
from models import (
    Achievement,
    ApplicationDocument,
    AssignmentSubject,
    AuditEvent,
    Center,
    CenterApplication,
    CenterCall,
    CenterCooperation,
    CenterEvaluation,
    CenterExpert,
    CenterFounder,
    CenterMember,
    CenterStatus,
    CenterTraining,
    EvaluationRound,
    ExpertAssignment,
    ExpertProfile,
    FirstUseFlag,
    NoticeObjection,
    Organization,
    Promotion,
    Role,
    User,
)
from models.common import utcnow

OPINIONS = (
    "技术基础扎实，方案可行，建议通过。",
    "运行机制较为清晰，建议进一步明确成果转化收益分配。",
    "成员单位互补性强，建议加强与中小企业的对接。",
    "发起单位均为独立法人，合作协议条款完备。",
)
REPORT = {
    "summary": "{year}年，中心围绕{domain}开展共性关键技术研发和成果转移扩散，各项工作按计划推进。",
    "results": "全年新增授权发明专利和软件著作权若干项，形成行业共性技术解决方案。",
    "transfer": "通过委托研发、技术许可和技术服务向本地企业转移成果，带动配套企业技术升级。",
    "talent": "举办专题培训和技术讲座，联合高校培养研究生和工程技术人员。",
    "cooperation": "与境外研究机构开展联合研发和人员交流。",
    "plans": "下一年度将加强中试平台建设，完善成果转化收益分配机制。",
}


def _row(session: Session, table, key: str, values: dict):
    """Insert or update the row with this demo key."""
    row = session.exec(select(table).where(table.demo_key == key)).first()
    if row is None:
        row = table(demo_key=key, **values)
    else:
        for name, value in values.items():
            setattr(row, name, value)
    session.add(row)
    session.flush()
    return row


def _at(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 9, 0, tzinfo=UTC)


def _founders(
    session: Session, center: Center, orgs: dict[str, Organization], lead_key: str, member_keys: list[str]
) -> None:
    assert center.id is not None  # a stored center
    for key in [lead_key, *member_keys]:
        org = orgs[key]
        exists = session.exec(
            select(CenterFounder).where(
                CenterFounder.center_id == center.id, CenterFounder.credit_code == org.credit_code
            )
        ).first()
        if exists is None:
            session.add(
                CenterFounder(
                    center_id=center.id,
                    name=org.name,
                    credit_code=org.credit_code,
                    org_id=org.id,
                    is_lead=key == lead_key,
                )
            )


def _log_once(
    session: Session,
    center: Center,
    event_type: str,
    when: datetime,
    data: dict,
    application_id: int | None = None,
) -> None:
    subject, subject_id = ("application", application_id) if application_id else ("center", center.id)
    assert subject_id is not None  # a stored center
    exists = session.exec(
        select(AuditEvent.id).where(
            AuditEvent.subject_type == subject,
            AuditEvent.subject_id == subject_id,
            AuditEvent.action == event_type,
        )
    ).first()
    if exists is None:
        audit.record(
            session,
            subject=subject,
            subject_id=subject_id,
            action=event_type,
            actor=None,
            occurred_at=when,
            **data,
        )


def _assignment(
    session: Session, subject: AssignmentSubject, subject_id: int, expert: User
) -> ExpertAssignment:
    row = session.exec(
        select(ExpertAssignment).where(
            ExpertAssignment.subject == subject,
            ExpertAssignment.subject_id == subject_id,
            ExpertAssignment.expert_id == expert.id,
        )
    ).first()
    if row is None:
        assert expert.id is not None  # a stored user
        row = ExpertAssignment(subject=subject, subject_id=subject_id, expert_id=expert.id)
        session.add(row)
        session.flush()
    return row


def _score(row: ExpertAssignment, values: list[int], criteria: dict[str, int], opinion: str) -> None:
    scores = dict(zip(criteria, values, strict=True))
    row.conflict, row.declared_at = False, row.declared_at or utcnow()
    row.scores, row.weighted_score = scores, rules.weighted_score(scores, criteria)
    row.opinion, row.scored_at = opinion, row.scored_at or utcnow()


def load_oversight(
    *,
    session: Session,
    path: Path,
    orgs: dict[str, Organization],
    centers: dict[str, Center],
    bureau: User,
    email_of,
    password_hash: str,
    center_items: list[dict],
) -> dict[str, int]:
    """Upsert the oversight demo; `centers` are the marketplace's demo centers by key (filed ones get their
    founders, filing date and history here). Returns how many of each kind the file holds."""
    data = json.loads(path.read_text(encoding="utf-8"))
    today = date.today()

    experts: dict[str, User] = {}
    for item in data["experts"]:
        email = email_of(item["key"])
        user = session.exec(select(User).where(User.email == email)).first()
        if user is None:
            user = User(email=email, name=item["name"], role=Role.expert, password_hash=password_hash)
            session.add(user)
            session.flush()
        assert user.id is not None  # stored, or given by the flush
        profile = session.get(ExpertProfile, user.id) or ExpertProfile(user_id=user.id)
        profile.specialties, profile.affiliation, profile.title = (
            item["specialties"],
            item["affiliation"],
            item["title"],
        )
        session.add(profile)
        experts[item["key"]] = user

    for item in center_items:
        center = centers[item["key"]]
        if item.get("lead_org_key"):
            _founders(session, center, orgs, item["lead_org_key"], item.get("member_org_keys", []))
        if center.status == CenterStatus.filed:
            center.filed_on = center.established or today
            center.filed_domain_key = rules.domain_key(center.industry, center.domain)
            _log_once(
                session,
                center,
                "filed",
                _at(center.filed_on),
                {"reason": "经专家评审、现场考核和公示，予以备案。"},
            )

    for item in data["new_centers"]:
        lead = orgs[item["lead_org_key"]]
        center = _row(
            session,
            Center,
            item["key"],
            {
                "name": item["name"],
                "industry": item["industry"],
                "domain": item["domain"],
                "description": item["description"],
                # Applied for, not filed: no legal entity of its own yet (`Center.org_id`).
                "org_id": None,
                "lead_org_id": lead.id,
            },
        )
        centers[item["key"]] = center
        _founders(session, center, orgs, item["lead_org_key"], item["member_org_keys"])
        for key in item["member_org_keys"]:
            member_id = orgs[key].id
            assert center.id is not None and member_id is not None  # stored rows
            if session.get(CenterMember, (center.id, member_id)) is None:
                session.add(CenterMember(center_id=center.id, org_id=member_id))
        for expert in item["experts"]:
            if (
                session.exec(
                    select(CenterExpert).where(
                        CenterExpert.center_id == center.id, CenterExpert.name == expert["name"]
                    )
                ).first()
                is None
            ):
                session.add(CenterExpert(center_id=center.id, **expert))

    calls = {
        item["key"]: _row(
            session,
            CenterCall,
            item["key"],
            {
                "title": item["title"],
                "industry": item["industry"],
                "domain": item["domain"],
                "conditions": item["conditions"],
                "materials": item["materials"],
                "deadline": today + timedelta(days=item["deadline_days"]),
                "weights": dict(rules.APPLICATION_CRITERIA),
                "created_by": bureau.id,
            },
        )
        for item in data["calls"]
    }

    for item in data["applications"]:
        _application(
            session,
            item,
            data["plan"],
            calls[item["call_key"]],
            centers[item["center_key"]],
            experts,
            bureau,
            today,
        )

    _evaluations(session, data, centers, experts, bureau, today)

    for item in data["trainings"]:
        _row(
            session,
            CenterTraining,
            item["key"],
            {
                "center_id": centers[item["center_key"]].id,
                "held_on": date.fromisoformat(item["held_on"]),
                "topic": item["topic"],
                "people": item["people"],
                "mode": item["mode"],
            },
        )
    for item in data["cooperation"]:
        _row(
            session,
            CenterCooperation,
            item["key"],
            {
                "center_id": centers[item["center_key"]].id,
                "partner": item["partner"],
                "country": item["country"],
                "form": item["form"],
                "started_on": date.fromisoformat(item["started_on"]),
                "ended_on": date.fromisoformat(item["ended_on"]) if item.get("ended_on") else None,
                "description": item["description"],
            },
        )
    for item in data["promotions"]:
        center = centers[item["center_key"]]
        pending = item["outcome"] == "pending"
        _row(
            session,
            Promotion,
            item["key"],
            {
                "center_id": center.id,
                "from_level": item["from_level"],
                "to_level": item["to_level"],
                "basis": item["basis"],
                "recommended_on": date.fromisoformat(item["recommended_on"]),
                "recommended_by": bureau.id,
                "outcome": item["outcome"],
                "remarks": item.get("remarks", ""),
                "outcome_on": None if pending else date.fromisoformat(item["outcome_on"]),
                "pending_center_id": center.id if pending else None,
            },
        )
    for item in data["flags"]:
        achievement = session.exec(
            select(Achievement).where(Achievement.demo_key == item["achievement_key"])
        ).one()
        reviewed = item["status"] != "flagged"
        _row(
            session,
            FirstUseFlag,
            item["key"],
            {
                "achievement_id": achievement.id,
                "center_id": achievement.center_id,
                "category": item["category"],
                "reason": item["reason"],
                "status": item["status"],
                "review_note": item.get("review_note", ""),
                "reviewed_by": bureau.id if reviewed else None,
                "reviewed_at": utcnow() if reviewed else None,
            },
        )
    return {
        "experts": len(experts),
        "calls": len(calls),
        "applications": len(data["applications"]),
        "trainings": len(data["trainings"]),
        "cooperation_projects": len(data["cooperation"]),
    }


def _application(
    session: Session,
    item: dict,
    plan: str,
    call: CenterCall,
    center: Center,
    experts: dict[str, User],
    bureau: User,
    today: date,
) -> None:
    """One application carried to its demo step, with the records each step leaves."""
    status = CenterStatus(item["status"])
    center.status = status
    session.add(center)
    submitted = _at(min(call.deadline - timedelta(days=10), today - timedelta(days=1)))
    values = {
        "call_id": call.id,
        "center_id": center.id,
        "applicant_org_id": center.lead_org_id,
        "plan": plan,
        "status": status,
        "step_owner_id": bureau.id,
        "created_at": submitted,
        "open_key": f"{call.id}:{center.lead_org_id}" if status in rules.OPEN_STATUSES else None,
        "step_deadline": today + timedelta(days=14) if status in rules.OPEN_STATUSES else None,
    }
    application = _row(session, CenterApplication, item["key"], values)
    if (
        session.exec(
            select(ApplicationDocument.id).where(ApplicationDocument.application_id == application.id)
        ).first()
        is None
    ):
        for title in ("创新中心创建和运行方案", "发起单位合作协议", "发起单位营业执照复印件"):
            session.add(ApplicationDocument(application_id=application.id, title=title))
    _log_once(session, center, "applied", submitted, {"call_id": call.id}, application.id)
    if "panel" not in item:
        return
    _log_once(
        session,
        center,
        "review_started",
        submitted + timedelta(days=15),
        {"experts": [experts[k].id for k in item["panel"]]},
        application.id,
    )
    criteria = dict(call.weights)
    for n, key in enumerate(item["panel"]):
        row = _assignment(session, AssignmentSubject.application, application.id, experts[key])
        if key in item.get("conflicts", {}):
            row.conflict, row.conflict_note, row.declared_at = True, item["conflicts"][key], utcnow()
        elif key in item.get("scores", {}):
            _score(row, item["scores"][key], criteria, OPINIONS[n % len(OPINIONS)])
        session.add(row)
    session.flush()
    if status == CenterStatus.review:
        return
    mean = rules.panel_mean(
        rules.Membership(
            expert_id=0,
            conflict=False,
            weighted_score=rules.weighted_score(dict(zip(criteria, values, strict=True)), criteria),
        )
        for values in item["scores"].values()
    )
    application.review_mean = mean
    if "refusal" in item:
        application.decision_reason, application.decided_at = item["refusal"], submitted + timedelta(days=30)
        _log_once(
            session,
            center,
            "review_refused",
            application.decided_at,
            {"reason": item["refusal"], "mean": mean},
            application.id,
        )
        return
    _log_once(
        session,
        center,
        "review_passed",
        submitted + timedelta(days=30),
        {"reason": item["review_reason"], "mean": mean},
        application.id,
    )
    if "inspection" in item:
        inspection = item["inspection"]
        starts = _at(today - timedelta(days=inspection["days_ago"]))
        application.inspected_on, application.inspection_passed = starts.date(), True
        application.inspectors, application.findings = inspection["inspectors"], inspection["findings"]
        application.notice_starts, application.notice_ends = starts, starts + timedelta(days=7)
        _log_once(session, center, "notice_opened", starts, {"passed": True}, application.id)
        for objection in item.get("objections", []):
            exists = session.exec(
                select(NoticeObjection.id).where(
                    NoticeObjection.application_id == application.id,
                    NoticeObjection.text == objection["text"],
                )
            ).first()
            if exists is None:
                session.add(
                    NoticeObjection(
                        application_id=application.id,
                        name=objection["name"],
                        contact=objection["contact"],
                        text=objection["text"],
                        answer=objection.get("answer"),
                        answered_by=bureau.id if objection.get("answer") else None,
                        answered_at=utcnow() if objection.get("answer") else None,
                    )
                )
    session.add(application)


def _evaluations(
    session: Session,
    data: dict,
    centers: dict[str, Center],
    experts: dict[str, User],
    bureau: User,
    today: date,
) -> None:
    """Two years of annual evaluations of the filed centers: reports, two experts' scores, grades."""
    evaluators = [experts[key] for key in data["evaluators"]]
    criteria = dict(rules.EVALUATION_CRITERIA)
    for year, grades in data["evaluations"].items():
        year = int(year)
        round_ = session.exec(select(EvaluationRound).where(EvaluationRound.year == year)).first()
        if round_ is None:
            round_ = EvaluationRound(year=year, deadline=date(year + 1, 3, 31), created_by=bureau.id)
            session.add(round_)
            session.flush()
        for n, (key, grade) in enumerate(grades.items()):
            center = centers[key]
            evaluation = session.exec(
                select(CenterEvaluation).where(
                    CenterEvaluation.round_id == round_.id, CenterEvaluation.center_id == center.id
                )
            ).first()
            if evaluation is None:
                assert round_.id is not None and center.id is not None  # stored rows
                evaluation = CenterEvaluation(round_id=round_.id, center_id=center.id)
            evaluation.report = {
                name: text.format(year=year, domain=center.domain) for name, text in REPORT.items()
            }
            evaluation.submitted_at = _at(date(year + 1, 3, 1))
            evaluation.grade, evaluation.remarks = grade, f"{year}年度评估结论：{_GRADE_ZH[grade]}。"
            evaluation.graded_by, evaluation.graded_at = bureau.id, _at(date(year + 1, 4, 15))
            session.add(evaluation)
            session.flush()
            base = {"excellent": 90, "good": 80, "passed": 70, "failed": 55}[grade]
            assert evaluation.id is not None  # given by the flush
            for m, expert in enumerate(evaluators):
                row = _assignment(session, AssignmentSubject.evaluation, evaluation.id, expert)
                _score(
                    row,
                    [base + (n + m + i) % 5 for i in range(len(criteria))],
                    criteria,
                    OPINIONS[(n + m) % len(OPINIONS)],
                )
                session.add(row)


_GRADE_ZH = {"excellent": "优秀", "good": "良好", "passed": "合格", "failed": "不合格"}
