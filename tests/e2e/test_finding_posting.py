"""Finding and posting in a real browser, on the demo marketplace: one search everywhere, synonyms on both
search backends, the district select, every sort order, the phone-width search box, refused input, closing
with a reason and reopening, and registering from a listing page."""

import os
import re
import uuid

import pytest
from sqlmodel import Session, select

from app.market.services import indexes, listings
from app.ops.demo import DEMO_PASSWORD, demo_email, load_demo
from app.platform.taxonomy import use_taxonomy_vocabulary
from matching.text import set_user_dictionary
from models import Need, User
from tests.conftest import require_service
from tests.utils.factories import random_credit_code
from tests.utils.images import png
from tests.utils.serving import served_app, serving

pytestmark = pytest.mark.e2e

TWO_WORDS = "电池 热管理"
# The app behind each live server, by search backend.
LIVE_APPS = {}


def demo_app(root, template, search: dict):
    """The app on a migrated database holding the demo data, indexed."""
    app = served_app(root, template, INDEX_WORKER_IN_PROCESS=True, **search)
    with app.app_context(), Session(app.extensions["db_engine"]) as session:
        load_demo(session=session, ttl_days=app.config["LISTING_TTL_DAYS"])
        indexes.rebuild(app)
    return app


@pytest.fixture(scope="module")
def live(request, tmp_path_factory, sqlite_template):
    """The demo marketplace on the embedded FTS5 index, or (parametrized) on a real Meilisearch server."""
    backend = getattr(request, "param", "fts5")
    if backend == "fts5":
        search = {"SEARCH_BACKEND": "fts5"}
    else:
        search = {
            "SEARCH_BACKEND": "meilisearch",
            "MEILI_URL": require_service("MEILI_URL", "Meilisearch"),
            "MEILI_KEY": os.environ.get("MEILI_KEY", ""),
            "MEILI_INDEX_PREFIX": f"e2e_{uuid.uuid4().hex[:8]}_",
        }
    app = demo_app(tmp_path_factory.mktemp(f"live-{backend}"), sqlite_template, search)
    LIVE_APPS[backend] = app
    with serving(app) as base:
        yield base
    app.extensions["index_worker_stop"].set()
    backend = app.extensions.get("search_backend")
    if backend is not None and hasattr(backend, "drop_index"):
        backend.drop_index()
    app.extensions["db_engine"].dispose()
    set_user_dictionary()


@pytest.fixture(autouse=True)
def _taxonomy_vocabulary(live):
    """The suite resets the text analysis before each test; the server here needs its taxonomy's words."""
    for app in LIVE_APPS.values():
        use_taxonomy_vocabulary(app)


on_both_backends = pytest.mark.parametrize("live", ["fts5", "meilisearch"], indirect=True)


def card_titles(page) -> list[str]:
    return [t.strip() for t in page.locator(".listing-card .card-title").all_inner_texts()]


def hit_titles(page) -> list[str]:
    return [t.strip() for t in page.locator(".hit .card-title").all_inner_texts()]


def log_in(page, base: str, email: str, password: str = DEMO_PASSWORD) -> None:
    page.goto(f"{base}/auth/login")
    page.get_by_label("邮箱").fill(email)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{base}/")


@on_both_backends
def test_list_keyword_and_site_search_give_the_same_hits(live, page):
    page.goto(f"{live}/needs")
    page.locator("#f-q").fill(TWO_WORDS)
    page.get_by_role("button", name="筛选").click()
    page.wait_for_url(re.compile(r"q="))
    listed = card_titles(page)
    assert listed and page.locator(".listing-card mark").count() > 0
    page.locator("#site-search").fill(TWO_WORDS)
    page.locator("#site-search").press("Enter")
    page.wait_for_url(re.compile(r"/search\?q="))
    page.locator(".facets a", has_text="技术需求").click()
    page.wait_for_url(re.compile(r"type=need"))
    assert hit_titles(page) == listed


@on_both_backends
def test_a_synonym_query_finds_the_listings_of_its_synonyms(live, page):
    page.goto(f"{live}/search?q=新能源汽车")
    titles = hit_titles(page)
    narrower = [
        t for t in titles if "新能源汽车" not in t and re.search(r"电驱|800V|电机控制器|电池包|动力电池", t)
    ]
    assert len(narrower) >= 3, titles
    page.goto(f"{live}/search?q=电动汽车")  # another spelling of the same word
    assert set(narrower) <= set(hit_titles(page))


def test_a_district_select_filters(live, page):
    page.goto(f"{live}/needs")
    page.locator("#f-region").select_option(label="九台区")
    page.get_by_role("button", name="筛选").click()
    page.wait_for_url(re.compile(r"region=220113"))
    cards = page.locator(".listing-card")
    assert cards.count() >= 3
    regions = [
        t.strip()
        for t in page.locator(".listing-card .card-meta div:has(dt:text-is('所在地区')) dd").all_inner_texts()
    ]
    assert regions == ["九台区"] * cards.count()
    assert "共" in page.locator(".page-head").inner_text()


