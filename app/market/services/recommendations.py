"""Recommendations for a listing, with reasons in the user's language, and feedback on them.

A request takes the host's current matcher snapshot once and uses only that snapshot; if the matcher is not
ready or fails, the user sees "no recommendations yet" and the error goes to the log, never a 500.
"""

import dataclasses
import logging
from collections.abc import Callable
from typing import Any

from flask import g
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from app.financing.services import matching as financing_matching
from app.market.recommendation_rules import Own, citable_terms, is_own, own_side
from app.market.services.index_documents import listing_from_document, load_rows, org_names, search_document
from app.market.services.indexes import vector_index
from app.market.services.listings import get_listing
from app.platform.errors import Forbidden, Invalid
from app.platform.regions import region_name
from app.platform.taxonomy import generic_words, industry_name
from app.platform.validation import parse
from app.trading.services import open_challenges
from matching import MatchItem, ReasonCode
from matching.text import expand_synonyms
from models import (
    LISTING_KINDS,
    Achievement,
    Center,
    FeedbackIn,
    FeedbackLabel,
    FinanceProduct,
    FinancingRequest,
    Interest,
    InterestStatus,
    ListingStatus,
    Organization,
    RecommendationFeedback,
    Service,
    User,
)

log = logging.getLogger(__name__)

# Which recommendations each kind of listing asks for, each for a different next step.
REC_KINDS = {
    "need": ("commission", "license", "incubation", "instruments"),
    "instrument": ("needs",),
    "achievement": ("needs", "incubation"),
    "service": ("needs",),
    "financing": ("finance_products",),
    "finance_product": ("financing_requests",),
}
MAX_K = 50
# How many matched needs each of an organization's listings contributes to its combined view.
MATCHED_NEEDS_PER_LISTING = 10
# The view matches this many of the organization's most recently updated listings of each kind, so that a
# large catalogue costs a bounded number of matcher calls per page view.
MATCHED_LISTINGS_LIMIT = 50


def _snapshot():
    """This request's matcher snapshot: taken once, so every panel of a page ranks on the same one."""
    if "matcher_snapshot" not in g:
        g.matcher_snapshot = vector_index().matcher()
    return g.matcher_snapshot


def _percent(value: float) -> str:
    return f"{round(100 * value)}%"


def _modes(modes) -> str:
    from app.web import labels

    return "、".join(str(labels.label(labels.COOPERATION_MODES, m)) for m in modes)


REASON_TEXT = {
    ReasonCode.SHARED_TERMS: lambda r: _("Shared terms: %(terms)s", terms="、".join(r.get("terms", [])[:6])),
    ReasonCode.SAME_INDUSTRY: lambda r: _(
        "Same industry: %(industry)s", industry=industry_name(r.get("industry"))
    ),
    ReasonCode.PREDICTED_INDUSTRY: lambda r: _(
        "Likely industry: %(industry)s (%(p)s)",
        industry=industry_name(r.get("industry")),
        p=_percent(r.get("probability", 0)),
    ),
    ReasonCode.TRL_FIT: lambda r: _(
        "Technology readiness level %(trl)s suits this kind of deal", trl=r.get("trl")
    ),
    ReasonCode.BUDGET_FIT: lambda r: _("Price fits the budget"),
    ReasonCode.MODE_MATCH: lambda r: _(
        "Cooperation modes match: %(modes)s", modes=_modes(r.get("modes", []))
    ),
    ReasonCode.SAME_REGION: lambda r: _("Same region: %(region)s", region=region_name(r.get("region"))),
    ReasonCode.SEMANTIC: lambda r: _("Similar in meaning"),
    ReasonCode.OFFERS_INCUBATION: lambda r: _("Offers incubation"),
}


def describe(reason: dict) -> str:
    """One reason as a short phrase in the user's language."""
    return REASON_TEXT[ReasonCode(reason["code"])](reason)


def _target_url(target_type: str, target_id: int) -> str:
    """The target's page, as a path: results are also built outside a request (the daily digest)."""
    return f"/{LISTING_KINDS[target_type].segment}/{target_id}"


# Spare candidates asked of the matcher beyond k, for those a panel leaves out (the asking side's own).
SPARE = 10


