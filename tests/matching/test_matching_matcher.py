"""The matcher: each channel, the fusion, recommendation kinds, updates, persistence, bad input."""

import pytest

from matching import Listing, Matcher, MatcherConfig, Recommendation
from matching.vectorstore import VectorStore


def codes(recommendation):
    return {reason["code"] for reason in recommendation.reasons}


def first(results):
    return (results[0].target_type, results[0].target_id)


def assert_plausible_without_shared_words(results, k):
    """A need with no words in common with any listing still gets k ranked results, none claiming shared terms."""
    assert len(results) == k and all(r.target_type == "achievement" and 0 < r.score <= 1 for r in results)
    assert [r.score for r in results] == sorted((r.score for r in results), reverse=True)
    assert all("shared_terms" not in codes(r) for r in results)


def test_welding_need_gets_the_welding_achievement_first_with_reasons(matcher, need):
    results = matcher.recommend(need, "license", k=5)
    assert all(isinstance(r, Recommendation) for r in results)
    assert first(results) == ("achievement", 1)
    reasons = {r["code"]: r for r in results[0].reasons}
    assert {"焊接", "激光"} <= set(reasons["shared_terms"]["terms"])
    assert reasons["predicted_industry"]["industry"] == "automotive"
    assert 0 < results[0].score <= 1
    assert [r.score for r in results] == sorted((r.score for r in results), reverse=True)


@pytest.mark.parametrize("channel", ["lexical", "dense", "structured"])
def test_each_channel_alone_still_finds_the_welding_field(listings, need, channel):
    matcher = Matcher(MatcherConfig.from_mapping({"MATCH_CHANNELS": channel}))
    matcher.rebuild(listings)
    top = matcher.recommend(need, "license", k=3)
    assert top[0].target_id in (1, 2, 10)  # welding or automotive achievements
    if channel == "lexical":
        assert first(top) == ("achievement", 1)


def test_stated_industry_outranks_a_lexical_near_miss(matcher):
    # "焊接" is shared with the robot-welding achievement (equipment), but the firm says automotive.
    need = Listing(id=901, kind="need", title="焊接", text="焊接", industry="automotive")
    ranked = [r.target_id for r in matcher.recommend(need, "license", k=10)]
    assert ranked.index(1) < ranked.index(10)
    assert ranked.index(2) < ranked.index(3)
    assert "same_industry" in codes(matcher.recommend(need, "license", k=1)[0])


def test_classifier_predicts_the_field_of_a_need_that_states_none(matcher):
    probs, stated = matcher.industry_probabilities(
        Listing(id=1, kind="need", title="", text="锂电池正极材料循环寿命"))
    assert not stated and max(probs, key=probs.get) == "new_energy"
    assert sum(probs.values()) == pytest.approx(1.0, abs=1e-5)


def test_trl_fit_prefers_mature_technology_for_licensing_and_mid_for_incubation(matcher):
    base = {"kind": "achievement", "title": "涂层", "text": "耐磨涂层喷涂工艺", "industry": "equipment"}
    matcher.upsert([Listing(id=50, trl=9, **base), Listing(id=51, trl=2, **base), Listing(id=52, trl=6, **base)])
    query = Listing(id=902, kind="need", title="", text="耐磨涂层喷涂")
    license_order = [r.target_id for r in matcher.recommend(query, "license", k=3)]
    assert license_order.index(50) < license_order.index(51)
    incubation_order = [r.target_id for r in matcher.recommend(query, "incubation", k=5)
                        if r.target_type == "achievement"]
    assert incubation_order.index(52) < incubation_order.index(51)
    assert "trl_fit" in codes(matcher.recommend(query, "license", k=1)[0])


def test_budget_region_and_mode_reasons(matcher):
    base = {"kind": "achievement", "title": "喷涂机器人", "text": "汽车喷涂机器人轨迹规划", "industry": "automotive", "trl": 7}
    matcher.upsert([Listing(id=60, price=3e5, region="苏州", cooperation_modes=["license"], **base),
                    Listing(id=61, price=3e6, region="无锡", cooperation_modes=["joint"], **base)])
    query = Listing(id=903, kind="need", title="", text="汽车喷涂机器人", budget_max=5e5, region="苏州",
                    cooperation_modes=["license"])
    ranked = matcher.recommend(query, "license", k=5)
    ids = [r.target_id for r in ranked]
    assert ids.index(60) < ids.index(61)
    cheap = next(r for r in ranked if r.target_id == 60)
    assert {"budget_fit", "same_region", "mode_match"} <= codes(cheap)


def test_commission_incubation_and_needs_target_the_right_kinds(matcher, need):
    commission = matcher.recommend(need, "commission", k=10)
    assert {r.target_type for r in commission} <= {"center", "service"}
    assert first(commission) in {("center", 101), ("service", 201)}
    incubation = matcher.recommend(need, "incubation", k=20)
    assert ("center", 101) not in {(r.target_type, r.target_id) for r in incubation}  # does not incubate
    assert ("center", 102) in {(r.target_type, r.target_id) for r in incubation}
    achievement = Listing(id=8, kind="achievement", title="功能性纤维抗菌整理", text="纺织纤维银离子抗菌整理技术，耐洗涤。")
    assert first(matcher.recommend(achievement, "needs", k=3)) == ("need", 302)


def test_unknown_recommendation_kind_is_a_value_error(matcher, need):
    with pytest.raises(ValueError, match="Unknown recommendation kind"):
        matcher.recommend(need, "mentoring")


