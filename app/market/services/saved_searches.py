"""Saved searches and the daily digest that batches their new hits with new matches for the user's listings.

`build_digests` is meant for cron (`flask notify digest`): one digest per user per day, however often it runs,
because the day's `DigestRun` row is written in the same transaction as the digest's notification.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import delete, func, or_
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from app.market.rules import is_live
from app.market.services import digest_mail, recommendations
from app.market.services.index_documents import load_rows
from app.market.services.search import search_listings
from app.platform.errors import Conflict, Forbidden, Invalid, NotFound
from app.platform.notifications import notify
from app.platform.taxonomy import is_industry
from app.platform.validation import parse
from models import Achievement, Center, DigestRun, Need, SavedSearch, SavedSearchIn, User
from models.common import utcnow

MAX_SAVED = 20
HITS_PER_SEARCH = 50
# The matcher's recommendation kinds that say "someone new fits your listing".
MATCH_KINDS = {"need": ("commission", "license"), "achievement": ("needs",)}


@dataclass(frozen=True)
class DigestItem:
    reason: str  # "search" (a saved search found it) or "match" (it fits one of the user's listings)
    label: str  # the saved search's name, or the title of the user's listing
    target_type: str
    target_id: int
    title: str


@dataclass(frozen=True)
class Digest:
    user_id: int
    day: str
    items: tuple[DigestItem, ...]


def _require_user(user: User | None) -> User:
    if user is None:
        raise Forbidden(_("Please log in first."))
    return user


def create_saved_search(*, session: Session, user: User, data: dict) -> SavedSearch:
    """Save a query and its filters; new hits arrive in the daily digest."""
    user = _require_user(user)
    saved_in = parse(SavedSearchIn, data)
    if not is_industry(saved_in.industry):
        raise Invalid(_("Some fields are not valid."), {"industry": _("Unknown industry.")})
    if not (
        saved_in.query.strip()
        or saved_in.type
        or saved_in.industry
        or saved_in.mode
        or saved_in.region
        or saved_in.trl_min
    ):
        raise Invalid(_("Some fields are not valid."), {"query": _("Give some words or a filter to save.")})
    count = session.exec(
        select(func.count()).select_from(SavedSearch).where(SavedSearch.user_id == user.id)
    ).one()
    if count >= MAX_SAVED:
        raise Conflict(_("You can keep at most %(n)s saved searches; delete one first.", n=MAX_SAVED))
    values = saved_in.model_dump()
    values["query"] = values["query"].strip()
    values["name"] = values["name"].strip() or values["query"] or _("Saved search")
    assert user.id is not None  # a stored user
    saved = SavedSearch(**values, user_id=user.id)
    session.add(saved)
    session.commit()
    session.refresh(saved)
    return saved


def list_saved_searches(*, session: Session, user: User) -> list[SavedSearch]:
    user = _require_user(user)
    return list(
        session.exec(
            select(SavedSearch)
            .where(SavedSearch.user_id == user.id)
            .order_by(col(SavedSearch.created_at).desc(), col(SavedSearch.id).desc())
        ).all()
    )


def delete_saved_search(*, session: Session, user: User, saved_id: int) -> None:
    user = _require_user(user)
    # One statement that finds and deletes: of two deletes at once, exactly one removes the row.
    gone = session.exec(
        delete(SavedSearch).where(col(SavedSearch.id) == saved_id, col(SavedSearch.user_id) == user.id)
    )
    session.commit()
    if gone.rowcount != 1:
        raise NotFound(_("No such saved search."))


def saved_search_to_public(saved: SavedSearch) -> dict:
    return {
        "id": saved.id,
        "name": saved.name,
        "query": saved.query,
        "type": saved.type,
        "industry": saved.industry,
        "mode": saved.mode,
        "region": saved.region,
        "trl_min": saved.trl_min,
        "created_at": saved.created_at.isoformat(),
    }


# --- the digest -------------------------------------------------------------------------------------------------


def _is_new(row, since: datetime) -> bool:
    stamp = getattr(row, "published_at", None) or getattr(row, "created_at", None)
    return stamp is not None and stamp > since


def _search_items(session: Session, user: User, since: datetime) -> list[DigestItem]:
    items = []
    for saved in list_saved_searches(session=session, user=user):
        result = search_listings(
            text=saved.query,
            type=saved.type,
            industry=saved.industry,
            mode=saved.mode,
            region=saved.region,
            trl_min=saved.trl_min,
            per_page=HITS_PER_SEARCH,
        )
        refs = [(hit["type"], int(hit["entity_id"])) for hit in result.hits]
        for (kind, entity_id), row in load_rows(session, refs).items():
            if row is not None and row.org_id != user.org_id and _is_new(row, since):
                items.append(
                    DigestItem(
                        "search",
                        saved.name,
                        kind,
                        entity_id,
                        row.name if isinstance(row, Center) else row.title,
                    )
                )
    return items


def _match_items(session: Session, user: User, since: datetime) -> list[DigestItem]:
    items = []
    for kind, table in (("need", Need), ("achievement", Achievement)):
        if user.org_id is None:
            break
        for own in session.exec(
            select(table).where(col(table.org_id) == user.org_id).order_by(col(table.id))
        ).all():
            # SQLModel types a query over a union of tables as their base class
            assert isinstance(own, Need | Achievement) and own.id is not None
            if not is_live(own):
                continue
            for rec_kind in MATCH_KINDS[kind]:
                recs = recommendations.recommend(
                    session=session, query_type=kind, query_id=own.id, rec_kind=rec_kind, user=user, k=10
                )
                rows = load_rows(session, [(r["target_type"], r["target_id"]) for r in recs])
                for rec in recs:
                    row = rows.get((rec["target_type"], rec["target_id"]))
                    if row is not None and row.org_id != user.org_id and _is_new(row, since):
                        items.append(
                            DigestItem("match", own.title, rec["target_type"], rec["target_id"], rec["title"])
                        )
    return items


def _digest_users(session: Session) -> list[User]:
    with_searches = select(SavedSearch.user_id)
    with_listings = select(Need.org_id).union(select(Achievement.org_id))
    return list(
        session.exec(
            select(User)
            .where(
                col(User.active).is_(True),
                or_(col(User.id).in_(with_searches), col(User.org_id).in_(with_listings)),
            )
            .order_by(col(User.id))
        ).all()
    )


def build_digests(*, session: Session, now: datetime | None = None) -> list[Digest]:
    """Build today's digest for every user who has saved searches, or whose organization has listings, and has none
    yet today: what their saved searches and the matcher found that was published since their last digest (or in
    the last day)."""
    now = now or utcnow()
    day = now.date()
    built = []
    for user in _digest_users(session):
        assert user.id is not None  # a stored user
        if session.get(DigestRun, (user.id, day)) is not None:
            continue
        last = session.exec(select(func.max(DigestRun.created_at)).where(DigestRun.user_id == user.id)).one()
        since = last or now - timedelta(days=1)
        found: dict[tuple[str, int], DigestItem] = {}
        for item in _search_items(session, user, since) + _match_items(session, user, since):
            found.setdefault((item.target_type, item.target_id), item)
        items = list(found.values())
        session.add(DigestRun(user_id=user.id, day=day, items=len(items), created_at=now))
        try:
            session.flush()
        except IntegrityError:
            # Another run built this user's digest for today first.
            session.rollback()
            continue
        if items:
            body, html = digest_mail.render(items)
            notify(
                session=session,
                user_ids=[user.id],
                kind="digest",
                subject_type="digest",
                subject_id=user.id,
                text="、".join(item.title for item in items),
                email_body=body,
                email_html=html,
            )
        session.commit()
        if items:
            built.append(Digest(user.id, day.isoformat(), tuple(items)))
    return built
