"""The city's districts, counties and development zones: a YAML file the bureau edits, read once per path.

Listings and organizations store a region's code; pages show its name in the reader's language.
"""

from dataclasses import dataclass
from functools import cache

import yaml
from flask import current_app
from flask_babel import get_locale
from flask_babel import gettext as _

from app.platform.errors import Invalid


@dataclass(frozen=True)
class Region:
    code: str
    name_zh: str
    name_en: str
    # district, county_city, county or zone
    kind: str
    # national or provincial, for development zones
    level: str
    aliases: tuple[str, ...]


@cache
def _load(path: str) -> dict[str, Region]:
    with open(path, encoding="utf-8") as fh:
        raw = yaml.safe_load(fh) or {}
    return {
        str(item["code"]): Region(
            code=str(item["code"]),
            name_zh=item["name_zh"],
            name_en=item["name_en"],
            kind=item.get("kind", ""),
            level=item.get("level", ""),
            aliases=tuple(item.get("aliases", [])),
        )
        for item in raw.get("regions", [])
    }


def regions() -> dict[str, Region]:
    """Every region of the configured file, by code, in file order."""
    return _load(current_app.config["REGIONS_FILE"])


@cache
def _names(path: str) -> dict[str, str]:
    names: dict[str, str] = {}
    for region in _load(path).values():
        for name in (region.code, region.name_zh, region.name_en, *region.aliases):
            names.setdefault(name.strip().lower(), region.code)
    return names


def region_code(text: str | None) -> str | None:
    """The code of a region given by code, name or alias; None when the text names no region."""
    if not text:
        return None
    return _names(current_app.config["REGIONS_FILE"]).get(text.strip().lower())


def resolve_region(value: str | None, field: str = "region") -> str | None:
    """A region given by code or name as its code; Invalid (a field message) for anything else."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    code = region_code(value) if isinstance(value, str) else None
    if code is None:
        raise Invalid(_("Some fields are not valid."), {field: _("Choose a region from the list.")})
    return code


def region_name(code: str | None) -> str:
    """The region's name in the current language; older free text that names no region, as it is."""
    if not code:
        return ""
    region = regions().get(code)
    if region is None:
        return code
    return region.name_en if str(get_locale()).startswith("en") else region.name_zh


def region_choices() -> list[tuple[str, str]]:
    return [(code, region_name(code)) for code in regions()]
