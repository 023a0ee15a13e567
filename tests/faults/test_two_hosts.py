"""Two app hosts over one database, each with its own vector directory and outbox cursors: after a burst of 200
listing writes through one of them, both recommend the same listings, with the same scores, within seconds."""

import time
from itertools import cycle

import pytest
import requests
from sqlalchemy import func
from sqlmodel import select

from models import SyncCursor
from models.outbox import OutboxEvent
from tests.utils.factories import PASSWORD, achievement_data, create_achievement, create_need, create_user
from tests.utils.processes import AppServer, app_env
from tests.utils.waiting import wait_for
from tests.utils.web import bearer

pytestmark = pytest.mark.parametrize("backend", ["postgres"], indirect=True)
CONVERGE_SECONDS = 10.0
# (industry, words) of the achievements the burst posts; the needs below ask for three of them.
TOPICS = [
    ("automotive", "铝合金车身激光焊接气孔控制工艺"),
    ("new_energy", "动力电池包液冷热管理与热失控预警"),
    ("advanced_equipment", "数控机床主轴振动监测与颤振抑制"),
    ("new_materials", "碳纤维复合材料低成本成型工艺"),
    ("information_technology", "工业视觉表面缺陷检测算法"),
]
NEEDS = [
    ("automotive", "车身铝合金激光焊接气孔多", "激光焊接铝合金车身时焊缝气孔率高，寻求气孔控制工艺。"),
    ("new_energy", "电池包热管理方案", "寻求动力电池包液冷热管理和热失控早期预警技术。"),
    ("advanced_equipment", "机床加工颤振", "高速铣削时主轴振动大、出现颤振，寻求监测与抑制方案。"),
]


def as_shown(hits: list[dict]) -> list[tuple[float, frozenset[int]]]:
    """The ranking as a user can tell it: groups of listings of one score (to 3 decimals), best first.

    Within a group the order is not part of the answer: the scores are float32 sums whose last bits depend on
    how a host's batches happened to be cut. The last group is left out, as `k` may have cut it anywhere.
    """
    groups: dict[float, set[int]] = {}
    for hit in hits:
        groups.setdefault(round(hit["score"], 3), set()).add(hit["target_id"])
    return [(score, frozenset(ids)) for score, ids in groups.items()][:-1]


def recommendations(url: str, need_ids: list[int]) -> dict[int, list[tuple[float, frozenset[int]]]]:
    return {
        need_id: as_shown(
            requests.get(f"{url}/api/v1/needs/{need_id}/recommendations?kind=license&k=20", timeout=30).json()
        )
        for need_id in need_ids
    }


def burst(url: str, headers: dict) -> tuple[set[int], set[int]]:
    """200 writes: 100 achievements posted, 60 of them edited, 40 closed; returns (posted, closed)."""
    http = requests.Session()
    posted = []
    for n, (industry, words) in zip(range(100), cycle(TOPICS), strict=False):
        body = achievement_data(
            title=f"{words} 第{n}号",
            industry=industry,
            status="published",
            description=f"{words}，已在{n % 7 + 2}家企业应用。",
        )
        response = http.post(f"{url}/api/v1/achievements", json=body, headers=headers, timeout=30)
        assert response.status_code == 201, response.text
        posted.append(response.json()["id"])
    for listing_id, (_industry, words) in zip(posted[:60], cycle(reversed(TOPICS)), strict=False):
        response = http.patch(
            f"{url}/api/v1/achievements/{listing_id}",
            headers=headers,
            timeout=30,
            json={"description": f"改进版：{words}，良率提升。"},
        )
        assert response.status_code == 200, response.text
    for listing_id in posted[60:]:
        response = http.patch(
            f"{url}/api/v1/achievements/{listing_id}",
            headers=headers,
            timeout=30,
            json={"status": "closed", "close_reason": "other"},
        )
        assert response.status_code == 200, response.text
    return set(posted), set(posted[60:])


def test_two_hosts_converge_after_a_burst(app, client, session, database_url, tmp_path, processes):
    firm, lab = (
        create_user(session, "enterprise"),
        create_user(session, "university", industries=["automotive"]),
    )
    need_ids = [
        create_need(session, firm, industry=industry, title=title, description=text).id
        for industry, title, text in NEEDS
    ]
    for industry, words in TOPICS:
        create_achievement(session, lab, industry=industry, title=words, description=f"{words}，成熟可转让。")
    hosts = []
    for name in ("host-a", "host-b"):
        env = app_env(
            DATABASE_URL=database_url,
            INSTANCE_PATH=str(tmp_path / name),
            SEARCH_PATH=str(tmp_path / name / "search.sqlite3"),
            VECTOR_DIR=str(tmp_path / name / "vectors"),
            UPLOAD_DIR=str(tmp_path / name / "uploads"),
            INDEX_CONSUMER=name,
            INDEX_WORKER_IN_PROCESS="1",
        )
        hosts.append(processes(AppServer(env, tmp_path / f"{name}.log", workers=1)))
    for host in hosts:
        wait_for(
            lambda h=host: requests.get(h.url + "/healthz", timeout=20).status_code == 200,
            timeout=60,
            what=f"{host.url} ready",
        )

    posted, closed = burst(hosts[0].url, bearer(client, lab.email, PASSWORD))
    done = time.monotonic()
    with session.bind.connect() as connection:
        last_event = connection.execute(select(func.max(OutboxEvent.id))).scalar_one()

    def converged():
        cursors = dict(
            session.exec(
                select(SyncCursor.consumer, SyncCursor.last_event_id).where(
                    SyncCursor.consumer.in_(["host-a:vectors", "host-b:vectors"])
                )
            ).all()
        )
        session.expire_all()
        if len(cursors) < 2 or min(cursors.values()) < last_event:
            return None
        seen = [recommendations(host.url, need_ids) for host in hosts]
        return seen[0] if seen[0] == seen[1] else None

    agreed = wait_for(converged, timeout=CONVERGE_SECONDS * 3, interval=0.25, what="both hosts agreeing")
    took = time.monotonic() - done
    print(f"two hosts agreed {took:.2f} s after the burst")
    assert took <= CONVERGE_SECONDS, f"the hosts agreed only {took:.1f} s after the burst"
    found = {target for groups in agreed.values() for _score, ids in groups for target in ids}
    assert found & (posted - closed), "the posted listings are not recommended"
    assert not found & closed, "a closed listing is still recommended"
