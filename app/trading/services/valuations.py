"""Valuation guidance (科技成果评价) for an achievement: the seller's structured assessment, the comparable deals
of the achievements the matcher finds most similar, and the suggested price range with its reasons.

The comparables are the platform's own completed (履行完毕) or registered (已认定登记) contracts of those
achievements. Their amounts are confidential to their parties, so they leave this module only as
`valuation_rules.aggregate` shapes them. The seller and the bureau always see the valuation; everyone else only
once the seller publishes it with the listing. It is the platform's reference opinion, not an appraisal report
by a licensed valuer, and says so wherever it is shown.
"""

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, or_
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from app.market.services import recommendations
from app.market.services.listings import get_listing
from app.platform import audit, permissions
from app.platform.concurrency import versioned_update
from app.platform.errors import Conflict, NotFound
from app.platform.money import format_wan
from app.platform.validation import parse
from app.trading import valuation_rules as rules
from app.trading.services.sellers import own_achievement
from models import (
    Achievement,
    AchievementValuation,
    Contract,
    ContractRegistration,
    ContractStatus,
    Interest,
    User,
    ValuationIn,
)
from models.common import utcnow

# How many of the most similar achievements lend their deals as comparables.
SIMILAR = 20
DISCLAIMER = _l(
    "This valuation is the platform's reference opinion, not an appraisal report issued by a licensed asset "
    "valuation firm."
)
FIELDS = (
    "trl",
    "ip_type",
    "ip_status",
    "claims",
    "remaining_years",
    "family_size",
    "market_readiness",
    "application_readiness",
    "note",
    "published",
)


def valuation_of(session: Session, achievement_id: int) -> AchievementValuation | None:
    return session.exec(
        select(AchievementValuation).where(AchievementValuation.achievement_id == achievement_id)
    ).first()


def published_valuation(session: Session, achievement_id: int) -> AchievementValuation | None:
    """The assessment everyone may see on the achievement's page, if the seller published it."""
    row = valuation_of(session, achievement_id)
    return row if row is not None and row.published else None


def comparable_deals(session: Session, achievement: Achievement) -> list[rules.Deal]:
    """The completed or registered contracts (with an amount) over the achievements most like this one: those
    an interest targeted, or reached through (`via`)."""
    ids = recommendations.similar_achievements(achievement, SIMILAR)
    if not ids:
        return []
    registered = select(ContractRegistration.contract_id).where(ContractRegistration.status == "registered")
    contracts = session.exec(
        select(Contract)
        .join(Interest, col(Interest.id) == Contract.interest_id)
        .where(
            or_(
                and_(col(Interest.target_type) == "achievement", col(Interest.target_id).in_(ids)),
                and_(col(Interest.via_type) == "achievement", col(Interest.via_id).in_(ids)),
            ),
            or_(col(Contract.status) == ContractStatus.completed, col(Contract.id).in_(registered)),
            Contract.amount > 0,
        )
        .order_by(col(Contract.id))
    ).all()
    return [
        rules.Deal(kind=c.kind, year=rules.deal_year(c.signed_on, c.created_at.date()), amount=c.amount)
        for c in contracts
    ]


def _assessment(row: AchievementValuation) -> rules.Assessment:
    return rules.Assessment(
        trl=row.trl,
        ip_status=row.ip_status,
        remaining_years=row.remaining_years,
        family_size=row.family_size,
        market_readiness=row.market_readiness,
        application_readiness=row.application_readiness,
    )


def _ip_status(code: str) -> str:
    from app.web import labels

    return str(labels.label(labels.IP_STATUSES, code))


def _wan(amount: int) -> str:
    return format_wan(amount)


