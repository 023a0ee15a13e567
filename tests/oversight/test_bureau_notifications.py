"""The bureau's workflow tells the people concerned, and only them: the applicant at every step of its application,
experts when assigned and when they may score, centers when their evaluation opens or their report is due. Each
notice names the object and its state in Chinese and English and links to a page its reader may open."""

from datetime import date, timedelta

import pytest
from flask_babel import force_locale
from sqlmodel import col, select

from app.accounts.services import accounts
from app.oversight.services import applications as application_service
from app.oversight.services import evaluations
from app.oversight.services import notice as notice_service
from app.platform import notifications
from models import Notification, Role, User
from tests.conftest import BACKENDS
from tests.utils.bureau import apply, carry, create_account, create_call, create_expert, panel
from tests.utils.bureau import center_user as user_of_center
from tests.utils.factories import PASSWORD, create_user, in_app, verify_org
from tests.utils.web import bearer, concurrently, csrf_token

pytestmark = pytest.mark.parametrize("backend", BACKENDS, indirect=True)


@pytest.fixture
def bureau(session):
    return create_account(session, Role.bureau, "市工信局审核员")


@pytest.fixture
def call(session, bureau):
    return create_call(session, bureau)


def notices_of(session, user: User, kind: str | None = None) -> list[Notification]:
    session.expire_all()
    query = select(Notification).where(Notification.user_id == user.id)
    if kind:
        query = query.where(Notification.kind == kind)
    return list(session.exec(query.order_by(col(Notification.id))).all())


def sentence(session, row: Notification, locale: str) -> str:
    with in_app(session), force_locale(locale):
        return notifications.notification_text(row)


def link(session, row: Notification) -> str:
    with in_app(session):
        path = notifications.notification_link(row)
    assert path
    return path


def opens_for(client, user: User, path: str) -> int:
    """What the reader gets when they follow the notice's link, signed in as themselves."""
    client.delete_cookie("session")  # a fresh browser session: the previous reader is gone
    token = csrf_token(client, "/auth/login")
    client.post("/auth/login", data={"email": user.email, "password": PASSWORD, "csrf_token": token})
    return client.get(path).status_code


def test_the_applicant_hears_of_every_step_and_the_panel_of_its_assignment(client, session, bureau, call):
    applicant = create_user(session, "university", industries=["automotive"])
    verify_org(session, applicant)
    stranger = create_user(session, "university", industries=["automotive"])
    outsider_expert = create_expert(session, ["technology"])
    experts = panel(session)
    application = apply(session, call, applicant)
    center_name = application_service.center_names(session=session, applications=[application])[
        application.center_id
    ]
    assert notices_of(session, applicant) == []  # applying tells nobody but the bureau's desk

    carry(session, bureau, application, "review", experts)
    (panel_notice,) = notices_of(session, applicant)
    assert (panel_notice.kind, panel_notice.state) == ("application_review", "review")
    assert (
        sentence(session, panel_notice, "zh_Hans_CN") == f"申报《{center_name}》已进入专家评审：专家组已组建"
    )
    assert sentence(session, panel_notice, "en") == (
        f"Your application “{center_name}” moved to Expert review: an expert panel was formed"
    )
    assert link(session, panel_notice) == f"/applications/{application.id}"
    for expert in experts:
        (assigned,) = notices_of(session, expert)
        assert assigned.kind == "review_assigned" and assigned.subject_type == "assignment"
        assert center_name in sentence(session, assigned, "zh_Hans_CN")
        assert "scoring is open" in sentence(session, assigned, "en")
        assert opens_for(client, expert, link(session, assigned)) == 200
    assert opens_for(client, applicant, link(session, panel_notice)) == 200
    assert notices_of(session, outsider_expert) == [] and notices_of(session, stranger) == []
    assert notices_of(session, bureau) == []


