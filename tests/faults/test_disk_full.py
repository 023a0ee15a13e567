"""The disk under VECTOR_DIR and UPLOAD_DIR full (a small tmpfs): reads go on, uploads are refused with a
clear message and 507, the vector writer keeps its last good generation and says so in the log; once space
returns, uploads and vector saves succeed again."""

import errno
import io
import logging
import os
import subprocess
import tempfile
import threading
from pathlib import Path

import numpy as np
import pytest
from sqlmodel import select

from app import create_app
from app.market.services import indexes
from app.ops import index_worker
from matching import persistence
from matching.vectorstore import VectorStore
from models import ListingAttachment
from tests.conftest import BACKENDS
from tests.utils.factories import create_achievement, create_need, create_user
from tests.utils.images import png
from tests.utils.waiting import wait_for
from tests.utils.web import csrf_token

PNG = png(64, 48)
DISK = "16m"


@pytest.fixture
def small_disk():
    """A 16 MB tmpfs of this test, unmounted afterwards."""
    mountpoint = Path(tempfile.mkdtemp(prefix="mic-faults-disk-"))
    result = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={DISK}", "tmpfs", str(mountpoint)],
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        mountpoint.rmdir()
        reason = f"mounting a tmpfs was refused: {result.stderr.strip()}"
        if os.environ.get("REQUIRE_SERVICES") == "1" and os.geteuid() == 0:
            pytest.fail(reason + " (REQUIRE_SERVICES=1, running as root)")
        pytest.skip(reason)
    try:
        yield mountpoint
    finally:
        subprocess.run(["umount", "-l", str(mountpoint)], check=False)
        mountpoint.rmdir()


@pytest.fixture
def app(database_url, tmp_path, small_disk):
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test",
            "DATABASE_URL": database_url,
            "SEARCH_BACKEND": "fts5",
            "SEARCH_PATH": str(tmp_path / "search.sqlite3"),
            "VECTOR_DIR": str(small_disk / "vectors"),
            "UPLOAD_DIR": str(small_disk / "uploads"),
            "RATELIMIT_ENABLED": False,
        }
    )
    yield app
    app.extensions["db_engine"].dispose()


def fill(disk: Path) -> Path:
    """Write until the file system refuses one more byte."""
    ballast = disk / "ballast"
    with open(ballast, "wb", buffering=0) as handle:
        for size in (1 << 20, 1 << 12, 1):
            try:
                while True:
                    handle.write(b"\0" * size)
            except OSError as error:
                assert error.errno == errno.ENOSPC
    return ballast


def upload(client, need_id: int, language: str):
    return client.post(
        f"/needs/{need_id}/attachments",
        headers={"Accept-Language": language},
        data={"csrf_token": csrf_token(client, f"/needs/{need_id}"), "file": (io.BytesIO(PNG), "样件.png")},
        content_type="multipart/form-data",
    )


def generations(store: Path) -> list[str]:
    return sorted(folder.name for folder in store.glob("gen-*"))


@pytest.mark.parametrize("backend", BACKENDS, indirect=True)
def test_full_disk_keeps_reads_refuses_uploads_and_recovers(
    app, client, auth, session, small_disk, monkeypatch, caplog
):
    owner, center = (
        create_user(session, "enterprise"),
        create_user(session, "university", industries=["automotive"]),
    )
    need = create_need(session, owner)
    create_achievement(session, center)
    assert indexes.rebuild(app) == 2
    store = Path(app.config["VECTOR_DIR"])
    first = persistence.current_generation(store)
    monkeypatch.setattr(index_worker, "PERSIST_SECONDS", 0.2)
    before = set(threading.enumerate())
    stop = index_worker.start_background_worker(app, poll_interval=0.1)
    writer = next(t for t in threading.enumerate() if t not in before and t.name == "outbox-worker")
    try:
        ballast = fill(small_disk)
        # A listing posted now reaches this host's matcher in memory; saving it cannot succeed.
        caplog.set_level(logging.ERROR, logger=index_worker.log.name)
        later = create_achievement(session, center, title="铝合金激光焊缝气孔在线检测系统")
        wait_for(lambda: "vector upkeep failed" in caplog.text, timeout=30, what="the failed save in the log")
        assert persistence.current_generation(store) == first
        assert generations(store) == [first], "a failed save left files behind"

        for path in (
            "/",
            "/needs",
            f"/needs/{need.id}",
            f"/achievements/{later.id}",
            "/api/v1/search?q=激光焊接",
            f"/api/v1/needs/{need.id}/recommendations?kind=license",
        ):
            assert client.get(path).status_code == 200, path
        assert later.id in [
            hit["target_id"]
            for hit in client.get(f"/api/v1/needs/{need.id}/recommendations?kind=license").json
        ]

        auth.login(owner.email)
        refused = upload(client, need.id, "zh-CN")
        assert refused.status_code == 507
        assert "存储空间暂时已满，文件没有保存" in refused.get_data(as_text=True)
        refused = upload(client, need.id, "en")
        assert refused.status_code == 507 and "There is no room to store files" in refused.get_data(
            as_text=True
        )
        assert not list((small_disk / "uploads").iterdir())
        assert not session.exec(select(ListingAttachment)).all()

        ballast.unlink()
        wait_for(
            lambda: persistence.current_generation(store) != first,
            timeout=30,
            what="a vector save once space returned",
        )
        assert upload(client, need.id, "zh-CN").status_code == 302
        assert len(session.exec(select(ListingAttachment)).all()) == 1
        # The image and the thumbnail made from it.
        assert len(list((small_disk / "uploads").iterdir())) == 2
    finally:
        stop.set()
        writer.join(timeout=30)
    matcher, _manifest, pin = persistence.load(None, store)
    try:
        assert matcher.listing("achievement", later.id) is not None
    finally:
        pin.release()


def test_a_vector_index_saved_onto_a_full_disk_raises_and_leaves_no_file(small_disk):
    store = VectorStore(dim=64)
    store.upsert(np.arange(200), np.random.default_rng(1).random((200, 64), dtype=np.float32))
    fill(small_disk)
    with pytest.raises(OSError) as raised:
        store.save(small_disk / "vectors.faiss")
    assert raised.value.errno == errno.ENOSPC
    assert sorted(p.name for p in small_disk.iterdir()) == ["ballast"]
