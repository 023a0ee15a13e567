"""Deal pages in the browser: interest form and inbox, reply, NDA, conversation with attachments, contracts,
incubations, notifications and saved searches; who may see what, CSRF, and concurrent submissions."""

import io
import re
import threading

import pytest
from sqlmodel import func, select

from app.accounts.services import accounts
from app.deals.services import incubations
from app.market.services import indexes
from models import (
    AuditEvent,
    Contract,
    Incubation,
    Interest,
    Message,
    Notification,
    Organization,
    RecommendationFeedback,
    Role,
    SavedSearch,
)
from tests.conftest import BACKENDS
from tests.utils.factories import PASSWORD, create_achievement, create_need, create_user, in_app, verify_org
from tests.utils.ui_deals import accept, create_center, create_contract, express
from tests.utils.web import csrf_token, sign_on_page

pytestmark = pytest.mark.parametrize("backend", BACKENDS, indirect=True)

SECRET = "保密参数：焊接速度4m/min，目标气孔率低于0.5%。"
PHONE = "0431-85550123"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def _uploads(app, tmp_path):
    app.config["UPLOAD_DIR"] = str(tmp_path / "uploads")


@pytest.fixture
def market(session):
    """An enterprise with a confidential need, a university running a center with an achievement, a third firm."""
    firm = create_user(session, "enterprise", contact_name="李经理", contact_phone=PHONE)
    lab = create_user(
        session,
        "university",
        contact_name="王教授",
        contact_phone="0431-85559999",
        industries=["new_materials"],
    )
    other = create_user(session, "enterprise")
    for user in (firm, lab, other):
        verify_org(session, user)  # only verified organizations may sign contracts
    center = create_center(session, lab)
    need = create_need(session, firm, confidential=True, details=SECRET)
    achievement = create_achievement(session, lab, center_id=center.id)
    return {
        "firm": firm,
        "lab": lab,
        "other": other,
        "center": center,
        "need": need,
        "achievement": achievement,
    }


@pytest.fixture
def bureau(session):
    with in_app(session):
        return accounts.create_user(
            session=session, email="bureau@example.cn", password=PASSWORD, name="市工信局", role=Role.bureau
        )


def post(client, path: str, data: dict | None = None, **kwargs):
    return client.post(path, data={**(data or {}), "csrf_token": csrf_token(client, "/")}, **kwargs)


def count(session, table, *where) -> int:
    session.expire_all()
    return session.exec(select(func.count()).select_from(table).where(*where)).one()


def text(response) -> str:
    return response.get_data(as_text=True)


@pytest.fixture
def accepted(session, market):
    """The university's interest in the enterprise's confidential need, sent on behalf of its achievement, accepted."""
    interest = express(
        session,
        market["lab"],
        "need",
        market["need"].id,
        via_type="achievement",
        via_id=market["achievement"].id,
    )
    accept(session, market["firm"], interest.id)
    return interest


# --- expressing interest ---------------------------------------------------------------------------------------


def test_interest_form_sends_an_interest_that_both_inboxes_show(client, auth, session, market):
    need = market["need"]
    path = f"/interests/new?target_type=need&target_id={need.id}&via_type=achievement&via_id={market['achievement'].id}"
    assert client.get(path).status_code == 302  # a visitor goes to the login page first
    auth.login(market["lab"].email)
    form = text(client.get(path))
    assert need.title in form and "联系合作" in form
    assert re.search(rf'<option selected value="achievement:{market["achievement"].id}"', form)  # preselected
    response = post(
        client,
        path,
        {"message": "我校可承担焊接工艺开发。", "via": f"achievement:{market['achievement'].id}"},
    )
    assert response.status_code == 302 and re.search(r"/interests/\d+$", response.location)
    page = text(client.get(response.location))
    assert "我校可承担焊接工艺开发。" in page and "等待回复" in page
    assert need.title in text(client.get("/interests?box=out"))
    auth.logout()
    auth.login(market["firm"].email)
    inbox = text(client.get("/interests"))
    assert need.title in inbox and "测试单位" in inbox
    assert 'class="bell-count" data-unread="1"' in text(client.get("/"))


