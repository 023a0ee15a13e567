"""The indicators: each one computed here straight from the tables with SQL, and the API, the dashboard data,
the CSV, the XLSX, the evaluation PDF and the evaluation page all agree with it, on SQLite and PostgreSQL."""

import csv
import io
import re

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import text

from app.oversight.services import indicators
from tests.conftest import BACKENDS
from tests.utils.factories import PASSWORD, create_need
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
SQL = {
    "commissioned_rd_contracts": f"SELECT COUNT(*), COALESCE(SUM(c.amount), 0) {CONTRACTS} "
    "AND c.kind = 'commissioned_development'",
    "technology_market_turnover": f"SELECT COUNT(*), COALESCE(SUM(c.technology_amount), 0) {CONTRACTS}",
    "services_contracted": f"SELECT COUNT(*), COALESCE(SUM(c.amount), 0) {CONTRACTS} "
    "AND c.kind IN ('technical_service', 'technical_consulting')",
    "incubated_enterprises": f"SELECT COUNT(*) FROM incubation r {CENTER_RECORD} "
    "AND r.confirmed_at IS NOT NULL AND r.started_on BETWEEN :first AND :last",
    "achievements_published": "SELECT COUNT(*) FROM achievement a WHERE a.status = 'published' "
    "AND a.published_at >= :start AND a.published_at < :end "
    "AND (:center IS NULL OR a.center_id = :center) "
    "AND (:industry IS NULL OR a.industry = :industry)",
    "achievements_transferred": f"""SELECT COUNT(DISTINCT a.id) FROM achievement a WHERE EXISTS (SELECT 1 {CONTRACTS}
                                 AND c.kind IN ('transfer', 'license') AND ((i.target_type = 'achievement'
                                 AND i.target_id = a.id) OR (i.via_type = 'achievement' AND i.via_id = a.id)))""",
    "trainings": f"SELECT COUNT(*), COALESCE(SUM(r.people), 0) FROM center_training r {CENTER_RECORD} "
    "AND r.held_on BETWEEN :first AND :last",
    "international_projects": f"SELECT COUNT(*) FROM center_cooperation r {CENTER_RECORD} "
    "AND r.started_on <= :last AND (r.ended_on IS NULL OR r.ended_on >= :first)",
}
MEASURES = {"trainings": ("count", "people")}


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


@pytest.fixture
def world(session):
    w = make_world(session)
    add_activity(session, w)
    return w


def pdf_text(data: bytes) -> str:
    # pypdf reads the embedded CFF font's character map as two-byte codes, so it yields a NUL before each one.
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages).replace("\x00", "")


def csv_figures(body: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))[2:]


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
    assert body == {"year": YEAR, "center_id": center_id, "industry": industry, "indicators": expected}

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
    assert city["technology_market_turnover"] == {"count": 3, "amount": 2_050_000}
    assert mine["technology_market_turnover"] == {"count": 2, "amount": 1_800_000}
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
    assert (
        sum(m["technology_amount"] for m in data["months"])
        == expected["technology_market_turnover"]["amount"]
    )
    assert [m["count"] for m in data["months"]][2:5] == [1, 0, 2]  # March, April, May
    top = data["top_centers"][0]
    assert (top["center_id"], top["amount"]) == (world.center_id, 2_000_000)
    assert [s["count"] for s in data["funnel"]] == [3, 3, 3, 3]
    assert {d["district"] for d in data["districts"]} == {"朝阳区", "长春新区", "南关区", "绿园区"}
    page = client.get(f"/bureau/dashboard?year={YEAR}").get_data(as_text=True)
    assert "echarts.min.js" in page and "<script>" not in page and "2,050,000" in page

    evaluation = open_evaluation(session, world)
    mine = from_sql(session, year=YEAR, center_id=world.center_id)
    response = client.get(f"/evaluations/{evaluation.id}/report.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    extracted = pdf_text(response.data)
    assert "年度评估" in extracted and "长春市汽车轻量化制造业创新中心" in extracted
    # Chinese labels take the full-width colon: 等级：…, never 等级: …
    assert "等级：" in extracted and "等级:" not in extracted
    numbers = [int(n) for n in re.findall(r"\d+", extracted.split("年度指标", 1)[1].split("运行发展报告")[0])]
    assert numbers == [v for f in mine.values() for v in f.values()]
    html = client.get(f"/evaluations/{evaluation.id}").get_data(as_text=True)
    assert "1800000" in html.replace(",", "")


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
        after["technology_market_turnover"]["amount"]
        == before["technology_market_turnover"]["amount"] + 500_000
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
    assert page.status_code == 200 and "1,800,000" in page.get_data(as_text=True)
    assert client.get(f"/indicators?year={YEAR}&center_id={world.other_center_id}").status_code == 403
    assert client.get("/bureau/dashboard").status_code == 403


def test_without_the_font_the_pdf_export_says_so(app, client, auth, world, tmp_path):
    app.config["PDF_FONT_PATH"] = str(tmp_path / "missing.otf")
    auth.login(world.bureau.email)
    response = client.get("/bureau/centers.pdf")
    assert response.status_code == 503 and "中文字体" in response.get_data(as_text=True)
    assert client.get(f"/indicators.csv?year={YEAR}").status_code == 200  # the other exports still work
