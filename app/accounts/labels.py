"""Display labels of the accounts' audit steps, in the user's language (Chinese first), named in `TABLES` for the one
`label` filter (see `app.web.labels`): the bureau's record of an organization and a person's own activity."""

from flask_babel import lazy_gettext as _l

# Keyed by "<subject>:<action>", since a claim's "transfer" and an organization's "transferred" differ in subject.
ACCOUNT_EVENTS = {
    "organization:verified": _l("Verified by the bureau"),
    "organization:size_class_changed": _l("Size class changed"),
    "organization:transferred": _l("Handed over to a claimant"),
    "claim:filed": _l("Claim filed"),
    "claim:transfer": _l("Claim approved: organization transferred"),
    "claim:reject": _l("Claim rejected"),
    "user:data_exported": _l("Personal data downloaded"),
    "user:deletion_requested": _l("Account deletion requested"),
    "user:deletion_cancelled": _l("Account deletion cancelled"),
    "user:deleted": _l("Account deleted"),
}

# 企业规模 (models/size_class.py).
SIZE_CLASSES = {
    "large": _l("Large"),
    "medium": _l("Medium"),
    "small": _l("Small"),
    "micro": _l("Micro"),
}

TABLES = {"account_event": ACCOUNT_EVENTS, "size_class": SIZE_CLASSES}
