"""The checklist pane on real, messy portal records (../shared/corpus): the 25 most used
procedures with a dossier list, every case, ticked with Space until the dossier is complete."""

from __future__ import annotations

import json

import pytest
from PySide6.QtCore import Qt

from knowledge.intake import today


@pytest.fixture
def corpus_records(corpus) -> list[dict]:
    rows = [json.loads(line) for line in (corpus / "procedures.jsonl").open(encoding="utf-8")]
    full = [r for r in rows if r.get("dossier")]
    top = sorted(full, key=lambda r: -(r.get("weight") or 0))[:25]
    assert "1.004222" in {r["code"] for r in top}
    return top


def test_checklist_on_25_real_records(window, qtbot, make_pack, signing_key, corpus_records):
    from pathlib import Path

    from knowledge.settings import trusted_keys
    from knowledge.store import install_pack

    window.settings.trusted_key_files = [Path(f"{signing_key}.pub")]
    pack = make_pack(corpus_records, pack_id="tinh-thu")
    install_pack(store=window.store, pack_path=pack, trusted=trusted_keys(window.settings))
    window.reload_index()
    qtbot.waitUntil(lambda: corpus_records[0]["code"] in window.search.index.doc_of_code
                    and window.search.index.pack_ids[window.search.index.doc_of_code[
                        corpus_records[0]["code"]]] == "tinh-thu", timeout=10000)
    window.open_print_dialog = False
    pane = window.checklist
    cases_seen = 0
    for rec in corpus_records:
        window.on_opened(rec["code"])
        window.on_start_intake()
        it = pane.intake
        assert it.procedure_code == rec["code"]
        # A bare number is never taken as working days silently: the clerk is asked.
        if it.appointment_at is None:
            assert "chưa rõ đơn vị" in pane.appointment.text()
            if not pane.unit_box.isHidden():
                pane.confirm_unit("working_days")
            else:  # prose, no number: the clerk picks the date with a reason
                pane.reason.setText("Hẹn theo hướng dẫn của cơ quan giải quyết")
                pane.on_set_appointment()
            assert it.appointment_at
        cases = [pane.case.itemText(i) for i in range(pane.case.count())] or [None]
        assert len(cases) != 1 or cases == [None]
        for i, case in enumerate(cases):
            if case is not None:
                pane.case.setCurrentIndex(i)
                assert it.case == case
            cases_seen += 1
            needed = {x.index for x in it.needed()}
            assert needed, (rec["code"], case)
            pane.items.setFocus()
            for row in range(pane.items.count()):
                w = pane.items.item(row)
                index = w.data(Qt.ItemDataRole.UserRole)
                checkable = bool(w.flags() & Qt.ItemFlag.ItemIsUserCheckable)
                assert checkable == (it.items[index].kind != "note")  # notes: no box, not counted
                if index in needed and not it.items[index].ticked:  # common items stay ticked
                    assert w.foreground().color().name() == "#b00020"  # missing: highlighted
                    pane.items.setCurrentRow(row)
                    qtbot.keyClick(pane.items, Qt.Key.Key_Space)
            assert it.complete, (rec["code"], case)
            assert pane.count.text() == f"Đã nhận {len(needed)}/{len(needed)} giấy tờ. Đủ hồ sơ."
        assert window.intakes.get(it.id).items == it.items  # saved on every change
        qtbot.keyClick(window, Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier)  # receive
        assert it.status == "received" and it.dossier_code
        code = it.dossier_code
        qtbot.waitUntil(lambda code=code: window.last_pdf is not None
                        and code in window.last_pdf.name)
    codes = [x.dossier_code for x in today(store=window.intakes)]
    assert len(codes) == len(set(codes)) == len(corpus_records)  # never a repeated number
    assert cases_seen > len(corpus_records)  # some records have several cases (1.004222: 6)
