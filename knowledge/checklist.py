"""From a record's messy dossier list to what the clerk ticks: cases, documents, notes.

Real lists (DOMAIN.md, corpus README) group items under headings that are either *cases*
("Trường hợp chỗ ở hợp pháp thuộc sở hữu của mình" …) or kinds of heading: "Giấy tờ phải nộp"
(hand over), "Giấy tờ phải xuất trình" (show only, not kept), "Lưu ý" (notes). Notes are also
mixed in as items ("Trường hợp … thì không phải nộp …", usually 0 originals / 0 copies). A note
is never counted as a document; an item outside any case applies to every case.
"""

from __future__ import annotations

from dataclasses import dataclass

from knowledge.model import Procedure
from knowledge.text import fold

_PRESENT = ("xuat trinh",)
_NOTE_HEADINGS = ("luu y", "ghi chu")
_SUBMIT_HEADINGS = ("phai nop", "thanh phan ho so", "ho so gom", "ho so bao gom", "giay to nop")
_NOTE_WORDS = ("khong phai nop", "khong can nop", "khong phai xuat trinh", "luu y", "ghi chu")


@dataclass(frozen=True)
class ChecklistItem:
    index: int
    name: str
    original: int
    copy: int
    form: str | None
    group: str | None
    kind: str  # "submit" (hand over), "present" (show only), "note" (never counted)
    case: str | None  # the case it belongs to, None: every case

    @property
    def counted(self) -> bool:
        return self.kind != "note"

    def copies_vi(self) -> str:
        parts = []
        if self.original:
            parts.append(f"{self.original} bản chính")
        if self.copy:
            parts.append(f"{self.copy} bản sao")
        return ", ".join(parts) or ("xuất trình" if self.kind == "present" else "—")


@dataclass(frozen=True)
class Checklist:
    items: tuple[ChecklistItem, ...]
    cases: tuple[str, ...]

    def items_for(self, case: str | None) -> list[ChecklistItem]:
        """The items that apply to ``case`` (all items when the record has no cases)."""
        return [i for i in self.items if i.case is None or i.case == case]

    def needed(self, case: str | None) -> list[ChecklistItem]:
        return [i for i in self.items_for(case) if i.counted]


def _heading_kind(group: str | None) -> str | None:
    if not group:
        return None
    g = fold(group).lower()
    if any(w in g for w in _PRESENT):
        return "present"
    if any(w in g for w in _NOTE_HEADINGS):
        return "note"
    if any(w in g for w in _SUBMIT_HEADINGS):
        return "submit"
    return "case"


def _is_note(name: str, original: int, copy: int) -> bool:
    n = fold(name).lower().strip("*-• ")
    if original or copy:
        return False
    return n.startswith("truong hop") or any(w in n for w in _NOTE_WORDS) or n.startswith("ghi chu")


def checklist_for(procedure: Procedure) -> Checklist:
    groups = [d.group for d in procedure.dossier]
    case_groups = []
    for g in groups:
        if _heading_kind(g) == "case" and g not in case_groups:
            case_groups.append(g)
    has_cases = len(case_groups) >= 2
    items = []
    for i, d in enumerate(procedure.dossier):
        heading = _heading_kind(d.group)
        if _is_note(d.name, d.original, d.copy) or heading == "note":
            kind = "note"
        elif heading == "present":
            kind = "present"
        else:
            kind = "submit"
        case = d.group if has_cases and heading == "case" else None
        items.append(ChecklistItem(i, d.name, d.original, d.copy, d.form, d.group, kind, case))
    return Checklist(tuple(items), tuple(case_groups) if has_cases else ())
