"""Notices that say what happened: a milestone's notice names the contract, the milestone and what it became, in
the reader's language, and links to the contract; old notices still read; the API carries `state` and `link`;
emails and the daily digest link to the site (PUBLIC_BASE_URL), the digest as text and as escaped HTML."""

import pytest
from flask_babel import force_locale
from sqlalchemy import update
from sqlmodel import col, select

from app.deals.services import contracts
from app.market.services import digest_mail, indexes, saved_searches
from app.market.services.saved_searches import DigestItem
from app.platform import notifications
from models import Contract, Milestone, Notification
from tests.conftest import BACKENDS
from tests.utils.deal_world import (
    CONTRACT,
    SmtpSink,
    accepted_interest,
    draft_contract,
    mail_settled,
)
from tests.utils.factories import PASSWORD, create_achievement, create_need, in_app
from tests.utils.web import bearer

both_databases = pytest.mark.parametrize("backend", BACKENDS, indirect=True)


@pytest.fixture
def sink():
    sink = SmtpSink()
    yield sink
    sink.close()


def in_language(session, locale: str, render):
    with in_app(session), force_locale(locale):
        return render()


def delivered_milestone(session, world):
    """A signed contract whose first milestone the provider (the center) has just delivered."""
    contract = draft_contract(session, world, accepted_interest(session, world))
    # Signed as the contract's parties would; how they sign is the contract pages' business, not this test's.
    session.execute(update(Contract).where(col(Contract.id) == contract.id).values(status="signed"))
    session.commit()
    first = session.exec(
        select(Milestone).where(Milestone.contract_id == contract.id).order_by(col(Milestone.position))
    ).first()
    with in_app(session):
        contracts.transition_milestone(
            session=session, user=world.center, contract_id=contract.id, milestone_id=first.id, to="delivered"
        )
    return contract, first


def notices(session, user, kind: str) -> list[Notification]:
    session.expire_all()
    return list(
        session.exec(
            select(Notification).where(Notification.user_id == user.id, Notification.kind == kind)
        ).all()
    )


@both_databases
def test_a_milestone_notice_names_the_milestone_and_its_new_state(client, auth, session, world):
    contract, milestone = delivered_milestone(session, world)
    (notice,) = notices(session, world.sme, "milestone_changed")
    assert notices(session, world.center, "milestone_changed") == []  # the one who moved it knows
    assert notices(session, world.other, "milestone_changed") == []
    assert (notice.state, notice.detail) == ("delivered", milestone.title)
    text = lambda: notifications.notification_text(notice)  # noqa: E731
    assert (
        in_language(session, "zh_Hans_CN", text)
        == f"合同《{CONTRACT['title']}》的里程碑「{milestone.title}」已交付"
    )
    assert (
        in_language(session, "en", text)
        == f"Contract “{CONTRACT['title']}”, milestone “{milestone.title}”: Delivered"
    )

    body = client.get("/api/v1/notifications", headers=bearer(client, world.sme.email, PASSWORD)).json
    item = next(i for i in body["items"] if i["kind"] == "milestone_changed")
    assert item["state"] == "delivered" and item["link"] == f"/contracts/{contract.id}"
    assert item["text"] == f"合同《{CONTRACT['title']}》的里程碑「{milestone.title}」已交付"
    assert {"id", "kind", "subject_type", "subject_id", "text", "created_at", "read"} <= item.keys()

    auth.login(world.sme.email)
    page = client.get("/notifications").get_data(as_text=True)
    assert (
        f'<a href="/contracts/{contract.id}">合同《{CONTRACT["title"]}》的里程碑「{milestone.title}」已交付</a>'
        in page
    )
    assert client.get(item["link"]).status_code == 200


