"""A database that cannot be reached: every request answers 503 with a plain message, never a trace."""

import pytest

from app import create_app
from tests.utils.processes import free_port


@pytest.fixture
def unreachable(tmp_path):
    # Nothing listens on a port just found free: connecting is refused at once.
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test",
            "DATABASE_URL": f"postgresql+psycopg://mic@127.0.0.1:{free_port()}/mic",
            "SEARCH_PATH": str(tmp_path / "search.sqlite3"),
            "VECTOR_DIR": str(tmp_path / "vectors"),
            "UPLOAD_DIR": str(tmp_path / "uploads"),
            "RATELIMIT_ENABLED": False,
        }
    )
    yield app.test_client()
    app.extensions["db_engine"].dispose()


def test_api_answers_503_json_in_the_callers_language(unreachable):
    response = unreachable.get("/api/v1/needs", headers={"Accept-Language": "en"})
    assert response.status_code == 503 and response.headers["Retry-After"] == "5"
    assert response.json["error"]["code"] == "unavailable"
    assert (
        response.json["error"]["message"]
        == "The service is briefly unavailable. Please try again in a moment."
    )


def test_pages_answer_503_without_a_trace(unreachable):
    response = unreachable.get("/needs")
    page = response.get_data(as_text=True)
    assert response.status_code == 503 and response.mimetype == "text/html"
    assert "服务暂时不可用" in page
    assert "Traceback" not in page and "psycopg" not in page and "127.0.0.1" not in page
