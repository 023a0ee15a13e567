"""A shared instrument from a need to the bureau's count, in a real browser, at desktop and phone width.

An SME's need asks for a fatigue test; its page recommends the center's 疲劳试验机 among the instruments that can do
the tests, and the list's "free next week" filter shows it too. The SME books two days of it next week; the owning
center approves from its queue; the booking links its technical-service contract; once the slot has passed the
center records the usage and uploads the test report, which the SME downloads; the bureau's dashboard counts the 48
hours under that center. No page of the walk scrolls sideways at 390 px.
"""

import re
from datetime import timedelta

import pytest
from sqlalchemy import update
from sqlmodel import Session, select

from app.instruments.services.instruments import next_week
from app.market.services import indexes, listings
from models import Booking, Contract
from tests.e2e.test_contract_path import download, fits
from tests.e2e.test_deals import flash, logged_in_page
from tests.instruments.helpers import instrument_data
from tests.utils.factories import create_need, create_role_user, create_user, in_app, verify_org
from tests.utils.serving import served_app, serving
from tests.utils.ui_deals import create_center

pytestmark = pytest.mark.e2e

MACHINE = "电液伺服疲劳试验机"
CENTER = "长春轨道交通装备检测创新中心"
REPORT = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def world(tmp_path, sqlite_template):
    app = served_app(tmp_path / "instruments", sqlite_template)
    with Session(app.extensions["db_engine"], expire_on_commit=False, info={"app": app}) as session:
        sme = create_user(session, "enterprise", name="长春恒达汽车零部件有限公司", size_class="small")
        lab = create_user(session, "university", name="长春工业技术大学", industries=["rail_transit"])
        for user in (sme, lab):
            verify_org(session, user)
        center = create_center(
            session, lab, name=CENTER, industry="rail_transit", domain="转向架与零部件疲劳"
        )
        bureau = create_role_user(session, "bureau")
        with in_app(session):
            # A fatigue test runs day and night: open around the clock on weekdays, up to three days a slot.
            machine = listings.create_listing(
                session=session,
                kind="instrument",
                user=lab,
                publish=True,
                data=instrument_data(
                    title=MACHINE,
                    center_id=center.id,
                    opening_hours=[[day, "00:00", "24:00"] for day in range(5)],
                ),
            )
            listings.create_listing(
                session=session,
                kind="instrument",
                user=lab,
                publish=True,
                data=instrument_data(
                    title="激光共聚焦显微镜",
                    category="analysis",
                    standards=["GB/T 33523"],
                    description="材料表面三维形貌与粗糙度测量，分辨率 10 nm。",
                    center_id=center.id,
                ),
            )
        need = create_need(
            session,
            sme,
            title="轮毂轴承单元疲劳寿命试验",
            description="需要对轮毂轴承单元按 GB/T 3075 进行轴向疲劳试验，载荷 100 kN，连续约两天。",
        )
        with in_app(session):
            indexes.rebuild(app)
    with serving(app) as base:
        yield {
            "app": app,
            "base": base,
            "need": need.id,
            "machine": machine.id,
            "emails": {"sme": sme.email, "lab": lab.email, "bureau": bureau.email},
        }
    app.extensions["db_engine"].dispose()


