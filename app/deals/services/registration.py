"""技术合同认定登记 of a contract: load the form (prefilled from the contract until a party saves it), judge a
change with `registration_rules`, save it with its audit row and notices in one transaction.

A change is one PUT-like call: fields (absent ones keep their value) and, optionally, the status to move to
with the office's decision (number and office, or the refusal's reason). Every problem is reported at once, one
message per field, and nothing is saved. Each write updates only the registration `version` it read (a first
save inserts the one row the unique contract_id allows), so of two concurrent changes the loser re-reads and is
judged again on the winner's state: it is either applied on top of it, or refused with a 409.
"""

from datetime import UTC, date, datetime, time
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from app.deals import labels as deal_labels
from app.deals import registration_labels as reg_labels
from app.deals import registration_rules as rules
from app.platform import audit, permissions
from app.platform.concurrency import versioned_update
from app.platform.errors import Conflict, Forbidden, Invalid, NotFound
from app.platform.notifications import notify
from app.platform.regions import region_code, regions
from models import Contract, ContractRegistration, Milestone, Organization, User
from models.common import utcnow

RETRIES = 3
# Keys of the public object a client may send back unchanged with a PUT: read-only, ignored.
READ_ONLY = frozenset(
    {"contract_id", "submitted_at", "decided_at", "updated_at", "allowed", "editable", "registrable"}
)
TEXT_LIMITS = {"number": 40, "office": 120, "refusal_reason": 2000}


def _text(table: dict, code: str | None) -> str:
    return "" if code is None else str(table.get(code, code))


# --- loading ------------------------------------------------------------------------------------------------


def _sides(contract: Contract) -> dict[str, int]:
    return {"a": contract.party_a_org_id, "b": contract.party_b_org_id}


def actor_of(user: User | None, contract: Contract) -> str | None:
    """ "a" or "b" for a party, "bureau" for the bureau, None for anyone else."""
    side = permissions.side_of(user, _sides(contract))
    if side is not None:
        return side
    return rules.BUREAU if permissions.is_bureau(user) else None


def get_contract(*, session: Session, user: User | None, contract_id: int) -> Contract:
    """The contract to its parties and the bureau; to anyone else it does not exist."""
    contract = session.get(Contract, contract_id)
    if contract is None or not permissions.may_see_deal(user, _sides(contract)):
        raise NotFound(_("No such contract."))
    return contract


def stored(session: Session, contract_id: int) -> ContractRegistration | None:
    row = session.exec(
        select(ContractRegistration).where(col(ContractRegistration.contract_id) == contract_id)
    ).first()
    if row is not None:
        session.refresh(row)
    return row


def _region(org: Organization | None) -> str | None:
    if org is None or not org.region:
        return None
    return org.region if org.region in regions() else region_code(org.region)


def prefill(session: Session, contract: Contract) -> rules.Form:
    """What the contract and the parties' organizations already say; the party checks and completes it."""
    seller = session.get(Organization, contract.party_b_org_id)
    buyer = session.get(Organization, contract.party_a_org_id)
    paid = [
        m
        for m in session.exec(select(Milestone).where(col(Milestone.contract_id) == contract.id)).all()
        if m.amount > 0
    ]
    ip_type = contract.ip_type.value if contract.ip_type else None
    keep_end = contract.ends_on and (contract.signed_on is None or contract.ends_on >= contract.signed_on)
    return rules.Form(
        sub_kind=rules.default_sub_kind(contract.kind, ip_type),
        field=rules.FIELD_OF_INDUSTRY.get(contract.field or ""),
        ip_type=ip_type,
        deal_amount=contract.amount,
        technology_amount=min(contract.technology_amount, contract.amount),
        payment_method=("installments" if len(paid) > 1 else "lump_sum") if paid else None,
        seller_type=rules.PARTY_TYPE_OF_ORG.get(seller.kind, "other") if seller else None,
        buyer_type=rules.PARTY_TYPE_OF_ORG.get(buyer.kind, "other") if buyer else None,
        seller_region=_region(seller),
        buyer_region=_region(buyer),
        term_start=contract.signed_on,
        term_end=contract.ends_on if keep_end else None,
    )