def test_interest_form_keeps_the_message_when_refused(client, auth, session, market):
    express(session, market["lab"], "need", market["need"].id)
    auth.login(market["lab"].email)
    path = f"/interests/new?target_type=need&target_id={market['need'].id}"
    response = post(client, path, {"message": "第二次表达意向的留言"})
    assert response.status_code == 409
    assert "第二次表达意向的留言" in text(response) and 'role="alert"' in text(response)
    empty = post(client, path, {"message": "  "})
    assert empty.status_code == 422
    assert count(session, Interest) == 1


def test_interest_in_own_listing_or_hidden_target_is_refused(client, auth, session, market):
    auth.login(market["firm"].email)
    own = client.get(f"/interests/new?target_type=need&target_id={market['need'].id}")
    assert "这是贵单位自己的发布" in text(own) and "<textarea" not in text(own)
    draft = create_need(session, market["other"], publish=False)
    assert client.get(f"/interests/new?target_type=need&target_id={draft.id}").status_code == 404
    assert client.get("/interests/new?target_type=spaceship&target_id=1").status_code == 404
    assert client.get("/interests/new?target_type=need&target_id=abc").status_code == 404


def test_interest_form_needs_csrf(client, auth, session, market):
    auth.login(market["lab"].email)
    response = client.post(
        f"/interests/new?target_type=need&target_id={market['need'].id}", data={"message": "没有令牌"}
    )
    assert response.status_code == 400 and count(session, Interest) == 0


def test_listing_and_recommendation_pages_offer_the_interest_action(client, auth, session, market):
    achievement = market["achievement"]
    html = text(client.get(f"/achievements/{achievement.id}"))
    assert f"/interests/new?target_type=achievement&amp;target_id={achievement.id}" in html
    auth.login(market["lab"].email)
    own = text(client.get(f"/achievements/{achievement.id}"))
    assert "/interests/new?target_type=achievement" not in own and "收到的合作意向" in own
    auth.logout()
    interest = express(session, market["firm"], "achievement", achievement.id)
    auth.login(market["firm"].email)
    page = text(client.get(f"/achievements/{achievement.id}"))
    assert "我方合作意向：等待回复" in page and f'href="/interests/{interest.id}"' in page
    assert "/interests/new?target_type=achievement" not in page  # no second interest offered


def test_recommendations_offer_interest_except_in_our_own(app, client, auth, session, market):
    with in_app(session):
        indexes.rebuild(app)
    need, achievement = market["need"], market["achievement"]
    link = f"/interests/new?target_type=achievement&amp;target_id={achievement.id}"
    auth.login(market["firm"].email)
    html = text(client.get(f"/needs/{need.id}"))
    assert f"{link}&amp;via_type=need&amp;via_id={need.id}" in html  # the owner's need goes along as "via"
    auth.logout()
    auth.login(market["lab"].email)
    html = text(client.get(f"/needs/{need.id}"))
    # The lab's own achievement is never recommended to the lab, so it is never offered interest in itself.
    assert achievement.title not in html.split('id="recommendations"', 1)[1] and link not in html


# --- replying -------------------------------------------------------------------------------------------------------


def test_accept_shares_contacts_and_notifies_the_sender(client, auth, session, market):
    interest = express(session, market["lab"], "need", market["need"].id)
    auth.login(market["firm"].email)
    page = text(client.get(f"/interests/{interest.id}"))
    assert "0431-85559999" not in page and "接受" in page
    response = post(client, f"/interests/{interest.id}/accept")
    assert response.status_code == 302
    page = text(client.get(f"/interests/{interest.id}"))
    assert "0431-85559999" in page and "王教授" in page and market["lab"].email in page
    auth.logout()
    auth.login(market["lab"].email)
    assert PHONE in text(client.get(f"/interests/{interest.id}"))
    notices = text(client.get("/notifications"))
    assert market["need"].title in notices and "notice-unread" in notices