def _readable_text(row) -> str:
    """A listing's text as its public page shows it: what a reason's words must be found in."""
    document = search_document(row, "")
    return f"{document['title']}\n{document['body']}"


def _reasons(reasons: list[dict], query_text: str | None, target) -> list[dict]:
    """The matcher's reasons, rendered; shared terms only where both texts hold them (see
    app.market.recommendation_rules), and the reason dropped when none is left."""
    shown = []
    for reason in reasons:
        if reason["code"] == ReasonCode.SHARED_TERMS and query_text is not None:
            terms = citable_terms(
                reason.get("terms", []), query_text, _readable_text(target), generic_words()
            )
            if not terms:
                continue
            reason = {**reason, "terms": terms}
        shown.append({**reason, "text": describe(reason)})
    return shown


def _results(
    session: Session,
    recs,
    k: int,
    own: Own | None = None,
    query_text: Callable[[Any], str | None] = lambda rec: None,
) -> list[dict]:
    """The recommendations still public, as the API and the panel show them: title, organization, link.

    `own`: the asking side, never recommended to itself; `query_text(rec)`: the readable text of the listing
    the recommendation was made for, which the words its reasons cite must appear in."""
    targets = load_rows(session, [(r.target_type, r.target_id) for r in recs])
    names = org_names(
        session, {row.org_id for row in targets.values() if row is not None and row.org_id is not None}
    )
    results = []
    for rec in recs:
        target = targets.get((rec.target_type, rec.target_id))
        if target is None:  # no longer public since the index last heard of it
            continue
        if own is not None and is_own(
            own,
            target_type=rec.target_type,
            target_id=rec.target_id,
            target_org_id=target.org_id,
            lead_org_id=getattr(target, "lead_org_id", None),
        ):
            continue
        results.append(
            {
                "target_type": rec.target_type,
                "target_id": rec.target_id,
                "title": target.name if isinstance(target, Center) else target.title,
                "org_id": target.org_id,
                "org_name": names.get(target.org_id, "") if target.org_id is not None else "",
                "url": _target_url(rec.target_type, rec.target_id),
                "score": round(rec.score, 4),
                "reasons": _reasons(rec.reasons, query_text(rec), target),
                # Which channels made the ranking: {"e5": "used" | "skipped"} when the service is configured.
                **({"meta": rec.meta} if rec.meta else {}),
            }
        )
        if len(results) == k:
            break
    open_challenges.annotate(session, results, type_key="target_type", id_key="target_id", with_reason=True)
    return results


def _query_item(row) -> MatchItem:
    """A listing as a query: its text plus the narrower words the taxonomy says it also means
    (新能源汽车 also finds 电驱动, 电池包), so recommendations read synonyms as search does."""
    item = listing_from_document(search_document(row, ""))
    return dataclasses.replace(item, text=expand_synonyms(item.text))


def recommend(
    *, session: Session, query_type: str, query_id: int, rec_kind: str, user: User | None, k: int = 10
) -> list[dict]:
    """Up to k public listings recommended for one listing the user may see, best first, with reasons."""
    if rec_kind not in REC_KINDS.get(query_type, ()):
        raise Invalid(_("Unknown kind of recommendation."), {"kind": _("Not one of the allowed values.")})
    return recommendation_panels(
        session=session, query_type=query_type, query_id=query_id, rec_kinds=(rec_kind,), user=user, k=k
    )[rec_kind]


