"""Demo data that makes a fresh marketplace look alive; loading twice changes nothing."""

import hashlib
import json
import math
import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlmodel import Session, col, select
from werkzeug.security import generate_password_hash

from app.accounts.services.accounts import ROLE_OF_KIND
from app.config import ROOT
from app.deals import registration_rules as reg_rules
from app.deals import rules as deal_rules
from app.deals.services import contract_texts, registration
from app.deals.services.interests import PLATFORM_NDA, PLATFORM_NDA_VERSION, contract_side
from app.ops.demo_assessments import load_assessments
from app.ops.demo_financing import load_financing
from app.ops.demo_fund import load_fund
from app.ops.demo_instruments import load_instruments
from app.ops.demo_oversight import load_oversight
from app.ops.demo_trading import load_trading
from app.platform import audit
from app.platform.regions import resolve_region
from indexing.sync import record_change
from models import (
    CHARSET,
    Achievement,
    Center,
    CenterMember,
    CenterStatus,
    Contract,
    ContractKind,
    ContractRegistration,
    ContractSignature,
    ContractStatus,
    Incubation,
    IncubationStatus,
    Interest,
    InterestStatus,
    IPType,
    ListingStatus,
    Message,
    Milestone,
    MilestoneKind,
    MilestoneStatus,
    NdaAcceptance,
    Need,
    NeedAccess,
    Notification,
    Organization,
    Role,
    Service,
    User,
    check_character,
)
from models.common import utcnow

DEMO_DIR = ROOT / "app" / "data" / "demo"
DEMO_PASSWORD = "demo-pass-2026"
DEMO_EMAIL_DOMAIN = "demo.mic-exchange.cn"


def demo_email(key: str) -> str:
    return f"{key.replace('_', '-')}@{DEMO_EMAIL_DOMAIN}"


def _read(name: str, directory: Path) -> list[dict]:
    return json.loads((directory / f"{name}.json").read_text(encoding="utf-8"))


def _upsert(session: Session, table, key: str, values: dict):
    row = session.exec(select(table).where(table.demo_key == key)).first()
    if row is None:
        row = table(demo_key=key, **values)
    else:
        for name, value in values.items():
            setattr(row, name, value)
    session.add(row)
    session.flush()
    return row


def _lifecycle(status: str, ttl_days: int) -> dict:
    now = utcnow()
    if status == ListingStatus.published:
        return {"status": status, "published_at": now, "expires_at": now + timedelta(days=ttl_days)}
    return {"status": status, "published_at": None, "expires_at": None}