def test_decline_records_the_reason_and_a_feedback_row(client, auth, session, market):
    interest = express(
        session,
        market["lab"],
        "need",
        market["need"].id,
        via_type="achievement",
        via_id=market["achievement"].id,
    )
    auth.login(market["firm"].email)
    response = post(client, f"/interests/{interest.id}/decline", {"reason": "price", "note": "预算不足"})
    assert response.status_code == 302
    page = text(client.get(f"/interests/{interest.id}"))
    assert "价格不合适" in page and "预算不足" in page
    assert count(session, RecommendationFeedback, RecommendationFeedback.label == "dismissed") == 1
    again = post(client, f"/interests/{interest.id}/accept")
    assert again.status_code == 409 and "已婉拒" in text(again)  # the page says why, and nothing changed
    session.expire_all()
    assert session.get(Interest, interest.id).status == "declined"


def test_the_sender_may_withdraw_a_pending_interest_and_send_a_new_one(client, auth, session, market):
    interest = express(session, market["lab"], "need", market["need"].id)
    auth.login(market["lab"].email)
    assert "撤回" in text(client.get(f"/interests/{interest.id}"))
    assert post(client, f"/interests/{interest.id}/withdraw").status_code == 302
    assert "已撤回" in text(client.get(f"/interests/{interest.id}"))
    again = post(
        client, f"/interests/new?target_type=need&target_id={market['need'].id}", {"message": "重新联系"}
    )
    assert again.status_code == 302 and count(session, Interest) == 2
    auth.logout()
    auth.login(market["firm"].email)
    assert (
        post(client, f"/interests/{interest.id}/withdraw").status_code == 403
    )  # not the receiver's to take back


def test_only_the_receiver_may_reply(client, auth, session, market):
    interest = express(session, market["lab"], "need", market["need"].id)
    auth.login(market["lab"].email)
    assert "decline" not in text(client.get(f"/interests/{interest.id}"))
    assert post(client, f"/interests/{interest.id}/accept").status_code == 403
    session.expire_all()
    assert session.get(Interest, interest.id).status == "pending"


# --- NDA and confidential details -----------------------------------------------------------------------------------


def test_nda_click_through_then_details_and_the_view_log(client, auth, session, market, accepted):
    need = market["need"]
    auth.login(market["lab"].email)
    page = text(client.get(f"/interests/{accepted.id}"))
    assert "保密协议" in page and "接收方仅为评估" in page
    assert SECRET not in text(client.get(f"/needs/{need.id}"))
    unticked = post(client, f"/interests/{accepted.id}/nda")
    # The service refuses an unticked box, with the same words the API answers.
    assert unticked.status_code == 422 and "请先同意并接受保密协议" in text(unticked)
    assert (
        post(
            client, f"/interests/{accepted.id}/nda", {"agree": "y", "version": "platform-2026-1"}
        ).status_code
        == 302
    )
    assert "已于" in text(client.get(f"/interests/{accepted.id}"))
    assert SECRET in text(client.get(f"/needs/{need.id}"))
    auth.logout()

    auth.login(market["firm"].email)
    views = text(client.get(f"/needs/{need.id}/views"))
    assert market["lab"].name in views and org_in(views, session, market["lab"])
    auth.logout()
    auth.login(market["other"].email)
    assert client.get(f"/needs/{need.id}/views").status_code == 404


def org_in(html: str, session, user) -> bool:
    from models import Organization

    return session.get(Organization, user.org_id).name in html


def test_owner_writes_its_own_nda_version(client, auth, session, market, accepted):
    auth.login(market["firm"].email)
    path = f"/needs/{market['need'].id}/nda"
    assert "平台标准" in text(client.get(path))
    assert post(client, path, {"body": "本单位保密协议：保密期五年。"}).status_code == 302
    auth.logout()
    auth.login(market["lab"].email)
    assert "本单位保密协议：保密期五年。" in text(client.get(f"/interests/{accepted.id}"))
    assert client.get(path).status_code == 404


