"""The HTML pages: browsing, confidential details, posting and editing, status changes, CSRF, language."""

import re

import pytest
from sqlmodel import func, select

from app.deals.services import interests
from app.market.services import need_access
from models import Need, Service
from tests.utils.factories import PASSWORD, create_achievement, create_need, create_user, drain_index, in_app
from tests.utils.web import csrf_token

SECRET = "现有焊接速度4m/min，气孔率3%，目标低于0.5%。"
LOCK = "保密需求：详细内容仅对发布方、主管部门及经授权单位可见"


@pytest.fixture
def confidential_need(session, enterprise):
    return create_need(session, enterprise, confidential=True, details=SECRET)


def need_form(**overrides) -> dict:
    return {
        "title": "数控机床热误差补偿",
        "description": "寻求数控机床主轴热误差建模与补偿技术。",
        "details": "",
        "industry": "advanced_equipment",
        "cooperation_modes": ["commission", "joint"],
        "trl": "5",
        "budget_min": "30",
        "budget_max": "80.5",
        "deadline": "",
        "region": "2201Z01",
        "publish": "1",
        **overrides,
    }


def count(session, table) -> int:
    session.expire_all()
    return session.exec(select(func.count()).select_from(table)).one()


def post_form(client, path: str, data: dict):
    return client.post(path, data={**data, "csrf_token": csrf_token(client, path)})


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/needs",
        "/achievements",
        "/services",
        "/auth/login",
        "/auth/register",
        "/needs?industry=automotive&mode=commission&region=长春&trl_min=3&q=焊接",
        "/achievements?page=abc&trl_min=99",
    ],
)
def test_public_pages_render_in_chinese(client, confidential_need, path):
    response = client.get(path)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert '<html lang="zh-CN">' in html and "技术需求" in html


def test_home_shows_counts_and_latest_listings(client, session, confidential_need, university):
    create_achievement(session, university)
    html = client.get("/").get_data(as_text=True)
    assert confidential_need.title in html and "激光-电弧复合焊接工艺" in html
    assert "50–150 万元" in html  # the need's budget, 500 000 – 1 500 000 yuan
    assert SECRET not in html


def test_browse_filters_and_paginates(client, session, enterprise):
    for n in range(23):
        create_need(
            session, enterprise, title=f"测试需求{n:02d}", industry="automotive" if n % 2 else "biomedicine"
        )
    first = client.get("/needs").get_data(as_text=True)
    assert "共 23 条" in first and 'aria-current="page">1<' in first and "page=2" in first
    second = client.get("/needs?page=2").get_data(as_text=True)
    assert second.count('class="card listing-card') == 3
    filtered = client.get("/needs?industry=biomedicine").get_data(as_text=True)
    assert "共 12 条" in filtered
    drain_index(session.info["app"])
    assert "共 1 条" in client.get("/needs?q=测试需求07").get_data(as_text=True)


def test_confidential_details_hidden_from_visitors_and_other_orgs(client, auth, session, confidential_need):
    path = f"/needs/{confidential_need.id}"
    anonymous = client.get(path).get_data(as_text=True)
    assert confidential_need.description in anonymous and SECRET not in anonymous and LOCK in anonymous

    other = create_user(session, "enterprise")
    auth.login(other.email, PASSWORD)
    html = client.get(path).get_data(as_text=True)
    assert SECRET not in html and LOCK in html
    assert "/edit" not in html  # no owner actions for another organization
    auth.logout()


