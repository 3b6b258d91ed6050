"""Pack sources, pack files and their verification, on real files."""

from __future__ import annotations

import base64
import json
import zipfile
from pathlib import Path

import pytest

from knowledge.errors import PackInvalid, PackSignatureBad
from knowledge.packs import format as fmt
from knowledge.packs.build import build_pack
from knowledge.packs.diff import diff_packs
from knowledge.packs.keys import TrustedKey, generate_key, load_public
from knowledge.packs.source import read_source
from knowledge.packs.verify import read_pack, verify_pack
from tests.conftest import DATA, record

CORPUS_SHAPE = {
    "code": "1.004222", "name": "Đăng ký thường trú", "weight": 8781419,
    "audience": ["công dân"], "in_national_list": True, "source": "x", "level": "Cấp Xã",
    "processing_time": "7 Ngày làm việc",
    "channels": [{"channel": "Trực tiếp", "time": "7 Ngày làm việc",
                  "fees": "20,000 Việt Nam Đồng", "note": None}],
    "fees": ["20,000 Việt Nam Đồng"], "steps": ["Bước 1: …"],
    "dossier": [
        {"name": "Tờ khai CT01", "form": "CT01.docx", "copies": {"original": 1, "copy": 0},
         "copies_text": "1 bản chính", "group": "Trường hợp chỗ ở thuộc sở hữu của mình"},
        {"name": "Trường hợp đã có thông tin thì không phải nộp", "form": None,
         "copies": {"original": 0, "copy": 0}, "copies_text": "0 bản chính", "group": "Lưu ý"},
    ],
    "legal_basis": [{"title": "Luật Cư trú", "code": "68/2020/QH14"}],
}


def write_lines(path: Path, lines: list[str]) -> Path:
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return path


def dumps(d: dict) -> str:
    return json.dumps(d, ensure_ascii=False)


def test_reads_both_shapes(tmp_path):
    clean = record("1.001612", "Đăng ký thành lập hộ kinh doanh", quantity="01 bộ",
                   dossier=[{"name": "Giấy đề nghị", "original": 1, "copy": 2, "group": None}])
    read = read_source(write_lines(tmp_path / "procedures.jsonl",
                                   [dumps(CORPUS_SHAPE), dumps(clean),
                                    dumps({"code": "1.000001", "name": "Chỉ có tên", "weight": 3})]))
    assert read.problems == []
    by_code = {p.code: p for p in read.procedures}
    item = by_code["1.004222"].dossier[1]
    assert (item.original, item.copy, item.group) == (0, 0, "Lưu ý")
    assert by_code["1.004222"].dossier[0].form == "CT01.docx"
    assert by_code["1.004222"].levels == ["Cấp xã"]
    assert (by_code["1.001612"].dossier[0].copy, by_code["1.001612"].quantity) == (2, "01 bộ")
    assert not by_code["1.000001"].has_detail


BAD = [
    ("{not json", 'procedures.jsonl dòng 1: không đọc được JSON (lỗi ở cột 2).'),
    ("[1, 2]", "procedures.jsonl dòng 1: mỗi dòng phải là một đối tượng JSON {…}."),
    ('{"name": "Không mã"}', 'procedures.jsonl dòng 1: thiếu mã thủ tục (trường "code").'),
    ('{"code": "1.001612"}',
     'procedures.jsonl dòng 1 (mã 1.001612): thiếu tên thủ tục (trường "name").'),
    ('{"code": "1.0016", "name": "X"}',
     "procedures.jsonl dòng 1 (mã 1.0016): mã thủ tục không đúng dạng (ví dụ đúng: 1.001612 hoặc"
     ' 2.000908.H19) (trường "code").'),
    ('{"code": "1.001612", "name": "X", "dossier": "Tờ khai"}',
     'procedures.jsonl dòng 1 (mã 1.001612): phải là danh sách (trường "dossier").'),
    ('{"code": "1.001612", "name": "X", "dossier": [{"name": "Tờ khai", "copies": {"original": "một"}}]}',
     "procedures.jsonl dòng 1 (mã 1.001612): số bản chính/bản sao phải là số nguyên không âm"
     ' (trường "dossier[0].original").'),
    ('{"code": "1.001612", "name": "X", "steps": [1, 2]}',
     'procedures.jsonl dòng 1 (mã 1.001612): phải là danh sách chuỗi chữ (trường "steps").'),
    ('{"code": "1.001612", "name": "X", "weight": "nhiều"}',
     'procedures.jsonl dòng 1 (mã 1.001612): số lượt sử dụng phải là số (trường "weight").'),
]


