"""The JSON API, on SQLite and on a real PostgreSQL."""

import pytest

from models import User
from tests.conftest import BACKENDS
from tests.utils.factories import PASSWORD, achievement_data, create_user, need_data, registration_data
from tests.utils.web import bearer

pytestmark = pytest.mark.parametrize("backend", BACKENDS, indirect=True)


def token_for(client, email: str, password: str = PASSWORD) -> dict:
    return bearer(client, email, password)


def test_register_then_token_then_post_need(client):
    data = registration_data("enterprise")
    response = client.post("/api/v1/register", json=data)
    assert response.status_code == 201
    assert response.json["user"]["role"] == "enterprise"
    headers = token_for(client, data["email"])
    created = client.post("/api/v1/needs", json={**need_data(), "status": "published"}, headers=headers)
    assert created.status_code == 201, created.json
    need = created.json
    assert need["status"] == "published" and need["details"].startswith("现有焊接速度")
    listed = client.get("/api/v1/needs").json
    assert [item["id"] for item in listed["items"]] == [need["id"]]


@pytest.mark.parametrize("consent", [None, False])
def test_register_requires_consent_like_the_form(client, session, consent):
    """The API, like the browser's form, refuses a registration without consent to the privacy notice and terms,
    says why in the user's language, and creates nothing."""
    data = registration_data("enterprise")
    body = {key: value for key, value in data.items() if key != "consent"}
    if consent is not None:
        body["consent"] = consent
    response = client.post("/api/v1/register", json=body, headers={"Accept-Language": "zh-CN"})
    assert response.status_code == 422
    assert response.json["error"]["fields"]["consent"] == "请阅读并同意隐私声明和用户协议。"
    assert (
        client.post("/api/v1/auth/token", json={"email": data["email"], "password": PASSWORD}).status_code
        == 401
    )
    registered = client.post("/api/v1/register", json=data)
    assert registered.status_code == 201
    user = session.get(User, registered.json["user"]["id"])
    assert user.consent_at is not None and user.consent_version


def test_register_rejects_bad_credit_code_and_duplicate(client):
    data = registration_data("enterprise")
    bad = {
        **data,
        "organization": {
            **data["organization"],
            "credit_code": data["organization"]["credit_code"][:17]
            + ("0" if data["organization"]["credit_code"][17] != "0" else "1"),
        },
    }
    response = client.post("/api/v1/register", json=bad)
    assert response.status_code == 422
    assert "organization.credit_code" in response.json["error"]["fields"]
    assert client.post("/api/v1/register", json=data).status_code == 201
    again = client.post("/api/v1/register", json={**data, "email": "other@example.cn"})
    assert again.status_code == 409


def test_register_as_bureau_is_refused(client):
    response = client.post("/api/v1/register", json=registration_data("bureau"))
    assert response.status_code == 422


def test_wrong_password_and_bad_token(client, enterprise):
    assert (
        client.post("/api/v1/auth/token", json={"email": enterprise.email, "password": "nope"}).status_code
        == 401
    )
    response = client.post("/api/v1/needs", json=need_data(), headers={"Authorization": "Bearer forged"})
    assert response.status_code == 401
    assert response.json["error"]["code"] == "unauthorized"
    assert client.post("/api/v1/needs", json=need_data()).status_code == 401


@pytest.mark.parametrize(
    "field, value",
    [
        ("trl", 12),
        ("title", ""),
        ("industry", "astrology"),
        ("cooperation_modes", ["barter"]),
        ("budget_min", -1),
        ("description", "长" * 10_000_000),
    ],
)
def test_bad_need_fields_are_refused_and_nothing_saved(client, enterprise, field, value):
    headers = token_for(client, enterprise.email)
    response = client.post("/api/v1/needs", json=need_data(**{field: value}), headers=headers)
    assert response.status_code in (413, 422)
    assert response.json["error"]["message"]
    if response.status_code == 422:
        assert field in response.json["error"]["fields"]
    assert client.get("/api/v1/needs?mine=1", headers=headers).json["total"] == 0


def test_missing_fields_and_malformed_json(client, enterprise):
    headers = token_for(client, enterprise.email)
    missing = client.post("/api/v1/needs", json={"industry": "automotive"}, headers=headers)
    assert missing.status_code == 422
    assert {"title", "description"} <= set(missing.json["error"]["fields"])
    malformed = client.post(
        "/api/v1/needs", data="{not json", content_type="application/json", headers=headers
    )
    assert malformed.status_code == 400
    assert malformed.json["error"]["code"] == "malformed_json"
    not_object = client.post("/api/v1/needs", json=["a list"], headers=headers)
    assert not_object.status_code == 400


def test_error_messages_follow_language(client, enterprise):
    headers = token_for(client, enterprise.email)
    zh = client.post("/api/v1/needs", json=need_data(trl=12), headers=headers)
    en = client.post("/api/v1/needs", json=need_data(trl=12), headers={**headers, "Accept-Language": "en"})
    assert zh.json["error"]["fields"]["trl"] != en.json["error"]["fields"]["trl"]
    assert "9" in en.json["error"]["fields"]["trl"]


