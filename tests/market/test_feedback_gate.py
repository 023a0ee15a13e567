"""Issue 21 item 3: one account cannot move everyone's ranking.

Feedback counts only from organizations with a history, each organization weighs a bounded number of rows,
and the learned order goes live only when it beats the unlearned one on held-back feedback of several
organizations.
"""

import json
import zlib

import numpy as np
import pytest

from app.market.services import indexes, recommendations
from app.ops import index_worker
from matching import FEATURE_NAMES
from matching.ranker import FeedbackRanker
from models import Interest, InterestStatus, RecommendationFeedback
from tests.conftest import BACKENDS
from tests.utils.factories import PASSWORD, create_achievement, create_need, create_user, in_app, verify_org
from tests.utils.web import bearer

pytestmark = pytest.mark.parametrize("backend", BACKENDS, indirect=True)

RELATED = ["铝合金摆动激光焊接气孔抑制", "激光-电弧复合焊接工艺", "铝合金焊缝在线检测", "焊接机器人路径规划"]
UNRELATED = ["锂电池极片在线测厚", "抗菌纺织面料整理", "数控机床热误差补偿", "压铸模具冷却水路"]


@pytest.fixture
def shop(app, session):
    """Four welding needs and eight achievements, half about welding, indexed."""
    firm, uni = create_user(session, "enterprise"), create_user(session, "university")
    needs = [
        create_need(
            session, firm, title=f"铝合金车身激光焊接气孔控制{i}", description="铝合金激光焊接气孔率偏高。"
        )
        for i in range(4)
    ]
    achievements = [
        create_achievement(session, uni, title=title, description=f"{title}，技术成熟。")
        for title in RELATED + UNRELATED
    ]
    with in_app(session):
        indexes.rebuild(app)
    return {"firm": firm, "uni": uni, "needs": needs, "achievements": achievements}


def visitor_order(client, need_id: int) -> list[int]:
    response = client.get(
        f"/api/v1/needs/{need_id}/recommendations", query_string={"kind": "license", "k": 8}
    )
    assert response.status_code == 200
    return [r["target_id"] for r in response.json]


def test_a_fresh_account_posting_34_verdicts_changes_no_one_s_ranking(
    app, client, session, shop, monkeypatch
):
    before = visitor_order(client, shop["needs"][0].id)
    assert len(before) >= 6
    fresh = create_user(session, "enterprise")
    headers = bearer(client, fresh.email, PASSWORD)
    unrelated = {a.id for a in shop["achievements"][len(RELATED) :]}
    verdicts = [
        (need.id, achievement.id, "contracted" if achievement.id in unrelated else "dismissed")
        for need in shop["needs"]
        for achievement in shop["achievements"]
    ] + [(shop["needs"][0].id, a.id, "interested") for a in shop["achievements"][len(RELATED) :][:2]]
    assert len(verdicts) == 34
    for need_id, target_id, label in verdicts:
        posted = client.post(
            "/api/v1/recommendations/feedback",
            headers=headers,
            json={
                "query_type": "need",
                "query_id": need_id,
                "rec_kind": "license",
                "target_type": "achievement",
                "target_id": target_id,
                "label": label,
            },
        )
        assert posted.status_code == 201

    # Counted, these 34 verdicts would reorder the visitor's list (so the gate below is what stops them).
    matcher = indexes.vector_index(app).matcher()
    with app.app_context():
        monkeypatch.setattr(recommendations, "orgs_with_history", lambda session: {fresh.org_id})
        everything = recommendations.feedback_dataset(session=session, matcher=matcher)
        monkeypatch.undo()
        assert len(everything.rows) == 34
        naive = FeedbackRanker().fit(everything.rows, everything.labels)
        query = recommendations._query_item(shop["needs"][0])
    assert naive.fitted
    assert [r.target_id for r in matcher.with_ranker(naive).recommend(query, "license", k=8)] != before

    with app.app_context():
        index_worker.refit_ranker(app)
    assert indexes.vector_index(app).matcher().ranker is None
    assert visitor_order(client, shop["needs"][0].id) == before

    result = app.test_cli_runner().invoke(args=["match", "evaluate-feedback"])
    report = json.loads(result.output)
    assert report["pairs"] == 34 and report["counted_pairs"] == 0 and report["live"] is False