def load_demo(*, session: Session, ttl_days: int, directory: Path = DEMO_DIR) -> dict[str, int]:
    """Upsert every demo record by its key; returns how many of each kind the files hold."""
    password_hash = generate_password_hash(DEMO_PASSWORD)
    orgs: dict[str, Organization] = {}
    for item in _read("organizations", directory):
        fields = {
            k: item.get(k)
            for k in (
                "kind",
                "name",
                "name_en",
                "credit_code",
                "region",
                "industries",
                "description",
                "contact_name",
                "contact_phone",
                "size_class",
            )
        }
        # The files name regions as people write them (高新区); the database holds their codes.
        fields["region"] = resolve_region(fields["region"])
        org = orgs[item["key"]] = _upsert(session, Organization, item["key"], fields)
        # The demo stands for a marketplace already running, where the bureau has checked every organization.
        org.verified_at = org.verified_at or utcnow()
        email = demo_email(item["key"])
        if session.exec(select(User).where(User.email == email)).first() is None:
            session.add(
                User(
                    email=email,
                    name=item.get("contact_name") or item["name"],
                    org_id=org.id,
                    role=ROLE_OF_KIND[item["kind"]],
                    password_hash=password_hash,
                )
            )
    bureau_email = f"bureau@{DEMO_EMAIL_DOMAIN}"
    if session.exec(select(User).where(User.email == bureau_email)).first() is None:
        session.add(
            User(email=bureau_email, name="市工信局演示账号", role=Role.bureau, password_hash=password_hash)
        )

    centers: dict[str, Center] = {}
    for item in _read("centers", directory):
        fields = {
            k: item[k]
            for k in ("name", "level", "industry", "domain", "description", "status", "offers_incubation")
        }
        fields["established"] = date.fromisoformat(item["established"]) if item.get("established") else None
        fields["org_id"] = orgs[item["org_key"]].id
        fields["lead_org_id"] = orgs[item["lead_org_key"]].id if item.get("lead_org_key") else None
        center = centers[item["key"]] = _upsert(session, Center, item["key"], fields)
        for member_key in item.get("member_org_keys", []):
            member_id = orgs[member_key].id
            assert member_id is not None  # a stored organization
            if session.get(CenterMember, (center.id, member_id)) is None:
                session.add(CenterMember(center_id=center.id, org_id=member_id))

    needs = _read("needs", directory)
    for item in needs:
        fields = {
            k: item.get(k)
            for k in (
                "title",
                "details",
                "industry",
                "cooperation_modes",
                "budget_min",
                "budget_max",
                "confidential",
                "region",
            )
        }
        fields.update(
            description=item["summary"],
            trl=item.get("trl_target"),
            org_id=orgs[item["org_key"]].id,
            region=resolve_region(item.get("region")),
            deadline=date.fromisoformat(item["deadline"]) if item.get("deadline") else None,
            **_lifecycle(item.get("status", "published"), ttl_days),
        )
        need = _upsert(session, Need, item["key"], fields)
        record_change(session, "need", need.id)

    achievements = _read("achievements", directory)
    for item in achievements:
        fields = {
            k: item.get(k)
            for k in (
                "title",
                "description",
                "kind",
                "industry",
                "trl",
                "patent_numbers",
                "ip_status",
                "cooperation_modes",
                "price",
            )
        }
        fields.update(
            org_id=orgs[item["org_key"]].id,
            center_id=centers[item["center_key"]].id if item.get("center_key") else None,
            **_lifecycle(item.get("status", "published"), ttl_days),
        )
        achievement = _upsert(session, Achievement, item["key"], fields)
        record_change(session, "achievement", achievement.id)

    services = _read("services", directory)
    for item in services:
        center = centers[item["center_key"]]
        fields = {k: item.get(k) for k in ("title", "description", "category", "industry", "price")}
        fields.update(
            price_note=item.get("price_note") or "",
            center_id=center.id,
            org_id=center.org_id,
            cooperation_modes=item.get("cooperation_modes") or ["service"],
            **_lifecycle(item.get("status", "published"), ttl_days),
        )
        service = _upsert(session, Service, item["key"], fields)
        record_change(session, "service", service.id)

    instruments = load_instruments(
        session=session, orgs=orgs, centers=centers, lifecycle=lambda status: _lifecycle(status, ttl_days)
    )

    oversight: dict[str, int] = {}
    if (directory / "oversight.json").exists():
        bureau = session.exec(select(User).where(User.email == bureau_email)).one()
        oversight = load_oversight(
            session=session,
            path=directory / "oversight.json",
            orgs=orgs,
            centers=centers,
            bureau=bureau,
            email_of=demo_email,
            password_hash=password_hash,
            center_items=_read("centers", directory),
        )
    if (directory / "assessments.json").exists():
        bureau = session.exec(select(User).where(User.email == bureau_email)).one()
        oversight.update(
            load_assessments(
                session=session, path=directory / "assessments.json", centers=centers, bureau=bureau
            )
        )
    for center in centers.values():
        assert center.id is not None  # a stored center
        record_change(session, "center", center.id)
    session.commit()
    deals = load_demo_deals(session=session, directory=directory)
    date_first_publications(session=session)
    trading = load_trading(session=session)
    financing = load_financing(session=session, lifecycle=lambda status: _lifecycle(status, ttl_days))
    bureau_user = session.exec(select(User).where(User.email == bureau_email)).first()
    fund = load_fund(session=session, bureau=bureau_user) if bureau_user is not None else {}
    # The last steps only read: end their transaction, so the caller's session holds no lock on any table (a
    # restore or a migration run next would wait on it).
    session.commit()
    return {
        "organizations": len(orgs),
        "centers": len(centers),
        "needs": len(needs),
        "achievements": len(achievements),
        "services": len(services),
        **instruments,
        **oversight,
        **deals,
        **trading,
        **fund,
        **financing,
    }


