"""Why a target was recommended: the reason codes the matcher emits and the app renders, and which words
may serve as evidence."""

from __future__ import annotations

import re
from enum import StrEnum

from matching.text import STOP_WORDS


class ReasonCode(StrEnum):
    """One kind of explanation attached to a recommendation."""

    SHARED_TERMS = "shared_terms"
    SAME_INDUSTRY = "same_industry"
    PREDICTED_INDUSTRY = "predicted_industry"
    MODE_MATCH = "mode_match"
    TRL_FIT = "trl_fit"
    BUDGET_FIT = "budget_fit"
    SAME_REGION = "same_region"
    OFFERS_INCUBATION = "offers_incubation"
    SEMANTIC = "semantic"


# Words every listing on this marketplace uses: shared, they say nothing about fit (a "中心" in both texts
# once pushed an unrelated center to the top of a die-casting need).
MARKETPLACE_FILLER = frozenset(
    """
    中心 创新中心 高校 大学 学院 研究院 研究所 院所 企业 公司 单位 平台 团队 我们 我公司 本公司
    技术 需求 成果 服务 项目 合作 开发 研发 提供 解决 要求 能力 产品 应用 领域 行业 产业 相关 方面 方案
    效率 处理 提升 提高 降低 下降 改善 实现 优化 控制 工艺 系统 设备 方法 材料 性能 质量 成本 生产 制造
    内 外 上 下 年 月 日 个 项 种 次 等 及 与 和 的 可 能 新 高 大 小 多
    """.split()
)
_NUMBER_RE = re.compile(r"^[\d.,%‰+\-]+[a-z%℃]*$")


def is_evidence(term: str) -> bool:
    """Whether a term may explain a match or vote on a field: no stop word, filler, number or single character."""
    return (
        len(term) > 1
        and not term.startswith("#")
        and term not in STOP_WORDS
        and term not in MARKETPLACE_FILLER
        and not _NUMBER_RE.match(term)
    )