REGION, FUSED = FEATURE_NAMES.index("region"), FEATURE_NAMES.index("fused")


class NearbyMatcher:
    """Feature rows where firms contract nearby providers, which the fused score barely weighs (the matcher's
    own features need a large corpus to show such a preference; the gate only sees rows)."""

    @staticmethod
    def row(query_id: int, target_id: int) -> np.ndarray:
        rng = np.random.default_rng(zlib.crc32(f"{query_id}-{target_id}".encode()))
        row = rng.uniform(0, 1, len(FEATURE_NAMES)).astype(np.float32)
        row[REGION] = float(rng.integers(0, 2))
        row[FUSED] = rng.uniform(0.2, 0.6)
        return row

    @classmethod
    def label(cls, query_id: int, target_id: int) -> str:
        row = cls.row(query_id, target_id)
        return (
            "contracted"
            if row[REGION] == 1 and row[FUSED] > 0.3
            else "interested"
            if row[REGION]
            else "dismissed"
        )

    def features(self, query, candidates, rec_kind):
        return np.stack([self.row(int(query.id), int(c.id)) for c in candidates])


def store_verdicts(session, user, shop, queries: int = 3) -> None:
    for need in shop["needs"][:queries]:
        for achievement in shop["achievements"]:
            session.add(
                RecommendationFeedback(
                    user_id=user.id,
                    query_type="need",
                    query_id=need.id,
                    rec_kind="license",
                    target_type="achievement",
                    target_id=achievement.id,
                    label=NearbyMatcher.label(need.id, achievement.id),
                )
            )
    session.commit()


def test_verdicts_of_several_verified_organizations_that_help_switch_the_ranker_on(app, session, shop):
    givers = [create_user(session, "enterprise") for _ in range(5)]
    for user in givers:
        store_verdicts(session, user, shop)
    with app.app_context():
        _ranker, unverified, _stored = recommendations.gate_feedback_ranker(
            session=session, matcher=NearbyMatcher()
        )
    assert not unverified.live and unverified.pairs == 0

    for user in givers:
        verify_org(session, user)
    with app.app_context():
        ranker, decision, stored = recommendations.gate_feedback_ranker(
            session=session, matcher=NearbyMatcher()
        )
    assert stored == decision.pairs == 5 * 3 * 8
    assert decision.live and ranker is not None and ranker.fitted
    assert decision.heldout_orgs == 5 and decision.learned_ndcg > decision.unlearned_ndcg


def test_an_accepted_interest_with_a_verified_organization_is_a_history(session, shop):
    newcomer, partner, stranger = (create_user(session, "enterprise") for _ in range(3))
    verify_org(session, partner)

    def interest(sender, receiver, status):
        session.add(
            Interest(
                from_org_id=sender.org_id,
                from_user_id=sender.id,
                target_type="need",
                target_id=shop["needs"][0].id,
                to_org_id=receiver.org_id,
                message="合作",
                status=status,
            )
        )
        session.commit()

    interest(newcomer, partner, InterestStatus.pending)
    interest(stranger, newcomer, InterestStatus.accepted)  # two accounts without a history vouch for nothing
    assert newcomer.org_id not in recommendations.orgs_with_history(session)
    session.exec(Interest.__table__.delete())  # type: ignore[attr-defined]
    interest(newcomer, partner, InterestStatus.accepted)
    counted = recommendations.orgs_with_history(session)
    assert newcomer.org_id in counted and partner.org_id in counted and stranger.org_id not in counted