def form_of(row: ContractRegistration) -> rules.Form:
    return rules.Form(**{name: getattr(row, name) for name in rules.FORM_FIELDS})


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date | datetime) else value


def allowed_for(actor: str | None, status: str, registrable: bool) -> list[str]:
    """The statuses this actor may move the registration to now (for buttons)."""
    if not registrable:
        return []
    return [to for to in rules.TRANSITIONS[status] if actor in rules.ACTORS[to]]


def registration_to_public(*, session: Session, user: User | None, contract: Contract) -> dict:
    """The registration as the API shows it (`GET .../registration` is `"registration"` of the contract): the
    saved row, or the prefilled form with status not_submitted and version 0 while nobody has saved it."""
    assert contract.id is not None  # a stored contract
    row = stored(session, contract.id)
    form = form_of(row) if row else prefill(session, contract)
    status = row.status if row else rules.NOT_SUBMITTED
    actor = actor_of(user, contract)
    registrable = contract.kind in rules.CATEGORY and contract.status in rules.REGISTRABLE_STATES
    return {
        "contract_id": contract.id,
        "status": status,
        **{name: _plain(getattr(form, name)) for name in rules.FORM_FIELDS},
        "number": row.number if row else None,
        "office": row.office if row else None,
        "refusal_reason": row.refusal_reason if row else None,
        "submitted_at": _plain(row.submitted_at) if row else None,
        "decided_at": _plain(row.decided_at) if row else None,
        "updated_at": _plain(row.updated_at) if row else None,
        "version": row.version if row else 0,
        "registrable": registrable,
        "editable": registrable and actor in rules.PARTIES and status in rules.EDITABLE,
        "allowed": allowed_for(actor, status, registrable),
    }


# --- parsing ------------------------------------------------------------------------------------------------


def _parse(data: dict) -> tuple[dict[str, Any], str | None, dict[str, str | None], dict[str, str]]:
    """The body's form fields (typed), target status, decision texts, and a message per malformed field."""
    if not isinstance(data, dict):
        raise Invalid(_("The request body must be a JSON object."))
    fields: dict[str, Any] = {}
    decision: dict[str, str | None] = {}
    errors: dict[str, str] = {}
    target: str | None = None
    for name, value in data.items():
        if name in READ_ONLY or name == "version":
            continue
        if isinstance(value, str):
            value = value.strip() or None
        if name in ("deal_amount", "technology_amount"):
            if value is None or (isinstance(value, int) and not isinstance(value, bool)):
                fields[name] = value
            else:
                errors[name] = _("Must be a whole number.")
        elif name in ("term_start", "term_end"):
            try:
                fields[name] = date.fromisoformat(value) if value is not None else None
            except (TypeError, ValueError):
                errors[name] = _("Must be a date like 2027-06-30.")
        elif name in ("seller_region", "buyer_region"):
            if value is None or value == rules.REGION_OUTSIDE:
                fields[name] = value
            else:
                code = region_code(value) if isinstance(value, str) else None
                if code is None:
                    errors[name] = _("Choose a region from the list.")
                fields[name] = code
        elif name in rules.FORM_FIELDS:
            if value is None or isinstance(value, str):
                fields[name] = value
            else:
                errors[name] = _("Wrong type of value.")
        elif name in rules.DECISION_FIELDS:
            if value is not None and not isinstance(value, str):
                errors[name] = _("Wrong type of value.")
            elif value is not None and len(value) > TEXT_LIMITS[name]:
                errors[name] = _("Too long: at most %(n)s characters.", n=TEXT_LIMITS[name])
            else:
                decision[name] = value
        elif name == "status":
            if value in rules.STATUSES:
                target = value
            else:
                errors[name] = _("Not one of the allowed values.")
        else:
            errors[name] = _("Unknown field.")
    return fields, target, decision, errors


