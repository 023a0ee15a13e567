"""The oversight pages: what each role sees and can do in the browser, forms with CSRF, refusals that keep input."""

import re
from datetime import date

import pytest
from sqlmodel import select

from models import CenterApplication, CenterStatus, NoticeObjection, Role
from tests.utils.bureau import (
    SCORES,
    apply,
    carry,
    center_user,
    create_account,
    create_call,
    create_expert,
    end_notice,
    entity,
)
from tests.utils.factories import PASSWORD, create_achievement, create_user, random_credit_code, verify_org
from tests.utils.web import bearer, csrf_token


@pytest.fixture
def bureau(session):
    return create_account(session, Role.bureau, "市工信局审核员")


@pytest.fixture
def call(session, bureau):
    return create_call(session, bureau)


def post(client, page: str, action: str, data: dict):
    """Submit a form of `page` to `action`, with the page's CSRF token."""
    return client.post(action, data={**data, "csrf_token": csrf_token(client, page)})


def text(response) -> str:
    return response.get_data(as_text=True)


def test_bureau_navigation_shows_only_what_the_bureau_can_use(client, auth, bureau):
    auth.login(bureau.email)
    html = text(client.get("/"))
    assert "监管工作台" in html and "公示公告" in html
    assert "我的发布" not in html and "发布需求" not in html and "/needs/new" not in html
    for link in (
        "/bureau",
        "/bureau/centers",
        "/bureau/calls",
        "/bureau/applications",
        "/bureau/evaluations",
        "/bureau/first-use",
        "/notices",
    ):
        assert client.get(link).status_code == 200, link


def test_expert_navigation_leads_to_assignments(client, auth, session):
    expert = create_expert(session, ["law"], name="赵律师")
    auth.login(expert.email)
    html = text(client.get("/"))
    assert "我的评审" in html and "我的发布" not in html and "发布需求" not in html
    assert "暂无分配给您的评审任务" in text(client.get("/expert"))
    assert client.get("/bureau").status_code == 403


def test_enterprise_keeps_its_own_links_and_cannot_open_the_workbench(client, auth, enterprise):
    auth.login(enterprise.email)
    html = text(client.get("/"))
    assert "我的发布" in html and "发布需求" in html and "监管工作台" not in html
    for path in (
        "/bureau",
        "/bureau/centers",
        "/bureau/calls",
        "/bureau/first-use",
        "/bureau/evaluations",
        "/bureau/first-use/recommended.csv",
    ):
        assert client.get(path).status_code == 403, path


def test_applying_through_the_form_and_keeping_input_on_refusal(client, auth, session, call):
    applicant = create_user(session, "university", industries=["automotive"])
    auth.login(applicant.email)
    page = f"/calls/{call.id}/apply"
    form = {
        "center_name": "长春市汽车轻量化示范创新中心",
        "plan": "以企业为主体、产学研联合组建的创新中心创建和运行方案……" * 2,
        "expert_name_0": "王教授",
        "expert_affiliation_0": "吉林大学",
    }
    for i in range(2):
        form |= {f"founder_name_{i}": f"发起单位{i}", f"founder_credit_code_{i}": random_credit_code()}
    refused = post(client, page, page, form)
    assert refused.status_code == 422
    html = text(refused)
    assert "至少需要 5 家发起单位" in html and "长春市汽车轻量化示范创新中心" in html  # what was typed stays
    for i in range(2, 4):
        form |= {f"founder_name_{i}": f"发起单位{i}", f"founder_credit_code_{i}": random_credit_code()}
    done = post(client, page, page, form)
    assert done.status_code == 302
    html = text(client.get(done.headers["Location"]))
    assert "长春市汽车轻量化示范创新中心" in html and "已申报" in html and "王教授" in html
    assert "长春市汽车轻量化示范创新中心" not in text(client.get("/notices"))