@both_databases
def test_notices_written_before_state_existed_still_read(session, world):
    old = Notification(
        user_id=world.sme.id, kind="milestone_changed", subject_type="contract", subject_id=7, text="X"
    )
    moved = Notification(
        user_id=world.sme.id,
        kind="contract_transition",
        subject_type="contract",
        subject_id=7,
        text="X",
        state="completed",
    )
    unknown = Notification(
        user_id=world.sme.id, kind="someday", subject_type="elsewhere", subject_id=1, text="原文"
    )
    session.add_all([old, moved, unknown])
    session.commit()
    zh = lambda row: lambda: notifications.notification_text(row)  # noqa: E731
    assert in_language(session, "zh_Hans_CN", zh(old)) == "里程碑状态已变更：X"
    # A sentence that names only the object gets the state it knows appended.
    assert in_language(session, "zh_Hans_CN", zh(moved)) == "合同状态已变更：X（已完成）"
    assert in_language(session, "en", zh(moved)) == "Contract status changed: X (Completed)"
    assert in_language(session, "en", zh(unknown)) == "原文"
    with in_app(session):
        assert notifications.notification_link(unknown) is None
        assert notifications.notification_to_public(unknown)["link"] is None
        assert notifications.notification_link(moved) == "/contracts/7"


@both_databases
def test_a_notice_email_carries_both_sentences_and_an_absolute_link(app, session, world, sink):
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=sink.port, PUBLIC_BASE_URL="https://mic.example.cn/")
    contract, milestone = delivered_milestone(session, world)
    mail_settled(app)  # every email queued so far has left
    mails = [m for m in sink.messages if m["To"] == world.sme.email and "里程碑" in m["Subject"]]
    (mail,) = mails
    assert mail["Subject"] == f"合同《{CONTRACT['title']}》的里程碑「{milestone.title}」已交付"
    text = mail.get_body(("plain",)).get_content()
    assert f"milestone “{milestone.title}”: Delivered" in text
    assert f"https://mic.example.cn/contracts/{contract.id}" in text
    html = mail.get_body(("html",)).get_content()
    assert f'<a href="https://mic.example.cn/contracts/{contract.id}">' in html


@both_databases
def test_the_daily_digest_links_every_item_grouped_by_kind(app, runner, session, world, sink):
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=sink.port, PUBLIC_BASE_URL="https://mic.example.cn")
    with in_app(session):
        saved_searches.create_saved_search(
            session=session, user=world.sme, data={"name": "焊接工艺", "query": "焊接"}
        )
    need = create_need(
        session, world.other, title="铝合金焊缝气孔在线检测", description="寻求激光焊接焊缝气孔在线监测。"
    )
    fresh = create_achievement(
        session, world.center, title="铝合金激光焊接在线监测系统", description="激光焊接过程气孔在线监测。"
    )
    with in_app(session):
        indexes.rebuild(app)
    assert runner.invoke(args=["notify", "digest"]).exit_code == 0
    (mail,) = [m for m in sink.wait_for(2) if m["To"] == world.sme.email]
    text = mail.get_body(("plain",)).get_content()
    html = mail.get_body(("html",)).get_content()
    assert f"https://mic.example.cn/achievements/{fresh.id}" in text
    assert f'<a href="https://mic.example.cn/achievements/{fresh.id}">{fresh.title}</a>' in html
    assert f'<a href="https://mic.example.cn/needs/{need.id}">{need.title}</a>' in html
    # Grouped by kind, headed in both languages, needs before achievements.
    assert "技术需求 / Technical needs (" in text and "科技成果 / Achievements (" in text
    groups = text[text.index("技术需求 / Technical needs") :]  # after the sentence that opens every email
    assert groups.index(need.title) < groups.index("科技成果 / Achievements") < groups.index(fresh.title)
    assert "保存的搜索「焊接工艺」 / Saved search “焊接工艺”" in text
    assert "https://mic.example.cn/saved-searches" in text  # the digest itself links to the saved searches


def test_the_digest_html_escapes_what_users_wrote(app):
    items = [
        DigestItem("search", "<i>mine</i>", "service", 3, 'Testing & "<script>"'),
        DigestItem("match", "我的需求", "center", 5, "某创新中心"),
    ]
    with app.app_context():
        app.config["PUBLIC_BASE_URL"] = "https://mic.example.cn"
        text, html = digest_mail.render(items)
    assert "<script>" not in html and "&lt;script&gt;" in html and "&lt;i&gt;mine&lt;/i&gt;" in html
    assert '<a href="https://mic.example.cn/services/3">Testing &amp; &#34;&lt;script&gt;&#34;</a>' in html
    assert '<a href="https://mic.example.cn/centers/5">某创新中心</a>' in html
    assert "与您发布的《我的需求》匹配 / Fits your listing “我的需求”" in text
    assert text.index("公共服务") < text.index("创新中心 / Innovation centers")
