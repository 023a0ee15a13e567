"""Grow the marketplace to a size a real market has: listings, organizations, interests and contracts in the
demo's proportions, written with bulk inserts and indexed through the ordinary outbox.

Text comes from the demo listings of the same kind (each generated listing varies one of them with keywords of
its industry from the taxonomy), so search and matching see realistic Chinese. The same seed on the same starting
database gives the same rows; rows are written in chunks, each its own transaction with its outbox rows.
"""

import json
import random
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import TypeVar

import psycopg
from sqlalchemy import func, insert, text
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select
from werkzeug.security import generate_password_hash

from app.accounts.services.accounts import ROLE_OF_KIND
from app.deals import contract_templates as templates
from app.deals import rules as deal_rules
from app.deals.services.interests import contract_side
from app.instruments.services import free_time
from app.ops import grow_instruments
from app.ops.demo import (
    CONTRACT_SUFFIX,
    DEAL_AGE_DAYS,
    DEMO_DIR,
    DEMO_EMAIL_DOMAIN,
    DEMO_OPEN_INTERESTS,
    DEMO_PASSWORD,
    IP_TYPES,
    _amount,
    _choose_contract_status,
    _credit_code,
)
from app.platform.taxonomy import Industry
from models import (
    Achievement,
    AuditEvent,
    Booking,
    Center,
    Contract,
    ContractSignature,
    ContractText,
    Instrument,
    Interest,
    ListingStatus,
    Need,
    Organization,
    OrgKind,
    Service,
    User,
)
from models.common import utcnow
from models.outbox import OutboxEvent

CHUNK = 5000
# A tenth of the listings are shared instruments (10,000 at 100k), each with 20 bookings (200,000 at 100k): the
# proportions issue 23 measures at.
INSTRUMENT_SHARE = 0.1
BOOKINGS_PER_INSTRUMENT = 20
# Which listing an interest is about for each contract kind; incubation is about a center, which grow adds none of.
TARGET_OF_KIND = {
    "commissioned_development": "service",
    "cooperative_development": "need",
    "transfer": "achievement",
    "license": "achievement",
    "technical_service": "service",
    "technical_consulting": "service",
}
# Who posts what: needs come from firms, achievements from universities and institutes.
POSTERS = {
    "need": (OrgKind.enterprise,),
    "achievement": (OrgKind.university, OrgKind.institute),
    "service": (OrgKind.institute,),
}
ORG_SUFFIX = {
    OrgKind.enterprise: "科技有限公司",
    OrgKind.university: "学院",
    OrgKind.institute: "研究院",
    OrgKind.finance: "创业投资有限公司",
}


class GrowError(RuntimeError):
    """The market cannot be grown as asked; the message says why."""


@dataclass(frozen=True)
class Vocabulary:
    """What generated rows are made of: the demo files and the taxonomy, and the demo's proportions."""

    templates: dict[str, list[dict]]
    org_kinds: list[tuple[OrgKind, float]]
    orgs_per_listing: float
    contracts_per_listing: float
    other_interests_per_listing: dict[str, float]
    contract_kinds: list[tuple[str, float]]
    industries: dict[str, Industry]
    name_parts: list[str]
    regions: list[str]
    spec: dict


def vocabulary(*, industries: dict[str, Industry], directory: Path = DEMO_DIR) -> Vocabulary:
    def read(name):
        return json.loads((directory / f"{name}.json").read_text(encoding="utf-8"))

    templates = {"need": read("needs"), "achievement": read("achievements"), "service": read("services")}
    orgs, spec = read("organizations"), read("deals")
    listings = sum(len(t) for t in templates.values())
    kinds = Counter(OrgKind(o["kind"]) for o in orgs if o["kind"] in {k.value for k in ORG_SUFFIX})
    plan = {kind: n for kind, n in spec["plan"].items() if kind in TARGET_OF_KIND}
    # Two characters after the city name are the distinctive part of a demo name (长春「华驰」汽车零部件…).
    parts = sorted({o["name"][2:4] for o in orgs if o["name"].startswith("长春") and len(o["name"]) > 5})
    return Vocabulary(
        templates=templates,
        org_kinds=sorted(kinds.items()),
        orgs_per_listing=sum(kinds.values()) / listings,
        contracts_per_listing=sum(spec["plan"].values()) / listings,
        other_interests_per_listing={status: n / listings for status, n, _ages in DEMO_OPEN_INTERESTS},
        contract_kinds=sorted(plan.items()),
        industries=industries,
        name_parts=parts,
        regions=sorted({o["region"] for o in orgs if o.get("region")}),
        spec=spec,
    )


