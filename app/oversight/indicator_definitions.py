"""What each of the bureau's indicators counts, written once: the dashboard's footnotes, the indicator pages, the
OpenAPI description of GET /api/v1/indicators and the definitions sheet of every export read them from here, so
a figure and the sentence that explains it cannot drift apart.

Each text is an English msgid (the API document is in English) whose Chinese lives in the catalogue; `label`,
`unit` and `text` give them in the reader's language. Money is stored and served by the API in yuan; people
read it in 万元 (app/platform/money.py).
"""

from dataclasses import dataclass

from flask_babel import lazy_gettext


@dataclass(frozen=True)
class Definition:
    key: str
    name: str  # msgid of the label
    unit_text: str  # msgid: what `count` counts, and the amount's unit where there is one
    definition: str  # msgid: what is counted, in which year, by which date
    measures: tuple[str, ...] = ("count",)

    @property
    def label(self):
        return lazy_gettext(self.name)

    @property
    def unit(self):
        return lazy_gettext(self.unit_text)

    @property
    def text(self):
        return lazy_gettext(self.definition)


MONEY = ("count", "amount")

DEFINITIONS: tuple[Definition, ...] = (
    Definition(
        "commissioned_rd_contracts",
        "Commissioned R&D contracts",
        "Contracts; amount in 10k yuan",
        "Commissioned-development contracts signed by both parties in the year, by signing date, and not "
        "terminated; amount: the contract amount.",
        MONEY,
    ),
    Definition(
        "technology_market_turnover",
        "Technology-market turnover",
        "Contracts; amount in 10k yuan",
        "Technology contracts (development, transfer, licence, consulting, service) registered with the "
        "technology contract registration office in the year, by registration date, and not terminated; "
        "amount: the registered contract turnover. Incubation agreements are never counted.",
        MONEY,
    ),
    Definition(
        "technology_market_turnover_unregistered",
        "Signed technology contracts not yet registered",
        "Contracts; amount in 10k yuan",
        "Technology contracts of the same kinds signed by both parties in the year, by signing date, that are "
        "not (yet) registered; amount: the contract amount. Once registered, a contract counts in the "
        "technology-market turnover of its registration year instead.",
        MONEY,
    ),
    Definition(
        "incubated_enterprises",
        "Incubated enterprises",
        "Count of enterprises",
        "Enterprises whose incubation by a center started in the year, once the firm (or, for a firm without an "
        "account, the bureau) has confirmed it.",
    ),
    Definition(
        "achievements_published",
        "Achievements published",
        "Count of achievements",
        "Achievements first published on the marketplace in the year, whatever their state now (live, "
        "expired or closed): closing an achievement does not change a past year's figure.",
    ),
    Definition(
        "achievements_transferred",
        "Achievements transferred",
        "Count of achievements",
        "Achievements that are the subject of a transfer or licence contract signed in the year; each "
        "achievement once.",
    ),
    Definition(
        "services_contracted",
        "Services contracted",
        "Contracts; amount in 10k yuan",
        "Technical service and technical consulting contracts signed by both parties in the year, by signing "
        "date, and not terminated; amount: the contract amount.",
        MONEY,
    ),
    Definition(
        "trainings",
        "Trainings",
        "Trainings; people trained",
        "Trainings held by a center in the year; people: the number trained.",
        ("count", "people"),
    ),
    Definition(
        "international_projects",
        "International projects",
        "Count of projects",
        "International cooperation projects of a center under way at any time in the year.",
    ),
    Definition(
        "smes_served",
        "SMEs served",
        "Count of enterprises",
        "Distinct small and medium-sized enterprises (size class medium, small or micro) that are a party to a "
        "contract counted in the year (other than a center's own organization) or whose incubation started in "
        "the year.",
    ),
    Definition(
        "financing",
        "Financing",
        "Financings; amount in 10k yuan",
        "Financings (technology loans, IP-pledge loans, equity investments, guarantees) recorded on the platform "
        "by the finance organization and confirmed by the financed organization, by the date financed in the "
        "year; amount: the amount financed. Also shown by type of financing.",
        MONEY,
    ),
)

BY_KEY: dict[str, Definition] = {d.key: d for d in DEFINITIONS}
KEYS: tuple[str, ...] = tuple(BY_KEY)
LABELS = {d.key: d.label for d in DEFINITIONS}


def api_description() -> str:
    """The definitions for the API document, in English, one line per key."""
    lines = [f"- `{d.key}` ({', '.join(d.measures)}): {d.definition}" for d in DEFINITIONS]
    return "Amounts are in yuan. The indicators:\n\n" + "\n".join(lines)
