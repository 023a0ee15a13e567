"""A contract's text, on SQLite and on a real PostgreSQL: the model text of every kind, edits as versions the
other party sees as a diff, signatures that name the hash of the text stored (never another one, even when a
signature races an edit), the password asked again on the page, and the contract PDF."""

from datetime import date

import pytest
from flask_babel import force_locale
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlmodel import func, select

from app.deals import contract_templates as templates
from app.deals import labels
from app.deals.rules import ROLES
from models import AuditEvent, Contract, ContractSignature, ContractText
from tests.conftest import BACKENDS
from tests.utils.deal_world import CONTRACT, accepted_interest, draft_contract
from tests.utils.factories import PASSWORD
from tests.utils.pdfs import pdf_text
from tests.utils.web import concurrently, csrf_token, sign_on_page

on_both_databases = pytest.mark.parametrize("backend", BACKENDS, indirect=True)

EXTRAS = {
    "commissioned_development": set(),
    "cooperative_development": {"contributions"},
    "transfer": {"patent_number", "right_type"},
    "license": {"patent_number", "license_mode"},
    "technical_service": {"service_content", "working_conditions"},
    "technical_consulting": {"service_content", "working_conditions"},
    "incubation": {"incubation_services"},
}


def facts(kind: str) -> templates.Facts:
    a, b = ROLES[kind]
    return templates.Facts(
        kind=kind,
        title="铝合金车身激光焊接气孔控制",
        party_a="长春一汽富维车身有限公司",
        party_b="吉林大学",
        role_a=a,
        role_b=b,
        amount=1_234_500,
        technology_amount=1_000_000,
        ends_on=date(2027, 12, 31),
        milestones=(templates.MilestoneFact("工艺方案与样件", date(2027, 4, 30), 500_000),),
    )


# --- the model texts ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", sorted(EXTRAS))
def test_every_kind_has_the_civil_code_clauses_in_order_and_what_it_needs(kind):
    codes = templates.CLAUSES[kind]
    assert [c for c in codes if c in templates.CIVIL_CODE] == list(templates.CIVIL_CODE)
    assert set(codes) - set(templates.CIVIL_CODE) == EXTRAS[kind]
    headings = [templates.HEADINGS[c] for c in codes]
    for name in ("项目名称", "技术信息和资料的保密", "验收标准和方法", "争议解决方法", "名词和术语的解释"):
        assert name in headings
    bodies = templates.default_clauses(facts(kind))
    assert list(bodies) == list(codes) and all(bodies.values())
    assert bodies["project_name"] == "铝合金车身激光焊接气孔控制"
    a, b = ROLES[kind]
    assert templates.ROLE_NAMES[a] in bodies["subject"] and "长春一汽富维车身有限公司" in bodies["subject"]
    assert "吉林大学" in bodies["subject"]
    assert "人民币 1,234,500 元（123.45 万元）" in bodies["price"]
    assert "工艺方案与样件" in bodies["performance"] and "2027年12月31日" in bodies["performance"]


def test_a_licence_names_its_patent_and_the_three_manners_of_licensing():
    bodies = templates.default_clauses(facts("license"))
    assert "专利号" in bodies["patent_number"]
    assert all(mode in bodies["license_mode"] for mode in ("独占", "排他", "普通"))
    assert "专利权" in templates.default_clauses(facts("transfer"))["right_type"]


def test_the_role_names_in_the_text_are_the_chinese_labels_of_the_roles(app):
    with app.test_request_context(), force_locale("zh_Hans_CN"):
        assert {code: str(labels.PARTY_ROLES[code]) for code in templates.ROLE_NAMES} == templates.ROLE_NAMES
        assert {code: str(labels.CONTRACT_CLAUSES[code]) for code in templates.HEADINGS} == templates.HEADINGS


