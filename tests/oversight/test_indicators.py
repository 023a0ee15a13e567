"""The indicators: each one computed here straight from the tables with SQL, and the API, the dashboard data,
the CSV, the XLSX, the evaluation PDF and the evaluation page all agree with it, on SQLite and PostgreSQL."""

import csv
import io
import re

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import text
from sqlmodel import select

from app.deals.services import registration
from app.market.services import listings
from app.oversight.services import indicators
from app.platform.money import format_wan
from models import Achievement, ContractRegistration
from tests.conftest import BACKENDS
from tests.utils.factories import PASSWORD, create_need, in_app
from tests.utils.indicator_world import YEAR, add_activity, make_world, open_evaluation, sign
from tests.utils.ui_deals import accept, create_contract, express
from tests.utils.web import bearer

pytestmark = pytest.mark.parametrize("backend", BACKENDS, indirect=True)

COUNTED = "c.status IN ('signed', 'in_progress', 'completed') AND c.signed_on BETWEEN :first AND :last"
# The deal went through the center: a party is its organization, or the interest's target or `via` is the center
# or one of its listings.
THROUGH_CENTER = """(:center IS NULL
  OR EXISTS (SELECT 1 FROM center ce WHERE ce.id = :center AND ce.org_id IN (c.party_a_org_id, c.party_b_org_id))
  OR (i.target_type = 'center' AND i.target_id = :center) OR (i.via_type = 'center' AND i.via_id = :center)
  OR (i.target_type = 'achievement' AND i.target_id IN (SELECT id FROM achievement WHERE center_id = :center))
  OR (i.via_type = 'achievement' AND i.via_id IN (SELECT id FROM achievement WHERE center_id = :center))
  OR (i.target_type = 'service' AND i.target_id IN (SELECT id FROM service WHERE center_id = :center))
  OR (i.via_type = 'service' AND i.via_id IN (SELECT id FROM service WHERE center_id = :center)))"""
LISTING_INDUSTRY = """CASE WHEN i.{side}_type = 'achievement' THEN (SELECT industry FROM achievement WHERE id = i.{side}_id)
  WHEN i.{side}_type = 'service' THEN (SELECT industry FROM service WHERE id = i.{side}_id)
  WHEN i.{side}_type = 'need' THEN (SELECT industry FROM need WHERE id = i.{side}_id) END"""
CONTRACT_INDUSTRY = (
    f"COALESCE(c.field, {LISTING_INDUSTRY.format(side='target')}, {LISTING_INDUSTRY.format(side='via')})"
)
CONTRACTS = f"""FROM contract c JOIN interest i ON i.id = c.interest_id
  WHERE {COUNTED} AND {THROUGH_CENTER} AND (:industry IS NULL OR {CONTRACT_INDUSTRY} = :industry)"""
CENTER_RECORD = (
    "JOIN center ce ON ce.id = r.center_id WHERE (:center IS NULL OR r.center_id = :center) "
    "AND (:industry IS NULL OR ce.industry = :industry)"
)
# The kinds 技术合同认定登记 registers: every kind but the incubation agreement.
TECHNOLOGY = "c.kind <> 'incubation'"
REGISTERED = (
    "EXISTS (SELECT 1 FROM contract_registration r WHERE r.contract_id = c.id AND r.status = 'registered')"
)
TURNOVER = f"""FROM contract c JOIN interest i ON i.id = c.interest_id
  JOIN contract_registration g ON g.contract_id = c.id AND g.status = 'registered'
  WHERE c.status IN ('signed', 'in_progress', 'completed') AND g.decided_at >= :start AND g.decided_at < :end
  AND {TECHNOLOGY} AND {THROUGH_CENTER} AND (:industry IS NULL OR {CONTRACT_INDUSTRY} = :industry)"""
