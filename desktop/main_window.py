"""The main window: search and lookup on the left, the procedure on the right, packs below."""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import Qt, Slot
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QLabel, QMainWindow, QSplitter, QWidget

from desktop.dialogs.help import HelpDialog
from desktop.dialogs.packs import PacksDialog
from desktop.errors import show_error
from desktop.panes.detail import DetailPane
from desktop.panes.search import SearchPane
from desktop.tasks import run_job
from knowledge.errors import MotcuaError
from knowledge.progress import Progress
from knowledge.search import SearchIndex
from knowledge.settings import Settings, trusted_keys
from knowledge.store import Store, open_store
from knowledge.sync import SyncResult, sync

log = logging.getLogger(__name__)

SHORTCUTS = [
    ("Ctrl+F, F3", "Đưa con trỏ về ô tìm kiếm (từ bất kỳ đâu)"),
    ("↑ ↓", "Chọn thủ tục trong danh sách kết quả"),
    ("Enter", "Mở thủ tục đang chọn"),
    ("Ctrl+L", "Chuyển sang danh sách kết quả"),
    ("Ctrl+D", "Chuyển sang phần chi tiết thủ tục"),
    ("Ctrl+Shift+P", "Gói tri thức: xem, cài gói mới"),
    ("F5", "Đồng bộ gói từ thư mục chia sẻ ngay"),
    ("F1", "Bảng phím tắt này"),
    ("Ctrl+Q", "Thoát"),
]


class MainWindow(QMainWindow):
    def __init__(self, store: Store, index: SearchIndex, home: Path, settings: Settings) -> None:
        super().__init__()
        self.store, self.home, self.settings = store, home, settings
        self.setWindowTitle("motcua — Tra cứu thủ tục hành chính, bộ phận một cửa")
        self.search = SearchPane(store, index)
        self.detail = DetailPane()
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(self.search)
        split.addWidget(self.detail)
        split.setStretchFactor(0, 5)
        split.setStretchFactor(1, 6)
        split.setSizes([600, 760])
        self.setCentralWidget(split)
        self.search.opened.connect(self.on_opened)
        self.pack_label = QLabel()
        self.statusBar().addPermanentWidget(self.pack_label)
        self.setTabOrder(self.search.box, self.search.table)
        self.setTabOrder(self.search.table, self.detail.view)
        self._actions()
        self.update_status()
        self.search.box.setFocus()

    def _actions(self) -> None:
        def add(text: str, keys: list[str], slot) -> QAction:
            a = QAction(text, self)
            a.setShortcuts([QKeySequence(k) for k in keys])
            a.setShortcutContext(Qt.ShortcutContext.ApplicationShortcut)
            a.triggered.connect(slot)
            self.addAction(a)
            return a

        self.focus_search = add("Tìm kiếm", ["Ctrl+F", "F3"], self.on_focus_search)
        add("Danh sách kết quả", ["Ctrl+L"], lambda: self.search.table.setFocus())
        add("Chi tiết", ["Ctrl+D"], lambda: self.detail.view.setFocus())
        add("Gói tri thức", ["Ctrl+Shift+P"], self.on_packs)
        self.sync_action = add("Đồng bộ ngay", ["F5"], self.on_sync_now)
        add("Phím tắt", ["F1"], self.on_help)
        add("Thoát", ["Ctrl+Q"], self.close)
        menu = self.menuBar().addMenu("&Công cụ")
        for a in self.actions():
            menu.addAction(a)

    # ------------------------------------------------------------------------------ slots
    @Slot()
    def on_focus_search(self) -> None:
        self.search.box.setFocus()
        self.search.box.selectAll()

    @Slot(str)
    def on_opened(self, code: str) -> None:
        try:
            self.detail.show_procedure(self.store.procedure(code))
        except MotcuaError as e:
            show_error(self, e)

    @Slot()
    def on_help(self) -> HelpDialog:
        dlg = HelpDialog(SHORTCUTS, self)
        dlg.show()
        return dlg

    @Slot()
    def on_packs(self) -> PacksDialog:
        dlg = PacksDialog(self.store, self.home, trusted_keys(self.settings), self)
        dlg.installed.connect(self.reload_index)
        dlg.show()
        return dlg

    @Slot()
    def on_sync_now(self) -> None:
        if not self.settings.share_path:
            self.statusBar().showMessage("Chưa cấu hình thư mục chia sẻ để đồng bộ.", 5000)
            return
        home, share, trusted = self.home, Path(self.settings.share_path), trusted_keys(self.settings)
        timeout = self.settings.timeout_seconds

        def job(progress, cancel) -> SyncResult:
            with open_store(home) as store:  # a worker opens its own connection
                return sync(store=store, home=home, share=share, trusted=trusted,
                            timeout=timeout, progress=progress, cancel=cancel)

        self.statusBar().showMessage("Đang đồng bộ gói…")
        run_job(job, parent=self, label="sync", on_done=self.on_synced,
                on_error=lambda e: show_error(self, e), on_progress=self.on_progress, writes=True)

    @Slot(object)
    def on_progress(self, p: Progress) -> None:
        self.statusBar().showMessage(f"{p.what} {p.done}/{p.total}")

    @Slot(object)
    def on_synced(self, result: SyncResult) -> None:
        self.statusBar().showMessage(result.message_vi, 15000)
        if result.installed:
            self.reload_index()

    @Slot()
    def reload_index(self) -> None:
        """Load the new index off the UI thread and swap it in; searches go on meanwhile."""
        home = self.home

        def job(progress, cancel) -> SearchIndex:
            with open_store(home, readonly=True) as store:
                return store.load_index()

        run_job(job, parent=self, label="load index", on_done=self.on_index_loaded,
                on_error=lambda e: show_error(self, e))

    @Slot(object)
    def on_index_loaded(self, index: SearchIndex) -> None:
        self.search.set_index(index)
        self.update_status()

    def update_status(self) -> None:
        packs = self.store.packs()
        text = " · ".join(f"{p.title} (v{p.version}, {p.procedures} thủ tục)" for p in packs)
        self.pack_label.setText(text or "Chưa cài gói tri thức nào")
