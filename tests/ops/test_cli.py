"""Administrator commands: migrations, bureau accounts, demo data, expiry."""

from datetime import timedelta

from sqlmodel import func, select

from app.platform.regions import regions
from models import Achievement, Center, ListingStatus, Need, Organization, Role, Service, User
from models.common import utcnow
from tests.utils.factories import create_need, create_user


def test_create_bureau_user(runner, session):
    result = runner.invoke(
        args=[
            "users",
            "create-bureau",
            "--email",
            "chief@bureau.gov.cn",
            "--name",
            "局长",
            "--password",
            "secret-pass-1",
        ]
    )
    assert result.exit_code == 0, result.output
    user = session.exec(select(User).where(User.email == "chief@bureau.gov.cn")).one()
    assert user.role == Role.bureau and user.org_id is None
    again = runner.invoke(
        args=[
            "users",
            "create-bureau",
            "--email",
            "chief@bureau.gov.cn",
            "--name",
            "x",
            "--password",
            "secret-pass-1",
        ]
    )
    assert again.exit_code != 0


def test_bureau_login_works_through_api(runner, client):
    runner.invoke(
        args=[
            "users",
            "create-bureau",
            "--email",
            "b@bureau.gov.cn",
            "--name",
            "局",
            "--password",
            "secret-pass-1",
        ]
    )
    response = client.post(
        "/api/v1/auth/token", json={"email": "b@bureau.gov.cn", "password": "secret-pass-1"}
    )
    assert response.status_code == 200


def _counts(session):
    return {
        table.__name__: session.exec(select(func.count()).select_from(table)).one()
        for table in (Organization, Center, Need, Achievement, Service, User)
    }


def test_demo_load_is_alive_and_idempotent(runner, session, client):
    first = runner.invoke(args=["demo", "load"])
    assert first.exit_code == 0, first.output
    counts = _counts(session)
    assert counts["Center"] >= 8 and counts["Need"] >= 80 and counts["Achievement"] >= 120
    assert counts["Service"] >= 40
    assert (
        session.exec(
            select(func.count()).select_from(Organization).where(Organization.kind == "enterprise")
        ).one()
        >= 30
    )
    assert runner.invoke(args=["demo", "load"]).exit_code == 0
    session.expire_all()
    assert _counts(session) == counts
    listed = client.get("/api/v1/needs").json
    assert listed["total"] >= 60
    # Confidential demo needs keep their details private.
    confidential = session.exec(
        select(Need).where(Need.confidential, Need.status == ListingStatus.published)
    ).first()
    assert client.get(f"/api/v1/needs/{confidential.id}").json["details"] is None


def test_expire_listings(runner, session, client):
    user = create_user(session)
    need = create_need(session, user)
    need.expires_at = utcnow() - timedelta(days=1)
    session.add(need)
    session.commit()
    assert client.get("/api/v1/needs").json["total"] == 0  # past its expiry: hidden at once
    result = runner.invoke(args=["listings", "expire"])
    assert "1 listings expired" in result.output
    session.refresh(need)
    assert need.status == ListingStatus.expired


def test_demo_regions_are_codes_of_the_city(runner, session, app):
    assert runner.invoke(args=["demo", "load"]).exit_code == 0
    with app.app_context():
        known = set(regions())
    stored = set(session.exec(select(Need.region)).all()) | set(
        session.exec(select(Organization.region)).all()
    )
    assert stored - {None} <= known and len(stored - {None}) >= 8
