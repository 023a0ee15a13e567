"""Posting as users expect: achievement claims are chosen, regions come from the list, closing asks why and a
closed listing reopens as a draft; registration explains itself, records consent and returns where the user was;
post actions follow the organization kind."""

import hashlib
import io
import uuid
from pathlib import Path

import pytest
from PIL import Image
from sqlmodel import Session, select

from app.accounts.services.accounts import create_user as create_account
from app.market.services import attachments
from models import Achievement, ListingAttachment, Need, Organization, User
from tests.conftest import BACKENDS
from tests.utils.factories import PASSWORD, create_achievement, create_need, in_app, random_credit_code
from tests.utils.images import bomb_png, corrupt_png, jpeg, png
from tests.utils.web import bearer, concurrently, csrf_token

on_both_databases = pytest.mark.parametrize("backend", BACKENDS, indirect=True)


def post_form(client, path: str, data: dict, **kwargs):
    return client.post(path, data={**data, "csrf_token": csrf_token(client, path)}, **kwargs)


# --- posting --------------------------------------------------------------------------------------------------


def achievement_form(**overrides) -> dict:
    return {
        "title": "铝合金半固态压铸工艺",
        "description": "半固态压铸，抗拉强度提升20%。",
        "industry": "automotive",
        "kind": "process",
        "ip_status": "pending",
        "trl": "6",
        "price": "80",
        "cooperation_modes": ["license"],
        "patent_numbers": "",
        "center_id": "",
        "publish": "1",
        **overrides,
    }


@on_both_databases
@pytest.mark.parametrize("missing", ["kind", "ip_status"])
def test_achievement_form_asks_for_kind_and_ip_status(client, auth, session, university, missing):
    auth.login(university.email, PASSWORD)
    form = client.get("/achievements/new").get_data(as_text=True)
    options = form.split(f'name="{missing}"', 1)[1].split("</select>", 1)[0]
    assert options.split("<option", 2)[1].startswith(' value="">请选择') and "selected" not in options
    response = post_form(client, "/achievements/new", achievement_form(**{missing: ""}))
    assert response.status_code == 422 and "此项为必填项" in response.get_data(as_text=True)
    session.expire_all()
    assert session.exec(select(Achievement)).all() == []


def test_region_must_come_from_the_list(client, session, enterprise):
    headers = bearer(client, enterprise.email, PASSWORD)
    body = {"title": "焊接工艺优化", "description": "焊缝气孔控制", "region": "火星基地"}
    refused = client.post("/api/v1/needs", json=body, headers=headers)
    assert refused.status_code == 422 and "region" in refused.json["error"]["fields"]
    by_name = client.post("/api/v1/needs", json={**body, "region": "净月高新区"}, headers=headers)
    assert by_name.status_code == 201 and by_name.json["region"] == "2201Z04"


@on_both_databases
def test_close_asks_a_reason_and_a_closed_listing_reopens_as_a_draft(client, auth, session, enterprise):
    need = create_need(session, enterprise)
    auth.login(enterprise.email, PASSWORD)
    page = client.get(f"/needs/{need.id}").get_data(as_text=True)
    assert "已在本平台解决" in page and "已通过其他途径解决" in page and "不再需要" in page
    no_reason = post_form(client, f"/needs/{need.id}/close", {}, follow_redirects=True)
    assert "请选择关闭原因" in no_reason.get_data(as_text=True)
    session.expire_all()
    assert session.get(Need, need.id).status == "published"

    post_form(client, f"/needs/{need.id}/close", {"close_reason": "solved_here"})
    session.expire_all()
    closed = session.get(Need, need.id)
    assert (closed.status, closed.close_reason) == ("closed", "solved_here")
    assert "关闭原因：已在本平台解决" in client.get(f"/needs/{need.id}").get_data(as_text=True)

    reopened = post_form(client, f"/needs/{need.id}/reopen", {}, follow_redirects=True)
    assert "已重新打开为草稿" in reopened.get_data(as_text=True)
    session.expire_all()
    draft = session.get(Need, need.id)
    assert (draft.status, draft.close_reason) == ("draft", None)


