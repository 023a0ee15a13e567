"""A listing's attachments in the JSON API: the same rules as the pages (the owner writes; a confidential need's
files only for those entitled), thumbnails, refusals that save nothing, and uploads or deletes at the same time."""

import io
from pathlib import Path

import pytest
from PIL import Image
from sqlmodel import select

from app.deals.services import interests
from app.market.services import attachments, need_access
from models import ListingAttachment
from tests.conftest import BACKENDS
from tests.utils.factories import PASSWORD, create_achievement, create_need, in_app
from tests.utils.images import bomb_png, jpeg, png
from tests.utils.web import bearer, concurrently

on_both_databases = pytest.mark.parametrize("backend", BACKENDS, indirect=True)
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 64


def upload(client, headers, path: str, data: bytes, name: str):
    return client.post(
        path, data={"file": (io.BytesIO(data), name)}, headers=headers, content_type="multipart/form-data"
    )


def stored_files(app) -> list[Path]:
    folder = Path(app.config["UPLOAD_DIR"])
    return sorted(folder.iterdir()) if folder.exists() else []


@on_both_databases
def test_the_owner_uploads_and_anyone_lists_downloads_and_sees_thumbnails(app, client, session, university):
    achievement = create_achievement(session, university)
    base = f"/api/v1/achievements/{achievement.id}/attachments"
    owner = bearer(client, university.email, PASSWORD)
    # A photo larger than an ordinary request body (MAX_CONTENT_LENGTH) still goes through.
    app.config["MAX_CONTENT_LENGTH"] = 64 * 1024
    photo = jpeg(2400, 1800)
    assert len(photo) > 64 * 1024
    image = upload(client, owner, base, photo, "样机照片.jpg")
    assert image.status_code == 201, image.json
    assert image.json["name"] == "样机照片.jpg" and image.json["mimetype"] == "image/jpeg"
    assert image.json["thumbnail_url"] == f"{base}/{image.json['id']}/thumbnail"
    brochure = upload(client, owner, base, PDF, "产品手册.pdf")
    assert brochure.status_code == 201 and brochure.json["thumbnail_url"] is None

    listed = client.get(base)  # no token: a published achievement's files are public
    assert [item["name"] for item in listed.json["items"]] == ["样机照片.jpg", "产品手册.pdf"]
    download = client.get(brochure.json["url"])
    assert download.data == PDF and download.headers["Content-Disposition"].startswith("attachment")
    thumb = client.get(image.json["thumbnail_url"])
    assert thumb.mimetype == "image/jpeg" and thumb.headers["X-Content-Type-Options"] == "nosniff"
    with Image.open(io.BytesIO(thumb.data)) as small:
        assert small.size == (480, 360)


def test_the_openapi_document_describes_the_attachment_calls(client):
    paths = client.get("/api/v1/openapi.json").json["paths"]
    for plural in ("needs", "achievements", "services"):
        assert set(paths[f"/{plural}/{{listing_id}}/attachments"]) >= {"get", "post"}
        assert (
            "multipart/form-data"
            in paths[f"/{plural}/{{listing_id}}/attachments"]["post"]["requestBody"]["content"]
        )
        assert set(paths[f"/{plural}/{{listing_id}}/attachments/{{attachment_id}}"]) >= {"get", "delete"}
        assert "get" in paths[f"/{plural}/{{listing_id}}/attachments/{{attachment_id}}/thumbnail"]


@on_both_databases
@pytest.mark.parametrize(
    ("data", "name", "says"),
    [
        (EXE, "brochure.pdf", "PDF"),
        (bomb_png(), "bomb.png", "无法读取这张图片"),
        (b"", "empty.png", "文件为空"),
    ],
)
def test_a_refused_upload_is_a_422_naming_the_file_and_saves_nothing(
    app, client, session, university, data, name, says
):
    achievement = create_achievement(session, university)
    headers = {**bearer(client, university.email, PASSWORD), "Accept-Language": "zh-CN"}
    refused = upload(client, headers, f"/api/v1/achievements/{achievement.id}/attachments", data, name)
    assert refused.status_code == 422 and says in refused.json["error"]["fields"]["file"]
    assert session.exec(select(ListingAttachment)).all() == [] and stored_files(app) == []


