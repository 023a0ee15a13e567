"""The matcher: each channel, the fusion, recommendation kinds, updates, persistence, bad input."""

import errno
import json
from pathlib import Path

import pytest

from matching import Matcher, MatcherConfig, MatchItem, Recommendation, persistence
from matching.persistence import WriterLock
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
    need = MatchItem(id=901, kind="need", title="焊接", text="焊接", industry="automotive")
    ranked = [r.target_id for r in matcher.recommend(need, "license", k=10)]
    assert ranked.index(1) < ranked.index(10)
    assert ranked.index(2) < ranked.index(3)
    assert "same_industry" in codes(matcher.recommend(need, "license", k=1)[0])


def test_classifier_predicts_the_field_of_a_need_that_states_none(matcher):
    probs, stated = matcher.industry_probabilities(
        MatchItem(id=1, kind="need", title="", text="锂电池正极材料循环寿命")
    )
    assert not stated and max(probs, key=probs.get) == "new_energy"
    assert sum(probs.values()) == pytest.approx(1.0, abs=1e-5)


def test_trl_fit_prefers_mature_technology_for_licensing(matcher):
    base = {"kind": "achievement", "title": "涂层", "text": "耐磨涂层喷涂工艺", "industry": "equipment"}
    matcher = matcher.with_changes(
        [MatchItem(id=50, trl=9, **base), MatchItem(id=51, trl=2, **base), MatchItem(id=52, trl=6, **base)]
    )
    query = MatchItem(id=902, kind="need", title="", text="耐磨涂层喷涂")
    license_order = [r.target_id for r in matcher.recommend(query, "license", k=3)]
    assert license_order.index(50) < license_order.index(51)
    assert "trl_fit" in codes(matcher.recommend(query, "license", k=1)[0])


def test_budget_region_and_mode_reasons(matcher):
    base = {
        "kind": "achievement",
        "title": "喷涂机器人",
        "text": "汽车喷涂机器人轨迹规划",
        "industry": "automotive",
        "trl": 7,
    }
    matcher = matcher.with_changes(
        [
            MatchItem(id=60, price=3e5, region="苏州", cooperation_modes=["license"], **base),
            MatchItem(id=61, price=3e6, region="无锡", cooperation_modes=["joint"], **base),
        ]
    )
    query = MatchItem(
        id=903,
        kind="need",
        title="",
        text="汽车喷涂机器人",
        budget_max=5e5,
        region="苏州",
        cooperation_modes=["license"],
    )
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
    achievement = MatchItem(
        id=8, kind="achievement", title="功能性纤维抗菌整理", text="纺织纤维银离子抗菌整理技术，耐洗涤。"
    )
    assert first(matcher.recommend(achievement, "needs", k=3)) == ("need", 302)


def test_unknown_recommendation_kind_is_a_value_error(matcher, need):
    with pytest.raises(ValueError, match="Unknown recommendation kind"):
        matcher.recommend(need, "mentoring")


def test_exclude_and_the_query_itself_are_never_recommended(matcher, need):
    results = matcher.recommend(need, "license", k=10, exclude={("achievement", 1)})
    assert 1 not in [r.target_id for r in results]
    own = MatchItem(id=1, kind="achievement", title="车身激光焊接工艺", text="高强钢车身激光焊接工艺")
    assert ("need", 1) not in {(r.target_type, r.target_id) for r in matcher.recommend(own, "needs")}


def test_upsert_and_remove_change_results_without_rebuild(matcher, need):
    better = MatchItem(
        id=77,
        kind="achievement",
        title="车身激光焊接变形控制",
        text="汽车车身激光焊接变形控制工艺，减少焊接变形。",
        industry="automotive",
        trl=8,
    )
    matcher = matcher.with_changes([better])
    assert first(matcher.recommend(need, "license")) == ("achievement", 77)
    matcher = matcher.with_changes(
        [MatchItem(id=77, kind="achievement", title="纺织染色", text="棉织物活性染料染色")]
    )
    assert first(matcher.recommend(need, "license")) == ("achievement", 1)
    matcher = matcher.with_changes(removals={"achievement": [1, 77]})
    ids = [r.target_id for r in matcher.recommend(need, "license", k=20)]
    assert 1 not in ids and 77 not in ids
    assert matcher.counts() == {
        "need": 2,
        "achievement": 9,
        "service": 2,
        "instrument": 0,
        "financing": 0,
        "finance_product": 0,
        "center": 2,
    }
    with pytest.raises(ValueError, match="listing kind"):
        matcher.with_changes(removals={"patent": [1]})