def _message(name: str, problem: str) -> str:
    """One problem of `registration_rules` as a sentence in the user's language."""
    if problem == "required":
        return _("This field is required.")
    if problem == "negative":
        return _("Must be at least %(n)s.", n=0)
    if problem == "too_large":
        return _("Must be at most %(n)s.", n=rules.MONEY_MAX)
    if problem == "exceeds_deal":
        return _("The technology amount cannot exceed the contract amount.")
    if problem == "before_start":
        return _("The term ends before it starts.")
    if problem == "format":
        return _(
            "A registration number is the year, the office's 6-digit area code and its serial number, "
            "e.g. %(example)s.",
            example=rules.NUMBER_EXAMPLE,
        )
    return _("Not one of the allowed values.")


# --- changing -----------------------------------------------------------------------------------------------


def _refusal(exc: rules.RegistrationError) -> Exception:
    if isinstance(exc, rules.NotATechnologyContract):
        return Conflict(
            _(
                "An incubation agreement is not a technology contract: the technology contract registration "
                "office does not register it."
            )
        )
    if isinstance(exc, rules.NotRegistrable):
        return Conflict(
            _(
                "A contract is registered once both parties have signed it; this one is %(status)s.",
                status=_text(deal_labels.CONTRACT_STATUSES, exc.contract_status),
            )
        )
    if isinstance(exc, rules.IllegalStep):
        return Conflict(
            _(
                "The registration is %(status)s; it cannot become %(target)s.",
                status=_text(reg_labels.STATUSES, exc.current),
                target=_text(reg_labels.STATUSES, exc.target),
            ),
            {"status": ", ".join(exc.allowed)},
        )
    if isinstance(exc, rules.Locked):
        return Conflict(
            _(
                "The registration is %(status)s: its fields can be changed before it is submitted or after a "
                "refusal.",
                status=_text(reg_labels.STATUSES, exc.status),
            )
        )
    if (
        isinstance(exc, rules.WrongActor)
        and exc.target in rules.ACTORS
        and rules.BUREAU not in rules.ACTORS[exc.target]
    ):
        return Forbidden(_("Only the parties of the contract submit or withdraw its registration."))
    return Forbidden(_("Only the parties of the contract and the bureau can change its registration."))


def _notify(session: Session, contract: Contract, user: User, actor: str, kind: str) -> None:
    """The other party hears of a party's step; both parties of the bureau's."""
    assert contract.id is not None  # a stored contract
    for org_id in (contract.party_a_org_id, contract.party_b_org_id):
        if actor == rules.BUREAU or org_id != user.org_id:
            notify(
                session=session,
                org_id=org_id,
                kind=kind,
                subject_type="contract",
                subject_id=contract.id,
                text=contract.title,
            )


def _attempt(session: Session, user: User, contract_id: int, data: dict, version: int | None):
    """One try of a change on fresh state: the row it wrote, or None when a concurrent write won."""
    contract = get_contract(session=session, user=user, contract_id=contract_id)
    session.refresh(contract)
    actor = actor_of(user, contract)
    try:
        rules.check_registrable(contract.kind, contract.status)
    except rules.RegistrationError as exc:
        raise _refusal(exc) from None
    row = stored(session, contract_id)
    if version is not None and version != (row.version if row else 0):
        raise Conflict(_("The registration was changed meanwhile; please reload and try again."))
    current = row.status if row else rules.NOT_SUBMITTED
    before = form_of(row) if row else prefill(session, contract)
    fields, target, decision, errors = _parse(data)
    target = target or current
    if target == current and row is not None and _another_decision(row, decision):
        # The office decides once: a second, different decision (say a race of two people recording it) is
        # refused, not silently dropped; the same one again is nothing to do.
        raise _refusal(rules.IllegalStep(current, target))
    changed = sorted(name for name, value in fields.items() if getattr(before, name) != value)
    try:
        if target != current:
            rules.check_step(current, target, actor)
        if changed and actor not in rules.PARTIES:
            raise Forbidden(_("The bureau records the office's decision; the parties fill in the form."))
        if changed and current not in rules.EDITABLE:
            raise rules.Locked(current)
    except rules.RegistrationError as exc:
        raise _refusal(exc) from None
    after = rules.Form(**{**{n: getattr(before, n) for n in rules.FORM_FIELDS}, **fields})
    problems = rules.field_problems(after, contract_kind=contract.kind, submitting=target == rules.SUBMITTED)
    if target != current:
        problems.update(
            rules.decision_problems(
                target,
                number=decision.get("number"),
                office=decision.get("office"),
                reason=decision.get("refusal_reason"),
            )
        )
    for name, problem in problems.items():
        errors.setdefault(name, _message(name, problem))
    if errors:
        raise Invalid(_("Some fields are not valid."), errors)
    if target == current and not changed and row is not None:
        return row  # nothing to do: the same state again (a retried or repeated request)
    now = utcnow()
    values: dict[str, Any] = {name: getattr(after, name) for name in rules.FORM_FIELDS}
    values.update(status=target, updated_at=now)
    note = None
    if target != current:
        values.update(decided_at=None, number=None, office=None, refusal_reason=None)
        if target == rules.SUBMITTED:
            values["submitted_at"] = now
        elif target == rules.NOT_SUBMITTED:
            values["submitted_at"] = None
        elif target == rules.REGISTERED:
            note = rules.normalise_number(decision["number"] or "")
            values.update(decided_at=now, number=note, office=(decision["office"] or "").strip())
        elif target == rules.REFUSED:
            note = (decision["refusal_reason"] or "").strip()
            values.update(decided_at=now, refusal_reason=note)
    if not _write(session, contract_id, row, values):
        return None
    if target == rules.REGISTERED:
        _sync_contract_number(session, contract_id, values["number"])
    audit.record(
        session,
        subject="contract",
        subject_id=contract_id,
        action=rules.ACTIONS[target] if target != current else rules.SAVED,
        actor=user,
        from_state=current,
        to_state=target,
        note=note,
        office=values.get("office") if target == rules.REGISTERED else None,
        fields=changed or None,
    )
    if target != current:
        assert actor is not None  # check_step let only a party or the bureau through
        _notify(session, contract, user, actor, rules.ACTIONS[target])
    return stored(session, contract_id) if row is None else row


