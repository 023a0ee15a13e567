"""A recommendation panel people trust: the score is labelled and explained, reasons cite only words both
listings hold (never stop words or the market's generic words), nobody is recommended to themselves or to
their own center, and feedback reads as feedback while 联系合作 starts a deal."""

import re

import pytest

from app.market.recommendation_rules import citable_terms, is_own, own_side
from app.market.services import indexes
from app.platform.taxonomy import generic_words
from matching.text import normalize
from tests.conftest import BACKENDS
from tests.utils.factories import PASSWORD, create_achievement, create_need, create_user, in_app
from tests.utils.ui_deals import create_center
from tests.utils.web import bearer

NEED_TEXT = "铝合金车身轻量化一体化压铸配套技术开发，解决大型压铸件变形与模具寿命问题。"


@pytest.fixture
def world(app, session):
    firm = create_user(session, "enterprise")
    runner = create_user(session, "university", industries=["automotive"])
    member = create_user(session, "university", industries=["automotive"])
    other = create_user(session, "university", industries=["automotive"])
    own_center = create_center(session, runner, members=(member,), name="汽车轻量化压铸创新中心")
    other_center = create_center(session, other, name="汽车零部件孵化创新中心", domain="压铸与轻量化企业孵化")
    need = create_need(session, firm, title="一体化压铸件变形控制", description=NEED_TEXT, details="")
    runner_offer = create_achievement(
        session,
        runner,
        title="一体化压铸模具随形冷却",
        description="一体化压铸模具随形冷却，压铸件变形降低，模具寿命提升。",
    )
    offer = create_achievement(
        session,
        other,
        title="碳纤维车身轻量化与一体化压铸工艺",
        description="碳纤维车身轻量化，一体化压铸配套技术，压铸件变形小，模具寿命长。",
    )
    center_offer = create_achievement(
        session,
        member,
        title="免热处理一体化压铸铝合金",
        description="一体化压铸用免热处理高强韧铝合金，压铸件变形小。",
        center_id=own_center.id,
    )
    with in_app(session):
        indexes.rebuild(app)
    return {
        "firm": firm,
        "member": member,
        "other": other,
        "own_center": own_center,
        "other_center": other_center,
        "need": need,
        "runner_offer": runner_offer,
        "offer": offer,
        "center_offer": center_offer,
    }


def pairs(recs) -> set[tuple[str, int]]:
    return {(r["target_type"], r["target_id"]) for r in recs}


@pytest.mark.parametrize("backend", BACKENDS, indirect=True)
def test_an_organization_is_never_recommended_to_itself_or_its_own_center(client, world):
    licences = client.get(
        f"/api/v1/needs/{world['need'].id}/recommendations", query_string={"kind": "license"}
    ).json
    assert ("achievement", world["offer"].id) in pairs(licences)
    assert ("achievement", world["runner_offer"].id) in pairs(licences)
    # The center's own achievement (posted by a member unit, naming the center) is never sent to incubate at
    # that same center, nor is the achievement of the organization that runs it; another center is.
    for offer in ("center_offer", "runner_offer"):
        incubation = client.get(
            f"/api/v1/achievements/{world[offer].id}/recommendations", query_string={"kind": "incubation"}
        ).json
        assert ("center", world["other_center"].id) in pairs(incubation)
        assert ("center", world["own_center"].id) not in pairs(incubation)
    # A viewer never sees their own organization's listings among the recommendations.
    viewer = bearer(client, world["other"].email, PASSWORD)
    seen = client.get(
        f"/api/v1/needs/{world['need'].id}/recommendations", query_string={"kind": "license"}, headers=viewer
    ).json
    assert all(r["org_id"] != world["other"].org_id for r in seen)
    assert ("achievement", world["center_offer"].id) in pairs(seen)


