"""Valuation guidance (科技成果评价) through the API and the pages, on SQLite and PostgreSQL: who sees it, the
assessment's checks and versions, comparables found by the matcher among similar achievements' completed or
registered contracts and shown only as aggregates, the range with its reasons, the audit rows, two saves at once."""

import json

import pytest
from sqlmodel import select

from models import AuditEvent, Contract, ContractRegistration, Interest
from tests.conftest import BACKENDS
from tests.utils.factories import PASSWORD, create_achievement, create_user, drain_index
from tests.utils.web import concurrently, csrf_token

pytestmark = pytest.mark.parametrize("backend", BACKENDS, indirect=True)

ZH = {"Accept-Language": "zh-CN"}
BODY = {
    "trl": 6,
    "ip_type": "invention_patent",
    "ip_status": "granted",
    "claims": 12,
    "remaining_years": 10,
    "family_size": 0,
    "market_readiness": "validated",
    "application_readiness": "pilot",
    "note": "已完成中试",
}
LASER = "铝合金薄板激光-电弧复合焊接工艺，气孔率低于0.3%，适用于新能源汽车电池托盘焊接。"


def path(market) -> str:
    return f"/api/v1/achievements/{market.achievement_id}/valuation"


def deal(
    session,
    seller,
    buyer,
    achievement_id: int,
    amount: int,
    *,
    status="completed",
    registered=False,
    kind="license",
):
    """A contract over an achievement, written as the deal path would leave it."""
    interest = Interest(
        from_org_id=buyer.org_id,
        from_user_id=buyer.id,
        target_type="achievement",
        target_id=achievement_id,
        to_org_id=seller.org_id,
        message="意向",
        status="accepted",
    )
    session.add(interest)
    session.flush()
    contract = Contract(
        interest_id=interest.id,
        kind=kind,
        title="技术许可合同",
        status=status,
        amount=amount,
        technology_amount=amount,
        party_a_org_id=buyer.org_id,
        party_b_org_id=seller.org_id,
    )
    session.add(contract)
    session.flush()
    if registered:
        session.add(
            ContractRegistration(
                contract_id=contract.id,
                status="registered",
                number="2026220100000123",
                deal_amount=amount,
                technology_amount=amount,
            )
        )
    session.commit()
    return contract


def similar(session, count: int):
    """`count` achievements of another university much like the seller's, each with its own seller."""
    other = create_user(session, "university")
    return other, [
        create_achievement(session, other, title=f"激光-电弧复合焊接工艺 第{n}代", description=LASER)
        for n in range(count)
    ]


def test_the_seller_saves_an_assessment_and_only_the_seller_and_bureau_see_it_until_published(
    app, client, session, market, heads
):
    assert client.get(path(market)).status_code == 404
    empty = client.get(path(market), headers=heads["seller"])
    assert empty.status_code == 200 and empty.json["assessment"] is None

    saved = client.put(path(market), json=BODY, headers=heads["seller"])
    assert saved.status_code == 200, saved.json
    view = saved.json
    assert set(view) == {
        "achievement_id",
        "assessment",
        "suggested_range",
        "reasons",
        "comparables",
        "disclaimer",
    }
    assert view["assessment"]["trl"] == 6 and view["assessment"]["version"] == 1
    assert view["assessment"]["published"] is False
    assert "不是持证资产评估机构出具的评估报告" in view["disclaimer"]
    assert {r["code"] for r in view["reasons"]} == {"trl", "ip", "readiness", "comparables"}

    assert client.get(path(market), headers=heads["bureau"]).status_code == 200
    assert client.get(path(market), headers=heads["b1"]).status_code == 404
    assert client.get(path(market)).status_code == 404
    listing = client.get(f"/achievements/{market.achievement_id}", headers=ZH).get_data(as_text=True)
    assert "已完成中试" not in listing

    published = client.put(
        path(market), json={**BODY, "published": True, "version": 1}, headers=heads["seller"]
    )
    assert published.status_code == 200 and published.json["assessment"]["version"] == 2
    shown = client.get(path(market), headers={"Accept-Language": "en"})
    assert shown.status_code == 200 and shown.json["assessment"]["published"] is True
    assert "not an appraisal report issued by a licensed" in shown.json["disclaimer"]
    listing = client.get(f"/achievements/{market.achievement_id}", headers=ZH).get_data(as_text=True)
    assert "已完成中试" in listing and "不是持证资产评估机构出具的评估报告" in listing

    actions = session.exec(
        select(AuditEvent.action).where(
            AuditEvent.subject_type == "achievement", AuditEvent.subject_id == market.achievement_id
        )
    ).all()
    assert actions.count("valuation_saved") == 2 and actions.count("valuation_published") == 1


def test_bad_input_is_a_422_with_its_fields_and_keeps_the_saved_assessment(client, market, heads):
    assert client.put(path(market), json=BODY, headers=heads["seller"]).status_code == 200
    bad = client.put(
        path(market),
        json={**BODY, "trl": 12, "market_readiness": "boom", "version": 1},
        headers={**heads["seller"], **ZH},
    )
    assert bad.status_code == 422
    assert {"trl", "market_readiness"} <= set(bad.json["error"]["fields"])
    no_version = client.put(path(market), json={**BODY, "trl": 7}, headers=heads["seller"])
    assert no_version.status_code == 409 and "version" in no_version.json["error"]["fields"]
    stale = client.put(path(market), json={**BODY, "trl": 7, "version": 1}, headers=heads["seller"])
    assert stale.status_code == 200
    again = client.put(path(market), json={**BODY, "trl": 8, "version": 1}, headers=heads["seller"])
    assert again.status_code == 409
    assert client.get(path(market), headers=heads["seller"]).json["assessment"]["trl"] == 7
    assert client.put(path(market), json=BODY, headers=heads["b1"]).status_code == 403
    assert client.put(path(market), json=BODY).status_code == 401


