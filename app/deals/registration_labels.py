"""Labels of the registration codes (技术合同认定登记, `app.deals.registration_rules`), in the user's language,
named in `TABLES` for the one `label` filter (see `app.web.labels`)."""

from flask_babel import lazy_gettext as _l

SUB_KINDS = {
    "dev_commissioned": _l("Commissioned development"),
    "dev_cooperative": _l("Cooperative development"),
    "transfer_patent": _l("Patent right transfer"),
    "transfer_patent_application": _l("Patent application right transfer"),
    "transfer_know_how": _l("Technical secret transfer"),
    "transfer_ic_layout": _l("IC layout design right transfer"),
    "transfer_plant_variety": _l("New plant variety right transfer"),
    "transfer_software": _l("Software copyright transfer"),
    "transfer_other": _l("Other technology transfer"),
    "license_patent": _l("Patent exploitation licence"),
    "license_know_how": _l("Technical secret use licence"),
    "license_ic_layout": _l("IC layout design licence"),
    "license_plant_variety": _l("New plant variety licence"),
    "license_software": _l("Software copyright licence"),
    "license_other": _l("Other technology licence"),
    "consulting": _l("Technical consulting"),
    "service_general": _l("General technical service"),
    "service_intermediary": _l("Technology intermediary"),
    "service_training": _l("Technical training"),
}

FIELDS = {
    "electronic_information": _l("Electronic information"),
    "advanced_manufacturing": _l("Advanced manufacturing"),
    "aerospace": _l("Aerospace"),
    "modern_transport": _l("Modern transport"),
    "biomedicine": _l("Biomedicine and medical devices"),
    "new_materials": _l("New materials and their applications"),
    "new_energy": _l("New energy and energy efficiency"),
    "environment": _l("Environmental protection and resource use"),
    "nuclear": _l("Nuclear applications"),
    "agriculture": _l("Agriculture"),
    "urban_social": _l("Urban construction and social development"),
    "other": _l("Other fields"),
}

OBJECTIVES = {
    "earth_atmosphere": _l("Exploration and use of the earth and atmosphere"),
    "infrastructure": _l("Infrastructure and urban and rural planning"),
    "environment": _l("Environmental protection and pollution control"),
    "energy": _l("Energy production, distribution and rational use"),
    "health": _l("Health"),
    "education": _l("Education"),
    "culture": _l("Culture, recreation and media"),
    "social": _l("Social development and services"),
    "agriculture": _l("Agriculture, forestry, animal husbandry and fishery"),
    "industry_commerce": _l("Industry and commerce"),
    "non_oriented": _l("Non-oriented research"),
    "other_civil": _l("Other civil objectives"),
}

PAYMENT_METHODS = {
    "lump_sum": _l("Lump sum"),
    "installments": _l("Instalments"),
    "royalty": _l("Royalty"),
    "other": _l("Other payment"),
}

PARTY_TYPES = {
    "enterprise": _l("Enterprise"),
    "university": _l("University"),
    "institute": _l("Research institute"),
    "other": _l("Other entity"),
}

STATUSES = {
    "not_submitted": _l("Not applied for"),
    "submitted": _l("Submitted"),
    "registered": _l("Registered by the office"),
    "refused": _l("Registration refused"),
}

# What the form's buttons say for each target status.
STEPS = {
    "submitted": _l("Submit for registration"),
    "not_submitted": _l("Withdraw the submission"),
    "registered": _l("Record: registered"),
    "refused": _l("Record: refused"),
}

# The contract audit trail's actions of the registration (`registration_rules.ACTIONS`).
EVENT_ACTIONS = {
    "registration_saved": _l("Registration form saved"),
    "registration_submitted": _l("Registration submitted"),
    "registration_registered": _l("Contract registered"),
    "registration_refused": _l("Registration refused"),
    "registration_withdrawn": _l("Registration withdrawn"),
}

REGION_OUTSIDE = _l("Outside the city")

# The form's field names, for the 登记表 and the exports.
FIELD_NAMES = {
    "sub_kind": _l("Sub-kind"),
    "field": _l("Technology field"),
    "ip_type": _l("Intellectual property type"),
    "deal_amount": _l("Contract turnover (yuan)"),
    "technology_amount": _l("Technology transaction amount (yuan)"),
    "payment_method": _l("Payment method"),
    "seller_type": _l("Seller type"),
    "buyer_type": _l("Buyer type"),
    "seller_region": _l("Seller region"),
    "buyer_region": _l("Buyer region"),
    "term_start": _l("Term from"),
    "term_end": _l("Term until"),
    "objective": _l("Socio-economic objective"),
    "number": _l("Registration number"),
    "office": _l("Registration office"),
    "refusal_reason": _l("Reason for refusal"),
}

TABLES = {
    "registration_sub_kind": SUB_KINDS,
    "registration_field": FIELDS,
    "registration_objective": OBJECTIVES,
    "payment_method": PAYMENT_METHODS,
    "party_type": PARTY_TYPES,
    "registration_status": STATUSES,
    "registration_step": STEPS,
    "registration_event_action": EVENT_ACTIONS,
    "registration_field_name": FIELD_NAMES,
}
