"""The printed slips as data and HTML (no Qt): Mẫu 01 (receipt and appointment), Mẫu 02 (request
for missing documents). Titles, numbers, header lines and the legal line come from settings,
because the regulation renumbers forms (DOMAIN.md). Every value is HTML-escaped.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from datetime import datetime

from knowledge.intake import Intake, IntakeItem


@dataclass
class SlipSettings:
    """What a counter prints at the top and bottom of its slips: data, never code."""

    unit_name: str = "BỘ PHẬN TIẾP NHẬN VÀ TRẢ KẾT QUẢ"
    parent_name: str = "UBND ……………"
    agency_code: str = "000.00.00.H00"
    header_lines: list[str] = field(default_factory=lambda: [
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc"])
    form01_number: str = "Mẫu số 01"
    form01_title: str = "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ"
    form02_number: str = "Mẫu số 02"
    form02_title: str = "PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ"
    legal_line: str = ""
    result_place: str = "Bộ phận Tiếp nhận và Trả kết quả"
    contact: str = ""
    clerk_name: str = ""
    logbook_volume: str = ""


def when_vi(dt: datetime | str | None) -> str:
    """``08 giờ 30 phút, ngày 23 tháng 11 năm 2026``."""
    if dt is None:
        return "…… giờ …… phút, ngày …… tháng …… năm ……"
    if isinstance(dt, str):
        dt = datetime.fromisoformat(dt)
    return f"{dt:%H} giờ {dt:%M} phút, ngày {dt:%d} tháng {dt:%m} năm {dt:%Y}"


@dataclass
class Slip:
    """A printed slip as plain data; ``to_html`` for printing (QTextDocument), ``to_text`` for tests."""

    number: str
    title: str
    lines: list[tuple[str, str]]  # (label, value) in order
    table_head: list[str]
    table: list[list[str]]
    after: list[str]
    signatures: list[tuple[str, str]]  # (role, name)
    settings: SlipSettings

    def to_text(self) -> str:
        out = [self.number, self.title]
        out += [f"{k}: {v}" for k, v in self.lines]
        out += [" | ".join(row) for row in [self.table_head] + self.table]
        out += self.after + [f"{role}: {name}" for role, name in self.signatures]
        return "\n".join(out)

    def to_html(self) -> str:
        """A complete HTML document for one A4 page: simple tables and attributes that Qt's
        QTextDocument renders, no external resources, every value escaped."""
        e = html.escape
        s = self.settings
        head = (f"<table width='100%'><tr><td width='45%' align='center'><b>{e(s.parent_name)}"
                f"<br>{e(s.unit_name)}</b></td><td align='center'><b>"
                + "<br>".join(e(h) for h in s.header_lines) + "</b></td></tr></table>")
        parts = [("<!DOCTYPE html><html lang='vi'><head><meta charset='utf-8'>"
                  f"<title>{e(self.number)} — {e(self.title)}</title></head>"
                  "<body style='font-family: \"Times New Roman\", serif; font-size: 12pt'>"),
                 f"<p align='right'><i>{e(self.number)}</i>"
                 + (f"<br><i>{e(s.legal_line)}</i>" if s.legal_line else "") + "</p>",
                 head, f"<h3 align='center'>{e(self.title)}</h3>"]
        parts += [f"<p>{e(k)}: <b>{e(v)}</b></p>" for k, v in self.lines]
        if self.table_head:
            parts.append("<table border='1' cellspacing='0' cellpadding='4' width='100%'><tr>"
                         + "".join(f"<th>{e(h)}</th>" for h in self.table_head) + "</tr>"
                         + "".join("<tr>" + "".join(f"<td>{e(c)}</td>" for c in row) + "</tr>"
                                   for row in self.table) + "</table>")
        parts += [f"<p>{e(a)}</p>" for a in self.after]
        parts.append("<table width='100%'><tr>" + "".join(
            f"<td align='center'><b>{e(role)}</b><br><i>(Ký và ghi rõ họ tên)</i><br><br><br><br>"
            f"{e(name)}</td>" for role, name in self.signatures) + "</tr></table></body></html>")
        return "".join(parts)


def _applicant(intake: Intake) -> list[tuple[str, str]]:
    return [("Họ và tên người nộp", intake.applicant_name or "……"),
            ("Địa chỉ", intake.address or "……"),
            ("Số điện thoại", intake.phone or "……"),
            ("Email", intake.email or "……")]


def _form_and_quantity(item: IntakeItem) -> tuple[str, str]:
    """The "Hình thức" and "Số lượng" cells: ``Bản chính; Bản sao`` / ``01; 02``."""
    if item.kind == "present":
        return "Xuất trình (không thu)", "—"
    forms = [(label, n) for label, n in (("Bản chính", item.original), ("Bản sao", item.copy)) if n]
    if not forms:
        return "Theo quy định", "01"
    return "; ".join(f for f, _ in forms), "; ".join(f"{n:02d}" for _, n in forms)


def receipt_form01(intake: Intake, settings: SlipSettings, now: datetime) -> Slip:
    """Mẫu 01: the documents received and the appointment."""
    rows = []
    for n, item in enumerate(intake.received_items(), start=1):
        form, quantity = _form_and_quantity(item)
        rows.append([str(n), item.name + (f" — {item.note}" if item.note else ""), form, quantity])
    lines = [("Mã hồ sơ", intake.dossier_code or "(chưa cấp)")] + _applicant(intake) + [
        ("Nội dung yêu cầu giải quyết", f"{intake.procedure_name} (mã {intake.procedure_code})"),
    ]
    if intake.case:
        lines.append(("Trường hợp", intake.case))
    after = ["Số lượng hồ sơ: 01 bộ.",
             f"Thời gian giải quyết hồ sơ theo quy định là: {intake.processing_time_raw or '……'}.",
             f"Thời gian nhận hồ sơ: {when_vi(intake.closed_at or now)}.",
             f"Thời gian trả kết quả giải quyết hồ sơ: {when_vi(intake.appointment_at)}."
             + (f" (Điều chỉnh: {intake.appointment_override_reason})"
                if intake.appointment_override_reason else ""),
             f"Đăng ký nhận kết quả tại: {settings.result_place}.",
             (f"Vào Sổ theo dõi hồ sơ, Quyển số: {settings.logbook_volume or '……'} "
              f"Số thứ tự: {_entry_number(intake.dossier_code)}")]
    return Slip(settings.form01_number, settings.form01_title, lines,
                ["TT", "Tên giấy tờ", "Hình thức (bản chính, bản sao)", "Số lượng"], rows, after,
                [("NGƯỜI NỘP HỒ SƠ", intake.applicant_name),
                 ("NGƯỜI TIẾP NHẬN HỒ SƠ", settings.clerk_name)], settings)


def _entry_number(dossier_code: str | None) -> str:
    """The logbook entry: the dossier code's daily sequence number."""
    if dossier_code and dossier_code.rsplit("-", 1)[-1].isdigit():
        return dossier_code.rsplit("-", 1)[-1]
    return "……"


