"""Text analysis: normalisation, jieba words, stop-words, n-grams, the user dictionary, odd input."""

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from matching.text import (
    MAX_TEXT_CHARS,
    analyze,
    char_ngrams,
    expand_synonyms,
    expansions,
    index_tokens,
    lexical_terms,
    normalize,
    query_words,
    search_synonyms,
    set_user_dictionary,
    words,
)


@pytest.fixture
def taxonomy_words():
    """A domain vocabulary like the app's taxonomy, removed again afterwards."""
    set_user_dictionary(["线控底盘", "光电传感"], {"增材制造": ["3D打印"], "人工智能": ["AI"]})
    yield
    set_user_dictionary()


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
    clean = normalize("激光焊接工艺" * 20000)
    assert len(clean) == MAX_TEXT_CHARS
    assert words(clean)
    # The search index reads a whole description; only the matcher's view is bounded.
    assert len(normalize("激光焊接工艺" * 20000, limit=None)) == 120000


def test_search_keeps_filler_words_the_matcher_drops():
    assert [word for word, _parts in query_words("的 分析")] == ["分析"]
    assert "分析" not in words(normalize("检测分析"))
    assert query_words("的 和") == ()


def test_search_and_matching_normalise_alike():
    assert [word for word, _parts in query_words("ＬＡＳＥＲ　１０毫米")] == ["laser", "10mm"]
    assert index_tokens("LASER 焊接 10毫米").split() == ["laser", "焊接", "10mm"]


def test_user_dictionary_keeps_taxonomy_words_whole(taxonomy_words):
    assert "线控底盘" in words(normalize("研发线控底盘"))
    assert ("线控底盘", ("线控", "底盘")) in query_words("线控底盘")
    assert "光电传感" in index_tokens("光电传感模组").split()


def test_synonyms_read_as_the_keyword_everywhere(taxonomy_words):
    assert normalize("3D打印钛合金") == "增材制造钛合金"
    assert "增材制造" in words(normalize("金属3D打印"))
    assert [word for word, _parts in query_words("3d打印")] == ["增材制造"]
    # A Latin synonym only replaces a whole word.
    assert normalize("AI质检, maintain") == "人工智能质检, maintain"


@pytest.fixture
def ev_vocabulary():
    """新能源汽车 with its other spellings and the narrower words a query for it also finds."""
    set_user_dictionary(
        ["新能源汽车"],
        {"新能源汽车": ["电动汽车", "NEV"], "电驱动": ["电驱"]},
        {"新能源汽车": ["电驱动", "电池包", "800V"]},
    )
    yield
    set_user_dictionary()


def test_a_prefix_variant_never_rewrites_its_own_canonical_word(ev_vocabulary):
    assert normalize("电驱动总成与电驱桥") == "电驱动总成与电驱动桥"


def test_a_broader_word_also_finds_its_narrower_ones_one_way(ev_vocabulary):
    assert expansions("新能源汽车") == ("电驱动", "电池包", "800v")
    assert expansions("电池包") == ()
    expanded = expand_synonyms("电动汽车热管理")
    assert expanded.startswith("电动汽车热管理") and {"电驱动", "电池包", "800v"} <= set(expanded.split())
    assert expand_synonyms("电池包壳体") == "电池包壳体"


def test_search_synonyms_for_an_engine_that_takes_a_table(ev_vocabulary):
    table = search_synonyms()
    assert set(table["电动汽车"]) == {"新能源汽车", "nev", "电驱动", "电池包", "800v"}
    assert set(table["新能源汽车"]) >= {"电动汽车", "nev", "电驱动"}
    assert "新能源汽车" not in table.get("电池包", [])  # narrower words do not find the broader one
    assert set(table["电驱"]) == {"电驱动"}


def test_replacing_the_dictionary_forgets_old_words(taxonomy_words):
    assert "线控底盘" in words(normalize("线控底盘"))
    set_user_dictionary(["光电传感"])
    assert "线控底盘" not in words(normalize("线控底盘"))
    assert normalize("3D打印") == "3d打印"