@pytest.mark.parametrize("width", [1280, 390])
def test_an_sme_books_a_fatigue_tester_from_its_need_and_the_bureau_counts_the_hours(world, browser, width):
    base, engine = world["base"], world["app"].extensions["db_engine"]
    sme = logged_in_page(browser, base, world["emails"]["sme"], width=width)
    lab = logged_in_page(browser, base, world["emails"]["lab"], width=width)

    # The need's page recommends the machine among the instruments that can do the tests, with a reason.
    sme.goto(f"{base}/needs/{world['need']}")
    fits(sme)
    group = sme.locator(".rec-group", has=sme.get_by_role("heading", name="可承担检测的共享仪器"))
    rec = group.locator(".rec-item", has_text=MACHINE)
    assert rec.locator(".rec-reasons li").count() >= 1
    # The list's "free next week" filter, linked from the group, shows it too.
    group.get_by_role("link", name="下周有空档的仪器").click()
    sme.wait_for_url(re.compile(r"/instruments\?.*free=next_week"))
    assert MACHINE in sme.locator("main").inner_text()
    fits(sme)
    sme.go_back()
    rec.get_by_role("link", name="查看空档并预约").click()
    sme.wait_for_url(re.compile(rf"/instruments/{world['machine']}#calendar$"))
    fits(sme)

    # Two days next week, Tuesday 09:00 to Thursday 09:00: free in the calendar, then requested.
    monday, _sunday = next_week()
    tuesday, thursday = monday + timedelta(days=1), monday + timedelta(days=3)
    sme.goto(f"{base}/instruments/{world['machine']}?from={monday.isoformat()}#calendar")
    assert "00:00–24:00" in sme.locator(f'tr[data-day="{tuesday.isoformat()}"] .free').inner_text()
    form = sme.locator("#booking")
    form.get_by_label("日期", exact=True).fill(tuesday.isoformat())
    form.locator("#start").fill("09:00")
    form.locator("#end_day").fill(thursday.isoformat())
    form.locator("#end").fill("09:00")
    form.get_by_label("工作内容或检测项目").fill("轮毂轴承单元轴向疲劳试验，GB/T 3075，2 件，载荷 100 kN。")
    form.locator("#samples").fill("2")
    form.get_by_role("button", name="提交预约").click()
    sme.wait_for_url(re.compile(r"/bookings/\d+$"))
    booking_url = sme.url
    assert "等待仪器所属单位审批" in flash(sme)
    assert sme.locator("#booking-status").inner_text() == "待审批"
    fits(sme)

    # The center approves from its queue; the booking now links its technical-service contract.
    lab.goto(f"{base}/bookings/queue")
    fits(lab)
    lab.locator(f'a[href="{booking_url.removeprefix(base)}"]').first.click()
    lab.wait_for_url(booking_url)
    lab.get_by_role("button", name="批准").click()
    lab.wait_for_url(booking_url)
    assert lab.locator("#booking-status").inner_text() == "已确认"
    sme.reload()
    sme.locator("#booking-contract").click()
    sme.wait_for_url(re.compile(r"/contracts/\d+$"))
    assert "技术服务" in sme.locator("main").inner_text() and MACHINE in sme.locator("main").inner_text()
    fits(sme)

    # The two days pass (moved into the past here); the center records the usage and uploads the report.
    with Session(engine) as session:
        booking = session.exec(select(Booking)).one()
        contract = session.get(Contract, booking.contract_id)
        assert contract is not None and contract.kind == "technical_service"
        assert (contract.party_a_org_id, contract.party_b_org_id) == (booking.org_id, contract.party_b_org_id)
        shift = booking.ends_at - booking.starts_at + timedelta(days=7)
        session.execute(
            update(Booking)
            .where(Booking.id == booking.id)
            .values(starts_at=booking.starts_at - shift, ends_at=booking.ends_at - shift)
        )
        session.commit()
        year = (booking.starts_at - shift + timedelta(hours=8)).year
    lab.reload()
    assert lab.locator("#used-hours").input_value() == "48.0"
    lab.get_by_role("button", name="登记使用并完成").click()
    lab.wait_for_url(booking_url)
    assert lab.locator("#booking-status").inner_text() == "已完成"
    lab.locator("#report-file").set_input_files(
        {"name": "疲劳试验报告.pdf", "mimeType": "application/pdf", "buffer": REPORT}
    )
    lab.get_by_role("button", name="上传").click()
    lab.wait_for_url(booking_url)
    assert "报告已保存" in flash(lab)
    fits(lab)
    sme.goto(booking_url)
    assert "48.0" in sme.locator("main").inner_text()
    report = sme.locator("#booking-report")
    assert report.inner_text() == "疲劳试验报告.pdf"
    assert download(sme, base + report.get_attribute("href")) == REPORT

    # The bureau's dashboard counts the 48 hours under the center.
    bureau = logged_in_page(browser, base, world["emails"]["bureau"], width=width)
    bureau.goto(f"{base}/bureau/dashboard?year={year}")
    row = bureau.locator('[data-testid="instrument-centers"] tr', has_text=CENTER)
    assert "48.0" in row.inner_text()
    assert MACHINE in bureau.locator('[data-testid="instrument-utilisation"]').inner_text()
    fits(bureau)
    for page in (sme, lab, bureau):
        page.context.close()
