"""The shortcuts panel (F1)."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
)


class HelpDialog(QDialog):
    def __init__(self, shortcuts: list[tuple[str, str]], parent=None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Phím tắt")
        table = QTableWidget(len(shortcuts), 2)
        table.setHorizontalHeaderLabels(["Phím", "Việc làm"])
        table.verticalHeader().hide()
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.setWordWrap(True)
        for r, (keys, what) in enumerate(shortcuts):
            table.setItem(r, 0, QTableWidgetItem(keys))
            table.setItem(r, 1, QTableWidgetItem(what))
        header = table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        table.resizeRowsToContents()
        self.table = table
        # Qt ships no Vietnamese translation: name the button ourselves.
        buttons = QDialogButtonBox()
        buttons.addButton("Đóng (Esc)", QDialogButtonBox.ButtonRole.RejectRole)
        buttons.rejected.connect(self.close)
        layout = QVBoxLayout(self)
        layout.addWidget(table)
        layout.addWidget(buttons)
        # Every shortcut visible at once on a 1366x768 screen, no scrolling.
        rows = sum(table.rowHeight(r) for r in range(table.rowCount()))
        self.resize(720, min(rows + header.height() + 90, 700))
