"""The oversight services on SQLite and PostgreSQL: registry, creation workflow, records, evaluations."""

from datetime import date, timedelta

import pytest
from sqlmodel import select

from app.oversight.services import application_access, evaluations
from app.oversight.services import applications as application_service
from app.oversight.services import calls as call_service
from app.oversight.services import center_records as records
from app.oversight.services import experts as expert_service
from app.oversight.services import notice as notice_service
from app.oversight.services import promotion as promotion_service
from app.oversight.services import registry as registry_service
from app.platform.errors import Conflict, Forbidden, Invalid, NotFound
from models import (
    Center,
    CenterFounder,
    CenterMember,
    CenterStatus,
    Grade,
    Organization,
    OutboxEvent,
    Role,
)
from tests.conftest import BACKENDS
from tests.utils.bureau import (
    SCORES,
    application_data,
    apply,
    assess,
    carry,
    center_user,
    create_account,
    create_call,
    create_expert,
    end_notice,
    entity,
)
from tests.utils.factories import create_achievement, create_user, in_app

pytestmark = pytest.mark.parametrize("backend", BACKENDS, indirect=True)


@pytest.fixture
def bureau(session):
    return create_account(session, Role.bureau, "市工信局审核员")


@pytest.fixture
def call(session, bureau):
    return create_call(session, bureau)


def history(session, bureau, center_id: int) -> list[str]:
    """What the center's registry record shows as its history: the center's rows and its applications'."""
    session.expire_all()
    with in_app(session):
        record = registry_service.center_record(session=session, user=bureau, center_id=center_id)
    return [row.action for row in record.history]


def test_application_to_filing_keeps_a_history_and_files_the_center(session, bureau, call):
    applicant = create_user(session, "university", industries=["automotive"])
    registered_founder = create_user(session, "enterprise")
    founders = [
        *application_data()["founders"][:3],
        {"name": "已注册企业", "credit_code": _org_code(session, registered_founder)},
    ]
    application = apply(session, call, applicant, founders=founders)
    assert application.status == CenterStatus.applied
    center = session.get(Center, application.center_id)
    assert center.lead_org_id == applicant.org_id and center.industry == "automotive"
    # Not a legal person yet: the lead unit's organization is not the center's.
    assert center.org_id is None
    codes = session.exec(select(CenterFounder).where(CenterFounder.center_id == center.id)).all()
    assert len(codes) == 5 and sum(f.is_lead for f in codes) == 1
    # A founder already registered on the platform becomes a member unit of the center.
    assert session.get(CenterMember, (center.id, registered_founder.org_id)) is not None

    filed = carry(session, bureau, application, "filed")
    session.refresh(center)
    assert filed.status == CenterStatus.filed and center.status == CenterStatus.filed
    assert center.filed_on == date.today() and filed.review_mean == 74.5
    assert history(session, bureau, center.id) == [
        "applied",
        "review_started",
        "review_passed",
        "notice_opened",
        "legal_entity",
        "filed",
    ]
    # Filing made it a legal person of its own, not the lead unit.
    own = session.get(Organization, center.org_id)
    assert own is not None and own.id != applicant.org_id and own.kind == "center" and own.verified
    # The filed center goes to the search index through the outbox.
    assert (
        session.exec(
            select(OutboxEvent).where(OutboxEvent.entity_type == "center", OutboxEvent.entity_id == center.id)
        ).first()
        is not None
    )


def _org_code(session, user) -> str:
    return session.get(Organization, user.org_id).credit_code


def test_a_second_center_for_a_filed_domain_is_refused(session, bureau, call):
    first, second = apply(session, call), apply(session, call)
    carry(session, bureau, first, "filed")
    second = carry(session, bureau, second, "notice")
    end_notice(session, second)
    with in_app(session), pytest.raises(Conflict, match="该领域已有备案的创新中心"):
        application_service.decide_filing(
            session=session, user=bureau, application_id=second.id, data={"approve": True, "reason": "同意"}
        )
    # Nothing already saved is lost: the second application waits at notice for the bureau to refuse it.
    session.refresh(second)
    assert second.status == CenterStatus.notice
    with in_app(session), pytest.raises(Conflict, match="该领域已有备案的创新中心"):
        apply(session, call)
    with in_app(session), pytest.raises(Conflict, match="该领域已有备案的创新中心"):
        create_call(session, bureau, domain=call.domain.replace("领域", " 领域 "))


