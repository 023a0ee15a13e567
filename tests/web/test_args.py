"""Integer query arguments: the API refuses bad ones naming the field, pages clamp; nothing overflows SQL."""

import pytest

from app.platform.errors import Invalid
from app.web.args import MAX_PAGE, int_arg
from tests.conftest import BACKENDS
from tests.utils.factories import create_need

pytestmark = pytest.mark.parametrize("backend", BACKENDS, indirect=True)
HUGE = "99999999999999999999"


@pytest.mark.parametrize(
    ("path", "field"),
    [
        (f"/api/v1/needs?page={HUGE}", "page"),
        ("/api/v1/needs?page=abc", "page"),
        ("/api/v1/needs?page=0", "page"),
        ("/api/v1/achievements?per_page=101", "per_page"),
        (f"/api/v1/services?trl_min=-{HUGE}", "trl_min"),
        (f"/api/v1/search?page={HUGE}", "page"),
        ("/api/v1/search?per_page=1.5", "per_page"),
        ("/api/v1/needs/1/recommendations?k=1e3", "k"),
    ],
)
def test_api_refuses_bad_numbers_naming_the_field(client, path, field):
    response = client.get(path, headers={"Accept-Language": "zh-CN"})
    assert response.status_code == 422
    assert field in response.json["error"]["fields"]
    assert "整数" in response.json["error"]["fields"][field]


def test_api_pages_through_listings(client, session, enterprise):
    first, second = create_need(session, enterprise, title="第一条需求"), create_need(session, enterprise)
    page = client.get("/api/v1/needs?page=2&per_page=1").json
    assert page["total"] == 2 and [item["id"] for item in page["items"]] == [first.id]
    assert client.get("/api/v1/needs?page=+1&per_page=1").json["items"][0]["id"] == second.id


@pytest.mark.parametrize(
    "path",
    [
        f"/needs?page={HUGE}",
        f"/needs?page=-{HUGE}",
        "/needs?page=abc",
        f"/search?q=焊接&page={HUGE}",
        f"/search?trl_min={HUGE}",
        f"/achievements?trl_min={'9' * 5000}",
    ],
)
def test_pages_clamp_numbers_and_still_render(client, enterprise, session, path):
    create_need(session, enterprise)
    assert client.get(path, follow_redirects=True).status_code == 200


def test_pages_read_an_out_of_range_filter_as_its_bound(client, session, enterprise):
    create_need(session, enterprise, title="成熟技术需求", trl=9)
    create_need(session, enterprise, title="早期技术需求", trl=3)
    clamped = client.get("/needs?trl_min=99").get_data(as_text=True)
    assert "成熟技术需求" in clamped and "早期技术需求" not in clamped
    junk = client.get("/needs?trl_min=abc").get_data(as_text=True)
    assert "成熟技术需求" in junk and "早期技术需求" in junk


@pytest.mark.parametrize(
    ("raw", "page", "api"),
    [
        ("", 1, 1),
        ("7", 7, 7),
        (" 0007 ", 7, 7),
        ("+7", 7, 7),
        (HUGE, MAX_PAGE, Invalid),
        ("0", 1, Invalid),
        ("١٢", 1, Invalid),
        ("1_000", 1, Invalid),
        ("7.0", 1, Invalid),
        ("9" * 100_000, MAX_PAGE, Invalid),
    ],
)
def test_one_helper_two_policies(app, raw, page, api):
    with app.test_request_context(query_string={"page": raw}):
        assert int_arg("page", 1, high=MAX_PAGE, strict=False) == page
        if api is Invalid:
            with pytest.raises(Invalid) as refused:
                int_arg("page", 1, high=MAX_PAGE, strict=True)
            assert list(refused.value.fields) == ["page"]
        else:
            assert int_arg("page", 1, high=MAX_PAGE, strict=True) == api
