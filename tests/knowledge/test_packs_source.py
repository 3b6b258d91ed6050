"""Pack source reading: both record shapes from the fixture, and an exact message per problem."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from knowledge.errors import PackInvalid
from knowledge.packs.source import read_source
from tests.conftest import DATA

FIXTURE = DATA / "packs" / "source"


def test_fixture_reads_in_both_shapes_without_problems():
    read = read_source(FIXTURE / "procedures.jsonl")
    assert read.problems == []
    by_code = {p.code: p for p in read.procedures}
    assert list(by_code) == ["1.004222", "1.001193", "1.000775", "1.001612", "1.012753.H19"]

    stay = by_code["1.004222"]  # national export shape
    assert stay.levels == ["Cấp xã"] and stay.weight == 8781419
    assert [(d.original, d.copy) for d in stay.dossier] == [(1, 0), (0, 1), (1, 0), (1, 0), (0, 0)]
    assert stay.dossier[4].group == "Lưu ý" and stay.dossier[1].copies_text == "0 bản chính,1 bản sao"
    assert stay.dossier[0].form == "CT01.docx" and stay.legal_basis[1].code is None
    assert stay.channels[1].note is None and stay.channels[0].fees == "20,000 Việt Nam Đồng"

    assert by_code["1.001193"].processing_time == "1"  # bare number kept as written
    assert not by_code["1.000775"].has_detail and by_code["1.000775"].audience == ["doanh nghiệp"]

    hkd = by_code["1.001612"]  # clean full record
    assert hkd.quantity == "01 bộ" and hkd.weight is None
    assert [(d.name, d.original, d.copy, d.group) for d in hkd.dossier][1] == (
        "Bản sao biên bản họp thành viên hộ gia đình", 0, 1, "Giấy tờ phải nộp")
    assert by_code["1.012753.H19"].processing_time == "3"  # a JSON number becomes its text


def write(tmp_path: Path, lines: list[str | bytes]) -> Path:
    path = tmp_path / "procedures.jsonl"
    path.write_bytes(b"".join((x if isinstance(x, bytes) else x.encode()) + b"\n" for x in lines))
    return path


OK = '{"code": "1.000001", "name": "Đủ"}'
F = "procedures.jsonl"

# (lines, severity, exact Vietnamese message)
CASES = [
    pytest.param(["{không phải json"], "error",
                 f"{F} dòng 1: không đọc được JSON (lỗi ở cột 2).", id="bad-json"),
    pytest.param([OK, '"chỉ một chuỗi"'], "error",
                 f"{F} dòng 2: mỗi dòng phải là một đối tượng JSON {{…}}.", id="not-object"),
    pytest.param([b'{"code": "1.000002", "name": "\xff"}'], "error",
                 f"{F} dòng 1: không phải chữ UTF-8 (byte lạ ở cột 31); hãy lưu tệp dạng UTF-8.",
                 id="not-utf8"),
    pytest.param(['{"name": "Không có mã"}'], "error",
                 f'{F} dòng 1: thiếu mã thủ tục (trường "code").', id="no-code"),
    pytest.param(['{"code": "  ", "name": "Mã trống"}'], "error",
                 f'{F} dòng 1: thiếu mã thủ tục (trường "code").', id="blank-code"),
    pytest.param(['{"code": 1.001612, "name": "Mã là số"}'], "error",
                 f'{F} dòng 1: mã thủ tục phải viết trong ngoặc kép, ví dụ "1.001612"'
                 ' (trường "code").', id="numeric-code"),
    pytest.param(['{"code": "1.001612"}'], "error",
                 f'{F} dòng 1 (mã 1.001612): thiếu tên thủ tục (trường "name").', id="no-name"),
    pytest.param(['{"code": "1.001612", "name": "   "}'], "error",
                 f'{F} dòng 1 (mã 1.001612): thiếu tên thủ tục (trường "name").', id="blank-name"),
    pytest.param(['{"code": "001612", "name": "X"}'], "error",
                 f"{F} dòng 1 (mã 001612): mã thủ tục không đúng dạng (ví dụ đúng: 1.001612 hoặc"
                 ' 2.000908.H19) (trường "code").', id="malformed-code"),
    pytest.param([OK, "", OK], "error",
                 f'{F} dòng 3 (mã 1.000001): mã thủ tục trùng với dòng 1 (trường "code").',
                 id="duplicate"),
    pytest.param(['{"code": "1.001612", "name": "X", "dossier": {"name": "Tờ khai"}}'], "error",
                 f'{F} dòng 1 (mã 1.001612): phải là danh sách (trường "dossier").',
                 id="dossier-not-list"),
    pytest.param(['{"code": "1.001612", "name": "X", "dossier": ["Tờ khai"]}'], "error",
                 f"{F} dòng 1 (mã 1.001612): mỗi phần tử phải là một đối tượng {{…}}"
                 ' (trường "dossier[0]").', id="dossier-item-not-object"),
    pytest.param(['{"code": "1.001612", "name": "X", "dossier": [{"name": "Đơn", "copies": "1 bản chính"}]}'],
                 "error", f'{F} dòng 1 (mã 1.001612): số bản phải có dạng {{"original": …, "copy": …}}'
                 ' (trường "dossier[0].copies").', id="copies-not-object"),
    pytest.param(['{"code": "1.001612", "name": "X", "dossier": [{"name": "Đơn", "copies": {"original": 1, "copy": -1}}]}'],
                 "error", f"{F} dòng 1 (mã 1.001612): số bản chính/bản sao phải là số nguyên không âm"
                 ' (trường "dossier[0].copy").', id="copies-negative"),
    pytest.param(['{"code": "1.001612", "name": "X", "dossier": [{"name": "Đơn", "original": true}]}'],
                 "error", f"{F} dòng 1 (mã 1.001612): số bản chính/bản sao phải là số nguyên không âm"
                 ' (trường "dossier[0].original").', id="original-bool"),
    pytest.param(['{"code": "1.001612", "name": "X", "channels": [{"channel": ["Trực tiếp"]}]}'],
                 "error", f'{F} dòng 1 (mã 1.001612): phải là chuỗi chữ (trường "channels[0].channel").',
                 id="channel-not-text"),
    pytest.param(['{"code": "1.001612", "name": "X", "legal_basis": "Luật Cư trú"}'], "error",
                 f'{F} dòng 1 (mã 1.001612): phải là danh sách (trường "legal_basis").',
                 id="legal-basis-not-list"),
    pytest.param(['{"code": "1.001612", "name": "X", "fees": "Miễn phí"}'], "error",
                 f'{F} dòng 1 (mã 1.001612): phải là danh sách chuỗi chữ (trường "fees").',
                 id="fees-not-list"),
    pytest.param(['{"code": "1.001612", "name": "X", "field": {"vi": "Hộ tịch"}}'], "error",
                 f'{F} dòng 1 (mã 1.001612): phải là chuỗi chữ (trường "field").', id="field-not-text"),
    pytest.param(['{"code": "1.001612", "name": "X", "weight": "nhiều"}'], "error",
                 f'{F} dòng 1 (mã 1.001612): số lượt sử dụng phải là số (trường "weight").',
                 id="weight-not-number"),
    pytest.param(['{"code": "1.001612", "name": "X", "steps": ["Bước 1"], "dossier": []}'], "warning",
                 f"{F} dòng 1 (mã 1.001612): thủ tục có thông tin chi tiết nhưng danh sách thành phần"
                 ' hồ sơ trống (trường "dossier").', id="empty-dossier"),
    pytest.param(['{"code": "1.001612", "name": "X", "dossier": [{"name": "", "original": 1}, {"name": "Đơn"}]}'],
                 "warning", f"{F} dòng 1 (mã 1.001612): thành phần hồ sơ không có tên, đã bỏ qua"
                 ' (trường "dossier[0].name").', id="nameless-dossier-item"),
]


@pytest.mark.parametrize("lines, severity, expected", CASES)
def test_each_problem_has_an_exact_message(tmp_path, lines, severity, expected):
    read = read_source(write(tmp_path, lines))
    assert [(p.severity, p.message_vi) for p in read.problems] == [(severity, expected)]
    problem = read.problems[0]
    assert problem.file == F and problem.detail_en and str(tmp_path) in problem.detail_en


def test_problem_fields_and_what_is_kept(tmp_path):
    read = read_source(write(tmp_path, [
        OK, '{"code": "1.000002"}', '{"code": "1.000003", "name": "Y", "steps": ["a"], "dossier": []}']))
    assert [(p.line, p.code, p.field) for p in read.problems] == [
        (2, "1.000002", "name"), (3, "1.000003", "dossier")]
    assert [p.code for p in read.procedures] == ["1.000001", "1.000003"]  # warnings keep the record
    assert [p.line for p in read.errors] == [2]


def test_bom_crlf_and_blank_lines_are_fine(tmp_path):
    path = tmp_path / "procedures.jsonl"
    path.write_bytes("\ufeff".encode() + OK.encode() + b"\r\n\r\n"
                     + json.dumps({"code": "1.000002", "name": "Hai"}).encode() + b"\r\n")
    read = read_source(path)
    assert read.problems == [] and [p.name for p in read.procedures] == ["Đủ", "Hai"]


def test_a_missing_source_is_a_clear_error(tmp_path):
    with pytest.raises(PackInvalid) as e:
        read_source(tmp_path / "khong-co.jsonl")
    assert e.value.message_vi == f"Không mở được tệp nguồn {tmp_path / 'khong-co.jsonl'}."


def test_whitespace_in_names_is_collapsed(tmp_path):
    read = read_source(write(tmp_path, ['{"code": " 1.000001 ", "name": " Đăng  ký\\n khai sinh "}']))
    assert (read.procedures[0].code, read.procedures[0].name) == ("1.000001", "Đăng ký khai sinh")