def _another_decision(row: ContractRegistration, decision: dict[str, str | None]) -> bool:
    """A decision's texts that differ from the one recorded (only a decided row has one)."""
    if row.status == rules.REGISTERED:
        number, office = decision.get("number"), decision.get("office")
        return (number is not None and rules.normalise_number(number) != row.number) or (
            office is not None and office != row.office
        )
    if row.status == rules.REFUSED:
        reason = decision.get("refusal_reason")
        return reason is not None and reason != row.refusal_reason
    return False


def _write(session: Session, contract_id: int, row: ContractRegistration | None, values: dict) -> bool:
    """Insert the first row, or update the row at the version read; False when a concurrent write won."""
    if row is None:
        # The unique contract_id lets one first save through; the other's flush fails and it starts again.
        session.add(ContractRegistration(contract_id=contract_id, **values))
        try:
            session.flush()
        except IntegrityError:
            session.rollback()
            return False
        return True
    assert row.id is not None  # a stored row
    return versioned_update(session, ContractRegistration, row.id, version=row.version, values=values)


def _sync_contract_number(session: Session, contract_id: int, number: str) -> None:
    """`Contract.registration_number` stays the registered number, for the readers older than this form."""
    session.connection().execute(
        update(Contract).where(col(Contract.id) == contract_id).values(registration_number=number)
    )


def _run(session: Session, user: User, contract_id: int, data: dict, version: int | None):
    for _try in range(RETRIES):
        row = _attempt(session, user, contract_id, data, version)
        if row is not None:
            session.commit()
            session.refresh(row)
            return row
        session.rollback()
    raise Conflict(_("The registration was changed at the same time; please reload and try again."))


def update_registration(
    *, session: Session, user: User, contract_id: int, data: dict
) -> ContractRegistration:
    """Save the form, take a status step, or both (`PUT /api/v1/contracts/<id>/registration`).

    `data` has the form's fields (absent ones keep their value, null clears), optionally `status` with the
    decision's `number` and `office` or `refusal_reason`, and optionally the `version` the caller read (a stale
    one is a 409)."""
    if not isinstance(data, dict):
        raise Invalid(_("The request body must be a JSON object."))
    version = data.get("version")
    if version is not None and (not isinstance(version, int) or isinstance(version, bool)):
        raise Invalid(_("Some fields are not valid."), {"version": _("Must be a whole number.")})
    try:
        return _run(session, user, contract_id, data, version)
    except BaseException:
        session.rollback()
        raise