def recommendation_panels(
    *,
    session: Session,
    query_type: str,
    query_id: int,
    user: User | None,
    k: int = 10,
    rec_kinds: tuple[str, ...] | None = None,
) -> dict[str, list[dict]]:
    """`recommend` for several kinds at once (default: every kind the listing shows), as a listing's page
    shows them: the listing is read, and the matcher reads it, once for all of them."""
    rec_kinds = REC_KINDS.get(query_type, ()) if rec_kinds is None else rec_kinds
    if not 1 <= k <= MAX_K:
        raise Invalid(_("Some fields are not valid."), {"k": _("Out of range.")})
    row = get_listing(session=session, kind=query_type, listing_id=query_id, user=user)
    matcher = _snapshot()
    # Financing panels stand on eligibility, which needs no matcher: without one they lose only the similarity.
    by_fit = bool(set(rec_kinds) & set(financing_matching.PANELS))
    if not rec_kinds or (matcher is None and not by_fit):
        return {rec_kind: [] for rec_kind in rec_kinds}
    # The query is the listing's public text only: a confidential need's details never reach the matcher.
    query = _query_item(row)
    dismissed = _dismissed(session, user, query_type, query_id)
    try:
        recs = (
            matcher.recommend_kinds(
                query, rec_kinds, k=k + len(dismissed) + SPARE, exclude={(query_type, query_id), *dismissed}
            )
            if matcher is not None
            else {rec_kind: [] for rec_kind in rec_kinds}
        )
    except Exception:  # noqa: BLE001 - a matcher fault must cost the user a panel, not the page
        log.exception("recommendations failed for %s %s (%s)", query_type, query_id, ", ".join(rec_kinds))
        if not by_fit:
            return {rec_kind: [] for rec_kind in rec_kinds}
        recs = {rec_kind: [] for rec_kind in rec_kinds}
    own = own_side(
        listing_org_id=row.org_id,
        viewer_org_id=user.org_id if user is not None else None,
        center_id=getattr(row, "center_id", None),
    )
    text = _readable_text(row)
    panels = {
        rec_kind: _results(session, recs[rec_kind], k, own, lambda _rec: text) for rec_kind in rec_kinds
    }
    for rec_kind in set(rec_kinds) & set(financing_matching.PANELS):
        # Money is paired by eligibility first (app/financing/rules.py), the matcher's similarity second.
        assert isinstance(row, FinancingRequest | FinanceProduct)
        panels[rec_kind] = financing_matching.panel(
            session,
            row=row,
            rec_kind=rec_kind,
            matched=_results(session, recs[rec_kind], k + SPARE, own, lambda _rec: text),
            names=org_names_of_kind(session, financing_matching.PANELS[rec_kind]),
            own_org_ids=set(own.org_ids),
            dismissed=dismissed,
            k=k,
        )
    return panels


def org_names_of_kind(session: Session, kind: str) -> dict[int, str]:
    """The names of the organizations with live listings of a kind (the few finance organizations, the firms
    asking for money): a financing panel names every candidate it keeps."""
    table = LISTING_KINDS[kind].table
    org_ids = session.exec(select(table.org_id).where(table.status == ListingStatus.published)).all()
    return org_names(session, {org_id for org_id in org_ids if org_id is not None})


def similar_achievements(row: Achievement, k: int = 20) -> list[int]:
    """The ids of the public achievements most like this one, best first (the matcher's "license" ranking of the
    achievement's public text, itself left out), keeping only those the matcher found alike in content (shared
    terms or meaning), not merely in readiness; empty when the matcher is not ready or fails. Valuation reads the
    deals of these achievements as its comparables."""
    matcher = _snapshot()
    if matcher is None or row.id is None:
        return []
    try:
        recs = matcher.recommend(_query_item(row), "license", k=k, exclude={("achievement", row.id)})
    except Exception:  # noqa: BLE001 - a matcher fault costs the valuation its comparables, not the page
        log.exception("similar achievements failed for achievement %s", row.id)
        return []
    alike = {ReasonCode.SHARED_TERMS, ReasonCode.SEMANTIC}
    return [
        rec.target_id
        for rec in recs
        if rec.target_type == "achievement" and any(r["code"] in alike for r in rec.reasons)
    ]