def test_confidential_details_only_for_owner(client, session, enterprise):
    other = create_user(session, "enterprise")
    owner_headers = token_for(client, enterprise.email)
    need = client.post(
        "/api/v1/needs", json={**need_data(confidential=True), "status": "published"}, headers=owner_headers
    ).json
    assert client.get(f"/api/v1/needs/{need['id']}").json["details"] is None
    assert (
        client.get(f"/api/v1/needs/{need['id']}", headers=token_for(client, other.email)).json["details"]
        is None
    )
    assert client.get(f"/api/v1/needs/{need['id']}", headers=owner_headers).json["details"]
    listed = client.get("/api/v1/needs").json["items"]
    assert listed[0]["description"] and listed[0]["details"] is None


def test_other_organization_cannot_change_or_delete(client, session, enterprise):
    other = create_user(session, "enterprise")
    need = client.post(
        "/api/v1/needs",
        json={**need_data(), "status": "published"},
        headers=token_for(client, enterprise.email),
    ).json
    other_headers = token_for(client, other.email)
    assert (
        client.patch(
            f"/api/v1/needs/{need['id']}", json={"title": "被篡改"}, headers=other_headers
        ).status_code
        == 403
    )
    assert client.delete(f"/api/v1/needs/{need['id']}", headers=other_headers).status_code == 403
    assert client.get(f"/api/v1/needs/{need['id']}").json["title"] == need["title"]


def test_patch_validates_merged_listing(client, enterprise):
    headers = token_for(client, enterprise.email)
    need = client.post("/api/v1/needs", json=need_data(), headers=headers).json
    response = client.patch(f"/api/v1/needs/{need['id']}", json={"budget_min": 9_000_000}, headers=headers)
    assert response.status_code == 422
    ok = client.patch(
        f"/api/v1/needs/{need['id']}", json={"title": "新的标题内容", "status": "published"}, headers=headers
    )
    assert ok.status_code == 200 and ok.json["title"] == "新的标题内容" and ok.json["status"] == "published"
    assert client.get(f"/api/v1/needs/{need['id']}").json["budget_min"] == 500000


def test_drafts_are_private_and_delete_works(client, session, enterprise):
    headers = token_for(client, enterprise.email)
    draft = client.post("/api/v1/needs", json=need_data(), headers=headers).json
    assert client.get(f"/api/v1/needs/{draft['id']}").status_code == 404
    assert client.get(f"/api/v1/needs/{draft['id']}", headers=headers).status_code == 200
    assert client.delete(f"/api/v1/needs/{draft['id']}", headers=headers).status_code == 204
    assert client.get(f"/api/v1/needs/{draft['id']}", headers=headers).status_code == 404


def test_roles_decide_who_posts_what(client, enterprise, university):
    ent, uni = token_for(client, enterprise.email), token_for(client, university.email)
    assert client.post("/api/v1/achievements", json=achievement_data(), headers=ent).status_code == 403
    assert client.post("/api/v1/needs", json=need_data(), headers=uni).status_code == 403
    created = client.post(
        "/api/v1/achievements", json={**achievement_data(), "status": "published"}, headers=uni
    )
    assert created.status_code == 201 and created.json["trl"] == 7
    service = client.post(
        "/api/v1/services",
        json={
            "title": "材料疲劳试验检测",
            "description": "按国标开展疲劳试验。",
            "category": "testing",
            "status": "published",
        },
        headers=uni,
    )
    assert service.status_code == 201
    assert client.get("/api/v1/services").json["total"] == 1


def test_filters_and_pagination(client, enterprise):
    headers = token_for(client, enterprise.email)
    for i in range(5):
        client.post(
            "/api/v1/needs",
            json={**need_data(title=f"汽车需求{i}号"), "status": "published"},
            headers=headers,
        )
    client.post(
        "/api/v1/needs",
        json={
            **need_data(title="新材料需求", industry="new_materials", cooperation_modes=["license"]),
            "status": "published",
        },
        headers=headers,
    )
    assert client.get("/api/v1/needs?industry=new_materials").json["total"] == 1
    assert client.get("/api/v1/needs?mode=license").json["total"] == 1
    page2 = client.get("/api/v1/needs?per_page=4&page=2").json
    assert page2["total"] == 6 and page2["pages"] == 2 and len(page2["items"]) == 2
    assert client.get("/api/v1/needs?page=zero").status_code == 422


def test_organization_profile_and_openapi(client, enterprise):
    org = client.get(f"/api/v1/organizations/{enterprise.org_id}").json
    assert org["name"].startswith("测试单位") and "credit_code" not in org
    assert client.get("/api/v1/organizations/99999").status_code == 404
    spec = client.get("/api/v1/openapi.json").json
    assert spec["openapi"].startswith("3.")
    assert {
        "/needs",
        "/needs/{listing_id}",
        "/achievements",
        "/services/{listing_id}",
        "/auth/token",
        "/auth/tokens",
        "/auth/tokens/{token_id}",
        "/organizations/{org_id}/verify",
        "/organization-claims",
        "/organization-claims/{claim_id}/resolve",
    } <= set(spec["paths"])
    assert {"post", "delete"} <= set(spec["paths"]["/auth/token"])
    assert org["verified"] is False
    assert "trl" in spec["components"]["schemas"]["NeedCreateIn"]["properties"]
