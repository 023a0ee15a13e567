"""Factories for the bureau's oversight: accounts, calls, applications carried to any step, through the services."""

import itertools
from datetime import date, timedelta

from sqlalchemy import update
from sqlmodel import Session, select
from werkzeug.security import generate_password_hash

from app.accounts.services import accounts
from app.oversight.services import applications as application_service
from app.oversight.services import calls as call_service
from app.oversight.services import experts
from models import Center, CenterApplication, Organization, Role, User
from models.common import utcnow
from tests.utils.factories import PASSWORD, create_user, in_app, random_credit_code, verify_org

_serial = itertools.count(1)
PLAN = "中心以企业为主体、产学研联合组建，三年内建成中试线两条，面向中小企业开放共享，形成成果转移转化机制。"
SCORES = {"technical_foundation": 80, "institutions_mechanism": 70, "influence": 90, "plan_quality": 60}


def create_account(session: Session, role: Role, name: str | None = None) -> User:
    n = next(_serial)
    with in_app(session):
        return accounts.create_user(
            session=session,
            email=f"{role.value}{n}@bureau-test.cn",
            password=PASSWORD,
            name=name or f"{role.value}{n}",
            role=role,
        )


def create_expert(session: Session, specialties: list[str], name: str | None = None) -> User:
    user = create_account(session, Role.expert, name)
    with in_app(session):
        experts.set_profile(
            session=session, user_id=user.id, data={"specialties": specialties, "affiliation": "吉林大学"}
        )
    return user


def call_data(**overrides) -> dict:
    n = next(_serial)
    return {
        "title": f"汽车轻量化创新中心创建申报{n}",
        "industry": "automotive",
        "domain": f"汽车轻量化领域{n}",
        "conditions": "牵头单位为行业领军企业、高校或科研院所；发起单位不少于5家。",
        "materials": "创建和运行方案；发起单位营业执照；合作协议。",
        "deadline": (date.today() + timedelta(days=30)).isoformat(),
        **overrides,
    }


def create_call(session: Session, bureau: User, **overrides):
    with in_app(session):
        return call_service.create_call(session=session, user=bureau, data=call_data(**overrides))


def application_data(**overrides) -> dict:
    return {
        "center_name": f"长春市示范制造业创新中心{next(_serial)}",
        "plan": PLAN,
        "founders": [{"name": f"发起单位{i}", "credit_code": random_credit_code()} for i in range(4)],
        "experts": [{"name": "王教授", "affiliation": "吉林大学", "specialty": "轻合金成形"}],
        **overrides,
    }


def apply(session: Session, call, applicant: User | None = None, **overrides) -> CenterApplication:
    """An application to `call`; without an `applicant`, by a new university the bureau has verified (only a
    verified organization may be filed as a center)."""
    if applicant is None:
        applicant = create_user(session, "university", industries=["automotive"])
        verify_org(session, applicant)
    with in_app(session):
        return application_service.submit_application(
            session=session, user=applicant, call_id=call.id, data=application_data(**overrides)
        )


def panel(session: Session) -> list[User]:
    return [
        create_expert(session, ["economics", "law", "management"]),
        create_expert(session, ["technology", "industry"]),
    ]


