"""Search quality on the shared corpus: Recall@1/5/10 and MRR@10, overall and per query kind.

Usage::

    python bench/eval_search.py --queries ../shared/corpus/dev_queries.jsonl [--queries MORE.jsonl]
    python bench/eval_search.py --queries FILE --misses      # also list the queries missed at 5

Each query line is ``{"query", "codes": [any is right], "kind"}``. Systems compared on the same
documents (the installed corpus pack): motcua, FTS5 with bm25 over name+body (3:1), FTS5 over
names only, and motcua's first stage alone, without the alias fields and on names only (to show
what the second stage and weighing fields do).
Prints JSON.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.common import CORPUS, Fts5, corpus_store, load_queries  # noqa: E402
from knowledge import search as search_mod  # noqa: E402


def metrics(ranked: list[list[str]], gold: list[set[str]]) -> dict[str, float]:
    n = len(gold) or 1
    out = {}
    for k in (1, 5, 10):
        out[f"R@{k}"] = round(sum(bool(set(r[:k]) & g) for r, g in zip(ranked, gold)) / n, 3)
    rr = 0.0
    for r, g in zip(ranked, gold):
        for i, code in enumerate(r[:10]):
            if code in g:
                rr += 1 / (i + 1)
                break
    out["MRR@10"] = round(rr / n, 3)
    out["n"] = len(gold)
    return out


def evaluate(systems: dict, queries: list[dict]) -> dict:
    report: dict = {}
    for name, fn in systems.items():
        ranked = [fn(q["query"]) for q in queries]
        gold = [set(q["codes"]) for q in queries]
        by_kind: dict[str, list[int]] = defaultdict(list)
        for i, q in enumerate(queries):
            by_kind[q.get("kind", "?")].append(i)
        report[name] = {
            "all": metrics(ranked, gold),
            **{kind: metrics([ranked[i] for i in idx], [gold[i] for i in idx])
               for kind, idx in sorted(by_kind.items())},
        }
        report[name]["_ranked"] = ranked
    return report


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--queries", type=Path, action="append", required=True)
    ap.add_argument("--home", type=Path, help="store folder to reuse (default: a temp folder)")
    ap.add_argument("--misses", action="store_true", help="list motcua's misses at rank 5")
    args = ap.parse_args()
    if not (CORPUS / "procedures.jsonl").exists():
        print(json.dumps({"skipped": "../shared/corpus is absent"}))
        return 0
    home = args.home or Path(tempfile.mkdtemp(prefix="motcua-eval-"))
    store, _ = corpus_store(home)
    index = store.load_index()
    queries = [q for path in args.queries for q in load_queries(path)]
    fts_full, fts_names = Fts5(store), Fts5(store, names_only=True)

    def motcua(weights: dict[str, float], second_stage: bool = True):
        """motcua with these field weights, with or without the second stage (which reads the
        alias fields itself, so the ablations leave it out): what each part adds. Weights are
        merged again only when a system needs others than the last one's."""
        def search(q: str) -> list[str]:
            if index.field_weights != weights:
                index.set_field_weights(weights)
            index.rerank_weights = rerank if second_stage else None
            return [h.code for h in index.search(q, k=10)]
        return search

    rerank = index.rerank_weights
    no_aliases = dict.fromkeys(search_mod.ALIAS_FIELDS, 0.0)
    systems = {
        "motcua": motcua(search_mod.FIELD_WEIGHTS),
        "motcua_first_stage": motcua(search_mod.FIELD_WEIGHTS, second_stage=False),
        "motcua_no_aliases": motcua({**search_mod.FIELD_WEIGHTS, **no_aliases}, second_stage=False),
        "motcua_names_only": motcua({"name": 1.0, "body": 0.0, **no_aliases}, second_stage=False),
        "fts5_name_body": fts_full.search,
        "fts5_names": fts_names.search,
    }
    report = evaluate(systems, queries)
    if args.misses:
        names = {}
        report["misses"] = []
        for q, ranked in zip(queries, report["motcua"]["_ranked"]):
            if not set(ranked[:5]) & set(q["codes"]):
                for c in ranked[:3] + q["codes"]:
                    if c not in names:
                        try:
                            names[c] = store.procedure(c).name
                        except Exception:
                            names[c] = "?"
                report["misses"].append({
                    "query": q["query"], "kind": q.get("kind"),
                    "want": [f"{c} {names[c]}" for c in q["codes"]],
                    "got": [f"{c} {names[c]}" for c in ranked[:3]],
                })
    for name in systems:
        report[name].pop("_ranked")
    print(json.dumps(report, ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