def test_empty_need_gets_structured_results_not_a_crash(matcher):
    empty = MatchItem(id=904, kind="need", title="", text="", industry="textiles")
    results = matcher.recommend(empty, "license", k=3)
    assert results and {r.target_id for r in results[:2]} == {7, 8}
    blank = matcher.recommend(MatchItem(id=905, kind="need", title="", text="   "), "license", k=3)
    assert_plausible_without_shared_words(blank, 3)


def test_huge_and_foreign_descriptions_are_handled(matcher):
    huge = MatchItem(id=906, kind="need", title="激光焊接", text="车身激光焊接变形控制。" * 10000)
    assert len(huge.text) > 100_000
    # How long this takes is measured by `python -m matching.bench_inputs`, not asserted on a shared machine.
    assert first(matcher.recommend(huge, "license")) == ("achievement", 1)
    for text in ("لحام الليزر لهياكل السيارات", "лазерная сварка кузова автомобиля", "🙂🙂 ¿¡ ♞"):
        results = matcher.recommend(MatchItem(id=907, kind="need", title="", text=text), "license", k=5)
        assert_plausible_without_shared_words(results, 5)
    matcher = matcher.with_changes(
        [MatchItem(id=908, kind="achievement", title="Лазерная сварка", text="сварка кузова")]
    )
    russian = MatchItem(id=909, kind="need", title="", text="сварка кузова")
    assert first(matcher.recommend(russian, "license")) == ("achievement", 908)


def test_save_load_round_trip_keeps_results_and_pending_changes(tmp_path, matcher, need):
    store, lock = tmp_path / "store", WriterLock(tmp_path / "store")
    assert lock.acquire()
    changed = matcher.with_changes([MatchItem(id=99, kind="center", title="焊接中心", text="焊接")])
    persistence.save(changed, store, cursor=41, lock=lock)
    persistence.save(changed, store, cursor=42, lock=lock)  # a second save replaces the first generation
    assert len(list(store.glob("gen-*"))) == 1
    loaded, manifest, pin = persistence.load(MatcherConfig(), store)
    pin.release()
    assert manifest["cursor"] == 42 and loaded.counts() == changed.counts()
    before = [(r.target_id, r.score) for r in changed.recommend(need, "commission")]
    assert [(r.target_id, r.score) for r in loaded.recommend(need, "commission")] == before


def test_clean_up_never_deletes_a_generation_another_reader_pinned(tmp_path, matcher):
    store, lock = tmp_path / "store", WriterLock(tmp_path / "store")
    assert lock.acquire()
    first_generation = persistence.save(matcher, store, lock=lock)
    _loaded, _manifest, pin = persistence.load(MatcherConfig(), store)
    persistence.save(matcher, store, lock=lock)
    assert (store / first_generation).is_dir()  # still being read
    pin.release()
    newest = persistence.save(matcher, store, lock=lock)
    assert [p.name for p in store.glob("gen-*")] == [newest]


