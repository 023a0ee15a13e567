"""A marketplace whose indicators are known: two filed centers, a member unit acting through its center, and
contracts in every state that the counting rules tell apart. Everything is made through the services."""

from dataclasses import dataclass
from datetime import date, timedelta

from sqlmodel import Session

from app.deals.services import incubations
from app.oversight.services import center_records, evaluations
from models import Achievement, PriceNotice, Role, User
from models.common import utcnow
from tests.utils.bureau import create_account
from tests.utils.deal_world import sign_contract
from tests.utils.factories import create_achievement, create_need, create_user, in_app, verify_org
from tests.utils.ui_deals import accept, create_center, create_contract, express

YEAR = 2026


@dataclass
class IndicatorWorld:
    bureau: User
    sme: User  # an enterprise in 朝阳区
    center_user: User  # runs center `center_id` (automotive)
    member: User  # a university, member unit of that center, publishing through it
    other_center_user: User  # runs center `other_center_id` (new materials)
    expert: User
    center_id: int
    other_center_id: int
    achievement_id: int  # the member's achievement, naming the center


def sign(session: Session, contract_id: int, *users: User):
    with in_app(session):
        for user in users:
            sign_contract(session, user, contract_id)


def signed_contract(session: Session, creator: User, interest_id: int, signers: tuple[User, ...], **fields):
    contract = create_contract(session, creator, interest_id, milestones=[], **fields)
    sign(session, contract.id, *signers)
    return contract


def cleared_price_notice(session: Session, achievement_id: int, price: int) -> None:
    """A price notice of the achievement that ran its period without objection (app.trading.services.price_notices)."""
    achievement = session.get(Achievement, achievement_id)
    session.add(
        PriceNotice(
            achievement_id=achievement_id,
            seller_org_id=achievement.org_id,
            title=achievement.title,
            price=price,
            opened_at=utcnow() - timedelta(days=40),
            ends_at=utcnow() - timedelta(days=20),
        )
    )
    session.commit()


def make_world(session: Session) -> IndicatorWorld:
    bureau = create_account(session, Role.bureau, "市工信局统计员")
    expert = create_account(session, Role.expert, "钱专家")
    sme = create_user(session, "enterprise", region="朝阳区", size_class="small")
    center_user = create_user(session, "center", region="长春新区")
    member = create_user(session, "university", region="南关区", industries=["automotive"])
    other = create_user(session, "center", region="绿园区", industries=["new_materials"])
    for user in (sme, center_user, member, other):
        verify_org(session, user)
    center = create_center(session, center_user, members=(member,), filed_on=date(2024, 3, 1))
    other_center = create_center(
        session,
        other,
        name="长春市先进材料制造业创新中心",
        industry="new_materials",
        domain="高性能复合材料",
        filed_on=date(2024, 6, 1),
    )
    achievement = create_achievement(session, member, center_id=center.id, title="铝镁合金半固态压铸工艺")
    return IndicatorWorld(
        bureau, sme, center_user, member, other, expert, center.id, other_center.id, achievement.id
    )


