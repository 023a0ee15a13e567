"""A contract's text: version 1 from the model text (示范文本) when the contract is created, a new version for
every edit of a draft, the diff the other party reads, and the checks a signature needs.

Versions are append-only rows (`ContractText`). An edit bumps the contract's own `version` like every other
change of the contract (`contract_access.bump`), and a signature is written under the same check after comparing its
hash with the current text's, inside the same attempt: an edit and a signature racing each other are serialised
by the contract row, and the loser is judged again on fresh state. So a signature always names the text stored
as current when it was written; an edit after one signature voids it (both sign again). Once both parties have
signed the contract is no longer a draft and its text is frozen.

The hash is of the canonical text (`app.deals.contract_templates.canonical_text`).
"""

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import update
from sqlmodel import Session, col, select

from app.deals import contract_templates as templates
from app.deals import rules as deal_rules
from app.deals.services import contract_access
from app.platform.errors import Conflict, Forbidden, Invalid
from app.platform.notifications import notify
from models import (
    Contract,
    ContractSignature,
    ContractStatus,
    ContractText,
    Milestone,
    Organization,
    User,
)
from models.common import utcnow


def facts_of(session: Session, contract: Contract) -> templates.Facts:
    """What the model text is filled from: the contract, its parties' names and its milestones."""
    names = {
        o.id: o.name
        for o in session.exec(
            select(Organization).where(
                col(Organization.id).in_([contract.party_a_org_id, contract.party_b_org_id])
            )
        ).all()
    }
    milestones = session.exec(
        select(Milestone).where(col(Milestone.contract_id) == contract.id).order_by(col(Milestone.position))
    ).all()
    role = deal_rules.roles(contract.kind)
    return templates.Facts(
        kind=contract.kind,
        title=contract.title,
        party_a=names.get(contract.party_a_org_id, ""),
        party_b=names.get(contract.party_b_org_id, ""),
        role_a=role["a"],
        role_b=role["b"],
        amount=contract.amount,
        technology_amount=contract.technology_amount,
        ends_on=contract.ends_on,
        milestones=tuple(templates.MilestoneFact(m.title, m.due_on, m.amount) for m in milestones),
    )


def _version(contract: Contract, version: int, clauses: dict[str, str], user: User | None) -> ContractText:
    assert contract.id is not None  # a stored contract
    return ContractText(
        contract_id=contract.id,
        version=version,
        clauses=clauses,
        sha256=templates.text_sha256(contract.kind, clauses),
        created_by=user.id if user else None,
    )


def first_version(session: Session, contract: Contract, user: User | None) -> ContractText:
    """Version 1, the model text filled from the contract, added in the caller's transaction."""
    text = _version(contract, 1, templates.default_clauses(facts_of(session, contract)), user)
    session.add(text)
    return text


def versions(session: Session, contract_id: int) -> list[ContractText]:
    """Every stored version, newest first."""
    return list(
        session.exec(
            select(ContractText)
            .where(col(ContractText.contract_id) == contract_id)
            .order_by(col(ContractText.version).desc())
        ).all()
    )


def current(session: Session, contract: Contract) -> ContractText:
    """The newest version; a contract made before texts existed reads its model text as version 1 (not stored
    until someone edits or signs it: `_stored`)."""
    assert contract.id is not None  # a stored contract
    row = session.exec(
        select(ContractText)
        .where(col(ContractText.contract_id) == contract.id)
        .order_by(col(ContractText.version).desc())
        .limit(1)
    ).first()
    if row is not None:
        return row
    return _version(contract, 1, templates.default_clauses(facts_of(session, contract)), None)


def _stored(session: Session, text: ContractText) -> ContractText:
    if text.id is None:
        session.add(text)
    return text


def live_signatures(session: Session, contract_id: int) -> list[ContractSignature]:
    return list(
        session.exec(
            select(ContractSignature)
            .where(
                col(ContractSignature.contract_id) == contract_id, col(ContractSignature.voided_at).is_(None)
            )
            .order_by(col(ContractSignature.party))
        ).all()
    )


# --- editing ---------------------------------------------------------------------------------------------------


def _checked(kind: str, clauses: object) -> dict[str, str]:
    """The submitted bodies, normalised, or a 422 naming every problem (unknown codes by name)."""
    if not isinstance(clauses, dict) or not clauses:
        raise Invalid(_("Some fields are not valid."), {"clauses": _("Send the clauses to change.")})
    bodies, problems = templates.check(kind, clauses)
    if not problems:
        return bodies
    messages = {
        "type": _("Wrong type of value."),
        "long": _("Too long: at most %(n)s characters.", n=templates.BODY_MAX),
        "empty": _("This clause cannot be empty."),
    }
    fields = {code: messages[problem] for code, problem in problems.items() if code != "unknown"}
    if "unknown" in problems:
        fields["clauses"] = _("Unknown clauses: %(codes)s.", codes=problems["unknown"])
    raise Invalid(_("Some fields are not valid."), fields)


