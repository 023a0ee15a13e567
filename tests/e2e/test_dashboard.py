"""The bureau's dashboard on the demo data, as a person sees it at desktop and phone width: every chart drawn,
amounts in 万元 that fit their axes, centers named short enough to leave room for their bars, the funnel with
its counts, and a year without contracts saying so instead of showing empty axes."""

import pytest
from sqlmodel import Session

from app.ops.demo import DEMO_PASSWORD, load_demo
from tests.utils.serving import served_app, serving

pytestmark = pytest.mark.e2e
CHARTS = ("months", "industries", "top_centers", "funnel")


@pytest.fixture(scope="module")
def demo(tmp_path_factory, sqlite_template):
    """The demo marketplace, served; the tests only read it."""
    app = served_app(tmp_path_factory.mktemp("dashboard"), sqlite_template)
    with app.app_context(), Session(app.extensions["db_engine"]) as session:
        load_demo(session=session, ttl_days=app.config["LISTING_TTL_DAYS"])
    with serving(app) as base:
        yield base
    app.extensions["db_engine"].dispose()


def open_dashboard(browser, base: str, width: int, query: str = ""):
    context = browser.new_context(locale="zh-CN", viewport={"width": width, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{base}/auth/login")
    page.get_by_label("邮箱").fill("bureau@demo.mic-exchange.cn")
    page.get_by_label("密码").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{base}/")
    page.goto(f"{base}/bureau/dashboard{query}")
    page.wait_for_selector('#dashboard[data-ready="1"]', state="attached")
    return context, page


def option(page, chart: str) -> dict:
    return page.evaluate(f"""() => {{
        const o = echarts.getInstanceByDom(document.querySelector('[data-chart="{chart}"]')).getOption();
        return {{xAxis: o.xAxis.map(a => ({{name: a.name, data: a.data}})),
                 yAxis: o.yAxis.map(a => ({{name: a.name, data: a.data}})),
                 series: o.series.map(s => ({{type: s.type, data: s.data}}))}};
    }}""")


@pytest.mark.parametrize("width", [1280, 390])
def test_every_chart_is_drawn_readably_on_the_demo_data(demo, browser, width):
    context, page = open_dashboard(browser, demo, width)
    try:
        for chart in CHARTS:
            assert page.locator(f'[data-chart="{chart}"] canvas').count() == 1, chart
        months = option(page, "months")
        assert months["yAxis"][0]["name"] == "金额（万元）"
        # A month of 3,660,000 yuan reads 366 on the axis, not 3,660,000 cut off at the edge.
        assert 0 < max(point["value"] for point in months["series"][0]["data"]) < 10_000
        centers = option(page, "top_centers")
        names = centers["yAxis"][0]["data"]
        assert names and not any(name.startswith("长春市") or name.endswith("创新中心") for name in names)
        box = page.locator('[data-chart="top_centers"]').bounding_box()
        assert box["height"] >= 34 * len(names)  # a row per center, however many there are
        funnel = page.locator('[data-testid="funnel"]').inner_text()
        assert "提出合作意向" in funnel and "签订合同" in funnel
        assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0
    finally:
        context.close()


def test_a_year_without_contracts_says_so_instead_of_empty_axes(demo, browser):
    context, page = open_dashboard(browser, demo, 1280, "?year=2021")
    try:
        for chart in CHARTS:
            box = page.locator(f'[data-chart="{chart}"]')
            assert box.locator("canvas").count() == 0 and box.inner_text() == "本年度暂无数据。", chart
    finally:
        context.close()