@pytest.mark.parametrize("line, expected", BAD)
def test_bad_input_has_an_exact_message(tmp_path, line, expected):
    read = read_source(write_lines(tmp_path / "procedures.jsonl", [line]))
    assert [p.message_vi for p in read.errors] == [expected]


def test_duplicate_and_empty_dossier(tmp_path):
    read = read_source(write_lines(tmp_path / "procedures.jsonl", [
        dumps(record("1.001612", "A")), "",
        dumps(record("1.001612", "B")),
        dumps(record("1.000002", "C", dossier=[])),
    ]))
    assert [(p.severity, p.message_vi) for p in read.problems] == [
        ("error", 'procedures.jsonl dòng 3 (mã 1.001612): mã thủ tục trùng với dòng 1 (trường "code").'),
        ("warning", "procedures.jsonl dòng 4 (mã 1.000002): thủ tục có thông tin chi tiết nhưng"
                    ' danh sách thành phần hồ sơ trống (trường "dossier").'),
    ]


def test_build_refuses_a_source_with_errors(tmp_path, signing_key, segmenter):
    src = write_lines(tmp_path / "procedures.jsonl", [dumps(record("1.001612", "A")), "{bad"])
    with pytest.raises(PackInvalid) as e:
        build_pack(source=src, out=tmp_path / "p.mcpack", pack_id="p", version=1,
                   key_path=signing_key, segmenter=segmenter)
    assert e.value.message_vi.startswith("Nguồn gói có 1 lỗi; sửa rồi dựng lại:\n"
                                         "procedures.jsonl dòng 2: không đọc được JSON")
    assert not (tmp_path / "p.mcpack").exists()


def test_round_trip_with_real_underthesea(make_pack, trusted):
    path = make_pack([CORPUS_SHAPE, record("1.001193", "Đăng ký khai sinh", processing_time="1")],
                     synonyms=[{"phrase": "hộ khẩu", "expansion": "thường trú"}],
                     calendar={"holidays": [{"date": "2026-04-30", "name": "Giải phóng"}]})
    pack = read_pack(path, trusted=trusted)
    assert pack.manifest.pack_id == "tinh" and pack.manifest.counts["procedures"] == 2
    assert [p.code for p in pack.procedures] == ["1.001193", "1.004222"]
    assert pack.procedures[0].processing_time == "1"
    code, name_tokens, _ = pack.tokens[1]
    assert code == "1.004222" and {"dang_ki", "thuong_tru", "dang", "ki"} <= set(name_tokens)
    assert pack.synonyms == [{"phrase": "hộ khẩu", "expansion": "thường trú"}]
    assert pack.calendar["holidays"] == [{"date": "2026-04-30", "name": "Giải phóng"}]
    assert pack.signer == trusted[0].key_id
    assert verify_pack(path, trusted=trusted).version == 1