def test_founders_and_experts_are_checked(session, call):
    with in_app(session), pytest.raises(Invalid) as few:
        apply(session, call, founders=application_data()["founders"][:2])
    assert "5" in few.value.fields["founders"]
    founders = application_data()["founders"]
    with in_app(session), pytest.raises(Invalid) as twice:
        apply(session, call, founders=[*founders[:3], founders[0]])
    assert founders[0]["credit_code"] in twice.value.fields["founders"]
    with in_app(session), pytest.raises(Invalid) as bad:
        apply(
            session, call, founders=[*founders[:3], {"name": "无效单位", "credit_code": "91220101MA0000000I"}]
        )
    assert "founders.credit_code" in bad.value.fields
    with in_app(session), pytest.raises(Invalid) as nobody:
        apply(session, call, experts=[])
    assert "experts" in nobody.value.fields
    finance = create_user(session, "finance")
    with in_app(session), pytest.raises(Invalid, match="牵头单位须为"):
        apply(session, call, finance)
    assert session.exec(select(Center)).all() == []


def test_a_closed_call_refuses_applications(session, bureau):
    late = create_call(session, bureau, deadline=(date.today() - timedelta(days=1)).isoformat())
    with in_app(session), pytest.raises(Conflict, match="已截止"):
        apply(session, late)


def test_panel_coverage_conflicts_and_scoring(session, bureau, call):
    application = apply(session, call)
    economist = create_expert(session, ["economics", "law", "management"])
    engineer = create_expert(session, ["technology", "industry"])
    conflicted = create_expert(session, ["technology"])
    with in_app(session), pytest.raises(Invalid, match="须覆盖经济、技术、产业、管理、法律"):
        application_service.form_panel(
            session=session,
            user=bureau,
            application_id=application.id,
            data={"expert_ids": [engineer.id, conflicted.id]},
        )
    with in_app(session):
        application_service.form_panel(
            session=session,
            user=bureau,
            application_id=application.id,
            data={"expert_ids": [economist.id, engineer.id, conflicted.id]},
        )
        rows = {
            u.id: expert_service.my_assignments(session=session, user=u)[0]
            for u in (economist, engineer, conflicted)
        }
        expert_service.declare_conflict(
            session=session,
            user=conflicted,
            assignment_id=rows[conflicted.id].id,
            data={"conflict": True, "note": "曾任牵头单位顾问"},
        )
        with pytest.raises(Conflict, match="您已声明存在利益冲突"):
            expert_service.submit_score(
                session=session,
                user=conflicted,
                assignment_id=rows[conflicted.id].id,
                data={"scores": SCORES, "opinion": "有利益冲突的专家不应出现的评分意见"},
            )
        with pytest.raises(Conflict, match="评分前请先声明利益冲突"):
            expert_service.submit_score(
                session=session,
                user=engineer,
                assignment_id=rows[engineer.id].id,
                data={"scores": SCORES, "opinion": "尚未声明利益冲突就提交的评分意见"},
            )
        # Another expert's assignment does not exist as far as this expert can tell.
        with pytest.raises(NotFound, match="未找到该评审任务"):
            expert_service.declare_conflict(
                session=session, user=engineer, assignment_id=rows[economist.id].id, data={"conflict": False}
            )
        for user, scores in ((economist, SCORES), (engineer, dict.fromkeys(SCORES, 90))):
            expert_service.declare_conflict(
                session=session, user=user, assignment_id=rows[user.id].id, data={"conflict": False}
            )
            expert_service.submit_score(
                session=session,
                user=user,
                assignment_id=rows[user.id].id,
                data={"scores": scores, "opinion": "意见：基础扎实，机制可行。"},
            )
        done = application_service.conclude_review(
            session=session,
            user=bureau,
            application_id=application.id,
            data={"approve": True, "reason": "通过"},
        )
    assert done.status == CenterStatus.inspection and done.review_mean == (74.5 + 90) / 2
    view = application_service.application_view(session=session, user=bureau, application_id=application.id)
    assert {row.expert_id: row.conflict for row, _name in view.panel} == {
        economist.id: False,
        engineer.id: False,
        conflicted.id: True,
    }
    # An expert sees their own scores only, never a colleague's.
    own = application_service.application_view(session=session, user=engineer, application_id=application.id)
    assert [row.expert_id for row, _name in own.panel] == [engineer.id]


