"""From a record's messy dossier list to what the clerk ticks: cases, documents, notes.

Real lists (DOMAIN.md, corpus README) group items under headings of three sorts:

- *kind* headings: "Giấy tờ phải nộp", "Thành phần hồ sơ", "Hồ sơ gồm" (hand over: ``submit``),
  "Giấy tờ phải xuất trình" (show only, not kept: ``present``), "Lưu ý" (``note``);
- *conditional add-ons* that apply on top of any case, only in some situations: "Trường hợp ủy
  quyền thực hiện thủ tục …", "Trường hợp chưa có tài khoản định danh điện tử …". Their items are
  ``conditional``: shown, ticked when brought, never counted as missing;
- *cases* ("Đăng ký thường trú vào chỗ ở hợp pháp thuộc quyền sở hữu của mình" …): the clerk picks
  one. A heading that repeats the procedure's own name is the common part, not a case. When the
  list has a common part and every other heading reads "Trường hợp …", or when only one such
  heading exists, those are add-ons (``conditional``), not alternatives. A heading that is really
  one document's description (the source's glitch: "Phiếu được tạo lập khi …") is common.

Notes are also mixed in as items ("Trường hợp … thì không phải nộp …", "Lưu ý: …", usually with 0
originals and 0 copies). A note is never counted as a document; an item outside any case applies
to every case.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from knowledge.model import Procedure
from knowledge.text import fold

KINDS = ("submit", "present", "note")

# A heading's numbering or bullet: "*", "-", "++", "a)", "1)", "1.3.1.", "(1.3)", "I.", "(*)".
_BULLET = re.compile(r"^(?:[\s*+\-•–]+|\(?[0-9ivxlc]{1,4}(?:\.[0-9]+)*[.)]\s*|\(?[a-zđ]\)\s*|\(\*\)\s*)+")
_PRESENT_HEADING = re.compile(r"^(?:cac\s+)?giay\s+to\s+(?:phai\s+)?xuat\s+trinh\b")
_NOTE_HEADING = re.compile(r"^(?:luu\s+y|ghi\s+chu|chu\s+y)\b")
_SUBMIT_HEADING = re.compile(
    r"^(?:(?:cac\s+)?(?:giay\s+to|chung\s+tu|van\s+ban)\s+(?:phai\s+)?nop\b"
    r"|thanh\s+phan(?:,\s*so\s+luong)?\s+ho\s+so\s*(?:,?\s*(?:bao\s+)?gom)?\s*:?\s*$"
    r"|ho\s+so\s+(?:bao\s+)?gom\s*:?\s*$)")
_CONDITIONAL_HEADING = re.compile(r"uy\s+quyen|tai\s+khoan\s+dinh\s+danh\s+dien\s+tu")
_NOTE_ITEM = re.compile(r"^(?:luu\s+y|ghi\s+chu|chu\s+y)\b|\bkhong\s+(?:phai|can|yeu\s+cau)\s+"
                        r"(?:nop|xuat\s+trinh)\b")


@dataclass(frozen=True)
class ChecklistItem:
    """One line the clerk sees. ``kind``: submit (hand over), present (show only), note."""

    index: int
    name: str
    original: int
    copy: int
    form: str | None
    group: str | None
    kind: str
    case: str | None = None  # the case it belongs to; None: every case
    conditional: bool = False  # only in some situations (authorisation …): never counted missing

    @property
    def counted(self) -> bool:
        """True if the item is a document the dossier must hold (in its case)."""
        return self.kind != "note" and not self.conditional

    def copies_vi(self) -> str:
        return copies_vi(self.original, self.copy, self.kind)


def copies_vi(original: int, copy: int, kind: str) -> str:
    """``1 bản chính, 1 bản sao``; a show-only document: ``xuất trình``."""
    parts = []
    if original:
        parts.append(f"{original} bản chính")
    if copy:
        parts.append(f"{copy} bản sao")
    if kind == "present":
        return "xuất trình" + (f" ({', '.join(parts)})" if parts else "")
    return ", ".join(parts) or "—"


@dataclass(frozen=True)
class Checklist:
    items: list[ChecklistItem]
    cases: list[str]  # empty unless the record lists several cases

    def items_for(self, case: str | None) -> list[ChecklistItem]:
        """The items that apply to ``case``: the common ones plus that case's own."""
        return [i for i in self.items if i.case is None or i.case == case]

    def needed(self, case: str | None) -> list[ChecklistItem]:
        """The documents that must be in the dossier for ``case`` (no notes, no add-ons)."""
        return [i for i in self.items_for(case) if i.counted]