def matched_needs_for_organization(*, session: Session, user: User | None, k: int = 20) -> list[dict]:
    """The needs matched to all of the user's organization's live achievements and services, best first.

    Each need appears once, with its best score and the organization's listings it fits.
    """
    from app.market.rules import is_live

    if user is None:
        raise Forbidden(_("Please log in first."))
    matcher = _snapshot()
    if matcher is None:
        return []
    best: dict[int, dict] = {}
    texts: dict[tuple[str, int | None], str] = {}
    for listing_kind in ("achievement", "service"):
        table = LISTING_KINDS[listing_kind].table
        rows = session.exec(
            select(table)
            .where(table.org_id == user.org_id, table.status == ListingStatus.published)
            .order_by(col(table.updated_at).desc())
            .limit(MATCHED_LISTINGS_LIMIT)
        ).all()
        for row in rows:
            # SQLModel types a query over a union of tables as their base class
            assert isinstance(row, Achievement | Service)
            if not is_live(row):
                continue
            try:
                recs = matcher.recommend(_query_item(row), "needs", k=MATCHED_NEEDS_PER_LISTING)
            except Exception:  # noqa: BLE001 - one listing's failure must not hide the others' matches
                log.exception("matched needs failed for %s %s", listing_kind, row.id)
                continue
            texts[(listing_kind, row.id)] = _readable_text(row)
            for rec in recs:
                entry = best.setdefault(
                    rec.target_id, {"rec": rec, "via": [], "from": (listing_kind, row.id)}
                )
                if rec.score > entry["rec"].score:
                    entry["rec"], entry["from"] = rec, (listing_kind, row.id)
                entry["via"].append({"kind": listing_kind, "id": row.id, "title": row.title})
    ranked = sorted(best.values(), key=lambda e: (-e["rec"].score, e["rec"].target_id))
    # A few spare candidates stand in for needs withdrawn since the index last heard of them. Each need's
    # reasons cite the words it shares with the listing of ours that matched it best.
    origin = {e["rec"].target_id: e["from"] for e in ranked}
    results = _results(
        session,
        [e["rec"] for e in ranked[: 3 * k]],
        k,
        own_side(listing_org_id=user.org_id),
        lambda rec: texts[origin[rec.target_id]],
    )
    via = {e["rec"].target_id: e["via"] for e in ranked}
    return [{**result, "matched_listings": via[result["target_id"]]} for result in results]


def _dismissed(session: Session, user: User | None, query_type: str, query_id: int) -> set[tuple[str, int]]:
    if user is None:
        return set()
    rows = session.exec(
        select(RecommendationFeedback).where(
            RecommendationFeedback.user_id == user.id,
            RecommendationFeedback.query_type == query_type,
            RecommendationFeedback.query_id == query_id,
            RecommendationFeedback.label == FeedbackLabel.dismissed,
        )
    ).all()
    return {(r.target_type, r.target_id) for r in rows}


def record_feedback(
    *, session: Session, user: User | None, data: dict
) -> tuple[RecommendationFeedback, bool]:
    """Store what the user did with one recommendation, once: a repeat returns the stored row and False."""
    if user is None:
        raise Forbidden(_("Please log in first."))
    feedback_in = parse(FeedbackIn, data)
    if feedback_in.rec_kind not in REC_KINDS.get(feedback_in.query_type, ()):
        raise Invalid(_("Unknown kind of recommendation."), {"rec_kind": _("Not one of the allowed values.")})
    get_listing(session=session, kind=feedback_in.query_type, listing_id=feedback_in.query_id, user=user)
    if (
        load_rows(session, [(feedback_in.target_type, feedback_in.target_id)]).get(
            (feedback_in.target_type, feedback_in.target_id)
        )
        is None
    ):
        raise Invalid(_("Some fields are not valid."), {"target_id": _("No such listing.")})
    existing = _same_feedback(session, user, feedback_in)
    if existing is not None:
        return existing, False
    assert user.id is not None  # a stored user
    row = RecommendationFeedback(**feedback_in.model_dump(), user_id=user.id)
    session.add(row)
    try:
        session.commit()
    except IntegrityError:
        # The same verdict from a concurrent request won the unique constraint; that row is the answer.
        session.rollback()
        winner = _same_feedback(session, user, feedback_in)
        assert winner is not None  # the row that won the unique constraint
        return winner, False
    session.refresh(row)
    return row, True


def _same_feedback(session: Session, user: User, feedback_in: FeedbackIn) -> RecommendationFeedback | None:
    return session.exec(
        select(RecommendationFeedback).where(
            RecommendationFeedback.user_id == user.id,
            RecommendationFeedback.query_type == feedback_in.query_type,
            RecommendationFeedback.query_id == feedback_in.query_id,
            RecommendationFeedback.target_type == feedback_in.target_type,
            RecommendationFeedback.target_id == feedback_in.target_id,
            RecommendationFeedback.label == feedback_in.label,
        )
    ).first()


