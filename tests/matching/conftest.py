"""Fixtures for the matcher tests: a small synthetic Chinese marketplace."""

import pytest

from matching import Matcher, MatcherConfig, MatchItem

ACHIEVEMENTS = [
    (
        1,
        "车身激光焊接工艺",
        "高强钢车身激光焊接工艺，焊缝强度高、变形小，适用于汽车白车身焊接生产线。",
        "automotive",
        8,
    ),
    (2, "汽车轻量化铝合金压铸", "一体化压铸铝合金车身结构件，降低整车重量，提升续航。", "automotive", 7),
    (
        3,
        "锂电池正极材料包覆技术",
        "高镍三元正极材料表面包覆改性，提升锂电池循环寿命和安全性。",
        "new_energy",
        6,
    ),
    (4, "固态电解质薄膜制备", "硫化物固态电解质薄膜制备方法，用于固态锂电池。", "new_energy", 4),
    (5, "医用导管挤出成型", "医用高分子导管精密挤出成型工艺，尺寸精度高。", "medical_devices", 8),
    (6, "手术机器人力反馈控制", "微创手术机器人力反馈控制算法，提升手术操作精度。", "medical_devices", 5),
    (7, "纺织品数码印花", "活性染料数码喷墨印花工艺，节水减排，适用于棉织物。", "textiles", 9),
    (8, "功能性纤维抗菌整理", "纺织纤维银离子抗菌整理技术，耐洗涤。", "textiles", 7),
    (9, "数控机床热误差补偿", "五轴数控机床主轴热误差建模与实时补偿，提高加工精度。", "equipment", 7),
    (10, "工业机器人视觉引导焊接", "基于机器视觉的焊缝跟踪与机器人焊接路径规划。", "equipment", 6),
]


def achievement(id, title, text, industry, trl, **extra):
    return MatchItem(
        id=id,
        kind="achievement",
        title=title,
        text=text,
        industry=industry,
        trl=trl,
        cooperation_modes=extra.pop("cooperation_modes", ["license", "transfer"]),
        **extra,
    )


@pytest.fixture
def listings():
    """Achievements, services, centers and needs of four industries."""
    items = [achievement(*row) for row in ACHIEVEMENTS]
    items += [
        MatchItem(
            id=101,
            kind="center",
            title="汽车焊接创新中心",
            text="汽车车身焊接与连接技术研发，提供委托研发和检测。",
            industry="automotive",
            cooperation_modes=["commission", "service"],
            region="苏州",
        ),
        MatchItem(
            id=102,
            kind="center",
            title="新能源电池创新中心",
            text="锂电池材料与电芯研发平台，孵化电池初创企业。",
            industry="new_energy",
            cooperation_modes=["commission", "incubation"],
            offers_incubation=True,
        ),
        MatchItem(
            id=201,
            kind="service",
            title="焊接接头检测服务",
            text="焊缝无损检测、焊接接头力学性能测试。",
            industry="automotive",
            cooperation_modes=["service"],
        ),
        MatchItem(
            id=202,
            kind="service",
            title="纺织品检测认证",
            text="纺织品色牢度、抗菌性能检测与认证。",
            industry="textiles",
            cooperation_modes=["service"],
        ),
        MatchItem(
            id=301,
            kind="need",
            title="寻求车身焊接技术",
            text="我公司生产汽车车身，需要激光焊接工艺降低焊接变形。",
            industry="automotive",
            budget_max=500000.0,
            trl=6,
        ),
        MatchItem(
            id=302,
            kind="need",
            title="抗菌面料开发",
            text="需要棉织物抗菌整理技术，要求耐洗涤。",
            industry="textiles",
        ),
    ]
    return items


@pytest.fixture
def matcher(listings):
    """A matcher built over the synthetic listings with the default configuration."""
    built = Matcher(MatcherConfig())
    built.rebuild(listings)
    return built


@pytest.fixture
def need():
    """A firm's welding need that states no industry."""
    return MatchItem(
        id=900, kind="need", title="车身焊接变形大", text="希望找到汽车车身激光焊接工艺，减少焊接变形。"
    )
