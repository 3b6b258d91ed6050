"""What changed between two pack versions, on real pack files."""

from __future__ import annotations

from knowledge.packs.diff import diff_packs
from knowledge.packs.verify import read_pack
from tests.conftest import record


def test_added_removed_changed_fields_and_dossier_items(make_pack, trusted):
    old = make_pack([
        record("1.000001", "Bỏ đi"),
        record("1.000002", "Giữ nguyên"),
        record("1.000003", "Đổi hồ sơ", dossier=[
            {"name": "Tờ khai", "original": 1, "copy": 0, "group": "Trường hợp A"},
            {"name": "Tờ khai", "original": 1, "copy": 0, "group": "Trường hợp B"},
            {"name": "Giấy khai sinh", "original": 0, "copy": 1},
            {"name": "Đơn cũ", "original": 1}]),
        record("1.000005", "Đổi phí", fees=["20.000 đồng/lần"]),
    ], version=1, synonyms=[{"phrase": "hộ khẩu", "expansion": "thường trú"}])
    new = make_pack([
        record("1.000002", "Giữ nguyên"),
        record("1.000003", "Đổi hồ sơ", dossier=[
            {"name": "Tờ khai", "original": 1, "copy": 0, "group": "Trường hợp A"},
            {"name": "Tờ khai", "original": 1, "copy": 0, "group": "Trường hợp C"},
            {"name": "Giấy khai sinh", "original": 1, "copy": 0},
            {"name": "Đơn mới", "original": 1}]),
        record("1.000004", "Mới"),
        record("1.000005", "Đổi phí", fees=["Miễn phí"], processing_time="03 ngày làm việc"),
    ], version=2, synonyms=[{"phrase": "hộ khẩu", "expansion": "thường trú"}],
        calendar={"holidays": [{"date": "2026-09-02", "name": "Quốc khánh"}]})
    d = diff_packs(read_pack(old, trusted=trusted), read_pack(new, trusted=trusted))
    assert (d.added, d.removed) == (["1.000004"], ["1.000001"])
    assert (d.old_version, d.new_version) == (1, 2)
    assert (d.synonyms_changed, d.calendar_changed) == (False, True)
    by_code = {c.code: c for c in d.changed}
    assert list(by_code) == ["1.000003", "1.000005"]
    dossier = by_code["1.000003"]
    assert (dossier.name, dossier.fields) == ("Đổi hồ sơ", ["dossier"])
    assert (dossier.dossier_added, dossier.dossier_removed) == (["Đơn mới"], ["Đơn cũ"])
    assert dossier.dossier_changed == ["Tờ khai", "Giấy khai sinh"]  # a case moved; counts changed
    assert by_code["1.000005"].fields == ["fees", "processing_time"]
    assert by_code["1.000005"].dossier_changed == []
    assert d.summary_vi() == "1 thủ tục mới, 2 thủ tục thay đổi, 1 thủ tục bị bỏ."


def test_the_same_pack_has_no_changes(make_pack, trusted):
    pack = read_pack(make_pack([record("1.000001", "A")]), trusted=trusted)
    d = diff_packs(pack, pack)
    assert (d.added, d.removed, d.changed) == ([], [], [])
    assert d.summary_vi() == "0 thủ tục mới, 0 thủ tục thay đổi, 0 thủ tục bị bỏ."