def _share(rng: random.Random, total: float) -> int:
    """A whole number whose average is `total`, so small chunks keep the proportions on average."""
    whole = int(total)
    return whole + (1 if rng.random() < total - whole else 0)


T = TypeVar("T")


def _pick(rng: random.Random, weighted: list[tuple[T, float]]) -> T:
    return rng.choices([item for item, _w in weighted], weights=[w for _i, w in weighted])[0]


class _Generator:
    """Turns a seed into rows; holds nothing but the random stream and the fixed inputs."""

    def __init__(
        self,
        vocab: Vocabulary,
        seed: int,
        now: datetime,
        ttl_days: int,
        password_hash: str,
        centers: list[tuple[int, int, str | None]],
        center_users: dict[int, int],
    ):
        self.vocab, self.seed, self.now, self.ttl = vocab, seed, now, ttl_days
        self.rng = random.Random(seed)
        self.password_hash, self.centers, self.center_users = password_hash, centers, center_users

    def organization(self, n: int, kind: OrgKind, industry: str) -> dict:
        rng, name = self.rng, self.vocab.industries[industry].name_zh
        return {
            "kind": kind,
            "name": f"长春{rng.choice(self.vocab.name_parts)}{name}{ORG_SUFFIX[kind]}",
            "name_en": None,
            "credit_code": _credit_code(rng),
            "region": rng.choice(self.vocab.regions),
            "industries": [industry],
            "description": f"{name}领域的{'、'.join(self._keywords(industry, 3))}。",
            "contact_name": None,
            "contact_phone": None,
            "demo_key": f"grow-{self.seed}-{n}",
            "created_at": self.now,
            "verified_at": self.now,
        }

    def user(self, org: dict, org_id: int) -> dict:
        return {
            "email": f"{org['demo_key']}@{DEMO_EMAIL_DOMAIN}",
            "name": org["name"][:60],
            "password_hash": self.password_hash,
            "role": ROLE_OF_KIND[org["kind"]],
            "org_id": org_id,
            "active": True,
            "created_at": self.now,
            # Grown accounts are confirmed, as the demo's are: written in bulk, no column default fills it.
            "email_confirmed_at": self.now,
            "session_version": 1,
        }

    def _keywords(self, industry: str, k: int) -> list[str]:
        words = self.vocab.industries[industry].keywords
        return self.rng.sample(words, min(k, len(words)))

    def listing(self, kind: str, org_id: int) -> dict:
        rng, template = self.rng, self.rng.choice(self.vocab.templates[kind])
        industry = (
            template["industry"]
            if template.get("industry") in self.vocab.industries
            else rng.choice(sorted(self.vocab.industries))
        )
        focus, *more = self._keywords(industry, 3)
        published = self.now - timedelta(days=rng.randint(0, self.ttl - 1), minutes=rng.randint(0, 1439))
        row = {
            "title": f"{template['title']}（{focus}方向）"[:200],
            "industry": industry,
            "org_id": org_id,
            "owner_id": None,
            "status": ListingStatus.published,
            "created_at": published,
            "updated_at": published,
            "published_at": published,
            "expires_at": published + timedelta(days=self.ttl),
            "demo_key": None,
            "cooperation_modes": template.get("cooperation_modes") or ["service"],
        }
        tail = f"可延伸至{'、'.join(more)}等方向。" if more else ""
        scale = rng.choice((0.5, 0.8, 1, 1.2, 1.5, 2))
        if kind == "need":
            low = int(round((template.get("budget_min") or 100_000) * scale, -4))
            row.update(
                description=template["summary"] + tail,
                details=template.get("details") or "",
                trl=template.get("trl_target"),
                budget_min=low,
                budget_max=max(low, int(round((template.get("budget_max") or 500_000) * scale, -4))),
                deadline=(self.now + timedelta(days=rng.randint(60, 540))).date(),
                confidential=bool(template.get("confidential")),
                region=rng.choice(self.vocab.regions),
            )
        elif kind == "achievement":
            patents = [
                f"ZL20{rng.randint(15, 25)}{rng.randint(10**7, 10**8 - 1)}.{rng.randint(0, 9)}"
                for _ in template.get("patent_numbers") or []
            ]
            row.update(
                description=template["description"] + tail,
                kind=template["kind"],
                trl=template.get("trl"),
                patent_numbers=patents,
                ip_status=template.get("ip_status") or "none",
                price=int(round(template["price"] * scale, -4)) if template.get("price") else None,
                center_id=None,
            )
        else:
            row.update(
                description=template["description"] + tail,
                category=template["category"],
                price=int(round(template["price"] * scale, -3)) if template.get("price") else None,
                price_note=template.get("price_note") or "",
            )
        return row

    def service_home(self, org_id: int, industry: str) -> tuple[int, int | None]:
        """A service belongs to a center of its industry when there is one (any center otherwise)."""
        fitting = [c for c in self.centers if c[2] == industry] or self.centers
        if not fitting:
            return org_id, None
        center_id, center_org, _industry = self.rng.choice(fitting)
        return center_org, center_id


