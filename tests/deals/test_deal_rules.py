"""The pure rules of interests, contracts and milestones: every pair of states, every side."""

import itertools

import pytest

from app.deals import rules
from app.platform.notifications import KIND_TEXT
from models import ContractStatus, IncubationStatus, InterestStatus, MilestoneStatus

DRAFT = rules.ContractState(ContractStatus.draft, False, False)


@pytest.mark.parametrize("current, target", list(itertools.product(ContractStatus, ContractStatus)))
def test_every_contract_step_is_allowed_or_refused_naming_the_allowed(current, target):
    state = rules.ContractState(current, False, False)
    if target in rules.ALLOWED[current]:
        outcome = rules.transition_contract(state, side="a", to=target, note="理由")
        assert outcome.entry.from_status == current
        expected = ContractStatus.draft if target == ContractStatus.signed else target
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


@pytest.mark.parametrize("current, target", list(itertools.product(MilestoneStatus, MilestoneStatus)))
def test_every_milestone_step(current, target):
    if target in rules.MILESTONE_ALLOWED[current]:
        side = rules.MILESTONE_SIDE[target]
        entry = rules.transition_milestone(
            contract_status="in_progress", milestone_id=7, current=current, side=side, to=target
        )
        assert (entry.from_status, entry.to_status, entry.milestone_id) == (current, target, 7)
        other = "a" if side == "b" else "b"
        with pytest.raises(rules.WrongSide):
            rules.transition_milestone(
                contract_status="in_progress", milestone_id=7, current=current, side=other, to=target
            )
    else:
        with pytest.raises(rules.IllegalTransition):
            rules.transition_milestone(
                contract_status="in_progress", milestone_id=7, current=current, side="a", to=target
            )


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
