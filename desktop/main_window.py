"""The main window: search and lookup on the left, the procedure on the right, packs below."""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import Qt, Slot
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QProgressBar,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from desktop.dialogs.figures import FiguresDialog
from desktop.dialogs.help import HelpDialog
from desktop.dialogs.packs import PacksDialog
from desktop.errors import show_error
from desktop.panes.checklist import ChecklistPane, pdf_name
from desktop.panes.detail import DetailPane
from desktop.panes.search import SearchPane
from desktop.printing import print_dialog, print_to_pdf
from desktop.tasks import run_job
from knowledge.errors import MotcuaError
from knowledge.intake import (
    Intake,
    IntakeStore,
    open_intakes,
    start_intake,
    today,
    unfinished,
)
from knowledge.paths import resource
from knowledge.progress import Progress
from knowledge.receipt import Slip, SlipSettings
from knowledge.search import SearchIndex
from knowledge.settings import Settings, trusted_keys
from knowledge.store import InstallResult, Store, install_pack, open_store
from knowledge.sync import SyncResult, sync
from knowledge.workdays import Calendar

log = logging.getLogger(__name__)

SHORTCUTS = [
    ("Ctrl+F, F3", "Đưa con trỏ về ô tìm kiếm (từ bất kỳ đâu)"),
    ("↑ ↓", "Chọn thủ tục trong danh sách kết quả"),
    ("Enter", "Mở thủ tục đang chọn"),
    ("Esc", "Xoá ô tìm kiếm (khi con trỏ ở ô tìm kiếm)"),
    ("Ctrl+L", "Chuyển sang danh sách kết quả"),
    ("Ctrl+D", "Chuyển sang phần chi tiết thủ tục"),
    ("Ctrl+N", "Bắt đầu tiếp nhận hồ sơ cho thủ tục đang xem"),
    ("Space", "Đánh dấu / bỏ đánh dấu giấy tờ đang chọn trong danh sách hồ sơ"),
    ("Ctrl+S", "Lưu hồ sơ (hồ sơ vẫn được lưu sau mỗi thay đổi)"),
    ("Ctrl+P", "Đủ giấy tờ: tiếp nhận và in Mẫu 01; còn thiếu: in Mẫu 02"),
    ("Ctrl+H", "Hồ sơ hôm nay (tìm theo tên, mã hồ sơ, thủ tục)"),
    ("Ctrl+Shift+P", "Gói tri thức: xem, cài gói mới"),
    ("Ctrl+Shift+F", "Số liệu tiếp nhận: hôm nay, 30 ngày; xuất CSV"),
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
        self.intakes: IntakeStore = open_intakes(home)
        self.open_print_dialog = True
        self.last_pdf: Path | None = None
        self.checklist = ChecklistPane(self.intakes, Calendar.from_json(store.calendar()),
                                       SlipSettings(unit_name=settings.unit_name,
                                                    agency_code=settings.agency_code,
                                                    result_place=settings.result_place,
                                                    contact=settings.contact))
        self.checklist.closed.connect(self.on_slip)
        self.today_box = QLineEdit(placeholderText="Tìm hồ sơ hôm nay: tên, mã hồ sơ, thủ tục")
        self.today_list = QListWidget()
        self.today_box.textChanged.connect(self.refresh_today)
        self.today_list.itemActivated.connect(self.on_today_activated)
        today_page = QWidget()
        t_layout = QVBoxLayout(today_page)
        t_layout.addWidget(self.today_box)
        t_layout.addWidget(self.today_list)
        self.tabs = QTabWidget()
        self.tabs.addTab(self.detail, "Chi tiết thủ tục")
        self.tabs.addTab(self.checklist, "Tiếp nhận hồ sơ")
        self.tabs.addTab(today_page, "Hồ sơ hôm nay")
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(self.search)
        split.addWidget(self.tabs)
        split.setStretchFactor(0, 5)
        split.setStretchFactor(1, 6)
        split.setSizes([600, 760])
        self.setCentralWidget(split)
        self.search.opened.connect(self.on_opened)
        self.pack_label = QLabel()
        self.progress = QProgressBar(maximumWidth=220, textVisible=False)
        self.progress.hide()
        self.statusBar().addPermanentWidget(self.progress)
        self.statusBar().addPermanentWidget(self.pack_label)
        # Tab follows the work: search → results → filters → the open tab's content.
        self.setTabOrder(self.search.box, self.search.table)
        previous = self.search.table
        for combo in self.search.filters.values():
            self.setTabOrder(previous, combo)
            previous = combo
        self.setTabOrder(previous, self.tabs)
        self.setTabOrder(self.tabs, self.detail.view)
        self._actions()
        self.update_status()
        self.refresh_today()
        self.resume_unfinished()
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
        add("Tiếp nhận hồ sơ", ["Ctrl+N"], self.on_start_intake)
        add("Lưu hồ sơ", ["Ctrl+S"], self.on_save)
        add("Tiếp nhận / in phiếu", ["Ctrl+P"], self.on_print)
        add("Hồ sơ hôm nay", ["Ctrl+H"], self.on_today)
        add("Gói tri thức", ["Ctrl+Shift+P"], self.on_packs)
        add("Số liệu tiếp nhận", ["Ctrl+Shift+F"], self.on_figures)
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
            self.tabs.setCurrentWidget(self.detail)
        except MotcuaError as e:
            show_error(self, e)

    # --------------------------------------------------------------------------- intakes
    def resume_unfinished(self) -> None:
        """After a crash or a kill, the unfinished intakes are there: reopen the latest."""
        left = unfinished(store=self.intakes)
        if left:
            self.checklist.load(left[0])
            self.tabs.setCurrentWidget(self.checklist)
            self.statusBar().showMessage(
                f"Có {len(left)} hồ sơ đang tiếp nhận dở; đã mở lại hồ sơ gần nhất"
                " (các hồ sơ khác ở thẻ “Hồ sơ hôm nay”).", 15000)

    def install_first_pack(self) -> None:
        """First start with nothing installed: install the bundled demo pack off the UI thread."""
        if self.store.packs():
            return
        home, trusted = self.home, trusted_keys(self.settings)
        pack_path = resource("demo-pack", "demo.mcpack")

        def job(progress, cancel) -> InstallResult:
            with open_store(home) as store:  # the writer opens its own connection
                return install_pack(store=store, pack_path=pack_path, trusted=trusted,
                                    progress=progress, cancel=cancel)

        self.statusBar().showMessage("Lần đầu sử dụng: đang cài gói tri thức mẫu…")
        self.progress.setRange(0, 0)
        self.progress.show()
        run_job(job, parent=self, label="first pack", on_done=self.on_first_pack_installed,
                on_error=self.on_first_pack_failed, on_progress=self.on_progress, writes=True)

    @Slot(object)
    def on_first_pack_installed(self, result: InstallResult) -> None:
        self.progress.hide()
        log.info("first start: %s", result.summary_vi())
        self.statusBar().showMessage(result.summary_vi().splitlines()[0], 15000)
        self.reload_index()

    @Slot(object)
    def on_first_pack_failed(self, exc: BaseException) -> None:
        self.progress.hide()
        self.statusBar().showMessage("Chưa cài được gói tri thức mẫu (Ctrl+Shift+P để cài).")
        show_error(self, exc)

    @Slot()
    def on_start_intake(self) -> None:
        # The procedure on screen (what the clerk has read); before any is opened, the
        # highlighted result.
        p = self.detail.procedure
        code = self.search.selected_code() if p is None else p.code
        if code is None:
            self.statusBar().showMessage("Hãy chọn một thủ tục trước.", 5000)
            return
        try:
            procedure = self.store.procedure(code)
        except MotcuaError as e:
            show_error(self, e)
            return
        self.detail.show_procedure(procedure)
        intake = start_intake(store=self.intakes, procedure=procedure,
                              pack_id=self.search.index.pack_ids[
                                  self.search.index.doc_of_code[code]]
                              if code in self.search.index.doc_of_code else None)
        self.checklist.load(intake)
        self.tabs.setCurrentWidget(self.checklist)
        self.checklist.name.setFocus()
        self.refresh_today()

    @Slot()
    def on_save(self) -> None:
        if self.checklist.intake is not None:
            self.checklist._save()
            self.statusBar().showMessage("Đã lưu hồ sơ.", 3000)

    @Slot()
    def on_print(self) -> None:
        it = self.checklist.intake
        if it is None or it.status != "open":
            self.statusBar().showMessage("Không có hồ sơ đang tiếp nhận.", 5000)
            return
        if it.complete:
            self.checklist.on_receive()
        else:
            self.checklist.on_return()

    @Slot(object)
    def on_slip(self, slip: Slip) -> None:
        it = self.checklist.intake
        form = "mau01" if it.status == "received" else "mau02"
        done = (f"Đã tiếp nhận hồ sơ {it.dossier_code}." if form == "mau01"
                else "Đã lập phiếu yêu cầu bổ sung hồ sơ.")
        self.statusBar().showMessage(done + " Đang lưu bản PDF…")
        self.refresh_today()
        path = pdf_name(self.home, it, form)
        # QPainter on a QPrinter may run off the UI thread: the clerk's next dossier does not wait.
        run_job(lambda progress, cancel: print_to_pdf(slip, path), parent=self, label="pdf",
                on_done=lambda p: self.on_pdf_saved(p, done),
                on_error=lambda e: show_error(self, e))
        # The dossier is closed: back to the search for the next one (after the print dialog).
        if self.open_print_dialog:
            print_dialog(slip, self).finished.connect(self.on_focus_search)
        else:
            self.on_focus_search()

    def on_pdf_saved(self, path: Path, done: str) -> None:
        self.last_pdf = path
        self.statusBar().showMessage(f"{done} Bản PDF: {path}", 15000)

    @Slot()
    def on_today(self) -> None:
        self.tabs.setCurrentIndex(2)
        self.today_box.setFocus()

    @Slot()
    def refresh_today(self) -> None:
        self.today_list.clear()
        status_vi = {"open": "đang dở", "received": "đã tiếp nhận", "returned": "trả bổ sung",
                     "abandoned": "bỏ"}
        query = self.today_box.text()
        shown = today(store=self.intakes, query=query)
        ids = {it.id for it in shown}
        # Unfinished intakes from earlier days stay on the list until they are closed.
        older = [it for it in unfinished(store=self.intakes)
                 if it.id not in ids and (not query or query.casefold() in
                                          f"{it.applicant_name} {it.procedure_name}".casefold())]
        for it in older + shown:
            when = it.opened_at[11:16] if it.id in ids else \
                f"{it.opened_at[8:10]}/{it.opened_at[5:7]}"
            w = QListWidgetItem(f"{when}  {it.dossier_code or '—'}  "
                                f"{it.applicant_name or '(chưa ghi tên)'} — {it.procedure_name}"
                                f"  [{status_vi[it.status]}]")
            w.setData(Qt.ItemDataRole.UserRole, it.id)
            self.today_list.addItem(w)

    @Slot(QListWidgetItem)
    def on_today_activated(self, w: QListWidgetItem) -> None:
        intake: Intake = self.intakes.get(w.data(Qt.ItemDataRole.UserRole))
        self.checklist.load(intake)
        self.tabs.setCurrentWidget(self.checklist)

    def closeEvent(self, event) -> None:
        self.intakes.close()
        super().closeEvent(event)

    @Slot()
    def on_figures(self) -> FiguresDialog:
        dlg = FiguresDialog(self.intakes, self)
        dlg.show()
        return dlg

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
        if p.total:
            self.progress.setRange(0, p.total)
            self.progress.setValue(p.done)
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
        self.checklist.calendar = Calendar.from_json(self.store.calendar())  # holidays may change
        self.update_status()

    def update_status(self) -> None:
        packs = self.store.packs()
        text = " · ".join(f"{p.title} (v{p.version}, {p.procedures} thủ tục)" for p in packs)
        self.pack_label.setText(text or "Chưa cài gói tri thức nào")
