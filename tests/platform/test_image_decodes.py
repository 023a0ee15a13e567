"""Issue 21 item 8: images that cost memory. An image past IMAGE_MAX_PIXELS is refused from its header, before
any decoding, with a message naming its size; at most IMAGE_DECODE_CONCURRENCY images decode at once."""

import io
import threading
from pathlib import Path

import pytest
from PIL import Image
from sqlmodel import select

from app.platform import files
from models import ListingAttachment
from tests.utils.factories import PASSWORD, create_achievement
from tests.utils.images import bomb_png, png
from tests.utils.waiting import wait_for
from tests.utils.web import bearer


def test_the_issue_s_6300_square_png_is_refused_before_decoding_with_a_clear_message(
    app, client, session, university, monkeypatch
):
    def never(data):
        raise AssertionError("an image past the limit was decoded")

    monkeypatch.setattr(files, "_decode_thumbnail", never)
    achievement = create_achievement(session, university)
    headers = {**bearer(client, university.email, PASSWORD), "Accept-Language": "zh-CN"}
    refused = client.post(
        f"/api/v1/achievements/{achievement.id}/attachments",
        data={"file": (io.BytesIO(bomb_png(6300, 6300)), "大图.png")},
        headers=headers,
        content_type="multipart/form-data",
    )
    assert refused.status_code == 422
    assert refused.json["error"]["fields"]["file"] == (
        "图片过大：6300×6300 像素，超过 24 百万像素。请上传较小的图片（例如不超过 6000×4000）。"
    )
    english = client.post(
        f"/api/v1/achievements/{achievement.id}/attachments",
        data={"file": (io.BytesIO(bomb_png(6300, 6300)), "big.png")},
        headers={**headers, "Accept-Language": "en"},
        content_type="multipart/form-data",
    )
    assert "6300×6300 pixels, more than 24 million" in english.json["error"]["message"]
    assert session.exec(select(ListingAttachment)).all() == []
    folder = Path(app.config["UPLOAD_DIR"])
    assert not folder.exists() or list(folder.iterdir()) == []


def test_the_default_limit_is_what_listings_need(app):
    assert app.config["IMAGE_MAX_PIXELS"] == 24_000_000 and app.config["IMAGE_DECODE_CONCURRENCY"] == 2
    with app.app_context():
        thumb = files.thumbnail_bytes(png(6000, 4000))  # the largest 3:2 picture still accepted
    with Image.open(io.BytesIO(thumb)) as image:
        assert image.size == (480, 320)


def test_at_most_two_images_decode_at_once_the_others_wait_their_turn(app, monkeypatch):
    inside, most, lock, release = [0], [0], threading.Lock(), threading.Event()
    real = files._decode_thumbnail

    def decode(data):
        with lock:
            inside[0] += 1
            most[0] = max(most[0], inside[0])
        release.wait(30)
        try:
            return real(data)
        finally:
            with lock:
                inside[0] -= 1

    monkeypatch.setattr(files, "_decode_thumbnail", decode)
    results: list[bytes] = []

    def upload():
        with app.app_context():
            results.append(files.thumbnail_bytes(png(64, 48)))

    threads = [threading.Thread(target=upload) for _ in range(4)]
    for thread in threads:
        thread.start()
    with app.app_context():
        slots = files.decode_slots()
    # Two decode; the other two are parked on the semaphore (its waiting list), not decoding.
    wait_for(lambda: inside[0] == 2 and len(slots._cond._waiters) == 2, what="two decoding, two waiting")
    release.set()
    for thread in threads:
        thread.join(30)
    assert most[0] == 2 and len(results) == 4


@pytest.fixture
def one_at_a_time(app):
    app.config["IMAGE_DECODE_CONCURRENCY"] = 1
    app.extensions.pop("image_decode_slots", None)
    yield app


def test_the_number_of_decode_slots_is_configured(one_at_a_time):
    with one_at_a_time.app_context():
        slots = files.decode_slots()
        assert slots.acquire(blocking=False) and not slots.acquire(blocking=False)
        slots.release()
