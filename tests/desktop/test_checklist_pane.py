"""The intake flow by keyboard: open, Ctrl+N, applicant, Space ticks, save, print Mẫu 01/02 to
PDF, and a real kill of the app process with the intake there on reopen."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

from pypdf import PdfReader
from PySide6.QtCore import Qt

from tests.conftest import REPO
from tests.desktop.test_main_window import type_text


def pdf_text(path) -> str:
    text = " ".join(page.extract_text() for page in PdfReader(str(path)).pages)
    return " ".join(text.split())  # Qt PDFs come out with tabs between words


def open_procedure(window, qtbot, query, code):
    qtbot.keyClicks(window.search.box, query)
    qtbot.waitUntil(lambda: window.search.code_at(0) == code)
    qtbot.keyClick(window.search.box, Qt.Key.Key_Return)
    qtbot.keyClick(window, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: window.checklist.intake is not None)


def test_missing_items_then_mau_02(window, qtbot):
    window.open_print_dialog = False
    open_procedure(window, qtbot, "dang ky thuong tru", "1.004222")
    pane = window.checklist
    assert pane.case.count() >= 2  # đăng ký thường trú: several cases
    qtbot.waitUntil(lambda: pane.name.hasFocus())
    type_text(pane.name, "Nguyễn Thị Lan")
    pane.items.setFocus()
    pane.items.setCurrentRow(0)
    qtbot.keyClick(pane.items, Qt.Key.Key_Space)
    it = pane.intake
    assert it.applicant_name == "Nguyễn Thị Lan"
    assert it.items[pane.items.item(0).data(Qt.ItemDataRole.UserRole)].ticked
    needed, missing = len(it.needed()), len(it.missing())
    assert missing >= 1 and pane.count.text() == (f"Đã nhận {needed - missing}/{needed} giấy tờ."
                                                  f" Còn thiếu {missing}.")
    saved = window.intakes.get(it.id)
    assert saved.applicant_name == "Nguyễn Thị Lan" and saved.items == it.items
    type_text(pane.return_reason, "Thiếu giấy tờ chứng minh chỗ ở")
    qtbot.keyClick(window, Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: it.status == "returned" and window.last_pdf is not None)
    text = pdf_text(window.last_pdf)
    assert "PHIẾU YÊU CẦU BỔ SUNG" in text and "Nguyễn Thị Lan" in text
    assert "Lý do: Thiếu giấy tờ chứng minh chỗ ở" in text
    assert window.intakes.get(it.id).return_reason == "Thiếu giấy tờ chứng minh chỗ ở"
    for item in it.missing():
        assert item.name.split()[0] in text


def test_complete_dossier_mau_01_with_appointment(window, qtbot):
    window.open_print_dialog = False
    open_procedure(window, qtbot, "dang ky tam tru", "1.004194")
    pane = window.checklist
    type_text(pane.name, "Trần Văn Minh")
    pane.items.setFocus()
    for row in range(pane.items.count()):
        pane.items.setCurrentRow(row)
        if pane.items.item(row).flags() & Qt.ItemFlag.ItemIsUserCheckable:
            qtbot.keyClick(pane.items, Qt.Key.Key_Space)
    assert pane.intake.complete and pane.count.text().endswith("Đủ hồ sơ.")
    assert pane.intake.appointment_at is not None
    qtbot.keyClick(window, Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: pane.intake.status == "received" and window.last_pdf is not None)
    assert window.search.box.hasFocus()  # closed: straight back to the search for the next one
    text = pdf_text(window.last_pdf)
    assert "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ" in text and "Trần Văn Minh" in text
    assert pane.intake.dossier_code in text
    from datetime import datetime
    when = datetime.fromisoformat(pane.intake.appointment_at)
    assert f"ngày {when:%d} tháng {when:%m} năm {when:%Y}" in text
    window.on_today()
    assert window.today_list.count() == 1 and "đã tiếp nhận" in window.today_list.item(0).text()


def test_bare_number_time_asks_for_the_date(window, qtbot):
    open_procedure(window, qtbot, "dang ky khai sinh", "1.001193")
    pane = window.checklist
    assert pane.intake.appointment_at is None and "chưa rõ đơn vị" in pane.appointment.text()
    pane.on_set_appointment()
    assert pane.intake.appointment_at is None  # a reason is required
    pane.reason.setText("Luật Hộ tịch: trả trong ngày")
    pane.on_set_appointment()
    assert pane.intake.appointment_at and "đã đổi" in pane.appointment.text()


def test_bare_number_unit_confirmed_by_the_clerk(window, qtbot):
    from datetime import datetime

    from knowledge.workdays import appointment, parse_processing_time

    open_procedure(window, qtbot, "dang ky khai sinh", "1.001193")
    pane = window.checklist
    assert not pane.unit_box.isHidden() and pane.unit_label.text() == "“1” là:"
    pane.unit_buttons["working_days"].setFocus()
    qtbot.keyClick(pane.unit_buttons["working_days"], Qt.Key.Key_Space)
    it = pane.intake
    expected = appointment(datetime.now(), parse_processing_time("1").with_kind("working_days"),
                           pane.calendar)
    assert datetime.fromisoformat(it.appointment_at).date() == expected.date()
    assert "“1” được xác nhận là 1 ngày làm việc" in it.appointment_reason
    assert pane.unit_box.isHidden()
    assert window.intakes.get(it.id).appointment_at == it.appointment_at  # saved at once


CHILD = """
import sys, time
from desktop.app import build_window
from PySide6.QtWidgets import QApplication
app = QApplication([])
w = build_window(__import__('pathlib').Path(sys.argv[1]))
w.search.box.setText("dang ky thuong tru"); w.search.refresh(); w.search.on_return()
w.on_start_intake()
w.checklist.name.setText("Lê Thị Hoa"); w.checklist.on_applicant_edited("")
w.checklist.items.item(0).setCheckState(__import__('PySide6.QtCore', fromlist=['Qt']).Qt.CheckState.Checked)
print(w.checklist.intake.id, flush=True)
time.sleep(60)
"""


def test_kill_the_app_and_reopen(qtbot, motcua_home):
    env = {**os.environ, "PYTHONPATH": str(REPO), "QT_QPA_PLATFORM": "offscreen"}
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(motcua_home)], env=env,
                             stdout=subprocess.PIPE, text=True)
    intake_id = child.stdout.readline().strip()
    child.send_signal(signal.SIGKILL)
    child.wait()
    assert intake_id
    from desktop.app import build_window

    w = build_window(motcua_home)
    qtbot.add_widget(w)
    it = w.checklist.intake
    assert it is not None and it.id == intake_id
    assert it.applicant_name == "Lê Thị Hoa" and w.checklist.name.text() == "Lê Thị Hoa"
    assert any(i.ticked for i in it.items)
    assert "hồ sơ đang tiếp nhận dở" in w.statusBar().currentMessage()
    w.store.close()


def test_figures_dialog_and_csv(window, qtbot, tmp_path):
    window.open_print_dialog = False
    open_procedure(window, qtbot, "dang ky khai sinh", "1.001193")
    window.checklist.on_return()
    dlg = window.on_figures()
    qtbot.add_widget(dlg)
    assert dlg.table.item(0, 0).text() == "Hôm nay" and dlg.table.item(0, 1).text() == "1"
    assert dlg.table.item(0, 3).text() == "1"
    assert dlg.export(tmp_path / "f.csv") == 1
    assert "Tờ khai" in dlg.missing.text() or "lần" in dlg.missing.text()


def test_tab_follows_the_work_and_ctrl_s_saves(window, qtbot):
    open_procedure(window, qtbot, "dang ky thuong tru", "1.004222")
    pane = window.checklist
    qtbot.waitUntil(lambda: pane.name.hasFocus())
    type_text(pane.name, "Phạm Văn Bình")
    order = []
    for _ in range(3):
        qtbot.keyClick(window.focusWidget(), Qt.Key.Key_Tab)
        order.append(window.focusWidget())
    assert order == [pane.phone, pane.address, pane.items]
    qtbot.keyClick(pane.items, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    assert window.statusBar().currentMessage() == "Đã lưu hồ sơ."
    assert window.intakes.get(pane.intake.id).applicant_name == "Phạm Văn Bình"


def test_todays_intakes_are_listed_and_searchable(window, qtbot):
    window.open_print_dialog = False
    for query, code, name in (("dang ky tam tru", "1.004194", "Hoàng Thị Mai"),
                              ("dang ky khai sinh", "1.001193", "Đỗ Văn Nam")):
        window.search.box.clear()
        open_procedure(window, qtbot, query, code)
        type_text(window.checklist.name, name)
        window.refresh_today()
    qtbot.keyClick(window, Qt.Key.Key_H, Qt.KeyboardModifier.ControlModifier)
    assert window.today_box.hasFocus() and window.today_list.count() == 2
    type_text(window.today_box, "mai")  # without diacritics, lower case
    assert window.today_list.count() == 1 and "Hoàng Thị Mai" in window.today_list.item(0).text()
    window.today_list.setFocus()
    window.today_list.setCurrentRow(0)
    qtbot.keyClick(window.today_list, Qt.Key.Key_Return)
    assert window.checklist.intake.applicant_name == "Hoàng Thị Mai"
    assert window.tabs.currentWidget() is window.checklist


def test_mau_01_lists_every_received_item(window, qtbot):
    window.open_print_dialog = False
    open_procedure(window, qtbot, "dang ky tam tru", "1.004194")
    pane = window.checklist
    type_text(pane.name, "Vũ Thị Hạnh")
    for row in range(pane.items.count()):
        if pane.items.item(row).flags() & Qt.ItemFlag.ItemIsUserCheckable:
            pane.items.setCurrentRow(row)
            qtbot.keyClick(pane.items, Qt.Key.Key_Space)
    qtbot.keyClick(window, Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: window.last_pdf is not None)
    text = pdf_text(window.last_pdf)
    for item in pane.intake.received_items():
        assert " ".join(item.name.split()[:4]) in text
    assert pane.title.text().startswith(f"Đã tiếp nhận, mã hồ sơ {pane.intake.dossier_code}")


def test_slip_prints_pack_text_as_text(window, qtbot, tmp_path):
    from datetime import datetime

    from desktop.printing import print_to_pdf
    from knowledge.intake import start_intake
    from knowledge.model import Procedure
    from knowledge.receipt import request_form02

    evil = "<img src='file:///etc/passwd'><a href='http://x'>Tờ khai</a>"
    p = Procedure.from_dict({"code": "1.000002", "name": "<b>Thủ tục</b> thử",
                             "processing_time": "05 ngày làm việc",
                             "dossier": [{"name": evil, "original": 1, "copy": 0}]})
    it = start_intake(store=window.intakes, procedure=p)
    it.applicant_name = "Vũ Thị Hà"
    slip = request_form02(it, window.checklist.slip_settings, "", datetime.now())
    text = pdf_text(print_to_pdf(slip, tmp_path / "evil.pdf"))
    assert "<b>Thủ tục</b> thử" in text and "Vũ Thị Hà" in text
    # Shown as text, never loaded or linked (the PDF may set "fi" as a ligature: ﬁle).
    assert "<img src='" in text and "etc/passwd'><a href='http://x'>Tờ khai</a>" in text
