"""Search across languages, measured: ``python -m app.ops.eval_crosslingual``.

The corpus is the demo listings (Chinese: needs with their public summary, achievements, services) and
`app/data/eval/english_listings.json`, listings written in English about the demo's topics, each labelled by
hand with the Chinese words it is about (`topics`). Two sets of queries, built from the taxonomy:

- ``en→zh``: each English name of a Chinese word the taxonomy knows (battery for 电池), whose relevant
  listings are the Chinese ones holding the word (grade 2 in the title, 1 in the text only);
- ``zh→en``: each Chinese topic word of the English listings, whose relevant listings are the English ones
  labelled with it.

Only the other language's listings count as relevant: a query must cross languages to score. The listings
are indexed through the app's one search interface (FTS5 by default; ``--backend meilisearch`` with
MEILI_URL and MEILI_KEY set), and nDCG@10 of the first ten hits is reported per set and overall, with the
English names in the analysis (``expanded``) and without them (``plain``, the market before they existed).

``--encoders`` names the configuration the ranking uses: ``lexical`` (default) is search alone; a
configuration with a dense encoder (say ``lsa,e5``) is fused by a ranker registered in ``FUSED_RANKERS``
(the dense channel's module adds its own), so both figures come from this one command.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import tempfile
import uuid
import zlib
from collections.abc import Callable
from pathlib import Path

import numpy as np

from app.platform.taxonomy import english_names, taxonomy_vocabulary
from indexing import SearchQuery, make_backend
from indexing.base import SearchBackend
from matching.scoring import MatchItem
from matching.text import normalize, set_user_dictionary

ROOT = Path(__file__).resolve().parents[2]
TAXONOMY = ROOT / "app" / "data" / "industries.yaml"
DEMO = ROOT / "app" / "data" / "demo"
ENGLISH = ROOT / "app" / "data" / "eval" / "english_listings.json"
K = 10
# A ranker: (backend, query text) -> document ids, best first. Fused rankers register here by encoder list.
Ranker = Callable[[SearchBackend, str], list[str]]
FUSED_RANKERS: dict[str, Callable[[list[dict]], Ranker]] = {}


def documents(demo: Path = DEMO, english: Path = ENGLISH) -> list[dict]:
    """Search documents of every demo listing (language zh) and every English listing (language en)."""
    docs = []
    texts = {"needs": ("need", "summary"), "achievements": ("achievement", "description")}
    texts["services"] = ("service", "description")
    for name, (kind, field) in texts.items():
        for n, item in enumerate(json.loads((demo / f"{name}.json").read_text("utf-8")), 1):
            docs.append(_document(kind, n, item["title"], item[field], "zh", item.get("industry")))
    for n, item in enumerate(json.loads(english.read_text("utf-8")), 1):
        doc = _document("achievement", 10_000 + n, item["title"], item["description"], "en", None)
        docs.append({**doc, "topics": item["topics"]})
    return docs


def _document(kind: str, entity_id: int, title: str, body: str, language: str, industry: str | None) -> dict:
    return {
        "id": f"{kind}-{entity_id}",
        "type": kind,
        "entity_id": entity_id,
        "title": title,
        "body": body,
        "industry": industry,
        "cooperation_modes": [],
        "status": "published",
        "org_name": "",
        "updated_at": 0.0,
        "language": language,
    }


def queries(docs: list[dict], taxonomy: Path = TAXONOMY) -> list[dict]:
    """The en→zh and zh→en queries with their graded relevant documents (see the module's docstring)."""
    chinese = [d for d in docs if d["language"] == "zh"]
    built = []
    for word, names in sorted(english_names(str(taxonomy)).items()):
        relevant = {}
        for doc in chinese:
            if word in doc["title"]:
                relevant[doc["id"]] = 2
            elif word in doc["body"]:
                relevant[doc["id"]] = 1
        if relevant:
            built.append({"set": "en→zh", "query": names[0], "target": word, "relevant": relevant})
    topics: dict[str, dict[str, int]] = {}
    for doc in docs:
        for topic in doc.get("topics", ()):
            topics.setdefault(topic, {})[doc["id"]] = 2 if topic in normalize(doc["title"]) else 1
    for topic, relevant in sorted(topics.items()):
        built.append({"set": "zh→en", "query": topic, "target": topic, "relevant": relevant})
    return built


def half(item: dict) -> str:
    """The half a query falls in (``half a`` or ``half b``, by a stable hash of its text): a choice made on one
    half is checked on the other."""
    return "half " + "ab"[zlib.crc32(item["query"].encode("utf-8")) % 2]


def ndcg(ranked: list[str], relevant: dict[str, int], k: int = K) -> float:
    gains = [relevant.get(doc_id, 0) for doc_id in ranked[:k]]
    dcg = sum((2**g - 1) / math.log2(i + 2) for i, g in enumerate(gains))
    ideal = sorted(relevant.values(), reverse=True)[:k]
    best = sum((2**g - 1) / math.log2(i + 2) for i, g in enumerate(ideal))
    return dcg / best if best else 0.0


def lexical(backend: SearchBackend, text: str) -> list[str]:
    return [hit["id"] for hit in backend.search(SearchQuery(text=text, per_page=K)).hits]


def e5_ranker(docs: list[dict]) -> Ranker:
    """The site search's fusion with the service up (``lsa,e5``: search reads the e5 channel, LSA serves
    recommendations only): the lexical window fused with the nearest e5 vectors by the app's own functions
    (`dense_search.close`, `dense_search.fused_order`). The listings are encoded as the index worker
    encodes them (title and summary), through the evaluation's vector cache; each query online."""
    from app.market.services import dense_search
    from matching import e5

    url = os.environ.get("E5_URL")
    if not url:
        raise SystemExit("error: --encoders lsa,e5 needs E5_URL (the embeddings service)")
    client = e5.E5Client(url, timeout=120.0)
    source = e5.EncodingSource(e5.FileCache(ROOT / ".cache" / "e5" / "vectors.sqlite3"), client)
    ids = [doc["id"] for doc in docs]
    # The index worker's text of a listing (embeddings.listing_text): title, then its public summary.
    texts = [
        MatchItem(id=0, kind=doc["type"], title=doc["title"], text=doc["body"]).full_text for doc in docs
    ]
    matrix = source.vectors(texts, "passage")
    by_kind: dict[str, np.ndarray] = {}
    for kind in {doc["type"] for doc in docs}:
        by_kind[kind] = np.array([i for i, doc in enumerate(docs) if doc["type"] == kind])

    def rank(backend: SearchBackend, text: str) -> list[str]:
        window = backend.search(SearchQuery(text=text, per_page=dense_search.WINDOW))
        query = source.vectors([text], "query")[0]
        similarity = matrix @ query
        found = []
        for rows in by_kind.values():  # as the app reads them: NEIGHBOURS per kind
            nearest = rows[similarity[rows].argsort()[::-1][: dense_search.NEIGHBOURS]]
            found += [(ids[i], float(similarity[i])) for i in nearest]
        near = dense_search.close(found)
        keys, _added = dense_search.fused_order(
            [hit["id"] for hit in window.hits], [key for key, _ in near], window.total > len(window.hits)
        )
        return keys[:K]

    return rank


FUSED_RANKERS["lsa,e5"] = e5_ranker


def _backend(name: str, folder: Path) -> SearchBackend:
    if name == "meilisearch":
        from matching.text import search_synonyms

        return make_backend(
            "meilisearch",
            url=os.environ["MEILI_URL"],
            key=os.environ.get("MEILI_KEY", ""),
            index_prefix=f"eval_{uuid.uuid4().hex[:8]}_",
            synonyms=search_synonyms(),
        )
    return make_backend("fts5", path=str(folder / f"search-{uuid.uuid4().hex[:8]}.sqlite3"))


def run(docs: list[dict], built: list[dict], backend_name: str, rank: Ranker | None, folder: Path) -> dict:
    backend = _backend(backend_name, folder)
    try:
        backend.upsert([{k: v for k, v in d.items() if k != "topics"} for d in docs])
        ranker = rank or lexical
        scores: dict[str, list[float]] = {}
        for item in built:
            value = ndcg(ranker(backend, item["query"]), item["relevant"])
            for key in ("all", item["set"], half(item)):
                scores.setdefault(key, []).append(value)
    finally:
        if hasattr(backend, "drop_index"):
            backend.drop_index()
        backend.close()
    return {key: round(sum(values) / len(values), 4) for key, values in sorted(scores.items())}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--taxonomy", type=Path, default=TAXONOMY)
    parser.add_argument("--backend", choices=("fts5", "meilisearch"), default="fts5")
    parser.add_argument(
        "--encoders",
        default="lexical",
        help="lexical (search alone) or an encoder list fused with it, e.g. lsa,e5 (needs a registered ranker)",
    )
    parser.add_argument("--queries", type=Path, help="write the queries with their relevant ids (JSON lines)")
    args = parser.parse_args(argv)
    rank = None
    if args.encoders != "lexical":
        if args.encoders not in FUSED_RANKERS:
            parser.error(
                f"no fused ranker for encoders {args.encoders!r} here; known: lexical, {', '.join(FUSED_RANKERS)}"
            )
    words, synonyms, also_finds = taxonomy_vocabulary(str(args.taxonomy))
    docs = documents()
    built = queries(docs, args.taxonomy)
    if args.queries:
        args.queries.write_text("".join(json.dumps(q, ensure_ascii=False) + "\n" for q in built), "utf-8")
    counts = {key: sum(1 for q in built if q["set"] == key) for key in ("en→zh", "zh→en")}
    report: dict = {"queries": len(built), **counts, "backend": args.backend, "encoders": args.encoders}
    with tempfile.TemporaryDirectory() as folder:
        # Without the English names: the vocabulary the market had before (spellings minus English names).
        english = {name for names in english_names(str(args.taxonomy)).values() for name in names}
        plain = {w: tuple(v for v in vs if v not in english) for w, vs in synonyms.items()}
        if args.encoders != "lexical":
            rank = FUSED_RANKERS[args.encoders](docs)
        set_user_dictionary(words, plain, also_finds)
        report["plain"] = run(docs, built, args.backend, rank, Path(folder))
        set_user_dictionary(words, synonyms, also_finds)
        report["expanded"] = run(docs, built, args.backend, rank, Path(folder))
    print(json.dumps(report, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
