"""Recommendations for a need or an achievement, with reasons in the user's language, and feedback on them."""

import time

from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from app.services.documents import listing_from_document, load_rows, search_document
from app.services.errors import Forbidden, Invalid
from app.services.indexes import vector_index
from app.services.listings import get_listing
from app.services.regions import region_name
from app.services.taxonomy import industry_name
from app.services.validation import parse
from models import FeedbackIn, FeedbackLabel, RecommendationFeedback, User

# Which recommendations each kind of listing asks for.
REC_KINDS = {"need": ("commission", "license", "incubation"), "achievement": ("needs",)}
MAX_K = 50


def _percent(value: float) -> str:
    return f"{round(100 * value)}%"


def _modes(modes) -> str:
    from app import labels

    return "、".join(str(labels.label(labels.COOPERATION_MODES, m)) for m in modes)


REASON_TEXT = {
    "shared_terms": lambda r: _("Shared terms: %(terms)s", terms="、".join(r.get("terms", [])[:6])),
    "same_industry": lambda r: _("Same industry: %(industry)s", industry=industry_name(r.get("industry"))),
    "predicted_industry": lambda r: _("Likely industry: %(industry)s (%(p)s)", industry=industry_name(
        r.get("industry")), p=_percent(r.get("probability", 0))),
    "trl_fit": lambda r: _("Technology readiness level %(trl)s suits this kind of deal", trl=r.get("trl")),
    "budget_fit": lambda r: _("Price fits the budget"),
    "mode_match": lambda r: _("Cooperation modes match: %(modes)s", modes=_modes(r.get("modes", []))),
    "same_region": lambda r: _("Same region: %(region)s", region=region_name(r.get("region"))),
    "semantic": lambda r: _("Similar in meaning"),
    "incubation": lambda r: _("Offers incubation"),
    "offers_incubation": lambda r: _("Offers incubation"),
    "fresh": lambda r: _("Recently updated"),
}


def describe(reason: dict) -> str:
    """One reason as a short phrase in the user's language; an unknown code still reads as something."""
    render = REASON_TEXT.get(reason.get("code", ""))
    return render(reason) if render else reason.get("code", "")


def recommend(*, session: Session, query_type: str, query_id: int, rec_kind: str, user: User | None,
              k: int = 10) -> list[dict]:
    """Up to k public listings recommended for one listing the user may see, best first, with reasons."""
    if rec_kind not in REC_KINDS.get(query_type, ()):
        raise Invalid(_("Unknown kind of recommendation."), {"kind": _("Not one of the allowed values.")})
    if not 1 <= k <= MAX_K:
        raise Invalid(_("Some fields are not valid."), {"k": _("Out of range.")})
    row = get_listing(session=session, kind=query_type, listing_id=query_id, user=user)
    matcher = vector_index().matcher()
    if matcher is None:
        return []
    _refresh_ranker(session, matcher)
    # The query is the listing's public text only: a confidential need's details never reach the matcher.
    query = listing_from_document(search_document(row, ""))
    dismissed = _dismissed(session, user, query_type, query_id)
    recs = matcher.recommend(query, rec_kind, k=k + len(dismissed),
                             exclude={(query_type, query_id), *dismissed})
    targets = load_rows(session, [(r.target_type, r.target_id) for r in recs])
    results = []
    for rec in recs:
        target = targets.get((rec.target_type, rec.target_id))
        if target is None:  # no longer public since the index last heard of it
            continue
        results.append({"target_type": rec.target_type, "target_id": rec.target_id,
                        "title": getattr(target, "title", None) or target.name, "score": round(rec.score, 4),
                        "reasons": [{**reason, "text": describe(reason)} for reason in rec.reasons]})
        if len(results) == k:
            break
    return results


RANKER_REFRESH_SECONDS = 600


def _refresh_ranker(session: Session, matcher) -> None:
    """Refit the feedback ranker now and then; below enough feedback it stays unfitted and changes nothing."""
    from flask import current_app

    from matching.ranker import FeedbackRanker

    state = current_app.extensions.setdefault("feedback_ranker", {"at": float("-inf"), "ranker": None})
    now = time.monotonic()
    if now - state["at"] > RANKER_REFRESH_SECONDS:
        state["at"] = now
        rows, labels, _groups = feedback_dataset(session=session)
        state["ranker"] = FeedbackRanker().fit(rows, labels) if rows else None
    if matcher.ranker is not state["ranker"]:
        matcher.set_ranker(state["ranker"])


