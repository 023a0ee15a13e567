"""Query-side term weighting: a need's genre words are dropped, its repeated content words count more."""

import pytest

from matching.query_terms import K3, QUERY_STOP_WORDS, query_frequency_weight, query_term_frequencies
from matching.text import lexical_terms


def test_genre_words_and_their_characters_are_dropped_content_words_kept():
    counts = query_term_frequencies(lexical_terms("企业需求：解决注塑件开裂"))
    assert "注塑件" in counts and "#注" in counts and "开裂" in counts
    assert not {"企业", "需求", "解决"} & set(counts)
    # The characters of dropped words go with them, unless a kept word uses them too.
    assert "#需" not in counts and "#企" not in counts


def test_a_character_shared_with_a_content_word_survives():
    counts = query_term_frequencies(lexical_terms("技术需求：技能培训"))
    assert "技术" not in counts
    assert counts["#技"] == 1


def test_repetition_is_counted():
    counts = query_term_frequencies(lexical_terms("注塑件开裂，注塑件变形，注塑件缩痕"))
    assert counts["注塑件"] == 3 and counts["#注"] == 3


def test_subject_words_are_not_query_stop_words():
    assert not {"材料", "工艺", "检测", "焊接", "电池"} & QUERY_STOP_WORDS


def test_query_frequency_weight_is_one_once_and_grows_with_repetition():
    assert query_frequency_weight(1) == pytest.approx(1.0)
    assert query_frequency_weight(0) == 0.0
    assert 1.0 < query_frequency_weight(2) < query_frequency_weight(3) < K3 + 1
    assert query_frequency_weight(3, k3=1) < query_frequency_weight(3)