PARTY = "SELECT c.party_{side}_org_id " + CONTRACTS
SQL = {
    "commissioned_rd_contracts": f"SELECT COUNT(*), COALESCE(SUM(c.amount), 0) {CONTRACTS} "
    "AND c.kind = 'commissioned_development'",
    "technology_market_turnover": f"SELECT COUNT(*), COALESCE(SUM(COALESCE(g.deal_amount, c.amount)), 0) {TURNOVER}",
    "technology_market_turnover_unregistered": f"SELECT COUNT(*), COALESCE(SUM(c.amount), 0) {CONTRACTS} "
    f"AND {TECHNOLOGY} AND NOT {REGISTERED}",
    "services_contracted": f"SELECT COUNT(*), COALESCE(SUM(c.amount), 0) {CONTRACTS} "
    "AND c.kind IN ('technical_service', 'technical_consulting')",
    "incubated_enterprises": f"SELECT COUNT(*) FROM incubation r {CENTER_RECORD} "
    "AND r.confirmed_at IS NOT NULL AND r.started_on BETWEEN :first AND :last",
    "achievements_published": "SELECT COUNT(*) FROM achievement a "
    "WHERE a.published_at >= :start AND a.published_at < :end "
    "AND (:center IS NULL OR a.center_id = :center) "
    "AND (:industry IS NULL OR a.industry = :industry)",
    "achievements_transferred": f"""SELECT COUNT(DISTINCT a.id) FROM achievement a WHERE EXISTS (SELECT 1 {CONTRACTS}
                                 AND c.kind IN ('transfer', 'license') AND ((i.target_type = 'achievement'
                                 AND i.target_id = a.id) OR (i.via_type = 'achievement' AND i.via_id = a.id)))""",
    "trainings": f"SELECT COUNT(*), COALESCE(SUM(r.people), 0) FROM center_training r {CENTER_RECORD} "
    "AND r.held_on BETWEEN :first AND :last",
    "international_projects": f"SELECT COUNT(*) FROM center_cooperation r {CENTER_RECORD} "
    "AND r.started_on <= :last AND (r.ended_on IS NULL OR r.ended_on >= :first)",
    # SMEs among the parties and the incubated firms; never a center's own organization, nor, for one center,
    # its member units.
    "smes_served": f"""SELECT COUNT(*) FROM organization o WHERE o.size_class IN ('medium', 'small', 'micro')
  AND o.id NOT IN (SELECT org_id FROM center)
  AND (:center IS NULL OR o.id NOT IN (SELECT org_id FROM center_member WHERE center_id = :center))
  AND (o.id IN ({PARTY.format(side="a")}) OR o.id IN ({PARTY.format(side="b")})
       OR o.credit_code IN (SELECT r.credit_code FROM incubation r {CENTER_RECORD}
                            AND r.confirmed_at IS NOT NULL AND r.started_on BETWEEN :first AND :last))""",
    # Confirmed financing records by the date financed; for a center, the center's own organization financed or
    # a request naming the center; by industry, the request's.
    "financing": """SELECT COUNT(*), COALESCE(SUM(f.amount), 0) FROM financing_record f
  LEFT JOIN financing_request q ON q.id = f.request_id
  WHERE f.status = 'confirmed' AND f.financed_on BETWEEN :first AND :last
  AND (:industry IS NULL OR q.industry = :industry)
  AND (:center IS NULL OR q.center_id = :center
       OR f.financed_org_id IN (SELECT org_id FROM center WHERE id = :center))""",
}
MEASURES = {"trainings": ("count", "people"), "financing": ("count", "amount")}


def from_sql(session, *, year: int, center_id=None, industry=None) -> dict:
    params = {
        "first": f"{year}-01-01",
        "last": f"{year}-12-31",
        "start": f"{year}-01-01 00:00:00",
        "end": f"{year + 1}-01-01 00:00:00",
        "center": center_id,
        "industry": industry,
    }
    result = {}
    for name, sql in SQL.items():
        # PostgreSQL needs the type of a parameter that may be NULL.
        typed = sql.replace(":center IS NULL", "CAST(:center AS INTEGER) IS NULL").replace(
            ":industry IS NULL", "CAST(:industry AS VARCHAR) IS NULL"
        )
        row = session.execute(text(typed), params).one()
        measures = MEASURES.get(
            name, ("count", "amount") if name in indicators.AMOUNT_INDICATORS else ("count",)
        )
        result[name] = {m: int(v) for m, v in zip(measures, row, strict=True)}
    return {n: result[n] for n in indicators.INDICATOR_NAMES}