def carry(
    session: Session,
    bureau: User,
    application: CenterApplication,
    until: str,
    experts_: list[User] | None = None,
) -> CenterApplication:
    """Take an application through the workflow up to `until` (review, inspection, notice, filed)."""
    order = ["review", "inspection", "notice", "filed"]
    with in_app(session):
        members = experts_ or panel(session)
        application = application_service.form_panel(
            session=session,
            user=bureau,
            application_id=application.id,
            data={"expert_ids": [m.id for m in members]},
        )
        if order.index(until) < 1:
            return application
        for member in members:
            row = next(
                a
                for a in experts.my_assignments(session=session, user=member)
                if a.subject_id == application.id
            )
            experts.declare_conflict(
                session=session, user=member, assignment_id=row.id, data={"conflict": False}
            )
            experts.submit_score(
                session=session,
                user=member,
                assignment_id=row.id,
                data={"scores": SCORES, "opinion": "技术基础扎实，运行机制清晰。"},
            )
        application = application_service.conclude_review(
            session=session,
            user=bureau,
            application_id=application.id,
            data={"approve": True, "reason": "专家评审通过"},
        )
        if order.index(until) < 2:
            return application
        application = application_service.record_inspection(
            session=session,
            user=bureau,
            application_id=application.id,
            default_notice_days=7,
            data={
                "inspected_on": date.today().isoformat(),
                "inspectors": "张三、李四",
                "findings": "场地设备到位",
                "passed": True,
            },
        )
        if order.index(until) < 3:
            return application
        end_notice(session, application)
        # The bureau verifies the organization before filing it as a center (`can_be_filed_as_center`).
        _verify(session, application.applicant_org_id)
        return application_service.decide_filing(
            session=session,
            user=bureau,
            application_id=application.id,
            data={"approve": True, "reason": "公示无异议，同意备案", **entity()},
        )


def entity(name: str = "长春市示范制造业创新中心有限公司") -> dict:
    """The legal entity a filing names for the center (a fresh credit code each time)."""
    return {"entity_name": name, "entity_credit_code": random_credit_code()}


def center_user(session: Session, center_id: int) -> User:
    """A user of the center's own legal entity (filing created it without accounts; in the product its people
    get theirs through the bureau, as with a claim): the one who runs the center's records."""
    center = session.get(Center, center_id)
    assert center is not None and center.org_id is not None, "only a filed center has its own organization"
    user = session.exec(select(User).where(User.org_id == center.org_id, User.active == True)).first()  # noqa: E712
    if user is None:
        n = next(_serial)
        user = User(
            email=f"center{n}@bureau-test.cn",
            name=f"中心用户{n}",
            role=Role.center,
            org_id=center.org_id,
            password_hash=generate_password_hash(PASSWORD),
        )
        session.add(user)
        session.commit()
        session.refresh(user)
    return user


def _verify(session: Session, org_id: int) -> None:
    org = session.get(Organization, org_id)
    if org.verified_at is None:
        org.verified_at = utcnow()
        session.add(org)
        session.commit()


def end_notice(session: Session, application: CenterApplication) -> None:
    """Let the public notice run out, as if its days had passed."""
    session.execute(
        update(CenterApplication)
        .where(CenterApplication.id == application.id)
        .values(notice_ends=utcnow() - timedelta(minutes=1))
    )
    session.commit()
    session.refresh(application)


def graded_years(session: Session, center_id: int, grades: dict[int, str]) -> list[int]:
    """Annual evaluations of a center, graded, one per year (the rounds made where missing); their ids."""
    from sqlmodel import select

    from models import CenterEvaluation, EvaluationRound

    ids = []
    for year, grade in sorted(grades.items()):
        round_ = session.exec(select(EvaluationRound).where(EvaluationRound.year == year)).first()
        if round_ is None:
            round_ = EvaluationRound(year=year, deadline=date(year, 12, 31))
            session.add(round_)
            session.flush()
        evaluation = CenterEvaluation(
            round_id=round_.id,
            center_id=center_id,
            report={"summary": "运行发展报告"},
            submitted_at=utcnow(),
            grade=grade,
            remarks="评估意见",
            graded_at=utcnow(),
        )
        session.add(evaluation)
        session.flush()
        ids.append(evaluation.id)
    session.commit()
    return ids


def assess(session: Session, center_id: int, grade: str, end_year: int = 2025):
    """A recorded three-year assessment of a center (as if the bureau had decided it)."""
    from models import CenterAssessment

    row = CenterAssessment(
        center_id=center_id,
        period_start_year=end_year - 2,
        period_end_year=end_year,
        grade=grade,
        suggested=grade,
        reasons="三年评估结果",
    )
    session.add(row)
    session.commit()
    return row