def request_form02(intake: Intake, settings: SlipSettings, reason: str, now: datetime) -> Slip:
    """Mẫu 02: every missing item in one list (never ask twice), the reason and a contact."""
    rows = [[str(n), i.name + (f" — {i.note}" if i.note else ""), i_copies(i)]
            for n, i in enumerate(intake.missing(), start=1)]
    lines = [("Hồ sơ của", intake.applicant_name or "……")] + _applicant(intake)[1:] + [
        ("Nội dung yêu cầu giải quyết", f"{intake.procedure_name} (mã {intake.procedure_code})")]
    if intake.case:
        lines.append(("Trường hợp", intake.case))
    reason = reason or intake.return_reason
    after = ["Yêu cầu bổ sung, hoàn thiện hồ sơ gồm những nội dung trên.",
             f"Lý do: {reason or 'Hồ sơ chưa đủ thành phần theo quy định.'}",
             "Trong quá trình hoàn thiện hồ sơ nếu có vướng mắc, ông/bà liên hệ: "
             + (settings.contact or settings.result_place) + ".",
             f"Ngày {now:%d} tháng {now:%m} năm {now:%Y}."]
    return Slip(settings.form02_number, settings.form02_title, lines,
                ["TT", "Nội dung cần bổ sung, hoàn thiện", "Số lượng"], rows, after,
                [("NGƯỜI HƯỚNG DẪN", settings.clerk_name)], settings)


def i_copies(i: IntakeItem) -> str:
    if i.kind == "present":
        return "Xuất trình bản chính"
    parts = [f"{i.original:02d} bản chính"] if i.original else []
    if i.copy:
        parts.append(f"{i.copy:02d} bản sao")
    return ", ".join(parts) or "01"