def test_bureau_carries_an_application_through_the_pages(client, auth, session, bureau, call):
    application = apply(session, call)
    economist = create_expert(session, ["economics", "law", "management"], name="钱经济")
    engineer = create_expert(session, ["technology", "industry"], name="孙工程")
    auth.login(bureau.email)
    page = f"/applications/{application.id}"
    assert "钱经济" in text(client.get(page))
    short = post(client, page, f"{page}/panel", {"expert_ids": [str(engineer.id)], "form_id": "panel"})
    assert short.status_code == 422 and "专家组至少需要 2 名专家" in text(short)
    # Each message once: the summary on top, the field's own message beside the experts.
    assert text(short).count("专家组至少需要 2 名专家") == 1 and text(short).count("专家人数不足") == 1
    assert (
        post(
            client,
            page,
            f"{page}/panel",
            {"expert_ids": [str(economist.id), str(engineer.id)], "deadline": ""},
        ).status_code
        == 302
    )
    early = post(client, page, f"{page}/review-decision", {"approve": "true", "reason": "通过"})
    assert early.status_code == 409 and "尚有专家未声明利益冲突或未评分" in text(early)

    for expert, conflict in ((economist, "false"), (engineer, "false")):
        auth.logout()
        auth.login(expert.email)
        assignment_page = re.search(r'href="(/expert/assignments/\d+)"', text(client.get("/expert"))).group(1)
        assert (
            post(client, assignment_page, f"{assignment_page}/conflict", {"conflict": conflict}).status_code
            == 302
        )
        scores = {f"score_{k}": str(v) for k, v in SCORES.items()}
        bad = post(
            client,
            assignment_page,
            f"{assignment_page}/score",
            {**scores, "score_influence": "120", "opinion": "基础扎实，机制可行，建议通过。"},
        )
        assert bad.status_code == 422 and "基础扎实，机制可行，建议通过。" in text(bad)
        assert (
            post(
                client,
                assignment_page,
                f"{assignment_page}/score",
                {**scores, "opinion": "基础扎实，机制可行，建议通过。"},
            ).status_code
            == 302
        )
        assert "74.50" in text(client.get(assignment_page))
    auth.logout()
    auth.login(bureau.email)
    assert (
        post(
            client, page, f"{page}/review-decision", {"approve": "true", "reason": "专家评审通过"}
        ).status_code
        == 302
    )
    assert (
        post(
            client,
            page,
            f"{page}/inspection",
            {
                "inspected_on": date.today().isoformat(),
                "inspectors": "张三、李四",
                "findings": "场地设备到位",
                "passed": "true",
                "notice_days": "7",
            },
        ).status_code
        == 302
    )
    notices = text(client.get("/notices"))
    assert "异议" in notices
    assert "公示中" in text(client.get(page)).split("<h1>")[1].split("</h1>")[0]
    auth.logout()
    objection = post(
        client,
        "/notices",
        f"/notices/{application.id}/objections",
        {"name": "李先生", "contact": "13800000000", "text": "请核实发起单位的独立法人资格。"},
    )
    assert objection.status_code == 302
    auth.login(bureau.email)
    session.expire_all()
    end_notice(session, session.get(CenterApplication, application.id))
    blocked = post(client, page, f"{page}/filing", {"approve": "true", "reason": "同意备案"})
    assert blocked.status_code == 409 and "1 条未答复" in text(blocked)
    objection_id = session.exec(select(NoticeObjection.id)).one()
    assert (
        post(
            client,
            page,
            f"/bureau/objections/{objection_id}/answer",
            {"application_id": str(application.id), "answer": "经核实，五家发起单位均为独立法人。"},
        ).status_code
        == 302
    )
    # Filing makes the center a legal person: without its own legal entity it is refused, what was typed kept.
    nameless = post(client, page, f"{page}/filing", {"approve": "true", "reason": "公示期满，同意备案"})
    assert nameless.status_code == 422 and "公示期满，同意备案" in text(nameless)
    assert "请填写创新中心自身法人的统一社会信用代码" in text(nameless)
    bad_code = post(
        client,
        page,
        f"{page}/filing",
        {
            "approve": "true",
            "reason": "公示期满，同意备案",
            **entity(),
            "entity_credit_code": "91220101ABCDEFGH12",
        },
    )
    assert bad_code.status_code == 422 and "统一社会信用代码" in text(bad_code)
    assert (
        post(
            client, page, f"{page}/filing", {"approve": "true", "reason": "公示期满，同意备案", **entity()}
        ).status_code
        == 302
    )
    html = text(client.get(page))
    assert "已备案" in html and "公示期满，同意备案" in html
    session.expire_all()
    assert session.get(CenterApplication, application.id).status == CenterStatus.filed


def test_the_bureau_dismisses_duplicate_objections_on_the_application_page(
    client, auth, session, bureau, call
):
    application = carry(session, bureau, apply(session, call), "notice")
    page = f"/applications/{application.id}"
    body = {"name": "匿名", "contact": "li@example.cn", "text": "同一条异议反复提交。"}
    for _ in range(3):
        assert post(client, "/notices", f"/notices/{application.id}/objections", body).status_code == 302
    wrong = post(client, "/notices", f"/notices/{application.id}/objections", {**body, "contact": "随便写写"})
    assert wrong.status_code == 422 and "请填写有效的手机号、电话号码或电子邮箱" in text(wrong)
    auth.login(bureau.email)
    ids = [str(i) for i in session.exec(select(NoticeObjection.id)).all()]
    action = f"{page}/objections/dismiss"
    nothing = post(client, page, action, {"reason": "重复提交"})
    assert nothing.status_code == 422 and "请至少选择 1 项" in text(nothing)
    client.post(
        action, data={"ids": ids[:2], "reason": "同一内容重复提交", "csrf_token": csrf_token(client, page)}
    )
    html = text(client.get(page))
    assert html.count("重复或垃圾异议，不予受理") == 2 and "同一内容重复提交" in html
    end_notice(session, session.get(CenterApplication, application.id))
    blocked = post(client, page, f"{page}/filing", {"approve": "true", "reason": "同意备案"})
    assert blocked.status_code == 409 and "尚有 1 条未答复" in text(blocked)