def _contract_events(status: str, reason: str) -> list[tuple[str, deal_rules.AuditEntry]]:
    """The audit trail (side, entry) of a contract taken to `status` by the rules themselves, without milestones."""
    entries = [("a", deal_rules.AuditEntry("created", None, "draft"))]
    state = deal_rules.ContractState("draft", False, False)
    steps = {"draft": [], "signed": [("a", "signed"), ("b", "signed")]}
    steps["in_progress"] = [*steps["signed"], ("a", "in_progress")]
    # Completion needs both parties' confirmation.
    steps["completed"] = [*steps["in_progress"], ("b", "completed"), ("a", "completed")]
    steps["terminated"] = [*steps["in_progress"], ("a", "terminated")]
    for side, to in steps[status]:
        outcome = deal_rules.transition_contract(
            state, side=side, to=to, note=reason if to == "terminated" else ""
        )
        state = outcome.state
        entries.append((side, outcome.entry))
    return entries


def _texts_and_signatures(
    session: Session, contract_ids: list[int], contracts: list[dict], user_of: dict[int, int]
) -> None:
    """Version 1 of each contract's text (its model text, as `create_contract` makes it) and a signature record
    for each side that signed, naming that text's hash."""
    org_ids = {c[f"party_{side}_org_id"] for c in contracts for side in ("a", "b")}
    names = dict(
        session.exec(
            select(Organization.id, Organization.name).where(col(Organization.id).in_(org_ids))
        ).all()
    )
    texts, signatures = [], []
    for contract_id, contract in zip(contract_ids, contracts, strict=True):
        role = deal_rules.roles(contract["kind"])
        clauses = templates.default_clauses(
            templates.Facts(
                kind=contract["kind"],
                title=contract["title"],
                party_a=names[contract["party_a_org_id"]],
                party_b=names[contract["party_b_org_id"]],
                role_a=role["a"],
                role_b=role["b"],
                amount=contract["amount"],
                technology_amount=contract["technology_amount"],
                ends_on=contract["ends_on"],
            )
        )
        sha = templates.text_sha256(contract["kind"], clauses)
        texts.append(
            {
                "contract_id": contract_id,
                "version": 1,
                "clauses": clauses,
                "sha256": sha,
                "created_by": contract["created_by"],
                "created_at": contract["created_at"],
            }
        )
        for side in ("a", "b"):
            org_id = contract[f"party_{side}_org_id"]
            if contract[f"signed_by_{side}_at"] is not None:
                signatures.append(
                    {
                        "contract_id": contract_id,
                        "party": side,
                        "user_id": user_of[org_id],
                        "org_id": org_id,
                        "text_version": 1,
                        "text_sha256": sha,
                        "signed_at": contract[f"signed_by_{side}_at"],
                        "address": "",
                        "method": "password",
                        "voided_at": None,
                    }
                )
    _add(session, ContractText, texts)
    _add(session, ContractSignature, signatures)


def _insert(session: Session, table, rows: list[dict]) -> list[int]:
    """Insert many rows in multi-row statements and return their ids in the order given."""
    if not rows:
        return []
    connection = session.connection()
    core = table.__table__
    if connection.dialect.name == "postgresql":
        ids = (
            connection.execute(
                text("SELECT nextval(pg_get_serial_sequence(:t, 'id')) FROM generate_series(1, :n)"),
                {"t": core.name, "n": len(rows)},
            )
            .scalars()
            .all()
        )
        _copy(connection, core, [{**row, "id": i} for row, i in zip(rows, ids, strict=True)])
        return list(ids)
    # Core statements on the table: the ORM's bulk path would split rows into many small statements.
    statement = insert(core).returning(core.c.id, sort_by_parameter_order=True)
    return list(connection.execute(statement, rows).scalars())