def recommendation_kinds(query_type: str) -> tuple[str, ...]:
    return REC_KINDS.get(query_type, ())


def _dismissed(session: Session, user: User | None, query_type: str, query_id: int) -> set[tuple[str, int]]:
    if user is None:
        return set()
    rows = session.exec(select(RecommendationFeedback).where(
        RecommendationFeedback.user_id == user.id, RecommendationFeedback.query_type == query_type,
        RecommendationFeedback.query_id == query_id,
        RecommendationFeedback.label == FeedbackLabel.dismissed)).all()
    return {(r.target_type, r.target_id) for r in rows}


def record_feedback(*, session: Session, user: User | None, data: dict) -> tuple[RecommendationFeedback, bool]:
    """Store what the user did with one recommendation, once: a repeat returns the stored row and False."""
    if user is None:
        raise Forbidden(_("Please log in first."))
    feedback_in = parse(FeedbackIn, data)
    if feedback_in.rec_kind not in REC_KINDS.get(feedback_in.query_type, ()):
        raise Invalid(_("Unknown kind of recommendation."), {"rec_kind": _("Not one of the allowed values.")})
    get_listing(session=session, kind=feedback_in.query_type, listing_id=feedback_in.query_id, user=user)
    if load_rows(session, [(feedback_in.target_type, feedback_in.target_id)]).get(
            (feedback_in.target_type, feedback_in.target_id)) is None:
        raise Invalid(_("Some fields are not valid."), {"target_id": _("No such listing.")})
    existing = _same_feedback(session, user, feedback_in)
    if existing is not None:
        return existing, False
    row = RecommendationFeedback(**feedback_in.model_dump(), user_id=user.id)
    session.add(row)
    try:
        session.commit()
    except IntegrityError:
        # The same verdict from a concurrent request won the unique constraint; that row is the answer.
        session.rollback()
        return _same_feedback(session, user, feedback_in), False
    session.refresh(row)
    return row, True


def _same_feedback(session: Session, user: User, feedback_in: FeedbackIn) -> RecommendationFeedback | None:
    return session.exec(select(RecommendationFeedback).where(
        RecommendationFeedback.user_id == user.id, RecommendationFeedback.query_type == feedback_in.query_type,
        RecommendationFeedback.query_id == feedback_in.query_id,
        RecommendationFeedback.target_type == feedback_in.target_type,
        RecommendationFeedback.target_id == feedback_in.target_id,
        RecommendationFeedback.label == feedback_in.label)).first()



def feedback_dataset(*, session: Session) -> tuple[list, list[str], list[str]]:
    """Feature rows, labels and query groups of all stored feedback whose listings are still public."""
    matcher = vector_index().matcher()
    if matcher is None:
        return [], [], []
    feedback = session.exec(select(RecommendationFeedback)).all()
    refs = {(f.query_type, f.query_id) for f in feedback} | {(f.target_type, f.target_id) for f in feedback}
    rows_by_ref = load_rows(session, list(refs))
    rows, labels, groups = [], [], []
    for item in feedback:
        query, target = rows_by_ref.get((item.query_type, item.query_id)), rows_by_ref.get(
            (item.target_type, item.target_id))
        if query is None or target is None:
            continue
        features = matcher.features(listing_from_document(search_document(query, "")),
                                    [listing_from_document(search_document(target, ""))], kind=item.rec_kind)
        rows.append(features[0])
        labels.append(item.label.value)
        groups.append(f"{item.query_type}-{item.query_id}-{item.rec_kind}")
    return rows, labels, groups


def evaluate_feedback_ranker(*, session: Session) -> dict:
    """Does a ranker learned from feedback beat the unlearned ranking on held-back queries?"""
    from matching.ranker import evaluate_ranker

    rows, labels, groups = feedback_dataset(session=session)
    if len(set(groups)) < 2:
        return {"pairs": len(rows), "learned_ndcg": None, "unlearned_ndcg": None,
                "note": "not enough feedback yet"}
    return evaluate_ranker(rows, labels, groups)