def test_a_failed_save_keeps_the_last_generation_and_leaves_nothing_behind(tmp_path, matcher, monkeypatch):
    store, lock = tmp_path / "store", WriterLock(tmp_path / "store")
    assert lock.acquire()
    good = persistence.save(matcher, store, cursor=7, lock=lock)

    def disk_full(*_args, **_kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(persistence.pickle, "dump", disk_full)
    with pytest.raises(OSError, match="No space left"):
        persistence.save(matcher, store, cursor=8, lock=lock)
    assert persistence.current_generation(store) == good
    assert sorted(p.name for p in store.iterdir()) == ["CURRENT", good, "writer.lock"]
    monkeypatch.undo()
    _loaded, manifest, pin = persistence.load(MatcherConfig(), store)
    pin.release()
    assert manifest["cursor"] == 7
    assert persistence.save(matcher, store, cursor=8, lock=lock) != good


def test_one_writer_per_store_folder(tmp_path, matcher):
    first_lock, second_lock = WriterLock(tmp_path / "store"), WriterLock(tmp_path / "store")
    assert first_lock.acquire() and not second_lock.acquire()
    with pytest.raises(ValueError, match="Only the process holding"):
        persistence.save(matcher, tmp_path / "store", lock=second_lock)
    first_lock.release()
    assert second_lock.acquire()
    second_lock.release()


def test_load_refuses_missing_or_mismatched_stores(tmp_path, matcher):
    with pytest.raises(FileNotFoundError, match="rebuild"):
        persistence.load(MatcherConfig(), tmp_path / "nothing")
    lock = WriterLock(tmp_path / "store")
    assert lock.acquire()
    generation = persistence.save(matcher, tmp_path / "store", lock=lock)
    with pytest.raises(ValueError, match="encoders"):
        persistence.load(MatcherConfig.from_mapping({"MATCH_ENCODERS": "lsa,st"}), tmp_path / "store")
    VectorStore(3).save(tmp_path / "store" / generation / "vectors-lsa-achievement.faiss")
    with pytest.raises(ValueError, match="dimension 3"):
        persistence.load(MatcherConfig(), tmp_path / "store")
    (tmp_path / "store" / generation / "state.pkl").unlink()
    with pytest.raises(FileNotFoundError, match="incomplete"):
        persistence.load(MatcherConfig(), tmp_path / "store")


def test_config_from_mapping_defaults_and_errors():
    config = MatcherConfig.from_mapping({})
    assert config.encoders == ("lsa",) and config.model is None and config.exact_limit > 1000
    assert (
        MatcherConfig.from_mapping({"MATCH_ENCODERS": "lsa, st", "MATCH_EXACT_LIMIT": "500"}).exact_limit
        == 500
    )
    for bad in (
        {"MATCH_ENCODERS": "lsa,bert"},
        {"MATCH_EXACT_LIMIT": "many"},
        {"MATCH_EXACT_LIMIT": 0},
        {"MATCH_MODEL": "/no/such/model"},
        {"MATCH_CHANNELS": "lexical,magic"},
    ):
        with pytest.raises(ValueError):
            MatcherConfig.from_mapping(bad)


def test_each_recommendation_kind_serves_its_own_purpose(listings, need):
    incubator = MatchItem(
        id=203,
        kind="service",
        title="汽车零部件企业孵化服务",
        industry="automotive",
        text="为汽车零部件初创企业提供场地、中试和融资对接的孵化服务。",
        cooperation_modes=["incubation"],
        offers_incubation=True,
    )
    matcher = Matcher(MatcherConfig()).rebuild([*listings, incubator])
    lists = {
        rec_kind: matcher.recommend(need, rec_kind, k=10)
        for rec_kind in ("commission", "license", "incubation")
    }
    assert {r.target_type for r in lists["license"]} == {"achievement"}
    assert {r.target_type for r in lists["commission"]} <= {"center", "service"}
    # Incubation lists incubators only, the field's own first, and says why.
    assert [(r.target_type, r.target_id) for r in lists["incubation"]] == [("service", 203), ("center", 102)]
    assert "offers_incubation" in codes(lists["incubation"][0])
    assert "same_industry" in codes(lists["incubation"][0]) or "predicted_industry" in codes(
        lists["incubation"][0]
    )
    as_sets = [frozenset((r.target_type, r.target_id) for r in results) for results in lists.values()]
    assert len(set(as_sets)) == 3 and not (as_sets[1] & as_sets[2])
    battery = MatchItem(
        id=3,
        kind="achievement",
        title="锂电池正极材料包覆技术",
        industry="new_energy",
        text="高镍三元正极材料表面包覆改性，提升锂电池循环寿命和安全性。",
    )
    assert first(matcher.recommend(battery, "incubation")) == ("center", 102)
    assert {r.target_type for r in matcher.recommend(battery, "needs")} == {"need"}


def demo_listings():
    """The demo marketplace's needs (public summary only) and achievements, as the app indexes them."""
    folder = Path(__file__).resolve().parents[2] / "app" / "data" / "demo"
    needs = json.loads((folder / "needs.json").read_text(encoding="utf-8"))
    achievements = json.loads((folder / "achievements.json").read_text(encoding="utf-8"))
    return [
        MatchItem(
            id=i,
            kind="need",
            title=x["title"],
            text=x["summary"],
            industry=x.get("industry"),
            cooperation_modes=x.get("cooperation_modes", []),
        )
        for i, x in enumerate(needs, 1)
    ] + [
        MatchItem(
            id=i,
            kind="achievement",
            title=x["title"],
            text=x["description"],
            industry=x.get("industry"),
            trl=x.get("trl"),
            cooperation_modes=x.get("cooperation_modes", []),
        )
        for i, x in enumerate(achievements, 1)
    ]


def test_strong_lexical_evidence_survives_an_industry_mismatch():
    items = demo_listings()
    matcher = Matcher(MatcherConfig()).rebuild(items)
    cleaning = next(
        i for i in items if i.kind == "achievement" and i.title.startswith("铝合金焊前脉冲激光清洗")
    )
    assert cleaning.industry == "optoelectronics"
    titles = [matcher.listing("need", r.target_id).title for r in matcher.recommend(cleaning, "needs", k=20)]
    welding, hud = "铝合金车身激光焊接气孔缺陷控制技术开发", "增强现实抬头显示光学系统设计与杂散光抑制"
    assert welding in titles[:5]  # it ranked 11th when the industry prior ruled
    assert hud not in titles or titles.index(welding) < titles.index(hud)


def test_reasons_and_the_field_vote_skip_filler_numbers_and_single_characters(matcher):
    filler = MatchItem(
        id=910, kind="need", title="中心 高校 3 内", text="中心 高校 技术 需求 3 内 的 车身激光焊接"
    )
    for rec_kind in ("license", "commission"):
        for rec in matcher.recommend(filler, rec_kind, k=10):
            for reason in rec.reasons:
                for term in reason.get("terms", []):
                    assert len(term) > 1 and term not in {"中心", "高校", "技术", "需求", "3", "内"}
    only_filler = MatchItem(id=911, kind="need", title="", text="中心 高校 技术 需求 3 内")
    index = matcher.kinds["achievement"]
    hits = index.lexical_hits(only_filler.full_text)
    assert hits.scores.max() > 0  # the filler does match listings lexically...
    assert matcher._evidence(only_filler, index, {}, False, hits).probs == {}  # ...but casts no vote


def test_changes_since_the_last_compaction_rank_as_a_compacted_index_does(matcher, need):
    changed = matcher.with_changes(
        [
            MatchItem(
                id=77,
                kind="achievement",
                title="车身激光焊接变形控制",
                text="汽车车身激光焊接变形控制工艺，减少焊接变形。",
                industry="automotive",
                trl=8,
            ),
            MatchItem(
                id=2,
                kind="achievement",
                title="激光焊接夹具",
                text="车身激光焊接柔性夹具",
                industry="automotive",
            ),
            MatchItem(id=78, kind="achievement", title="全新名词钛铌锆焊丝", text="钛铌锆焊丝激光焊接"),
        ],
        removals={"achievement": [9]},
    )
    assert len(changed.kinds["achievement"].delta) == 3
    compacted = changed.compacted()
    assert not len(compacted.kinds["achievement"].delta)
    # The delta is scored with the base's corpus statistics, so only weak near-ties may come out otherwise.
    for query, agreeing in ((need, 3), (MatchItem(id=912, kind="need", title="", text="钛铌锆焊丝"), 2)):
        delta_order = [r.target_id for r in changed.recommend(query, "license", k=8)]
        assert (
            delta_order[:agreeing]
            == [r.target_id for r in compacted.recommend(query, "license", k=8)][:agreeing]
        )
        assert 9 not in delta_order
    novel = changed.recommend(MatchItem(id=913, kind="need", title="", text="钛铌锆焊丝"), "license")
    assert first(novel) == ("achievement", 78) and {"钛铌锆", "焊丝"} & set(novel[0].reasons[0]["terms"])


def test_a_published_snapshot_never_changes(matcher, need):
    before = [(r.target_id, r.score) for r in matcher.recommend(need, "license")]
    matcher.with_changes(
        [MatchItem(id=1, kind="achievement", title="纺织染色", text="棉织物活性染料染色")],
        removals={"achievement": [2]},
    )
    assert [(r.target_id, r.score) for r in matcher.recommend(need, "license")] == before


def test_every_feature_is_computed_weighed_and_named_once():
    from matching.matcher import CANDIDATE_FEATURES
    from matching.schema import FEATURE_NAMES, FEATURE_SPECS, Feature

    scored = set(Feature) - {Feature.FUSED}
    assert set(CANDIDATE_FEATURES) == scored and set(FEATURE_SPECS) == scored
    assert FEATURE_NAMES[-1] == "fused" and len(set(FEATURE_NAMES)) == len(Feature)


def test_clean_up_leaves_a_generation_that_is_still_being_written(tmp_path):
    # Two saves at once in one process: the one that finishes first must not delete the other's folder.
    in_progress = tmp_path / "gen-1-1"
    in_progress.mkdir()
    (in_progress / persistence.READER_LOCK).touch()
    finished = tmp_path / "gen-2-1"
    finished.mkdir()
    (finished / persistence.READER_LOCK).touch()
    (finished / "manifest.json").write_text("{}")
    assert persistence.remove_old_generations(tmp_path, keep="gen-3-1") == ["gen-2-1"]
    assert in_progress.exists() and not finished.exists()


def test_several_kinds_at_once_are_each_what_they_are_asked_alone(matcher, need):
    """A need's page shows its commission, license and incubation panels from one reading of the need."""
    kinds = ("commission", "license", "incubation")
    together = matcher.recommend_kinds(need, kinds, k=5, exclude={("service", 2)})
    assert list(together) == list(kinds)
    for kind in kinds:
        assert together[kind] == matcher.recommend(need, kind, k=5, exclude={("service", 2)})
    assert together["license"] and together["commission"]
    with pytest.raises(ValueError):
        matcher.recommend_kinds(need, ("license", "gift"))
