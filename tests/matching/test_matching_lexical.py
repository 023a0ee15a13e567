"""The lexical channel on needs written as paragraphs: title channel, genre words, repetition, score range."""

import pytest

from matching import MatchItem
from matching.lexical import LexicalIndex

TITLES = [
    "车身激光焊接工艺",
    "汽车车身轻量化设计",
    "锂电池正极材料包覆",
    "注塑模具设计",
    "纺织品数码印花",
    "企业技术需求管理系统",
    "数控机床热误差补偿",
    "汽车座椅舒适性评价",
    "注塑件表面缺陷检测",
]


@pytest.fixture
def index():
    built = LexicalIndex()
    built.upsert(list(range(1, len(TITLES) + 1)), TITLES)
    return built


def scores_of(index, text, title=None):
    ids, scores = index.score_all(text, title=title)
    return dict(zip(ids.tolist(), scores.tolist(), strict=True))


def test_the_title_channel_finds_the_listing_named_like_the_need(index):
    title = "激光焊接变形控制"
    text = "我公司生产汽车车身和汽车座椅，汽车车身结构复杂，汽车车身轻量化以后焊接变形大。"
    without = scores_of(index, f"{title}\n{text}")
    with_title = scores_of(index, f"{title}\n{text}", title=title)
    assert max(without, key=without.get) == 2
    assert max(with_title, key=with_title.get) == 1


def test_a_title_equal_to_the_text_adds_no_channel(index):
    assert scores_of(index, "注塑模具设计", title="注塑模具设计") == scores_of(index, "注塑模具设计")


def test_the_words_every_need_uses_match_nothing(index):
    # A posted need (it has a title) is read without the words every need uses ...
    scores = scores_of(index, "企业技术需求：要求解决注塑模具设计问题", title="注塑模具技术需求")
    assert max(scores, key=scores.get) == 4
    assert scores[6] == 0.0
    # ... while a bare phrase someone typed keeps every word it chose.
    assert scores_of(index, "企业技术需求：要求解决注塑模具设计问题")[6] > 0.0
    assert index.top_terms("企业技术需求：要求解决注塑模具设计问题") == ["注塑", "模具设计"]


def test_what_the_need_repeats_weighs_more(index):
    scores = scores_of(index, "注塑件表面质量差，注塑件有缺陷，注塑件需要检测；另有模具设计")
    assert max(scores, key=scores.get) == 9
    assert scores[9] > scores[4] > 0


def test_a_need_longer_than_any_listing_still_gives_its_subject_a_strong_score(index):
    # Measured against every term of the paragraph, the listing that names its subject would score 0.23.
    text = (
        "注塑件表面缺陷检测，" * 3
        + "另外也关心锂电池材料、纺织品印花、数控机床误差、汽车座椅评价和轻量化设计。"
    )
    scores = scores_of(index, text)
    assert scores[9] > 0.4
    assert scores[9] > 4 * max(s for i, s in scores.items() if i != 9)
    assert all(0.0 <= s <= 1.0 for s in scores.values())


def test_score_ids_agrees_with_score_all(index):
    text = "汽车车身激光焊接，车身焊接变形"
    ids, scores = index.score_all(text)
    assert index.score_ids(text, ids.tolist()) == pytest.approx(scores.tolist(), abs=1e-6)


def test_empty_index_and_unknown_words():
    empty = LexicalIndex()
    ids, scores = empty.score_all("注塑", title="模具")
    assert len(ids) == 0 and len(scores) == 0
    index = LexicalIndex()
    index.upsert([1], ["注塑模具"])
    assert scores_of(index, "xyz", title="需求") == {1: 0.0}


def test_the_matcher_reads_a_need_title_as_its_own_channel(matcher):
    text = (
        "我公司焊接生产线自动化程度低，人工焊接质量不稳定，焊接变形大，汽车车身焊接返修多，需要提高焊接质量。"
    )
    titled = MatchItem(id=900, kind="need", title="机器人焊缝跟踪", text=text)
    untitled = MatchItem(id=900, kind="need", title="", text=titled.full_text)
    rank_of_robot = lambda need: [r.target_id for r in matcher.recommend(need, "license", k=10)].index(10)  # noqa: E731
    assert rank_of_robot(titled) < rank_of_robot(untitled)
    # The feedback ranker's features read the title the same way.
    robot = [matcher.listing("achievement", 10)]
    assert matcher.features(titled, robot)[0, 0] > matcher.features(untitled, robot)[0, 0]


def test_channel_building_blocks_compose_to_score_all(index):
    # Rows kept outside the compiled matrix (a write delta) are scored through these same steps.
    channels = index.query_channels("汽车车身焊接变形大，焊接返修多", title="激光焊接")
    assert len(channels) == 2
    raw = index.channel_scores(channels)
    assert raw.shape == (len(TITLES), 2)
    assert index.fuse_channels(raw, channels).tolist() == pytest.approx(
        index.score_all("汽车车身焊接变形大，焊接返修多", title="激光焊接")[1].tolist()
    )
    assert index.query_channels("xyz") == []