def test_the_hash_is_of_the_canonical_text_and_changes_with_any_character():
    bodies = templates.default_clauses(facts("commissioned_development"))
    canonical = templates.canonical_text("commissioned_development", bodies)
    assert canonical.startswith("一、项目名称\n铝合金车身激光焊接气孔控制\n二、标的的内容、范围和要求\n")
    import hashlib

    sha = templates.text_sha256("commissioned_development", bodies)
    assert sha == hashlib.sha256(canonical.encode("utf-8")).hexdigest()
    changed = {**bodies, "terms": bodies["terms"] + "。"}
    assert templates.text_sha256("commissioned_development", changed) != sha
    assert templates.normalise(" 第一行  \r\n第二行\r\n") == "第一行\n第二行"


# --- the database ---------------------------------------------------------------------------------------------


def count(session, table, *where) -> int:
    session.expire_all()
    return session.exec(select(func.count()).select_from(table).where(*where)).one()


def live(session, contract_id: int) -> list[ContractSignature]:
    session.expire_all()
    return list(
        session.exec(
            select(ContractSignature).where(
                ContractSignature.contract_id == contract_id, ContractSignature.voided_at.is_(None)
            )
        ).all()
    )


def newest(session, contract_id: int) -> ContractText:
    session.expire_all()
    return session.exec(
        select(ContractText)
        .where(ContractText.contract_id == contract_id)
        .order_by(ContractText.version.desc())
    ).first()


def sign(client, path: str, token: dict, sha: str | None = None):
    sha = sha or client.get(path, headers=token).json["text"]["sha256"]
    return client.post(f"{path}/transition", headers=token, json={"to": "signed", "text_sha256": sha})


@on_both_databases
def test_a_contract_starts_with_version_1_of_the_model_text(client, session, world, tokens):
    contract = draft_contract(session, world, accepted_interest(session, world))
    shown = client.get(f"/api/v1/contracts/{contract.id}", headers=tokens["center"]).json
    assert shown["text"]["version"] == 1 and shown["signatures"] == []
    clauses = shown["text"]["clauses"]
    assert shown["text"]["clause_order"] == list(templates.CLAUSES["commissioned_development"])
    assert set(clauses) == set(shown["text"]["clause_order"])
    assert clauses["project_name"] == CONTRACT["title"] and "委托方（甲方）" in clauses["subject"]
    assert "人民币 1,200,000 元（120 万元）" in clauses["price"] and "小批量验证" in clauses["performance"]
    assert shown["text"]["sha256"] == templates.text_sha256("commissioned_development", clauses)
    assert newest(session, contract.id).sha256 == shown["text"]["sha256"]


@on_both_databases
def test_bad_edits_are_422_naming_what_is_wrong_and_save_nothing(client, session, world, tokens):
    contract = draft_contract(session, world, accepted_interest(session, world))
    path = f"/api/v1/contracts/{contract.id}/text"
    unknown = client.put(
        path, headers=tokens["sme"], json={"clauses": {"royalty_rate": "5%", "gift": "x", "terms": "术语"}}
    )
    assert unknown.status_code == 422 and "gift, royalty_rate" in unknown.json["error"]["fields"]["clauses"]
    too_long = client.put(path, headers=tokens["sme"], json={"clauses": {"subject": "长" * 5001}})
    assert too_long.status_code == 422 and "subject" in too_long.json["error"]["fields"]
    empty = client.put(path, headers=tokens["sme"], json={"clauses": {"price": "   "}})
    assert empty.status_code == 422 and "price" in empty.json["error"]["fields"]
    assert client.put(path, headers=tokens["sme"], json={"clauses": "全文"}).status_code == 422
    assert client.put(path, headers=tokens["bureau"], json={"clauses": {"terms": "术语"}}).status_code == 403
    assert client.put(path, headers=tokens["other"], json={"clauses": {"terms": "术语"}}).status_code == 404
    assert count(session, ContractText, ContractText.contract_id == contract.id) == 1
    assert session.get(Contract, contract.id).version == 1