def _clean(text: str) -> str:
    return _BULLET.sub("", " ".join(fold(text).lower().split())).strip()


def heading_kind(group: str | None, procedure_name: str = "") -> str | None:
    """What a group heading is: "submit", "present", "note", "conditional", "case" or None."""
    if not group or not group.strip():
        return None
    g = _clean(group)
    if _PRESENT_HEADING.match(g) or (g.startswith("xuat trinh") and len(g.split()) <= 6):
        return "present"
    if _NOTE_HEADING.match(g):
        return "note"
    if _SUBMIT_HEADING.match(g) or not g:
        return "submit"
    if procedure_name and _clean(procedure_name).rstrip(" .:") == g.rstrip(" .:"):
        return "submit"  # the procedure's own name: the common part
    if _CONDITIONAL_HEADING.search(g):
        return "conditional"
    return "case"


def is_note(name: str, original: int, copy: int) -> bool:
    """A line that is a remark or a condition, not a document (0 originals and 0 copies)."""
    if original or copy:
        return False
    n = _clean(name)
    return n.startswith("truong hop") or bool(_NOTE_ITEM.search(n))


_ADD_ON_CASE = re.compile(r"^(?:doi\s+voi\s+)?truong\s+hop\b|^(?:ngoai\s+ra|tuy\s+(?:tung|theo))\b")
_DOCUMENT_WORD = re.compile(r"^(?:phieu|to\s+khai|giay|ban\s+sao|ban\s+chinh|don|van\s+ban|mau)\b")


def _headings(procedure: Procedure) -> dict[str | None, str | None]:
    """Each group's role, with the whole list in view (a lone case is an add-on)."""
    counts: dict[str | None, int] = {}
    for d in procedure.dossier:
        counts[d.group] = counts.get(d.group, 0) + 1
    roles = {g: heading_kind(g, procedure.name) for g in counts}
    for g, role in roles.items():
        # The source sometimes puts a document's description where the heading goes.
        if role == "case" and counts[g] == 1 and _DOCUMENT_WORD.match(_clean(g or "")):
            roles[g] = "submit"
    cases = [g for g, role in roles.items() if role == "case"]
    common = any(roles[d.group] in (None, "submit", "present") and not is_note(d.name, d.original, d.copy)
                 for d in procedure.dossier)
    add_ons = all(_ADD_ON_CASE.match(_clean(g or "")) for g in cases)
    if len(cases) == 1 or (cases and common and add_ons):
        # "Trường hợp …" on top of a common list: extra documents in some situations.
        for g in cases:
            roles[g] = "conditional" if _ADD_ON_CASE.match(_clean(g or "")) else "submit"
    return roles


def checklist_for(procedure: Procedure) -> Checklist:
    """The checklist of ``procedure``'s dossier list (see the module docstring for the rules)."""
    headings = _headings(procedure)
    case_groups = list(dict.fromkeys(d.group for d in procedure.dossier
                                     if d.group and headings[d.group] == "case"))
    items = []
    for i, d in enumerate(procedure.dossier):
        heading = headings[d.group]
        if heading == "note" or is_note(d.name, d.original, d.copy):
            kind = "note"
        elif heading == "present":
            kind = "present"
        else:
            kind = "submit"
        case = d.group if heading == "case" else None
        items.append(ChecklistItem(i, d.name, d.original, d.copy, d.form, d.group, kind, case,
                                   conditional=heading == "conditional" and kind != "note"))
    return Checklist(items, case_groups)
