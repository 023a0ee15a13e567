"""Center application documents are real uploads in the shared safe storage: sent with the application or
added while it is in progress, refused by content, and seen only by the applicant, the bureau and the
experts assigned to the application."""

import io
from pathlib import Path

import pytest
from sqlalchemy import insert
from sqlmodel import select

from models import ApplicationDocument, CenterApplication, Role
from tests.conftest import BACKENDS
from tests.utils.bureau import apply, carry, create_account, create_call, create_expert, panel
from tests.utils.factories import PASSWORD, create_user, random_credit_code
from tests.utils.images import png
from tests.utils.web import bearer, concurrently, csrf_token

on_both_databases = pytest.mark.parametrize("backend", BACKENDS, indirect=True)
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 64


@pytest.fixture
def bureau(session):
    return create_account(session, Role.bureau, "市工信局审核员")


@pytest.fixture
def call(session, bureau):
    return create_call(session, bureau)


def stored_files(app) -> list[Path]:
    folder = Path(app.config["UPLOAD_DIR"])
    return sorted(folder.iterdir()) if folder.exists() else []


def apply_form(**files) -> dict:
    form = {
        "center_name": "长春市汽车轻量化示范创新中心",
        "plan": "以企业为主体、产学研联合组建的创新中心创建和运行方案。" * 2,
        "expert_name_0": "王教授",
        "expert_affiliation_0": "吉林大学",
    }
    for i in range(4):
        form |= {f"founder_name_{i}": f"发起单位{i}", f"founder_credit_code_{i}": random_credit_code()}
    return form | files


@on_both_databases
def test_documents_sent_with_the_application_are_stored_and_downloadable(app, client, auth, session, call):
    applicant = create_user(session, "university", industries=["automotive"])
    auth.login(applicant.email)
    page = f"/calls/{call.id}/apply"
    form = apply_form(
        document_title_0="创建和运行方案",
        document_file_0=(io.BytesIO(PDF), "方案.pdf"),
        document_file_1=(io.BytesIO(png()), "场地照片.png"),
    )
    done = client.post(
        page, data={**form, "csrf_token": csrf_token(client, page)}, content_type="multipart/form-data"
    )
    assert done.status_code == 302
    rows = session.exec(select(ApplicationDocument).order_by(ApplicationDocument.id)).all()
    assert [(r.title, r.original_name, r.mimetype) for r in rows] == [
        ("创建和运行方案", "方案.pdf", "application/pdf"),
        ("场地照片.png", "场地照片.png", "image/png"),
    ]
    html = client.get(done.headers["Location"]).get_data(as_text=True)
    link = f"/applications/{rows[0].application_id}/documents/{rows[0].id}"
    assert f'href="{link}"' in html
    download = client.get(link)
    assert download.data == PDF and download.headers["Content-Disposition"].startswith("attachment")
    assert download.headers["X-Content-Type-Options"] == "nosniff"


@on_both_databases
@pytest.mark.parametrize(
    ("files", "says"),
    [
        (
            lambda: {"document_title_0": "营业执照", "document_file_0": (io.BytesIO(EXE), "执照.pdf")},
            "申报材料须为",
        ),
        (lambda: {"document_title_0": "合作协议"}, "请选择要上传的文件"),
    ],
    ids=["exe-named-pdf", "title-without-file"],
)
def test_a_refused_document_refuses_the_application_and_saves_nothing(
    app, client, auth, session, call, files, says
):
    applicant = create_user(session, "university", industries=["automotive"])
    auth.login(applicant.email)
    page = f"/calls/{call.id}/apply"
    form = apply_form(document_file_1=(io.BytesIO(PDF), "方案.pdf"), **files())
    refused = client.post(
        page, data={**form, "csrf_token": csrf_token(client, page)}, content_type="multipart/form-data"
    )
    assert refused.status_code == 422 and says in refused.get_data(as_text=True)
    assert "长春市汽车轻量化示范创新中心" in refused.get_data(as_text=True)  # what was typed stays
    assert session.exec(select(CenterApplication)).all() == [] and stored_files(app) == []


@on_both_databases
def test_only_the_applicant_bureau_and_assigned_experts_read_them(app, client, session, bureau, call):
    applicant = create_user(session, "university", industries=["automotive"])
    application = apply(session, call, applicant)
    assigned, unassigned = panel(session), create_expert(session, ["law"])
    carry(session, bureau, application, "review", assigned)
    base = f"/api/v1/bureau/applications/{application.id}/documents"
    added = client.post(
        base,
        data={"file": (io.BytesIO(PDF), "协议.pdf"), "title": "合作协议"},
        headers=bearer(client, applicant.email, PASSWORD),
        content_type="multipart/form-data",
    )
    assert added.status_code == 201 and added.json["title"] == "合作协议" and "stored_name" not in added.json
    url = added.json["url"]
    for user in (applicant, bureau, assigned[0]):
        assert client.get(url, headers=bearer(client, user.email, PASSWORD)).data == PDF
    stranger = create_user(session, "enterprise")
    for user in (unassigned, stranger):
        assert client.get(url, headers=bearer(client, user.email, PASSWORD)).status_code == 403
    assert client.get(url).status_code == 401
    for user in (bureau, assigned[0]):  # reading is not adding
        refused = client.post(
            base,
            data={"file": (io.BytesIO(PDF), "x.pdf")},
            headers=bearer(client, user.email, PASSWORD),
            content_type="multipart/form-data",
        )
        assert refused.status_code == 403
    listed = client.get(
        f"/api/v1/bureau/applications/{application.id}", headers=bearer(client, bureau.email, PASSWORD)
    ).json["documents"]
    assert [d["url"] for d in listed] == [url]


