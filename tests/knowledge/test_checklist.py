"""Checklists from real, messy records: cases, show-only documents, notes never counted."""

from __future__ import annotations

import json

from knowledge.checklist import checklist_for
from knowledge.packs.source import parse_record
from knowledge.paths import resource


def demo(code):
    for line in resource("demo-pack", "source", "procedures.jsonl").read_text("utf-8").splitlines():
        if json.loads(line)["code"] == code:
            return parse_record(json.loads(line))
    raise KeyError(code)


def test_demo_thuong_tru_has_cases_and_shared_items():
    c = checklist_for(demo("1.004222"))
    assert len(c.cases) >= 2
    for case in c.cases:
        items = c.items_for(case)
        assert all(i.case in (None, case) for i in items)
        assert c.needed(case) and all(i.kind != "note" for i in c.needed(case))


def test_notes_and_show_only():
    c = checklist_for(demo("2.001194"))
    kinds = {i.name[:20]: i.kind for i in c.items}
    assert "note" in kinds.values() and "present" in kinds.values()
    assert all(i.kind != "note" for i in c.needed(None))


def test_twenty_real_records(corpus):
    rows = {}
    for line in (corpus / "procedures.jsonl").open(encoding="utf-8"):
        r = json.loads(line)
        if r.get("dossier"):
            rows[r["code"]] = r
    full = sorted(rows.values(), key=lambda r: -(r.get("weight") or 0))[:30]
    assert "1.004222" in {r["code"] for r in full}
    for r in full:
        p = parse_record(r)
        c = checklist_for(p)
        assert len(c.items) == len(p.dossier)
        for case in c.cases or (None,):
            assert all(i.kind in ("submit", "present") for i in c.needed(case))
            # a 0/0 line that says "không phải nộp" is never counted
            assert not any("không phải nộp" in i.name.lower() and not i.original and not i.copy
                           for i in c.needed(case))
    big = checklist_for(parse_record(rows["1.004222"]))
    assert len(big.cases) >= 5
    assert all(len(big.needed(case)) >= 1 for case in big.cases)
