"""Factories for tests: real rows made through the real services."""

import itertools
import random

from sqlmodel import Session

from app.accounts.services import accounts
from app.market.services import indexes, listings
from models import CHARSET, Organization, RegistrationIn, Role, User, check_character
from models.common import utcnow

_serial = itertools.count(1)
# Long enough and in no list of common passwords (see app/accounts/services/passwords.py).
PASSWORD = "mic-test-pass-2026"


def random_credit_code() -> str:
    """A valid unified social credit code: enterprise prefix, a Changchun region code, a random body."""
    body = "9122010" + "".join(random.choice(CHARSET) for _ in range(10))
    return body + check_character(body)


def registration_data(kind: str = "enterprise", **org) -> dict:
    n = next(_serial)
    return {
        "organization": {
            "kind": kind,
            "name": f"测试单位{n}有限公司",
            "credit_code": random_credit_code(),
            "region": "长春新区",
            "industries": ["automotive"],
            **org,
        },
        "email": f"user{n}-{random.randrange(10**6)}@example.cn",
        "password": PASSWORD,
        "name": f"测试用户{n}",
        "consent": True,
    }


def in_app(session: Session):
    """The app context the services need, for the app the `session` fixture belongs to."""
    return session.info["app"].app_context()


def create_user(session: Session, kind: str = "enterprise", **org) -> User:
    """An organization of `kind` and its first user (password PASSWORD)."""
    registration = RegistrationIn.model_validate(registration_data(kind, **org))
    with in_app(session):
        return accounts.register(session=session, registration=registration)


def need_data(**overrides) -> dict:
    return {
        "title": "铝合金车身激光焊接气孔控制",
        "description": "寻求铝合金车身激光焊接气孔缺陷控制技术合作。",
        "details": "现有焊接速度4m/min，气孔率3%，目标低于0.5%。",
        "industry": "automotive",
        "cooperation_modes": ["commission"],
        "trl": 6,
        "budget_min": 500000,
        "budget_max": 1500000,
        **overrides,
    }


def achievement_data(**overrides) -> dict:
    return {
        "title": "激光-电弧复合焊接工艺",
        "description": "适用于铝合金薄板的激光-电弧复合焊接工艺，气孔率低于0.3%。",
        "industry": "automotive",
        "kind": "process",
        "trl": 7,
        "cooperation_modes": ["license"],
        "price": 800000,
        **overrides,
    }


def create_need(session: Session, user: User, publish: bool = True, **overrides):
    with in_app(session):
        return listings.create_listing(
            session=session, kind="need", data=need_data(**overrides), user=user, publish=publish
        )


def create_achievement(session: Session, user: User, publish: bool = True, **overrides):
    with in_app(session):
        return listings.create_listing(
            session=session,
            kind="achievement",
            data=achievement_data(**overrides),
            user=user,
            publish=publish,
        )


# The kind of organization each self-registered role comes from; bureau and expert accounts are created directly.
KIND_OF_ROLE = {"enterprise": "enterprise", "center": "center"}
ROLES = ("visitor", "enterprise", "center", "bureau", "expert")


def create_role_user(session: Session, role: str) -> User:
    """A user in `role` (enterprise, center, bureau or expert), with password PASSWORD."""
    if role in KIND_OF_ROLE:
        return create_user(session, KIND_OF_ROLE[role])
    n = next(_serial)
    with in_app(session):
        return accounts.create_user(
            session=session,
            email=f"{role}{n}-{random.randrange(10**6)}@example.cn",
            password=PASSWORD,
            name=f"{role}{n}",
            role=Role(role),
        )


def verify_org(session: Session, user: User) -> None:
    """Mark the user's organization verified, as the bureau would."""
    org = session.get(Organization, user.org_id)
    org.verified_at = utcnow()
    session.add(org)
    session.commit()


def drain_index(app) -> None:
    """Bring the search index up to date, as the outbox worker would."""
    worker, _vectors = indexes.make_worker(app)
    with app.app_context():
        worker.drain_once()
