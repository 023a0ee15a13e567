"""The listing-kind registry: one entry is all the app, search and the indexes need to know of a kind."""

from sqlmodel import SQLModel

from app.config import ROOT
from app.market.forms import FORMS
from indexing.base import ENTITY_TYPES
from models import KIND_NAMES, LISTING_KINDS, POSTED_KINDS, kind_at_segment, kind_name_of


def test_every_kind_has_a_table_a_segment_and_labels():
    assert len({kind.segment for kind in LISTING_KINDS.values()}) == len(LISTING_KINDS)
    for name, kind in LISTING_KINDS.items():
        assert kind.name == name and kind.table.__tablename__ in SQLModel.metadata.tables
        assert kind.label and kind.label_plural
        assert kind_at_segment(kind.segment) is kind and kind_name_of(kind.table.model_construct()) == name


def test_posted_kinds_have_their_models_form_and_page():
    assert set(POSTED_KINDS) == {
        "need",
        "achievement",
        "service",
        "instrument",
        "financing",
        "finance_product",
    }
    for name, kind in POSTED_KINDS.items():
        assert kind.create and kind.update and kind.public and name in FORMS
        assert (ROOT / "templates" / "market" / "listings" / f"{name}_detail.html").is_file()


def test_search_documents_are_typed_by_the_registry():
    assert (
        ENTITY_TYPES
        == KIND_NAMES
        == (
            "need",
            "achievement",
            "service",
            "instrument",
            "financing",
            "finance_product",
            "center",
        )
    )


def test_pages_and_api_exist_for_posted_kinds_only(client):
    for kind in LISTING_KINDS.values():
        assert client.get(f"/api/v1/{kind.segment}").status_code == (200 if kind.posted else 404)
        if kind.posted:
            assert client.get(f"/{kind.segment}").status_code == 200
            assert client.get(f"/{kind.segment}/new").status_code in (302, 200)  # the post form (login first)
    # Centers are filed through the bureau and shown in their own directory, never posted as a listing.
    assert client.get("/centers").status_code == 200
    assert client.get("/centers/new").status_code == 404