def record_number(*, session: Session, user: User, contract_id: int, number: str) -> ContractRegistration:
    """The older one-box step (`POST .../registration {"number"}`): a party records the office's number; the
    registration becomes registered from whatever status it had, keeping the office already entered."""
    get_contract(session=session, user=user, contract_id=contract_id)  # not a party nor the bureau: 404 first
    number = (number or "").strip()
    if not number:
        raise Invalid(_("Some fields are not valid."), {"number": _("This field is required.")})
    if len(number) > TEXT_LIMITS["number"] or not rules.number_is_valid(number):
        raise Invalid(_("Some fields are not valid."), {"number": _message("number", "format")})
    normalised = rules.normalise_number(number)

    def attempt():
        contract = get_contract(session=session, user=user, contract_id=contract_id)
        session.refresh(contract)
        if actor_of(user, contract) not in rules.PARTIES:
            raise Forbidden(_("Only the parties of the contract can change it."))
        try:
            rules.check_registrable(contract.kind, contract.status)
        except rules.RegistrationError as exc:
            raise _refusal(exc) from None
        row = stored(session, contract_id)
        current = row.status if row else rules.NOT_SUBMITTED
        if row is not None and current == rules.REGISTERED and row.number == normalised:
            return row
        now = utcnow()
        values: dict[str, Any] = {
            name: getattr(form_of(row) if row else prefill(session, contract), name)
            for name in rules.FORM_FIELDS
        }
        values.update(
            status=rules.REGISTERED,
            number=normalised,
            office=row.office if row else None,
            refusal_reason=None,
            decided_at=now,
            updated_at=now,
        )
        if not _write(session, contract_id, row, values):
            return None
        _sync_contract_number(session, contract_id, normalised)
        audit.record(
            session,
            subject="contract",
            subject_id=contract_id,
            action=rules.ACTIONS[rules.REGISTERED],
            actor=user,
            from_state=current,
            to_state=rules.REGISTERED,
            note=normalised,
        )
        _notify(session, contract, user, actor_of(user, contract) or "", rules.ACTIONS[rules.REGISTERED])
        return stored(session, contract_id) if row is None else row

    for _try in range(RETRIES):
        try:
            row = attempt()
        except BaseException:
            session.rollback()
            raise
        if row is not None:
            session.commit()
            session.refresh(row)
            return row
        session.rollback()
    raise Conflict(_("The registration was changed at the same time; please reload and try again."))


# --- reading many -------------------------------------------------------------------------------------------


def submitted_between(
    *, session: Session, user: User | None, start: date, end: date
) -> list[tuple[ContractRegistration, Contract]]:
    """The bureau's batch: every registration submitted from `start` to `end` (both days included, UTC), in
    whatever status it is now, oldest submission first."""
    permissions.require_bureau(user)
    low = datetime.combine(start, time.min, tzinfo=UTC)
    high = datetime.combine(end, time.max, tzinfo=UTC)
    rows = session.exec(
        select(ContractRegistration, Contract)
        .join(Contract, col(Contract.id) == col(ContractRegistration.contract_id))
        .where(col(ContractRegistration.submitted_at) >= low, col(ContractRegistration.submitted_at) <= high)
        .order_by(col(ContractRegistration.submitted_at), col(ContractRegistration.id))
    ).all()
    return [(row, contract) for row, contract in rows]


def parse_period(start: str | None, end: str | None) -> tuple[date, date]:
    """`from` and `to` as dates (YYYY-MM-DD, both required, from ≤ to); one message per bad field."""
    errors: dict[str, str] = {}
    days: dict[str, date] = {}
    for name, text in (("from", start), ("to", end)):
        try:
            days[name] = date.fromisoformat((text or "").strip())
        except ValueError:
            errors[name] = (
                _("This field is required.")
                if not (text or "").strip()
                else _("Must be a date like 2027-06-30.")
            )
    if not errors and days["to"] < days["from"]:
        errors["to"] = _("The end of the period is before its start.")
    if errors:
        raise Invalid(_("Some fields are not valid."), errors)
    return days["from"], days["to"]