def _add(session: Session, table, rows: list[dict]) -> None:
    """Insert many rows whose ids nobody needs back."""
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        _copy(connection, table.__table__, rows)
    elif rows:
        connection.execute(insert(table.__table__), rows)


def _copy(connection, core, rows: list[dict]) -> None:
    """PostgreSQL's COPY, several times faster than INSERT for bulk rows. Values go through each column type's own
    bind processing (enums to their stored names, lists to JSON), as an INSERT would do."""
    if not rows:
        return
    columns = [core.c[name] for name in rows[0]]
    processors = [c.type._cached_bind_processor(connection.dialect) for c in columns]
    names = ", ".join(f'"{c.name}"' for c in columns)
    statement = f'COPY "{core.name}" ({names}) FROM STDIN'
    try:
        with connection.connection.driver_connection.cursor() as cursor, cursor.copy(statement) as copy:
            for row in rows:
                copy.write_row(
                    [
                        value if p is None or value is None else p(value)
                        for p, value in zip(processors, row.values(), strict=True)
                    ]
                )
    except psycopg.errors.IntegrityError as exc:
        # The driver's own error, as SQLAlchemy would have wrapped it for an INSERT.
        raise IntegrityError(statement, None, exc) from exc


def grow(
    *,
    session: Session,
    listings: int,
    seed: int,
    ttl_days: int,
    industries: dict[str, Industry],
    now: datetime | None = None,
    directory: Path = DEMO_DIR,
) -> dict[str, int]:
    """Add `listings` published listings with their organizations, users, interests and contracts; returns how
    many of each were added. Refuses a seed already grown into this database."""
    if listings < 1:
        raise GrowError("--listings must be at least 1")
    vocab = vocabulary(industries=industries, directory=directory)
    if (
        session.exec(select(Organization.id).where(Organization.demo_key == f"grow-{seed}-0")).first()
        is not None
    ):
        raise GrowError(f"seed {seed} was already grown into this database: pick another --seed")
    # Services join centers that have a user to sign for them.
    center_users = session.exec(
        select(Center.id, Center.org_id, Center.industry, func.min(User.id))
        .join(User, col(User.org_id) == Center.org_id)
        .group_by(col(Center.id), col(Center.org_id), col(Center.industry))
        .order_by(col(Center.id))
    ).all()
    # Stored rows, joined to at least one user: neither id is ever None.
    centers: list[tuple[int, int, str | None]] = [
        (center_id, org_id, industry)
        for center_id, org_id, industry, _user in center_users
        if center_id is not None and org_id is not None
    ]
    gen = _Generator(
        vocab,
        seed,
        now or utcnow(),
        ttl_days,
        generate_password_hash(DEMO_PASSWORD),
        centers,
        {
            org_id: user_id
            for _c, org_id, _i, user_id in center_users
            if org_id is not None and user_id is not None
        },
    )
    totals: Counter[str] = Counter()
    done = 0
    try:
        while done < listings:
            size = min(CHUNK, listings - done)
            for name, n in _grow_chunk(session, gen, size, int(totals["organizations"])).items():
                totals[name] += n
            session.commit()
            done += size
    except IntegrityError:
        session.rollback()
        raise GrowError(
            f"seed {seed} is being grown or was grown into this database: pick another --seed"
        ) from None
    return dict(totals)