def add_activity(session: Session, w: IndicatorWorld) -> None:
    """Contracts, incubations, trainings and projects, some counted in YEAR and some not."""
    # A license of the member's achievement (through the center): counts for the center, transfers it. The member
    # is a university selling by agreement, so its price notice (公示) ran and closed first.
    cleared_price_notice(session, w.achievement_id, 800_000)
    interest = express(session, w.sme, "achievement", w.achievement_id)
    accept(session, w.member, interest.id)
    signed_contract(
        session,
        w.sme,
        interest.id,
        (w.sme, w.member),
        kind="license",
        title="压铸工艺许可合同",
        amount=800_000,
        technology_amount=800_000,
        signed_on=f"{YEAR}-03-15",
        field="automotive",
    )
    # Commissioned R&D with the center's own organization: counts for the center.
    need = create_need(session, w.sme, title="一体化压铸件气孔控制")
    interest = express(session, w.center_user, "need", need.id)
    accept(session, w.sme, interest.id)
    signed_contract(
        session,
        w.sme,
        interest.id,
        (w.sme, w.center_user),
        kind="commissioned_development",
        amount=1_200_000,
        technology_amount=1_000_000,
        signed_on=f"{YEAR}-05-20",
        field="automotive",
    )
    # A technical service with the other center: new materials.
    need = create_need(session, w.sme, title="复合材料检测服务", industry="new_materials")
    interest = express(session, w.other_center_user, "need", need.id)
    accept(session, w.sme, interest.id)
    signed_contract(
        session,
        w.sme,
        interest.id,
        (w.sme, w.other_center_user),
        kind="technical_service",
        amount=300_000,
        technology_amount=250_000,
        signed_on=f"{YEAR}-05-02",
        field=None,
    )
    # Signed by one party only: does not count.
    create_contract(
        session,
        w.sme,
        interest.id,
        kind="technical_consulting",
        title="咨询合同（未签）",
        amount=90_000,
        technology_amount=90_000,
        signed_on=f"{YEAR}-06-01",
        milestones=[],
    )
    # Signed the year before: counts in that year only.
    signed_contract(
        session,
        w.sme,
        interest.id,
        (w.sme, w.other_center_user),
        kind="technical_consulting",
        title="上年度咨询合同",
        amount=50_000,
        technology_amount=40_000,
        signed_on=f"{YEAR - 1}-11-30",
        field="new_materials",
    )
    with in_app(session):
        # Firms without an account here: the bureau confirms them; only confirmed ones count.
        for name, started_on in (
            ("长春轻量化科技有限公司", f"{YEAR}-04-01"),
            ("早年孵化企业", f"{YEAR - 1}-04-01"),
        ):
            recorded = incubations.create_incubation(
                session=session,
                user=w.center_user,
                data={"center_id": w.center_id, "name": name, "started_on": started_on},
            )
            incubations.confirm_incubation(
                session=session, user=w.bureau, incubation_id=recorded.id, decision="confirm"
            )
        incubations.create_incubation(
            session=session,
            user=w.center_user,
            data={"center_id": w.center_id, "name": "尚未确认的孵化企业", "started_on": f"{YEAR}-05-01"},
        )
        center_records.add_training(
            session=session,
            user=w.center_user,
            center_id=w.center_id,
            data={"held_on": f"{YEAR}-02-10", "topic": "压铸工艺培训", "people": 35, "mode": "in_person"},
        )
        center_records.add_training(
            session=session,
            user=w.other_center_user,
            center_id=w.other_center_id,
            data={"held_on": f"{YEAR}-09-10", "topic": "复合材料培训", "people": 12, "mode": "online"},
        )
        center_records.add_cooperation(
            session=session,
            user=w.center_user,
            center_id=w.center_id,
            data={
                "partner": "Fraunhofer IWU",
                "country": "德国",
                "form": "joint_rd",
                "started_on": f"{YEAR - 1}-09-01",
            },
        )
        center_records.add_cooperation(
            session=session,
            user=w.center_user,
            center_id=w.center_id,
            data={
                "partner": "Politecnico di Milano",
                "country": "意大利",
                "form": "exchange",
                "started_on": f"{YEAR - 2}-01-01",
                "ended_on": f"{YEAR - 1}-06-30",
            },
        )


def open_evaluation(session: Session, w: IndicatorWorld):
    """The YEAR round with an evaluation of each filed center; returns the evaluation of `w.center_id`."""
    with in_app(session):
        evaluations.open_round(
            session=session, user=w.bureau, data={"year": YEAR, "deadline": f"{YEAR + 1}-03-31"}
        )
        round_ = evaluations.rounds(session=session)[0]
        rows = evaluations.evaluations_of_round(session=session, user=w.bureau, round_id=round_.id)
    return next(e for e, c in rows if c.id == w.center_id)