def financing_by_type_sql(session, *, year: int, center_id=None, industry=None) -> dict:
    """The `financing` figure split by type, each type's own query."""
    result = {}
    for kind in ("tech_loan", "ip_pledge_loan", "equity", "guarantee"):
        sql = SQL["financing"].replace("WHERE f.status", f"WHERE f.finance_type = '{kind}' AND f.status")
        sql = sql.replace(":center IS NULL", "CAST(:center AS INTEGER) IS NULL").replace(
            ":industry IS NULL", "CAST(:industry AS VARCHAR) IS NULL"
        )
        params = {
            "first": f"{year}-01-01",
            "last": f"{year}-12-31",
            "center": center_id,
            "industry": industry,
        }
        count, amount = session.execute(text(sql), params).one()
        result[kind] = {"count": int(count), "amount": int(amount)}
    return result


@pytest.fixture
def world(session):
    w = make_world(session)
    add_activity(session, w)
    return w


def raw_yuan(text: str) -> list[str]:
    """Money left in yuan: seven or more digits, grouped or not (8,060,000 or 3670000)."""
    return re.findall(r"(?<![\d.])\d{1,3}(?:,\d{3}){2,}(?![\d])|(?<![\d.])\d{7,}(?![\d])", text)


def pdf_text(data: bytes) -> str:
    # pypdf reads the embedded CFF font's character map as two-byte codes, so it yields a NUL before each one.
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages).replace("\x00", "")


def csv_rows(body: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))


def csv_figures(body: str) -> list[list[str]]:
    """The figures: the rows after the scope and the header, up to the first empty line."""
    rows = csv_rows(body)[2:]
    return rows[: rows.index([])] if [] in rows else rows


def table_values(figures: dict) -> list[list[str]]:
    return [[str(f.get(m, "")) for m in ("count", "amount", "people")] for f in figures.values()]


SCOPES = [
    {},
    {"center": True},
    {"industry": "automotive"},
    {"industry": "new_materials"},
    {"center": True, "industry": "new_materials"},
]


@pytest.mark.parametrize(
    "scope", SCOPES, ids=["city", "center", "automotive", "new_materials", "center+other"]
)
def test_api_csv_and_xlsx_agree_with_sql(client, auth, session, world, scope):
    center_id = world.center_id if scope.get("center") else None
    industry = scope.get("industry")
    expected = from_sql(session, year=YEAR, center_id=center_id, industry=industry)
    query = {
        "year": YEAR,
        **({"center_id": center_id} if center_id else {}),
        **({"industry": industry} if industry else {}),
    }
    headers = bearer(client, world.bureau.email, PASSWORD)
    body = client.get("/api/v1/indicators", query_string=query, headers=headers).json
    assert body == {
        "year": YEAR,
        "center_id": center_id,
        "industry": industry,
        "indicators": expected,
        "financing_by_type": financing_by_type_sql(
            session, year=YEAR, center_id=center_id, industry=industry
        ),
    }

    auth.login(world.bureau.email)
    response = client.get("/indicators.csv", query_string=query)
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = csv_figures(response.get_data(as_text=True))
    assert [r[1:] for r in rows] == table_values(expected)
    sheet = load_workbook(io.BytesIO(client.get("/indicators.xlsx", query_string=query).data)).active
    cells = [
        ["" if v is None else str(v) for v in row[1:4]]
        for row in sheet.iter_rows(min_row=3, values_only=True)
    ]
    assert cells == table_values(expected)
    # Each figure opens to exactly as many records as it counts.
    for name, figure in expected.items():
        items = client.get(f"/api/v1/indicators/{name}/records", query_string=query, headers=headers).json[
            "items"
        ]
        assert len(items) == figure["count"], name
        if "amount" in figure and name != "technology_market_turnover":
            assert sum(i["amount"] for i in items) == figure["amount"], name


