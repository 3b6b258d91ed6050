"""Search quality on the shared corpus: the issue's bars, on the dev set and on real portal
questions we labelled ourselves (tests/data/portal_questions_motcua.jsonl)."""

from __future__ import annotations

import json
from collections import defaultdict

import pytest

from tests.conftest import DATA

pytestmark = pytest.mark.slow


def evaluate(index, path):
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
    by_kind = defaultdict(list)
    for q in rows:
        codes = [h.code for h in index.search(q["query"], k=10)]
        rank = next((i + 1 for i, c in enumerate(codes) if c in q["codes"]), None)
        by_kind[q["kind"]].append(rank)
        by_kind["all"].append(rank)
    return {kind: {"R@5": sum(r is not None and r <= 5 for r in ranks) / len(ranks),
                   "MRR@10": sum(1 / r for r in ranks if r) / len(ranks)}
            for kind, ranks in by_kind.items()}


def test_dev_queries(corpus_index, corpus):
    m = evaluate(corpus_index, corpus / "dev_queries.jsonl")
    assert m["all"]["R@5"] >= 0.95 and m["all"]["MRR@10"] >= 0.90, m
    assert all(v["R@5"] >= 0.85 for v in m.values()), m


@pytest.mark.parametrize("name", ["portal_questions_motcua.jsonl", "portal_questions.jsonl"])
def test_portal_questions(corpus_index, name):
    m = evaluate(corpus_index, DATA / name)
    assert m["all"]["R@5"] >= 0.85 and m["all"]["MRR@10"] >= 0.70, m