@on_both_databases
def test_an_edit_is_a_new_version_and_the_other_party_sees_the_diff(client, auth, session, world, tokens):
    contract = draft_contract(session, world, accepted_interest(session, world))
    first = newest(session, contract.id)
    auth.login(world.sme.email)
    page = client.get(f"/contracts/{contract.id}/text").get_data(as_text=True)
    assert "名词和术语的解释" in page
    edited = client.post(
        f"/contracts/{contract.id}/text",
        data={
            "csrf_token": csrf_token(client, f"/contracts/{contract.id}/text"),
            "clause-acceptance": "乙方交付样件后，甲方在十日内按<b>附件二</b>的指标验收。",
        },
    )
    assert edited.status_code == 302
    second = newest(session, contract.id)
    assert second.version == 2 and second.sha256 != first.sha256
    assert second.clauses["terms"] == first.clauses["terms"]  # what was not sent stays
    assert second.sha256 == templates.text_sha256("commissioned_development", second.clauses)
    actions = [
        e.action
        for e in session.exec(
            select(AuditEvent).where(
                AuditEvent.subject_type == "contract", AuditEvent.subject_id == contract.id
            )
        ).all()
    ]
    assert actions == ["created", "text_edited"]
    auth.logout()

    auth.login(world.center.email)
    page = client.get(f"/contracts/{contract.id}").get_data(as_text=True)
    change = page.split('id="text-change"', 1)[1].split("</section>", 1)[0]
    assert "第 2 版的修改内容" in change and world.sme.name in change
    assert "验收标准和方法" in change and "<ins>" in change and "<del>" in change
    assert "&lt;b&gt;附件二&lt;/b&gt;" in change and "<b>附件二" not in page  # the typed HTML stays text
    assert second.sha256 in page
    api = client.get(f"/api/v1/contracts/{contract.id}", headers=tokens["center"]).json["text"]
    assert api["version"] == 2 and api["clauses"]["acceptance"].startswith("乙方交付样件后")


@on_both_databases
def test_an_edit_after_one_signature_voids_it_and_both_sign_again(client, session, world, tokens):
    contract = draft_contract(session, world, accepted_interest(session, world))
    path = f"/api/v1/contracts/{contract.id}"
    assert sign(client, path, tokens["sme"]).status_code == 200
    [signature] = live(session, contract.id)
    assert (signature.party, signature.method, signature.text_version) == ("a", "api_token", 1)
    assert signature.user_id == world.sme.id and signature.org_id == world.sme.org_id and signature.address

    edited = client.put(f"{path}/text", headers=tokens["center"], json={"clauses": {"terms": "无特别术语。"}})
    assert edited.status_code == 200
    body = edited.json
    assert body["signatures"] == [] and body["party_a"]["signed_at"] is None and body["text"]["version"] == 2
    assert live(session, contract.id) == []
    audit = client.get(f"{path}/audit", headers=tokens["sme"]).json["items"]
    assert [e["action"] for e in audit] == ["created", "signed_by_a", "signature_voided", "text_edited"]

    assert sign(client, path, tokens["sme"]).status_code == 200
    done = sign(client, path, tokens["center"]).json
    assert done["status"] == "signed"
    assert {s["party"]: s["text_sha256"] for s in done["signatures"]} == {
        "a": done["text"]["sha256"],
        "b": done["text"]["sha256"],
    }
    # Frozen once both have signed.
    frozen = client.put(f"{path}/text", headers=tokens["sme"], json={"clauses": {"terms": "改"}})
    assert frozen.status_code == 409
    assert newest(session, contract.id).version == 2


@on_both_databases
def test_a_stale_hash_is_409_and_a_missing_one_422_and_nothing_changes(client, session, world, tokens):
    contract = draft_contract(session, world, accepted_interest(session, world))
    path = f"/api/v1/contracts/{contract.id}"
    stale = client.get(path, headers=tokens["sme"]).json["text"]["sha256"]
    assert (
        client.put(
            f"{path}/text", headers=tokens["center"], json={"clauses": {"terms": "新术语。"}}
        ).status_code
        == 200
    )
    session.expire_all()
    before = (session.get(Contract, contract.id).version, count(session, AuditEvent))
    assert before[0] == 2  # the edit bumped the contract's version too
    refused = sign(client, path, tokens["sme"], sha=stale)
    assert refused.status_code == 409
    assert refused.json["error"]["fields"]["text_sha256"] == newest(session, contract.id).sha256
    missing = client.post(f"{path}/transition", headers=tokens["sme"], json={"to": "signed"})
    assert missing.status_code == 422 and "text_sha256" in missing.json["error"]["fields"]
    session.expire_all()
    row = session.get(Contract, contract.id)
    assert (row.version, count(session, AuditEvent)) == before
    assert row.signed_by_a_at is None and count(session, ContractSignature) == 0


