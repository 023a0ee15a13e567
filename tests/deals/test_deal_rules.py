"""The pure rules of interests, contracts and milestones: every pair of states, every side."""

import itertools

import pytest

from app.deals import rules
from app.platform.notifications import KIND_TEXT
from models import ContractStatus, IncubationStatus, InterestStatus, MilestoneKind, MilestoneStatus

DRAFT = rules.ContractState(ContractStatus.draft, False, False)


@pytest.mark.parametrize("current, target", list(itertools.product(ContractStatus, ContractStatus)))
def test_every_contract_step_is_allowed_or_refused_naming_the_allowed(current, target):
    state = rules.ContractState(current, False, False)
    if target in rules.ALLOWED[current]:
        outcome = rules.transition_contract(state, side="a", to=target, note="理由")
        assert outcome.entry.from_status == current
        # One side's signature or confirmation of completion leaves the status until the other's arrives.
        expected = {ContractStatus.signed: ContractStatus.draft, ContractStatus.completed: current}.get(
            target, target
        )
        assert outcome.state.status == expected == outcome.entry.to_status
    else:
        with pytest.raises(rules.IllegalTransition) as refused:
            rules.transition_contract(state, side="a", to=target, note="理由")
        assert refused.value.allowed == rules.ALLOWED[current]
        assert ", ".join(rules.ALLOWED[current]) in str(refused.value) or not rules.ALLOWED[current]


def test_contract_is_signed_only_when_both_sides_signed():
    first = rules.transition_contract(DRAFT, side="b", to="signed")
    assert first.state == rules.ContractState(ContractStatus.draft, False, True)
    assert first.entry.action == "signed_by_b"
    with pytest.raises(rules.AlreadySigned):
        rules.transition_contract(first.state, side="b", to="signed")
    second = rules.transition_contract(first.state, side="a", to="signed")
    assert second.state == rules.ContractState(ContractStatus.signed, True, True)
    assert (second.entry.from_status, second.entry.to_status) == ("draft", "signed")


def test_terminating_needs_a_reason_and_final_states_are_final():
    with pytest.raises(rules.ReasonRequired):
        rules.transition_contract(DRAFT, side="a", to="terminated", note="  ")
    ended = rules.transition_contract(DRAFT, side="b", to="terminated", note="需求取消")
    assert ended.state.status == "terminated" and ended.entry.note == "需求取消"
    for final in (ContractStatus.completed, ContractStatus.terminated):
        assert rules.ALLOWED[final] == ()


@pytest.mark.parametrize("side", [None, "c", ""])
def test_only_parties_move_a_contract(side):
    with pytest.raises(rules.WrongSide):
        rules.transition_contract(DRAFT, side=side, to="signed")


STEPS = list(itertools.product(MilestoneKind, MilestoneStatus, MilestoneStatus))


@pytest.mark.parametrize("kind, current, target", STEPS)
def test_every_milestone_step_of_each_kind(kind, current, target):
    if target in rules.MILESTONE_ALLOWED[kind].get(current, ()):
        side = rules.MILESTONE_SIDE[kind][target]
        entry = rules.transition_milestone(
            contract_status="in_progress", milestone_id=7, kind=kind, current=current, side=side, to=target
        )
        assert (entry.from_status, entry.to_status, entry.milestone_id) == (current, target, 7)
        other = "a" if side == "b" else "b"
        with pytest.raises(rules.WrongSide):
            rules.transition_milestone(
                contract_status="in_progress",
                milestone_id=7,
                kind=kind,
                current=current,
                side=other,
                to=target,
            )
    else:
        for side in ("a", "b"):
            with pytest.raises(rules.IllegalTransition):
                rules.transition_milestone(
                    contract_status="in_progress",
                    milestone_id=7,
                    kind=kind,
                    current=current,
                    side=side,
                    to=target,
                )


def test_a_deliverable_is_delivered_by_b_and_accepted_by_a_and_ends_there():
    steps = [("b", "delivered"), ("a", "accepted")]
    current = "pending"
    for side, to in steps:
        rules.transition_milestone(
            contract_status="in_progress",
            milestone_id=1,
            kind="deliverable",
            current=current,
            side=side,
            to=to,
        )
        current = to
    assert rules.milestone_done("deliverable", "accepted")
    with pytest.raises(
        rules.IllegalTransition
    ):  # the old accepted → paid step is gone: payments are milestones
        rules.transition_milestone(
            contract_status="in_progress",
            milestone_id=1,
            kind="deliverable",
            current="accepted",
            side="a",
            to="paid",
        )


