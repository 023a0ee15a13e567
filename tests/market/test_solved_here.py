"""Closing a listing as solved on this platform links the contract that solved it: chosen when there are several,
shown to those who may see the contract, a plain note otherwise, cleared on reopening."""

import pytest
from sqlmodel import select

from models import Contract, Need, Role
from tests.conftest import BACKENDS
from tests.utils.bureau import create_account
from tests.utils.factories import PASSWORD, create_need, create_user, verify_org
from tests.utils.indicator_world import signed_contract
from tests.utils.ui_deals import accept, create_contract, express
from tests.utils.web import bearer, concurrently, csrf_token

on_both_databases = pytest.mark.parametrize("backend", BACKENDS, indirect=True)


def need_with_contracts(session, enterprise, titles: list[str], draft: str | None = None):
    """A need of `enterprise` with one signed contract per title (each with another university), and
    optionally a contract still in draft."""
    verify_org(session, enterprise)
    need = create_need(session, enterprise)
    signed = []
    for title in [*titles, *([draft] if draft else [])]:
        provider = create_user(session, "university")
        verify_org(session, provider)
        interest = express(session, provider, "need", need.id)
        accept(session, enterprise, interest.id)
        if title == draft:
            signed.append(create_contract(session, enterprise, interest.id, title=title, milestones=[]))
        else:
            signed.append(
                signed_contract(session, enterprise, interest.id, (enterprise, provider), title=title)
            )
    return need, signed


def close(client, need_id: int, reason: str, contract_id: str | None = None):
    data = {"close_reason": reason, "csrf_token": csrf_token(client, f"/needs/{need_id}")}
    if contract_id is not None:
        data["contract_id"] = contract_id
    return client.post(f"/needs/{need_id}/close", data=data, follow_redirects=True).get_data(as_text=True)


@on_both_databases
def test_the_only_contract_is_linked_and_shown_to_the_parties_and_the_bureau(
    client, auth, session, enterprise
):
    need, (contract,) = need_with_contracts(session, enterprise, ["激光焊接委托开发合同"])
    auth.login(enterprise.email, PASSWORD)
    form = client.get(f"/needs/{need.id}").get_data(as_text=True)
    assert 'name="contract_id"' in form and "激光焊接委托开发合同" in form
    page = close(client, need.id, "solved_here")
    session.expire_all()
    assert session.get(Need, need.id).solved_contract_id == contract.id
    notice = page.split('id="solved-here"', 1)[1].split("</p>", 1)[0]
    assert "已通过本平台合同解决" in notice and f'href="/contracts/{contract.id}"' in notice
    assert (
        client.get(f"/api/v1/needs/{need.id}", headers=bearer(client, enterprise.email, PASSWORD)).json[
            "solved_contract_id"
        ]
        == contract.id
    )
    auth.logout()
    assert (
        client.get(f"/needs/{need.id}").status_code == 404
    )  # a closed listing is its owner's and the bureau's


def test_the_bureau_sees_the_linked_contract_on_the_page_and_in_the_api(client, auth, session, enterprise):
    need, (contract,) = need_with_contracts(session, enterprise, ["模具开发合同"])
    client.patch(
        f"/api/v1/needs/{need.id}",
        json={"status": "closed", "close_reason": "solved_here"},
        headers=bearer(client, enterprise.email, PASSWORD),
    )
    bureau = create_account(session, Role.bureau, "市工信局")
    seen = client.get(f"/api/v1/needs/{need.id}", headers=bearer(client, bureau.email, PASSWORD)).json
    assert seen["close_reason"] == "solved_here" and seen["solved_contract_id"] == contract.id
    auth.login(bureau.email, PASSWORD)
    assert f'href="/contracts/{contract.id}"' in client.get(f"/needs/{need.id}").get_data(as_text=True)


@on_both_databases
def test_several_contracts_ask_which_one_and_only_the_listings_signed_ones_are_accepted(
    client, auth, session, enterprise
):
    need, (first, second, draft) = need_with_contracts(
        session, enterprise, ["一期合同", "二期合同"], draft="草稿合同"
    )
    auth.login(enterprise.email, PASSWORD)
    form = (
        client.get(f"/needs/{need.id}")
        .get_data(as_text=True)
        .split('name="contract_id"', 1)[1]
        .split("</select>")[0]
    )
    assert "一期合同" in form and "二期合同" in form and "草稿合同" not in form
    asked = close(client, need.id, "solved_here")
    assert "请选择促成此事的那一份" in asked
    for wrong in (str(draft.id), "junk"):
        assert "不是此发布的已签署合同" in close(client, need.id, "solved_here", wrong)
    session.expire_all()
    assert session.get(Need, need.id).status == "published"
    close(client, need.id, "solved_here", str(first.id))
    session.expire_all()
    assert session.get(Need, need.id).solved_contract_id == first.id


def test_other_reasons_and_no_contract_link_nothing_and_reopening_clears_the_link(
    client, auth, session, enterprise
):
    need, (contract,) = need_with_contracts(session, enterprise, ["检测服务合同"])
    auth.login(enterprise.email, PASSWORD)
    close(client, need.id, "solved_elsewhere", str(contract.id))
    session.expire_all()
    assert session.get(Need, need.id).solved_contract_id is None
    client.post(f"/needs/{need.id}/reopen", data={"csrf_token": csrf_token(client, f"/needs/{need.id}")})
    close(client, need.id, "solved_here")
    client.post(f"/needs/{need.id}/reopen", data={"csrf_token": csrf_token(client, f"/needs/{need.id}")})
    session.expire_all()
    assert (session.get(Need, need.id).status, session.get(Need, need.id).solved_contract_id) == (
        "draft",
        None,
    )

    lonely = create_need(session, enterprise, title="没有合同的需求")
    page = close(client, lonely.id, "solved_here")
    notice = page.split('id="solved-here"', 1)[1].split("</p>", 1)[0]
    assert "已在本平台达成" in notice and "href" not in notice


@on_both_databases
def test_two_closes_naming_different_contracts_at_once_link_the_winners(app, session, enterprise):
    need, (first, second) = need_with_contracts(session, enterprise, ["甲合同", "乙合同"])
    clients = [app.test_client() for _ in range(2)]
    tokens = [bearer(c, enterprise.email, PASSWORD) for c in clients]
    responses = concurrently(
        *(
            lambda c=c, t=t, k=k: c.patch(
                f"/api/v1/needs/{need.id}",
                json={"status": "closed", "close_reason": "solved_here", "contract_id": k.id},
                headers=t,
            )
            for c, t, k in zip(clients, tokens, (first, second), strict=True)
        )
    )
    codes = [r.status_code for r in responses]
    assert sorted(codes) == [200, 409]
    winner = responses[codes.index(200)].json["solved_contract_id"]
    session.expire_all()
    assert session.get(Need, need.id).solved_contract_id == winner
    assert winner in (first.id, second.id)
    assert len(session.exec(select(Contract)).all()) == 2