def _grow_chunk(session: Session, gen: _Generator, size: int, first_org: int) -> dict[str, int]:
    rng, vocab = gen.rng, gen.vocab
    org_count = max(len(POSTERS["achievement"]) + 1, _share(rng, size * vocab.orgs_per_listing))
    kinds = [OrgKind.enterprise, OrgKind.university, OrgKind.institute]
    kinds += [_pick(rng, vocab.org_kinds) for _ in range(org_count - len(kinds))]
    orgs = [
        gen.organization(first_org + i, kind, rng.choice(sorted(vocab.industries)))
        for i, kind in enumerate(kinds)
    ]
    org_ids = _insert(session, Organization, orgs)
    user_ids = _insert(
        session, User, [gen.user(org, org_id) for org, org_id in zip(orgs, org_ids, strict=True)]
    )
    user_of = {**gen.center_users, **dict(zip(org_ids, user_ids, strict=True))}
    posters = {
        kind: [i for i, org in zip(org_ids, orgs, strict=True) if org["kind"] in who]
        for kind, who in POSTERS.items()
    }

    shares = {kind: len(t) for kind, t in vocab.templates.items()}
    rows: dict[str, list[dict]] = {"need": [], "achievement": [], "service": []}
    instrument_count = int(round(size * INSTRUMENT_SHARE))
    for _ in range(size - instrument_count):
        kind = _pick(rng, sorted(shares.items()))
        row = gen.listing(kind, rng.choice(posters[kind] or org_ids))
        if kind == "service":
            row["org_id"], row["center_id"] = gen.service_home(row["org_id"], row["industry"])
        rows[kind].append(row)
    tables = {"need": Need, "achievement": Achievement, "service": Service}
    ids = {kind: _insert(session, tables[kind], rows[kind]) for kind in rows}
    _add(
        session,
        OutboxEvent,
        [
            {"entity_type": kind, "entity_id": entity_id, "op": "upsert", "created_at": gen.now}
            for kind in ("need", "achievement", "service")
            for entity_id in ids[kind]
        ],
    )

    instruments, bookings = _instruments(session, gen, instrument_count, posters, org_ids, orgs, user_of)

    listed = {kind: list(zip(ids[kind], rows[kind], strict=True)) for kind in rows}
    interests = _deals(gen, listed, user_of, size)
    interest_ids = _insert(session, Interest, [i for i, _c in interests])
    contracts = [c for _i, c in interests if c is not None]
    trails = [c.pop("_events") for c in contracts]
    for interest_id, (_i, contract) in zip(interest_ids, interests, strict=True):
        if contract is not None:
            contract["interest_id"] = interest_id
    contract_ids = _insert(session, Contract, contracts)
    events = []
    for contract_id, contract, trail in zip(contract_ids, contracts, trails, strict=True):
        for n, (side, entry) in enumerate(trail):
            events.append(
                {
                    "subject_type": "contract",
                    "subject_id": contract_id,
                    "action": entry.action,
                    "from_state": entry.from_status,
                    "to_state": entry.to_status,
                    "actor_id": user_of[contract[f"party_{side}_org_id"]],
                    "actor_org_id": contract[f"party_{side}_org_id"],
                    "data": {"note": entry.note} if entry.note else {},
                    "occurred_at": contract["created_at"] + timedelta(days=n),
                }
            )
    _add(session, AuditEvent, events)
    _texts_and_signatures(session, contract_ids, contracts, user_of)
    return {
        "organizations": len(org_ids),
        "users": len(user_ids),
        "needs": len(ids["need"]),
        "achievements": len(ids["achievement"]),
        "services": len(ids["service"]),
        "interests": len(interest_ids),
        "contracts": len(contract_ids),
        "instruments": instruments,
        "bookings": bookings,
        "outbox_events": sum(map(len, ids.values())) + instruments,
    }


def _instruments(
    session: Session,
    gen: _Generator,
    count: int,
    posters: dict[str, list[int]],
    org_ids: list[int],
    orgs: list[dict],
    user_of: dict[int, int],
) -> tuple[int, int]:
    """`count` instruments (owned by universities and institutes, under a center of theirs when one fits) with
    their bookings by the chunk's enterprises, written in bulk; their stored free time refreshed."""
    if count < 1:
        return 0, 0
    rng = gen.rng
    rows = []
    for n in range(count):
        owner = rng.choice(posters["achievement"] or org_ids)
        row = grow_instruments.instrument_row(rng, n, owner, None, gen.now, gen.ttl)
        row["org_id"], row["center_id"] = gen.service_home(owner, row["industry"])
        rows.append(row)
    ids = _insert(session, Instrument, rows)
    _add(
        session,
        OutboxEvent,
        [{"entity_type": "instrument", "entity_id": i, "op": "upsert", "created_at": gen.now} for i in ids],
    )
    firms = [i for i, org in zip(org_ids, orgs, strict=True) if org["kind"] == OrgKind.enterprise] or org_ids
    bookers = [(org_id, user_of[org_id]) for org_id in firms]
    bookings = [
        booking
        for instrument_id, row in zip(ids, rows, strict=True)
        for booking in grow_instruments.booking_rows(
            rng, instrument_id, row["org_id"], BOOKINGS_PER_INSTRUMENT, bookers, gen.now
        )
    ]
    _add(session, Booking, bookings)
    free_time.refresh_many(
        session, list(session.exec(select(Instrument).where(col(Instrument.id).in_(ids)))), now=gen.now
    )
    return len(ids), len(bookings)