def date_first_publications(*, session: Session, now: datetime | None = None) -> None:
    """Give the demo's achievements the first publication a marketplace running for two years would have: some
    weeks before the first interest in them, else a day of the last two years (the same on every load, by key).
    The bureau counts achievements by the year first published, so a year with transfers has publications too."""
    now = now or utcnow()
    first_interest: dict[int, datetime] = {}
    for side_type, side_id in (
        (Interest.target_type, Interest.target_id),
        (Interest.via_type, Interest.via_id),
    ):
        for listing_id, at in session.exec(
            select(side_id, Interest.created_at).where(side_type == "achievement", col(side_id).is_not(None))
        ).all():
            if listing_id is not None:
                first_interest[listing_id] = min(at, first_interest.get(listing_id, at))
    rows = session.exec(
        select(Achievement).where(
            col(Achievement.demo_key).is_not(None), col(Achievement.published_at).is_not(None)
        )
    ).all()
    for achievement in rows:
        rng = random.Random(f"published-{achievement.demo_key}")
        assert achievement.id is not None  # a stored row
        before = first_interest.get(achievement.id)
        published = (
            (before - timedelta(days=rng.randint(14, 90)))
            if before
            else now - timedelta(days=rng.randint(10, 700), hours=rng.randint(0, 12))
        )
        achievement.published_at = published
        achievement.created_at = min(achievement.created_at, published - timedelta(days=rng.randint(1, 10)))
        session.add(achievement)
    session.commit()


# --- deals: two years of interests, conversations, contracts and incubations ----------------------------------------

DEAL_SEED = 2026
# The registration status of the demo's registered-kind signed contracts, in turn: every status occurs.
REGISTRATION_CYCLE = ("registered", "submitted", "registered", "refused", "not_submitted", "registered")
DEMO_OFFICES = ("长春市技术市场管理办公室", "吉林省技术市场管理办公室")
DEMO_OBJECTIVES = (
    "industry_commerce",
    "industry_commerce",
    "energy",
    "environment",
    "health",
    "agriculture",
    None,
)
DEMO_REFUSALS = (
    "合同标的为一般加工承揽，不属于技术开发范畴，请按普通合同办理。",
    "技术交易额核定依据不足：请补充技术性收入的计算说明和相关票据。",
    "卖方名称与营业执照不一致，请更正合同文本后重新申请。",
)
DEAL_AGE_DAYS = (20, 730)
# Interests that led to no contract: (status, how many, age range in days).
DEMO_OPEN_INTERESTS = (("pending", 8, (1, 30)), ("declined", 10, (20, 700)), ("accepted", 7, (15, 400)))


def _choose_contract_status(rng: random.Random, age: int) -> str:
    """Older deals are mostly finished; recent ones are still being signed, like a real market's book."""
    roll = rng.random()
    if age > 420:
        return "completed" if roll < 0.85 else "terminated"
    if age > 180:
        return "in_progress" if roll < 0.6 else "completed" if roll < 0.9 else "terminated"
    if age > 60:
        return "in_progress" if roll < 0.5 else "signed"
    return "draft" if roll < 0.5 else "signed"


def _amount(rng: random.Random, low: int, high: int) -> int:
    """Log-uniform between low and high, rounded to whole 万元 like contracts are written."""
    return max(10_000, round(math.exp(rng.uniform(math.log(low), math.log(high))) / 10_000) * 10_000)


def _credit_code(rng: random.Random) -> str:
    body = "9122010" + "".join(rng.choice(CHARSET) for _ in range(10))
    return body + check_character(body)


@dataclass
class _DealPick:
    from_org_id: int
    target_type: str
    target: Need | Achievement | Service | Center
    via_type: str
    via: Need | Achievement | Service

    @property
    def key(self) -> tuple[int, str, int | None]:
        return self.from_org_id, self.target_type, self.target.id


