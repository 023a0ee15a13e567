"""Text analysis: normalisation, jieba words, stop-words, n-grams, odd input."""

import time

from matching.text import MAX_TEXT_CHARS, analyze, char_ngrams, lexical_terms, normalize, words


def test_normalize_folds_full_width_case_and_units():
    assert normalize("ＡＢＣ　１２３") == "abc 123"
    assert normalize("厚度10毫米，功率5千瓦") == "厚度10mm,功率5kw"
    assert normalize("价格1,000,000元") == "价格1000000元"


def test_words_are_jieba_words_without_stop_words():
    tokens = words(normalize("我们的激光焊接工艺用于汽车车身"))
    assert "激光" in tokens and "焊接" in tokens
    assert "的" not in tokens and "我们" not in tokens


def test_english_and_third_language_words_survive():
    assert "laser" in words(normalize("Laser welding 激光"))
    assert "сварка" in words(normalize("лазерная сварка"))
    assert "لحام" in words(normalize("لحام الليزر"))


def test_char_ngrams_cover_chinese_runs_only():
    assert char_ngrams("焊接abc", 2, 2) == ["焊接"]
    assert set(char_ngrams("焊接工艺", 1, 1)) == {"焊", "接", "工", "艺"}


def test_analyze_marks_ngrams_apart_from_words():
    terms = analyze("激光焊接")
    assert "激光" in terms and "#激光" in terms and "#光焊接" in terms
    assert "#焊" in lexical_terms("激光焊接")


def test_empty_and_huge_text():
    assert analyze("") == [] and analyze(None) == [] and analyze("   ") == []
    started = time.perf_counter()
    clean = normalize("激光焊接工艺" * 20000)
    assert len(clean) == MAX_TEXT_CHARS
    assert words(clean)
    assert time.perf_counter() - started < 5