@on_both_databases
def test_the_page_shows_the_exact_text_and_a_wrong_password_signs_nothing(client, auth, session, world):
    contract = draft_contract(session, world, accepted_interest(session, world))
    current = newest(session, contract.id)
    auth.login(world.sme.email)
    page = client.get(f"/contracts/{contract.id}/sign").get_data(as_text=True)
    assert current.sha256 in page and "一、项目名称" in page and current.clauses["liability"] in page
    assert 'type="password"' in page
    wrong = client.post(
        f"/contracts/{contract.id}/sign",
        data={
            "csrf_token": csrf_token(client, f"/contracts/{contract.id}/sign"),
            "text_sha256": current.sha256,
            "password": "not-my-password",
        },
    )
    assert wrong.status_code == 422 and "密码不正确" in wrong.get_data(as_text=True)
    session.expire_all()
    assert session.get(Contract, contract.id).signed_by_a_at is None
    assert count(session, ContractSignature) == 0
    assert sign_on_page(client, f"/contracts/{contract.id}", PASSWORD).status_code == 302
    [signature] = live(session, contract.id)
    assert (signature.party, signature.method, signature.text_sha256) == ("a", "password", current.sha256)
    # Signed already: nothing more to sign.
    assert client.get(f"/contracts/{contract.id}/sign").status_code == 409


@on_both_databases
def test_both_parties_signing_at_once_sign_it_once_with_two_records(app, session, world, tokens):
    contract = draft_contract(session, world, accepted_interest(session, world))
    path = f"/api/v1/contracts/{contract.id}"
    sha = app.test_client().get(path, headers=tokens["sme"]).json["text"]["sha256"]
    results = concurrently(
        lambda: sign(app.test_client(), path, tokens["sme"], sha),
        lambda: sign(app.test_client(), path, tokens["center"], sha),
        lambda: sign(app.test_client(), path, tokens["center"], sha),
    )
    assert sorted(r.status_code for r in results) == [200, 200, 409]
    session.expire_all()
    assert session.get(Contract, contract.id).status == "signed"
    rows = live(session, contract.id)
    assert sorted(r.party for r in rows) == ["a", "b"] and {r.text_sha256 for r in rows} == {sha}
    assert count(session, ContractSignature) == 2
    signed_events = count(
        session, AuditEvent, AuditEvent.subject_id == contract.id, AuditEvent.action.like("signed_by_%")
    )
    assert signed_events == 2


@on_both_databases
def test_a_signature_racing_an_edit_never_names_a_text_that_is_not_stored(app, session, world, tokens):
    contract = draft_contract(session, world, accepted_interest(session, world))
    path = f"/api/v1/contracts/{contract.id}"
    outcomes = set()
    for n in range(4):
        sha = app.test_client().get(path, headers=tokens["sme"]).json["text"]["sha256"]
        signed, edited = concurrently(
            lambda sha=sha: sign(app.test_client(), path, tokens["sme"], sha),
            lambda n=n: app.test_client().put(
                f"{path}/text", headers=tokens["center"], json={"clauses": {"terms": f"第{n}轮修改的术语。"}}
            ),
        )
        assert edited.status_code == 200 and signed.status_code in (200, 409)
        outcomes.add(signed.status_code)
        current = newest(session, contract.id)
        assert current.version == n + 2
        session.expire_all()
        # The edit always lands: a signature that came first is voided, one that came second named a stale
        # text and was refused. Either way no live signature names anything but the stored current text.
        assert live(session, contract.id) == [] and session.get(Contract, contract.id).signed_by_a_at is None
        written = count(session, ContractSignature, ContractSignature.text_sha256 == sha)
        assert written == (1 if signed.status_code == 200 else 0)
    # Every signature ever written named a version that is stored with exactly that hash.
    stored = {(t.version, t.sha256) for t in session.exec(select(ContractText)).all()}
    assert {(s.text_version, s.text_sha256) for s in session.exec(select(ContractSignature)).all()} <= stored
    assert outcomes  # (which order won varies from run to run)


