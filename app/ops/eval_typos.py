"""How often a typo's first did-you-mean suggestion is the word meant: ``python -m app.ops.eval_typos``.

The set is generated, deterministically (a fixed seed), from the market's own words: the taxonomy's words
and the demo listings' titles, the vocabulary the app builds at index time (app.market.services.suggestions).
Each intended word of three characters or more gets, where one exists, three kinds of slip:

- ``pinyin``: one character replaced by another that reads the same without tones (源 → 原), the commonest
  slip of pinyin input, taken from the characters the demo data itself uses;
- ``fuzzy``: one character replaced by one of a fuzzy pair (n/l, an/ang, en/eng, in/ing, z/zh, c/ch, s/sh);
- ``drop``: one character left out.

A slip that is itself a word of the vocabulary is not a typo anyone could catch and is skipped. Prints one
JSON line: the share of slips whose first suggestion is the intended word (``top1``), and within the first
three (``top3``), overall and per kind. ``--rows FILE`` writes every slip with its suggestions.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
from collections import defaultdict
from pathlib import Path

from app.market.services.suggestions import build_suggester
from app.platform.taxonomy import taxonomy_vocabulary, vocabulary_words
from matching.suggest import Suggester, fuzzy, syllables
from matching.text import normalize, set_user_dictionary, words

ROOT = Path(__file__).resolve().parents[2]
TAXONOMY = ROOT / "app" / "data" / "industries.yaml"
DEMO = ROOT / "app" / "data" / "demo"
_HAN_RE = re.compile(r"[\u3400-\u9fff]+")
SEED = 2026


def demo_titles(directory: Path = DEMO) -> list[str]:
    titles: list[str] = []
    for name in ("needs", "achievements", "services"):
        titles.extend(item["title"] for item in json.loads((directory / f"{name}.json").read_text("utf-8")))
    titles.extend(item["name"] for item in json.loads((directory / "centers.json").read_text("utf-8")))
    return titles


def demo_characters(directory: Path = DEMO) -> list[str]:
    """The Chinese characters the demo data uses: the pool slips are drawn from (common characters)."""
    seen: dict[str, None] = {}
    for path in sorted(directory.glob("*.json")):
        seen.update(dict.fromkeys(ch for run in _HAN_RE.findall(path.read_text("utf-8")) for ch in run))
    return list(seen)


def intended_words(titles: list[str], taxonomy: Path) -> list[str]:
    """Words people search for: the taxonomy's Chinese words and the words of the titles (as the analysis cuts
    them, not the joined neighbours the vocabulary adds), 3-8 characters."""
    taxonomy_words = [w for w in vocabulary_words(str(taxonomy)) if _HAN_RE.fullmatch(w)]
    title_words = [w for title in titles for w in words(normalize(title)) if _HAN_RE.fullmatch(w)]
    return sorted({w for w in [*taxonomy_words, *title_words] if 3 <= len(w) <= 8})


def make_slips(words: list[str], vocabulary: Suggester, pool: list[str], seed: int = SEED) -> list[dict]:
    """One slip of each kind per word where possible, chosen with a seeded generator."""
    rng = random.Random(seed)
    by_sound: dict[str, list[str]] = defaultdict(list)
    by_fuzzy: dict[str, list[str]] = defaultdict(list)
    for ch in pool:
        (sound,) = syllables(ch) or ("",)
        by_sound[sound].append(ch)
        by_fuzzy[fuzzy(sound)].append(ch)
    slips = []
    for word in words:
        positions = list(range(len(word)))
        rng.shuffle(positions)
        made: dict[str, str] = {}
        for i in positions:
            ch = word[i]
            (sound,) = syllables(ch) or ("",)
            same = [c for c in by_sound.get(sound, []) if c != ch]
            near = [c for c in by_fuzzy.get(fuzzy(sound), []) if syllables(c) != (sound,)]
            if "pinyin" not in made and same:
                made["pinyin"] = word[:i] + rng.choice(same) + word[i + 1 :]
            elif "fuzzy" not in made and near:
                made["fuzzy"] = word[:i] + rng.choice(near) + word[i + 1 :]
        made["drop"] = word[: positions[0]] + word[positions[0] + 1 :]
        for kind, typo in made.items():
            if not vocabulary.knows(typo) and typo != word:
                slips.append({"kind": kind, "typo": typo, "intended": word})
    return slips


def evaluate(suggester: Suggester, slips: list[dict]) -> tuple[dict, list[dict]]:
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    rows = []
    for slip in slips:
        found = suggester.suggest(slip["typo"], 3)
        first = bool(found) and found[0] == slip["intended"]
        for key in ("all", slip["kind"]):
            counts[key][0] += 1
            counts[key][1] += first
            counts[key][2] += slip["intended"] in found
        rows.append({**slip, "suggestions": found, "first": first})
    report = {
        key: {"slips": n, "top1": round(top1 / n, 4), "top3": round(top3 / n, 4)}
        for key, (n, top1, top3) in sorted(counts.items())
    }
    return report, rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--taxonomy", type=Path, default=TAXONOMY)
    parser.add_argument("--demo", type=Path, default=DEMO, help="the demo data folder (titles, characters)")
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--rows", type=Path, help="write every slip with its suggestions (JSON lines)")
    args = parser.parse_args(argv)
    # Titles are cut with the taxonomy as user dictionary, as the app cuts them.
    set_user_dictionary(*taxonomy_vocabulary(str(args.taxonomy)))
    titles = demo_titles(args.demo)
    suggester = build_suggester(str(args.taxonomy), titles)
    slips = make_slips(
        intended_words(titles, args.taxonomy), suggester, demo_characters(args.demo), args.seed
    )
    report, rows = evaluate(suggester, slips)
    if args.rows:
        args.rows.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), "utf-8")
    print(json.dumps({"vocabulary": len(suggester), **report}, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
