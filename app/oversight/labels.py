"""Display labels of the oversight's enumerations and criteria, registered as Jinja filters."""

from flask_babel import lazy_gettext as _l

from app.oversight.indicator_definitions import LABELS

CENTER_STATUSES = {
    "applied": _l("Applied"),
    "review": _l("Expert review"),
    "inspection": _l("Site inspection"),
    "notice": _l("Public notice"),
    "filed": _l("Filed"),
    "rejected": _l("Refused"),
    "revoked": _l("Revoked"),
}

EXPERT_FIELDS = {
    "economics": _l("Economics"),
    "technology": _l("Technology"),
    "industry": _l("Industry practice"),
    "management": _l("Management"),
    "law": _l("Law"),
}

CRITERIA = {
    "technical_foundation": _l("Technical foundation"),
    "institutions_mechanism": _l("Institutions and operating mechanism"),
    "influence": _l("Influence"),
    "plan_quality": _l("Quality of the plan"),
    "results": _l("Technology results, number and quality"),
    "transfer": _l("Transfer and industrialization"),
    "industry_support": _l("Support to the industry"),
    "talent": _l("Talent"),
    "cooperation": _l("International cooperation"),
    "budget_soundness": _l("Soundness of the budget"),
    "expected_results": _l("Expected results"),
    "capacity": _l("Capacity to deliver"),
    "technical_approach": _l("Technical approach"),
    "feasibility": _l("Feasibility"),
    "team": _l("Team"),
    "price": _l("Price"),
}

FUND_STATUSES = {"submitted": _l("In review"), "granted": _l("Funding granted"), "declined": _l("Not funded")}

GRADES = {"excellent": _l("Excellent"), "good": _l("Good"), "passed": _l("Pass"), "failed": _l("Fail")}

TRAINING_MODES = {"in_person": _l("In person"), "online": _l("Online")}

COOPERATION_FORMS = {
    "joint_rd": _l("Joint R&D"),
    "introduced_team": _l("Introduced team"),
    "co_built_lab": _l("Co-built laboratory"),
    "exchange": _l("Exchange"),
}

FIRST_USE_CATEGORIES = {
    "equipment": _l("First set of major equipment"),
    "key_part": _l("First batch of key parts"),
    "new_material": _l("First batch of new materials"),
}

FLAG_STATUSES = {
    "flagged": _l("Awaiting review"),
    "recommended": _l("Recommended"),
    "declined": _l("Declined"),
}

PROMOTION_OUTCOMES = {
    "pending": _l("Awaiting outcome"),
    "approved": _l("Approved"),
    "rejected": _l("Not approved"),
}

REPORT_SECTIONS = {
    "summary": _l("Overview of operation"),
    "results": _l("Technology results"),
    "transfer": _l("Transfer and industrialization"),
    "talent": _l("Talent and training"),
    "cooperation": _l("International cooperation"),
    "plans": _l("Problems and next year's plan"),
}

EVENTS = {
    "applied": _l("Application submitted"),
    "review_started": _l("Sent to the expert panel"),
    "review_passed": _l("Expert review passed"),
    "review_refused": _l("Refused after expert review"),
    "inspection_failed": _l("Site inspection failed"),
    "notice_opened": _l("Site inspection passed; public notice opened"),
    "objection_raised": _l("Objection raised"),
    "objection_answered": _l("Objection answered"),
    "objection_dismissed": _l("Objection dismissed as a duplicate or spam"),
    "filed": _l("Filed"),
    "refused": _l("Refused"),
    "promotion_recommended": _l("Recommended for promotion"),
    "promotion_approved": _l("Promotion approved"),
    "promotion_rejected": _l("Promotion not approved"),
    "first_use_flagged": _l("First commercial application flagged"),
    "first_use_recommended": _l("First commercial application recommended"),
    "first_use_declined": _l("First commercial application declined"),
    "report_submitted": _l("Annual report submitted"),
    "graded": _l("Annual evaluation graded"),
    "assessment_decided": _l("Three-year assessment decided"),
    "rectification_ordered": _l("Rectification ordered"),
    "rectification_reported": _l("Rectification report submitted"),
    "rectification_accepted": _l("Rectification accepted"),
    "filing_revoked": _l("Filing revoked"),
    "weights_set": _l("Evaluation weights set"),
    "targets_set": _l("Annual targets set"),
    "legal_entity": _l("Legal entity of the center recorded"),
    "governance_member_added": _l("Governance member added"),
    "contribution_recorded": _l("Member contribution recorded"),
}

GOVERNING_BODIES = {
    "decision_body": _l("Decision body"),
    "expert_committee": _l("Technical expert committee"),
}

CONTRIBUTION_KINDS = {
    "shares": _l("Shares"),
    "membership_fee": _l("Membership fee"),
}

RECTIFICATION_STATUSES = {
    "ordered": _l("Ordered to rectify"),
    "reported": _l("Report submitted"),
    "accepted": _l("Rectification accepted"),
    "revoked": _l("Filing revoked"),
}

# The indicators' names come with their definitions, written once (app/oversight/indicator_definitions.py).
INDICATORS = LABELS

MEASURES = {"count": _l("Count"), "amount": _l("Amount (yuan)"), "people": _l("People")}
# The same measures as people read them on pages and in PDFs: money in 万元.
MEASURES_WAN = {"count": _l("Count"), "amount": _l("Amount (10k yuan)"), "people": _l("People")}

TABLES = {
    "center_status": CENTER_STATUSES,
    "expert_field": EXPERT_FIELDS,
    "criterion": CRITERIA,
    "grade": GRADES,
    "training_mode": TRAINING_MODES,
    "cooperation_form": COOPERATION_FORMS,
    "first_use": FIRST_USE_CATEGORIES,
    "flag_status": FLAG_STATUSES,
    "promotion_outcome": PROMOTION_OUTCOMES,
    "report_section": REPORT_SECTIONS,
    "event": EVENTS,
    "indicator": INDICATORS,
    "measure": MEASURES,
    "rectification_status": RECTIFICATION_STATUSES,
    "governing_body": GOVERNING_BODIES,
    "contribution_kind": CONTRIBUTION_KINDS,
    "fund_status": FUND_STATUSES,
}
