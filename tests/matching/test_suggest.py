"""The did-you-mean ranking: pinyin-equal words first, then pinyin-near (fuzzy pairs cheap), then a dropped
character, then character edit distance; an immutable vocabulary that round-trips through its saved form."""

from matching.suggest import Suggester, fuzzy, pinyin_distance, syllables

VOCABULARY = {
    "新能源汽车": 5,
    "新能源": 3,
    "汽车": 9,
    "转向架": 4,
    "转向": 2,
    "电池": 6,
    "动力电池": 3,
    "轻量化": 4,
}


def test_pinyin_equal_words_come_first():
    suggester = Suggester.build(VOCABULARY)
    assert suggester.suggest("新能原汽车")[0] == "新能源汽车"
    assert suggester.suggest("转像架")[0] == "转向架"
    assert suggester.suggest("轻量话") == ["轻量化"]


def test_fuzzy_pairs_are_near_and_a_dropped_character_finds_the_longer_word():
    assert fuzzy("zhang") == fuzzy("zan") and fuzzy("ling") == fuzzy("nin") and fuzzy("sheng") == fuzzy("sen")
    assert pinyin_distance(syllables("电池"), syllables("电词")) == 0.25  # chi / ci: a fuzzy pair
    suggester = Suggester.build(VOCABULARY)
    assert suggester.suggest("电词")[0] == "电池"
    assert suggester.suggest("新能汽车")[0] == "新能源汽车"
    assert suggester.suggest("转架")[0] == "转向架"


def test_a_known_word_or_a_far_one_gets_nothing():
    suggester = Suggester.build(VOCABULARY)
    assert suggester.suggest("电池") == [] and suggester.suggest("NEV新能源") == []
    assert suggester.suggest("人参皂苷") == [] and suggester.suggest("") == []


def test_the_saved_form_gives_the_same_suggestions(tmp_path):
    suggester = Suggester.build(VOCABULARY)
    suggester.save(tmp_path / "suggestions.json")
    loaded = Suggester.load(tmp_path / "suggestions.json")
    assert loaded == suggester
    assert loaded.suggest("新能原汽车") == suggester.suggest("新能原汽车")
