"""Mẫu 01 and Mẫu 02 as data and HTML: the applicant, the items, the dates, nothing injectable."""

from __future__ import annotations

from datetime import datetime

import pytest

from knowledge.intake import Intake, IntakeItem
from knowledge.receipt import SlipSettings, receipt_form01, request_form02, when_vi

NOW = datetime(2026, 11, 23, 8, 30)
SETTINGS = SlipSettings(
    unit_name="Bộ phận Một cửa xã Thử", parent_name="UBND XÃ THỬ", agency_code="000.00.53.H48",
    legal_line="Ban hành kèm theo Thông tư số 01/2018/TT-VPCP ngày 23/11/2018",
    result_place="Quầy số 2, Bộ phận Một cửa xã Thử", contact="Chị Hoa, 0203 3xxx xxx",
    clerk_name="Lê Thị Hoa", logbook_volume="03")


def intake(name: str = "Đăng ký thường trú", applicant: str = "Nguyễn Thị Lan") -> Intake:
    return Intake(
        id="x", procedure_code="1.004222", procedure_name=name, applicant_name=applicant,
        address="Thôn 3, xã Thử", phone="0912345678", email="lan@example.vn",
        case="Đăng ký vào chỗ ở của mình", status="received",
        opened_at="2026-11-23T08:20:00", closed_at="2026-11-23T08:30:00",
        dossier_code="000.00.53.H48-261123-0007", appointment_at="2026-12-02T17:00:00",
        processing_time_raw="07 ngày làm việc",
        items=[IntakeItem(0, "Tờ khai CT01", "submit", 1, 0, ticked=True, note="bản khai tay"),
               IntakeItem(1, "Giấy tờ chỗ ở", "submit", 1, 2, case="Đăng ký vào chỗ ở của mình"),
               IntakeItem(2, "Hợp đồng thuê", "submit", 1, 0, case="Đăng ký vào chỗ ở thuê",
                          ticked=True),
               IntakeItem(3, "Căn cước", "present", 1, 0, ticked=True),
               IntakeItem(4, "Văn bản ủy quyền", "submit", 0, 1, conditional=True),
               IntakeItem(5, "Trường hợp … thì không phải nộp", "note", 0, 0, ticked=True)])


def test_when_vi():
    assert when_vi(NOW) == "08 giờ 30 phút, ngày 23 tháng 11 năm 2026"
    assert when_vi("2026-01-05T14:05:00") == "14 giờ 05 phút, ngày 05 tháng 01 năm 2026"
    assert "……" in when_vi(None)


def test_form01_holds_every_field_of_the_form():
    slip = receipt_form01(intake(), SETTINGS, NOW)
    text = slip.to_text()
    for expected in ("Mẫu số 01", "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ",
                     "000.00.53.H48-261123-0007", "Nguyễn Thị Lan", "Thôn 3, xã Thử", "0912345678",
                     "lan@example.vn", "Đăng ký thường trú (mã 1.004222)", "Số lượng hồ sơ: 01 bộ",
                     "theo quy định là: 07 ngày làm việc",
                     "Thời gian nhận hồ sơ: 08 giờ 30 phút, ngày 23 tháng 11 năm 2026",
                     "trả kết quả giải quyết hồ sơ: 17 giờ 00 phút, ngày 02 tháng 12 năm 2026",
                     "Quầy số 2", "Quyển số: 03 Số thứ tự: 0007", "NGƯỜI NỘP HỒ SƠ",
                     "NGƯỜI TIẾP NHẬN HỒ SƠ: Lê Thị Hoa"):
        assert expected in text, expected
    # the table: what was ticked in this case (the other case's contract, notes and unticked
    # lines are not on it), with its form and quantity
    assert slip.table == [["1", "Tờ khai CT01 — bản khai tay", "Bản chính", "01"],
                          ["2", "Căn cước", "Xuất trình (không thu)", "—"]]
    html = slip.to_html()
    assert html.startswith("<!DOCTYPE html>") and html.rstrip().endswith("</html>")
    assert "Ban hành kèm theo Thông tư số 01/2018/TT-VPCP" in html
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in html and "UBND XÃ THỬ" in html
    assert "src=" not in html and "http" not in html and "<link" not in html  # nothing external


