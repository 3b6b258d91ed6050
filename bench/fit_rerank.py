"""Fit the second stage's weights (``knowledge.search.RERANK_WEIGHTS``) on the development sets.

Usage::

    python bench/fit_rerank.py [--home DIR] [--queries FILE ...]

For every development query the first stage's candidates are taken with their features
(``SearchIndex.rerank_features``); a pairwise logistic regression (scikit-learn) learns weights
that put the right procedure above each other candidate. Before printing the weights to paste
into ``RERANK_WEIGHTS``, it prints a leave-one-set-out cross-validation: each set ranked by
weights fitted on the other sets alone, against the first stage's order (Recall@5 / MRR@10), so
the gain is measured on questions the fit did not see.

The unseen sets (``heldout10_queries``, ``heldout11``, ``heldout14``, ``heldout15``,
``heldout16``) are never read here.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.common import CORPUS, corpus_store, load_queries  # noqa: E402
from bench.eval_search import metrics  # noqa: E402
from knowledge.search import RERANK_WEIGHTS  # noqa: E402

DATA = REPO / "tests" / "data"
DEVELOPMENT = [CORPUS / "dev_queries.jsonl", *(DATA / name for name in (
    "heldout_queries.jsonl", "heldout2_queries.jsonl", "portal_questions.jsonl",
    "portal_questions_motcua.jsonl", "heldout_portal_questions.jsonl", "heldout3_queries.jsonl",
    "heldout4_queries.jsonl", "heldout5_queries.jsonl", "heldout6_queries.jsonl",
    "heldout7_portal_questions.jsonl", "heldout5_portal_questions.jsonl", "heldout8_queries.jsonl",
    "heldout9_queries.jsonl", "heldout12_portal_questions.jsonl",
    "heldout13_portal_questions.jsonl", "heldout10_portal_questions.jsonl"))]
C = 1.0
"""Inverse regularisation strength (scikit-learn's ``C``); 0.1–10 fit within 0.005 MRR@10."""


def pairs(index, queries: list[dict]) -> np.ndarray:
    """Feature differences, the right procedure's row minus each other candidate's."""
    out = []
    for q in queries:
        plan = index.plan(q["query"])
        docs, scores = index.first_stage(plan, q["query"])
        right = [i for i, d in enumerate(docs.tolist()) if index.codes[d] in q["codes"]]
        if not right:
            continue
        features = index.rerank_features(plan, docs, scores)
        others = np.delete(features, right, axis=0)
        out.append(features[right[0]] - others)
    return np.concatenate(out) if out else np.zeros((0, len(RERANK_WEIGHTS)))


def fit(diffs: np.ndarray) -> np.ndarray:
    x = np.concatenate([diffs, -diffs])
    y = np.concatenate([np.ones(len(diffs)), np.zeros(len(diffs))])
    return LogisticRegression(C=C, fit_intercept=False, max_iter=1000).fit(x, y).coef_[0]


def measure(index, queries: list[dict], weights: np.ndarray | None) -> tuple[float, float]:
    """Recall@5 and MRR@10 of the full search with ``weights`` (None: the first stage's order)."""
    index.rerank_weights = weights
    m = metrics([[h.code for h in index.search(q["query"], k=10)] for q in queries],
                [set(q["codes"]) for q in queries])
    return m["R@5"], m["MRR@10"]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--home", type=Path, help="a store with the corpus pack (made if absent)")
    parser.add_argument("--queries", type=Path, action="append", help="development sets")
    args = parser.parse_args(argv)
    home = args.home or Path(tempfile.mkdtemp(prefix="motcua-fit-"))
    index = corpus_store(home)[0].load_index()
    sets = {path.stem: load_queries(path) for path in args.queries or DEVELOPMENT}
    diffs = {name: pairs(index, queries) for name, queries in sets.items()}

    print(f"{'set':34} {'n':>4}  first stage   reranked   (fitted without the set)")
    totals = np.zeros(4)
    for name, queries in sets.items():
        held_out = fit(np.concatenate([d for other, d in diffs.items() if other != name]))
        before = measure(index, queries, None)
        after = measure(index, queries, held_out)
        totals += len(queries) * np.array([*before, *after])
        print(f"{name:34} {len(queries):4}  {before[0]:.3f}/{before[1]:.3f}  "
              f"{after[0]:.3f}/{after[1]:.3f}  {after[1] - before[1]:+.3f}")
    n = sum(len(q) for q in sets.values())
    t = totals / n
    print(f"{'all':34} {n:4}  {t[0]:.3f}/{t[1]:.3f}  {t[2]:.3f}/{t[3]:.3f}  {t[3] - t[1]:+.3f}")

    weights = fit(np.concatenate(list(diffs.values())))
    weights = weights / weights[list(RERANK_WEIGHTS).index("score")]
    print("RERANK_WEIGHTS = {" + ", ".join(
        f'"{name}": {w:.3f}' for name, w in zip(RERANK_WEIGHTS, weights)) + "}")


if __name__ == "__main__":
    main()