def test_the_known_figures_of_the_world(session, world):
    """The rules named in the issue, on the world's contracts: what counts and for whom."""
    city = from_sql(session, year=YEAR)
    mine = indicators.figures(session, indicators.Scope(year=YEAR, center_id=world.center_id))
    # Nothing is registered yet: the turnover is empty, the three signed technology contracts wait beside it.
    assert city["technology_market_turnover"] == {"count": 0, "amount": 0}
    assert city["technology_market_turnover_unregistered"] == {"count": 3, "amount": 2_300_000}
    assert mine["technology_market_turnover_unregistered"] == {"count": 2, "amount": 2_000_000}
    # The one SME (small) is served by both centers; the city counts it once.
    assert city["smes_served"] == {"count": 1} and mine["smes_served"] == {"count": 1}
    assert mine["commissioned_rd_contracts"] == {"count": 1, "amount": 1_200_000}
    assert mine["achievements_transferred"] == {"count": 1}
    assert mine["services_contracted"] == {"count": 0, "amount": 0}
    assert mine["incubated_enterprises"] == {"count": 1}
    assert mine["trainings"] == {"count": 1, "people": 35}
    assert mine["international_projects"] == {"count": 1}
    assert mine == from_sql(session, year=YEAR, center_id=world.center_id)
    assert from_sql(session, year=YEAR - 1)["services_contracted"] == {"count": 1, "amount": 50_000}


