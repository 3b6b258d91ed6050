"""The dossier checklist: tick each document as it is handed over; saved on every change."""

from __future__ import annotations

from datetime import datetime
from itertools import pairwise
from pathlib import Path

from PySide6.QtCore import QDateTime, Qt, Signal, Slot
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QComboBox,
    QDateTimeEdit,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from knowledge.errors import MotcuaError
from knowledge.intake import Intake, IntakeStore, receive, return_dossier, save_intake
from knowledge.receipt import Slip, SlipSettings, receipt_form01, request_form02
from knowledge.workdays import Calendar, Duration, appointment, parse_processing_time

MISSING = QColor("#b00020")
KIND_VI = {"submit": "nộp", "present": "xuất trình", "note": "lưu ý"}
UNIT_VI = {"working_days": "ngày làm việc", "calendar_days": "ngày (cả ngày nghỉ)",
           "working_hours": "giờ làm việc"}


class ChecklistPane(QWidget):
    """One intake at a time. Every change is saved at once (``save_intake``)."""

    closed = Signal(object)  # the Slip to print after receive / return

    def __init__(self, intakes: IntakeStore, calendar: Calendar, slip_settings: SlipSettings,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.intakes, self.calendar, self.slip_settings = intakes, calendar, slip_settings
        self.intake: Intake | None = None
        self.title = QLabel("Chưa có hồ sơ đang tiếp nhận. Chọn thủ tục rồi bấm Ctrl+N.")
        self.title.setWordWrap(True)
        self.title.setObjectName("intakeTitle")
        self.case = QComboBox()
        # Case headings are long sentences: never let one widen the window past the screen.
        self.case.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.case.setMinimumContentsLength(30)
        self.case.currentIndexChanged.connect(self.on_case_changed)
        self.name, self.phone, self.address = QLineEdit(), QLineEdit(), QLineEdit()
        form = QFormLayout()
        form.addRow("Trường hợp:", self.case)
        form.addRow("Người nộp:", self.name)
        form.addRow("Điện thoại:", self.phone)
        form.addRow("Địa chỉ:", self.address)
        for w in (self.name, self.phone, self.address):
            w.textEdited.connect(self.on_applicant_edited)
        self.items = QListWidget()
        self.items.setObjectName("checklistItems")
        self.items.setWordWrap(True)
        self.items.itemChanged.connect(self.on_item_changed)
        self.items.currentRowChanged.connect(self.on_current_changed)
        self.note = QLineEdit(placeholderText="Ghi chú cho giấy tờ đang chọn")
        self.note.textEdited.connect(self.on_note_edited)
        self.count = QLabel()
        self.count.setObjectName("checklistCount")
        self.appointment = QLabel()
        self.appointment.setWordWrap(True)
        # A bare number ("1") has no unit: the clerk confirms it, nothing is assumed silently.
        self.unit_label = QLabel()
        self.unit_label.setTextFormat(Qt.TextFormat.PlainText)
        self.unit_buttons: dict[str, QPushButton] = {}
        unit_row = QHBoxLayout()
        unit_row.addWidget(self.unit_label)
        for kind, text in UNIT_VI.items():
            b = QPushButton(text)
            b.setObjectName(f"unit_{kind}")
            b.clicked.connect(self.on_unit_clicked)
            b.setProperty("kind", kind)
            self.unit_buttons[kind] = b
            unit_row.addWidget(b)
        unit_row.addStretch(1)
        self.unit_box = QWidget()
        self.unit_box.setLayout(unit_row)
        unit_row.setContentsMargins(0, 0, 0, 0)
        self.unit_box.hide()
        self.when = QDateTimeEdit(calendarPopup=True)
        self.when.setDisplayFormat("HH:mm dd/MM/yyyy")
        self.reason = QLineEdit(placeholderText="Lý do đổi ngày hẹn")
        self.set_when = QPushButton("Đổi ngày hẹn")
        self.set_when.clicked.connect(self.on_set_appointment)
        when_row = QHBoxLayout()
        for w in (self.when, self.reason, self.set_when):
            when_row.addWidget(w)
        self.return_reason = QLineEdit(placeholderText="Lý do trả hồ sơ, in trên Mẫu 02 (bỏ trống:"
                                                       " chưa đủ thành phần)")
        self.receive_button = QPushButton("Tiếp nhận, in Mẫu 01 (Ctrl+P)")
        self.return_button = QPushButton("Trả hồ sơ, in Mẫu 02")
        self.receive_button.clicked.connect(self.on_receive)
        self.return_button.clicked.connect(self.on_return)
        buttons = QHBoxLayout()
        buttons.addWidget(self.receive_button)
        buttons.addWidget(self.return_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addLayout(form)
        layout.addWidget(QLabel("Thành phần hồ sơ (Space: đánh dấu đã nhận):"))
        layout.addWidget(self.items, 1)
        layout.addWidget(self.note)
        layout.addWidget(self.count)
        layout.addWidget(self.appointment)
        layout.addWidget(self.unit_box)
        layout.addLayout(when_row)
        layout.addWidget(self.return_reason)
        layout.addLayout(buttons)
        # Tab follows the work: case, applicant, documents, note, date, then receive or return.
        order = [self.case, self.name, self.phone, self.address, self.items, self.note,
                 *self.unit_buttons.values(), self.when, self.reason, self.set_when,
                 self.return_reason, self.receive_button, self.return_button]
        for a, b in pairwise(order):
            self.setTabOrder(a, b)
        self._loading = False
        self.set_enabled(False)

    def set_enabled(self, on: bool) -> None:
        for w in (self.case, self.name, self.phone, self.address, self.items, self.note,
                  self.when, self.reason, self.set_when, self.return_reason, self.receive_button,
                  self.return_button, self.unit_box):
            w.setEnabled(on)

    # ------------------------------------------------------------------------------ load
    def load(self, intake: Intake) -> None:
        self._loading = True
        self.intake = intake
        self.title.setTextFormat(Qt.TextFormat.PlainText)  # pack text is never markup
        self.show_title()
        cases = sorted({i.case for i in intake.items if i.case}, key=[
            i.case for i in intake.items].index)
        self.case.clear()
        self.case.addItems(cases)
        self.case.setVisible(bool(cases))
        if intake.case:
            self.case.setCurrentIndex(max(self.case.findText(intake.case), 0))
        self.return_reason.setText(getattr(intake, "return_reason", "") or "")
        self.name.setText(intake.applicant_name)
        self.phone.setText(intake.phone)
        self.address.setText(intake.address)
        self._loading = False
        self.set_enabled(intake.status == "open")
        self.refresh_items()
        if intake.appointment_at is None:
            self.compute_appointment()
        self.show_appointment()

    def show_title(self) -> None:
        it = self.intake
        state = {"open": "Đang tiếp nhận",
                 "received": f"Đã tiếp nhận, mã hồ sơ {it.dossier_code}",
                 "returned": "Đã trả để bổ sung (Mẫu 02)",
                 "abandoned": "Đã bỏ"}.get(it.status, it.status)
        self.title.setText(f"{state}: {it.procedure_name} (mã thủ tục {it.procedure_code})")

    def refresh_items(self) -> None:
        self._loading = True
        it = self.intake
        self.items.clear()
        for item in it.applicable():
            text = item.name
            if item.kind != "note":
                copies = ", ".join(p for p in (f"{item.original} bản chính" if item.original else "",
                                               f"{item.copy} bản sao" if item.copy else "") if p)
                text += f"  [{KIND_VI[item.kind]}{': ' + copies if copies else ''}]"
                if item.conditional:
                    text += "  (nếu có, không tính thiếu)"
            else:
                text = f"Lưu ý: {item.name}"
            if item.note:
                text += f"  — {item.note}"
            w = QListWidgetItem(text)
            w.setData(Qt.ItemDataRole.UserRole, item.index)
            if item.kind == "note":
                w.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
                w.setForeground(QBrush(QColor("#666")))
            else:
                w.setFlags(w.flags() | Qt.ItemFlag.ItemIsUserCheckable)
                w.setCheckState(Qt.CheckState.Checked if item.ticked else Qt.CheckState.Unchecked)
                if not item.ticked and not item.conditional:
                    w.setForeground(QBrush(MISSING))
            self.items.addItem(w)
        needed, missing = len(it.needed()), len(it.missing())
        self.count.setText(f"Đã nhận {needed - missing}/{needed} giấy tờ."
                           + (f" Còn thiếu {missing}." if missing else " Đủ hồ sơ."))
        self.count.setStyleSheet("font-weight: bold; color: %s;" % (
            MISSING.name() if missing else "#1b5e20"))
        self._loading = False

    def compute_appointment(self, duration: Duration | None = None) -> None:
        it = self.intake
        duration = duration or parse_processing_time(it.processing_time)
        if duration.kind == "unknown" or (duration.amount is None
                                          and duration.kind != "same_day"):
            it.appointment_at = None
            return
        it.appointment_at = appointment(datetime.now(), duration, self.calendar).isoformat()
        save_intake(store=self.intakes, intake=it)

    @Slot()
    def on_unit_clicked(self) -> None:
        kind = self.sender().property("kind")
        self.confirm_unit(kind)

    def confirm_unit(self, kind: str) -> None:
        """The clerk says what a bare number means; the date follows, the reason is recorded."""
        it = self.intake
        duration = parse_processing_time(it.processing_time).with_kind(kind)
        self.compute_appointment(duration)
        it.appointment_reason = (f"Thời hạn “{it.processing_time}” được xác nhận là "
                                 f"{duration.describe_vi()}")
        self._save()
        self.show_appointment()

    def show_appointment(self) -> None:
        it = self.intake
        duration = parse_processing_time(it.processing_time)
        asks = (duration.kind == "unknown" and duration.amount is not None
                and not it.appointment_at and it.status == "open")
        self.unit_box.setVisible(asks)
        if asks:
            self.unit_label.setText(f"“{it.processing_time}” là:")
        if it.appointment_at:
            when = datetime.fromisoformat(it.appointment_at)
            self.when.setDateTime(QDateTime(when))
            self.appointment.setText(
                f"Thời hạn: {duration.describe_vi()}. Ngày hẹn trả: {when:%H:%M, %d/%m/%Y}"
                + (f" (đã đổi: {it.appointment_reason})" if it.appointment_reason else
                   " (ước tính: hãy kiểm tra)" if duration.needs_confirmation else ""))
        else:
            self.when.setDateTime(QDateTime.currentDateTime())
            self.appointment.setText(
                f"Thời hạn ghi trong thủ tục: “{it.processing_time or 'không có'}” — chưa rõ đơn vị."
                + (" Chọn đơn vị bên dưới, hoặc" if duration.amount is not None else " Hãy")
                + " chọn ngày hẹn và ghi lý do.")

    # ------------------------------------------------------------------------------ edits
    def _save(self) -> None:
        if self.intake is not None and not self._loading:
            save_intake(store=self.intakes, intake=self.intake)

    @Slot(int)
    def on_case_changed(self, _i: int) -> None:
        if self._loading or self.intake is None:
            return
        self.intake.case = self.case.currentText() or None
        self._save()
        self.refresh_items()

    @Slot(str)
    def on_applicant_edited(self, _text: str) -> None:
        it = self.intake
        it.applicant_name, it.phone, it.address = (self.name.text(), self.phone.text(),
                                                   self.address.text())
        self._save()

    @Slot(QListWidgetItem)
    def on_item_changed(self, w: QListWidgetItem) -> None:
        if self._loading:
            return
        item = self.intake.items[w.data(Qt.ItemDataRole.UserRole)]
        item.ticked = w.checkState() == Qt.CheckState.Checked
        self._save()
        row = self.items.currentRow()
        self.refresh_items()
        self.items.setCurrentRow(row)

    @Slot(int)
    def on_current_changed(self, row: int) -> None:
        w = self.items.item(row)
        if w is not None and self.intake is not None and not self._loading:
            self.note.setText(self.intake.items[w.data(Qt.ItemDataRole.UserRole)].note)

    @Slot(str)
    def on_note_edited(self, text: str) -> None:
        w = self.items.currentItem()
        if w is not None and self.intake is not None and not self._loading:
            self.intake.items[w.data(Qt.ItemDataRole.UserRole)].note = text
            self._save()

    @Slot()
    def on_set_appointment(self) -> None:
        if not self.reason.text().strip():
            self.reason.setFocus()
            self.reason.setPlaceholderText("Cần ghi lý do đổi ngày hẹn")
            return
        self.intake.appointment_at = self.when.dateTime().toPython().replace(
            second=0, microsecond=0).isoformat()
        self.intake.appointment_reason = self.reason.text().strip()
        self._save()
        self.show_appointment()

    # --------------------------------------------------------------------------- closing
    def receive_slip(self, agency_code: str) -> Slip:
        """Receive (all needed ticked): dossier code, Mẫu 01."""
        it = self.intake
        if not it.complete:
            raise MotcuaError(f"Hồ sơ còn thiếu {len(it.missing())} giấy tờ: chưa thể tiếp nhận."
                              " Hãy in Mẫu 02.", "receive with missing items")
        if not it.appointment_at:
            (next(iter(self.unit_buttons.values())) if self.unit_box.isVisible()
             else self.when).setFocus()
            raise MotcuaError("Chưa có ngày hẹn trả: hãy chọn ngày hẹn và ghi lý do.",
                              "no appointment")
        receive(store=self.intakes, intake=it, agency_code=agency_code)
        self.set_enabled(False)
        self.show_title()
        return receipt_form01(it, self.slip_settings, datetime.now())

    def return_slip(self, reason: str = "") -> Slip:
        it = self.intake
        reason = reason or self.return_reason.text().strip()
        return_dossier(store=self.intakes, intake=it, reason=reason)
        self.set_enabled(False)
        self.show_title()
        return request_form02(it, self.slip_settings, reason, datetime.now())

    @Slot()
    def on_receive(self) -> None:
        try:
            self.closed.emit(self.receive_slip(self.slip_settings.agency_code))
        except MotcuaError as e:
            from desktop.errors import show_error
            show_error(self, e)

    @Slot()
    def on_return(self) -> None:
        self.closed.emit(self.return_slip())


def pdf_name(home: Path, intake: Intake, form: str) -> Path:
    d = home / "slips"
    d.mkdir(exist_ok=True)
    return d / f"{form}-{intake.dossier_code or intake.id}.pdf"