def orgs_with_history(session: Session) -> set[int]:
    """The organizations whose feedback teaches the ranker: verified by the bureau, or party to at least one
    accepted interest with a verified organization. A fresh account (or a ring of fresh accounts accepting one
    another's interests) has no history, so its verdicts are stored (they still hide what it dismissed) but do
    not move anyone else's ranking."""
    verified = set(
        session.exec(select(Organization.id).where(col(Organization.verified_at).is_not(None))).all()
    )
    accepted = session.exec(
        select(Interest.from_org_id, Interest.to_org_id).where(Interest.status == InterestStatus.accepted)
    ).all()
    with_history = {org for org in verified if org is not None}
    for sender, receiver in accepted:
        if sender != receiver and receiver in verified:
            with_history.add(sender)
        if sender != receiver and sender in verified:
            with_history.add(receiver)
    return with_history


@dataclasses.dataclass
class FeedbackData:
    """Feature rows, labels, query groups and the giving organization of the feedback that counts."""

    rows: list = dataclasses.field(default_factory=list)
    labels: list[str] = dataclasses.field(default_factory=list)
    groups: list[str] = dataclasses.field(default_factory=list)
    orgs: list[int] = dataclasses.field(default_factory=list)
    # Usable rows (both listings still public) before the history filter, for the operator's report.
    stored: int = 0


def feedback_dataset(*, session: Session, matcher=None) -> FeedbackData:
    """The stored feedback whose listings are still public and whose giver's organization has a history
    (orgs_with_history), as feature rows; a query group is one query as one organization saw it."""
    data = FeedbackData()
    matcher = matcher or vector_index().matcher()
    if matcher is None:
        return data
    counted = orgs_with_history(session)
    feedback = session.exec(
        select(RecommendationFeedback, User.org_id).join(User, col(User.id) == RecommendationFeedback.user_id)
    ).all()
    refs = {(f.query_type, f.query_id) for f, _org in feedback} | {
        (f.target_type, f.target_id) for f, _org in feedback
    }
    rows_by_ref = load_rows(session, list(refs))
    for item, org_id in feedback:
        query, target = (
            rows_by_ref.get((item.query_type, item.query_id)),
            rows_by_ref.get((item.target_type, item.target_id)),
        )
        if query is None or target is None:
            continue
        data.stored += 1
        if org_id not in counted:
            continue
        features = matcher.features(
            _query_item(query), [listing_from_document(search_document(target, ""))], rec_kind=item.rec_kind
        )
        data.rows.append(features[0])
        data.labels.append(item.label.value)
        data.groups.append(f"{org_id}:{item.query_type}-{item.query_id}-{item.rec_kind}")
        data.orgs.append(org_id)
    return data


def gate_feedback_ranker(*, session: Session, matcher=None):
    """The ranker to publish and the gate's decision (see matching.ranker.gate_ranker): None, the unlearned
    order, unless a ranker fitted on counted feedback beats it on several organizations' held-back queries."""
    from matching.ranker import gate_ranker

    data = feedback_dataset(session=session, matcher=matcher)
    ranker, decision = gate_ranker(data.rows, data.labels, data.groups, data.orgs)
    return ranker, decision, data.stored


def fit_feedback_ranker(*, session: Session, matcher):
    """The ranker the writer publishes at a refit: learned only when the gate lets it go live; the decision
    (held-out nDCG before and after, organizations counted) goes to the log for the operator."""
    ranker, decision, stored = gate_feedback_ranker(session=session, matcher=matcher)
    log.info("%s; %d usable feedback rows stored", decision.summary(), stored)
    return ranker


def evaluate_feedback_ranker(*, session: Session) -> dict:
    """The gate's decision on the stored feedback, as `flask match evaluate-feedback` prints it: would a
    ranker learned from counted feedback go live, and with which held-out nDCG@10?"""
    _ranker, decision, stored = gate_feedback_ranker(session=session)
    result = {**decision.as_dict(), "counted_pairs": decision.pairs, "pairs": stored}
    if not decision.pairs:
        result["note"] = "not enough feedback yet"
    return result
