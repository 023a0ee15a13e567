"""A client that keeps writing through the API while a fault happens, and the check of what it saw acknowledged.

Each client thread repeats one deal: an enterprise posts a need, a center expresses interest in it, the
enterprise accepts and drafts a contract. Every answer is written down: a 2xx in the ledger (the write was
acknowledged, so it must be in the database afterwards), anything else among the failures (which may or may
not have been saved, but must never be half saved).
"""

from __future__ import annotations

import threading
import uuid
from dataclasses import dataclass, field

import requests
from sqlalchemy import func
from sqlmodel import Session, select

from models import Contract, Interest, InterestStatus, Need
from models.audit import AuditEvent
from models.deals import Notification
from models.outbox import OutboxEvent
from tests.utils.deal_world import CONTRACT
from tests.utils.factories import need_data


@dataclass
class Ledger:
    needs: list[int] = field(default_factory=list)
    interests: list[int] = field(default_factory=list)
    accepted: list[int] = field(default_factory=list)
    contracts: list[int] = field(default_factory=list)
    # (step, what the client got): "dropped" for a lost connection, else the status and the start of the body.
    failures: list[tuple[str, str]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def acknowledged(self) -> int:
        return len(self.needs) + len(self.interests) + len(self.accepted) + len(self.contracts)


class WriteLoad:
    """`threads` clients writing deals through the API of `url` until stop()."""

    def __init__(self, url: str, poster: dict, responder: dict, threads: int = 4):
        self.url, self.poster, self.responder = url, poster, responder
        self.ledger = Ledger()
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._run, daemon=True) for _ in range(threads)]

    def start(self) -> WriteLoad:
        for thread in self._threads:
            thread.start()
        return self

    def stop(self) -> Ledger:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=60)
        return self.ledger

    def _call(self, http: requests.Session, step: str, path: str, headers: dict, body: dict) -> dict | None:
        try:
            response = http.post(self.url + path, json=body, headers=headers, timeout=30)
        except requests.RequestException as error:
            with self.ledger.lock:
                self.ledger.failures.append((step, f"dropped: {type(error).__name__}"))
            return None
        if response.ok:
            return response.json()
        with self.ledger.lock:
            self.ledger.failures.append(
                (step, f"{response.status_code} {response.headers.get('Content-Type')} {response.text[:300]}")
            )
        return None

    def _run(self) -> None:
        http = requests.Session()
        ledger = self.ledger
        while not self._stop.is_set():
            title = f"高强钢冲压回弹补偿 {uuid.uuid4().hex[:8]}"
            need = self._call(
                http, "need", "/api/v1/needs", self.poster, need_data(title=title, status="published")
            )
            if need is None:
                continue
            with ledger.lock:
                ledger.needs.append(need["id"])
            interest = self._call(
                http,
                "interest",
                "/api/v1/interests",
                self.responder,
                {"target_type": "need", "target_id": need["id"], "message": "我们有成熟的回弹补偿方案。"},
            )
            if interest is None:
                continue
            with ledger.lock:
                ledger.interests.append(interest["id"])
            if (
                self._call(http, "accept", f"/api/v1/interests/{interest['id']}/accept", self.poster, {})
                is None
            ):
                continue
            with ledger.lock:
                ledger.accepted.append(interest["id"])
            contract = self._call(
                http,
                "contract",
                "/api/v1/contracts",
                self.poster,
                {**CONTRACT, "interest_id": interest["id"]},
            )
            if contract is not None:
                with ledger.lock:
                    ledger.contracts.append(contract["id"])


def assert_nothing_lost_or_half_written(engine, ledger: Ledger) -> None:
    """Every acknowledged row is in the database, and no row there lacks the rows written with it."""
    with Session(engine) as session:
        need_ids = set(session.exec(select(Need.id)).all())
        outboxed = set(
            session.exec(select(OutboxEvent.entity_id).where(OutboxEvent.entity_type == "need")).all()
        )
        interests = {row.id: row.status for row in session.exec(select(Interest)).all()}
        noticed = set(
            session.exec(select(Notification.subject_id).where(Notification.kind == "interest_new")).all()
        )
        accept_noticed = set(
            session.exec(
                select(Notification.subject_id).where(Notification.kind == "interest_accepted")
            ).all()
        )
        contract_ids = set(session.exec(select(Contract.id)).all())
        events = dict(
            session.exec(
                select(AuditEvent.subject_id, func.count())
                .where(AuditEvent.subject_type == "contract")
                .group_by(AuditEvent.subject_id)
            ).all()
        )
    assert set(ledger.needs) <= need_ids, "an acknowledged need is missing"
    assert need_ids <= outboxed, "a need was saved without its outbox row"
    assert set(ledger.interests) <= set(interests), "an acknowledged interest is missing"
    assert set(interests) <= noticed, "an interest was saved without its notice to the owner"
    assert all(interests[i] == InterestStatus.accepted for i in ledger.accepted), (
        "an acknowledged acceptance is lost"
    )
    assert {i for i, status in interests.items() if status == InterestStatus.accepted} <= accept_noticed, (
        "an interest was accepted without its notice to the sender"
    )
    assert set(ledger.contracts) <= contract_ids, "an acknowledged contract is missing"
    assert all(events.get(c) for c in contract_ids), "a contract was saved without its audit row"
