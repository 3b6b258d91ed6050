"""The procedure detail: every section of the record, readable, shown as text (escaped)."""

from __future__ import annotations

import html
from itertools import groupby

from PySide6.QtWidgets import QTextBrowser, QVBoxLayout, QWidget

from knowledge.checklist import is_note
from knowledge.model import Procedure


def _e(value: object) -> str:
    return html.escape(str(value)) if value not in (None, "") else "—"


def procedure_html(p: Procedure) -> str:
    """The record as HTML. Every value from a pack is escaped: it cannot inject markup or links."""
    parts = [f"<h2 style='margin:0'>{_e(p.name)}</h2>",
             f"<p style='color:#555'>Mã thủ tục <b>{_e(p.code)}</b>"
             + (f" · {_e(p.field)}" if p.field else "") + (f" · {_e(p.level)}" if p.level else "")
             + "</p>"]
    rows = [("Loại thủ tục", p.procedure_type), ("Cơ quan thực hiện", p.agency),
            ("Cơ quan có thẩm quyền",
             p.competent_authority if p.competent_authority != p.agency else None), ("Đối tượng", p.target),
            ("Thời hạn giải quyết", p.processing_time), ("Số lượng hồ sơ", p.quantity),
            ("Kết quả", p.result), ("Địa chỉ tiếp nhận", p.address),
            ("Quyết định công bố", p.decision)]
    parts.append("<table cellpadding='3'>" + "".join(
        f"<tr><td style='color:#555'>{k}</td><td>{_e(v)}</td></tr>" for k, v in rows if v)
        + "</table>")
    if not p.has_detail:
        parts.append("<p><i>Gói tri thức chỉ có tên và mã của thủ tục này; chưa có thành phần hồ"
                     " sơ, trình tự và lệ phí.</i></p>")
    if p.channels:
        parts.append("<h3>Cách thức thực hiện</h3><table border='1' cellspacing='0' "
                     "cellpadding='4' width='100%'><tr><th width='18%'>Hình thức</th>"
                     "<th width='22%'>Thời hạn</th><th width='22%'>Phí, lệ phí</th>"
                     "<th width='38%'>Ghi chú</th></tr>")
        parts += [f"<tr><td>{_e(c.channel)}</td><td>{_e(c.time)}</td><td>{_e(c.fees)}</td>"
                  f"<td>{_e(c.note)}</td></tr>" for c in p.channels]
        parts.append("</table>")
    elif p.fees:
        parts.append("<h3>Phí, lệ phí</h3><ul>" + "".join(f"<li>{_e(f)}</li>" for f in p.fees)
                     + "</ul>")
    if p.dossier:
        parts.append("<h3>Thành phần hồ sơ</h3>")
        for group, items in groupby(p.dossier, key=lambda d: d.group):
            if group:
                parts.append(f"<p><b>{_e(group)}</b></p>")
            parts.append("<table border='1' cellspacing='0' cellpadding='4' width='100%'>"
                         "<tr><th>Giấy tờ</th><th>Bản chính</th><th>Bản sao</th></tr>")
            for d in items:
                if is_note(d.name, d.original, d.copy):  # a remark, not a document
                    parts.append(f"<tr><td colspan='3' style='color:#555'><i>Lưu ý: {_e(d.name)}"
                                 "</i></td></tr>")
                    continue
                form = (f" <i>(mẫu {_e(d.form)})</i>" if d.form and d.form.casefold()
                        not in d.name.casefold() else "")
                parts.append(f"<tr><td>{_e(d.name)}{form}</td><td align='center'>{d.original}"
                             f"</td><td align='center'>{d.copy}</td></tr>")
            parts.append("</table>")
    if p.steps:
        parts.append("<h3>Trình tự thực hiện</h3>" + "".join(
            f"<p>{_e(s).replace(chr(10), '<br>')}</p>" for s in p.steps))
    if p.requirements:
        parts.append(f"<h3>Yêu cầu, điều kiện</h3><p>{_e(p.requirements)}</p>")
    if p.legal_basis:
        parts.append("<h3>Căn cứ pháp lý</h3><ul>" + "".join(
            f"<li>{_e(r.title)}" + (f" ({_e(r.code)})" if r.code else "") + "</li>"
            for r in p.legal_basis) + "</ul>")
    return "".join(parts)


class _TextOnlyBrowser(QTextBrowser):
    """Defence in depth: pack values are escaped already; this never loads a file or URL."""

    def loadResource(self, _type: int, _name):
        return None


class DetailPane(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.view = _TextOnlyBrowser()
        self.view.setObjectName("detailView")
        self.view.setOpenLinks(False)
        self.view.setOpenExternalLinks(False)
        self.view.setSearchPaths([])
        self.view.setHtml("<p style='color:#666'>Chọn một thủ tục để xem chi tiết.</p>")
        self.procedure: Procedure | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.view)

    def show_procedure(self, p: Procedure) -> None:
        self.procedure = p
        self.view.setHtml(procedure_html(p))

    def plain_text(self) -> str:
        return self.view.toPlainText()