def test_a_review_passes_only_if_those_who_scored_cover_every_field(session, bureau, call):
    """Two of four experts declare conflicts; the two who score cover neither industry nor law."""
    application = apply(session, call)
    scorers = [create_expert(session, ["economics", "management"]), create_expert(session, ["technology"])]
    conflicted = [create_expert(session, ["industry", "law"]), create_expert(session, ["law"])]
    with in_app(session):
        application_service.form_panel(
            session=session,
            user=bureau,
            application_id=application.id,
            data={"expert_ids": [u.id for u in scorers + conflicted]},
        )
        for user in scorers + conflicted:
            row = expert_service.my_assignments(session=session, user=user)[0]
            expert_service.declare_conflict(
                session=session, user=user, assignment_id=row.id, data={"conflict": user in conflicted}
            )
            if user in scorers:
                expert_service.submit_score(
                    session=session,
                    user=user,
                    assignment_id=row.id,
                    data={"scores": SCORES, "opinion": "意见：基础扎实，机制可行。"},
                )
        with pytest.raises(Conflict, match="参与评分的专家未覆盖产业、法律，评审不能通过"):
            application_service.conclude_review(
                session=session,
                user=bureau,
                application_id=application.id,
                data={"approve": True, "reason": "通过"},
            )
        session.refresh(application)
        assert application.status == CenterStatus.review
        refused = application_service.conclude_review(
            session=session,
            user=bureau,
            application_id=application.id,
            data={"approve": False, "reason": "评分专家未覆盖产业与法律"},
        )
    assert refused.status == CenterStatus.rejected


def test_refusal_ends_the_application_with_reasons_the_applicant_sees(session, bureau, call):
    applicant = create_user(session, "institute", industries=["automotive"])
    application = carry(session, bureau, apply(session, call, applicant), "inspection")
    with in_app(session):
        application_service.record_inspection(
            session=session,
            user=bureau,
            application_id=application.id,
            default_notice_days=7,
            data={
                "inspected_on": date.today().isoformat(),
                "inspectors": "检查组",
                "findings": "中试线尚未建成，不具备运行条件",
                "passed": False,
            },
        )
        view = application_service.application_view(
            session=session, user=applicant, application_id=application.id
        )
        assert view.application.status == CenterStatus.rejected
        assert view.application.decision_reason == "中试线尚未建成，不具备运行条件"
        assert view.panel == [] and view.objections == []  # who said what stays with the bureau
        with pytest.raises(Conflict, match="该申报已经办结"):
            application_service.refuse_application(
                session=session, user=bureau, application_id=application.id, data={"reason": "再次拒绝"}
            )
        outsider = create_user(session, "enterprise")
        with pytest.raises(Forbidden):
            application_access.get_application(session=session, user=outsider, application_id=application.id)


def test_objections_must_be_answered_before_filing(session, bureau, call):
    application = carry(session, bureau, apply(session, call), "notice")
    assert [a.id for a, _c in notice_service.on_notice(session=session)] == [application.id]
    with in_app(session):
        objection = notice_service.raise_objection(
            session=session,
            application_id=application.id,
            data={"name": "李先生", "contact": "13800000000", "text": "发起单位之一已停业，请核实。"},
        )
        end_notice(session, application)
        with pytest.raises(Conflict, match="尚有 1 条未答复"):
            application_service.decide_filing(
                session=session,
                user=bureau,
                application_id=application.id,
                data={"approve": True, "reason": "同意"},
            )
        with pytest.raises(Conflict, match="不再受理异议"):
            notice_service.raise_objection(
                session=session,
                application_id=application.id,
                data={"name": "王", "contact": "wang@example.cn", "text": "公示已结束的异议"},
            )
        notice_service.answer_objection(
            session=session, user=bureau, objection_id=objection.id, data={"answer": "经核实该单位正常经营。"}
        )
        filed = application_service.decide_filing(
            session=session,
            user=bureau,
            application_id=application.id,
            data={"approve": True, "reason": "异议已答复，同意备案", **entity()},
        )
    assert filed.status == CenterStatus.filed


def test_filing_before_the_notice_ends_is_refused(session, bureau, call):
    application = carry(session, bureau, apply(session, call), "notice")
    with in_app(session), pytest.raises(Conflict, match="期满后方可备案"):
        application_service.decide_filing(
            session=session,
            user=bureau,
            application_id=application.id,
            data={"approve": True, "reason": "同意"},
        )


