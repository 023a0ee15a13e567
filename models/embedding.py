"""Stored text embeddings: what the index worker got from the embeddings service, by text hash."""

from datetime import datetime

from sqlalchemy import Column, LargeBinary
from sqlmodel import Field, SQLModel

from models.outbox import utcnow


class TextEmbedding(SQLModel, table=True):
    """One encoded text: the vector the multilingual encoder gave it (see matching.e5).

    Keyed by the hash of the mode (query/passage) and the exact text encoded, not by listing: a listing whose
    text did not change keeps its vector across edits of other fields and rebuilds, several hosts share one
    encoding, and a replayed outbox event finds its vector stored and encodes nothing.
    """

    __tablename__ = "text_embedding"

    key: str = Field(primary_key=True, min_length=64, max_length=64)
    model: str = Field(max_length=64)
    # float32 little-endian, 384 of them for multilingual-e5-small.
    vector: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    created_at: datetime = Field(default_factory=utcnow)