def edit_text(*, session: Session, user: User, contract_id: int, clauses: object) -> ContractText:
    """A party changes clauses of a draft: the next version (the clauses not sent stay as they are); a party's
    signature of the previous version is voided. 409 once the contract is no longer a draft."""

    def attempt(contract: Contract):
        assert contract.id is not None  # a stored contract
        side = contract_access.side_of(user, contract)
        if side is None:
            raise Forbidden(_("Only the parties of the contract can change it."))
        if contract.status != ContractStatus.draft:
            raise Conflict(
                _("The text can be edited only in a draft; once both parties have signed it is frozen.")
            )
        bodies = _checked(contract.kind, clauses)
        now = current(session, contract)
        merged = {
            code: bodies.get(code, now.clauses.get(code, "")) for code in templates.CLAUSES[contract.kind]
        }
        if merged == now.clauses:
            return now  # nothing changed: no new version, no signature voided
        voided = {"signed_by_a_at": None} if contract.signed_by_a_at else {}
        if contract.signed_by_b_at:
            voided["signed_by_b_at"] = None
        if not contract_access.bump(session, contract, **voided):
            return None
        _stored(session, now)
        text = _version(contract, now.version + 1, merged, user)
        session.add(text)
        stamp = utcnow()
        for signature in live_signatures(session, contract.id):
            session.connection().execute(
                update(ContractSignature)
                .where(col(ContractSignature.id) == signature.id)
                .values(voided_at=stamp)
            )
            contract_access.event(
                session,
                contract,
                user,
                deal_rules.AuditEntry(
                    "signature_voided", contract.status, contract.status, signature.party.upper()
                ),
            )
        contract_access.event(
            session,
            contract,
            user,
            deal_rules.AuditEntry("text_edited", contract.status, contract.status, f"v{text.version}"),
        )
        other = contract.party_b_org_id if side == "a" else contract.party_a_org_id
        notify(
            session=session,
            org_id=other,
            kind="contract_text_edited",
            subject_type="contract",
            subject_id=contract.id,
            text=contract.title,
        )
        return text

    return contract_access.with_retries(session, user, contract_id, attempt)


# --- signing ---------------------------------------------------------------------------------------------------


def signable(*, session: Session, contract: Contract, text_sha256: object) -> ContractText:
    """The current text, if `text_sha256` names it: 422 when no hash was sent, 409 when it is not the current
    text's (someone edited it since the signer read it)."""
    if not isinstance(text_sha256, str) or not text_sha256.strip():
        raise Invalid(
            _("Some fields are not valid."),
            {"text_sha256": _("Name the SHA-256 of the text you sign.")},
        )
    text = current(session, contract)
    if text_sha256.strip().lower() != text.sha256:
        raise Conflict(
            _("The text has changed since you read it; please read the current version and sign again."),
            {"text_sha256": text.sha256},
        )
    return text


def add_signature(
    session: Session, contract: Contract, text: ContractText, side: str, record
) -> ContractSignature:
    """The signature row, in the transaction that marks the contract signed by `side`."""
    assert contract.id is not None  # a stored contract
    _stored(session, text)
    row = ContractSignature(
        contract_id=contract.id,
        party=side,
        user_id=record.user_id,
        org_id=record.org_id,
        text_version=text.version,
        text_sha256=text.sha256,
        signed_at=record.signed_at,
        address=record.address,
        method=record.method,
    )
    session.add(row)
    return row


# --- reading ---------------------------------------------------------------------------------------------------


def to_public(session: Session, contract: Contract) -> dict:
    """The "text" and "signatures" of a contract in the API."""
    assert contract.id is not None  # a stored contract
    text = current(session, contract)
    return {
        "text": {
            "version": text.version,
            "sha256": text.sha256,
            "clauses": dict(text.clauses),
            # JSON objects have no order; the hash is of the clauses in this one.
            "clause_order": list(templates.CLAUSES[contract.kind]),
        },
        "signatures": [
            {
                "party": s.party,
                "user_id": s.user_id,
                "signed_at": s.signed_at.isoformat(),
                "text_sha256": s.text_sha256,
            }
            for s in live_signatures(session, contract.id)
        ],
    }


@dataclass(frozen=True)
class Change:
    """The newest edit: who made it, when, and what changed from the version before."""

    text: ContractText
    previous: ContractText
    clauses: list[templates.ClauseChange]


def last_change(session: Session, contract: Contract) -> Change | None:
    assert contract.id is not None  # a stored contract
    newest = versions(session, contract.id)[:2]
    if len(newest) < 2:
        return None
    text, previous = newest
    return Change(text, previous, templates.diff(contract.kind, previous.clauses, text.clauses))