def test_refusal_reasons_reach_the_applicant(client, auth, session, bureau, call):
    applicant = create_user(session, "institute")
    application = apply(session, call, applicant)
    auth.login(bureau.email)
    page = f"/applications/{application.id}"
    assert (
        post(client, page, f"{page}/refusal", {"reason": "申报材料不全：缺少合作协议。"}).status_code == 302
    )
    auth.logout()
    auth.login(applicant.email)
    mine = text(client.get("/my-center"))
    assert "未通过" in mine and "申报材料不全：缺少合作协议。" in mine
    html = text(client.get(page))
    assert "申报材料不全：缺少合作协议。" in html and "专家组" not in html
    other = create_user(session, "enterprise")
    auth.logout()
    auth.login(other.email)
    assert client.get(page).status_code == 403


def test_center_records_trainings_cooperation_flags_and_reports(client, auth, session, bureau, call):
    applicant = create_user(session, "university")
    application = carry(session, bureau, apply(session, call, applicant), "filed")
    center_id = application.center_id
    achievement = create_achievement(session, applicant, center_id=center_id, title="一体化压铸后地板")
    # The center's own users run its records (the lead unit's users only belong to it).
    applicant = center_user(session, center_id)
    auth.login(applicant.email)
    page = "/my-center"
    assert (
        post(
            client,
            page,
            f"/my-center/{center_id}/trainings",
            {"held_on": "2026-04-01", "topic": "压铸工艺培训", "people": "35", "mode": "in_person"},
        ).status_code
        == 302
    )
    bad = post(
        client,
        page,
        f"/my-center/{center_id}/cooperation",
        {
            "form_id": "cooperation",
            "partner": "Fraunhofer IWU",
            "country": "德国",
            "form": "joint_rd",
            "started_on": "2026-05-01",
            "ended_on": "2026-01-01",
        },
    )
    assert bad.status_code == 422 and "Fraunhofer IWU" in text(bad) and "结束日期早于开始日期" in text(bad)
    assert (
        post(
            client,
            page,
            f"/my-center/{center_id}/cooperation",
            {
                "partner": "Fraunhofer IWU",
                "country": "德国",
                "form": "joint_rd",
                "started_on": "2026-05-01",
                "ended_on": "",
            },
        ).status_code
        == 302
    )
    assert (
        post(
            client,
            page,
            f"/my-center/{center_id}/first-use-flags",
            {
                "achievement_id": str(achievement.id),
                "category": "equipment",
                "reason": "国内首台套一体化压铸装备应用",
            },
        ).status_code
        == 302
    )
    html = text(client.get(page))
    assert "压铸工艺培训" in html and "35 人" in html and "Fraunhofer IWU" in html and "待审核" in html

    auth.logout()
    auth.login(bureau.email)
    assert (
        post(
            client, "/bureau/evaluations", "/bureau/evaluations", {"year": "2025", "deadline": "2026-03-31"}
        ).status_code
        == 302
    )
    flags_page = text(client.get("/bureau/first-use"))
    assert "一体化压铸后地板" in flags_page
    flag_action = re.search(r'action="(/bureau/first-use/\d+/review)"', flags_page).group(1)
    assert (
        post(
            client, "/bureau/first-use", flag_action, {"recommend": "true", "note": "推荐申报首台套"}
        ).status_code
        == 302
    )
    csv = client.get("/bureau/first-use/recommended.csv")
    assert csv.mimetype == "text/csv" and "一体化压铸后地板" in text(csv)

    auth.logout()
    auth.login(applicant.email)
    evaluation_page = re.search(r'href="(/evaluations/\d+)"', text(client.get(page))).group(1)
    assert (
        post(
            client,
            evaluation_page,
            f"{evaluation_page}/report",
            {"summary": "全年完成委托研发项目12项，技术合同额1800万元。", "plans": "明年建设中试线"},
        ).status_code
        == 302
    )
    assert "全年完成委托研发项目12项" in text(client.get(evaluation_page))
    auth.logout()
    auth.login(bureau.email)
    assert (
        post(
            client, evaluation_page, f"{evaluation_page}/grade", {"grade": "excellent", "remarks": "运行良好"}
        ).status_code
        == 302
    )
    assert "优秀" in text(client.get(evaluation_page))
    center_page = text(client.get(f"/bureau/centers/{center_id}"))
    assert "压铸工艺培训" in center_page and "德国" in center_page and "优秀" in center_page