@on_both_databases
def test_the_contract_pdf_carries_the_text_the_signatures_and_the_hash(client, auth, session, world, tokens):
    contract = draft_contract(session, world, accepted_interest(session, world))
    path = f"/api/v1/contracts/{contract.id}"
    assert sign(client, path, tokens["sme"]).status_code == 200
    assert sign(client, path, tokens["center"]).status_code == 200
    sha = newest(session, contract.id).sha256
    for who in ("sme", "center", "bureau"):
        response = client.get(f"{path}/document.pdf", headers=tokens[who])
        assert response.status_code == 200 and response.mimetype == "application/pdf"
        content = pdf_text(response.data)
        assert sha in content and "项目名称" in content and "争议解决方法" in content
        assert world.sme.name in content and world.center.name in content  # both signers
        assert "工艺方案与样件" in content  # a milestone
        assert "签署时间：" in content  # full-width colon after a Chinese label
    assert client.get(f"{path}/document.pdf", headers=tokens["other"]).status_code == 404
    auth.login(world.center.email)
    page = client.get(f"/contracts/{contract.id}/document.pdf")
    assert page.status_code == 200 and sha in pdf_text(page.data)
    auth.logout()
    auth.login(world.other.email)
    assert client.get(f"/contracts/{contract.id}/document.pdf").status_code == 404


@on_both_databases
def test_the_database_refuses_to_rewrite_a_version(app, session, world):
    contract = draft_contract(session, world, accepted_interest(session, world))
    engine = app.extensions["db_engine"]
    for statement in ("UPDATE contract_text SET sha256 = 'forged'", "DELETE FROM contract_text"):
        with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
            conn.execute(text(statement))
    assert newest(session, contract.id).version == 1


def test_signed_demo_contracts_carry_their_text_and_both_signatures(app, session):
    from app.ops import demo

    with app.app_context():
        demo.load_demo(session=session, ttl_days=180)
    session.expire_all()
    contracts = session.exec(select(Contract)).all()
    assert contracts
    for contract in contracts:
        current = newest(session, contract.id)
        assert current is not None and current.version == 1
        rows = live(session, contract.id)
        expected = {"a"} if contract.signed_by_a_at else set()
        expected |= {"b"} if contract.signed_by_b_at else set()
        assert {r.party for r in rows} == expected
        assert all(r.text_sha256 == current.sha256 for r in rows)
        if contract.status != "draft":
            assert expected == {"a", "b"}


@on_both_databases
def test_two_edits_at_once_make_two_versions_in_turn(app, session, world, tokens):
    contract = draft_contract(session, world, accepted_interest(session, world))
    path = f"/api/v1/contracts/{contract.id}/text"
    results = concurrently(
        lambda: app.test_client().put(
            path, headers=tokens["sme"], json={"clauses": {"terms": "甲方的术语。"}}
        ),
        lambda: app.test_client().put(
            path, headers=tokens["center"], json={"clauses": {"disputes": "提交长春仲裁委员会仲裁。"}}
        ),
    )
    assert [r.status_code for r in results] == [200, 200]
    versions = session.exec(
        select(ContractText).where(ContractText.contract_id == contract.id).order_by(ContractText.version)
    ).all()
    assert [v.version for v in versions] == [1, 2, 3]
    # The later edit was made on top of the earlier one: both changes are in the newest version.
    assert versions[-1].clauses["terms"] == "甲方的术语。"
    assert versions[-1].clauses["disputes"] == "提交长春仲裁委员会仲裁。"