def test_one_jieba_dictionary_serves_search_and_matching(tmp_path):
    """A process that searches and recommends loads jieba's dictionary once (it weighs about 60 MB)."""
    script = textwrap.dedent(f"""
        import gc, jieba
        from app import create_app
        from indexing.base import SearchQuery
        from indexing.fts5 import FTS5Backend
        from matching import Matcher, MatchItem

        app = create_app({{"TESTING": True, "SECRET_KEY": "t", "DATABASE_URL": "sqlite:///{tmp_path}/db.sqlite3"}})
        backend = FTS5Backend(":memory:")
        backend.upsert([{{"id": "need-1", "type": "need", "entity_id": 1, "title": "车身激光焊接", "body": "焊缝"}}])
        assert backend.search(SearchQuery(text="激光焊接")).total == 1
        matcher = Matcher().rebuild([MatchItem(id=1, kind="achievement", title="激光焊接", text="车身焊接工艺")])
        assert matcher.recommend(MatchItem(id=2, kind="need", title="", text="激光焊接"), "license")
        loaded = [t for t in gc.get_objects() if isinstance(t, jieba.Tokenizer) and t.initialized]
        print(len(loaded), jieba.dt.initialized)
    """)
    result = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=Path(__file__).resolve().parents[2],
        env={"PATH": "/usr/bin:/bin", "INSTANCE_PATH": str(tmp_path)},
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["1", "False"]


def _flat_rewrite(canonical: dict[str, str], text: str) -> str:
    """The plain definition: every spelling in one alternation, longest first, Latin edges on word boundaries."""
    import re

    alternatives = []
    for variant in sorted({*canonical, *canonical.values()}, key=len, reverse=True):
        escaped = re.escape(variant)
        if variant[0].isascii() and variant[0].isalnum():
            escaped = r"(?<![0-9a-z])" + escaped
        if variant[-1].isascii() and variant[-1].isalnum():
            escaped += r"(?![0-9a-z])"
        alternatives.append(escaped)
    return re.compile("|".join(alternatives)).sub(lambda m: canonical.get(m.group(), m.group()), text)


def test_the_spelling_trie_rewrites_exactly_as_the_longest_first_alternation():
    import random

    synonyms = {
        "电驱动": ["电驱", "电驱动系统"],
        "人工智能": ["ai", "a.i."],
        "电动垂直起降": ["evtol", "ev-tol"],
        "电动汽车": ["ev", "纯电车"],
        "增材制造": ["3d打印", "3d打印机"],
        "c++": ["cpp"],
    }
    set_user_dictionary([], synonyms)
    canonical = {v: k for k, vs in synonyms.items() for v in vs}
    # Prefixes of one another, Latin edges inside words, a canonical word containing a variant.
    assert normalize("电驱动系统和电驱") == "电驱动和电驱动"
    assert normalize("evtol and ev, evx, maintain ai") == "电动垂直起降 and 电动汽车, evx, maintain 人工智能"
    rng = random.Random(7)
    pieces = [*canonical, *synonyms, "x", "a", "m", "动", "车", "系统", " ", ",", "+", "."]
    for _ in range(2000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(1, 12)))
        # These pieces fold to themselves but for spaces, which collapse.
        assert normalize(text) == _flat_rewrite(canonical, " ".join(text.split())), text


def test_a_new_vocabulary_is_read_at_once_by_texts_normalised_before():
    """normalize remembers the texts it has read; a vocabulary change must not leave the old reading behind."""
    set_user_dictionary([], {"增材制造": ["3D打印"]})
    assert normalize("3D打印的支架") == "增材制造的支架"
    set_user_dictionary([], {})
    assert normalize("3D打印的支架") == "3d打印的支架"
    set_user_dictionary([], {"增材制造": ["3D打印"]})
    assert normalize("3D打印的支架") == "增材制造的支架"
