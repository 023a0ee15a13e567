"""Labels of the trading codes in the reader's language (the `label` filter's tables are per domain)."""

from flask_babel import lazy_gettext as _l

TRADING_MODES = {"negotiated": _l("Negotiated price"), "listed": _l("Listed price"), "auction": _l("Auction")}
AUCTION_PHASES = {
    "scheduled": _l("Not started"),
    "running": _l("Bidding"),
    "ended": _l("Ended"),
    "sold": _l("Sold"),
    "unsold": _l("Unsold"),
}
NOTICE_STATES = {
    "none": _l("No notice"),
    "running": _l("On notice"),
    "pending": _l("Objections awaiting answers"),
    "blocked": _l("Objection upheld"),
    "cleared": _l("Notice cleared"),
}
CHALLENGE_STATUSES = {
    "open": _l("Open for proposals"),
    "selected": _l("Proposal selected"),
    "closed": _l("Closed"),
}
VALUATION_IP_TYPES = {
    "invention_patent": _l("Invention patent"),
    "utility_patent": _l("Utility model patent"),
    "design_patent": _l("Design patent"),
    "software_copyright": _l("Software copyright"),
    "ic_layout": _l("IC layout design"),
    "plant_variety": _l("Plant variety"),
    "know_how": _l("Technical know-how"),
    "none": _l("No intellectual property"),
}
MARKET_READINESS = {
    "unexplored": _l("Not yet tested in the market"),
    "validated": _l("Prospective customers or trials"),
    "selling": _l("Sold or licensed already"),
}
APPLICATION_READINESS = {
    "lab": _l("Laboratory stage"),
    "pilot": _l("Pilot or prototype"),
    "production": _l("Ready for volume application"),
}

TABLES = {
    "trading_mode": TRADING_MODES,
    "auction_phase": AUCTION_PHASES,
    "price_notice_state": NOTICE_STATES,
    "challenge_status": CHALLENGE_STATUSES,
    "valuation_ip_type": VALUATION_IP_TYPES,
    "market_readiness": MARKET_READINESS,
    "application_readiness": APPLICATION_READINESS,
}