@pytest.mark.parametrize("backend", BACKENDS, indirect=True)
def test_reasons_cite_only_words_in_both_texts_and_never_generic_ones(app, client, world):
    recs = client.get(
        f"/api/v1/needs/{world['need'].id}/recommendations", query_string={"kind": "license"}
    ).json
    offer = next(r for r in recs if r["target_id"] == world["offer"].id and r["target_type"] == "achievement")
    terms = [t for reason in offer["reasons"] if reason["code"] == "shared_terms" for t in reason["terms"]]
    assert terms, offer["reasons"]
    need_text = normalize(f"{world['need'].title}\n{NEED_TEXT}")
    offer_text = normalize(f"{world['offer'].title}\n{world['offer'].description}")
    with app.app_context():
        generic = generic_words()
    for term in terms:
        assert term in need_text and term in offer_text and term not in generic
    # 碳纤维 is only in the achievement (the query reached it through 轻量化's narrower words); 车身 and 配套
    # are in both but say nothing.
    assert not {"碳纤维", "车身", "配套", "技术"} & set(terms)
    shown = next(reason["text"] for reason in offer["reasons"] if reason["code"] == "shared_terms")
    assert "碳纤维" not in shown and "配套" not in shown


def test_citable_terms_and_own_side_rules():
    generic = frozenset({"车身", "配套"})
    assert citable_terms(
        ["碳纤维", "压铸", "车身", "的", "3mm", "压"], "车身压铸配套的3mm", "碳纤维车身压铸", generic
    ) == ["压铸"]
    own = own_side(listing_org_id=1, viewer_org_id=2, center_id=7)
    assert is_own(own, target_type="achievement", target_id=5, target_org_id=2)
    assert is_own(own, target_type="center", target_id=7, target_org_id=9)
    assert is_own(own, target_type="center", target_id=8, target_org_id=9, lead_org_id=1)
    assert not is_own(own, target_type="center", target_id=8, target_org_id=9, lead_org_id=3)


def test_the_panel_labels_its_score_and_tells_feedback_from_a_deal(client, auth, world):
    auth.login(world["other"].email)
    page = client.get(f"/needs/{world['need'].id}").get_data(as_text=True)
    score = re.search(r'<a class="rec-score" href="#match-score-help" title="([^"]+)">(.*?)</a>', page, re.S)
    assert score is not None
    assert score.group(1).startswith("匹配度（0–100）") and "不是成交概率" in score.group(1)
    assert '<span class="rec-score-label">匹配度</span>' in score.group(2)
    assert 'id="match-score-help"' in page and "匹配度是什么意思？" in page
    # 👍 有用 is feedback, in a row labelled so; 联系合作 is the primary button that starts a deal.
    feedback = re.search(r'<form class="rec-feedback".*?</form>', page, re.S)
    assert feedback is not None
    buttons = re.findall(r"<button[^>]*>([^<]*)</button>", feedback.group(0))
    assert "反馈：" in feedback.group(0) and buttons == ["👍 有用", "不相关"]
    assert re.search(
        r'class="btn btn-accent btn-sm interest-button"[^>]*>\s*<svg.*?</svg>\s*联系合作', page, re.S
    )


@pytest.mark.parametrize("backend", BACKENDS, indirect=True)
def test_an_english_need_gets_chinese_recommendations(app, client, session):
    firm = create_user(session, "enterprise")
    uni = create_user(session, "university", industries=["new_energy"])
    need = create_need(
        session,
        firm,
        title="Battery thermal management for energy storage in cold climates",
        description="Our energy storage battery racks need low temperature heating and thermal management.",
        industry=None,
        details="",
    )
    battery = create_achievement(
        session,
        uni,
        title="储能电池低温加热与热管理技术",
        description="储能电池系统严寒地区低温加热，电池热管理使温差小于3℃。",
        industry="new_energy",
    )
    create_achievement(
        session,
        uni,
        title="鲜食玉米常温保鲜技术",
        description="真空包装鲜食玉米保质期延长。",
        industry="agri_food",
    )
    with in_app(session):
        indexes.rebuild(app)
    assert need.language == "en"
    recs = client.get(f"/api/v1/needs/{need.id}/recommendations", query_string={"kind": "license"}).json
    assert recs[0]["target_id"] == battery.id
    terms = {t for reason in recs[0]["reasons"] if reason["code"] == "shared_terms" for t in reason["terms"]}
    assert {"电池", "储能"} <= terms
