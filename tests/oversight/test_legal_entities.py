"""Completing a center's legal entity that the data move left with a placeholder credit code (`待补…`), on SQLite
and PostgreSQL: the bureau sees which centers wait, copies the name and code from the business licence once (page
and API), the organization is then verified under its real code; wrong codes, codes of other organizations,
second completions and other roles are refused with the reason, and two completions at once leave one."""

import pytest
from sqlmodel import select

from app.platform import audit
from models import Center, Organization, OrgKind, Role
from tests.api.test_bureau_api import headers, race
from tests.conftest import BACKENDS
from tests.utils.bureau import apply, carry, create_account, create_call
from tests.utils.factories import create_user, random_credit_code
from tests.utils.web import csrf_token

pytestmark = pytest.mark.parametrize("backend", BACKENDS, indirect=True)
API = "/api/v1/bureau"


@pytest.fixture
def bureau(session):
    return create_account(session, Role.bureau, "市工信局")


@pytest.fixture
def pending_center(session, bureau) -> int:
    """A filed center whose own organization carries the placeholder migration 0021 gave it."""
    center_id = carry(session, bureau, apply(session, create_call(session, bureau)), "filed").center_id
    center = session.get(Center, center_id)
    placeholder = Organization(
        kind=OrgKind.center,
        name=center.name,
        credit_code=f"待补{center_id:016d}",
        industries=[center.industry],
    )
    session.add(placeholder)
    session.flush()
    center.org_id = placeholder.id
    session.add(center)
    session.commit()
    return center_id


def test_the_bureau_completes_a_pending_legal_entity_once(client, session, bureau, pending_center):
    auth = headers(client, bureau)
    pending = client.get(f"{API}/legal-entities/pending", headers=auth).json["items"]
    assert [row["center_id"] for row in pending] == [pending_center]
    assert pending[0]["credit_code"].startswith("待补") and pending[0]["verified"] is False

    path = f"{API}/centers/{pending_center}/legal-entity"
    bad = client.put(
        path, json={"entity_name": "长春轻量化创新中心有限公司", "entity_credit_code": "1234"}, headers=auth
    )
    assert bad.status_code == 422 and "entity_credit_code" in bad.json["error"]["fields"]
    code = random_credit_code()
    done = client.put(
        path, json={"entity_name": "长春轻量化创新中心有限公司", "entity_credit_code": code}, headers=auth
    )
    assert done.status_code == 200
    assert done.json["credit_code"] == code and done.json["verified"] is True
    assert done.json["name"] == "长春轻量化创新中心有限公司"
    assert client.get(f"{API}/legal-entities/pending", headers=auth).json["items"] == []
    again = client.put(
        path,
        json={"entity_name": "别的名称有限公司", "entity_credit_code": random_credit_code()},
        headers=auth,
    )
    assert again.status_code == 409 and "已完整" in again.json["error"]["message"]
    session.expire_all()
    org = session.get(Organization, session.get(Center, pending_center).org_id)
    assert (org.name, org.credit_code) == ("长春轻量化创新中心有限公司", code)
    rows = audit.history(session, subject="center", subject_id=pending_center)
    assert any(r.action == "legal_entity_completed" for r in rows)


def test_a_code_of_another_organization_or_another_role_is_refused(client, session, bureau, pending_center):
    other = create_user(session, "enterprise", name="长春恒达汽车零部件有限公司")
    taken = session.get(Organization, other.org_id).credit_code
    path = f"{API}/centers/{pending_center}/legal-entity"
    refused = client.put(
        path,
        json={"entity_name": "长春轻量化创新中心有限公司", "entity_credit_code": taken},
        headers=headers(client, bureau),
    )
    assert refused.status_code == 409 and "长春恒达汽车零部件有限公司" in refused.json["error"]["message"]
    body = {"entity_name": "长春轻量化创新中心有限公司", "entity_credit_code": random_credit_code()}
    assert client.put(path, json=body, headers=headers(client, other)).status_code == 403
    assert client.get(f"{API}/legal-entities/pending", headers=headers(client, other)).status_code == 403
    session.expire_all()
    assert session.get(Organization, session.get(Center, pending_center).org_id).credit_code.startswith(
        "待补"
    )


def test_two_completions_at_once_leave_one(app, client, session, bureau, pending_center):
    auth = headers(client, bureau)
    path = f"{API}/centers/{pending_center}/legal-entity"
    first = {"entity_name": "长春轻量化创新中心有限公司", "entity_credit_code": random_credit_code()}
    second = {"entity_name": "长春市轻量化制造业创新中心有限公司", "entity_credit_code": random_credit_code()}
    assert race(app, ("PUT", path, first, auth), ("PUT", path, second, auth)) == [200, 409]
    session.expire_all()
    org = session.get(Organization, session.get(Center, pending_center).org_id)
    assert (org.name, org.credit_code) in {tuple(first.values()), tuple(second.values())}
    completed = [
        r
        for r in audit.history(session, subject="center", subject_id=pending_center)
        if r.action == "legal_entity_completed"
    ]
    assert len(completed) == 1


def test_the_registry_lists_it_and_the_center_page_completes_it(
    client, session, bureau, pending_center, auth
):
    auth.login(bureau.email)
    registry = client.get("/bureau/centers").get_data(as_text=True)
    assert "待补全法人信息的中心（1）" in registry
    page = f"/bureau/centers/{pending_center}"
    assert "补全法人信息" in client.get(page).get_data(as_text=True)
    token = csrf_token(client, page)
    wrong = client.post(
        f"{page}/legal-entity",
        data={
            "csrf_token": token,
            "form_id": "legal-entity",
            "entity_name": "长春轻量化创新中心有限公司",
            "entity_credit_code": "bad",
        },
    )
    assert wrong.status_code == 422 and "长春轻量化创新中心有限公司" in wrong.get_data(as_text=True)
    code = random_credit_code()
    done = client.post(
        f"{page}/legal-entity",
        data={
            "csrf_token": token,
            "form_id": "legal-entity",
            "entity_name": "长春轻量化创新中心有限公司",
            "entity_credit_code": code,
        },
    )
    assert done.status_code == 302
    shown = client.get(page).get_data(as_text=True)
    assert (
        "中心法人信息已补全" in shown
        and "长春轻量化创新中心有限公司" in shown
        and "统一社会信用代码待补全" not in shown
    )
    assert "待补全法人信息的中心" not in client.get("/bureau/centers").get_data(as_text=True)
    assert session.exec(select(Organization).where(Organization.credit_code == code)).one().verified