def reasons(suggestion: dict, comparables: dict, row: AchievementValuation) -> list[dict]:
    """Each factor of the suggestion as a code, its value and a sentence in the reader's language."""
    f = suggestion["factors"]
    out = [
        {"code": "trl", "factor": f["trl"], "text": _("TRL %(trl)s: factor %(f)s", trl=row.trl, f=f["trl"])},
        {
            "code": "ip",
            "factor": f["ip"],
            "text": _(
                "IP %(status)s, %(years)s years of term left, family of %(family)s: factor %(f)s",
                status=_ip_status(row.ip_status),
                years=row.remaining_years,
                family=row.family_size,
                f=f["ip"],
            ),
        },
        {
            "code": "readiness",
            "factor": round(f["market"] * f["application"], 3),
            "text": _(
                "Market and application readiness: factors %(m)s and %(a)s", m=f["market"], a=f["application"]
            ),
        },
    ]
    if suggestion["basis"] == "median":
        text = _(
            "Median of %(n)s comparable deals: %(base)s 10k yuan; range ±%(spread)s%%",
            n=comparables["count"],
            base=_wan(suggestion["base"]),
            spread=round(100 * suggestion["spread"]),
        )
    elif suggestion["basis"] == "band":
        text = _(
            "Only %(n)s comparable deals: the middle of their amount band (%(base)s 10k yuan) is used and the range is "
            "wider, ±%(spread)s%%",
            n=comparables["count"],
            base=_wan(suggestion["base"]),
            spread=round(100 * suggestion["spread"]),
        )
    else:
        text = _(
            "No completed or registered deals of similar achievements yet: without market evidence the platform "
            "suggests no price range."
        )
    out.append({"code": "comparables", "basis": suggestion["basis"], "text": text})
    return out


def assessment_view(row: AchievementValuation) -> dict:
    return {
        **{name: getattr(row, name) for name in FIELDS},
        "version": row.version,
        "updated_at": row.updated_at.isoformat(),
    }


def valuation_view(session: Session, achievement: Achievement, row: AchievementValuation | None) -> dict:
    """The whole valuation as the page and the API show it."""
    deals = comparable_deals(session, achievement)
    comparables = rules.aggregate(deals)
    suggested, why = None, []
    if row is not None:
        suggestion = rules.suggest(_assessment(row), deals)
        suggested = {k: suggestion[k] for k in ("low", "high", "basis", "spread", "factors")}
        why = reasons(suggestion, comparables, row)
    return {
        "achievement_id": achievement.id,
        "assessment": assessment_view(row) if row is not None else None,
        "suggested_range": suggested,
        "reasons": why,
        "comparables": comparables,
        "disclaimer": str(DISCLAIMER),
    }


def may_edit(user: User | None, achievement: Achievement) -> bool:
    return permissions.owns(user, achievement)


def get_valuation(*, session: Session, user: User | None, achievement_id: int) -> dict:
    """The seller and the bureau always (an unsaved assessment is `None`); others only a published one, 404
    otherwise, exactly as for an achievement that does not exist."""
    achievement = get_listing(session=session, kind="achievement", listing_id=achievement_id, user=user)
    assert isinstance(achievement, Achievement)
    row = valuation_of(session, achievement_id)
    if not (permissions.owns(user, achievement) or permissions.is_bureau(user)) and (
        row is None or not row.published
    ):
        raise NotFound(_("This achievement has no published valuation."))
    return valuation_view(session, achievement, row)


STALE = _l("Someone saved this assessment after you opened it; reload it, check the changes and save again.")


def save_valuation(
    *, session: Session, user: User | None, achievement_id: int, data: dict
) -> AchievementValuation:
    """The seller saves the assessment (and whether it is published): the first save inserts, later ones must
    name the version they read; a stale or concurrent save (or one without a version once an assessment exists)
    gets 409 and changes nothing."""
    achievement = own_achievement(session, user, achievement_id)
    assert user is not None and achievement.id is not None
    valuation_in = parse(ValuationIn, data)
    values = valuation_in.model_dump(mode="json", include=set(FIELDS))
    row = valuation_of(session, achievement.id)
    before = row.published if row is not None else None
    if row is None:
        row = AchievementValuation(achievement_id=achievement.id, updated_by=user.id, **values)
        session.add(row)
        try:
            session.flush()
        except IntegrityError:  # another first save won
            session.rollback()
            raise Conflict(str(STALE)) from None
    else:
        if valuation_in.version is None:  # saved as a first save, but another save came first
            raise Conflict(str(STALE), {"version": _("Send the version of the assessment you read.")})
        assert row.id is not None
        versioned_update(
            session,
            AchievementValuation,
            row.id,
            values={**values, "updated_by": user.id, "updated_at": utcnow()},
            version=valuation_in.version,
            conflict=Conflict(str(STALE)),
        )
    audit.record(
        session,
        subject="achievement",
        subject_id=achievement.id,
        action="valuation_saved",
        actor=user,
        trl=values["trl"],
        published=values["published"],
    )
    if bool(before) != values["published"]:
        audit.record(
            session,
            subject="achievement",
            subject_id=achievement.id,
            action="valuation_published" if values["published"] else "valuation_withdrawn",
            actor=user,
        )
    session.commit()
    session.refresh(row)
    return row
