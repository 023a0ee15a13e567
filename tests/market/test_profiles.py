"""Profile pages: organizations and innovation centers, their live listings, and who may see contacts."""

import pytest

from app.accounts.services import accounts
from models import Role
from tests.conftest import BACKENDS
from tests.utils.factories import PASSWORD, create_achievement, create_need, create_user, in_app
from tests.utils.ui_deals import accept, create_center, express

pytestmark = pytest.mark.parametrize("backend", BACKENDS, indirect=True)

PHONE = "0431-85550123"


@pytest.fixture
def firm(session):
    return create_user(
        session,
        "enterprise",
        contact_name="李经理",
        contact_phone=PHONE,
        description="汽车零部件冲压与焊接企业。",
        industries=["automotive", "new_materials"],
    )


@pytest.fixture
def lab(session):
    return create_user(
        session,
        "university",
        contact_name="王教授",
        contact_phone="0431-85559999",
        industries=["new_materials"],
    )


@pytest.fixture
def bureau(session):
    with in_app(session):
        return accounts.create_user(
            session=session, email="bureau@example.cn", password=PASSWORD, name="市工信局", role=Role.bureau
        )


def test_organization_profile_shows_public_facts_and_live_listings_only(client, session, firm):
    need = create_need(session, firm, title="车身铝合金焊接气孔控制")
    draft = create_need(session, firm, publish=False, title="尚未发布的草稿需求")
    html = client.get(f"/organizations/{firm.org_id}").get_data(as_text=True)
    assert "汽车零部件冲压与焊接企业。" in html and "长春新区" in html and "新材料" in html
    assert need.title in html and draft.title not in html
    assert PHONE not in html and "李经理" not in html  # a visitor never sees contacts
    assert client.get("/organizations/999999").status_code == 404


def test_listing_page_links_the_organization_profile(client, session, firm):
    need = create_need(session, firm)
    html = client.get(f"/needs/{need.id}").get_data(as_text=True)
    assert f'href="/organizations/{firm.org_id}"' in html


def test_contacts_only_after_an_accepted_interest_and_for_the_bureau(
    client, auth, session, firm, lab, bureau
):
    need = create_need(session, firm)
    path = f"/organizations/{firm.org_id}"
    auth.login(lab.email)
    assert PHONE not in client.get(path).get_data(as_text=True)
    interest = express(session, lab, "need", need.id)
    assert PHONE not in client.get(path).get_data(as_text=True)  # pending is not enough
    accept(session, firm, interest.id)
    html = client.get(path).get_data(as_text=True)
    assert PHONE in html and "李经理" in html and firm.email in html
    assert "王教授" in client.get(f"/organizations/{lab.org_id}").get_data(
        as_text=True
    )  # and the other way round
    auth.logout()

    other = create_user(session, "enterprise")
    auth.login(other.email)
    assert PHONE not in client.get(path).get_data(as_text=True)
    auth.logout()
    auth.login(bureau.email)
    assert PHONE in client.get(path).get_data(as_text=True)


def test_centers_list_shows_filed_centers_national_first(client, session, lab, firm):
    create_center(session, lab, name="长春市智能传感制造业创新中心", level="city", industry="electronics")
    create_center(session, lab, name="国家先进轻量化制造业创新中心", level="national")
    create_center(session, lab, name="正在申报的创新中心", status="applied")
    html = client.get("/centers").get_data(as_text=True)
    assert "正在申报的创新中心" not in html
    assert html.index("国家先进轻量化制造业创新中心") < html.index("长春市智能传感制造业创新中心")
    only_city = client.get("/centers?level=city").get_data(as_text=True)
    assert "长春市智能传感制造业创新中心" in only_city and "国家先进轻量化制造业创新中心" not in only_city
    assert client.get("/centers?level=galactic").status_code == 200  # junk is no filter, not an error


def test_center_profile_members_listings_and_interest_action(client, auth, session, lab, firm):
    member = create_user(session, "institute")
    center = create_center(session, lab, members=(member,))
    achievement = create_achievement(session, lab, center_id=center.id)
    html = client.get(f"/centers/{center.id}").get_data(as_text=True)
    assert center.name in html and center.domain in html and achievement.title in html
    assert f'href="/organizations/{member.org_id}"' in html
    assert f"/interests/new?target_type=center&amp;target_id={center.id}" in html
    auth.login(lab.email)
    assert "/interests/new?target_type=center" not in client.get(f"/centers/{center.id}").get_data(
        as_text=True
    )
    org_html = client.get(f"/organizations/{member.org_id}").get_data(as_text=True)
    assert center.name in org_html  # membership shows on the member's profile


def test_unfiled_center_is_visible_only_to_its_organization_and_the_bureau(
    client, auth, session, lab, firm, bureau
):
    center = create_center(session, lab, status="review")
    path = f"/centers/{center.id}"
    assert client.get(path).status_code == 404
    auth.login(firm.email)
    assert client.get(path).status_code == 404
    auth.logout()
    auth.login(lab.email)
    assert client.get(path).status_code == 200
    auth.logout()
    auth.login(bureau.email)
    assert client.get(path).status_code == 200


def test_profiles_in_english(client, session, lab):
    center = create_center(session, lab)
    client.get("/lang/en")
    html = client.get(f"/centers/{center.id}").get_data(as_text=True)
    assert "Member units" in html and "Express interest" in html and "Provincial level" in html
