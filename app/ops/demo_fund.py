"""Demo records of the development fund (创新中心发展基金): a call open now and one closed last year, with
applications of the demo's filed centers in every state: in review with an expert's score, granted and partly
paid, granted and not paid yet, declined. Loading twice changes nothing: calls and applications are found again
by their keys, and a grant's payments are written only while it has none."""

from datetime import date, timedelta

from sqlmodel import Session, col, select

from app.ops.demo_oversight import _assignment, _at, _row, _score
from app.oversight import rules
from models import (
    AssignmentSubject,
    Center,
    CenterStatus,
    FundApplication,
    FundCall,
    FundDisbursement,
    Role,
    User,
)

PLAN = (
    "围绕{domain}建设共性技术中试验证平台：购置关键工艺设备，开展面向本地中小企业的检测验证和工艺改进服务，"
    "计划两年内完成三项共性技术攻关，服务企业不少于三十家。"
)
LINES = [("中试验证设备购置", 0.5), ("共性技术攻关", 0.3), ("面向中小企业的技术服务", 0.2)]
# (state, requested yuan, granted yuan, paid yuan, decision reason)
State = tuple[str, int, int | None, int, str]
STATES: list[State] = [
    ("granted", 3_000_000, 2_500_000, 1_000_000, "方案扎实，预算基本合理，核减设备购置部分。"),
    ("granted", 2_000_000, 2_000_000, 0, "支持中试平台建设，按申请金额资助。"),
    ("declined", 1_500_000, None, 0, "预期成效不够具体，建议完善后下一批次申报。"),
    ("submitted", 2_400_000, None, 0, ""),
]


def _application(
    session: Session, key: str, call: FundCall, center: Center, state: State, bureau: User, decided_on: date
) -> FundApplication:
    status, requested, granted, paid, reason = state
    amounts = [int(requested * share) for _item, share in LINES]
    amounts[-1] += requested - sum(amounts)
    lines = [{"item": item, "amount": amount} for (item, _share), amount in zip(LINES, amounts, strict=True)]
    decided = status != "submitted"
    row = _row(
        session,
        FundApplication,
        key,
        {
            "call_id": call.id,
            "center_id": center.id,
            "plan": PLAN.format(domain=center.domain),
            "budget_lines": lines,
            "requested": requested,
            "status": status,
            "granted_amount": granted,
            "decision_reason": reason,
            "decided_by": bureau.id if decided else None,
            "decided_at": _at(decided_on) if decided else None,
        },
    )
    assert row.id is not None
    if (
        paid
        and not session.exec(
            select(FundDisbursement.id).where(FundDisbursement.application_id == row.id)
        ).first()
    ):
        row.disbursed = paid
        session.add(row)
        session.flush()  # the running total first: the trigger checks the payments against the grant
        session.add(
            FundDisbursement(
                application_id=row.id, paid_on=decided_on + timedelta(days=14), amount=paid, note="首期拨付"
            )
        )
    return row


def load_fund(*, session: Session, bureau: User) -> dict[str, int]:
    """Upsert the fund demo; needs the oversight demo's filed centers and experts."""
    today = date.today()
    centers = list(
        session.exec(
            select(Center)
            .where(
                Center.status == CenterStatus.filed,
                col(Center.org_id).is_not(None),
                col(Center.demo_key).is_not(None),
            )
            .order_by(col(Center.id))
        ).all()
    )
    experts = list(
        session.exec(select(User).where(User.role == Role.expert, User.active).order_by(col(User.id))).all()
    )
    if not centers or len(experts) < 2:
        return {"fund_calls": 0}
    current = _row(
        session,
        FundCall,
        "fund-current",
        {
            "title": f"{today.year}年度创新中心发展基金",
            "description": "支持已备案的制造业创新中心建设共性技术研发和中试验证平台、开展成果转移扩散。",
            "budget": 20_000_000,
            "opens_on": today - timedelta(days=20),
            "closes_on": today + timedelta(days=40),
            "criteria": dict(rules.FUND_CRITERIA),
            "created_by": bureau.id,
        },
    )
    _row(
        session,
        FundCall,
        "fund-previous",
        {
            "title": f"{today.year - 1}年度创新中心发展基金",
            "description": "上一年度发展基金，已结束申报。",
            "budget": 10_000_000,
            "opens_on": date(today.year - 1, 3, 1),
            "closes_on": date(today.year - 1, 4, 30),
            "criteria": dict(rules.FUND_CRITERIA),
            "created_by": bureau.id,
        },
    )
    applications = []
    for n, (center, state) in enumerate(zip(centers, STATES, strict=False)):
        row = _application(
            session, f"fund-application-{n + 1}", current, center, state, bureau, today - timedelta(days=5)
        )
        applications.append(row)
        assert row.id is not None
        for m, expert in enumerate(experts[:2]):
            assignment = _assignment(session, AssignmentSubject.fund_application, row.id, expert)
            if assignment.weighted_score is None and (state[0] != "submitted" or m == 0):
                _score(
                    assignment,
                    [80 - 5 * n, 75, 85 - 3 * m, 78],
                    rules.FUND_CRITERIA,
                    "方案可行，预算基本合理。",
                )
                session.add(assignment)
        session.flush()
    session.commit()
    return {"fund_calls": 2, "fund_applications": len(applications)}