def test_confidential_details_shown_to_owner_and_approved_org(
    client, auth, session, enterprise, confidential_need
):
    path = f"/needs/{confidential_need.id}"
    auth.login(enterprise.email, PASSWORD)
    html = client.get(path).get_data(as_text=True)
    assert SECRET in html and LOCK not in html and f"{path}/edit" in html
    auth.logout()

    approved = create_user(session, "university")
    with in_app(session):
        need_access.grant_details(
            session=session, need_id=confidential_need.id, org_id=approved.org_id, user=enterprise
        )
    auth.login(approved.email, PASSWORD)
    # Granted, but the NDA comes first.
    assert SECRET not in client.get(path).get_data(as_text=True)
    with in_app(session):
        interest = interests.express_interest(
            session=session,
            user=approved,
            target_type="need",
            target_id=confidential_need.id,
            message="希望合作",
        )
        interests.accept_nda(
            session=session,
            user=approved,
            interest_id=interest.id,
            agreed=True,
            version=interests.PLATFORM_NDA_VERSION,
        )
    assert SECRET in client.get(path).get_data(as_text=True)


def test_drafts_are_visible_only_to_their_owner(client, auth, session, enterprise):
    draft = create_need(session, enterprise, publish=False)
    assert client.get(f"/needs/{draft.id}").status_code == 404
    assert draft.title not in client.get("/needs").get_data(as_text=True)
    auth.login(enterprise.email, PASSWORD)
    assert "草稿" in client.get(f"/needs/{draft.id}").get_data(as_text=True)
    mine = client.get("/my?kind=need").get_data(as_text=True)
    assert draft.title in mine and "草稿" in mine


def test_logged_in_pages_render(client, auth, session, enterprise, university):
    need = create_need(session, enterprise)
    auth.login(enterprise.email, PASSWORD)
    for path in ["/", "/my", "/my?kind=service", "/needs/new", f"/needs/{need.id}", f"/needs/{need.id}/edit"]:
        assert client.get(path).status_code == 200, path
    auth.logout()
    auth.login(university.email, PASSWORD)
    for path in ["/my", "/achievements/new", "/services/new"]:
        assert client.get(path).status_code == 200, path


def test_posting_needs_a_login_and_the_right_role(client, auth, enterprise):
    response = client.get("/needs/new")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]
    auth.login(enterprise.email, PASSWORD)
    assert client.get("/achievements/new").status_code == 403


def test_post_need_converts_the_form_and_publishes(client, auth, session, enterprise):
    auth.login(enterprise.email, PASSWORD)
    response = post_form(client, "/needs/new", need_form(patent_numbers="ignored"))
    assert response.status_code == 302
    session.expire_all()
    need = session.exec(select(Need)).one()
    assert need.status == "published" and need.budget_min == 300_000 and need.budget_max == 805_000
    assert need.cooperation_modes == ["commission", "joint"] and need.trl == 5 and need.deadline is None
    detail = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "30–80.5 万元" in detail and "委托研发" in detail and "联合开发" in detail and "已发布" in detail


def test_post_service_as_draft(client, auth, session, university):
    auth.login(university.email, PASSWORD)
    data = {
        "title": "汽车零部件盐雾试验检测",
        "description": "按GB/T 10125开展中性盐雾试验。",
        "category": "testing",
        "industry": "automotive",
        "cooperation_modes": ["service"],
        "price": "0.8",
        "price_note": "按批次计价",
        "center_id": "",
        "save": "1",
    }
    response = post_form(client, "/services/new", data)
    assert response.status_code == 302
    session.expire_all()
    service = session.exec(select(Service)).one()
    assert service.status == "draft" and service.price == 8000 and service.center_id is None
    assert "试验检测" in client.get(response.headers["Location"]).get_data(as_text=True)


@pytest.mark.parametrize(
    "overrides, field_message",
    [
        ({"title": ""}, "此项为必填项"),
        ({"title": "X"}, "内容过短：至少 2 个字符"),
        ({"trl": "12"}, "不能大于 9"),
        ({"budget_min": "很多"}, "请按万元填写金额"),
        ({"budget_max": "-5"}, "金额不能为负数"),
        ({"budget_max": "1.234"}, "最多两位小数"),
        ({"budget_min": "100", "budget_max": "10"}, "预算下限不能高于上限"),
        ({"industry": "shipbuilding"}, "未知的产业类别"),
        ({"cooperation_modes": ["barter"]}, "不是允许的取值"),
        ({"deadline": "明年"}, "日期格式应为"),
        ({"description": "长" * 20_001}, "内容过长"),
    ],
)
def test_post_bad_need_is_refused_with_a_chinese_message(
    client, auth, session, enterprise, overrides, field_message
):
    auth.login(enterprise.email, PASSWORD)
    response = post_form(client, "/needs/new", need_form(**overrides))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert field_message in html and "请修改标出的字段" in html
    assert 'aria-invalid="true"' in html or "预算下限" in html
    assert count(session, Need) == 0


