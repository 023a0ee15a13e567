"""The kinds of listing, in one registry that search, matching, the service layer, the pages and the API read.

Adding a kind is one entry here plus its table (with its migration) and its page template
(templates/listings/<name>_detail.html, and a form in app/market/forms.py if it is posted).
"""

from dataclasses import dataclass
from typing import Generic, TypeVar, cast

from sqlmodel import SQLModel

from models import financing, instrument, listing
from models.center import Center
from models.enums import OrgKind, Role

# The row type of a kind's table: one of the posted listings' tables, or Center.
Row = TypeVar("Row", bound=SQLModel, covariant=True)


def N_(message: str) -> str:
    """Mark a message for translation where it is defined; the app translates it where it shows it."""
    return message


# The row of any posted kind.
PostedRow = (
    listing.Need
    | listing.Achievement
    | listing.Service
    | instrument.Instrument
    | financing.FinancingRequest
    | financing.FinanceProduct
)


@dataclass(frozen=True)
class ListingKind(Generic[Row]):
    """One kind of listing: where it is stored, how it is named and addressed, who posts it."""

    name: str
    table: type[Row]
    # URL path segment of its pages and API: /needs/3, /api/v1/needs/3.
    segment: str
    label: str
    label_plural: str
    # Who posts it through the listing pages and API; None for kinds that arrive another way (centers
    # are filed through the bureau's workflow), which then need no create, update or public model.
    poster_role: Role | None = None
    create: type[SQLModel] | None = None
    update: type[SQLModel] | None = None
    public: type[SQLModel] | None = None
    # Narrower than the role, where a kind says so: the organization kinds that may post it (finance products
    # by finance organizations only; financing requests also by center users). None: any of the role.
    poster_org_kinds: frozenset[OrgKind] | None = None
    # Other roles that post it as well (a center's financing round besides a firm's).
    also_posted_by: tuple[Role, ...] = ()

    @property
    def posted(self) -> bool:
        return self.poster_role is not None

    @property
    def poster_roles(self) -> tuple[Role, ...]:
        return (self.poster_role, *self.also_posted_by) if self.poster_role is not None else ()


LISTING_KINDS: dict[str, ListingKind[PostedRow | Center]] = {
    kind.name: kind
    for kind in (
        ListingKind(
            "need",
            listing.Need,
            "needs",
            N_("Technical need"),
            N_("Technical needs"),
            Role.enterprise,
            listing.NeedCreate,
            listing.NeedUpdate,
            listing.NeedPublic,
        ),
        ListingKind(
            "achievement",
            listing.Achievement,
            "achievements",
            N_("Achievement"),
            N_("Achievements"),
            Role.center,
            listing.AchievementCreate,
            listing.AchievementUpdate,
            listing.AchievementPublic,
        ),
        ListingKind(
            "service",
            listing.Service,
            "services",
            N_("Public service"),
            N_("Public services"),
            Role.center,
            listing.ServiceCreate,
            listing.ServiceUpdate,
            listing.ServicePublic,
        ),
        ListingKind(
            "instrument",
            instrument.Instrument,
            "instruments",
            N_("Instrument or facility"),
            N_("Instruments and facilities"),
            Role.center,
            instrument.InstrumentCreate,
            instrument.InstrumentUpdate,
            instrument.InstrumentPublic,
        ),
        ListingKind(
            "financing",
            financing.FinancingRequest,
            "financing-requests",
            N_("Financing request"),
            N_("Financing requests"),
            Role.enterprise,
            financing.FinancingRequestCreate,
            financing.FinancingRequestUpdate,
            financing.FinancingRequestPublic,
            # A firm's round or loan, or a center's; a finance organization offers money, it does not ask here.
            poster_org_kinds=frozenset(
                {OrgKind.enterprise, OrgKind.center, OrgKind.university, OrgKind.institute}
            ),
            also_posted_by=(Role.center,),
        ),
        ListingKind(
            "finance_product",
            financing.FinanceProduct,
            "finance-products",
            N_("Finance product"),
            N_("Finance products"),
            Role.enterprise,
            financing.FinanceProductCreate,
            financing.FinanceProductUpdate,
            financing.FinanceProductPublic,
            poster_org_kinds=frozenset({OrgKind.finance}),
        ),
        ListingKind("center", Center, "centers", N_("Innovation center"), N_("Innovation centers")),
    )
}
# The names alone, for the layers that must not import tables (indexing, matching): search document types.
KIND_NAMES: tuple[str, ...] = tuple(LISTING_KINDS)
# A posted kind's table is one of the listing tables (Center, the one other table, is filed, not posted).
PostedKind = ListingKind[PostedRow]
POSTED_KINDS: dict[str, PostedKind] = {
    name: cast(PostedKind, kind) for name, kind in LISTING_KINDS.items() if kind.posted
}
_KIND_OF_TABLE: dict[type[SQLModel], str] = {kind.table: kind.name for kind in LISTING_KINDS.values()}


def kind_name_of(row: SQLModel) -> str:
    """The registry name of a listing row ("need" for a Need)."""
    return _KIND_OF_TABLE[type(row)]


def kind_at_segment(segment: str) -> ListingKind:
    """The kind whose pages live under this URL segment; KeyError for any other."""
    for kind in LISTING_KINDS.values():
        if kind.segment == segment:
            return kind
    raise KeyError(segment)