def test_each_later_step_and_a_refusal_with_its_reasons(client, session, bureau, call):
    applicant = create_user(session, "university", industries=["automotive"])
    verify_org(session, applicant)
    stranger = create_user(session, "enterprise")
    application = carry(session, bureau, apply(session, call, applicant), "notice")
    kinds = [(n.kind, n.state) for n in notices_of(session, applicant)]
    assert kinds == [
        ("application_review", "review"),
        ("application_inspection", "inspection"),
        ("application_notice", "notice"),
    ]
    on_notice = notices_of(session, applicant, "application_notice")[0]
    ends = application.notice_ends.date().isoformat()
    assert sentence(session, on_notice, "zh_Hans_CN").endswith(f"已通过现场考核，公示至{ends}")
    assert sentence(session, on_notice, "en").endswith(f"is on public notice until {ends}")

    with in_app(session):
        notice_service.raise_objection(
            session=session,
            application_id=application.id,
            data={"name": "某企业", "contact": "13800000000", "text": "发起单位之一的材料有误，请核实。"},
        )
    (objection,) = notices_of(session, applicant, "application_objection")
    # The applicant learns an objection came in, not who raised it or what it says.
    assert "异议" in sentence(session, objection, "zh_Hans_CN")
    assert "某企业" not in sentence(session, objection, "zh_Hans_CN")
    assert "objection" in sentence(session, objection, "en")

    with in_app(session):
        application_service.refuse_application(
            session=session,
            user=bureau,
            application_id=application.id,
            data={"reason": "发起单位材料不实，经核查异议成立"},
        )
    (refused,) = notices_of(session, applicant, "application_refused")
    assert refused.state == "rejected"
    assert sentence(session, refused, "zh_Hans_CN").endswith("未通过：发起单位材料不实，经核查异议成立")
    assert "was refused: 发起单位材料不实" in sentence(session, refused, "en")
    assert opens_for(client, applicant, link(session, refused)) == 200
    assert notices_of(session, stranger) == [] and notices_of(session, bureau) == []


def test_filing_is_announced_to_every_user_of_the_lead_unit(session, bureau, call):
    applicant = create_user(session, "university", industries=["automotive"])
    verify_org(session, applicant)
    with in_app(session):
        colleague = accounts.create_user(
            session=session,
            email=f"colleague{applicant.id}@lead-unit.cn",
            password=PASSWORD,
            name="同事",
            role=applicant.role,
            org_id=applicant.org_id,
        )
    carry(session, bureau, apply(session, call, applicant), "filed")
    (filed,) = notices_of(session, applicant, "application_filed")
    assert filed.state == "filed"
    assert sentence(session, filed, "zh_Hans_CN").endswith("已获批准：已备案")
    assert sentence(session, filed, "en").endswith("was approved: Filed")
    assert [n.state for n in notices_of(session, colleague, "application_filed")] == ["filed"]


def test_centers_and_experts_hear_of_the_annual_evaluation(client, runner, session, bureau, call):
    applicant = create_user(session, "university", industries=["automotive"])
    verify_org(session, applicant)
    application = carry(session, bureau, apply(session, call, applicant), "filed")
    # The center is a legal person of its own: its users hear of the evaluation, not the lead unit's.
    lead = applicant
    applicant = user_of_center(session, application.center_id)
    stranger = create_user(session, "enterprise")
    expert, late_expert = create_expert(session, ["technology"]), create_expert(session, ["economics"])
    deadline = date.today() + timedelta(days=10)
    with in_app(session):
        round_ = evaluations.open_round(
            session=session, user=bureau, data={"year": 2026, "deadline": deadline.isoformat()}
        )
        ((evaluation, center),) = evaluations.evaluations_of_round(
            session=session, user=bureau, round_id=round_.id
        )
    assert center.id == application.center_id
    (opened,) = notices_of(session, applicant, "evaluation_opened")
    assert sentence(session, opened, "zh_Hans_CN") == (
        f"《{center.name}》的年度评估已开始：请于{deadline.isoformat()}前提交运行报告"
    )
    assert deadline.isoformat() in sentence(session, opened, "en")
    assert opens_for(client, applicant, link(session, opened)) == 200

    # The report is due within the reminder's window: one reminder, however often cron runs.
    for _ in range(2):
        result = runner.invoke(args=["notify", "reports-due", "--days", "14"])
        assert result.exit_code == 0, result.output
    (due,) = notices_of(session, applicant, "report_due")
    assert due.subject_id == evaluation.id and deadline.isoformat() in sentence(session, due, "zh_Hans_CN")

    with in_app(session):
        evaluations.assign_experts(
            session=session, user=bureau, evaluation_id=evaluation.id, data={"expert_ids": [expert.id]}
        )
    assert [n.kind for n in notices_of(session, expert)] == ["evaluation_assigned"]
    assigned = notices_of(session, expert)[0]
    assert sentence(session, assigned, "zh_Hans_CN") == f"您已被指派为《{center.name}》2026年度评估打分"

    with in_app(session):
        evaluations.submit_report(
            session=session,
            user=applicant,
            evaluation_id=evaluation.id,
            data={"summary": "本年度中心完成委托研发项目12项。"},
        )
        evaluations.submit_report(  # a revision opens nothing new
            session=session,
            user=applicant,
            evaluation_id=evaluation.id,
            data={"summary": "本年度中心完成委托研发项目13项（修订）。"},
        )
    (open_now,) = notices_of(session, expert, "scoring_open")
    assert (
        sentence(session, open_now, "en") == f"Scoring is open: the 2026 annual evaluation of “{center.name}”"
    )
    assert opens_for(client, expert, link(session, open_now)) == 200

    with in_app(session):
        evaluations.assign_experts(
            session=session, user=bureau, evaluation_id=evaluation.id, data={"expert_ids": [late_expert.id]}
        )
    # Assigned once the report is in: told both at once.
    assert [n.kind for n in notices_of(session, late_expert)] == ["evaluation_assigned", "scoring_open"]
    assert notices_of(session, stranger) == [] and notices_of(session, bureau) == []
    assert notices_of(session, lead, "evaluation_opened") == []


