"""Counter figures for a supervisor: intakes today and over 30 days, minutes each, what is missing."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from PySide6.QtCore import Slot
from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
)

from knowledge.intake import Figures, IntakeStore, export_csv, figures, last_30_days


def _minutes(x: float | None) -> str:
    return "—" if x is None else f"{x:.1f}".replace(".", ",")


class FiguresDialog(QDialog):
    def __init__(self, intakes: IntakeStore, parent=None, now: datetime | None = None) -> None:
        super().__init__(parent)
        self.intakes = intakes
        self.setWindowTitle("Số liệu tiếp nhận")
        now = now or datetime.now()
        start_today = now.replace(hour=0, minute=0, second=0, microsecond=0)
        self.periods = {"Hôm nay": (start_today, start_today + timedelta(days=1)),
                        "30 ngày qua": last_30_days(now)}
        self.table = QTableWidget(len(self.periods), 5)
        self.table.setHorizontalHeaderLabels(["Kỳ", "Số hồ sơ", "Tiếp nhận", "Trả bổ sung",
                                              "Phút/hồ sơ (trung vị)"])
        self.table.verticalHeader().hide()
        self.missing = QLabel()
        self.missing.setWordWrap(True)
        self.figures: dict[str, Figures] = {}
        for r, (name, (since, until)) in enumerate(self.periods.items()):
            f = figures(store=intakes, since=since, until=until)
            self.figures[name] = f
            for c, v in enumerate([name, str(f.count), str(f.received), str(f.returned),
                                   _minutes(f.median_minutes)]):
                self.table.setItem(r, c, QTableWidgetItem(v))
        self.table.resizeColumnsToContents()
        top = self.figures["30 ngày qua"].most_missing
        self.missing.setText("Giấy tờ hay thiếu nhất (30 ngày): " + ("; ".join(
            f"{name} ({n} lần)" for name, n in top[:5]) if top else "chưa có."))
        export = QPushButton("Xuất CSV (30 ngày)…")
        export.clicked.connect(self.on_export)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table)
        layout.addWidget(self.missing)
        layout.addWidget(export)
        self.resize(720, 300)

    def export(self, path: Path) -> int:
        since, until = self.periods["30 ngày qua"]
        return export_csv(store=self.intakes, path=path, since=since, until=until)

    @Slot()
    def on_export(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Xuất số liệu", "so-lieu-tiep-nhan.csv",
                                              "CSV (*.csv)")
        if path:
            n = self.export(Path(path))
            self.missing.setText(self.missing.text() + f"\nĐã xuất {n} hồ sơ ra {path}.")