def test_no_file_is_a_422_and_others_may_not_upload_or_delete(app, client, session, university, enterprise):
    achievement = create_achievement(session, university)
    base = f"/api/v1/achievements/{achievement.id}/attachments"
    owner = bearer(client, university.email, PASSWORD)
    assert client.post(base, json={}, headers=owner).status_code == 422
    row = upload(client, owner, base, png(), "a.png").json
    other = bearer(client, enterprise.email, PASSWORD)
    assert upload(client, other, base, png(), "b.png").status_code == 403
    assert upload(client, {}, base, png(), "b.png").status_code == 401
    assert client.delete(f"{base}/{row['id']}", headers=other).status_code == 403
    assert client.delete(f"{base}/{row['id']}").status_code == 401
    assert client.get(f"/api/v1/needs/{achievement.id}/attachments/{row['id']}").status_code == 404
    assert len(session.exec(select(ListingAttachment)).all()) == 1


def test_a_confidential_needs_files_only_for_those_entitled(app, client, session, enterprise, university):
    need = create_need(session, enterprise, confidential=True)
    base = f"/api/v1/needs/{need.id}/attachments"
    owner = bearer(client, enterprise.email, PASSWORD)
    row = upload(client, owner, base, png(), "保密图纸.png").json
    assert [item["id"] for item in client.get(base, headers=owner).json["items"]] == [row["id"]]
    stranger = bearer(client, university.email, PASSWORD)
    for headers in ({}, stranger):
        assert client.get(base, headers=headers).json["items"] == []
        assert client.get(row["url"], headers=headers).status_code == 404
        assert client.get(row["thumbnail_url"], headers=headers).status_code == 404
    with in_app(session):
        need_access.grant_details(session=session, need_id=need.id, org_id=university.org_id, user=enterprise)
    # A grant opens the files only once the grantee accepted the need's NDA.
    assert client.get(row["thumbnail_url"], headers=stranger).status_code == 404
    with in_app(session):
        interest = interests.express_interest(
            session=session, user=university, target_type="need", target_id=need.id, message="希望合作"
        )
        interests.accept_nda(
            session=session,
            user=university,
            interest_id=interest.id,
            agreed=True,
            version=interests.PLATFORM_NDA_VERSION,
        )
    assert client.get(row["thumbnail_url"], headers=stranger).status_code == 200


@on_both_databases
def test_two_uploads_at_once_both_attach(app, session, university):
    achievement = create_achievement(session, university)
    clients = [app.test_client() for _ in range(2)]
    tokens = [bearer(c, university.email, PASSWORD) for c in clients]
    responses = concurrently(
        *(
            lambda c=c, t=t, n=n: upload(
                c, t, f"/api/v1/achievements/{achievement.id}/attachments", png(), f"p{n}.png"
            )
            for n, (c, t) in enumerate(zip(clients, tokens, strict=True))
        )
    )
    assert [r.status_code for r in responses] == [201, 201]
    session.expire_all()
    assert sorted(r.original_name for r in session.exec(select(ListingAttachment)).all()) == [
        "p0.png",
        "p1.png",
    ]
    assert len(stored_files(app)) == 4  # two images, two thumbnails


@on_both_databases
def test_two_uploads_at_once_for_the_last_free_place_attach_one(app, client, session, university):
    achievement = create_achievement(session, university)
    base = f"/api/v1/achievements/{achievement.id}/attachments"
    owner = bearer(client, university.email, PASSWORD)
    for n in range(attachments.MAX_PER_LISTING - 1):
        assert upload(client, owner, base, PDF, f"{n}.pdf").status_code == 201
    clients = [app.test_client() for _ in range(2)]
    responses = concurrently(
        *(lambda c=c, n=n: upload(c, owner, base, PDF, f"last{n}.pdf") for n, c in enumerate(clients))
    )
    assert sorted(r.status_code for r in responses) == [201, 409]
    session.expire_all()
    assert len(session.exec(select(ListingAttachment)).all()) == attachments.MAX_PER_LISTING
    assert len(stored_files(app)) == attachments.MAX_PER_LISTING  # the refused one's file is gone too


@on_both_databases
def test_two_deletes_at_once_remove_it_once(app, client, session, university):
    achievement = create_achievement(session, university)
    base = f"/api/v1/achievements/{achievement.id}/attachments"
    owner = bearer(client, university.email, PASSWORD)
    row = upload(client, owner, base, png(), "a.png").json
    clients = [app.test_client() for _ in range(2)]
    responses = concurrently(*(lambda c=c: c.delete(f"{base}/{row['id']}", headers=owner) for c in clients))
    assert sorted(r.status_code for r in responses) == [204, 404]
    assert stored_files(app) == [] and client.get(base).json["items"] == []
