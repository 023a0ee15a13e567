"""Jinja filters and globals: enum labels, money in 万元, industry and organization names."""

import re

from flask import Blueprint, current_app, g, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from sqlmodel import col, select

from app.accounts import labels as account_labels
from app.accounts.services import accounts
from app.db import get_session
from app.deals import labels as deal_labels
from app.deals import registration_labels
from app.financing import labels as financing_labels
from app.instruments import labels as instrument_labels
from app.market.services import attachments
from app.market.services.search import SORT_LABELS
from app.oversight import labels as oversight_labels
from app.platform import permissions
from app.platform.errors import NotFound
from app.platform.money import format_wan
from app.platform.regions import region_choices, region_name
from app.platform.taxonomy import industry_choices, industry_name
from app.trading import labels as trading_labels
from app.web import labels
from app.web.identity import current_user_or_none
from models import POSTED_KINDS, Organization

# No routes: it only carries the filters and globals every page uses.
bp = Blueprint("templating", __name__)


def is_english() -> bool:
    return str(get_locale()).startswith("en")


def _all_tables() -> dict[str, dict]:
    tables: dict[str, dict] = {}
    for part in (
        labels.TABLES,
        deal_labels.TABLES,
        registration_labels.TABLES,
        oversight_labels.TABLES,
        account_labels.TABLES,
        instrument_labels.TABLES,
        financing_labels.TABLES,
        trading_labels.TABLES,
    ):
        clash = tables.keys() & part.keys()
        assert not clash, f"label tables named twice: {clash}"
        tables.update(part)
    return tables


# Every enumeration's labels by table name: the `label` filter's and the `labels` global's one source.
LABEL_TABLES = _all_tables()


@bp.record_once
def _share_labels(state) -> None:
    """Services that word a state (notifications) read the tables from the app: the platform imports no domain."""
    state.app.extensions["label_tables"] = LABEL_TABLES


@bp.app_template_filter("label")
def label_filter(value, table: str) -> str:
    """`{{ contract.status|label('contract_status') }}`: an enum value in the user's language."""
    return labels.label(LABEL_TABLES[table], value)


@bp.app_template_filter("nda_version")
def nda_version(version: str) -> str:
    """An NDA's version as a person reads it: "platform-2026-1" is the platform's standard text, 2026 edition 1;
    "need-7-v3" is the need owner's own text, version 3. The codes stay in the database and the API."""
    platform = re.fullmatch(r"platform-(\d{4})-(\d+)", version)
    if platform:
        return _("standard text, %(year)s edition %(n)s", year=platform[1], n=platform[2])
    own = re.fullmatch(r"need-\d+-v(\d+)", version)
    return _("version %(v)s", v=own[1]) if own else version


@bp.app_template_filter("industry_name")
def industry_name_filter(code: str | None) -> str:
    return industry_name(code)


@bp.app_template_filter("wan")
def wan(yuan: int | None, unit: bool = False) -> str:
    """A figure in 万元 for a table whose header names the unit (`{{ row.amount|wan }}` → "806"), or with the
    unit when `unit` (`|wan(true)` → "806 万元"); "—" when there is none. Unlike `money_wan`, 0 is "0", not
    "free": these are totals, not prices."""
    if yuan is None:
        return "—"
    return _("%(amount)s 10k yuan", amount=format_wan(yuan)) if unit else format_wan(yuan)


@bp.app_template_filter("money_wan")
def money_wan(yuan: int | None) -> str:
    """An amount for people: 万元 in Chinese, plain yuan in English; "negotiable" when unknown."""
    if yuan is None:
        return _("Negotiable")
    if yuan == 0:
        return _("Free")
    if is_english():
        return f"CNY {yuan:,}"
    return _("%(amount)s 10k yuan", amount=format_wan(yuan))


@bp.app_template_filter("money_range")
def money_range(low: int | None, high: int | None) -> str:
    """A budget: one bound, both bounds, or "negotiable"."""
    if low is None and high is None:
        return _("Negotiable")
    if low is None:
        return _("Up to %(amount)s", amount=money_wan(high))
    if high is None:
        return _("From %(amount)s", amount=money_wan(low))
    if low == high:
        return money_wan(low)
    if is_english():
        return f"CNY {low:,} – {high:,}"
    return _("%(amount)s 10k yuan", amount=f"{format_wan(low)}–{format_wan(high)}")