def rewrite(src: Path, dst: Path, change) -> Path:
    """Copy a pack member by member, letting ``change(name, data)`` alter, drop or add."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w") as zout:
        for item in zin.infolist():
            data = change(item.filename, zin.read(item.filename))
            if data is not None:
                zout.writestr(item.filename, data)
    return dst


def test_tampering_is_refused(make_pack, trusted, tmp_path):
    good = make_pack([record("1.001612", "Đăng ký thành lập hộ kinh doanh")])

    def flip(name, data):
        return data.replace("hộ".encode(), "họ".encode(), 1) if name == fmt.PROCEDURES else data

    cases = {
        "flipped": rewrite(good, tmp_path / "a.mcpack", flip),
        "dropped": rewrite(good, tmp_path / "b.mcpack",
                           lambda n, d: None if n == fmt.TOKENS else d),
        "unsigned_manifest_edit": rewrite(
            good, tmp_path / "c.mcpack",
            lambda n, d: d.replace(b'"title": "', b'"title": "X', 1) if n == fmt.MANIFEST else d),
    }
    with pytest.raises(PackInvalid, match='thiếu thành phần "tokens.jsonl"'):
        read_pack(cases["dropped"], trusted=trusted)
    with pytest.raises(PackInvalid) as e:
        read_pack(cases["flipped"], trusted=trusted)
    assert "đã bị thay đổi" in e.value.message_vi
    with pytest.raises(PackSignatureBad) as e:
        read_pack(cases["unsigned_manifest_edit"], trusted=trusted)
    assert "không đúng" in e.value.message_vi


def test_hostile_zips_are_refused(make_pack, trusted, tmp_path):
    good = make_pack([record("1.001612", "Đăng ký thành lập hộ kinh doanh")])
    traversal = tmp_path / "traversal.mcpack"
    with zipfile.ZipFile(good) as zin, zipfile.ZipFile(traversal, "w") as zout:
        for item in zin.infolist():
            zout.writestr(item.filename, zin.read(item.filename))
        zout.writestr("../../evil.txt", b"x")
    bomb = tmp_path / "bomb.mcpack"
    with zipfile.ZipFile(good) as zin, zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            if item.filename == fmt.TOKENS:
                zout.writestr(item.filename, b"\0" * (fmt.MAX_MEMBER_BYTES + 1))
            else:
                zout.writestr(item.filename, zin.read(item.filename))
    truncated = tmp_path / "truncated.mcpack"
    truncated.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    not_zip = tmp_path / "text.mcpack"
    not_zip.write_text("xin chào")
    many = rewrite(good, tmp_path / "many.mcpack", lambda n, d: d)
    with zipfile.ZipFile(many, "a") as z:
        for i in range(fmt.MAX_MEMBERS):
            z.writestr(f"extra{i}", b"")
    assert bomb.stat().st_size < 2_000_000
    expected = {traversal: 'thành phần lạ "../../evil.txt"', bomb: "quá lớn",
                truncated: "không phải tệp gói hợp lệ", not_zip: "không phải tệp gói hợp lệ",
                many: "quá nhiều thành phần"}
    for path, words in expected.items():
        with pytest.raises(PackInvalid) as e:
            read_pack(path, trusted=trusted)
        assert words in e.value.message_vi, path.name
        assert e.value.message_vi.startswith("Gói tri thức bị hỏng hoặc chưa chép xong")


def test_signature_rules(make_pack, trusted, tmp_path, signing_key):
    other = tmp_path / "other.key"
    generate_key(other)
    other_trust = [TrustedKey(load_public(Path(f"{other}.pub")))]
    pack = make_pack([record("1.001612", "A")], pack_id="tinh")
    with pytest.raises(PackSignatureBad, match="không có trong danh sách tin cậy"):
        read_pack(pack, trusted=other_trust)
    scoped = [TrustedKey(trusted[0].public_key, ("demo*",))]
    with pytest.raises(PackSignatureBad, match="không được phép ký gói \"tinh\""):
        read_pack(pack, trusted=scoped)
    demo = make_pack([record("1.001612", "A")], pack_id="demo-x")
    assert read_pack(demo, trusted=scoped).manifest.pack_id == "demo-x"
    unsigned = rewrite(pack, tmp_path / "unsigned.mcpack",
                       lambda n, d: None if n == fmt.SIGNATURE else d)
    with pytest.raises(PackSignatureBad, match="chưa được ký"):
        read_pack(unsigned, trusted=trusted)
    assert read_pack(unsigned, trusted=[], allow_unsigned=True).signer is None
    forged = rewrite(pack, tmp_path / "forged.mcpack", lambda n, d: d if n != fmt.SIGNATURE else
                     json.dumps({**json.loads(d), "signature": base64.b64encode(b"0" * 64).decode()}
                                ).encode())
    with pytest.raises(PackSignatureBad, match="không đúng"):
        read_pack(forged, trusted=trusted)


def test_unknown_format_and_tokenizer_versions(make_pack, trusted, tmp_path, signing_key):
    from knowledge.packs.keys import load_private

    pack = make_pack([record("1.001612", "A")])
    key = load_private(signing_key)

    def resign(name: str, change) -> Path:
        with zipfile.ZipFile(pack) as z:
            manifest = json.loads(z.read(fmt.MANIFEST))
        change(manifest)
        mbytes = json.dumps(manifest).encode()
        sig = base64.b64encode(key.sign(mbytes)).decode()

        def edit(n, d):
            if n == fmt.MANIFEST:
                return mbytes
            if n == fmt.SIGNATURE:
                return json.dumps({**json.loads(d), "signature": sig}).encode()
            return d
        return rewrite(pack, tmp_path / name, edit)

    future = resign("future.mcpack", lambda m: m.update(format_version=2))
    with pytest.raises(PackInvalid) as e:
        read_pack(future, trusted=trusted)
    assert e.value.message_vi == (
        "Gói future.mcpack dùng định dạng phiên bản 2 mà phần mềm này không đọc được (chỉ đọc"
        " phiên bản 1). Hãy cập nhật phần mềm hoặc dựng lại gói.")
    other_tok = resign("tok.mcpack", lambda m: m["tokenizer"].update(version=99))
    with pytest.raises(PackInvalid, match="bộ tách từ khác phiên bản"):
        read_pack(other_tok, trusted=trusted)


def test_diff(make_pack, trusted):
    old = make_pack([record("1.000001", "A"), record("1.000002", "B"),
                     record("1.000003", "C", dossier=[{"name": "Tờ khai", "original": 1}])],
                    version=1)
    new = make_pack([record("1.000002", "B"),
                     record("1.000003", "C", dossier=[{"name": "Đơn", "original": 1}]),
                     record("1.000004", "D")], version=2)
    d = diff_packs(read_pack(old, trusted=trusted), read_pack(new, trusted=trusted))
    assert (d.added, d.removed) == (["1.000004"], ["1.000001"])
    assert [(c.code, c.fields, c.dossier_added, c.dossier_removed) for c in d.changed] == [
        ("1.000003", ["dossier"], ["Đơn"], ["Tờ khai"])]
    assert d.summary_vi() == "1 thủ tục mới, 1 thủ tục thay đổi, 1 thủ tục bị bỏ."


def test_demo_pack_is_signed_by_the_demo_key_for_demo_ids_only():
    from knowledge.settings import Settings, trusted_keys

    keys = trusted_keys(Settings())
    pack = read_pack(DATA.parent.parent / "resources" / "demo-pack" / "demo.mcpack", trusted=keys)
    assert pack.manifest.pack_id.startswith("demo") and len(pack.procedures) >= 25
    assert keys[-1].pack_ids == ("demo*",)


@pytest.mark.slow
def test_whole_shared_corpus_builds(corpus_pack, trusted):
    r, progress = corpus_pack
    assert r.counts["procedures"] == 4578 and r.counts["with_detail"] == 2873
    assert progress[-1].done == progress[-1].total
    assert len(read_pack(r.path, trusted=trusted).procedures) == 4578