def test_only_the_bureau_moves_the_workflow(session, bureau, call):
    applicant = create_user(session, "university")
    application = apply(session, call, applicant)
    expert = create_expert(session, ["economics"])
    for user in (applicant, expert, None):
        with in_app(session), pytest.raises(Forbidden):
            application_service.refuse_application(
                session=session, user=user, application_id=application.id, data={"reason": "越权"}
            )
        with in_app(session), pytest.raises(Forbidden):
            call_service.create_call(session=session, user=user, data={})


def test_promotion_raises_the_level_on_approval(session, bureau, call):
    application = carry(session, bureau, apply(session, call), "filed")
    with in_app(session), pytest.raises(Conflict, match="考核为优秀"):
        promotion_service.recommend_promotion(
            session=session, user=bureau, center_id=application.center_id, data={"basis": "未经考核"}
        )
    assess(session, application.center_id, "excellent")
    with in_app(session):
        promotion = promotion_service.recommend_promotion(
            session=session, user=bureau, center_id=application.center_id, data={"basis": "连续两年评估优秀"}
        )
        assert promotion.to_level == "province"
        with pytest.raises(Conflict, match="已有待定的晋升推荐"):
            promotion_service.recommend_promotion(
                session=session, user=bureau, center_id=application.center_id, data={"basis": "重复推荐"}
            )
        promotion_service.record_promotion_outcome(
            session=session,
            user=bureau,
            promotion_id=promotion.id,
            data={"approved": True, "decided_on": date.today().isoformat(), "remarks": "省工信厅认定"},
        )
        with pytest.raises(Conflict):
            promotion_service.record_promotion_outcome(
                session=session,
                user=bureau,
                promotion_id=promotion.id,
                data={"approved": False, "decided_on": date.today().isoformat(), "remarks": "重复"},
            )
    assert session.get(Center, application.center_id).level == "province"
    assert history(session, bureau, application.center_id)[-2:] == [
        "promotion_recommended",
        "promotion_approved",
    ]


def test_trainings_cooperation_and_activity(session, bureau, call):
    applicant = create_user(session, "university")
    application = carry(session, bureau, apply(session, call, applicant), "filed")
    manager = center_user(session, application.center_id)
    center_id = application.center_id
    with in_app(session):
        records.add_training(
            session=session,
            user=manager,
            center_id=center_id,
            data={"held_on": "2026-03-01", "topic": "轻量化设计培训", "people": 40, "mode": "in_person"},
        )
        records.add_training(
            session=session,
            user=manager,
            center_id=center_id,
            data={"held_on": "2026-05-01", "topic": "压铸仿真线上课", "people": 120, "mode": "online"},
        )
        records.add_cooperation(
            session=session,
            user=manager,
            center_id=center_id,
            data={
                "partner": "Fraunhofer IWU",
                "country": "德国",
                "form": "joint_rd",
                "started_on": "2025-09-01",
            },
        )
        with pytest.raises(Invalid):
            records.add_cooperation(
                session=session,
                user=manager,
                center_id=center_id,
                data={
                    "partner": "X Lab",
                    "country": "日本",
                    "form": "exchange",
                    "started_on": "2025-09-01",
                    "ended_on": "2025-01-01",
                },
            )
        for outsider in (bureau, create_user(session, "enterprise")):
            with pytest.raises(Forbidden):
                records.add_training(
                    session=session,
                    user=outsider,
                    center_id=center_id,
                    data={"held_on": "2026-03-01", "topic": "冒名培训", "people": 1, "mode": "online"},
                )
    activity = records.center_activity(session=session, center_id=center_id)
    assert [t.topic for t in activity.trainings] == ["压铸仿真线上课", "轻量化设计培训"]
    assert activity.people_trained == 160 and activity.cooperation[0].country == "德国"