@bp.app_template_filter("region_name")
def region_name_filter(code: str | None) -> str:
    return region_name(code)


@bp.app_template_filter("date_cn")
def date_cn(value) -> str:
    """A date (or datetime) as 2027-06-30; the same in both languages, unambiguous."""
    return value.strftime("%Y-%m-%d") if value else ""


def _org(org_id: int) -> dict:
    """Name and verification of an organization, cached for the request (a list page names the same few often)."""
    cache = g.setdefault("orgs", {})
    if org_id not in cache:
        try:
            org = accounts.get_organization(session=get_session(), org_id=org_id)
        except NotFound:
            cache[org_id] = {"name": "", "verified": False}
        else:
            cache[org_id] = {
                "name": org.name_en if (is_english() and org.name_en) else org.name,
                "verified": org.verified,
                "kind": org.kind,
            }
    return cache[org_id]


def prefetch_orgs(org_ids) -> None:
    """Name the organizations of a page's listings in one query, before its cards ask for them one by one."""
    cache = g.setdefault("orgs", {})
    wanted = {org_id for org_id in org_ids if org_id is not None and org_id not in cache}
    if not wanted:
        return
    english = is_english()
    for org in get_session().exec(select(Organization).where(col(Organization.id).in_(sorted(wanted)))):
        cache[org.id] = {
            "name": org.name_en if (english and org.name_en) else org.name,
            "verified": org.verified,
        }


def prefetch_cards(items_by_kind: dict[str, list]) -> None:
    """Everything a page's listing cards look up (organizations, first images) in one query per kind."""
    prefetch_orgs(item.org_id for items in items_by_kind.values() for item in items)
    cache = g.setdefault("card_thumbnails", {})
    for kind, items in items_by_kind.items():
        wanted = [item for item in items if (kind, item.id) not in cache]
        if wanted:
            found = attachments.card_thumbnails(session=get_session(), kind=kind, listings=wanted)
            cache.update({(kind, item.id): found.get(item.id) for item in wanted})


def card_thumbnail_url(kind: str, item) -> str | None:
    """Where a listing card's picture is, if the listing has an image."""
    if (kind, item.id) not in g.get("card_thumbnails", {}):
        prefetch_cards({kind: [item]})
    attachment_id = g.card_thumbnails[(kind, item.id)]
    return (
        url_for(
            "listings.thumbnail",
            segment=POSTED_KINDS[kind].segment,
            listing_id=item.id,
            attachment_id=attachment_id,
        )
        if attachment_id
        else None
    )


def org_name(org_id: int | None) -> str:
    return _org(org_id)["name"] if org_id is not None else ""


def org_verified(org_id: int | None) -> bool:
    """Whether the bureau has verified the organization; templates mark the ones it has not."""
    return org_id is not None and _org(org_id)["verified"]


def postable_kinds() -> list[str]:
    """The kinds the current user's organization posts: needs for enterprises, achievements and services for
    centers, universities and institutes, nothing for the bureau or an anonymous visitor."""
    user = current_user_or_none()
    if user is None or user.org_id is None:
        return []
    org_kind = _org(user.org_id).get("kind")
    return [
        name
        for name, kind in POSTED_KINDS.items()
        if permissions.may_post(
            user,
            kind.poster_role,
            also=kind.also_posted_by,
            org_kind=org_kind,
            org_kinds=kind.poster_org_kinds,
        )
    ]


def has_center_page() -> bool:
    """Whether the header offers "My center" to the current user (`permissions.has_center_page`)."""
    user = current_user_or_none()
    return user is not None and permissions.has_center_page(get_session(), user)


@bp.app_context_processor
def inject_globals() -> dict:
    return {
        "org_name": org_name,
        "org_verified": org_verified,
        "industry_choices": industry_choices,
        "region_choices": region_choices,
        "postable_kinds": postable_kinds(),
        "has_center_page": has_center_page,
        "sort_labels": SORT_LABELS,
        "current_locale": str(get_locale()),
        "is_english": is_english(),
        "languages": current_app.config["LANGUAGES"],
        "labels": LABEL_TABLES,
        "html_lang": "en" if is_english() else "zh-CN",
        "request_path": request.full_path.rstrip("?") if request else "/",
    }