class _Market:
    """The demo listings grouped by industry, and picks of plausible pairs of them (one open interest per pair)."""

    def __init__(self, session: Session, rng: random.Random):
        self.rng = rng
        self.used: set[tuple[int, str, int | None]] = set()
        live = ListingStatus.published

        def grouped(table):
            rows = session.exec(
                select(table)
                .where(table.demo_key.is_not(None), table.status == live)
                .order_by(table.demo_key)
            ).all()
            groups: dict[str, list] = {}
            for row in rows:
                groups.setdefault(row.industry, []).append(row)
            return groups

        self.needs, self.achievements, self.services = grouped(Need), grouped(Achievement), grouped(Service)
        self.incubators = list(
            session.exec(
                select(Center)
                .where(
                    col(Center.demo_key).is_not(None),
                    col(Center.offers_incubation).is_(True),
                    Center.status == CenterStatus.filed,
                )
                .order_by(Center.demo_key)
            ).all()
        )
        self.industries = sorted(set(self.needs) & set(self.achievements) & set(self.services))

    def pick(self, target_type: str) -> _DealPick | None:
        for _attempt in range(30):
            if target_type == "center":
                center = self.rng.choice(self.incubators)
                if center.industry not in self.needs:
                    continue
                need = self.rng.choice(self.needs[center.industry])
                pick = _DealPick(need.org_id, "center", center, "need", need)
            else:
                industry = self.rng.choice(self.industries)
                need = self.rng.choice(self.needs[industry])
                if target_type == "need":
                    achievement = self.rng.choice(self.achievements[industry])
                    pick = _DealPick(achievement.org_id, "need", need, "achievement", achievement)
                else:
                    pool = self.achievements if target_type == "achievement" else self.services
                    pick = _DealPick(need.org_id, target_type, self.rng.choice(pool[industry]), "need", need)
            if pick.key not in self.used and pick.from_org_id != pick.target.org_id:
                self.used.add(pick.key)
                return pick
        return None


# Which side is approached for each kind of contract (the rest of the time a research unit offers to a need).
DEAL_TARGETS = {
    "commissioned_development": ("service", "need"),
    "cooperative_development": ("need",),
    "transfer": ("achievement",),
    "license": ("achievement",),
    "technical_service": ("service",),
    "technical_consulting": ("service",),
    "incubation": ("center",),
}
IP_TYPES = {
    "transfer": "patent",
    "license": "patent",
    "commissioned_development": "patent",
    "cooperative_development": "patent",
    "technical_service": "none",
    "technical_consulting": "none",
    "incubation": "know_how",
}


CONTRACT_SUFFIX = {
    "commissioned_development": "技术开发（委托）合同",
    "cooperative_development": "技术开发（合作）合同",
    "transfer": "专利权转让合同",
    "license": "专利实施许可合同",
    "technical_service": "技术服务合同",
    "technical_consulting": "技术咨询合同",
    "incubation": "企业孵化服务协议",
}