def test_api_close_needs_a_reason_and_changes_nothing_without_one(client, session, enterprise):
    need = create_need(session, enterprise)
    headers = bearer(client, enterprise.email, PASSWORD)
    refused = client.patch(
        f"/api/v1/needs/{need.id}", json={"status": "closed", "title": "改过的标题"}, headers=headers
    )
    assert refused.status_code == 422 and "close_reason" in refused.json["error"]["fields"]
    assert client.get(f"/api/v1/needs/{need.id}").json["title"] == need.title
    closed = client.patch(
        f"/api/v1/needs/{need.id}", json={"status": "closed", "close_reason": "not_needed"}, headers=headers
    )
    assert closed.status_code == 200 and closed.json["status"] == "closed"
    reopened = client.patch(f"/api/v1/needs/{need.id}", json={"status": "draft"}, headers=headers)
    assert reopened.status_code == 200 and reopened.json["status"] == "draft"


@on_both_databases
def test_two_owners_closing_at_once_leave_one_closed_listing_with_one_of_their_reasons(
    app, session, enterprise
):
    need = create_need(session, enterprise)
    clients = [app.test_client() for _ in range(2)]
    tokens = [bearer(c, enterprise.email, PASSWORD) for c in clients]
    reasons = ["solved_here", "solved_elsewhere"]
    responses = concurrently(
        *(
            lambda c=c, t=t, r=r: c.patch(
                f"/api/v1/needs/{need.id}", json={"status": "closed", "close_reason": r}, headers=t
            )
            for c, t, r in zip(clients, tokens, reasons, strict=True)
        )
    )
    assert {r.status_code for r in responses} <= {200, 409} and 200 in {r.status_code for r in responses}
    session.expire_all()
    row = session.get(Need, need.id)
    assert row.status == "closed" and row.close_reason in reasons


@on_both_databases
def test_two_reopens_at_once_leave_one_draft(app, session, enterprise):
    need = create_need(session, enterprise)
    headers = bearer(app.test_client(), enterprise.email, PASSWORD)
    app.test_client().patch(
        f"/api/v1/needs/{need.id}", json={"status": "closed", "close_reason": "other"}, headers=headers
    )
    clients = [app.test_client() for _ in range(2)]
    responses = concurrently(
        *(
            lambda c=c: c.patch(f"/api/v1/needs/{need.id}", json={"status": "draft"}, headers=headers)
            for c in clients
        )
    )
    assert {r.status_code for r in responses} <= {200, 409} and 200 in {r.status_code for r in responses}
    session.expire_all()
    assert session.get(Need, need.id).status == "draft"


# --- registration ---------------------------------------------------------------------------------------------


def register_form(**overrides) -> dict:
    return {
        "org_kind": "enterprise",
        "org_name": "长春示范精密机械有限公司",
        "credit_code": random_credit_code(),
        "region": "220104",
        "name": "李工",
        "email": f"li-{uuid.uuid4().hex[:6]}@example.cn",
        "password": "secret-pass-1",
        "password2": "secret-pass-1",
        "consent": "y",
        **overrides,
    }