def numbers(text: str) -> list[float]:
    return [float(n.replace(",", "")) for n in re.findall(r"\d[\d,]*(?:\.\d+)?", text)]


def card_fact(page, label: str) -> list[str | None]:
    facts = []
    for card in page.locator(".listing-card").all():
        fact = card.locator(f".card-meta div:has(dt:text-is('{label}')) dd")
        facts.append(fact.inner_text().strip() if fact.count() else None)
    return facts


def test_each_sort_order(live, page):
    page.goto(f"{live}/needs")
    options = page.locator("#sort option").all_inner_texts()
    assert options == ["最新发布", "截止日期最近", "预算或价格从高到低", "技术就绪度从高到低"]

    page.locator("#sort").select_option(label="截止日期最近")
    page.wait_for_url(re.compile(r"sort=deadline"))
    deadlines = [d for d in card_fact(page, "截止日期") if d]
    assert deadlines and deadlines == sorted(deadlines)

    page.locator("#sort").select_option(label="预算或价格从高到低")
    page.wait_for_url(re.compile(r"sort=price"))
    budgets = [max(numbers(b)) for b in card_fact(page, "预算") if b and numbers(b)]
    assert budgets and budgets == sorted(budgets, reverse=True)

    page.locator("#sort").select_option(label="技术就绪度从高到低")
    page.wait_for_url(re.compile(r"sort=trl"))
    trls = [int(t) for t in card_fact(page, "TRL") if t]
    assert trls and trls == sorted(trls, reverse=True)

    page.locator("#sort").select_option(label="最新发布")
    page.wait_for_url(re.compile(r"sort=newest"))
    assert page.locator(".listing-card").count() == 20

    page.goto(f"{live}/achievements?sort=price")
    prices = card_fact(page, "价格")
    assert prices[0] != "面议" and "免费" not in prices[:1]


def test_a_phone_width_search_from_the_home_page(live, browser):
    context = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844})
    page = context.new_page()
    try:
        page.goto(live)
        assert not page.locator("#site-search").is_visible()  # the header's box is behind the menu
        box = page.locator("#phone-search")
        assert box.is_visible() and box.bounding_box()["y"] < 300
        box.fill("激光焊接")
        box.press("Enter")
        page.wait_for_url(re.compile(r"/search\?q="))
        assert hit_titles(page) and page.locator(".hit mark").count() > 0
        page.goto(f"{live}/needs")
        assert page.locator("#phone-search").is_visible()
    finally:
        context.close()


def test_posting_an_achievement_without_ip_status_is_refused_and_saves_nothing(live, page):
    log_in(page, live, demo_email("cc_univ_industrial_tech"))
    page.goto(f"{live}/my?kind=achievement")
    before = page.locator(".tabs").inner_text()
    page.goto(f"{live}/achievements/new")
    assert page.get_by_label("知识产权状态").input_value() == ""
    page.get_by_label("标题").fill("未选择知识产权状态的成果")
    page.get_by_label("内容简介").fill("用于检查必填项。")
    page.get_by_label("成果类型").select_option("process")
    page.get_by_role("button", name="保存并发布").evaluate("b => b.form.noValidate = true")
    page.get_by_role("button", name="保存并发布").click()
    page.wait_for_load_state()
    assert "此项为必填项" in page.locator(".field-invalid").inner_text()
    page.goto(f"{live}/my?kind=achievement")
    assert page.locator(".tabs").inner_text() == before
    assert "未选择知识产权状态的成果" not in page.content()


def test_closing_asks_a_reason_and_reopening_makes_a_draft(live, page):
    log_in(page, live, demo_email("huachi_auto_parts"))
    page.goto(f"{live}/my?kind=need")
    page.locator(".my-table tbody a").first.click()
    page.wait_for_url(re.compile(r"/needs/\d+$"))
    page.get_by_label("已通过其他途径解决").check()
    page.locator("#close").get_by_role("button", name="关闭").click()
    page.wait_for_load_state()
    assert page.locator("section[aria-labelledby='owner-title'] .badge-closed").is_visible()
    assert (
        "关闭原因：已通过其他途径解决" in page.locator("section[aria-labelledby='owner-title']").inner_text()
    )
    page.get_by_role("button", name="重新打开为草稿").click()
    page.wait_for_load_state()
    assert "已重新打开为草稿" in page.locator(".flashes").inner_text()
    assert page.locator("section[aria-labelledby='owner-title'] .badge-draft").is_visible()