class _DealWriter:
    """Writes one demo deal's rows with historical times, walking the same rules the app enforces."""

    def __init__(
        self, session: Session, spec: dict, rng: random.Random, users: dict[int, User], now: datetime
    ):
        self.session, self.spec, self.rng, self.users, self.now = session, spec, rng, users, now
        self.registrations = 0

    def _user_id(self, org_id: int) -> int:
        """The id of the demo user who acts for this organization."""
        user_id = self.users[org_id].id
        assert user_id is not None  # a stored user
        return user_id

    @staticmethod
    def _org_of(target: Need | Achievement | Service | Center) -> int:
        """The organization a deal is struck with: the listing's owner, or a (filed) center's own legal entity."""
        assert target.org_id is not None  # only filed centers, each its own legal person, are targets
        return target.org_id

    def interest(self, key: str, pick: _DealPick, at: datetime, status: str) -> Interest | None:
        if self.session.exec(select(Interest).where(Interest.demo_key == key)).first() is not None:
            return None
        title = pick.target.name if isinstance(pick.target, Center) else pick.target.title
        message = self.spec["interest_messages"][pick.target_type].format(target=title, via=pick.via.title)
        assert pick.target.id is not None and pick.via.id is not None  # stored listings
        interest = Interest(
            demo_key=key,
            from_org_id=pick.from_org_id,
            from_user_id=self._user_id(pick.from_org_id),
            target_type=pick.target_type,
            target_id=pick.target.id,
            to_org_id=self._org_of(pick.target),
            via_type=pick.via_type,
            via_id=pick.via.id,
            message=message,
            created_at=at,
            status=InterestStatus(status),
        )
        if status != "pending":
            interest.decided_at = at + timedelta(days=self.rng.randint(1, 6))
        if status == "declined":
            interest.decline_reason, interest.decline_note = self.rng.choice(self.spec["declines"])
        self.session.add(interest)
        self.session.flush()
        assert interest.id is not None  # given by the flush
        if status == "pending":
            for user in self.session.exec(select(User).where(User.org_id == interest.to_org_id)).all():
                assert user.id is not None  # a stored user
                self.session.add(
                    Notification(
                        user_id=user.id,
                        kind="interest_new",
                        subject_type="interest",
                        subject_id=interest.id,
                        text=title,
                        created_at=at,
                    )
                )
        if status == "accepted":
            assert interest.decided_at is not None  # set above for every decided interest
            self._conversation(interest, interest.decided_at)
            if pick.target_type == "need" and isinstance(pick.target, Need) and pick.target.confidential:
                self.session.add(
                    NdaAcceptance(
                        interest_id=interest.id,
                        need_id=pick.target.id,
                        org_id=pick.from_org_id,
                        user_id=interest.from_user_id,
                        text_version=PLATFORM_NDA_VERSION,
                        text_sha256=hashlib.sha256(PLATFORM_NDA.encode()).hexdigest(),
                        accepted_at=interest.decided_at + timedelta(hours=3),
                    )
                )
                granted = self.session.exec(
                    select(NeedAccess).where(
                        NeedAccess.need_id == pick.target.id, NeedAccess.org_id == pick.from_org_id
                    )
                ).first()
                if granted is None:
                    self.session.add(NeedAccess(need_id=pick.target.id, org_id=pick.from_org_id))
        return interest

    def _conversation(self, interest: Interest, start: datetime) -> None:
        assert interest.id is not None  # a stored interest
        lines = self.spec["conversation"][: self.rng.randint(2, len(self.spec["conversation"]))]
        for n, (side, body) in enumerate(lines, start=1):
            org_id = interest.from_org_id if side == "from" else interest.to_org_id
            self.session.add(
                Message(
                    interest_id=interest.id,
                    org_id=org_id,
                    user_id=self._user_id(org_id),
                    body=body,
                    created_at=start + timedelta(days=n, hours=self.rng.randint(1, 8)),
                )
            )

    def contract(
        self, key: str, kind: str, interest: Interest, pick: _DealPick, status: str, created: datetime
    ) -> Contract:
        low, high, share_low, share_high = self.spec["amounts"][kind]
        amount = _amount(self.rng, low, high)
        parties = contract_side(interest)
        # A center is always approached through a need (see _Market.pick).
        title = (
            pick.via.title
            if pick.via_type == "need" or isinstance(pick.target, Center)
            else pick.target.title
        )
        signed_at = created + timedelta(days=self.rng.randint(4, 15))
        ends_on = (signed_at + timedelta(days=self.rng.randint(120, 540))).date()
        if status in ("completed", "terminated"):
            # A finished contract finished in the past.
            ends_on = max(
                signed_at.date() + timedelta(days=30), min(ends_on, (self.now - timedelta(days=10)).date())
            )
        industry = getattr(pick.target, "industry", None)
        assert interest.id is not None  # a stored interest
        contract = Contract(
            demo_key=key,
            interest_id=interest.id,
            kind=ContractKind(kind),
            title=f"{title}{CONTRACT_SUFFIX[kind]}",
            amount=amount,
            technology_amount=round(amount * self.rng.uniform(share_low, share_high) / 1000) * 1000,
            currency="CNY",
            ends_on=ends_on,
            field=industry,
            ip_type=IPType(
                "software_copyright"
                if industry == "information_technology" and IP_TYPES[kind] == "patent"
                else IP_TYPES[kind]
            ),
            party_a_org_id=parties["a"],
            party_b_org_id=parties["b"],
            created_by=self.users[parties["a"]].id,
            created_at=created,
        )
        self.session.add(contract)
        self.session.flush()
        assert contract.id is not None  # given by the flush
        milestones = []
        span = (ends_on - signed_at.date()).days
        # Each milestone is [title, share of the amount] or [title, share, "payment"] (a deliverable otherwise).
        for position, (m_title, share, *m_kind) in enumerate(self.spec["milestones"][kind], start=1):
            due = signed_at.date() + timedelta(
                days=round(span * position / len(self.spec["milestones"][kind]))
            )
            milestone = Milestone(
                contract_id=contract.id,
                position=position,
                title=m_title,
                due_on=due,
                amount=round(amount * share / 1000) * 1000,
                kind=MilestoneKind(m_kind[0] if m_kind else "deliverable"),
                updated_at=created,
            )
            self.session.add(milestone)
            milestones.append(milestone)
        self.session.flush()
        # Version 1 of the text, from the model text, as `create_contract` makes it.
        text = contract_texts.first_version(self.session, contract, self.users[parties["a"]])
        text.created_at = created
        self.session.flush()
        self._history(contract, milestones, status, created, signed_at, parties)
        return contract

    def _signature(self, contract: Contract, side: str, parties: dict[str, int], at: datetime) -> None:
        """The signature record of `side` on version 1 of the text, signed with the password on the page."""
        assert contract.id is not None  # given by the flush
        text = contract_texts.current(self.session, contract)
        user = self.users[parties[side]]
        assert user.id is not None  # a stored user
        self.session.add(
            ContractSignature(
                contract_id=contract.id,
                party=side,
                user_id=user.id,
                org_id=parties[side],
                text_version=text.version,
                text_sha256=text.sha256,
                signed_at=at,
                address="",
                method="password",
            )
        )

    def _history(
        self,
        contract: Contract,
        milestones: list[Milestone],
        status: str,
        created: datetime,
        signed_at: datetime,
        parties: dict[str, int],
    ) -> None:
        state = deal_rules.ContractState("draft", False, False)
        clock = {"at": created}

        def log(side: str | None, entry: deal_rules.AuditEntry, at: datetime) -> None:
            clock["at"] = at
            user = self.users[parties[side]] if side else self.users[contract.party_a_org_id]
            assert contract.id is not None  # given by the flush
            audit.record(
                self.session,
                subject="contract",
                subject_id=contract.id,
                action=entry.action,
                actor=user,
                from_state=entry.from_status,
                to_state=entry.to_status,
                occurred_at=at,
                note=entry.note or None,
                milestone_id=entry.milestone_id,
            )

        def step(side: str, to: str, at: datetime, note: str = "") -> None:
            nonlocal state
            outcome = deal_rules.transition_contract(state, side=side, to=to, note=note)
            state = outcome.state
            log(side, outcome.entry, at)

        def milestone_step(milestone: Milestone, to: str, at: datetime) -> None:
            side = deal_rules.MILESTONE_SIDE[milestone.kind][to]
            assert milestone.id is not None  # given by the flush
            log(
                side,
                deal_rules.transition_milestone(
                    contract_status=state.status,
                    milestone_id=milestone.id,
                    kind=milestone.kind,
                    current=milestone.status,
                    side=side,
                    to=to,
                ),
                at,
            )
            milestone.status, milestone.updated_at = MilestoneStatus(to), at

        log(None, deal_rules.AuditEntry("created", None, "draft"), created)
        registers = False
        if status == "draft":
            if self.rng.random() < 0.5:
                step("b", "signed", created + timedelta(days=2))
                contract.signed_by_b_at = created + timedelta(days=2)
                self._signature(contract, "b", parties, created + timedelta(days=2))
        else:
            step("a", "signed", signed_at - timedelta(days=1))
            step("b", "signed", signed_at)
            contract.signed_on = signed_at.date()
            contract.signed_by_a_at, contract.signed_by_b_at = signed_at - timedelta(days=1), signed_at
            self._signature(contract, "a", parties, signed_at - timedelta(days=1))
            self._signature(contract, "b", parties, signed_at)
            # (drawn here, where the one-box number was, so the rest of the demo stays as it was)
            registers = self.rng.random() < 0.8
        if status in ("in_progress", "completed", "terminated"):
            step("a", "in_progress", signed_at + timedelta(days=self.rng.randint(3, 10)))
            done = len(milestones) if status == "completed" else self.rng.randint(0, len(milestones) - 1)
            # Finished milestones are spread between the start and the earlier of the end date and today.
            start = clock["at"]
            assert contract.ends_on is not None  # set when the contract was made
            last = min(
                datetime.combine(contract.ends_on, datetime.min.time(), tzinfo=UTC),
                self.now - timedelta(days=5),
            )
            for k, milestone in enumerate(milestones[:done], start=1):
                at = start + (last - start) * k / (done + 1)
                steps = ("paid", "received") if milestone.kind == "payment" else ("delivered", "accepted")
                for to, hours in zip(steps, (0, 30), strict=True):
                    milestone_step(milestone, to, at + timedelta(hours=hours))
            if status == "completed":
                # Completion needs both parties' confirmation.
                step("b", "completed", clock["at"] + timedelta(days=2))
                contract.completed_by_b_at = clock["at"]
                step("a", "completed", clock["at"] + timedelta(days=1))
                contract.completed_by_a_at = clock["at"]
            elif status == "terminated":
                reason = self.rng.choice(self.spec["terminations"])
                step("a", "terminated", clock["at"] + timedelta(days=5), reason)
                contract.terminated_reason = reason
        if status != "draft" and registers and status != "terminated" and contract.kind in reg_rules.CATEGORY:
            self._registration(contract, parties, clock["at"])
        contract.status = ContractStatus(state.status)
        contract.updated_at = clock["at"]
        assert contract.id is not None  # given by the flush
        contract.version = 1 + len(audit.history(self.session, "contract", contract.id))
        self.session.add(contract)

    def _registration(self, contract: Contract, parties: dict[str, int], after: datetime) -> None:
        """技术合同认定登记 of a signed contract: the form as the prefill gives it, completed by hand, then the
        statuses in turn (every status occurs: see REGISTRATION_CYCLE), each step an audit row after `after`."""
        assert contract.id is not None  # given by the flush
        target = REGISTRATION_CYCLE[self.registrations % len(REGISTRATION_CYCLE)]
        self.registrations += 1
        rng = random.Random(f"registration-{contract.demo_key}")
        form = registration.prefill(self.session, contract)
        values = {name: getattr(form, name) for name in reg_rules.FORM_FIELDS}
        values["sub_kind"] = values["sub_kind"] or reg_rules.sub_kinds_for(contract.kind)[0]
        values["field"] = values["field"] or "other"
        values["ip_type"] = values["ip_type"] or "none"
        values["payment_method"] = values["payment_method"] or "lump_sum"
        values["seller_region"] = values["seller_region"] or reg_rules.REGION_OUTSIDE
        values["buyer_region"] = values["buyer_region"] or reg_rules.REGION_OUTSIDE
        values["objective"] = rng.choice(DEMO_OBJECTIVES)
        span = min(timedelta(days=40), (self.now - after) * 0.9)
        saved_at, submitted_at, decided_at = (after + span * share for share in (0.2, 0.4, 0.9))
        user = self.users[parties[rng.choice("ab")]]
        row = ContractRegistration(contract_id=contract.id, **values, status=target, updated_at=saved_at)
        steps: list[tuple[str, str, str, datetime, str | None]] = [
            ("registration_saved", "not_submitted", "not_submitted", saved_at, None)
        ]
        if target != "not_submitted":
            row.submitted_at = row.updated_at = submitted_at
            steps.append(("registration_submitted", "not_submitted", "submitted", submitted_at, None))
        if target == "registered":
            office = rng.choice(DEMO_OFFICES)
            row.number = f"{decided_at.year}220100{contract.id:06d}"
            row.office, row.decided_at, row.updated_at = office, decided_at, decided_at
            contract.registration_number = row.number
            steps.append(("registration_registered", "submitted", "registered", decided_at, row.number))
        elif target == "refused":
            row.refusal_reason = rng.choice(DEMO_REFUSALS)
            row.decided_at = row.updated_at = decided_at
            steps.append(("registration_refused", "submitted", "refused", decided_at, row.refusal_reason))
        row.version = len(steps)
        self.session.add(row)
        for action, before, to, at, note in steps:
            audit.record(
                self.session,
                subject="contract",
                subject_id=contract.id,
                action=action,
                actor=user,
                from_state=before,
                to_state=to,
                occurred_at=at,
                note=note,
                office=row.office if action == "registration_registered" else None,
            )