def test_exclude_and_the_query_itself_are_never_recommended(matcher, need):
    results = matcher.recommend(need, "license", k=10, exclude={("achievement", 1)})
    assert 1 not in [r.target_id for r in results]
    own = Listing(id=1, kind="achievement", title="车身激光焊接工艺", text="高强钢车身激光焊接工艺")
    assert ("need", 1) not in {(r.target_type, r.target_id) for r in matcher.recommend(own, "needs")}


def test_upsert_and_remove_change_results_without_rebuild(matcher, need):
    better = Listing(id=77, kind="achievement", title="车身激光焊接变形控制",
                     text="汽车车身激光焊接变形控制工艺，减少焊接变形。", industry="automotive", trl=8)
    matcher.upsert([better])
    assert first(matcher.recommend(need, "license")) == ("achievement", 77)
    matcher.upsert([Listing(id=77, kind="achievement", title="纺织染色", text="棉织物活性染料染色")])
    assert first(matcher.recommend(need, "license")) == ("achievement", 1)
    matcher.remove("achievement", [1, 77])
    ids = [r.target_id for r in matcher.recommend(need, "license", k=20)]
    assert 1 not in ids and 77 not in ids
    assert matcher.counts() == {"need": 2, "achievement": 9, "service": 2, "center": 2}
    with pytest.raises(ValueError, match="listing kind"):
        matcher.remove("patent", [1])


def test_empty_need_gets_structured_results_not_a_crash(matcher):
    empty = Listing(id=904, kind="need", title="", text="", industry="textiles")
    results = matcher.recommend(empty, "license", k=3)
    assert results and {r.target_id for r in results[:2]} == {7, 8}
    blank = matcher.recommend(Listing(id=905, kind="need", title="", text="   "), "license", k=3)
    assert_plausible_without_shared_words(blank, 3)


def test_huge_and_foreign_descriptions_are_handled(matcher):
    huge = Listing(id=906, kind="need", title="激光焊接", text="车身激光焊接变形控制。" * 10000)
    assert len(huge.text) > 100_000
    # How long this takes is measured by `python -m matching.bench_inputs`, not asserted on a shared machine.
    assert first(matcher.recommend(huge, "license")) == ("achievement", 1)
    for text in ("لحام الليزر لهياكل السيارات", "лазерная сварка кузова автомобиля", "🙂🙂 ¿¡ ♞"):
        results = matcher.recommend(Listing(id=907, kind="need", title="", text=text), "license", k=5)
        assert_plausible_without_shared_words(results, 5)
    matcher.upsert([Listing(id=908, kind="achievement", title="Лазерная сварка", text="сварка кузова")])
    russian = Listing(id=909, kind="need", title="", text="сварка кузова")
    assert first(matcher.recommend(russian, "license")) == ("achievement", 908)


def test_save_load_round_trip_keeps_results(tmp_path, listings, need):
    matcher = Matcher(MatcherConfig(), tmp_path / "store")
    matcher.rebuild(listings)
    matcher.save()
    matcher.save()  # a second save replaces the first generation
    assert len(list((tmp_path / "store").glob("gen-*"))) == 1
    loaded = Matcher.load(MatcherConfig(), tmp_path / "store")
    assert loaded.counts() == matcher.counts()
    before = [(r.target_id, r.score) for r in matcher.recommend(need, "license")]
    assert [(r.target_id, r.score) for r in loaded.recommend(need, "license")] == before
    loaded.upsert([Listing(id=99, kind="center", title="焊接中心", text="焊接")])
    assert loaded.counts()["center"] == 3


def test_load_refuses_missing_or_mismatched_stores(tmp_path, listings):
    with pytest.raises(FileNotFoundError, match="rebuild"):
        Matcher.load(MatcherConfig(), tmp_path / "nothing")
    matcher = Matcher(MatcherConfig(), tmp_path / "store")
    matcher.rebuild(listings)
    matcher.save()
    with pytest.raises(ValueError, match="encoders"):
        Matcher.load(MatcherConfig.from_mapping({"MATCH_ENCODERS": "lsa,st"}), tmp_path / "store")
    generation = (tmp_path / "store" / "CURRENT").read_text()
    VectorStore(3).save(tmp_path / "store" / generation / "vectors-lsa-achievement.faiss")
    with pytest.raises(ValueError, match="dimension 3"):
        Matcher.load(MatcherConfig(), tmp_path / "store")
    (tmp_path / "store" / generation / "state.pkl").unlink()
    with pytest.raises(FileNotFoundError, match="incomplete"):
        Matcher.load(MatcherConfig(), tmp_path / "store")
    with pytest.raises(ValueError, match="no store_dir"):
        Matcher(MatcherConfig()).save()


def test_config_from_mapping_defaults_and_errors():
    config = MatcherConfig.from_mapping({})
    assert config.encoders == ("lsa",) and config.model is None and config.exact_limit > 1000
    assert MatcherConfig.from_mapping({"MATCH_ENCODERS": "lsa, st", "MATCH_EXACT_LIMIT": "500"}).exact_limit == 500
    for bad in ({"MATCH_ENCODERS": "lsa,bert"}, {"MATCH_EXACT_LIMIT": "many"}, {"MATCH_EXACT_LIMIT": 0},
                {"MATCH_MODEL": "/no/such/model"}, {"MATCH_CHANNELS": "lexical,magic"}):
        with pytest.raises(ValueError):
            MatcherConfig.from_mapping(bad)