def test_closing_as_solved_here_links_the_contract(live, page):
    with Session(LIVE_APPS["fts5"].extensions["db_engine"]) as session:
        need, contract = next(
            (need, found[0])
            for need in session.exec(select(Need).where(Need.status == "published").order_by(Need.id)).all()
            if len(found := listings.solving_contracts(session=session, kind="need", listing_id=need.id)) == 1
        )
        owner = session.exec(select(User).where(User.org_id == need.org_id).order_by(User.id)).first().email
    log_in(page, live, owner)
    page.goto(f"{live}/needs/{need.id}")
    assert page.get_by_label("如在本平台解决，是通过哪份合同？").input_value() == str(contract.id)
    page.locator("#close").get_by_label("已在本平台解决").check()
    page.locator("#close").get_by_role("button", name="关闭").click()
    page.wait_for_load_state()
    notice = page.locator("#solved-here")
    assert "已通过本平台合同解决" in notice.inner_text()
    notice.get_by_role("link", name=contract.title).click()
    page.wait_for_url(f"{live}/contracts/{contract.id}")
    assert contract.title in page.locator("h1").inner_text()


def test_registering_from_a_listing_page_returns_there(live, page):
    page.goto(f"{live}/achievements")
    page.locator(".listing-card .card-title a").first.click()
    page.wait_for_url(re.compile(r"/achievements/\d+$"))
    listing_url = page.url
    page.locator(".account").get_by_role("link", name="注册").click()
    page.get_by_label("单位类型").select_option("enterprise")
    page.get_by_label("统一社会信用代码").fill(random_credit_code())
    page.get_by_label("单位名称").fill("长春示范回访科技有限公司")
    page.get_by_label("所在地区").select_option(label="长春净月高新技术产业开发区")
    page.get_by_label("您的姓名").fill("王工")
    page.get_by_label("邮箱").fill(f"back-{uuid.uuid4().hex[:6]}@example.cn")
    page.get_by_label("密码", exact=True).fill("return-pass-1")
    page.get_by_label("确认密码").fill("return-pass-2")
    page.get_by_role("button", name="注册").click()
    page.wait_for_load_state()
    # Every mistake at once, in plain words: the passwords, and the consent not given.
    errors = page.locator(".field-error").all_inner_texts()
    assert "两次输入的密码不一致。" in errors and "请阅读并同意隐私声明和用户协议。" in errors
    page.get_by_label("密码", exact=True).fill("return-pass-1")
    page.get_by_label("确认密码").fill("return-pass-1")
    page.locator("#consent").check()
    page.get_by_role("button", name="注册").click()
    page.wait_for_url(listing_url)
    assert "欢迎" in page.locator(".flashes").inner_text()


PNG = png(1600, 1200)
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 64


def test_uploading_an_image_and_a_pdf_and_a_refused_exe(live, page):
    log_in(page, live, demo_email("cc_univ_industrial_tech"))
    page.goto(f"{live}/my?kind=achievement")
    page.locator(".my-table tbody a").first.click()
    page.wait_for_url(re.compile(r"/achievements/\d+$"))
    detail = page.url
    for name, mime, data in (("样件照片.png", "image/png", PNG), ("产品手册.pdf", "application/pdf", PDF)):
        page.locator("#attachment-file").set_input_files({"name": name, "mimeType": mime, "buffer": data})
        page.get_by_role("button", name="上传").click()
        page.wait_for_load_state()
        assert "文件已上传" in page.locator(".flashes").inner_text()
    page.locator("#attachment-file").set_input_files(
        {"name": "手册.pdf", "mimeType": "application/pdf", "buffer": EXE}
    )
    page.get_by_role("button", name="上传").click()
    page.wait_for_load_state()
    assert "只能附加图片（PNG、JPEG）和 PDF 文档" in page.locator(".flashes").inner_text()
    files = page.locator("#attachments .attachment")
    assert files.count() == 2 and "手册.pdf" not in page.locator("#attachments").inner_text().replace(
        "产品手册.pdf", ""
    )
    image = page.locator("#attachments img")
    # The page shows the thumbnail made at upload (480 px wide), not the 1600 px original.
    assert "/thumbnail" in image.get_attribute("src")
    assert image.evaluate("img => img.complete && img.naturalWidth") == 480
    title = page.locator("h1").first.inner_text()
    page.goto(f"{live}/achievements?q={title}")
    card = page.locator(".listing-card", has=page.locator(f'a[href="{detail.removeprefix(live)}"]'))
    assert card.locator("img.card-picture").evaluate("img => img.complete && img.naturalWidth") == 480
    page.goto(detail)
    with page.expect_download() as download:
        page.get_by_role("link", name="产品手册.pdf").click()
    assert download.value.suggested_filename == "产品手册.pdf"
    page.locator(".account").get_by_role("button", name="退出").click()
    page.goto(detail)
    assert page.locator("#attachments .attachment").count() == 2  # visitors see a public listing's files