def test_dashboard_data_agrees_and_the_evaluation_report_carries_the_figures(client, auth, session, world):
    expected = from_sql(session, year=YEAR)
    auth.login(world.bureau.email)
    data = client.get(f"/bureau/dashboard.json?year={YEAR}").json
    assert data["indicators"] == expected
    assert sum(m["turnover"] for m in data["months"]) == expected["technology_market_turnover"]["amount"]
    assert sum(m["amount"] for m in data["months"]) == 2_300_000
    assert [m["count"] for m in data["months"]][2:5] == [1, 0, 2]  # March, April, May
    top = data["top_centers"][0]
    assert (top["center_id"], top["amount"], top["smes"]) == (world.center_id, 2_000_000, 1)
    assert [s["count"] for s in data["funnel"]] == [3, 3, 3, 3]
    assert {d["district"] for d in data["districts"]} == {"朝阳区", "长春新区", "南关区", "绿园区"}
    page = client.get(f"/bureau/dashboard?year={YEAR}").get_data(as_text=True)
    assert "echarts.min.js" in page and "<script>" not in page
    # Money in 万元: the top center's 2,000,000 yuan reads 200; no raw yuan figure anywhere on the page.
    assert re.search(r'data-measure="amount">200</td>', page)
    assert not raw_yuan(page)
    assert page.count('data-testid="definitions"') == 1 and "首次发布" in page

    evaluation = open_evaluation(session, world)
    mine = from_sql(session, year=YEAR, center_id=world.center_id)
    response = client.get(f"/evaluations/{evaluation.id}/report.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    extracted = pdf_text(response.data)
    assert "年度评估" in extracted and "长春市汽车轻量化制造业创新中心" in extracted
    # Chinese labels take the full-width colon: 等级：…, never 等级: …
    assert "等级：" in extracted and "等级:" not in extracted
    table = extracted.split("年度指标", 1)[1].split("运行发展报告")[0]
    assert re.findall(r"[\d.,]+", table) == [
        format_wan(v) if m == "amount" else str(v) for f in mine.values() for m, v in f.items()
    ]
    assert not raw_yuan(extracted) and "指标定义" in extracted
    html = client.get(f"/evaluations/{evaluation.id}").get_data(as_text=True)
    assert "金额 120 万元" in html and "金额 200 万元" in html  # 1,200,000 and 2,000,000 yuan
    assert not raw_yuan(html)


def test_a_contract_signed_by_both_parties_moves_the_figures(client, session, world):
    before = indicators.figures(session, indicators.Scope(year=YEAR, center_id=world.center_id))
    # The member answers a need through its achievement (the `via` listing names the center).
    need = create_need(session, world.sme, title="压铸模具寿命提升")
    interest = express(
        session, world.member, "need", need.id, via_type="achievement", via_id=world.achievement_id
    )
    accept(session, world.sme, interest.id)
    contract = create_contract(
        session,
        world.sme,
        interest.id,
        kind="transfer",
        amount=500_000,
        technology_amount=500_000,
        signed_on=f"{YEAR}-08-08",
        milestones=[],
    )
    sign(session, contract.id, world.sme)
    assert indicators.figures(session, indicators.Scope(year=YEAR, center_id=world.center_id)) == before
    sign(session, contract.id, world.member)
    after = indicators.figures(session, indicators.Scope(year=YEAR, center_id=world.center_id))
    assert (
        after["technology_market_turnover_unregistered"]["amount"]
        == before["technology_market_turnover_unregistered"]["amount"] + 500_000
    )
    assert after["achievements_transferred"] == {"count": 1}  # the same achievement, once


def test_registry_pdf_lists_every_center(client, auth, world):
    auth.login(world.bureau.email)
    response = client.get("/bureau/centers.pdf")
    assert response.status_code == 200
    extracted = pdf_text(response.data)
    assert "长春市汽车轻量化制造业创新中心" in extracted and "长春市先进材料制造业创新中心" in extracted
    assert len(response.data) < 200_000  # a subset of the font, not all 8 MB of it


def test_bad_scope_is_refused_in_the_users_language(client, world):
    headers = bearer(client, world.bureau.email, PASSWORD)
    for query, field in (("year=20x6", "year"), ("industry=nope", "industry"), ("center_id=-1", "center_id")):
        response = client.get(f"/api/v1/indicators?{query}", headers=headers)
        assert response.status_code == 422 and field in response.json["error"]["fields"], query
    assert "年份" in client.get("/api/v1/indicators?year=1", headers=headers).json["error"]["fields"]["year"]
    assert client.get("/api/v1/indicators?center_id=999999", headers=headers).status_code == 404
    assert client.get("/api/v1/indicators/nope/records", headers=headers).status_code == 422


def test_a_center_sees_its_own_figures_only(client, auth, world):
    headers = bearer(client, world.center_user.email, PASSWORD)
    own = client.get(f"/api/v1/indicators?year={YEAR}&center_id={world.center_id}", headers=headers)
    assert own.status_code == 200
    assert (
        client.get(
            f"/api/v1/indicators?year={YEAR}&center_id={world.other_center_id}", headers=headers
        ).status_code
        == 403
    )
    assert client.get(f"/api/v1/indicators?year={YEAR}", headers=headers).status_code == 403
    auth.login(world.center_user.email)
    page = client.get(f"/indicators?year={YEAR}")
    assert page.status_code == 200 and 'data-measure="amount">200</td>' in page.get_data(as_text=True)
    assert client.get(f"/indicators?year={YEAR}&center_id={world.other_center_id}").status_code == 403
    assert client.get("/bureau/dashboard").status_code == 403


def test_without_the_font_the_pdf_export_says_so(app, client, auth, world, tmp_path):
    app.config["PDF_FONT_PATH"] = str(tmp_path / "missing.otf")
    auth.login(world.bureau.email)
    response = client.get("/bureau/centers.pdf")
    assert response.status_code == 503 and "中文字体" in response.get_data(as_text=True)
    assert client.get(f"/indicators.csv?year={YEAR}").status_code == 200  # the other exports still work


def center_figures(session, world, year: int = YEAR) -> dict:
    return indicators.figures(session, indicators.Scope(year=year, center_id=world.center_id))


def changed(before: dict, after: dict) -> dict:
    return {name: (before[name], after[name]) for name in before if before[name] != after[name]}


def register(session, user, contract_id: int, on: str) -> None:
    """The office registers the contract (a party records the number); the decision dated `on`."""
    with in_app(session):
        registration.record_number(
            session=session, user=user, contract_id=contract_id, number=f"{YEAR}220100{contract_id:06d}"
        )
    session.execute(
        text("UPDATE contract_registration SET decided_at = :on WHERE contract_id = :id"),
        {"on": f"{on} 10:00:00", "id": contract_id},
    )
    session.commit()
    session.expire_all()


def test_a_signed_contract_counts_unregistered_until_it_is_registered(client, session, world):
    need = create_need(session, world.sme, title="压铸模具寿命提升")
    interest = express(
        session, world.member, "need", need.id, via_type="achievement", via_id=world.achievement_id
    )
    accept(session, world.sme, interest.id)
    contract = create_contract(
        session,
        world.sme,
        interest.id,
        kind="transfer",
        amount=500_000,
        technology_amount=450_000,
        signed_on=f"{YEAR}-08-08",
        milestones=[],
    )
    before = center_figures(session, world)
    sign(session, contract.id, world.sme, world.member)
    signed = center_figures(session, world)
    # Signed, not registered: only the unregistered figure moves (and the transfer its achievement, once).
    assert changed(before, signed) == {
        "technology_market_turnover_unregistered": (
            {"count": 2, "amount": 2_000_000},
            {"count": 3, "amount": 2_500_000},
        )
    }
    register(session, world.sme, contract.id, on=f"{YEAR}-09-01")
    registered = center_figures(session, world)
    assert changed(before, registered) == {
        "technology_market_turnover": ({"count": 0, "amount": 0}, {"count": 1, "amount": 500_000})
    }
    assert registered == from_sql(session, year=YEAR, center_id=world.center_id)
    row = session.exec(
        select(ContractRegistration).where(ContractRegistration.contract_id == contract.id)
    ).one()
    assert row.deal_amount == 500_000  # 合同成交额, the whole contract's amount
    headers = bearer(client, world.bureau.email, PASSWORD)
    items = client.get(
        f"/api/v1/indicators/technology_market_turnover/records?year={YEAR}&center_id={world.center_id}",
        headers=headers,
    ).json["items"]
    assert [(i["id"], i["date"], i["signed_on"], i["amount"]) for i in items] == [
        (contract.id, f"{YEAR}-09-01", f"{YEAR}-08-08", 500_000)
    ]
    # Registered early the next year, it is that year's turnover and no longer the signing year's at all.
    session.execute(
        text("UPDATE contract_registration SET decided_at = :on WHERE contract_id = :id"),
        {"on": f"{YEAR + 1}-01-15 10:00:00", "id": contract.id},
    )
    session.commit()
    assert center_figures(session, world) == before
    assert center_figures(session, world, YEAR + 1)["technology_market_turnover"] == {
        "count": 1,
        "amount": 500_000,
    }


def test_an_incubation_agreement_is_never_technology_market_turnover(session, world):
    before = from_sql(session, year=YEAR)
    need = create_need(session, world.sme, title="入孵服务")
    interest = express(session, world.center_user, "need", need.id)
    accept(session, world.sme, interest.id)
    agreement = create_contract(
        session,
        world.sme,
        interest.id,
        kind="incubation",
        title="入孵服务协议",
        amount=91_000,
        technology_amount=0,
        signed_on=f"{YEAR}-07-01",
        milestones=[],
    )
    sign(session, agreement.id, world.sme, world.center_user)
    after = indicators.figures(session, indicators.Scope(year=YEAR))
    for name in ("technology_market_turnover", "technology_market_turnover_unregistered"):
        assert after[name] == before[name], name
    assert after == from_sql(session, year=YEAR)


def test_closing_an_achievement_keeps_the_year_it_was_first_published_in(session, world):
    achievement = session.get(Achievement, world.achievement_id)
    year = achievement.published_at.year
    before = center_figures(session, world, year)["achievements_published"]
    assert before == {"count": 1}
    with in_app(session):
        listings.set_status(
            session=session,
            kind="achievement",
            listing_id=world.achievement_id,
            user=world.member,
            action="close",
            reason="solved_elsewhere",
        )
    assert center_figures(session, world, year)["achievements_published"] == before
    # Reopened and published again later, it is still the year of its first publication.
    with in_app(session):
        for action in ("reopen", "publish"):
            listings.set_status(
                session=session,
                kind="achievement",
                listing_id=world.achievement_id,
                user=world.member,
                action=action,
            )
    assert session.get(Achievement, world.achievement_id).published_at == achievement.published_at
    assert center_figures(session, world, year)["achievements_published"] == before
    assert from_sql(session, year=year, center_id=world.center_id)["achievements_published"] == before


def test_every_indicator_opens_to_the_records_it_counts(client, session, world):
    headers = bearer(client, world.bureau.email, PASSWORD)
    body = client.get(f"/api/v1/indicators?year={YEAR}", headers=headers).json["indicators"]
    for name, figure in body.items():
        items = client.get(f"/api/v1/indicators/{name}/records?year={YEAR}", headers=headers).json["items"]
        assert len(items) == figure["count"], name
        if "amount" in figure:
            assert sum(i["amount"] for i in items) == figure["amount"], name
    smes = client.get(f"/api/v1/indicators/smes_served/records?year={YEAR}", headers=headers).json["items"]
    assert [(i["id"], i["size_class"]) for i in smes] == [(world.sme.org_id, "small")]


def test_every_export_carries_each_breakdown_of_the_dashboard_and_the_definitions(
    client, auth, session, world
):
    register_first_technology_contract(session, world)
    auth.login(world.bureau.email)
    data = client.get(f"/bureau/dashboard.json?year={YEAR}").json
    sections = {
        "月度趋势": "months",
        "按产业浏览": "industries",
        "按创新中心": "centers",
        "按区县": "districts",
    }

    rows = csv_rows(client.get(f"/indicators.csv?year={YEAR}").get_data(as_text=True))
    titles = [r[0] for i, r in enumerate(rows) if len(r) == 1 and i and rows[i - 1] == []]
    assert titles == [*sections, "按融资类型", "指标定义"]
    # The financing figure by type: one row per type (none financed in this world).
    start = rows.index(["按融资类型"]) + 2
    assert [r[0] for r in rows[start : start + 4]] == ["科技贷", "知识产权质押贷款", "股权投资", "担保"]
    assert {tuple(r[1:]) for r in rows[start : start + 4]} == {("0", "0")}
    for title, key in sections.items():
        start = rows.index([title]) + 2
        body = rows[start : rows.index([], start) if [] in rows[start:] else None]
        assert len(body) == len(data[key]) and len(data[key]) > 0, title
        # Exact yuan in a spreadsheet: the turnover column adds up to the dashboard's.
        assert sum(int(r[5]) for r in body) == sum(r["turnover"] for r in data[key]), title
    definitions = rows[rows.index(["指标定义"]) + 2 :]
    assert [r[0] for r in definitions] == list(indicators.INDICATOR_NAMES)
    assert all(r[3] for r in definitions)

    book = load_workbook(io.BytesIO(client.get(f"/indicators.xlsx?year={YEAR}").data))
    assert book.sheetnames == [str(YEAR), *sections, "按融资类型", "指标定义"]
    for title, key in sections.items():
        assert book[title].max_row == 1 + len(data[key]), title
    assert [row[0] for row in book["指标定义"].iter_rows(min_row=2, values_only=True)] == list(
        indicators.INDICATOR_NAMES
    )

    response = client.get(f"/indicators.pdf?year={YEAR}")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    extracted = pdf_text(response.data)
    for title in [*sections, "按融资类型", "指标定义", "首次发布"]:
        assert title in extracted, title
    assert "长春市汽车轻量化制造业创新中心" in extracted.replace("\n", "") and not raw_yuan(extracted)
    assert "80" in extracted  # the registered 800,000 yuan licence, in 万元


def register_first_technology_contract(session, world) -> None:
    """Registers the world's licence (800,000 yuan, signed in March) in April of YEAR."""
    contract_id = session.execute(
        text("SELECT id FROM contract WHERE kind = 'license' AND status = 'signed'")
    ).scalar_one()
    register(session, world.sme, contract_id, on=f"{YEAR}-04-20")