def test_budgets_in_wan_keep_two_decimals_exactly(client, auth, session, enterprise):
    auth.login(enterprise.email, PASSWORD)
    response = post_form(client, "/needs/new", need_form(budget_min="1.25", budget_max="12.35"))
    assert response.status_code == 302
    session.expire_all()
    need = session.exec(select(Need)).one()
    assert (need.budget_min, need.budget_max) == (12_500, 123_500)


def test_edit_saves_and_bad_edit_changes_nothing(client, auth, session, enterprise):
    need = create_need(session, enterprise)
    auth.login(enterprise.email, PASSWORD)
    path = f"/needs/{need.id}/edit"
    form = need_form(title="新标题：铝合金焊接气孔控制")
    form.pop("publish")
    assert post_form(client, path, form).status_code == 302
    session.expire_all()
    assert session.get(Need, need.id).title == "新标题：铝合金焊接气孔控制"

    bad = post_form(client, path, {**form, "title": "X", "trl": "0"})
    assert bad.status_code == 422 and "不能小于 1" in bad.get_data(as_text=True)
    session.expire_all()
    assert session.get(Need, need.id).title == "新标题：铝合金焊接气孔控制"


def test_another_org_cannot_edit_or_change_status(client, auth, session, enterprise, confidential_need):
    other = create_user(session, "enterprise")
    auth.login(other.email, PASSWORD)
    assert client.get(f"/needs/{confidential_need.id}/edit").status_code == 403
    assert post_form(client, f"/needs/{confidential_need.id}/edit", need_form()).status_code == 403
    token = csrf_token(client, "/")
    assert client.post(f"/needs/{confidential_need.id}/close", data={"csrf_token": token}).status_code == 403
    assert client.post(f"/needs/{confidential_need.id}/delete", data={"csrf_token": token}).status_code == 403
    session.expire_all()
    assert session.get(Need, confidential_need.id).status == "published"


def test_owner_reconfirms_closes_and_deletes(client, auth, session, enterprise):
    need = create_need(session, enterprise)
    auth.login(enterprise.email, PASSWORD)
    token = csrf_token(client, f"/needs/{need.id}")
    response = client.post(f"/needs/{need.id}/reconfirm", data={"csrf_token": token}, follow_redirects=True)
    assert "已重新确认" in response.get_data(as_text=True)
    client.post(f"/needs/{need.id}/close", data={"csrf_token": token, "close_reason": "solved_elsewhere"})
    session.expire_all()
    assert session.get(Need, need.id).status == "closed"
    auth.logout()
    assert client.get(f"/needs/{need.id}").status_code == 404
    auth.login(enterprise.email, PASSWORD)
    token = csrf_token(client, f"/needs/{need.id}")
    response = client.post(f"/needs/{need.id}/delete", data={"csrf_token": token})
    assert response.status_code == 302 and "/my" in response.headers["Location"]
    assert count(session, Need) == 0


