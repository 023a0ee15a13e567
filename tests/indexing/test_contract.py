"""One contract, every backend: each subclass only says how to build its backend."""

import pytest

from indexing import SearchQuery, make_backend

T0 = 1_700_000_000.0


def listing(doc_id, title, body, **fields):
    """A search document shaped exactly as the app sends it."""
    entity_type, _, entity_id = doc_id.rpartition("-")
    doc = {
        "id": doc_id,
        "type": entity_type,
        "entity_id": int(entity_id),
        "title": title,
        "body": body,
        "industry": None,
        "cooperation_modes": [],
        "trl": None,
        "region": None,
        "status": "published",
        "org_name": "",
        "updated_at": T0,
    }
    doc.update(fields)
    return doc


DOCS = [
    listing(
        "need-1",
        "高功率激光焊接工艺开发",
        "车身铝合金部件需要激光焊接工艺，要求焊缝强度高、变形小。",
        industry="汽车制造",
        cooperation_modes=["commission", "joint"],
        trl=4,
        region="武汉",
        org_name="东风零部件公司",
        updated_at=T0 + 10,
    ),
    listing(
        "need-2",
        "动力电池热失控预警",
        "动力电池包的热管理与热失控预警，电池极耳焊接质量在线检测。",
        industry="新能源",
        cooperation_modes=["commission"],
        trl=3,
        region="武汉",
        org_name="某电池企业",
        updated_at=T0 + 20,
    ),
    listing(
        "achievement-1",
        "Laser welding of aluminum alloys",
        "A process patent for laser welding thin aluminum sheets with low distortion.",
        industry="汽车制造",
        cooperation_modes=["license", "transfer"],
        trl=7,
        region="上海",
        org_name="Huazhong Institute",
        updated_at=T0 + 30,
    ),
    listing(
        "achievement-2",
        "固态电解质材料",
        "一种硫化物固态电解质及其制备方法，已获发明专利。",
        industry="新能源",
        cooperation_modes=["license"],
        trl=5,
        region="深圳",
        org_name="某大学",
        updated_at=T0 + 40,
    ),
    listing(
        "service-1",
        "检验检测与计量校准服务",
        "为企业提供材料检测、计量校准和标准制定服务 <b>CNAS</b> 认可。",
        cooperation_modes=["service"],
        region="武汉",
        org_name="计量检测中心",
        updated_at=T0 + 50,
    ),
    listing(
        "center-1",
        "智能制造创新中心",
        "聚焦工业机器人、数字孪生与智能产线，开放中试平台。",
        industry="智能制造",
        cooperation_modes=["incubation", "commission"],
        region="武汉",
        org_name="市智能制造创新中心",
        updated_at=T0 + 60,
    ),
    listing(
        "need-3",
        "工业机器人视觉定位",
        "需要机器人视觉引导的抓取定位方案。",
        industry="智能制造",
        cooperation_modes=["joint"],
        trl=6,
        region="襄阳",
        status="draft",
        org_name="襄阳机械厂",
        updated_at=T0 + 70,
    ),
]
ALL_IDS = {d["id"] for d in DOCS}


def ids(result):
    return [h["id"] for h in result.hits]


