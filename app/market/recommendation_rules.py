"""What a recommendation panel may show, as pure functions (no session, no request):
`app.market.services.recommendations` reads the rows and asks these.

- A reason cites only words present in both texts, the listing's and the recommended one's, as a reader sees
  them (never a word the query was expanded with, such as 碳纤维 from 轻量化), and never a stop word, a
  number, a single character, or one of the market's generic words (配套, 车身, 技术... the taxonomy's
  `generic_words`), which are in every second listing and explain nothing.
- An organization is never recommended to itself: not the listing's own organization, not the viewer's, and
  not a center that is the listing's own (the center an achievement names, or one the organization runs or
  leads) for incubation.
"""

from collections.abc import Collection, Iterable
from dataclasses import dataclass

from matching.reasons import is_evidence
from matching.text import normalize


def citable_terms(
    terms: Iterable[str], query_text: str, target_text: str, generic: Collection[str]
) -> list[str]:
    """The terms a shared-terms reason may show: in both (normalised) texts, evidence, not generic."""
    query, target = normalize(query_text, limit=None), normalize(target_text, limit=None)
    return [
        term
        for term in dict.fromkeys(terms)
        if is_evidence(term) and term not in generic and term in query and term in target
    ]


@dataclass(frozen=True)
class Own:
    """Who a panel must not recommend: the organizations on the asking side and their centers."""

    org_ids: frozenset[int]
    center_ids: frozenset[int]


def own_side(
    *, listing_org_id: int | None, viewer_org_id: int | None = None, center_id: int | None = None
) -> Own:
    orgs = frozenset(org for org in (listing_org_id, viewer_org_id) if org is not None)
    centers = frozenset({center_id} if center_id is not None else ())
    return Own(orgs, centers)


def is_own(
    own: Own,
    *,
    target_type: str,
    target_id: int,
    target_org_id: int | None,
    lead_org_id: int | None = None,
) -> bool:
    """Whether a candidate belongs to the asking side (and so is never shown)."""
    if target_org_id is not None and target_org_id in own.org_ids:
        return True
    if target_type == "center":
        return target_id in own.center_ids or (lead_org_id is not None and lead_org_id in own.org_ids)
    return False