def test_a_listing_with_deals_offers_no_deletion_but_says_why(client, auth, session, enterprise, university):
    need = create_need(session, enterprise)
    auth.login(enterprise.email, PASSWORD)
    html = client.get(f"/needs/{need.id}").get_data(as_text=True)
    assert f'action="/needs/{need.id}/delete"' in html and "不能删除" not in html
    auth.logout()
    with in_app(session):
        interests.express_interest(
            session=session, user=university, target_type="need", target_id=need.id, message="我们可以承接。"
        )
    auth.login(enterprise.email, PASSWORD)
    html = client.get(f"/needs/{need.id}").get_data(as_text=True)
    # The button is there, disabled, with the reason beside it; no form would be refused after its dialog.
    assert f'action="/needs/{need.id}/delete"' not in html
    assert re.search(
        r'<button class="btn btn-danger" type="button" disabled aria-describedby="no-delete">删除', html
    )
    assert "已有机构对其表达合作意向或有交易引用，不能删除；可以关闭。" in html
    assert count(session, Need) == 1


def test_achievement_publish_from_draft(client, auth, session, university):
    achievement = create_achievement(session, university, publish=False, patent_numbers=["ZL202310000001.2"])
    auth.login(university.email, PASSWORD)
    token = csrf_token(client, f"/achievements/{achievement.id}")
    response = client.post(
        f"/achievements/{achievement.id}/publish", data={"csrf_token": token}, follow_redirects=True
    )
    html = response.get_data(as_text=True)
    assert "已发布" in html and "ZL202310000001.2" in html and "80 万元" in html
    assert 'id="recommendations"' in html


@pytest.mark.parametrize("path", ["/needs/new", "/auth/logout"])
def test_post_without_csrf_token_is_refused(client, auth, session, enterprise, path):
    auth.login(enterprise.email, PASSWORD)
    response = client.post(path, data=need_form())
    assert response.status_code == 400
    assert count(session, Need) == 0


def test_status_change_without_csrf_token_is_refused(client, auth, session, enterprise):
    need = create_need(session, enterprise)
    auth.login(enterprise.email, PASSWORD)
    assert client.post(f"/needs/{need.id}/close").status_code == 400
    session.expire_all()
    assert session.get(Need, need.id).status == "published"


def test_language_follows_switch_and_browser(client):
    response = client.get("/lang/en", headers={"Referer": "http://localhost/needs?industry=automotive"})
    assert response.status_code == 302 and response.headers["Location"] == "/needs?industry=automotive"
    assert "lang=en" in response.headers["Set-Cookie"]
    html = client.get("/needs").get_data(as_text=True)
    assert '<html lang="en">' in html and "Technical needs" in html
    client.get("/lang/zh_Hans_CN")
    assert "技术需求" in client.get("/needs").get_data(as_text=True)
    assert client.get("/lang/fr").status_code == 404


def test_language_switch_never_redirects_off_site(client):
    response = client.get("/lang/en?next=//evil.example/", headers={"Referer": "https://evil.example/x"})
    assert response.headers["Location"] == "/"


def test_english_browser_gets_english(app):
    html = app.test_client().get("/", headers={"Accept-Language": "en-US,en;q=0.9"}).get_data(as_text=True)
    assert "Latest technical needs" in html


def test_edit_achievement_keeps_what_the_form_does_not_show(client, auth, session, university):
    achievement = create_achievement(session, university, patent_numbers=["ZL202310000001.2"])
    auth.login(university.email, PASSWORD)
    path = f"/achievements/{achievement.id}/edit"
    page = client.get(path).get_data(as_text=True)
    assert "ZL202310000001.2" in page and 'value="80"' in page  # 800 000 yuan shown as 80 万元
    data = {
        "title": achievement.title,
        "description": achievement.description,
        "industry": "automotive",
        "kind": "process",
        "trl": "8",
        "ip_status": "granted",
        "price": "95",
        "patent_numbers": "ZL202310000001.2\nZL202310000002.0，ZL202310000003.9",
        "cooperation_modes": ["license"],
    }
    assert post_form(client, path, data).status_code == 302
    session.expire_all()
    saved = session.get(type(achievement), achievement.id)
    assert saved.price == 950_000 and saved.trl == 8 and saved.ip_status == "granted"
    assert saved.patent_numbers == ["ZL202310000001.2", "ZL202310000002.0", "ZL202310000003.9"]


def test_my_listings_needs_a_login(client):
    response = client.get("/my")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]