def test_comparables_come_from_similar_achievements_and_hide_amounts_below_three(
    app, client, auth, session, market, heads
):
    other, twins = similar(session, 4)
    buyer = create_user(session, "enterprise")
    unrelated_seller = create_user(session, "institute")
    unrelated = create_achievement(
        session,
        unrelated_seller,
        title="水稻抗倒伏育种方法",
        description="籽粒灌浆期抗倒伏水稻新品系选育。",
        industry="new_energy",
    )
    deal(session, other, buyer, twins[0].id, 1_234_567)
    deal(session, other, buyer, twins[1].id, 2_345_678, status="signed", registered=True)
    deal(session, other, buyer, twins[2].id, 9_999_999, status="draft")  # neither completed nor registered
    deal(session, unrelated_seller, buyer, unrelated.id, 7_777_777)  # not similar
    drain_index(app)
    client.put(path(market), json=BODY, headers=heads["seller"])

    view = client.get(path(market), headers=heads["seller"]).json
    text = json.dumps(view, ensure_ascii=False)
    assert view["comparables"]["count"] == 2
    assert view["comparables"]["groups"] == [] and view["comparables"]["median_band"] == [
        1_000_000,
        5_000_000,
    ]
    for amount in (1_234_567, 2_345_678, 1_230_000, 2_350_000, 1_790_000):
        assert str(amount) not in text
    assert view["suggested_range"]["basis"] == "band" and view["suggested_range"]["spread"] == 0.5
    auth.login(market.seller.email, PASSWORD)
    page = client.get(f"/achievements/{market.achievement_id}/valuation", headers=ZH).get_data(as_text=True)
    assert "相似成果共有 2 份履行完毕或已认定登记的合同" in page
    assert "123.46" not in page and "234.57" not in page and "<table" not in page

    deal(session, other, buyer, twins[3].id, 3_456_789, registered=True)
    deal(session, other, create_user(session, "enterprise"), twins[0].id, 1_500_000)
    view = client.get(path(market), headers=heads["seller"]).json
    comparables = view["comparables"]
    assert comparables["count"] == 4
    assert comparables["groups"] == [
        {
            "kind": "license",
            "count": 4,
            "years": comparables["years"],
            "min": 1_230_000,
            "median": 1_920_000,
            "max": 3_460_000,
        }
    ]
    assert view["suggested_range"]["basis"] == "median"
    low, high = view["suggested_range"]["low"], view["suggested_range"]["high"]
    assert low < 1_922_000 < high  # the median (1 922 339) times factors of 1.0 at this middling assessment
    assert any(r["code"] == "comparables" and "4" in r["text"] for r in view["reasons"])
    page = client.get(f"/achievements/{market.achievement_id}/valuation", headers=ZH).get_data(as_text=True)
    assert "<table" in page and "192" in page  # the median, in 万元


def test_the_seller_page_saves_with_csrf_and_shows_errors_in_chinese(client, auth, session, market):
    auth.login(market.seller.email, PASSWORD)
    page_path = f"/achievements/{market.achievement_id}/valuation"
    page = client.get(page_path, headers=ZH)
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "本评价为平台参考意见，不是持证资产评估机构出具的评估报告" in html
    assert 'for="f-trl"' in html
    form = {k: str(v) for k, v in BODY.items()}
    refused = client.post(
        page_path, data={**form, "trl": "0", "csrf_token": csrf_token(client, page_path)}, headers=ZH
    )
    assert refused.status_code == 422 and "已完成中试" in refused.get_data(as_text=True)
    assert client.post(page_path, data=form).status_code == 400  # no CSRF token
    saved = client.post(
        page_path, data={**form, "published": "on", "csrf_token": csrf_token(client, page_path)}
    )
    assert saved.status_code == 302
    again = client.get(page_path, headers=ZH).get_data(as_text=True)
    assert 'name="version" value="1"' in again
    detail = client.get(f"/achievements/{market.achievement_id}", headers=ZH).get_data(as_text=True)
    assert "评价" in detail and f"/achievements/{market.achievement_id}/valuation" in detail


def test_two_saves_at_once_keep_one_and_refuse_the_other(app, session, market, heads):
    clients = [app.test_client() for _ in range(2)]
    url = f"/api/v1/achievements/{market.achievement_id}/valuation"
    first = concurrently(
        *(
            lambda c=c, t=t: c.put(url, json={**BODY, "trl": t}, headers=heads["seller"])
            for c, t in zip(clients, (4, 8), strict=True)
        )
    )
    assert sorted(r.status_code for r in first) == [200, 409]
    winner = next(r for r in first if r.status_code == 200).json["assessment"]["trl"]
    second = concurrently(
        *(
            lambda c=c, t=t: c.put(url, json={**BODY, "trl": t, "version": 1}, headers=heads["seller"])
            for c, t in zip(clients, (3, 9), strict=True)
        )
    )
    assert sorted(r.status_code for r in second) == [200, 409]
    loser = next(r for r in second if r.status_code == 409)
    assert loser.json["error"]
    stored = app.test_client().get(url, headers=heads["seller"]).json["assessment"]
    won = next(r for r in second if r.status_code == 200).json["assessment"]["trl"]
    assert winner in (4, 8) and won in (3, 9)
    assert (stored["trl"], stored["version"]) == (won, 2)  # the loser changed nothing