def test_a_payment_is_paid_by_a_and_its_receipt_confirmed_by_b():
    with pytest.raises(rules.IllegalTransition):  # nothing to deliver
        rules.transition_milestone(
            contract_status="signed",
            milestone_id=2,
            kind="payment",
            current="pending",
            side="b",
            to="delivered",
        )
    with pytest.raises(rules.WrongSide) as wrong:  # the receiving side does not mark it paid
        rules.transition_milestone(
            contract_status="signed", milestone_id=2, kind="payment", current="pending", side="b", to="paid"
        )
    assert wrong.value.required == "a"
    paid = rules.transition_milestone(
        contract_status="signed", milestone_id=2, kind="payment", current="pending", side="a", to="paid"
    )
    assert (paid.from_status, paid.to_status) == ("pending", "paid")
    with pytest.raises(rules.WrongSide) as wrong:  # the payer cannot confirm its own payment arrived
        rules.transition_milestone(
            contract_status="signed", milestone_id=2, kind="payment", current="paid", side="a", to="received"
        )
    assert wrong.value.required == "b"
    received = rules.transition_milestone(
        contract_status="signed", milestone_id=2, kind="payment", current="paid", side="b", to="received"
    )
    assert received.to_status == "received"
    assert rules.milestone_done("payment", "received") and not rules.milestone_done("payment", "paid")
    assert rules.milestone_steps(kind="payment", current="pending", side="a") == ["paid"]
    assert rules.milestone_steps(kind="payment", current="pending", side="b") == []


def test_milestones_run_in_order():
    with pytest.raises(rules.EarlierMilestoneOpen) as waiting:
        rules.transition_milestone(
            contract_status="in_progress",
            milestone_id=2,
            kind="payment",
            current="pending",
            side="a",
            to="paid",
            earlier_open="工艺方案",
        )
    assert waiting.value.title == "工艺方案"
    rows = [
        ("deliverable", "accepted", "方案"),
        ("payment", "paid", "首付款"),
        ("deliverable", "pending", "样件"),
    ]
    assert rules.first_open(rows) == "首付款"
    assert rules.first_open(rows[:1]) is None


IN_PROGRESS = rules.ContractState(ContractStatus.in_progress, True, True)


def test_completion_needs_both_parties_each_once():
    first = rules.transition_contract(IN_PROGRESS, side="b", to="completed")
    assert first.state.status == ContractStatus.in_progress
    assert (first.state.completed_by_a, first.state.completed_by_b) == (False, True)
    assert (first.entry.action, first.entry.to_status) == ("completed_by_b", "in_progress")
    with pytest.raises(rules.AlreadyConfirmed):
        rules.transition_contract(first.state, side="b", to="completed")
    second = rules.transition_contract(first.state, side="a", to="completed")
    assert second.state.status == ContractStatus.completed
    assert (second.entry.action, second.entry.from_status, second.entry.to_status) == (
        "completed_by_a",
        "in_progress",
        "completed",
    )


def test_completion_waits_for_every_milestone_naming_them():
    with pytest.raises(rules.MilestonesOpen) as open_:
        rules.transition_contract(IN_PROGRESS, side="a", to="completed", open_milestones=("中试验证", "尾款"))
    assert open_.value.titles == ("中试验证", "尾款")


@pytest.mark.parametrize("status", ["draft", "completed", "terminated"])
def test_milestones_move_only_under_a_signed_contract(status):
    with pytest.raises(rules.ContractNotActive):
        rules.transition_milestone(
            contract_status=status, milestone_id=1, current="pending", side="b", to="delivered"
        )


@pytest.mark.parametrize("current, target", list(itertools.product(InterestStatus, InterestStatus)))
def test_interest_decisions(current, target):
    if target in rules.INTEREST_ALLOWED[current]:
        side = rules.INTEREST_SIDE[target]
        assert rules.decide_interest(current=current, to=target, side=side) == target
        with pytest.raises(rules.WrongSide):
            rules.decide_interest(current=current, to=target, side="from" if side == "to" else "to")
    else:
        with pytest.raises(rules.IllegalTransition):
            rules.decide_interest(current=current, to=target, side=rules.INTEREST_SIDE.get(target, "to"))


@pytest.mark.parametrize("current, target", list(itertools.product(IncubationStatus, IncubationStatus)))
def test_every_incubation_step(current, target):
    if target in rules.INCUBATION_ALLOWED[current]:
        assert rules.end_incubation(current=current, to=target, side="center") == target
        for side in ("a", "b", None):
            with pytest.raises(rules.WrongSide):
                rules.end_incubation(current=current, to=target, side=side)
    else:
        with pytest.raises(rules.IllegalTransition) as refused:
            rules.end_incubation(current=current, to=target, side="center")
        assert refused.value.allowed == rules.INCUBATION_ALLOWED[current]


def test_an_incubation_ends_once_and_each_ending_has_its_notice():
    assert rules.INCUBATION_TARGETS == (IncubationStatus.graduated, IncubationStatus.exited)
    assert rules.INCUBATION_ALLOWED[IncubationStatus.graduated] == ()
    assert rules.INCUBATION_ALLOWED[IncubationStatus.exited] == ()
    assert set(rules.INCUBATION_NOTICE) == set(rules.INCUBATION_TARGETS)
    assert set(rules.INCUBATION_NOTICE.values()) <= set(KIND_TEXT)