def test_a_decided_application_takes_no_more_documents(app, client, session, bureau, call):
    applicant = create_user(session, "university", industries=["automotive"])
    application = apply(session, call, applicant)
    client.post(
        f"/api/v1/bureau/applications/{application.id}/refusal",
        json={"reason": "材料不全"},
        headers=bearer(client, bureau.email, PASSWORD),
    )
    refused = client.post(
        f"/api/v1/bureau/applications/{application.id}/documents",
        data={"file": (io.BytesIO(PDF), "补充.pdf")},
        content_type="multipart/form-data",
        headers=bearer(client, applicant.email, PASSWORD),
    )
    assert refused.status_code == 409 and stored_files(app) == []


def test_a_document_recorded_by_title_before_uploads_still_shows(app, client, auth, session, call):
    applicant = create_user(session, "university", industries=["automotive"])
    application = apply(session, call, applicant)
    session.execute(insert(ApplicationDocument).values(application_id=application.id, title="旧版登记的方案"))
    session.commit()
    auth.login(applicant.email)
    html = client.get(f"/applications/{application.id}").get_data(as_text=True)
    assert "旧版登记的方案" in html and "仅登记标题，无文件" in html
    assert client.get(f"/applications/{application.id}").status_code == 200


@on_both_databases
def test_two_documents_added_at_once_are_both_kept(app, session, call):
    applicant = create_user(session, "university", industries=["automotive"])
    application = apply(session, call, applicant)
    clients = [app.test_client() for _ in range(2)]
    for c in clients:
        c.post(
            "/auth/login",
            data={"email": applicant.email, "password": PASSWORD, "csrf_token": csrf_token(c, "/auth/login")},
        )
    page = f"/applications/{application.id}"
    tokens = [csrf_token(c, page) for c in clients]
    responses = concurrently(
        *(
            lambda c=c, t=t, n=n: c.post(
                f"{page}/documents",
                data={"csrf_token": t, "title": f"附件{n}", "file": (io.BytesIO(PDF), f"附件{n}.pdf")},
                content_type="multipart/form-data",
            )
            for n, (c, t) in enumerate(zip(clients, tokens, strict=True))
        )
    )
    assert [r.status_code for r in responses] == [302, 302]
    session.expire_all()
    assert sorted(d.title for d in session.exec(select(ApplicationDocument)).all()) == ["附件0", "附件1"]
    assert len(stored_files(app)) == 2


def add_pdf(client, applicant, application_id, title="补充材料") -> int:
    added = client.post(
        f"/api/v1/bureau/applications/{application_id}/documents",
        data={"title": title, "file": (io.BytesIO(PDF), f"{title}.pdf")},
        content_type="multipart/form-data",
        headers=bearer(client, applicant.email, PASSWORD),
    )
    assert added.status_code == 201
    return added.json["id"]


@on_both_databases
def test_the_applicant_removes_a_document_until_the_review_begins(app, client, auth, session, bureau, call):
    applicant = create_user(session, "university", industries=["automotive"])
    application = apply(session, call, applicant)
    kept, wrong = (
        add_pdf(client, applicant, application.id, "方案"),
        add_pdf(client, applicant, application.id, "错传"),
    )
    assert len(stored_files(app)) == 2
    # Nobody but the applicant removes one: not the bureau, not another firm.
    for user in (bureau, create_user(session, "enterprise")):
        refused = client.delete(
            f"/api/v1/bureau/applications/{application.id}/documents/{wrong}",
            headers=bearer(client, user.email, PASSWORD),
        )
        assert refused.status_code == 403
    auth.login(applicant.email)
    page = f"/applications/{application.id}"
    html = client.get(page).get_data(as_text=True)
    assert f"{page}/documents/{wrong}/delete" in html and "删除" in html
    done = client.post(f"{page}/documents/{wrong}/delete", data={"csrf_token": csrf_token(client, page)})
    assert done.status_code == 302 and done.headers["Location"].endswith(f"{page}#documents")
    html = client.get(page).get_data(as_text=True)
    assert "材料已删除" in html and "错传" not in html and "方案" in html
    assert len(stored_files(app)) == 1
    # A document of another application is not found through this one.
    other = apply(session, create_call(session, bureau, domain="另一领域"), applicant)
    missing = client.delete(
        f"/api/v1/bureau/applications/{other.id}/documents/{kept}",
        headers=bearer(client, applicant.email, PASSWORD),
    )
    assert missing.status_code == 404
    # Once the panel has it, the documents stay.
    carry(session, bureau, application, "review", panel(session))
    refused = client.delete(
        f"/api/v1/bureau/applications/{application.id}/documents/{kept}",
        headers=bearer(client, applicant.email, PASSWORD),
    )
    assert refused.status_code == 409 and "专家评审已开始" in refused.json["error"]["message"]
    assert f"{page}/documents/{kept}/delete" not in client.get(page).get_data(as_text=True)
    assert len(stored_files(app)) == 1


@on_both_databases
def test_two_removals_of_one_document_at_once_remove_it_once(app, client, session, call):
    applicant = create_user(session, "university", industries=["automotive"])
    application = apply(session, call, applicant)
    document = add_pdf(client, applicant, application.id)
    url = f"/api/v1/bureau/applications/{application.id}/documents/{document}"
    headers = [bearer(app.test_client(), applicant.email, PASSWORD) for _ in range(2)]
    responses = concurrently(*(lambda h=h: app.test_client().delete(url, headers=h) for h in headers))
    assert sorted(r.status_code for r in responses) == [204, 404]
    session.expire_all()
    assert session.exec(select(ApplicationDocument)).all() == [] and stored_files(app) == []
