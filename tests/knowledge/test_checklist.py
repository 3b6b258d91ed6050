"""Checklists from real, messy records: cases, show-only documents, add-ons, notes never counted."""

from __future__ import annotations

import json

import pytest

from knowledge.checklist import checklist_for, heading_kind, is_note
from knowledge.model import DossierItem, Procedure
from tests.conftest import DATA


def to_procedure(rec: dict) -> Procedure:
    """The corpus shape (``copies: {original, copy}``) → Procedure. Private to the tests: the
    product's converter is ``knowledge.packs.source``."""
    d = {k: v for k, v in rec.items() if k in Procedure.__dataclass_fields__
         and k not in ("channels", "legal_basis", "dossier")}
    d["dossier"] = [{"name": i["name"], "original": (i.get("copies") or {}).get("original") or 0,
                     "copy": (i.get("copies") or {}).get("copy") or 0,
                     "copies_text": i.get("copies_text"), "form": i.get("form"),
                     "group": i.get("group")} for i in rec.get("dossier") or []]
    return Procedure.from_dict(d)


RECORDS = {r["code"]: to_procedure(r) for r in map(
    json.loads, (DATA / "intake" / "records.jsonl").read_text("utf-8").splitlines())}


@pytest.mark.parametrize("heading, kind", [
    ("* Giấy tờ phải nộp", "submit"), ("Các giấy tờ phải nộp (bản chính), mỗi loại 01 bản, gồm", "submit"),
    ("a) Thành phần hồ sơ", "submit"), ("1) Thành phần hồ sơ, bao gồm", "submit"),
    ("* Giấy tờ phải xuất trình", "present"), ("Giấy tờ xuất trình", "present"),
    ("* Lưu ý ", "note"), ("*Lưu ý", "note"),
    ("* Trường hợp ủy quyền thực hiện thủ tục", "conditional"),
    ("Đăng ký thường trú vào chỗ ở hợp pháp do thuê, mượn, ở nhờ", "case"),
    ("* Hồ sơ đăng ký tạm trú gồm", "case"), (None, None), ("  ", None),
])
def test_heading_kinds(heading, kind):
    assert heading_kind(heading) == kind


def test_heading_that_repeats_the_procedure_name_is_common():
    assert heading_kind("Đăng ký thành lập doanh nghiệp tư nhân",
                        "Đăng ký thành lập doanh nghiệp tư nhân") == "submit"


def test_note_lines():
    assert is_note("Trường hợp đã có dữ liệu thì không phải nộp giấy tờ này", 0, 0)
    assert is_note("Lưu ý: - Không yêu cầu xuất trình Giấy khai sinh", 0, 0)
    assert not is_note("Trường hợp ủy quyền: văn bản ủy quyền", 1, 0)  # it has a count
    assert not is_note("Tờ khai thay đổi thông tin cư trú", 0, 0)  # a document without counts


def test_thuong_tru_has_six_cases_each_with_its_own_documents():
    c = checklist_for(RECORDS["1.004222"])
    assert len(c.cases) == 6
    assert c.cases[0].startswith("Đăng ký thường trú vào chỗ ở hợp pháp thuộc quyền sở hữu")
    for case in c.cases:
        needed = c.needed(case)
        assert needed and all(i.case in (None, case) and i.kind != "note" for i in needed)
    own = [i for i in c.needed(c.cases[0])]
    assert any("CT01" in i.name for i in own)
    rent = next(x for x in c.cases if "thuê, mượn" in x)
    assert any("Hợp đồng" in i.name for i in c.needed(rent))
    assert not any("Hợp đồng" in i.name for i in c.needed(c.cases[0]))
    # the "Lưu ý" line at the end applies to every case and is never counted
    last = c.items[-1]
    assert last.kind == "note" and last.case is None and last in c.items_for(c.cases[3])


def test_submit_present_and_note_headings():
    c = checklist_for(RECORDS["2.000635"])
    kinds = {i.kind for i in c.items}
    assert kinds == {"submit", "present", "note"} and c.cases == []
    assert all(i.group.strip() == "* Giấy tờ phải xuất trình" for i in c.items if i.kind == "present")
    assert len(c.needed(None)) == sum(i.kind != "note" for i in c.items)


def test_authorisation_documents_are_add_ons_not_cases():
    c = checklist_for(RECORDS["1.001612"])
    assert c.cases == []
    add_ons = [i for i in c.items if i.conditional]
    assert add_ons and all("ủy quyền" in (i.group or "") for i in add_ons)
    assert c.needed(None)[0].name == "Giấy đề nghị đăng ký hộ kinh doanh;"
    assert not any(i.conditional for i in c.needed(None))


def test_description_in_the_heading_is_not_a_case():
    c = checklist_for(RECORDS["2.001195"])
    assert c.cases == []
    assert [i.name[:25] for i in c.needed(None)] == ["Phiếu thu nhận thông tin ", "Phiếu đề nghị giải quyết "]
    assert [i.conditional for i in c.items] == [False, False, True]  # the under-14 representative


def test_items_outside_a_case_apply_to_every_case():
    p = Procedure(code="1.000001", name="Thử", dossier=[
        DossierItem("Tờ khai", 1, 0),
        DossierItem("Giấy tờ A", 1, 0, group="Đăng ký vào chỗ ở của mình"),
        DossierItem("Giấy tờ B", 0, 1, group="Đăng ký vào chỗ ở thuê"),
        DossierItem("Căn cước", 1, 0, group="* Giấy tờ phải xuất trình"),
        DossierItem("Trường hợp đã có dữ liệu thì không phải nộp", 0, 0)])
    c = checklist_for(p)
    assert c.cases == ["Đăng ký vào chỗ ở của mình", "Đăng ký vào chỗ ở thuê"]
    assert [i.name for i in c.needed(c.cases[1])] == ["Tờ khai", "Giấy tờ B", "Căn cước"]
    assert [i.copies_vi() for i in c.needed(c.cases[1])] == ["1 bản chính", "1 bản sao",
                                                              "xuất trình (1 bản chính)"]
    assert [i.kind for i in c.items] == ["submit", "submit", "submit", "present", "note"]


def test_twenty_real_records(corpus):
    rows = {}
    for line in (corpus / "procedures.jsonl").open(encoding="utf-8"):
        r = json.loads(line)
        if r.get("dossier"):
            rows[r["code"]] = r
    full = sorted(rows.values(), key=lambda r: -(r.get("weight") or 0))[:40]
    assert "1.004222" in {r["code"] for r in full}
    for r in full:
        p = to_procedure(r)
        c = checklist_for(p)
        assert [i.index for i in c.items] == list(range(len(p.dossier)))
        for case in c.cases or (None,):
            needed = c.needed(case)
            assert needed, r["code"]  # every case of a well-used procedure asks for something
            assert all(i.kind in ("submit", "present") and not i.conditional for i in needed)
            # a 0/0 line that says "không phải nộp" is never counted
            assert not any("không phải nộp" in i.name.lower() and not i.original and not i.copy
                           for i in needed)
    # over every record with a dossier: notes are never counted, cases always come in numbers
    for r in rows.values():
        c = checklist_for(to_procedure(r))
        assert len(c.cases) != 1
        assert all(i.kind != "note" for case in c.cases or (None,) for i in c.needed(case))
    big = checklist_for(to_procedure(rows["1.004222"]))
    assert len(big.cases) == 6