class SearchBackendContract:
    """Behaviour every SearchBackend must show; subclasses provide a ``backend`` fixture."""

    @pytest.fixture
    def backend(self):
        raise NotImplementedError

    @pytest.fixture
    def loaded(self, backend):
        backend.upsert(DOCS)
        return backend

    def test_chinese_word_finds_the_right_listing(self, loaded):
        result = loaded.search(SearchQuery(text="激光焊接"))
        assert ids(result)[0] == "need-1"
        assert "need-2" not in ids(result)

    def test_chinese_single_word(self, loaded):
        assert set(ids(loaded.search(SearchQuery(text="固态电解质")))) == {"achievement-2"}
        assert "need-2" in ids(loaded.search(SearchQuery(text="热失控")))

    def test_english_search_ignores_case(self, loaded):
        assert ids(loaded.search(SearchQuery(text="aluminum")))[0] == "achievement-1"
        assert ids(loaded.search(SearchQuery(text="ALUMINUM Welding")))[0] == "achievement-1"

    def test_org_name_is_searchable(self, loaded):
        assert "achievement-1" in ids(loaded.search(SearchQuery(text="Huazhong")))

    def test_title_outranks_body(self, loaded):
        # "检测" is in service-1's title and only in need-2's body.
        assert ids(loaded.search(SearchQuery(text="检测")))[0] == "service-1"

    @pytest.mark.parametrize(
        ("kwargs", "expected"),
        [
            ({"type": "need"}, {"need-1", "need-2", "need-3"}),
            ({"filters": {"industry": "新能源"}}, {"need-2", "achievement-2"}),
            (
                {"filters": {"industry": ["新能源", "智能制造"]}},
                {"need-2", "achievement-2", "center-1", "need-3"},
            ),
            (
                {"filters": {"cooperation_modes": ["license", "incubation"]}},
                {"achievement-1", "achievement-2", "center-1"},
            ),
            ({"filters": {"trl_min": 5}}, {"achievement-1", "achievement-2", "need-3"}),
            (
                {"filters": {"region": "武汉", "status": "published"}},
                {"need-1", "need-2", "service-1", "center-1"},
            ),
            ({"type": "need", "filters": {"cooperation_modes": "commission", "trl_min": 4}}, {"need-1"}),
            ({"text": "固态", "filters": {"industry": None, "region": "深圳"}}, {"achievement-2"}),
        ],
    )
    def test_filters(self, loaded, kwargs, expected):
        result = loaded.search(SearchQuery(per_page=50, **kwargs))
        assert set(ids(result)) == expected
        assert result.total == len(expected)

    def test_facet_counts_over_the_filtered_set(self, loaded):
        result = loaded.search(
            SearchQuery(facets=["type", "cooperation_modes", "region", "industry", "status"])
        )
        assert result.facets["type"] == {"need": 3, "achievement": 2, "service": 1, "center": 1}
        assert result.facets["cooperation_modes"] == {
            "commission": 3,
            "joint": 2,
            "license": 2,
            "transfer": 1,
            "service": 1,
            "incubation": 1,
        }
        assert result.facets["region"] == {"武汉": 4, "上海": 1, "深圳": 1, "襄阳": 1}
        assert result.facets["status"] == {"published": 6, "draft": 1}
        # Listings without an industry are not counted under any value.
        assert sum(result.facets["industry"].values()) == 6
        narrowed = loaded.search(SearchQuery(filters={"region": "武汉"}, facets=["type"]))
        assert narrowed.facets == {"type": {"need": 2, "service": 1, "center": 1}}

    def test_pagination_partitions_the_results(self, loaded):
        pages = [loaded.search(SearchQuery(page=p, per_page=3)) for p in (1, 2, 3, 4)]
        assert [len(p.hits) for p in pages] == [3, 3, 1, 0]
        assert {p.total for p in pages} == {len(DOCS)}
        seen = [i for p in pages for i in ids(p)]
        assert len(seen) == len(set(seen)) and set(seen) == ALL_IDS

    def test_empty_query_browses_newest_first(self, loaded):
        result = loaded.search(SearchQuery(per_page=50))
        assert ids(result) == [d["id"] for d in sorted(DOCS, key=lambda d: -d["updated_at"])]
        assert result.total == loaded.count() == len(DOCS)

    def test_sort_by_updated_at_with_text(self, loaded):
        assert ids(loaded.search(SearchQuery(text="焊接"))) == ["need-1", "need-2"]
        assert ids(loaded.search(SearchQuery(text="焊接", sort="updated_at"))) == ["need-2", "need-1"]

    @pytest.mark.parametrize(
        ("sort", "text", "expected"),
        [
            # Soonest deadline first; listings without one last, newest first among them.
            ("deadline", "", ["need-2", "need-1", "center-1", "service-1", "achievement-2", "achievement-1"]),
            ("money", "", ["achievement-2", "need-1", "need-2", "center-1", "service-1", "achievement-1"]),
            ("trl", "", ["achievement-1", "achievement-2", "need-1", "need-2", "center-1", "service-1"]),
            ("money", "焊接", ["need-1", "need-2"]),
        ],
    )
    def test_sort_orders(self, backend, sort, text, expected):
        docs = [dict(d) for d in DOCS if d["status"] == "published"]
        extra = {
            "need-1": {"deadline": T0 + 500, "money": 800_000},
            "need-2": {"deadline": T0 + 100, "money": 300_000},
            "achievement-2": {"money": 2_000_000},
            "achievement-1": {"money": None},
        }
        for doc in docs:
            doc.update(extra.get(doc["id"], {}))
        backend.upsert(docs)
        result = backend.search(SearchQuery(text=text, sort=sort))
        assert ids(result) == expected

    def test_delete(self, loaded):
        loaded.delete(["need-1", "need-999"])
        assert "need-1" not in ids(loaded.search(SearchQuery(text="激光焊接")))
        assert loaded.count() == len(DOCS) - 1

    def test_live_at_leaves_out_expired_documents(self, loaded):
        loaded.upsert(
            [
                listing("need-1", "激光焊接气孔控制", "焊接", expires_at=T0 + 10),
                listing("need-2", "激光焊接夹具", "焊接", expires_at=T0 + 1000),
            ]
        )
        assert set(ids(loaded.search(SearchQuery(text="激光焊接", live_at=T0)))) == {"need-1", "need-2"}
        later = loaded.search(SearchQuery(text="激光焊接", live_at=T0 + 10))
        assert ids(later) == ["need-2"] and later.total == 1
        browsing = loaded.search(SearchQuery(live_at=T0 + 10))
        assert "need-1" not in ids(browsing) and browsing.total == len(DOCS) - 1
        # Documents without an expiry (centers, or indexed before documents carried one) never expire.
        assert loaded.search(SearchQuery(live_at=T0 + 10**9)).total == len(DOCS) - 2
        assert loaded.search(SearchQuery(text="激光焊接", live_at=T0 + 10**9)).total == 0

    def test_upsert_replaces(self, loaded):
        loaded.upsert(
            [listing("need-1", "数控机床主轴维修", "主轴轴承更换", region="黄石", updated_at=T0 + 99)]
        )
        assert "need-1" not in ids(loaded.search(SearchQuery(text="激光焊接")))
        assert ids(loaded.search(SearchQuery(text="数控机床"))) == ["need-1"]
        assert loaded.count() == len(DOCS)
        assert loaded.search(SearchQuery(filters={"region": "黄石"})).total == 1

    def test_hits_have_the_documented_shape(self, loaded):
        hit = loaded.search(SearchQuery(text="激光焊接")).hits[0]
        assert {"id", "type", "entity_id", "title", "snippet", "score"} <= hit.keys()
        assert (hit["type"], hit["entity_id"], hit["title"]) == ("need", 1, "高功率激光焊接工艺开发")
        assert isinstance(hit["score"], float)

    def test_highlights_are_marked_and_html_safe(self, loaded):
        hit = loaded.search(SearchQuery(text="计量校准")).hits[0]
        assert hit["id"] == "service-1"
        assert "<mark>" in hit["snippet"]
        assert "<b>" not in hit["snippet"] and "&lt;b&gt;" in hit["snippet"]
        english = loaded.search(SearchQuery(text="aluminum")).hits[0]
        assert "<mark>aluminum</mark>" in english["snippet"].lower()

    @pytest.mark.parametrize(
        "text",
        ['"', "AND(", "激光 AND(", '"激光', "NEAR(a b)", "*", "a:b", "-焊接", "' OR 1=1 --", "\\", "^", "()"],
    )
    def test_hostile_query_text_does_not_error(self, loaded, text):
        result = loaded.search(SearchQuery(text=text))
        assert result.total >= 0 and isinstance(result.hits, list)

    def test_filter_values_are_not_syntax(self, loaded):
        result = loaded.search(SearchQuery(filters={"region": ['武汉" OR region = "上海', "x'); DROP"]}))
        assert result.total == 0

    def test_no_match(self, loaded):
        result = loaded.search(SearchQuery(text="量子隧穿显微镜"))
        assert (result.hits, result.total) == ([], 0)

    def test_clear_and_count(self, loaded):
        assert loaded.count() == len(DOCS)
        loaded.clear()
        assert loaded.count() == 0
        assert loaded.search(SearchQuery()).total == 0

    def test_health(self, loaded):
        report = loaded.health()
        assert report["ok"] is True and report["documents"] == len(DOCS)

    def test_rejects_documents_without_an_id(self, backend):
        with pytest.raises(ValueError):
            backend.upsert([{"title": "no id"}])


class TestFTS5(SearchBackendContract):
    @pytest.fixture
    def backend(self, tmp_path):
        backend = make_backend("fts5", path=tmp_path / "search.sqlite3")
        yield backend
        backend.close()


@pytest.mark.meili
class TestMeili(SearchBackendContract):
    @pytest.fixture
    def backend(self, meili_backend):
        return meili_backend
