"""The second outside audit (issue 21): ids the database cannot hold, redirects out of the site after
decoding. Each test is what a user or client saw go wrong, in the language they read (Chinese first)."""

import pytest
from sqlmodel import select

from app.deals.services import interests
from app.web.input_guards import same_site_path
from models import NdaDocument, Notification, Role
from tests.conftest import BACKENDS
from tests.utils.bureau import apply, carry, create_account, create_call, create_expert
from tests.utils.factories import PASSWORD, create_need, create_role_user, create_user, in_app
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
        interests.accept_nda(session=session, user=lab, interest_id=interest.id)
    response = client.delete(f"/api/v1/needs/{need.id}", headers=bearer(client, enterprise.email, PASSWORD))
    assert response.status_code == 409
    assert "因此不能删除；可以将它关闭" in response.json["error"]["message"]
    assert client.get(f"/api/v1/needs/{need.id}").status_code == 200
