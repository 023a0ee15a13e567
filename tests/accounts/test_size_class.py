"""An organization's enterprise size class (企业规模): entered at registration, changed by the organization's own
users or the bureau on its page or through the API, refused with a clear message when it is not one of the
four classes or the organization is no enterprise, and suggested from employees and revenue."""

import pytest
from sqlmodel import select

from models import AuditEvent, Organization, Role, SizeClass, suggest_size_class
from tests.conftest import BACKENDS
from tests.utils.bureau import create_account
from tests.utils.factories import PASSWORD, create_user, registration_data
from tests.utils.web import bearer, concurrently, csrf_token

on_both_databases = pytest.mark.parametrize("backend", BACKENDS, indirect=True)


def org_of(session, user) -> Organization:
    session.expire_all()
    return session.get(Organization, user.org_id)


@pytest.mark.parametrize(
    ("employees", "revenue", "expected"),
    [
        (1200, 500_000_000, SizeClass.large),
        (1200, 300_000_000, SizeClass.medium),  # large needs both bounds
        (350, 15_000_000, SizeClass.small),  # medium needs both bounds
        (300, 20_000_000, SizeClass.medium),
        (20, 3_000_000, SizeClass.small),
        (19, 900_000_000, SizeClass.micro),  # below either bound of small
        (500, 2_000_000, SizeClass.micro),
    ],
)
def test_the_national_classification_of_an_industrial_firm(employees, revenue, expected):
    assert suggest_size_class(employees, revenue) == expected


@on_both_databases
def test_registration_takes_the_size_class_and_refuses_a_bad_one(client, session):
    data = registration_data()
    data["organization"]["size_class"] = "small"
    created = client.post("/api/v1/register", json=data)
    assert created.status_code == 201 and created.json["organization"]["size_class"] == "small"

    data = registration_data()
    data["organization"]["size_class"] = "tiny"
    refused = client.post("/api/v1/register", json=data)
    assert refused.status_code == 422
    assert "大型、中型、小型或微型" in refused.json["error"]["fields"]["organization.size_class"]

    data = registration_data("university")
    data["organization"]["size_class"] = "large"
    refused = client.post("/api/v1/register", json=data)
    assert refused.status_code == 422
    assert "只有企业" in refused.json["error"]["fields"]["organization.size_class"]
    assert (
        session.exec(select(Organization).where(Organization.name == data["organization"]["name"])).first()
        is None
    )


def test_the_registration_form_offers_the_size_class(client, session):
    page = client.get("/auth/register").get_data(as_text=True)
    assert 'name="size_class"' in page and "微型" in page
    data = registration_data()
    org, form = (
        data["organization"],
        {
            "org_kind": "enterprise",
            "org_name": data["organization"]["name"],
            "credit_code": data["organization"]["credit_code"],
            "region": "",
            "size_class": "huge",
            "name": data["name"],
            "email": data["email"],
            "password": PASSWORD,
            "password2": PASSWORD,
            "consent": "y",
            "csrf_token": csrf_token(client, "/auth/register"),
        },
    )
    refused = client.post("/auth/register", data=form)
    assert refused.status_code == 422 and "请选择企业规模" in refused.get_data(as_text=True)
    form["size_class"] = "micro"
    assert client.post("/auth/register", data=form).status_code == 302
    saved = session.exec(select(Organization).where(Organization.name == org["name"])).one()
    assert saved.size_class == "micro"


