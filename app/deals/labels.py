"""Display labels of the deal enumerations, in the user's language (Chinese first), named in `TABLES` for the one `label` filter (see `app.web.labels`)."""

from flask_babel import lazy_gettext as _l

from app.deals.registration_labels import EVENT_ACTIONS as REGISTRATION_EVENT_ACTIONS

TARGET_TYPES = {
    "need": _l("Technical need"),
    "achievement": _l("Achievement"),
    "service": _l("Public service"),
    "instrument": _l("Instrument or facility"),
    "financing": _l("Financing request"),
    "finance_product": _l("Finance product"),
    "center": _l("Innovation center"),
}

INTEREST_STATUSES = {
    "pending": _l("Awaiting reply"),
    "accepted": _l("Accepted"),
    "declined": _l("Declined"),
    "withdrawn": _l("Withdrawn"),
}

# The lines of a confidential need's access log (`models.DetailView.event`).
DETAIL_EVENTS = {
    "view": _l("Read the details"),
    "grant": _l("Access granted"),
    "revoke": _l("Access revoked"),
    "nda_accepted": _l("NDA accepted"),
}

DECLINE_REASONS = {
    "not_relevant": _l("Not relevant"),
    "capability": _l("Beyond our capability"),
    "price": _l("Price does not fit"),
    "timing": _l("Timing does not fit"),
    "solved": _l("Already solved"),
    "other": _l("Other reason"),
}

# The kinds of the technology contract registration practice (技术合同认定登记), plus incubation agreements.
CONTRACT_KINDS = {
    "commissioned_development": _l("Commissioned development"),
    "cooperative_development": _l("Cooperative development"),
    "transfer": _l("Technology transfer"),
    "license": _l("Technology licensing"),
    "technical_service": _l("Technical service"),
    "technical_consulting": _l("Technical consulting"),
    "incubation": _l("Incubation agreement"),
}

# The parties' roles by contract kind (`app.deals.rules.ROLES`).
PARTY_ROLES = {
    "client": _l("Client"),
    "developer": _l("Developer"),
    "partner": _l("Partner"),
    "transferee": _l("Transferee"),
    "transferor": _l("Transferor"),
    "licensee": _l("Licensee"),
    "licensor": _l("Licensor"),
    "service_provider": _l("Service provider"),
    "consultant": _l("Consultant"),
    "incubatee": _l("Incubated firm"),
    "incubator": _l("Incubator"),
}

CONTRACT_STATUSES = {
    "draft": _l("Draft"),
    "signed": _l("Signed"),
    "in_progress": _l("In progress"),
    "completed": _l("Completed"),
    "terminated": _l("Terminated"),
}

# A milestone's status in words depends on its kind: a deliverable is delivered and accepted (验收), a payment
# is paid and its receipt confirmed (确认收款). `milestone_status` reads a deliverable's, `payment_status` a
# payment's; `milestone_status_label` picks the table.
MILESTONE_STATUSES = {
    "pending": _l("Not yet delivered"),
    "delivered": _l("Delivered"),
    "accepted": _l("Delivery accepted"),
    "paid": _l("Paid"),
    "received": _l("Payment received"),
}

PAYMENT_STATUSES = {
    "pending": _l("Not yet paid"),
    "paid": _l("Paid"),
    "received": _l("Payment received"),
}

MILESTONE_KINDS = {
    "deliverable": _l("Deliverable"),
    "payment": _l("Payment"),
}


def milestone_status_label(kind: str | None, status: str) -> str:
    """A milestone's status in the reader's language, as its kind words it."""
    table = PAYMENT_STATUSES if kind == "payment" else MILESTONE_STATUSES
    return str(table.get(status, status))


IP_TYPES = {
    "patent": _l("Patent"),
    "software_copyright": _l("Software copyright"),
    "know_how": _l("Technical know-how"),
    "ic_layout": _l("IC layout design"),
    "plant_variety": _l("New plant variety"),
    "none": _l("None"),
}

INCUBATION_STATUSES = {
    "incubating": _l("Incubating"),
    "graduated": _l("Graduated"),
    "exited": _l("Exited"),
}

# What a contract button says for each target state.
CONTRACT_ACTIONS = {
    "signed": _l("Sign"),
    "in_progress": _l("Start work"),
    "completed": _l("Mark completed"),
    "terminated": _l("Terminate"),
}

MILESTONE_ACTIONS = {
    "delivered": _l("Mark delivered"),
    "accepted": _l("Accept delivery"),
    "paid": _l("Mark paid"),
    "received": _l("Confirm receipt of payment"),
}

INCUBATION_ACTIONS = {
    "graduated": _l("Mark graduated"),
    "exited": _l("Record the exit"),
}

CONTRACT_EVENT_ACTIONS = {
    "created": _l("Contract drafted"),
    "signed_by_a": _l("Signed by party A"),
    "signed_by_b": _l("Signed by party B"),
    "transition": _l("Status change"),
    "completed_by_a": _l("Completion confirmed by party A"),
    "completed_by_b": _l("Completion confirmed by party B"),
    "milestone": _l("Milestone"),
    "registration": _l("Registration number"),
    "text_edited": _l("Contract text edited"),
    "signature_voided": _l("Signature voided by an edit"),
    **REGISTRATION_EVENT_ACTIONS,
}

# The clauses of the contract texts (`app.deals.contract_templates.CLAUSES`); the text itself carries the
# Chinese headings (`contract_templates.HEADINGS`), which these translate to.
CONTRACT_CLAUSES = {
    "project_name": _l("Project name"),
    "subject": _l("Subject matter: content, scope and requirements"),
    "performance": _l("Plan, progress, term, place and manner of performance"),
    "confidentiality": _l("Confidentiality of technical information and materials"),
    "ownership": _l("Ownership of technical results and sharing of proceeds"),
    "acceptance": _l("Acceptance criteria and method"),
    "price": _l("Price or remuneration and manner of payment"),
    "liability": _l("Liquidated damages and calculation of compensation"),
    "disputes": _l("Dispute resolution"),
    "terms": _l("Definitions of terms"),
    "patent_number": _l("Patent number"),
    "license_mode": _l("Manner of licensing"),
    "right_type": _l("Type of right transferred"),
    "incubation_services": _l("Incubation services"),
    "service_content": _l("Content of the service"),
    "working_conditions": _l("Working conditions"),
    "contributions": _l("Contributions and division of work"),
}

# How a signer proved it was them (`app.deals.signing.SIGNERS`).
SIGNATURE_METHODS = {
    "password": _l("Password confirmed"),
    "api_token": _l("API token"),
}


TABLES = {
    "target_type": TARGET_TYPES,
    "interest_status": INTEREST_STATUSES,
    "detail_event": DETAIL_EVENTS,
    "decline_reason": DECLINE_REASONS,
    "contract_kind": CONTRACT_KINDS,
    "contract_status": CONTRACT_STATUSES,
    "party_role": PARTY_ROLES,
    "milestone_status": MILESTONE_STATUSES,
    "payment_status": PAYMENT_STATUSES,
    "milestone_kind": MILESTONE_KINDS,
    "ip_type": IP_TYPES,
    "incubation_status": INCUBATION_STATUSES,
    "contract_action": CONTRACT_ACTIONS,
    "milestone_action": MILESTONE_ACTIONS,
    "incubation_action": INCUBATION_ACTIONS,
    "contract_event_action": CONTRACT_EVENT_ACTIONS,
    "contract_clause": CONTRACT_CLAUSES,
    "signature_method": SIGNATURE_METHODS,
}