def load_demo_deals(
    *, session: Session, directory: Path = DEMO_DIR, now: datetime | None = None
) -> dict[str, int]:
    """Interests, conversations, contracts of every kind and incubated firms over the last two years; rows that
    already exist (by demo key) are left alone, so loading twice changes nothing."""
    spec = json.loads((directory / "deals.json").read_text(encoding="utf-8"))
    rng, now = random.Random(DEAL_SEED), now or utcnow()
    users = {
        u.org_id: u
        for u in session.exec(
            select(User)
            .where(col(User.email).like(f"%@{DEMO_EMAIL_DOMAIN}"), col(User.org_id).is_not(None))
            .order_by(col(User.id))
        )
        if u.org_id is not None  # the query's own condition
    }
    market, writer = _Market(session, rng), _DealWriter(session, spec, rng, users, now)
    counts = {"interests": 0, "contracts": 0, "incubations": 0}
    incubation_contracts = []
    n = 0
    for kind, how_many in spec["plan"].items():
        for i in range(how_many):
            n += 1
            pick = market.pick(DEAL_TARGETS[kind][i % len(DEAL_TARGETS[kind])])
            age = rng.randint(*DEAL_AGE_DAYS)
            status = _choose_contract_status(rng, age)
            if pick is None:
                continue
            started = now - timedelta(days=age + 20, hours=rng.randint(0, 12))
            interest = writer.interest(f"deal-interest-{n}", pick, started, "accepted")
            counts["interests"] += 1
            if interest is not None:
                contract = writer.contract(
                    f"deal-contract-{n}",
                    kind,
                    interest,
                    pick,
                    status,
                    started + timedelta(days=rng.randint(8, 18)),
                )
                if kind == "incubation" and status != "draft":
                    incubation_contracts.append((contract, pick.target))
            counts["contracts"] += 1
    for status, how_many, ages in DEMO_OPEN_INTERESTS:
        for _i in range(how_many):
            n += 1
            pick = market.pick(rng.choice(("need", "achievement", "service", "center")))
            at = now - timedelta(days=rng.randint(*ages), hours=rng.randint(0, 12))
            if pick is not None:
                writer.interest(f"deal-interest-{n}", pick, at, status)
                counts["interests"] += 1
    counts["incubations"] = _demo_incubations(session, spec, rng, now, market, incubation_contracts)
    session.commit()
    return counts


