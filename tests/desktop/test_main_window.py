"""The counter window driven by the keyboard, on the real demo pack."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication


def type_text(widget, text: str) -> None:
    """Type any text, Vietnamese included (qtbot.keyClicks is ASCII-only: STACK.md)."""
    for ch in text:
        for kind in (QKeyEvent.Type.KeyPress, QKeyEvent.Type.KeyRelease):
            QApplication.sendEvent(widget, QKeyEvent(kind, 0, Qt.KeyboardModifier.NoModifier, ch))


def first_code(w) -> str:
    return w.search.code_at(0)


def test_empty_box_lists_most_used_first(window):
    assert window.search.row_count() == min(50, window.store.count())  # most used first
    assert first_code(window) == "1.004194"  # đăng ký tạm trú: the highest national count
    assert "Gói mẫu" in window.pack_label.text() and "v1" in window.pack_label.text()


def test_type_without_diacritics_arrow_enter_opens(window, qtbot):
    qtbot.keyClicks(window.search.box, "dang ky thuong tru")
    qtbot.waitUntil(lambda: first_code(window) == "1.004222")
    assert "<b" in window.search.model.index(0, 1).data(Qt.ItemDataRole.UserRole)
    qtbot.keyClick(window.search.box, Qt.Key.Key_Down)
    qtbot.keyClick(window.search.box, Qt.Key.Key_Up)
    qtbot.keyClick(window.search.box, Qt.Key.Key_Return)
    text = window.detail.plain_text()
    assert text.startswith("Đăng ký thường trú") and "Thành phần hồ sơ" in text


def test_vietnamese_typing_and_colloquial_words(window, qtbot):
    type_text(window.search.box, "giấy xác nhận độc thân")
    qtbot.waitUntil(lambda: first_code(window) == "1.004873")


def test_code_and_no_result(window, qtbot):
    qtbot.keyClicks(window.search.box, "001612")
    qtbot.waitUntil(lambda: first_code(window) == "1.001612")
    window.search.box.clear()
    qtbot.keyClicks(window.search.box, "zzqx")
    qtbot.waitUntil(lambda: window.search.row_count() == 0)
    assert window.search.status.text().startswith("Không tìm thấy thủ tục phù hợp")


def test_ctrl_f_focuses_search_from_the_detail(window, qtbot):
    window.detail.view.setFocus()
    qtbot.keyClick(window.detail.view, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: window.search.box.hasFocus())


def test_filters_restrict_the_lookup(window, qtbot):
    combo = window.search.filters["field"]
    combo.setCurrentIndex(combo.findText("Hộ tịch"))
    rows = window.search.row_count()
    assert 0 < rows < window.store.count()
    fields = {row.field for row in window.search.model.rows}
    assert fields == {"Hộ tịch"}


def test_pack_text_cannot_inject_markup(window):
    from knowledge.model import Procedure

    window.detail.show_procedure(Procedure(code="1.000001", name="<a href='file:///etc/passwd'>X</a>"
                                           "<img src='x.png'><script>alert(1)</script>"))
    html = window.detail.view.toHtml()
    assert "<a href" not in html and "<img" not in html and "<script" not in html
    assert "<a href='file:///etc/passwd'>X</a>" in window.detail.plain_text()


def test_help_lists_shortcuts(window, qtbot):
    dlg = window.on_help()
    qtbot.add_widget(dlg)
    keys = [dlg.table.item(r, 0).text() for r in range(dlg.table.rowCount())]
    assert "Ctrl+F, F3" in keys and "F1" in keys


def test_packs_dialog_installs_in_background(window, qtbot, make_pack, signing_key):
    from pathlib import Path

    from tests.conftest import record

    window.settings.trusted_key_files = [Path(f"{signing_key}.pub")]
    dlg = window.on_packs()
    qtbot.add_widget(dlg)
    assert dlg.table.item(0, 0).text() == "demo-motcua"
    pack = make_pack([record("1.009999", "Cấp giấy phép thử nghiệm đặc biệt")], pack_id="demo-them")
    with qtbot.waitSignal(dlg.installed, timeout=10000):
        dlg.install(pack)
    assert dlg.result.text().splitlines()[0] == "Đã cài gói demo-them phiên bản 1: 1 thủ tục mới."
    qtbot.waitUntil(lambda: "demo-them" in [p.pack_id for p in window.store.packs()])
    qtbot.waitUntil(lambda: "1.009999" in window.search.index.doc_of_code)


def test_screenshot_1366x768(window, tmp_path, qtbot):
    qtbot.keyClicks(window.search.box, "lam lai can cuoc bi mat")
    qtbot.waitUntil(lambda: first_code(window) == "2.001194")
    qtbot.keyClick(window.search.box, Qt.Key.Key_Return)
    window.on_start_intake()  # the checklist's long case headings must not widen the window
    assert window.width() == 1366
    path = tmp_path / "main.png"
    assert window.grab().save(str(path))
    assert path.stat().st_size > 20_000


def test_no_result_suggests_a_close_spelling(window, qtbot):
    qtbot.keyClicks(window.search.box, "khai sjnh")
    qtbot.waitUntil(lambda: "Có phải bạn muốn tìm: “khai sinh”?" in window.search.status.text())
    assert first_code(window) == "1.001193"


def test_packs_dialog_shows_changes_against_previous_version(window, qtbot, make_pack,
                                                             signing_key):
    from pathlib import Path

    from tests.conftest import record

    window.settings.trusted_key_files = [Path(f"{signing_key}.pub")]
    dlg = window.on_packs()
    qtbot.add_widget(dlg)
    v1 = make_pack([record("1.009999", "Cấp phép A"), record("1.009998", "Cấp phép B")],
                   pack_id="demo-them", version=1)
    with qtbot.waitSignal(dlg.installed, timeout=10000):
        dlg.install(v1)
    v2 = make_pack([record("1.009999", "Cấp phép A", processing_time="10 ngày làm việc"),
                    record("1.009997", "Cấp phép C")], pack_id="demo-them", version=2)
    with qtbot.waitSignal(dlg.installed, timeout=10000):
        dlg.install(v2)
    lines = dlg.result.text().splitlines()
    assert lines[0] == ("Đã cài gói demo-them phiên bản 2: 1 thủ tục mới, 1 thủ tục thay đổi,"
                        " 1 thủ tục bị bỏ.")
    assert [x.strip() for x in lines[1:]] == ["+ 1.009997", "- 1.009998", "~ 1.009999: thời hạn"]


def test_help_lists_every_shortcut_the_window_has(window, qtbot):
    from PySide6.QtGui import QKeySequence

    dlg = window.on_help()
    qtbot.add_widget(dlg)
    listed = " ".join(dlg.table.item(r, 0).text() for r in range(dlg.table.rowCount()))
    for action in window.actions():
        for seq in action.shortcuts():
            assert seq.toString(QKeySequence.SequenceFormat.PortableText) in listed, action.text()


def test_lookup_filters_by_pack_and_level(window, qtbot):
    pack = window.search.filters["pack"]
    pack.setCurrentIndex(pack.findText("demo-motcua"))
    assert window.search.row_count() == min(50, window.store.count())
    level = window.search.filters["level"]
    level.setCurrentIndex(1)
    chosen = level.currentText()
    codes = [r.code for r in window.search.model.rows]
    assert codes and all(chosen in (window.store.procedure(c).level or "") for c in codes)


def test_page_down_and_enter_open_a_lower_result(window, qtbot):
    window.search.box.setFocus()
    qtbot.keyClick(window.search.box, Qt.Key.Key_PageDown)
    code = window.search.selected_code()
    assert code == window.search.code_at(min(10, window.search.row_count() - 1))
    qtbot.keyClick(window.search.box, Qt.Key.Key_Return)
    assert window.detail.procedure.code == code


def test_packs_dialog_cancel_changes_nothing(window, qtbot, make_pack, signing_key, monkeypatch):
    from pathlib import Path

    import desktop.dialogs.packs as packs_module
    from tests.conftest import record

    real = packs_module.install_pack

    def wait_for_the_clerk(**kw):  # hold the real install until Cancel is pressed
        kw["cancel"].wait(5)
        return real(**kw)

    monkeypatch.setattr(packs_module, "install_pack", wait_for_the_clerk)
    window.settings.trusted_key_files = [Path(f"{signing_key}.pub")]
    dlg = window.on_packs()
    qtbot.add_widget(dlg)
    dlg.install(make_pack([record("1.009999", "Cấp phép thử")], pack_id="demo-huy"))
    assert dlg.cancel_button.isVisible()
    qtbot.mouseClick(dlg.cancel_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dlg.result.text().startswith("Đã huỷ cài gói"))
    assert [p.pack_id for p in window.store.packs()] == ["demo-motcua"]
    assert not dlg.cancel_button.isVisible() and dlg.install_button.isEnabled()


def test_escape_clears_and_ctrl_n_takes_the_procedure_on_screen(window, qtbot):
    qtbot.keyClicks(window.search.box, "001612")
    qtbot.waitUntil(lambda: first_code(window) == "1.001612")
    qtbot.keyClick(window.search.box, Qt.Key.Key_Escape)
    assert window.search.box.text() == "" and first_code(window) == "1.004194"  # most used
    qtbot.keyClicks(window.search.box, "dang ky khai sinh")
    qtbot.waitUntil(lambda: first_code(window) == "1.001193")
    qtbot.keyClick(window.search.box, Qt.Key.Key_Return)
    qtbot.keyClick(window.search.box, Qt.Key.Key_Escape)  # a new search; the detail stays
    qtbot.keyClick(window.search.box, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    assert window.checklist.intake.procedure_code == "1.001193"
    assert window.checklist.name.hasFocus()


def test_a_situation_finds_its_procedure_and_says_why(window, qtbot):
    """Words only an alias holds ("con mới đẻ") find the procedure; the row shows that alias."""
    type_text(window.search.box, "con mới đẻ")
    qtbot.waitUntil(lambda: first_code(window) == "1.001193")
    cell = window.search.model.index(0, 1)
    shown = cell.data(Qt.ItemDataRole.UserRole)
    assert "Người dân hay nói: “" in shown and "<b>đẻ</b>" in shown
    assert "\nNgười dân hay nói" in cell.data(Qt.ItemDataRole.ToolTipRole)
    one_line = window.search.table.rowHeight(0)
    window.search.box.clear()
    type_text(window.search.box, "đăng ký khai sinh")  # the name says it all: no alias line
    qtbot.waitUntil(lambda: "“đăng ký khai sinh”" in window.search.status.text())
    assert first_code(window) == "1.001193"
    assert "hay nói" not in window.search.model.index(0, 1).data(Qt.ItemDataRole.UserRole)
    assert window.search.table.rowHeight(0) < one_line
