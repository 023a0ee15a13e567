"""Query-side term weighting: which of a query's terms count, and how much their repetition counts.

A need is a paragraph that says what a firm wants in the words of every need ("我司需求…要求…解决…");
an achievement is a short title that says what it is. Matching the need's genre words against titles finds
titles that happen to use them, so those words are dropped from queries (never from indexed listings, where
they only lengthen a document), and the need's content words are weighted by how often it repeats them.
"""

from __future__ import annotations

from collections import Counter

import numpy as np

# Words that state the act of asking or the asker, not what is asked for. Only words that a need of any
# field uses belong here; a word that names a subject (材料, 工艺, 检测) is content even when common.
QUERY_STOP_WORDS = frozenset(
    """
    需求 要求 企业 公司 我司 本公司 我公司 单位 技术 技术难题 难题 解决 解决方案 寻找 希望 寻求 征集
    目前 现有 现在 存在 具体 如下 主要 情况 内容 合作 合作方式 项目 开发 研发 研制 问题 实现 提高 提升 达到
    方面 国内 国外 我们 急需 亟需 亟待 拟 意向 委托 联合 引进 对接 描述 背景 预期 目标
    """.split()
)

# Okapi BM25's query-frequency saturation (Robertson et al., Okapi at TREC: k3 = 1000 for long topics):
# large enough that a term the need repeats counts nearly in proportion, so a pasted paragraph that
# repeats itself keeps the same proportions between terms.
K3 = 1000.0


def query_term_frequencies(terms: list[str]) -> Counter:
    """Return the frequency of each of a query's terms, without the words every need uses.

    `terms` are words plus "#"-marked single characters of the same text (`matching.text.lexical_terms`);
    the characters a dropped word is written with are taken away with it, so "需求" stops matching through
    "#需" and "#求" as well.
    """
    counts = Counter(terms)
    for word in [t for t in terms if t in QUERY_STOP_WORDS]:
        counts[word] -= 1
        for char in word:
            counts["#" + char] -= 1
    return +counts


def query_frequency_weight(count, k3: float = K3):
    """Return BM25's query-frequency factor (k3 + 1) · qtf / (k3 + qtf), elementwise: 1 for a term said once."""
    count = np.maximum(np.asarray(count, dtype=np.float32), 0.0)
    return (k3 + 1.0) * count / (k3 + count)