# --- conversation -------------------------------------------------------------------------------------------------


def test_conversation_with_an_attachment_only_for_the_two_parties(
    client, auth, session, market, accepted, bureau
):
    auth.login(market["lab"].email)
    response = post(
        client,
        f"/interests/{accepted.id}/messages",
        {"body": "附上工艺方案。", "file": (io.BytesIO(PDF), "方案.pdf")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302 and response.location.endswith("#conversation")
    page = text(client.get(f"/interests/{accepted.id}"))
    assert "附上工艺方案。" in page and "方案.pdf" in page
    link = re.search(r'href="(/attachments/\d+)"', page).group(1)
    assert client.get(link).data == PDF
    bad = post(
        client,
        f"/interests/{accepted.id}/messages",
        {"body": "一个可执行文件", "file": (io.BytesIO(b"MZ\x90\x00\x03\x00\x00\x00"), "tool.exe")},
        content_type="multipart/form-data",
    )
    assert bad.status_code == 422 and "一个可执行文件" in text(bad)  # refused, and the typed text is kept
    auth.logout()

    auth.login(market["firm"].email)
    assert "附上工艺方案。" in text(client.get(f"/interests/{accepted.id}"))
    assert client.get(link).status_code == 200
    auth.logout()
    auth.login(bureau.email)
    assert client.get(link).status_code == 200
    auth.logout()
    auth.login(market["other"].email)
    assert client.get(link).status_code == 404
    assert client.get(f"/interests/{accepted.id}").status_code == 404
    assert post(client, f"/interests/{accepted.id}/messages", {"body": "插话"}).status_code == 404


def test_no_conversation_before_acceptance(client, auth, session, market):
    interest = express(session, market["lab"], "need", market["need"].id)
    auth.login(market["lab"].email)
    assert 'id="conversation"' not in text(client.get(f"/interests/{interest.id}"))
    response = post(client, f"/interests/{interest.id}/messages", {"body": "先聊聊"})
    assert response.status_code == 409 and count(session, Message) == 0


# --- contracts --------------------------------------------------------------------------------------------------------


def contract_form(**overrides) -> dict:
    return {
        "kind": "commissioned_development",
        "title": "铝合金激光焊接工艺委托开发合同",
        "amount": "120",
        "technology_amount": "100",
        "ends_on": "2027-12-31",
        "field": "automotive",
        "ip_type": "know_how",
        "milestones-0-title": "工艺方案",
        "milestones-0-due_on": "2027-02-01",
        "milestones-0-amount": "40",
        "milestones-1-title": "中试验证",
        "milestones-1-due_on": "2027-06-01",
        "milestones-1-amount": "80",
        **overrides,
    }


def step(client, contract_path: str, milestone_id: int, to: str):
    return post(client, f"{contract_path}/milestones/{milestone_id}/transition", {"to": to})


def test_contract_from_the_interest_page_runs_a_deliverable_then_a_payment_and_completes_with_both(
    client, auth, session, market, accepted
):
    firm, lab, need = market["firm"], market["lab"], market["need"]
    auth.login(lab.email)
    form = text(client.get(f"/interests/{accepted.id}"))
    roles = form.split('id="contract-roles"', 1)[1].split("</details>", 1)[0]
    assert "被许可方" in roles and "许可方" in roles and "受托方" in roles  # each kind names its parties
    response = post(
        client, f"/interests/{accepted.id}/contract", contract_form(**{"milestones-1-kind": "payment"})
    )
    assert response.status_code == 302
    contract_path = response.location
    page = text(client.get(contract_path))
    assert "委托开发" in page and "120 万元" in page and "100 万元" in page and "工艺方案" in page
    parties = page.split('id="parties-title"', 1)[1]
    assert "委托方" in parties and "受托方" in parties
    assert sign_on_page(client, contract_path, PASSWORD).status_code == 302
    page = text(client.get(contract_path))
    assert "草稿" in page and "未签署" in page and "等待对方签署" in page
    auth.logout()

    auth.login(firm.email)
    assert sign_on_page(client, contract_path, PASSWORD).status_code == 302
    assert 'contract-status">已签订' in text(client.get(contract_path))
    contract = session.exec(select(Contract)).one()
    first, second = sorted(contract_milestones(session, contract.id), key=lambda m: m.position)
    assert (first.kind, second.kind) == ("deliverable", "payment")
    # Milestones run in order: the payment waits for the delivery to be accepted.
    refused = step(client, contract_path, second.id, "paid")
    assert refused.status_code == 409 and "请先完成前一个里程碑“工艺方案”" in text(refused)
    assert [m.status for m in contract_milestones(session, contract.id)] == ["pending", "pending"]
    auth.logout()

    auth.login(lab.email)  # the provider delivers
    assert step(client, contract_path, first.id, "delivered").status_code == 302
    auth.logout()
    auth.login(firm.email)  # the client accepts, then pays
    assert step(client, contract_path, first.id, "accepted").status_code == 302
    assert step(client, contract_path, first.id, "paid").status_code == 409  # a deliverable ends at accepted
    assert step(client, contract_path, second.id, "paid").status_code == 302
    page = text(client.get(contract_path))
    assert "已验收" in page and "已付款" in page
    assert (
        step(client, contract_path, second.id, "received").status_code == 403
    )  # the payer cannot confirm it
    auth.logout()
    auth.login(lab.email)  # the provider confirms the money arrived
    assert step(client, contract_path, second.id, "received").status_code == 302
    assert "已确认收款" in text(client.get(contract_path))
    assert post(client, f"{contract_path}/transition", {"to": "in_progress"}).status_code == 302
    assert post(client, f"{contract_path}/transition", {"to": "completed"}).status_code == 302
    page = text(client.get(contract_path))
    assert 'contract-status">履行中' in page and "等待对方确认" in page.split('id="next-step"', 1)[1][:200]
    assert "关闭需求（已通过本平台解决）" not in page  # the provider does not own the need
    auth.logout()

    auth.login(firm.email)
    assert "对方已确认完成" in text(client.get(contract_path))
    assert post(client, f"{contract_path}/transition", {"to": "completed"}).status_code == 302
    page = text(client.get(contract_path))
    assert 'contract-status">已完成' in page and "关闭需求（已通过本平台解决）" in page
    audit = page.split('id="audit-title"', 1)[1]
    # header, created, two signatures, four milestone steps, start, two confirmations of completion
    assert audit.count("<tr>") == 1 + 1 + 2 + 4 + 1 + 2
    assert "甲方确认完成" in audit and "乙方确认完成" in audit
    assert (
        count(
            session, AuditEvent, AuditEvent.subject_type == "contract", AuditEvent.subject_id == contract.id
        )
        == 10
    )
    assert count(session, Notification, Notification.kind == "contract_completed_need") >= 1

    assert post(client, f"{contract_path}/close-need", {}).status_code == 302
    session.expire_all()
    closed = session.get(type(need), need.id)
    assert (closed.status, closed.close_reason, closed.solved_contract_id) == (
        "closed",
        "solved_here",
        contract.id,
    )
    assert "已通过本平台合同解决" in text(client.get(f"/needs/{need.id}"))
    assert "关闭需求（已通过本平台解决）" not in text(client.get(contract_path))
    assert post(client, f"{contract_path}/close-need", {}).status_code == 409  # already closed


def test_contract_amounts_in_wan_take_two_decimals_and_say_what_is_wrong(
    client, auth, session, market, accepted
):
    auth.login(market["firm"].email)
    blank = post(client, f"/interests/{accepted.id}/contract", contract_form(amount=""))
    assert blank.status_code == 422
    html = text(blank)
    assert "请填写金额" in html.split('id="amount-error"', 1)[1][:200] and "必须为整数" not in html
    for typed, says in (
        ("1.234", "最多两位小数"),
        ("-5", "金额不能为负数"),
        ("十万", "如 12.5"),
    ):
        refused = post(client, f"/interests/{accepted.id}/contract", contract_form(technology_amount=typed))
        assert refused.status_code == 422, typed
        assert says in text(refused).split('id="technology_amount-error"', 1)[1][:200], typed
    row = post(
        client, f"/interests/{accepted.id}/contract", contract_form(**{"milestones-1-amount": "0.125"})
    )
    assert (
        row.status_code == 422
        and "最多两位小数" in text(row).split('id="milestones-1-amount-error"', 1)[1][:200]
    )
    assert count(session, Contract) == 0
    made = post(
        client,
        f"/interests/{accepted.id}/contract",
        contract_form(
            amount="1.25",
            technology_amount="1.2",
            **{"milestones-0-amount": "0.45", "milestones-1-amount": "0.8"},
        ),
    )
    assert made.status_code == 302
    contract = session.exec(select(Contract)).one()
    assert (contract.amount, contract.technology_amount) == (12_500, 12_000)
    assert sorted(m.amount for m in contract_milestones(session, contract.id)) == [4_500, 8_000]


def contract_milestones(session, contract_id):
    from models import Milestone

    session.expire_all()
    return session.exec(select(Milestone).where(Milestone.contract_id == contract_id)).all()


def test_contract_form_errors_keep_what_was_typed(client, auth, session, market, accepted):
    auth.login(market["firm"].email)
    response = post(client, f"/interests/{accepted.id}/contract", contract_form(technology_amount="150"))
    assert response.status_code == 422
    html = text(response)
    assert 'id="technology_amount-error"' in html and "铝合金激光焊接工艺委托开发合同" in html
    assert count(session, Contract) == 0


def test_illegal_steps_are_refused_and_change_nothing(client, auth, session, market, accepted):
    contract = create_contract(session, market["firm"], accepted.id)
    path = f"/contracts/{contract.id}"
    auth.login(market["firm"].email)
    stale = post(client, f"{path}/transition", {"to": "completed"})
    assert stale.status_code == 409 and "signed" in text(stale)  # names the allowed steps
    no_reason = post(client, f"{path}/transition", {"to": "terminated", "note": ""})
    assert no_reason.status_code == 422
    milestone = contract_milestones(session, contract.id)[0]
    early = post(client, f"{path}/milestones/{milestone.id}/transition", {"to": "delivered"})
    assert early.status_code in (403, 409)
    session.expire_all()
    assert session.get(Contract, contract.id).status == "draft"
    assert (
        count(
            session, AuditEvent, AuditEvent.subject_type == "contract", AuditEvent.subject_id == contract.id
        )
        == 1
    )
    assert post(client, f"{path}/transition", {"to": "terminated", "note": "需求取消"}).status_code == 302
    assert "需求取消" in text(client.get(path))


def test_registration_number_and_contract_list(client, auth, session, market, accepted):
    contract = create_contract(session, market["firm"], accepted.id)
    auth.login(market["firm"].email)
    assert sign_on_page(client, f"/contracts/{contract.id}", PASSWORD).status_code == 302
    auth.logout()
    auth.login(market["lab"].email)
    assert sign_on_page(client, f"/contracts/{contract.id}", PASSWORD).status_code == 302
    assert post(client, f"/contracts/{contract.id}/registration", {"number": "abc 123!"}).status_code == 422
    assert (
        post(client, f"/contracts/{contract.id}/registration", {"number": "2026220100000123"}).status_code
        == 302
    )
    page = text(client.get(f"/contracts/{contract.id}"))
    assert "2026220100000123" in page and "已登记" in page
    assert contract.title in text(client.get("/contracts"))


def test_a_third_organization_sees_none_of_it(client, auth, session, market, accepted):
    contract = create_contract(session, market["firm"], accepted.id)
    auth.login(market["other"].email)
    for path in (f"/interests/{accepted.id}", f"/contracts/{contract.id}"):
        assert client.get(path).status_code == 404
    assert post(client, f"/contracts/{contract.id}/transition", {"to": "signed"}).status_code == 404
    assert post(client, f"/interests/{accepted.id}/contract", contract_form()).status_code == 404
    assert contract.title not in text(client.get("/contracts"))
    assert market["need"].title not in text(client.get("/interests?box=in"))
    session.expire_all()
    assert session.get(Contract, contract.id).signed_by_a_at is None


@pytest.mark.parametrize(
    "path",
    [
        "/interests",
        "/interests/1",
        "/contracts",
        "/contracts/1",
        "/notifications",
        "/saved-searches",
        "/incubations",
        "/attachments/1",
        "/needs/1/views",
    ],
)
def test_visitors_are_sent_to_log_in(client, path):
    response = client.get(path)
    assert response.status_code == 302 and "/auth/login" in response.location


# --- notifications, saved searches, incubations ------------------------------------------------------------------------


def test_notifications_bell_and_mark_read(client, auth, session, market):
    express(session, market["lab"], "need", market["need"].id)
    auth.login(market["firm"].email)
    assert 'data-unread="1"' in text(client.get("/"))
    page = text(client.get("/notifications"))
    assert market["need"].title in page and "notice-unread" in page
    assert post(client, "/notifications/read").status_code == 302
    assert "data-unread" not in text(client.get("/"))
    assert count(session, Notification, Notification.read_at.is_(None)) == 0


def test_saved_search_from_the_search_page(client, auth, session, market):
    auth.login(market["firm"].email)
    results = text(client.get("/search?q=激光焊接&type=achievement"))
    assert "保存搜索" in results
    assert (
        post(
            client, "/saved-searches", {"q": "激光焊接", "type": "achievement", "name": "焊接成果"}
        ).status_code
        == 302
    )
    page = text(client.get("/saved-searches"))
    assert "焊接成果" in page and "q=%E6%BF%80" in page  # links back to the same search
    saved = session.exec(select(SavedSearch)).one()
    auth.logout()
    auth.login(market["other"].email)
    assert post(client, f"/saved-searches/{saved.id}/delete").status_code == 404
    auth.logout()
    auth.login(market["firm"].email)
    assert post(client, f"/saved-searches/{saved.id}/delete").status_code == 302
    assert count(session, SavedSearch) == 0


def test_incubations_for_center_users(client, auth, session, market, bureau):
    auth.login(market["lab"].email)
    response = post(
        client,
        "/incubations",
        {
            "center_id": str(market["center"].id),
            "name": "长春轻合金科技有限公司",
            "started_on": "2026-03-01",
            "credit_code": "",
            "achievement_id": str(market["achievement"].id),
        },
    )
    assert response.status_code == 302
    page = text(client.get("/incubations"))
    assert "长春轻合金科技有限公司" in page and "在孵" in page
    incubation_id = re.search(r"/incubations/(\d+)/graduated", page).group(1)
    assert post(client, f"/incubations/{incubation_id}/graduated").status_code == 302
    assert "已毕业" in text(client.get("/incubations"))
    bad = post(
        client,
        "/incubations",
        {
            "center_id": str(market["center"].id),
            "name": "坏代码公司",
            "started_on": "2026-03-01",
            "credit_code": "123",
        },
    )
    assert bad.status_code == 422 and "坏代码公司" in text(bad)
    interest = express(session, market["firm"], "center", market["center"].id)
    accept(session, market["lab"], interest.id)
    agreement = create_contract(session, market["lab"], interest.id, kind="incubation", title="入孵协议")
    form = text(client.get("/incubations"))
    assert "入孵协议" in form
    from_contract = post(
        client,
        "/incubations",
        {
            "center_id": str(market["center"].id),
            "name": "长春入孵科技有限公司",
            "started_on": "2026-06-01",
            "contract_id": str(agreement.id),
        },
    )
    assert from_contract.status_code == 302
    assert count(session, Incubation, Incubation.contract_id == agreement.id) == 1
    auth.logout()
    auth.login(market["firm"].email)
    # An enterprise opens the list too (as in the API) but sees no other organization's incubations.
    firm_page = client.get("/incubations")
    assert firm_page.status_code == 200 and "长春轻合金科技有限公司" not in text(firm_page)
    auth.logout()
    auth.login(bureau.email)
    assert "长春轻合金科技有限公司" in text(client.get("/incubations"))


def test_an_incubated_enterprise_reads_its_own_record_in_the_page_and_the_api(client, auth, session, market):
    """The firm a center names (by credit code) sees that record, and only that one, both ways."""
    firm_code = session.get(Organization, market["firm"].org_id).credit_code
    with in_app(session):
        for name, code in (("长春入孵一号科技有限公司", firm_code), ("别家孵化科技有限公司", None)):
            incubations.create_incubation(
                session=session,
                user=market["lab"],
                data={
                    "center_id": market["center"].id,
                    "name": name,
                    "credit_code": code,
                    "started_on": "2026-03-01",
                },
            )
    auth.login(market["firm"].email)
    page = text(client.get("/incubations"))
    assert "长春入孵一号科技有限公司" in page and "别家孵化科技有限公司" not in page
    # The firm reads; it does not end the center's record.
    incubation = session.exec(select(Incubation).where(Incubation.credit_code == firm_code)).one()
    assert post(client, f"/incubations/{incubation.id}/graduated").status_code == 404
    token, _row = accounts.issue_token(session=session, user=market["firm"], ttl_hours=1)
    listed = client.get("/api/v1/incubations", headers={"Authorization": f"Bearer {token}"}).json["items"]
    assert [row["name"] for row in listed] == ["长春入孵一号科技有限公司"]


def test_an_expert_has_no_incubations_in_the_page_or_the_api(client, auth, session):
    with in_app(session):
        expert = accounts.create_user(
            session=session, email="expert@example.cn", password=PASSWORD, name="专家", role=Role.expert
        )
        token, _row = accounts.issue_token(session=session, user=expert, ttl_hours=1)
    api = client.get(
        "/api/v1/incubations", headers={"Authorization": f"Bearer {token}", "Accept-Language": "zh-CN"}
    )
    auth.login(expert.email)
    page = client.get("/incubations")
    assert page.status_code == api.status_code == 403


# --- two submissions at once ------------------------------------------------------------------------------------------


def logged_in(app, user):
    """A client of its own (cookies and all) logged in as `user`, and its CSRF token."""
    c = app.test_client()
    c.post(
        "/auth/login",
        data={"email": user.email, "password": PASSWORD, "csrf_token": csrf_token(c, "/auth/login")},
    )
    return c, csrf_token(c, "/")


def at_once(requests) -> list[int]:
    """Run the request functions in threads released together; their status codes."""
    barrier, statuses = threading.Barrier(len(requests)), []

    def run(request):
        barrier.wait()
        statuses.append(request().status_code)

    threads = [threading.Thread(target=run, args=(request,)) for request in requests]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sorted(statuses)


def test_two_concurrent_accepts_make_one_decision(app, session, market):
    interest = express(session, market["lab"], "need", market["need"].id)
    colleague = create_user(session, "enterprise")
    colleague.org_id = market["firm"].org_id
    session.add(colleague)
    session.commit()
    clients = [logged_in(app, user) for user in (market["firm"], colleague)]
    statuses = at_once(
        [
            lambda c=c, t=t: c.post(f"/interests/{interest.id}/accept", data={"csrf_token": t})
            for c, t in clients
        ]
    )
    assert statuses == [302, 409]
    assert count(session, Notification, Notification.kind == "interest_accepted") == 1


def test_two_concurrent_interest_submissions_make_one_interest(app, session, market):
    clients = [logged_in(app, market["lab"]) for _ in range(2)]
    path = f"/interests/new?target_type=need&target_id={market['need'].id}"
    statuses = at_once(
        [lambda c=c, t=t: c.post(path, data={"message": "同时提交", "csrf_token": t}) for c, t in clients]
    )
    assert statuses == [302, 409]
    assert count(session, Interest) == 1