def test_first_use_flags_review_and_csv(session, bureau, call):
    applicant = create_user(session, "university")
    application = carry(session, bureau, apply(session, call, applicant), "filed")
    manager = center_user(session, application.center_id)
    achievement = create_achievement(
        session, applicant, center_id=application.center_id, title="一体化压铸后车体"
    )
    other = create_achievement(session, applicant, title="不属于中心的成果")
    with in_app(session):
        flag = records.flag_first_use(
            session=session,
            user=manager,
            center_id=application.center_id,
            data={
                "achievement_id": achievement.id,
                "category": "equipment",
                "reason": "国内首台6800吨一体化压铸装备应用",
            },
        )
        with pytest.raises(Conflict, match="该成果已经标注"):
            records.flag_first_use(
                session=session,
                user=manager,
                center_id=application.center_id,
                data={"achievement_id": achievement.id, "category": "key_part", "reason": "重复标记同一成果"},
            )
        with pytest.raises(Forbidden):
            records.flag_first_use(
                session=session,
                user=manager,
                center_id=application.center_id,
                data={"achievement_id": other.id, "category": "key_part", "reason": "不属于中心"},
            )
        assert records.recommended_csv(session=session, user=bureau).count("\n") == 1  # the header only
        records.review_flag(
            session=session,
            user=bureau,
            flag_id=flag.id,
            data={"recommend": True, "note": "符合首台套推荐条件"},
        )
        with pytest.raises(Conflict):
            records.review_flag(
                session=session, user=bureau, flag_id=flag.id, data={"recommend": False, "note": "重复审核"}
            )
        text = records.recommended_csv(session=session, user=bureau)
        with pytest.raises(Forbidden):
            records.recommended_csv(session=session, user=applicant)
    assert text.startswith("\ufeff序号,成果名称")
    assert "一体化压铸后车体,首台（套）重大技术装备" in text and "符合首台套推荐条件" in text


def test_evaluations_grades_and_the_three_year_assessment(session, bureau, call):
    applicant = create_user(session, "university")
    application = carry(session, bureau, apply(session, call, applicant), "filed")
    manager = center_user(session, application.center_id)
    center_id = application.center_id
    expert = create_expert(session, ["technology"])
    report = {"summary": "本年度中心完成委托研发项目12项，孵化企业2家。", "transfer": "转让专利3项"}
    grades = {2024: Grade.excellent, 2025: Grade.good, 2026: Grade.excellent}
    with in_app(session):
        for year, grade in grades.items():
            round_ = evaluations.open_round(
                session=session, user=bureau, data={"year": year, "deadline": f"{year}-12-31"}
            )
            ((evaluation, _center),) = evaluations.evaluations_of_round(
                session=session, user=bureau, round_id=round_.id
            )
            with pytest.raises(Conflict, match="尚未提交报告"):
                evaluations.grade(
                    session=session,
                    user=bureau,
                    evaluation_id=evaluation.id,
                    data={"grade": grade, "remarks": "尚无报告"},
                )
            evaluations.submit_report(session=session, user=manager, evaluation_id=evaluation.id, data=report)
            evaluations.assign_experts(
                session=session, user=bureau, evaluation_id=evaluation.id, data={"expert_ids": [expert.id]}
            )
            row = next(
                a
                for a in expert_service.my_assignments(session=session, user=expert)
                if a.subject_id == evaluation.id
            )
            expert_service.declare_conflict(
                session=session, user=expert, assignment_id=row.id, data={"conflict": False}
            )
            expert_service.submit_score(
                session=session,
                user=expert,
                assignment_id=row.id,
                data={
                    "scores": {
                        "results": 90,
                        "transfer": 80,
                        "industry_support": 70,
                        "talent": 60,
                        "cooperation": 50,
                    },
                    "opinion": "成果转化成效明显，国际合作偏弱。",
                },
            )
            evaluations.grade(
                session=session,
                user=bureau,
                evaluation_id=evaluation.id,
                data={"grade": grade, "remarks": "年度评估结论"},
            )
        with pytest.raises(Conflict, match="年度评估已经启动"):
            evaluations.open_round(
                session=session, user=bureau, data={"year": 2026, "deadline": "2026-12-31"}
            )
        with pytest.raises(Conflict, match="已经定级"):
            evaluations.submit_report(session=session, user=manager, evaluation_id=evaluation.id, data=report)
        view = evaluations.evaluation_view(session=session, user=manager, evaluation_id=evaluation.id)
        assert view.mean == 74.5 and view.panel == []  # (90·25 + 80·30 + 70·20 + 60·15 + 50·10) / 100
        assert view.indicators["commissioned_rd_contracts"] == {"count": 0, "amount": 0}
        result = evaluations.assessment(session=session, user=manager, center_id=center_id, end_year=2026)
        assert result.grades == (Grade.excellent, Grade.good, Grade.excellent) and result.result == Grade.good
        assert not evaluations.assessment(
            session=session, user=bureau, center_id=center_id, end_year=2027
        ).complete
        with pytest.raises(Forbidden):
            evaluations.center_evaluations(
                session=session, user=create_user(session, "enterprise"), center_id=center_id
            )
