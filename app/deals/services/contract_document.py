"""The contract as a document (PDF): the current text with every clause, the milestones, both parties'
signature records and the SHA-256 of the text, for the parties and the bureau (anyone else: 404).

The clauses are printed exactly as the canonical text carries them (Chinese headings, numbered), so the hash
printed below them can be checked against the text above; the surrounding labels follow the reader's language.
"""

from flask_babel import get_locale
from flask_babel import gettext as _
from sqlmodel import Session

from app.deals import contract_templates as templates
from app.deals import labels
from app.deals import rules as deal_rules
from app.deals.services import contract_texts, contracts
from app.platform import pdf as pdfs
from app.web.labels import label
from models import Organization, User


def _colon() -> str:
    """Full-width after Chinese labels, ": " after English ones."""
    return ": " if str(get_locale()).startswith("en") else "："


def _line(name: str, value: object) -> str:
    return f"{name}{_colon()}{value}"


def contract_pdf(*, session: Session, user: User | None, contract_id: int) -> tuple[bytes, str]:
    """The PDF and its file name."""
    contract = contracts.get_contract(session=session, user=user, contract_id=contract_id)
    assert contract.id is not None  # a stored contract
    text = contract_texts.current(session, contract)
    signatures = {s.party: s for s in contract_texts.live_signatures(session, contract.id)}
    roles = deal_rules.roles(contract.kind)
    orgs = {
        "a": session.get(Organization, contract.party_a_org_id),
        "b": session.get(Organization, contract.party_b_org_id),
    }

    pdf = pdfs.document()
    pdfs.title(pdf, contract.title)
    pdfs.paragraph(pdf, _line(_("Contract kind"), label(labels.CONTRACT_KINDS, contract.kind)))
    pdfs.paragraph(pdf, _line(_("Status"), label(labels.CONTRACT_STATUSES, contract.status)))
    for side in ("a", "b"):
        org = orgs[side]
        party = _("Party A") if side == "a" else _("Party B")
        role = label(labels.PARTY_ROLES, roles[side])
        pdfs.paragraph(pdf, _line(f"{role}（{party}）", org.name if org else "—"))
    pdfs.paragraph(pdf, _line(_("Contract amount"), templates.yuan(contract.amount)))
    pdfs.paragraph(pdf, _line(_("Text version"), text.version))

    pdfs.heading(pdf, _("Contract text"))
    for n, code in enumerate(templates.CLAUSES[contract.kind], start=1):
        pdfs.paragraph(pdf, f"{templates.numeral(n)}、{templates.HEADINGS[code]}", height=7)
        pdfs.paragraph(pdf, text.clauses.get(code, "") or "—")
        pdf.ln(1)

    pdfs.heading(pdf, _("Milestones"))
    milestones = contracts.milestones_of(session=session, contract_id=contract.id)
    if milestones:
        pdfs.table(
            pdf,
            [_("Milestone"), _("Due"), _("Amount (yuan)"), _("Status")],
            [
                [m.title, m.due_on.isoformat(), f"{m.amount:,}", label(labels.MILESTONE_STATUSES, m.status)]
                for m in milestones
            ],
            [80, 30, 40, 30],
        )
    else:
        pdfs.paragraph(pdf, _("No milestones."))

    pdfs.heading(pdf, _("Signatures"))
    for side in ("a", "b"):
        party = _("Party A") if side == "a" else _("Party B")
        signature = signatures.get(side)
        if signature is None:
            pdfs.paragraph(pdf, _line(party, _("not signed yet")))
            continue
        signer = session.get(User, signature.user_id)
        org = session.get(Organization, signature.org_id)
        pdfs.paragraph(pdf, party, height=7)
        for name, value in (
            (_("Signer"), signer.name if signer else "—"),
            (_("Organization"), org.name if org else "—"),
            (_("Signed at"), signature.signed_at.strftime("%Y-%m-%d %H:%M:%S UTC")),
            (_("Address"), signature.address or "—"),
            (_("Method"), label(labels.SIGNATURE_METHODS, signature.method)),
            (_("Version signed"), signature.text_version),
            ("SHA-256", signature.text_sha256),
        ):
            pdfs.paragraph(pdf, _line(name, value))
    pdf.ln(2)
    pdfs.paragraph(pdf, _line(_("SHA-256 of the text"), text.sha256))
    pdfs.paragraph(
        pdf,
        _(
            "The hash is of the clauses above, each as its number and heading followed by its text, one per line."
        ),
    )
    return bytes(pdf.output()), f"contract-{contract.id}.pdf"
