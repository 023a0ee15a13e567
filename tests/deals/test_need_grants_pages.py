"""Access granted by a confidential need's owner, in the browser: the 授权查看 section of the need's page, the
one-click grant and revocation in a conversation the owner opened first, the NDA the other side accepts there
(the version it was shown: a stale one shows the new text), the details that then open, the redirect to the one
conversation of a pair, and the access log page."""

import html
import re

import pytest
from sqlmodel import select

from app.deals.services import interests
from models import Interest, NeedAccess, Organization
from tests.conftest import BACKENDS
from tests.utils.factories import create_achievement, create_need, create_user, in_app
from tests.utils.ui_deals import create_center, express
from tests.utils.web import csrf_token

pytestmark = pytest.mark.parametrize("backend", BACKENDS, indirect=True)

SECRET = "保密参数：焊接速度4m/min，目标气孔率低于0.5%。"


@pytest.fixture
def market(session):
    """An enterprise with a confidential need, a university running a center with an achievement, a third firm;
    the enterprise reached out first to the university's achievement, on behalf of its need."""
    firm = create_user(session, "enterprise")
    lab = create_user(session, "university", industries=["new_materials"])
    other = create_user(session, "enterprise")
    center = create_center(session, lab)
    need = create_need(session, firm, confidential=True, details=SECRET)
    achievement = create_achievement(session, lab, center_id=center.id)
    interest = express(session, firm, "achievement", achievement.id, via_type="need", via_id=need.id)
    return {
        "firm": firm,
        "lab": lab,
        "other": other,
        "need": need,
        "achievement": achievement,
        "interest": interest,
    }


def post(client, path: str, data: dict | None = None, **kwargs):
    return client.post(path, data={**(data or {}), "csrf_token": csrf_token(client, "/")}, **kwargs)


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def org_name(session, user) -> str:
    return session.get(Organization, user.org_id).name


def grants(session, need_id: int) -> list[int]:
    session.expire_all()
    return [row.org_id for row in session.exec(select(NeedAccess).where(NeedAccess.need_id == need_id)).all()]


def test_the_owner_grants_and_revokes_on_the_needs_page(client, auth, session, market):
    need, lab, other = market["need"], market["lab"], market["other"]
    auth.login(market["firm"].email)
    page = text(client.get(f"/needs/{need.id}"))
    assert "授权查看" in page and "尚未授权任何单位" in page
    # The organization the owner talks with is offered; the third one is not (it is found by its exact name).
    offered = re.search(r'<select id="grant-org-id" name="org_id">(.*?)</select>', page, re.S).group(1)
    assert org_name(session, lab) in offered and org_name(session, other) not in offered

    granted = post(client, f"/needs/{need.id}/grants", {"org_id": str(lab.org_id)})
    assert granted.status_code == 302 and granted.location.endswith(f"/needs/{need.id}#grants")
    page = text(client.get(granted.location))
    assert f"已授权 {org_name(session, lab)} 查看详情" in page and "尚未接受保密协议" in page
    assert grants(session, need.id) == [lab.org_id]

    by_code = session.get(Organization, other.org_id).credit_code
    assert post(client, f"/needs/{need.id}/grants", {"org": by_code.lower()}).status_code == 302
    assert sorted(grants(session, need.id)) == sorted([lab.org_id, other.org_id])
    unknown = post(client, f"/needs/{need.id}/grants", {"org": "不存在的单位"}, follow_redirects=True)
    assert "平台上没有这个单位" in text(unknown)
    nothing = post(client, f"/needs/{need.id}/grants", {}, follow_redirects=True)
    assert "请选择要授权的单位" in text(nothing)
    assert len(grants(session, need.id)) == 2

    # Without the CSRF token nothing changes.
    grant_id = session.exec(select(NeedAccess.id).where(NeedAccess.org_id == other.org_id)).one()
    assert client.post(f"/needs/{need.id}/grants/{grant_id}/revoke").status_code == 400
    assert len(grants(session, need.id)) == 2
    revoked = post(client, f"/needs/{need.id}/grants/{grant_id}/revoke", follow_redirects=True)
    assert "已撤销授权" in text(revoked)
    assert grants(session, need.id) == [lab.org_id]

    log = text(client.get(f"/needs/{need.id}/views"))
    assert log.count("授予查看权限") == 2 and "撤销查看权限" in log


def test_others_cannot_grant_on_the_page(client, auth, session, market):
    need = market["need"]
    auth.login(market["lab"].email)
    page = text(client.get(f"/needs/{need.id}"))
    assert 'id="grants"' not in page and SECRET not in page
    assert post(client, f"/needs/{need.id}/grants", {"org_id": str(market["lab"].org_id)}).status_code == 404
    assert grants(session, need.id) == []


def test_sme_first_grant_in_the_conversation_then_nda_then_details(client, auth, session, market):
    need, lab, interest = market["need"], market["lab"], market["interest"]
    path = f"/interests/{interest.id}"
    auth.login(market["firm"].email)
    page = text(client.get(path))
    assert "授权查看" in page and "撤销授权" not in page
    granted = post(
        client,
        f"/needs/{need.id}/grants",
        {"org_id": str(lab.org_id), "next": f"{path}#nda"},
    )
    assert granted.status_code == 302 and granted.location.endswith(f"{path}#nda")
    assert "撤销授权" in text(client.get(path))
    # The owner changes its agreement while the other side has the page open.
    auth.logout()

    auth.login(lab.email)
    assert "发布方已授权贵单位查看详情" in text(client.get(f"/needs/{need.id}"))
    page = text(client.get(path))
    assert "接收方仅为评估" in page and SECRET not in page
    assert f'name="version" value="{interests.PLATFORM_NDA_VERSION}"' in page
    with in_app(session):
        newer = interests.set_nda_text(
            session=session, user=market["firm"], need_id=need.id, body="新的保密条款：保密期五年。"
        )
    stale = post(client, f"{path}/nda", {"agree": "y", "version": interests.PLATFORM_NDA_VERSION})
    assert stale.status_code == 409
    page = text(stale)
    assert "已被修改" in page and "新的保密条款：保密期五年。" in page and SECRET not in page
    assert f'name="version" value="{newer.version}"' in page

    accepted = post(client, f"{path}/nda", {"agree": "y", "version": newer.version})
    assert accepted.status_code == 302
    page = text(client.get(path))
    assert SECRET in page and "已于" in page
    assert SECRET in text(client.get(f"/needs/{need.id}"))
    auth.logout()

    auth.login(market["firm"].email)
    log = text(client.get(f"/needs/{need.id}/views"))
    assert "授予查看权限" in log and "已接受保密协议" in log and "查看详情" in log
    listed = text(client.get(f"/needs/{need.id}"))
    assert "已接受保密协议" in re.search(r'id="grants".*?</section>', listed, re.S).group(0)


def test_the_provider_is_sent_to_the_conversation_the_owner_opened(client, auth, session, market):
    need, interest = market["need"], market["interest"]
    auth.login(market["lab"].email)
    form = f"/interests/new?target_type=need&target_id={need.id}"
    sent = post(client, form, {"message": "我们也想就该需求合作。"})
    assert sent.status_code == 302 and sent.location.endswith(f"/interests/{interest.id}")
    assert "已就该需求建立了对话" in text(client.get(sent.location))
    assert len(session.exec(select(Interest)).all()) == 1