@on_both_databases
def test_the_organization_and_the_bureau_change_it_through_the_api_and_nobody_else(client, session):
    firm = create_user(session, "enterprise")
    other = create_user(session, "enterprise")
    bureau = create_account(session, Role.bureau, "市工信局")
    own = bearer(client, firm.email, PASSWORD)
    url = f"/api/v1/organizations/{firm.org_id}"

    changed = client.patch(url, json={"size_class": "medium"}, headers=own)
    assert changed.status_code == 200 and changed.json["size_class"] == "medium"
    assert client.get(url).json["size_class"] == "medium"  # public, like the rest of the profile

    refused = client.patch(url, json={"size_class": "giant"}, headers=own)
    assert (
        refused.status_code == 422
        and "大型、中型、小型或微型" in refused.json["error"]["fields"]["size_class"]
    )
    assert org_of(session, firm).size_class == "medium"  # nothing saved is lost

    assert (
        client.patch(
            url, json={"size_class": "small"}, headers=bearer(client, other.email, PASSWORD)
        ).status_code
        == 403
    )
    assert client.patch(url, json={"size_class": "small"}).status_code == 401
    # Employees and revenue instead of a class: the suggested class (500 people, 1 亿 → medium).
    suggested = client.patch(
        url,
        json={"size_class": None, "employees": 500, "revenue": 100_000_000},
        headers=bearer(client, bureau.email, PASSWORD),
    )
    assert suggested.status_code == 200 and suggested.json["size_class"] == "medium"
    assert client.patch(url, json={"size_class": None}, headers=own).json["size_class"] is None
    steps = session.exec(
        select(AuditEvent.from_state, AuditEvent.to_state)
        .where(
            AuditEvent.subject_type == "organization",
            AuditEvent.subject_id == firm.org_id,
            AuditEvent.action == "size_class_changed",
        )
        .order_by(AuditEvent.id)
    ).all()
    assert [tuple(s) for s in steps] == [(None, "medium"), ("medium", None)]  # the same class again: no step


def test_a_university_has_no_size_class(client, session):
    lab = create_user(session, "university")
    response = client.patch(
        f"/api/v1/organizations/{lab.org_id}",
        json={"size_class": "small"},
        headers=bearer(client, lab.email, PASSWORD),
    )
    assert response.status_code == 422 and "只有企业" in response.json["error"]["fields"]["size_class"]
    assert org_of(session, lab).size_class is None


def test_the_organization_page_changes_it_with_csrf(client, auth, session):
    firm = create_user(session, "enterprise")
    auth.login(firm.email)
    page = client.get("/account/organization")
    assert page.status_code == 200 and "企业规模" in page.get_data(as_text=True)
    assert (
        client.post("/account/organization", data={"size_class": "small"}).status_code == 400
    )  # no CSRF token
    token = csrf_token(client, "/account/organization")
    refused = client.post("/account/organization", data={"size_class": "nano", "csrf_token": token})
    assert refused.status_code == 422 and "请选择企业规模" in refused.get_data(as_text=True)
    saved = client.post("/account/organization", data={"size_class": "small", "csrf_token": token})
    assert saved.status_code == 302 and org_of(session, firm).size_class == "small"
    # Left empty, with 25 people and 500 万元 of revenue: small, as suggested.
    client.post("/account/organization", data={"size_class": "micro", "csrf_token": token})
    client.post(
        "/account/organization",
        data={"size_class": "", "employees": "25", "revenue_wan": "500", "csrf_token": token},
    )
    assert org_of(session, firm).size_class == "small"
    assert "小型" in client.get(f"/organizations/{firm.org_id}").get_data(as_text=True)


@on_both_databases
def test_two_concurrent_changes_each_record_the_class_the_other_left(app, session):
    firm = create_user(session, "enterprise")
    headers = bearer(app.test_client(), firm.email, PASSWORD)
    clients = [app.test_client() for _ in range(2)]
    responses = concurrently(
        *(
            lambda c=c, size=size: c.patch(
                f"/api/v1/organizations/{firm.org_id}", json={"size_class": size}, headers=headers
            )
            for c, size in zip(clients, ("small", "medium"), strict=True)
        )
    )
    assert sorted(r.status_code for r in responses) == [200, 200]
    final = org_of(session, firm).size_class
    steps = session.exec(
        select(AuditEvent.from_state, AuditEvent.to_state)
        .where(AuditEvent.subject_id == firm.org_id, AuditEvent.action == "size_class_changed")
        .order_by(AuditEvent.id)
    ).all()
    # One after the other: the second starts from the first's class, and the last is what stays.
    assert len(steps) == 2 and steps[0][0] is None and steps[1][0] == steps[0][1] and steps[1][1] == final
