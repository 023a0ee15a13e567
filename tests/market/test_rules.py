"""The pure rules of a listing: every action from every status, who may take it, and what it leaves behind."""

import itertools
from datetime import UTC, datetime, timedelta

import pytest
from flask_babel import force_locale

from app.market import rules
from models import CloseReason, ListingStatus

NOW = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)
TTL = timedelta(days=90)
EARLIER = NOW - timedelta(days=30)

# What the owner may do, from where, to what: the table below is the documented lifecycle, written out.
EXPECTED = {
    ("publish", "draft"): "published",
    ("publish", "published"): "published",
    ("publish", "expired"): "published",
    ("reconfirm", "draft"): "published",
    ("reconfirm", "published"): "published",
    ("reconfirm", "expired"): "published",
    ("close", "draft"): "closed",
    ("close", "published"): "closed",
    ("close", "expired"): "closed",
    ("reopen", "closed"): "draft",
    ("expire", "published"): "expired",
}


def state(status: str, **fields) -> rules.ListingState:
    return rules.ListingState(status=ListingStatus(status), **fields)


def actor_of(action: str) -> str:
    return rules.SYSTEM if action == "expire" else rules.OWNER


@pytest.mark.parametrize(
    "action, status",
    list(itertools.product(["publish", "reconfirm", "close", "reopen", "expire"], ListingStatus)),
)
def test_every_status_action_is_allowed_or_refused(action, status):
    current = state(status, published_at=EARLIER, expires_at=EARLIER + TTL)
    kwargs = {"actor": actor_of(action), "now": NOW, "ttl": TTL, "reason": "not_needed"}
    if (action, status) in EXPECTED:
        assert rules.transition(current, action, **kwargs).status == EXPECTED[(action, status)]
    else:
        with pytest.raises(rules.IllegalAction) as refused:
            rules.transition(current, action, **kwargs)
        assert refused.value.allowed == rules.ACTIONS[action].sources
        assert status not in refused.value.allowed


def test_the_owner_sees_why_a_status_action_was_refused(app):
    with app.test_request_context(), force_locale("en"):
        messages = {
            action: str(rules.ACTIONS[action].refusal)
            for action in ("publish", "reconfirm", "close", "reopen")
        }
    assert (
        messages["publish"]
        == messages["reconfirm"]
        == ("A closed listing must be reopened as a draft before it is published again.")
    )
    assert messages["close"] == "This listing is already closed."
    assert messages["reopen"] == "Only a closed listing can be reopened."


def test_owners_act_and_only_the_system_expires():
    assert rules.STATUS_ACTIONS == ("publish", "reconfirm", "close", "reopen")
    with pytest.raises(rules.WrongActor):
        rules.check(ListingStatus.published, "expire", actor=rules.OWNER)
    with pytest.raises(rules.WrongActor):
        rules.check(ListingStatus.draft, "publish", actor=rules.SYSTEM)
    with pytest.raises(rules.UnknownAction):
        rules.check(ListingStatus.draft, "archive")
    assert rules.check(ListingStatus.draft, None) is None


def test_publishing_stamps_the_first_publication_and_a_new_expiry():
    first = rules.transition(state("draft"), "publish", now=NOW, ttl=TTL)
    assert (first.published_at, first.expires_at) == (NOW, NOW + TTL)
    later = NOW + timedelta(days=80)
    reconfirmed = rules.transition(first, "reconfirm", now=later, ttl=TTL)
    assert (reconfirmed.published_at, reconfirmed.expires_at) == (NOW, later + TTL)


def test_closing_needs_a_reason_checked_before_the_status():
    for reason in (None, "", "bored"):
        with pytest.raises(rules.ReasonRequired):
            rules.check(ListingStatus.published, "close", reason=reason)
        with pytest.raises(rules.ReasonRequired):  # even when already closed: the field is named first
            rules.check(ListingStatus.closed, "close", reason=reason)
    closed = rules.transition(
        state("published", expires_at=NOW + TTL), "close", now=NOW, reason="solved_here", solved_contract_id=4
    )
    assert (closed.status, closed.close_reason, closed.solved_contract_id) == ("closed", "solved_here", 4)


def test_reopening_forgets_the_reason_the_contract_and_the_expiry():
    closed = state(
        "closed",
        published_at=EARLIER,
        expires_at=NOW,
        close_reason=CloseReason.solved_here,
        solved_contract_id=4,
    )
    reopened = rules.transition(closed, "reopen", now=NOW)
    assert reopened == state("draft", published_at=EARLIER)


def test_expiry_keeps_everything_but_the_status():
    live = state("published", published_at=EARLIER, expires_at=NOW)
    assert rules.transition(live, "expire", actor=rules.SYSTEM, now=NOW) == state(
        "expired", published_at=EARLIER, expires_at=NOW
    )


@pytest.mark.parametrize("status", list(ListingStatus))
def test_a_listing_is_deleted_from_any_status_unless_deals_refer_to_it(status):
    assert rules.check(status, "delete").to is None
    with pytest.raises(rules.HasDeals):
        rules.check(status, "delete", has_deals=True)


def test_the_solving_contract_is_named_or_the_only_one():
    assert rules.solving_contract("solved_elsewhere", "7", [7]) is None  # the form's choice is ignored
    assert rules.solving_contract("solved_here", None, []) is None
    assert rules.solving_contract("solved_here", "", [7]) == 7
    assert rules.solving_contract("solved_here", "8", [7, 8]) == 8
    with pytest.raises(rules.ContractChoiceRequired):
        rules.solving_contract("solved_here", None, [7, 8])
    for wrong in ("9", "x", True, 9):
        with pytest.raises(rules.NotASolvingContract):
            rules.solving_contract("solved_here", wrong, [7, 8])


def test_live_means_published_and_not_past_its_expiry():
    assert rules.is_live(state("published", expires_at=NOW + TTL), NOW)
    assert rules.is_live(state("published"), NOW)
    assert not rules.is_live(state("published", expires_at=NOW), NOW)
    assert not rules.is_live(state("draft", expires_at=NOW + TTL), NOW)