@on_both_databases
def test_registration_reports_every_mistake_at_once_in_plain_words(client, session):
    response = post_form(
        client, "/auth/register", register_form(email="not-an-email", password2="other-pass-2", consent="")
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert (
        "两次输入的密码不一致" in html and "password" not in html.split("field-error", 1)[-1].split("</p>")[0]
    )
    assert "请输入有效的电子邮箱" in html and "请阅读并同意隐私声明和用户协议" in html
    assert session.exec(select(User)).all() == []


@on_both_databases
def test_registration_stores_consent_and_region_and_returns_to_the_page(client, session, enterprise):
    need = create_need(session, enterprise)
    data = register_form()
    response = client.post(
        f"/auth/register?next=/needs/{need.id}",
        data={**data, "csrf_token": csrf_token(client, f"/auth/register?next=/needs/{need.id}")},
    )
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/needs/{need.id}")
    user = session.exec(select(User).where(User.email == data["email"])).one()
    assert user.consent_at is not None and user.consent_version == "2026-11-28"
    assert session.get(Organization, user.org_id).region == "220104"


def test_registration_never_redirects_off_site(client):
    path = "/auth/register?next=https://evil.example/"
    response = client.post(path, data={**register_form(), "csrf_token": csrf_token(client, path)})
    assert response.status_code == 302 and response.headers["Location"] == "/"


@pytest.mark.parametrize(
    ("lang", "texts"), [("zh_Hans_CN", ["隐私声明", "用户协议"]), ("en", ["Privacy notice", "Terms of use"])]
)
def test_privacy_and_terms_pages_in_both_languages(client, lang, texts):
    client.set_cookie("lang", lang)
    privacy = client.get("/privacy").get_data(as_text=True)
    terms = client.get("/terms").get_data(as_text=True)
    assert f"<h1>{texts[0]}</h1>" in privacy and f"<h1>{texts[1]}</h1>" in terms and "2026-11-28" in privacy


# --- header and home ------------------------------------------------------------------------------------------


def test_post_actions_follow_the_organization_kind(client, auth, session, enterprise, university):
    auth.login(university.email, PASSWORD)
    header = client.get("/").get_data(as_text=True).split("</header>", 1)[0]
    assert "发布成果" in header and "发布服务" in header and "发布需求" not in header
    auth.logout()
    auth.login(enterprise.email, PASSWORD)
    header = client.get("/").get_data(as_text=True).split("</header>", 1)[0]
    assert "发布需求" in header and "发布成果" not in header and "发布服务" not in header
    auth.logout()
    with in_app(session):
        create_account(
            session=session, email="bureau@example.cn", password=PASSWORD, name="市工信局", role="bureau"
        )
    auth.login("bureau@example.cn", PASSWORD)
    header = client.get("/").get_data(as_text=True).split("</header>", 1)[0]
    assert "发布" not in header and "我的发布" not in header


def test_home_shows_three_of_each_kind_and_a_way_to_the_rest(client, session, enterprise):
    for n in range(5):
        create_need(session, enterprise, title=f"首页需求{n}")
    html = client.get("/").get_data(as_text=True)
    assert html.count("首页需求") == 3 and 'href="/needs"' in html


# --- attachments ----------------------------------------------------------------------------------------------

PNG = png()
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 64


def upload(client, need_id: int, data: bytes, name: str):
    path = f"/needs/{need_id}/attachments"
    return client.post(
        path,
        data={"csrf_token": csrf_token(client, f"/needs/{need_id}"), "file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
        follow_redirects=True,
    )


def stored_files(app) -> list:
    folder = Path(app.config["UPLOAD_DIR"])
    return sorted(folder.iterdir()) if folder.exists() else []


@on_both_databases
def test_images_and_pdfs_attach_and_are_served_with_the_right_headers(app, client, auth, session, enterprise):
    need = create_need(session, enterprise)
    auth.login(enterprise.email, PASSWORD)
    assert "文件已上传" in upload(client, need.id, PNG, "样件照片.png").get_data(as_text=True)
    assert "文件已上传" in upload(client, need.id, PDF, "图纸.pdf").get_data(as_text=True)
    rows = session.exec(select(ListingAttachment).order_by(ListingAttachment.id)).all()
    assert [(r.original_name, r.mimetype) for r in rows] == [
        ("样件照片.png", "image/png"),
        ("图纸.pdf", "application/pdf"),
    ]
    auth.logout()
    page = client.get(f"/needs/{need.id}").get_data(as_text=True)
    assert f"/needs/{need.id}/attachments/{rows[0].id}" in page and "图纸.pdf" in page
    image = client.get(f"/needs/{need.id}/attachments/{rows[0].id}")
    assert image.status_code == 200 and image.mimetype == "image/png" and image.data == PNG
    assert "attachment" not in image.headers.get("Content-Disposition", "")
    pdf = client.get(f"/needs/{need.id}/attachments/{rows[1].id}")
    assert pdf.mimetype == "application/pdf" and pdf.headers["Content-Disposition"].startswith("attachment")
    assert client.get(f"/achievements/{need.id}/attachments/{rows[1].id}").status_code == 404


@pytest.mark.parametrize(
    ("data", "name"), [(EXE, "brochure.pdf"), (b"plain text notes", "notes.pdf"), (b"", "empty.png")]
)
def test_a_refused_file_gets_a_clear_message_and_saves_nothing(
    app, client, auth, session, enterprise, data, name
):
    need = create_need(session, enterprise)
    auth.login(enterprise.email, PASSWORD)
    html = upload(client, need.id, data, name).get_data(as_text=True)
    assert "发布信息只能附加图片" in html or "文件为空" in html or "不接受" in html
    assert session.exec(select(ListingAttachment)).all() == []
    assert stored_files(app) == []


def test_a_confidential_needs_attachments_follow_its_details(
    app, client, auth, session, enterprise, university
):
    need = create_need(session, enterprise, confidential=True)
    auth.login(enterprise.email, PASSWORD)
    upload(client, need.id, PDF, "保密图纸.pdf")
    row = session.exec(select(ListingAttachment)).one()
    assert client.get(f"/needs/{need.id}/attachments/{row.id}").status_code == 200
    auth.logout()
    assert client.get(f"/needs/{need.id}/attachments/{row.id}").status_code == 404
    assert "保密图纸.pdf" not in client.get(f"/needs/{need.id}").get_data(as_text=True)
    auth.login(university.email, PASSWORD)
    assert client.get(f"/needs/{need.id}/attachments/{row.id}").status_code == 404
    refused = client.post(
        f"/needs/{need.id}/attachments",
        data={"csrf_token": csrf_token(client, "/"), "file": (io.BytesIO(PNG), "x.png")},
        content_type="multipart/form-data",
    )
    assert refused.status_code == 403


@on_both_databases
def test_two_uploads_at_once_both_attach(app, session, enterprise):
    need = create_need(session, enterprise)
    clients = [app.test_client() for _ in range(2)]
    for client in clients:
        token = csrf_token(client, "/auth/login")
        client.post(
            "/auth/login", data={"email": enterprise.email, "password": PASSWORD, "csrf_token": token}
        )
    tokens = [csrf_token(client, f"/needs/{need.id}") for client in clients]
    responses = concurrently(
        *(
            lambda c=c, t=t, n=n: c.post(
                f"/needs/{need.id}/attachments",
                data={"csrf_token": t, "file": (io.BytesIO(PNG), f"photo{n}.png")},
                content_type="multipart/form-data",
            )
            for n, (c, t) in enumerate(zip(clients, tokens, strict=True))
        )
    )
    assert [r.status_code for r in responses] == [302, 302]
    session.expire_all()
    assert sorted(r.original_name for r in session.exec(select(ListingAttachment)).all()) == [
        "photo0.png",
        "photo1.png",
    ]
    assert len(stored_files(app)) == 4  # each image and its thumbnail


def test_deleting_a_listing_removes_its_files(app, client, auth, session, enterprise):
    need = create_need(session, enterprise)
    auth.login(enterprise.email, PASSWORD)
    upload(client, need.id, PNG, "photo.png")
    assert len(stored_files(app)) == 2  # the image and its thumbnail
    client.post(f"/needs/{need.id}/delete", data={"csrf_token": csrf_token(client, f"/needs/{need.id}")})
    assert session.exec(select(ListingAttachment)).all() == [] and stored_files(app) == []


# --- thumbnails -----------------------------------------------------------------------------------------------


@on_both_databases
def test_an_image_gets_a_thumbnail_shown_on_the_card_and_the_page(app, client, auth, session, university):
    achievement = create_achievement(session, university)
    auth.login(university.email, PASSWORD)
    assert "文件已上传" in upload_to(client, "achievements", achievement.id, jpeg(3000, 2000), "整机照片.jpg")
    row = session.exec(select(ListingAttachment)).one()
    assert row.thumbnail_name and row.thumbnail_name != row.stored_name
    assert sorted(p.name for p in stored_files(app)) == sorted([row.stored_name, row.thumbnail_name])
    auth.logout()
    thumb_url = f"/achievements/{achievement.id}/attachments/{row.id}/thumbnail"
    thumb = client.get(thumb_url)
    assert thumb.status_code == 200 and thumb.mimetype == "image/jpeg"
    assert thumb.headers["X-Content-Type-Options"] == "nosniff"
    assert "attachment" not in thumb.headers.get("Content-Disposition", "")
    with Image.open(io.BytesIO(thumb.data)) as image:
        assert image.size == (480, 320) and len(thumb.data) < row.size
    assert f'src="{thumb_url}"' in client.get(f"/achievements/{achievement.id}").get_data(as_text=True)
    assert f'src="{thumb_url}"' in client.get("/achievements").get_data(as_text=True)


def test_a_transparent_png_keeps_its_transparency_in_the_thumbnail(app, client, auth, session, university):
    achievement = create_achievement(session, university)
    auth.login(university.email, PASSWORD)
    out = io.BytesIO()
    Image.new("RGBA", (900, 900), (0, 0, 0, 0)).save(out, "PNG")
    upload_to(client, "achievements", achievement.id, out.getvalue(), "logo.png")
    row = session.exec(select(ListingAttachment)).one()
    thumb = client.get(f"/achievements/{achievement.id}/attachments/{row.id}/thumbnail")
    assert thumb.mimetype == "image/png"
    with Image.open(io.BytesIO(thumb.data)) as image:
        assert image.mode == "RGBA" and image.getpixel((10, 10))[3] == 0


@on_both_databases
@pytest.mark.parametrize(
    ("data", "says"),
    [
        (bomb_png(), "无法读取这张图片"),
        # Past IMAGE_MAX_PIXELS (24 MP) but not a bomb to Pillow: the message names its size and a size that fits.
        (
            bomb_png(8000, 8000),
            "图片过大：8000×8000 像素，超过 24 百万像素。请上传较小的图片（例如不超过 6000×4000）",
        ),
        (corrupt_png(), "无法读取这张图片"),
    ],
    ids=["bomb", "past-the-limit", "corrupt"],
)
def test_a_bomb_or_a_damaged_image_is_refused_and_nothing_is_saved(
    app, client, auth, session, university, data, says
):
    achievement = create_achievement(session, university)
    auth.login(university.email, PASSWORD)
    html = upload_to(client, "achievements", achievement.id, data, "样品.png")
    assert says in html and "文件已上传" not in html
    assert session.exec(select(ListingAttachment)).all() == [] and stored_files(app) == []


def test_a_confidential_needs_thumbnails_follow_its_details(
    app, client, auth, session, enterprise, university
):
    need = create_need(session, enterprise, confidential=True)
    auth.login(enterprise.email, PASSWORD)
    upload(client, need.id, PNG, "保密图纸.png")
    row = session.exec(select(ListingAttachment)).one()
    thumb_url = f"/needs/{need.id}/attachments/{row.id}/thumbnail"
    assert client.get(thumb_url).status_code == 200
    auth.logout()
    assert client.get(thumb_url).status_code == 404
    assert thumb_url not in client.get("/needs").get_data(as_text=True)
    auth.login(university.email, PASSWORD)
    assert client.get(thumb_url).status_code == 404


def test_removing_an_image_removes_its_thumbnail(app, client, auth, session, enterprise):
    need = create_need(session, enterprise)
    auth.login(enterprise.email, PASSWORD)
    upload(client, need.id, PNG, "photo.png")
    row = session.exec(select(ListingAttachment)).one()
    client.post(
        f"/needs/{need.id}/attachments/{row.id}/delete",
        data={"csrf_token": csrf_token(client, f"/needs/{need.id}")},
    )
    assert stored_files(app) == []
    assert client.get(f"/needs/{need.id}/attachments/{row.id}/thumbnail").status_code == 404


def upload_to(client, segment: str, listing_id: int, data: bytes, name: str) -> str:
    return client.post(
        f"/{segment}/{listing_id}/attachments",
        data={"csrf_token": csrf_token(client, f"/{segment}/{listing_id}"), "file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
        follow_redirects=True,
    ).get_data(as_text=True)


@on_both_databases
def test_images_uploaded_before_thumbnails_get_them_from_one_command(app, client, auth, session, university):
    achievement = create_achievement(session, university)
    auth.login(university.email, PASSWORD)
    for data, name in (
        (jpeg(1200, 800), "整机.jpg"),
        (png(300, 200), "结构.png"),
        (corrupt_png(), "坏图.png"),
    ):
        upload_to(client, "achievements", achievement.id, data, name)
    upload_to(client, "achievements", achievement.id, b"%PDF-1.4\n%%EOF\n", "说明书.pdf")
    rows = session.exec(select(ListingAttachment).order_by(ListingAttachment.id)).all()
    # The damaged image is refused at upload now; store it as an older upload could have been.
    assert [r.original_name for r in rows] == ["整机.jpg", "结构.png", "说明书.pdf"]
    broken = Path(app.config["UPLOAD_DIR"]) / uuid.uuid4().hex
    broken.write_bytes(corrupt_png())
    session.add(
        ListingAttachment(
            listing_type="achievement",
            listing_id=achievement.id,
            uploaded_by=rows[0].uploaded_by,
            original_name="坏图.png",
            stored_name=broken.name,
            mimetype="image/png",
            size=broken.stat().st_size,
            sha256=hashlib.sha256(broken.read_bytes()).hexdigest(),
        )
    )
    session.commit()
    rows = session.exec(select(ListingAttachment).order_by(ListingAttachment.id)).all()
    # As before migration 0009: images without thumbnails.
    for row in rows:
        if row.thumbnail_name:
            (Path(app.config["UPLOAD_DIR"]) / row.thumbnail_name).unlink()
            row.thumbnail_name = None
    session.commit()
    originals = {p.name for p in stored_files(app)}
    assert "/thumbnail" not in client.get("/achievements").get_data(as_text=True)

    def backfill():
        with app.app_context(), Session(app.extensions["db_engine"]) as own:
            return attachments.backfill_thumbnails(session=own)

    # Two runs at once: every readable image gets one thumbnail, and no file is left behind by the loser.
    results = concurrently(backfill, backfill)
    assert sum(made for made, _ in results) == 2 and all(unreadable in (0, 1) for _, unreadable in results)
    session.expire_all()
    thumbs = {r.original_name: r.thumbnail_name for r in session.exec(select(ListingAttachment)).all()}
    assert (
        thumbs["整机.jpg"]
        and thumbs["结构.png"]
        and thumbs["坏图.png"] is None
        and thumbs["说明书.pdf"] is None
    )
    assert {p.name for p in stored_files(app)} == originals | {thumbs["整机.jpg"], thumbs["结构.png"]}
    assert "/thumbnail" in client.get("/achievements").get_data(as_text=True)
    done = app.test_cli_runner().invoke(args=["files", "thumbnails"])
    assert done.exit_code == 0 and done.output.startswith("0 thumbnails made; 1 images could not be read")
