"""Feedback is one row per (user, query, target, label): a repeat answers 200 with the stored row."""

import pytest
from sqlmodel import func, select

from models import RecommendationFeedback
from tests.conftest import BACKENDS
from tests.utils.factories import PASSWORD, create_achievement, create_need, create_user
from tests.utils.web import bearer, concurrently, csrf_token

pytestmark = pytest.mark.parametrize("backend", BACKENDS, indirect=True)


@pytest.fixture
def verdict(session, enterprise, university):
    need, achievement = create_need(session, enterprise), create_achievement(session, university)
    return {
        "query_type": "need",
        "query_id": need.id,
        "rec_kind": "license",
        "target_type": "achievement",
        "target_id": achievement.id,
        "label": "contracted",
    }


def rows(session) -> int:
    session.expire_all()
    return session.exec(select(func.count()).select_from(RecommendationFeedback)).one()


def test_a_repeated_verdict_is_stored_once(client, session, enterprise, verdict):
    headers = bearer(client, enterprise.email, PASSWORD)
    first = client.post("/api/v1/recommendations/feedback", json=verdict, headers=headers)
    assert first.status_code == 201
    for _ in range(3):
        again = client.post("/api/v1/recommendations/feedback", json=verdict, headers=headers)
        assert again.status_code == 200 and again.json == first.json
    assert rows(session) == 1
    changed = client.post(
        "/api/v1/recommendations/feedback", json={**verdict, "label": "dismissed"}, headers=headers
    )
    assert changed.status_code == 201 and rows(session) == 2
    # Another user's verdict on the same pair counts separately.
    other = create_user(session, "enterprise")
    theirs = client.post(
        "/api/v1/recommendations/feedback", json=verdict, headers=bearer(client, other.email, PASSWORD)
    )
    assert theirs.status_code == 201 and rows(session) == 3


def test_the_form_does_not_store_a_repeat(client, session, enterprise, verdict, auth):
    auth.login(enterprise.email)
    path = f"/needs/{verdict['query_id']}"
    for _ in range(2):
        response = client.post(
            "/recommendations/feedback", data={**verdict, "csrf_token": csrf_token(client, path)}
        )
        assert response.status_code == 302
    assert rows(session) == 1


def test_two_concurrent_identical_verdicts_make_one_row(app, client, session, enterprise, verdict):
    headers = bearer(client, enterprise.email, PASSWORD)
    responses = concurrently(
        *[lambda: app.test_client().post("/api/v1/recommendations/feedback", json=verdict, headers=headers)]
        * 2
    )
    assert sorted(r.status_code for r in responses) == [200, 201]
    assert responses[0].json["id"] == responses[1].json["id"]
    assert rows(session) == 1