def _deals(
    gen: _Generator, listed: dict[str, list[tuple[int, dict]]], user_of: dict[int, int], size: int
) -> list[tuple[dict, dict | None]]:
    """Interests (each with its contract or None) between this chunk's organizations, one open per pair."""
    rng, vocab, spec = gen.rng, gen.vocab, gen.vocab.spec
    used: set[tuple[int, str, int]] = set()
    out: list[tuple[dict, dict | None]] = []

    def interest(target_type: str, status: str, at: datetime) -> dict | None:
        # The interested side writes "via" one of its own listings: a provider's achievement for a need,
        # a firm's need for an achievement or a service.
        via_type = "achievement" if target_type == "need" else "need"
        if not listed[target_type] or not listed[via_type]:
            return None
        for _attempt in range(10):
            target_id, target = rng.choice(listed[target_type])
            via_id, via = rng.choice(listed[via_type])
            key = (via["org_id"], target_type, target_id)
            if via["org_id"] != target["org_id"] and key not in used:
                used.add(key)
                break
        else:
            return None
        row = {
            "from_org_id": via["org_id"],
            "from_user_id": user_of.get(via["org_id"]),
            "target_type": target_type,
            "target_id": target_id,
            "to_org_id": target["org_id"],
            "via_type": via_type,
            "via_id": via_id,
            "message": spec["interest_messages"][target_type].format(
                target=target["title"], via=via["title"]
            ),
            "status": status,
            "decline_reason": None,
            "decline_note": "",
            "created_at": at,
            "decided_at": None if status == "pending" else at + timedelta(days=rng.randint(1, 6)),
            "demo_key": None,
            "_target": target,
        }
        if status == "declined":
            row["decline_reason"], row["decline_note"] = rng.choice(spec["declines"])
        return row

    for _ in range(_share(rng, size * vocab.contracts_per_listing)):
        kind = _pick(rng, vocab.contract_kinds)
        age = rng.randint(*DEAL_AGE_DAYS)
        started = gen.now - timedelta(days=age + 20, hours=rng.randint(0, 12))
        row = interest(TARGET_OF_KIND[kind], "accepted", started)
        if row is None or row["from_user_id"] is None:
            continue
        target = row.pop("_target")
        status = _choose_contract_status(rng, age)
        low, high, share_low, share_high = spec["amounts"][kind]
        amount = _amount(rng, low, high)
        parties = contract_side(Interest(**{k: row[k] for k in ("target_type", "from_org_id", "to_org_id")}))
        created = started + timedelta(days=rng.randint(8, 18))
        signed = status != "draft"
        reason = rng.choice(spec["terminations"]) if status == "terminated" else ""
        events = _contract_events(status, reason)
        contract = {
            "kind": kind,
            "title": f"{target['title']}{CONTRACT_SUFFIX[kind]}"[:200],
            "status": status,
            "amount": amount,
            "technology_amount": round(amount * rng.uniform(share_low, share_high) / 1000) * 1000,
            "currency": "CNY",
            "signed_on": (created + timedelta(days=2)).date() if signed else None,
            "ends_on": (created + timedelta(days=rng.randint(120, 540))).date(),
            "field": target["industry"],
            "ip_type": IP_TYPES[kind],
            "registration_number": None,
            "party_a_org_id": parties["a"],
            "party_b_org_id": parties["b"],
            "signed_by_a_at": created + timedelta(days=1) if signed else None,
            "signed_by_b_at": created + timedelta(days=2) if signed else None,
            "completed_by_a_at": created + timedelta(days=len(events) - 1) if status == "completed" else None,
            "completed_by_b_at": created + timedelta(days=len(events) - 2) if status == "completed" else None,
            "terminated_reason": reason,
            "created_by": user_of[parties["a"]],
            "created_at": created,
            "updated_at": created + timedelta(days=len(events) - 1),
            "version": len(events),
            "demo_key": None,
            "_events": events,
        }
        out.append((row, contract))
    for status, per_listing in vocab.other_interests_per_listing.items():
        ages = next(a for s, _n, a in DEMO_OPEN_INTERESTS if s == status)
        for _ in range(_share(rng, size * per_listing)):
            at = gen.now - timedelta(days=rng.randint(*ages), hours=rng.randint(0, 12))
            row = interest(rng.choice(("need", "achievement", "service")), status, at)
            if row is not None and row["from_user_id"] is not None:
                row.pop("_target")
                out.append((row, None))
    return out