def test_form01_both_originals_and_copies():
    it = intake()
    it.items[1].ticked = True
    rows = receipt_form01(it, SETTINGS, NOW).table
    assert ["Giấy tờ chỗ ở", "Bản chính; Bản sao", "01; 02"] == rows[1][1:]


def test_form02_lists_every_missing_item_at_once():
    it = intake()
    it.items[0].ticked = False
    it.return_reason = "Thiếu giấy tờ"
    slip = request_form02(it, SETTINGS, "", NOW)
    assert slip.number == "Mẫu số 02" and slip.title == "PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ"
    assert [row[1] for row in slip.table] == ["Tờ khai CT01 — bản khai tay", "Giấy tờ chỗ ở"]
    assert [row[2] for row in slip.table] == ["01 bản chính", "01 bản chính, 02 bản sao"]
    text = slip.to_text()
    assert "Hồ sơ của: Nguyễn Thị Lan" in text and "Lý do: Thiếu giấy tờ" in text
    assert "liên hệ: Chị Hoa, 0203 3xxx xxx" in text and "NGƯỜI HƯỚNG DẪN: Lê Thị Hoa" in text
    assert "Ngày 23 tháng 11 năm 2026" in text


def test_titles_and_numbers_come_from_settings():
    s = SlipSettings(form01_number="Mẫu số 01/TN", form01_title="GIẤY BIÊN NHẬN",
                     header_lines=["DÒNG MỘT"], form02_number="Mẫu 2", form02_title="PHIẾU BỔ SUNG")
    one, two = receipt_form01(intake(), s, NOW), request_form02(intake(), s, "x", NOW)
    assert (one.number, one.title, two.number, two.title) == ("Mẫu số 01/TN", "GIẤY BIÊN NHẬN",
                                                              "Mẫu 2", "PHIẾU BỔ SUNG")
    assert "DÒNG MỘT" in one.to_html() and "CỘNG HÒA" not in one.to_html()


HOSTILE = ["<script>alert(1)</script>", "<a href='http://x.example'>bấm</a>",
           "\"><img src=x onerror=alert(1)>", "<b>đậm</b> & <i>nghiêng</i>"]


@pytest.mark.parametrize("hostile", HOSTILE)
def test_nothing_in_a_pack_or_typed_by_a_clerk_becomes_markup(hostile):
    it = intake(name=f"Thủ tục {hostile}", applicant=f"Lan {hostile}")
    it.items[0].name = f"Tờ khai {hostile}"
    it.items[0].note = hostile
    it.address = it.phone = it.email = hostile
    it.appointment_override_reason = hostile
    settings = SlipSettings(unit_name=hostile, parent_name=hostile, legal_line=hostile,
                            header_lines=[hostile], result_place=hostile, contact=hostile,
                            clerk_name=hostile, form01_title=hostile)
    for slip in (receipt_form01(it, settings, NOW), request_form02(it, settings, hostile, NOW)):
        assert hostile in slip.to_text()  # the data keeps the text as typed
        html = slip.to_html()
        for tag in ("<script", "<a ", "<img", "<i>nghiêng", "<b>đậm"):
            assert tag not in html
        assert "&lt;" in html
    assert "Thủ tục &lt;script&gt;alert(1)&lt;/script&gt;" in receipt_form01(
        intake(name="Thủ tục <script>alert(1)</script>"), SETTINGS, NOW).to_html()


def test_qt_can_render_the_html(qapp):
    """QTextDocument reads it back with the applicant, items and date (the printing path)."""
    from PySide6.QtGui import QTextDocument

    doc = QTextDocument()
    it = intake(name="Đăng ký <script>x</script>")
    doc.setHtml(receipt_form01(it, SETTINGS, NOW).to_html())
    plain = doc.toPlainText()
    assert "Nguyễn Thị Lan" in plain and "Tờ khai CT01" in plain
    assert "17 giờ 00 phút, ngày 02 tháng 12 năm 2026" in plain
    assert "<script>x</script>" in plain  # shown as text, not run or dropped
