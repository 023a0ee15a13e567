"""Open challenges (揭榜挂帅) wherever their needs are found. A challenge is posted from a need and adds goals, a
reward and a deadline to it, so it is indexed as part of its need (the need's search document carries the
challenge's public text) and shown beside it: a search hit or a recommended need with an open challenge carries
`challenge` {id, reward, deadline, url}, and a recommendation says so among its reasons. Providers (centers,
universities, institutes) thus meet challenges where they already meet needs, with no listing kind of its own.

Only models here: the market's indexing and recommendations import this module, not the trading services."""

from datetime import date

from flask_babel import gettext as _
from sqlmodel import Session, col, select

from app.platform.money import format_wan
from models import Challenge, ChallengeStatus
from models.common import utcnow

# What a search for the practice's name finds, in both languages.
INDEX_LABEL = "揭榜挂帅 open challenge"


def open_by_need(session: Session, need_ids, today: date | None = None) -> dict[int, Challenge]:
    """Each need's newest challenge still taking proposals (open, deadline not passed)."""
    ids = sorted({int(i) for i in need_ids})
    if not ids:
        return {}
    today = today or utcnow().date()
    rows = session.exec(
        select(Challenge)
        .where(
            col(Challenge.need_id).in_(ids),
            Challenge.status == ChallengeStatus.open,
            col(Challenge.deadline) >= today,
        )
        .order_by(col(Challenge.id))
    ).all()
    return {row.need_id: row for row in rows}  # the newest wins


def index_text(challenge: Challenge) -> str:
    """The challenge's public text, appended to its need's search document."""
    return f"{INDEX_LABEL}\n{challenge.goals}\n{challenge.acceptance_criteria}"


def badge(challenge: Challenge) -> dict:
    return {
        "id": challenge.id,
        "reward": challenge.reward,
        "deadline": challenge.deadline.isoformat(),
        "url": f"/challenges/{challenge.id}",
    }


def reason(challenge: Challenge) -> dict:
    return {
        "code": "open_challenge",
        "reward": challenge.reward,
        "deadline": challenge.deadline.isoformat(),
        "text": _(
            "Open challenge (揭榜挂帅): reward %(reward)s 10k yuan, proposals until %(deadline)s",
            reward=format_wan(challenge.reward),
            deadline=challenge.deadline.isoformat(),
        ),
    }


def annotate(
    session: Session, items: list[dict], *, type_key: str, id_key: str, with_reason: bool = False
) -> None:
    """Add `challenge` (and, for recommendations, the reason first) to each need item with an open challenge."""
    open_ones = open_by_need(session, [item[id_key] for item in items if item.get(type_key) == "need"])
    for item in items:
        challenge = open_ones.get(item[id_key]) if item.get(type_key) == "need" else None
        if challenge is None:
            continue
        item["challenge"] = badge(challenge)
        if with_reason:
            item["reasons"] = [reason(challenge), *item.get("reasons", [])]