def test_expert_sees_only_their_own_assignment(client, auth, session, bureau, call):
    application = carry(session, bureau, apply(session, call), "review")
    outsider = create_expert(session, ["law"])
    auth.login(outsider.email)
    assert client.get(f"/applications/{application.id}").status_code == 403
    assert client.get("/expert/assignments/1").status_code == 404


def test_an_unverified_organization_is_not_filed_in_the_page_or_the_api(client, auth, session, bureau):
    """`can_be_filed_as_center` is the filing service's rule: both ways refuse with the same words (409), and
    filing goes through once the bureau has verified the organization."""
    applicant = create_user(session, "university", industries=["automotive"])
    html_app, api_app = (
        carry(
            session, bureau, apply(session, create_call(session, bureau, domain=domain), applicant), "notice"
        )
        for domain in ("未认证备案领域一", "未认证备案领域二")
    )
    for application in (html_app, api_app):
        end_notice(session, application)
    auth.login(bureau.email)
    page = f"/applications/{html_app.id}"
    refused = post(client, page, f"{page}/filing", {"approve": "true", "reason": "同意备案"})
    assert refused.status_code == 409 and "尚未通过认证" in text(refused)
    api = client.post(
        f"/api/v1/bureau/applications/{api_app.id}/filing",
        json={"approve": True, "reason": "同意备案"},
        headers={**bearer(client, bureau.email, PASSWORD), "Accept-Language": "zh-CN"},
    )
    assert api.status_code == 409 and "尚未通过认证" in api.json["error"]["message"]
    session.expire_all()
    assert session.get(CenterApplication, html_app.id).status == CenterStatus.notice
    verify_org(session, applicant)
    assert (
        post(
            client, page, f"{page}/filing", {"approve": "true", "reason": "同意备案", **entity()}
        ).status_code
        == 302
    )


def test_an_applicant_lists_its_own_applications_as_in_the_api(client, auth, session, bureau, call):
    """The applications page answers an organization as the API does: its own applications, not the others'."""
    mine = create_user(session, "university", industries=["automotive"])
    own, other = apply(session, call, mine), apply(session, call)
    auth.login(mine.email)
    page = client.get("/bureau/applications")
    assert page.status_code == 200
    ids = {int(n) for n in re.findall(r"/applications/(\d+)", text(page))}
    assert own.id in ids and other.id not in ids
    api = client.get("/api/v1/bureau/applications", headers=bearer(client, mine.email, PASSWORD)).json[
        "items"
    ]
    assert {row["id"] for row in api} == {own.id}


def test_the_filing_form_says_when_it_opens_and_stays_disabled_until_then(
    client, auth, session, bureau, call
):
    application = carry(session, bureau, apply(session, call), "notice")
    auth.login(bureau.email)
    page = f"/applications/{application.id}"
    html = text(client.get(page))
    day = application.notice_ends.date().isoformat()
    assert day in html.split('id="filing-wait"', 1)[1].split("</p>", 1)[0]  # the day filing opens
    assert re.search(r'<fieldset class="plain-fieldset" disabled aria-describedby="filing-wait">', html)
    end_notice(session, application)
    html = text(client.get(page))
    assert 'id="filing-wait"' not in html and '<fieldset class="plain-fieldset">' in html


def test_answers_to_objections_show_on_the_notice_without_the_objector(client, auth, session, bureau, call):
    application = carry(session, bureau, apply(session, call), "notice")
    body = {"name": "李先生", "contact": "13800000000", "text": "请核实发起单位的独立法人资格。"}
    assert post(client, "/notices", f"/notices/{application.id}/objections", body).status_code == 302
    assert "请核实发起单位的独立法人资格" not in text(client.get("/notices"))  # not before it has its answer
    auth.login(bureau.email)
    objection_id = session.exec(select(NoticeObjection.id)).one()
    page = f"/applications/{application.id}"
    answer = {"application_id": str(application.id), "answer": "经核实，五家发起单位均为独立法人。"}
    assert post(client, page, f"/bureau/objections/{objection_id}/answer", answer).status_code == 302
    auth.logout()
    notice = (
        text(client.get("/notices")).split(f'id="notice-{application.id}"', 1)[1].split("</article>", 1)[0]
    )
    assert "异议及市工信局的答复" in notice
    assert "请核实发起单位的独立法人资格。" in notice and "经核实，五家发起单位均为独立法人。" in notice
    assert "李先生" not in notice and "13800000000" not in notice
