"""Timing of the odd inputs the tests check only for correctness: `python -m matching.bench_inputs`.

A pasted 100,000-character description must neither stall the text analysis nor a recommendation. The tests
assert what comes out; this prints how long it took (one JSON line per case, median of --repeat runs), so
the figure is read on a quiet machine instead of asserted on a busy one.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import time
from collections.abc import Callable

from matching.matcher import Matcher, MatcherConfig
from matching.scoring import MatchItem
from matching.text import normalize, words

PHRASES = (
    "车身激光焊接工艺",
    "铝合金压铸结构件",
    "锂电池正极材料包覆",
    "固态电解质薄膜",
    "医用导管挤出成型",
    "手术机器人力反馈",
    "纺织品数码印花",
    "数控机床热误差补偿",
    "机器视觉焊缝跟踪",
    "耐磨涂层喷涂",
)
HUGE_NEED = "车身激光焊接变形控制。" * 10000


def corpus(size: int, seed: int = 0) -> list[MatchItem]:
    """Achievements of two to four phrases each, enough for every channel to have something to rank."""
    rng = random.Random(seed)
    return [
        MatchItem(
            id=i + 1,
            kind="achievement",
            title=rng.choice(PHRASES),
            text="，".join(rng.sample(PHRASES, rng.randint(2, 4))),
            cooperation_modes=["license"],
        )
        for i in range(size)
    ]


def median_ms(action: Callable[[], object], repeat: int) -> float:
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        timings.append((time.perf_counter() - started) * 1000)
    return round(statistics.median(timings), 1)


def analyse_huge_text() -> None:
    text = "激光焊接工艺" * 20000
    # A fresh text each run: the word cache would otherwise answer the repeats.
    words(normalize(str(time.perf_counter_ns()) + text))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m matching.bench_inputs", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--listings", type=int, default=2000, help="achievements in the matcher")
    parser.add_argument("--repeat", type=int, default=5, help="runs per case (the median is printed)")
    args = parser.parse_args(argv)
    words(normalize("预热"))  # load jieba's dictionary outside the timings
    print(
        json.dumps(
            {"case": "analyse 120,000 characters", "median_ms": median_ms(analyse_huge_text, args.repeat)}
        )
    )
    matcher = Matcher(MatcherConfig())
    matcher.rebuild(corpus(args.listings))

    def recommend_for_huge_need() -> None:
        text = str(time.perf_counter_ns()) + HUGE_NEED
        matcher.recommend(MatchItem(id=10**9, kind="need", title="激光焊接", text=text), "license")

    print(
        json.dumps(
            {
                "case": f"recommend for a {len(HUGE_NEED):,}-character need among {args.listings} listings",
                "median_ms": median_ms(recommend_for_huge_need, args.repeat),
            }
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
