"""A deal test world: a small marketplace of two parties, a third organization and the bureau, and a local
SMTP sink that records what the app sends."""

import socketserver
import threading
from dataclasses import dataclass
from email import message_from_bytes, policy

from app.accounts.services import accounts
from app.deals.services import contract_texts, contracts, interests
from models import Center, CenterStatus, Contract, Role, User
from tests.utils.factories import PASSWORD, create_achievement, create_need, create_user, in_app, verify_org
from tests.utils.waiting import wait_for


@dataclass
class World:
    sme: User  # an enterprise with a confidential need
    center: User  # a center-side organization with an achievement
    other: User  # a third enterprise, party to nothing
    bureau: User
    need_id: int
    achievement_id: int
    center_id: int  # an innovation center of `center`'s organization that offers incubation


def make_world(session) -> World:
    sme = create_user(session, "enterprise")
    center = create_user(session, "center", industries=["automotive"])
    other = create_user(session, "enterprise")
    for user in (sme, center, other):
        verify_org(session, user)  # only verified organizations may sign contracts
    with in_app(session):
        bureau = accounts.create_user(
            session=session,
            email=f"bureau-{sme.id}@bureau.gov.cn",
            password=PASSWORD,
            name="市工信局",
            role=Role.bureau,
        )
    need = create_need(session, sme, confidential=True)
    achievement = create_achievement(session, center)
    row = Center(
        name="汽车轻量化创新中心",
        industry="automotive",
        domain="轻量化材料与工艺",
        org_id=center.org_id,
        offers_incubation=True,
        status=CenterStatus.filed,
    )
    session.add(row)
    session.commit()
    return World(sme, center, other, bureau, need.id, achievement.id, row.id)


def accepted_interest(session, world: World, *, via: bool = True):
    """The center's interest in the SME's confidential need, accepted by the SME (NDA not yet accepted)."""
    with in_app(session):
        interest = interests.express_interest(
            session=session,
            user=world.center,
            target_type="need",
            target_id=world.need_id,
            message="我们有成熟的激光焊接气孔控制工艺，希望合作。",
            via_type="achievement" if via else None,
            via_id=world.achievement_id if via else None,
        )
        return interests.accept_interest(session=session, user=world.sme, interest_id=interest.id)


CONTRACT = {
    "kind": "commissioned_development",
    "title": "铝合金车身激光焊接气孔控制技术开发合同",
    "amount": 1_200_000,
    "technology_amount": 1_000_000,
    "currency": "CNY",
    "ends_on": "2027-12-31",
    "field": "automotive",
    "milestones": [
        {"title": "工艺方案与样件", "due_on": "2027-04-30", "amount": 500_000},
        {"title": "小批量验证", "due_on": "2027-10-31", "amount": 700_000},
    ],
}


def draft_contract(session, world: World, interest):
    with in_app(session):
        return contracts.create_contract(
            session=session, user=world.sme, data={**CONTRACT, "interest_id": interest.id}
        )


def current_sha256(session, contract_id: int) -> str:
    """The SHA-256 of the contract's current text: what a signature must name."""
    contract = session.get(Contract, contract_id)
    session.refresh(contract)
    return contract_texts.current(session, contract).sha256


def sign_contract(session, user: User, contract_id: int, **kwargs):
    """`user` signs the current text with their password (call inside `in_app`)."""
    return contracts.transition_contract(
        session=session,
        user=user,
        contract_id=contract_id,
        to="signed",
        text_sha256=current_sha256(session, contract_id),
        credential=PASSWORD,
        **kwargs,
    )


class SmtpSink:
    """A minimal SMTP server on 127.0.0.1 that keeps every message it receives."""

    def __init__(self):
        self.messages = []
        self.received = threading.Lock()
        sink = self

        class Handler(socketserver.StreamRequestHandler):
            def reply(self, line: str) -> None:
                self.wfile.write(line.encode() + b"\r\n")

            def handle(self):
                self.reply("220 sink ready")
                while line := self.rfile.readline():
                    command = line.decode(errors="replace").strip().upper()
                    if command.startswith("DATA"):
                        self.reply("354 end with .")
                        data = b""
                        while (chunk := self.rfile.readline()) not in (b".\r\n", b""):
                            data += chunk[1:] if chunk.startswith(b"..") else chunk
                        with sink.received:
                            sink.messages.append(message_from_bytes(data, policy=policy.default))
                        self.reply("250 queued")
                    elif command.startswith("QUIT"):
                        self.reply("221 bye")
                        return
                    elif command.startswith("EHLO"):
                        self.reply("250 sink")
                    else:
                        self.reply("250 ok")

        self.server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def wait_for(self, count: int, timeout: float = 10.0) -> list:
        """The messages received, once there are at least `count` (mail leaves from a background thread)."""

        def arrived() -> list | None:
            with self.received:
                return list(self.messages) if len(self.messages) >= count else None

        return wait_for(arrived, timeout=timeout, what=f"{count} emails at the sink")

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def mail_settled(app) -> None:
    """Return once every email the app queued so far has been sent or given up: its one mail thread takes jobs
    in order, so a no-op submitted now runs after them. Lets a test say "no email" without waiting a guess."""
    executor = app.extensions.get("mail_executor")
    if executor is not None:
        executor.submit(lambda: None).result(timeout=30)
