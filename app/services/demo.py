"""Demo data that makes a fresh marketplace look alive; loading twice changes nothing."""

import json
from datetime import date, timedelta
from pathlib import Path

from sqlmodel import Session, select
from werkzeug.security import generate_password_hash

from app.config import ROOT
from app.services.accounts import ROLE_OF_KIND
from app.services.regions import resolve_region
from indexing.sync import record_change
from models import (
    Achievement,
    Center,
    CenterMember,
    ListingStatus,
    Need,
    Organization,
    Role,
    Service,
    User,
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
        fields = {k: item.get(k) for k in ("kind", "name", "name_en", "credit_code", "region", "industries",
                                           "description", "contact_name", "contact_phone")}
        # The files name regions as people write them (高新区); the database holds their codes.
        fields["region"] = resolve_region(fields["region"])
        org = orgs[item["key"]] = _upsert(session, Organization, item["key"], fields)
        # The demo stands for a marketplace already running, where the bureau has checked every organization.
        org.verified_at = org.verified_at or utcnow()
        email = demo_email(item["key"])
        if session.exec(select(User).where(User.email == email)).first() is None:
            session.add(User(email=email, name=item.get("contact_name") or item["name"], org_id=org.id,
                             role=ROLE_OF_KIND[item["kind"]], password_hash=password_hash))
    bureau_email = f"bureau@{DEMO_EMAIL_DOMAIN}"
    if session.exec(select(User).where(User.email == bureau_email)).first() is None:
        session.add(User(email=bureau_email, name="市工信局演示账号", role=Role.bureau, password_hash=password_hash))

    centers: dict[str, Center] = {}
    for item in _read("centers", directory):
        fields = {k: item[k] for k in ("name", "level", "industry", "domain", "description", "status",
                                       "offers_incubation")}
        fields["established"] = date.fromisoformat(item["established"]) if item.get("established") else None
        fields["org_id"] = orgs[item["org_key"]].id
        fields["lead_org_id"] = orgs[item["lead_org_key"]].id if item.get("lead_org_key") else None
        center = centers[item["key"]] = _upsert(session, Center, item["key"], fields)
        for member_key in item.get("member_org_keys", []):
            if session.get(CenterMember, (center.id, orgs[member_key].id)) is None:
                session.add(CenterMember(center_id=center.id, org_id=orgs[member_key].id))

    needs = _read("needs", directory)
    for item in needs:
        fields = {k: item.get(k) for k in ("title", "details", "industry", "cooperation_modes", "budget_min",
                                           "budget_max", "confidential", "region")}
        fields.update(description=item["summary"], trl=item.get("trl_target"), org_id=orgs[item["org_key"]].id,
                      region=resolve_region(item.get("region")),
                      deadline=date.fromisoformat(item["deadline"]) if item.get("deadline") else None,
                      **_lifecycle(item.get("status", "published"), ttl_days))
        need = _upsert(session, Need, item["key"], fields)
        record_change(session, "need", need.id)

    achievements = _read("achievements", directory)
    for item in achievements:
        fields = {k: item.get(k) for k in ("title", "description", "kind", "industry", "trl", "patent_numbers",
                                           "ip_status", "cooperation_modes", "price")}
        fields.update(org_id=orgs[item["org_key"]].id,
                      center_id=centers[item["center_key"]].id if item.get("center_key") else None,
                      **_lifecycle(item.get("status", "published"), ttl_days))
        achievement = _upsert(session, Achievement, item["key"], fields)
        record_change(session, "achievement", achievement.id)

    services = _read("services", directory)
    for item in services:
        center = centers[item["center_key"]]
        fields = {k: item.get(k) for k in ("title", "description", "category", "industry", "price")}
        fields.update(price_note=item.get("price_note") or "", center_id=center.id, org_id=center.org_id,
                      cooperation_modes=item.get("cooperation_modes") or ["service"],
                      **_lifecycle(item.get("status", "published"), ttl_days))
        service = _upsert(session, Service, item["key"], fields)
        record_change(session, "service", service.id)

    for center in centers.values():
        record_change(session, "center", center.id)
    session.commit()
    return {"organizations": len(orgs), "centers": len(centers), "needs": len(needs),
            "achievements": len(achievements), "services": len(services)}