def _demo_incubations(
    session: Session, spec: dict, rng: random.Random, now: datetime, market: _Market, from_contracts: list
) -> int:
    firms = list(spec["incubated_firms"])
    plans = [(center, contract) for contract, center in from_contracts]
    plans += [(rng.choice(market.incubators), None) for _ in range(len(firms) - len(plans))]
    for n, ((center, contract), name) in enumerate(zip(plans, firms, strict=False), start=1):
        key = f"deal-incubation-{n}"
        started = contract.signed_on if contract else (now - timedelta(days=rng.randint(30, 730))).date()
        age = (now.date() - started).days
        status = "incubating" if age < 400 else rng.choice(("graduated", "graduated", "graduated", "exited"))
        achievements = session.exec(
            select(Achievement.id).where(Achievement.center_id == center.id).order_by(Achievement.demo_key)
        ).all()
        credit_code = _credit_code(rng)
        if session.exec(select(Incubation).where(Incubation.demo_key == key)).first() is None:
            session.add(
                Incubation(
                    demo_key=key,
                    center_id=center.id,
                    name=name,
                    started_on=started,
                    status=IncubationStatus(status),
                    credit_code=credit_code if status != "incubating" or age > 90 else None,
                    achievement_id=rng.choice(achievements) if achievements and rng.random() < 0.7 else None,
                    contract_id=contract.id if contract else None,
                    ended_on=started + timedelta(days=rng.randint(365, max(366, age)))
                    if status != "incubating"
                    else None,
                    # Confirmed (by the firm, the bureau or the signed agreement): only those count.
                    confirmed_at=datetime.combine(started, datetime.min.time(), tzinfo=UTC)
                    + timedelta(days=7),
                )
            )
    return len(plans)