def test_the_api_gives_state_and_link(client, session, bureau, call):
    applicant = create_user(session, "university", industries=["automotive"])
    verify_org(session, applicant)
    application = carry(session, bureau, apply(session, call, applicant), "review")
    body = client.get("/api/v1/notifications", headers=bearer(client, applicant.email, PASSWORD)).json
    (item,) = body["items"]
    assert item["kind"] == "application_review" and item["state"] == "review"
    assert item["link"] == f"/applications/{application.id}"
    assert item["subject_type"] == "application" and item["subject_id"] == application.id
    assert "专家评审" in item["text"] and body["unread"] == 1


def _race(app, *requests) -> list[int]:
    """The requests sent at the same moment, each from its own client; their statuses, sorted."""
    return sorted(
        response.status_code
        for response in concurrently(
            *(
                lambda path=path, body=body, auth=auth: app.test_client().post(path, json=body, headers=auth)
                for path, body, auth in requests
            )
        )
    )


def test_two_panels_or_two_first_reports_at_once_notify_once(app, client, session, bureau, call):
    applicant = create_user(session, "university", industries=["automotive"])
    verify_org(session, applicant)
    application = apply(session, call, applicant)
    experts = panel(session)
    auth = bearer(client, bureau.email, PASSWORD)
    path = f"/api/v1/bureau/applications/{application.id}/panel"
    body = {"expert_ids": [e.id for e in experts]}
    assert _race(app, (path, body, auth), (path, body, auth)) == [200, 409]
    # The loser's notices went with its transaction: one of each, never two.
    assert [n.kind for n in notices_of(session, applicant)] == ["application_review"]
    for expert in experts:
        assert [n.kind for n in notices_of(session, expert)] == ["review_assigned"]

    application = carry(session, bureau, apply(session, call), "filed")
    center_user = user_of_center(session, application.center_id)
    with in_app(session):
        round_ = evaluations.open_round(
            session=session, user=bureau, data={"year": 2027, "deadline": "2027-12-31"}
        )
        evaluation = next(
            e
            for e, c in evaluations.evaluations_of_round(session=session, user=bureau, round_id=round_.id)
            if c.id == application.center_id
        )
    scorer = create_expert(session, ["technology"])
    with in_app(session):
        evaluations.assign_experts(
            session=session, user=bureau, evaluation_id=evaluation.id, data={"expert_ids": [scorer.id]}
        )
    report = f"/api/v1/bureau/evaluations/{evaluation.id}/report"
    as_center = bearer(client, center_user.email, PASSWORD)
    first, second = {"summary": "第一版运行发展报告全文。"}, {"summary": "第二版运行发展报告全文。"}
    assert _race(app, (report, first, as_center), (report, second, as_center)) == [200, 200]
    assert [n.kind for n in notices_of(session, scorer, "scoring_open")] == ["scoring_open"]
