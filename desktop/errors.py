"""The one way errors reach the clerk: a non-modal message box with the Vietnamese sentence."""

from __future__ import annotations

import logging
import traceback

from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from knowledge.errors import MotcuaError

log = logging.getLogger(__name__)
_OPEN: set[QMessageBox] = set()

GENERIC_VI = ("Đã xảy ra lỗi không mong muốn. Công việc đã lưu vẫn còn nguyên; hãy thử lại "
              "hoặc báo cho quản trị (kèm chi tiết).")


def show_error(parent: QWidget | None, exc: BaseException) -> QMessageBox:
    """Show ``exc`` to the clerk (non-modal, already shown) and return the box."""
    if isinstance(exc, MotcuaError):
        text, detail = exc.message_vi, exc.detail_en
    else:
        text = GENERIC_VI
        detail = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    log.error("shown to the user: %s | %s", text, detail)
    box = QMessageBox(QMessageBox.Icon.Warning, "motcua", text, QMessageBox.StandardButton.Ok,
                      parent)
    box.button(QMessageBox.StandardButton.Ok).setText("Đóng")  # Qt has no Vietnamese strings
    # No setDetailedText: its toggle button says "Show Details..." in English (Qt ships no
    # Vietnamese strings); the details are in the log and on the clipboard for IT.
    box.setInformativeText("Bấm “Sao chép chi tiết” để gửi cho người quản trị.")
    box.setProperty("detail", detail)
    box.setEscapeButton(QMessageBox.StandardButton.Ok)  # Esc dismisses; close() works too
    copy = box.addButton("Sao chép chi tiết", QMessageBox.ButtonRole.ActionRole)
    copy.clicked.disconnect()
    copy.clicked.connect(lambda: QApplication.clipboard().setText(f"{text}\n\n{detail}"))
    box.setModal(False)
    if parent is None:
        # Nothing owns a parentless box: keep it alive until the clerk closes it.
        _OPEN.add(box)
        box.finished.connect(lambda _r, b=box: _OPEN.discard(b))
    box.show()
    return box
