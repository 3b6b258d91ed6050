"""Packs dialog for supervisors: what is installed, install a pack file with progress."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Signal, Slot
from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
)

from desktop.errors import show_error
from desktop.tasks import run_job
from knowledge.errors import Cancelled
from knowledge.progress import Progress
from knowledge.store import InstallResult, Store, install_pack, open_store

FIELD_VI = {"name": "tên", "dossier": "thành phần hồ sơ", "processing_time": "thời hạn",
            "channels": "cách thức, phí", "fees": "phí, lệ phí", "steps": "trình tự",
            "legal_basis": "căn cứ pháp lý", "requirements": "yêu cầu", "result": "kết quả",
            "agency": "cơ quan thực hiện", "level": "cấp thực hiện", "field": "lĩnh vực"}


def changes_vi(r: InstallResult, limit: int = 15) -> str:
    """The changes against the previous version, one line per procedure."""
    lines = [f"+ {c}" for c in r.added[:limit]] + [f"- {c}" for c in r.removed[:limit]]
    lines += [f"~ {c}: " + ", ".join(FIELD_VI.get(f, f) for f in fields)
              for c, fields in list(r.changed_fields.items())[:limit]]
    return "".join(f"\n  {line}" for line in lines)


class PacksDialog(QDialog):
    installed = Signal()

    def __init__(self, store: Store, home: Path, trusted: list, parent=None) -> None:
        super().__init__(parent)
        self.store, self.home, self.trusted = store, home, trusted
        self.setWindowTitle("Gói tri thức")
        self.table = QTableWidget(0, 5)
        self.table.setHorizontalHeaderLabels(["Mã gói", "Tên gói", "Phiên bản", "Số thủ tục",
                                              "Người ký (mã khoá)"])
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setStretchLastSection(True)
        self.install_button = QPushButton("Cài gói từ tệp…")
        self.install_button.clicked.connect(self.on_choose)
        self.progress = QProgressBar()
        self.progress.hide()
        self.cancel_button = QPushButton("Huỷ cài")
        self.cancel_button.clicked.connect(self.on_cancel)
        self.cancel_button.hide()
        self.job = None
        self.result = QLabel()
        self.result.setWordWrap(True)
        row = QHBoxLayout()
        row.addWidget(self.install_button)
        row.addWidget(self.progress, 1)
        row.addWidget(self.cancel_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table)
        layout.addLayout(row)
        layout.addWidget(self.result)
        self.resize(820, 360)
        self.refresh()

    def refresh(self) -> None:
        packs = self.store.packs()
        self.table.setRowCount(len(packs))
        for r, p in enumerate(packs):
            for c, v in enumerate([p.pack_id, p.title, str(p.version), str(p.procedures),
                                   p.signer or "chưa ký"]):
                self.table.setItem(r, c, QTableWidgetItem(v))
        self.table.resizeColumnsToContents()

    @Slot()
    def on_choose(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Chọn gói tri thức", "",
                                              "Gói tri thức (*.mcpack)")
        if path:
            self.install(Path(path))

    def install(self, path: Path) -> None:
        home, trusted = self.home, self.trusted

        def job(progress, cancel) -> InstallResult:
            with open_store(home) as store:
                return install_pack(store=store, pack_path=path, trusted=trusted,
                                    progress=progress, cancel=cancel)

        self.install_button.setEnabled(False)
        self.progress.show()
        self.cancel_button.show()
        self.result.setText(f"Đang cài {path.name}…")
        self.job = run_job(job, parent=self, label="install", on_done=self.on_installed,
                on_error=self.on_failed, on_progress=self.on_progress, writes=True)

    @Slot()
    def on_cancel(self) -> None:
        if self.job is not None:
            self.job.cancel.set()  # the install stops at its next step and changes nothing
            self.result.setText("Đang huỷ…")

    def _finished(self) -> None:
        self.job = None
        self.install_button.setEnabled(True)
        self.progress.hide()
        self.cancel_button.hide()

    @Slot(object)
    def on_progress(self, p: Progress) -> None:
        self.progress.setMaximum(max(p.total, 1))
        self.progress.setValue(p.done)

    @Slot(object)
    def on_installed(self, r: InstallResult) -> None:
        self._finished()
        self.result.setText(r.summary_vi() + changes_vi(r))
        self.refresh()
        self.installed.emit()

    @Slot(object)
    def on_failed(self, e: BaseException) -> None:
        self._finished()
        if isinstance(e, Cancelled):
            self.result.setText("Đã huỷ cài gói; dữ liệu đang dùng không đổi.")
            return
        self.result.setText("Không cài được gói.")
        show_error(self, e)
