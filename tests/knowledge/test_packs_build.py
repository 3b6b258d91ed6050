"""Building packs from the fixture source: round trip, manifest, tokens, progress, cancel."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import stat
import threading
import zipfile
from datetime import UTC, datetime

import pytest

from knowledge import text
from knowledge.errors import Cancelled, PackInvalid
from knowledge.packs import build as build_mod
from knowledge.packs import format as fmt
from knowledge.packs.build import build_pack, tokenize_all, tokenize_procedure
from knowledge.packs.source import read_source
from knowledge.packs.verify import read_pack
from tests.conftest import DATA

FIXTURE = DATA / "packs" / "source"


def fake_segment(piece: str) -> list[str]:
    """A stand-in for underthesea: every two adjacent words form a compound."""
    words = piece.split()
    return [" ".join(words[i:i + 2]) for i in range(0, len(words), 2)]


@pytest.fixture
def built(tmp_path, signing_key, segmenter):
    progress = []
    r = build_pack(source=FIXTURE, out=tmp_path / "out" / "tinh.mcpack", pack_id="tinh-ha-noi",
                   version=3, key_path=signing_key, title="Tỉnh", publisher="Sở Tư pháp",
                   progress=progress.append, segmenter=segmenter)
    return r, progress


def test_fixture_round_trip_with_real_underthesea(built, trusted, segmenter):
    r, progress = built
    pack = read_pack(r.path, trusted=trusted)
    source = sorted(read_source(FIXTURE / "procedures.jsonl").procedures, key=lambda p: p.code)
    assert pack.procedures == source
    assert pack.tokens == [tokenize_procedure(p, segmenter) for p in source]
    name_tokens = {c: n for c, n, _ in pack.tokens}
    assert {"dang", "ki", "dang_ki", "thuong_tru"} <= set(name_tokens["1.004222"])
    body = {c: b for c, _, b in pack.tokens}["1.004222"]
    assert {"ct01", "luat", "cu_tru"} <= set(body)  # dossier names and legal bases are indexed
    assert pack.synonyms == json.loads((FIXTURE / "synonyms.json").read_text(encoding="utf-8"))
    assert pack.calendar["holidays"][1] == {"date": "2026-09-02", "name": "Quốc khánh"}
    assert pack.calendar["workdays"] == [{"date": "2026-01-10", "name": "Làm bù"}]
    assert r.counts == {"procedures": 5, "with_detail": 4, "synonyms": 2, "holidays": 2}
    assert r.problems == [] and r.seconds > 0
    assert progress[0].done == 0 and progress[-1].done == progress[-1].total == 5
    assert [p.done for p in progress] == sorted(p.done for p in progress)


def test_manifest_members_and_signature(built, trusted):
    r, _ = built
    with zipfile.ZipFile(r.path) as z:
        names = z.namelist()
        manifest = json.loads(z.read(fmt.MANIFEST))
        signature = json.loads(z.read(fmt.SIGNATURE))
        members = {n: z.read(n) for n in names}
    assert sorted(names) == sorted(fmt.ALLOWED)
    assert {k: manifest[k] for k in ("format_version", "pack_id", "title", "version", "publisher")} == {
        "format_version": 1, "pack_id": "tinh-ha-noi", "title": "Tỉnh", "version": 3,
        "publisher": "Sở Tư pháp"}
    created = datetime.fromisoformat(manifest["created"])
    assert created.utcoffset().total_seconds() == 0
    assert abs((datetime.now(UTC) - created).total_seconds()) < 120
    assert manifest["tokenizer"] == {"name": text.TOKENIZER_NAME, "version": text.TOKENIZER_VERSION,
                                     "segmenter": f"underthesea {text.underthesea_version()}"}
    assert manifest["members"] == {n: hashlib.sha256(d).hexdigest() for n, d in members.items()
                                   if n not in (fmt.MANIFEST, fmt.SIGNATURE)}
    assert (signature["algorithm"], signature["key_id"]) == ("ed25519", trusted[0].key_id)
    lines = members[fmt.PROCEDURES].decode().splitlines()
    codes = [json.loads(x)["code"] for x in lines]
    assert codes == sorted(codes) == [json.loads(x)["code"]
                                      for x in members[fmt.TOKENS].decode().splitlines()]
    first = json.loads(lines[0])
    assert "source" not in first and "in_national_list" not in first  # extra keys dropped
    assert stat.S_IMODE(os.stat(r.path).st_mode) == 0o644
    assert os.listdir(r.path.parent) == ["tinh.mcpack"]  # no temp file left


def test_jsonl_source_and_explicit_synonym_and_calendar_files(tmp_path, signing_key, trusted):
    syn = tmp_path / "tu.json"
    syn.write_text('[{"phrase": "sổ đỏ", "expansion": "giấy chứng nhận quyền sử dụng đất"}]',
                   encoding="utf-8")
    r = build_pack(source=FIXTURE / "procedures.jsonl", out=tmp_path / "p.mcpack", pack_id="p",
                   version=1, key_path=signing_key, synonyms=syn, segmenter=fake_segment)
    pack = read_pack(r.path, trusted=trusted)
    assert pack.synonyms == [{"phrase": "sổ đỏ", "expansion": "giấy chứng nhận quyền sử dụng đất"}]
    assert pack.calendar is None and pack.manifest.title == "p"
    assert r.counts["synonyms"] == 1 and r.counts["holidays"] == 0


def test_segmenting_each_distinct_piece_once_gives_the_same_tokens(segmenter):
    procedures = sorted(read_source(FIXTURE / "procedures.jsonl").procedures, key=lambda p: p.code)
    calls = []

    def counting(piece):
        calls.append(piece)
        return segmenter(piece)

    assert tokenize_all(procedures, segmenter=counting) == [
        tokenize_procedure(p, segmenter) for p in procedures]
    assert len(calls) == len(set(calls))  # "Tờ khai … (mẫu CT01)" twice, segmented once
    assert text.index_pieces("Bước 1: Nộp.\n\nBước 2:  Nhận. ") == ["Bước 1:", "Nộp.", "Bước 2:",
                                                                    "Nhận."]


def test_the_process_pool_gives_the_same_tokens(monkeypatch, segmenter):
    """The default path: underthesea in worker processes, several chunks, both cores."""
    procedures = sorted(read_source(FIXTURE / "procedures.jsonl").procedures, key=lambda p: p.code)
    monkeypatch.setattr(build_mod, "IN_PROCESS_CHARS", 0)
    monkeypatch.setattr(build_mod, "PIECE_CHUNK_CHARS", 300)
    progress = []
    got = tokenize_all(procedures, workers=2, progress=progress.append)
    assert got == [tokenize_procedure(p, segmenter) for p in procedures]
    assert len(progress) > 3 and progress[-1].done == progress[-1].total == 5


@pytest.mark.parametrize("pool", [False, True])
def test_cancel_stops_the_build_and_writes_nothing(tmp_path, signing_key, monkeypatch, pool):
    monkeypatch.setattr(build_mod, "PIECE_CHUNK_CHARS", 200)
    if pool:
        monkeypatch.setattr(build_mod, "IN_PROCESS_CHARS", 0)
    cancel = threading.Event()
    seen = []

    def progress(p):
        seen.append(p)
        if p.done > 0:
            cancel.set()

    out = tmp_path / "out" / "p.mcpack"
    with pytest.raises(Cancelled):
        build_pack(source=FIXTURE, out=out, pack_id="p", version=1, key_path=signing_key,
                   progress=progress, cancel=cancel, segmenter=None if pool else fake_segment)
    assert not out.parent.exists() or os.listdir(out.parent) == []
    assert seen[-1].done < 5


def test_a_failed_build_keeps_the_previous_pack(tmp_path, signing_key):
    src = tmp_path / "src"
    shutil.copytree(FIXTURE, src)
    out = tmp_path / "p.mcpack"
    build_pack(source=src, out=out, pack_id="p", version=1, key_path=signing_key,
               segmenter=fake_segment)
    before = out.read_bytes()
    with open(src / "procedures.jsonl", "a", encoding="utf-8") as f:
        f.write('{"code": "1.004222", "name": "Trùng"}\n')
    with pytest.raises(PackInvalid):
        build_pack(source=src, out=out, pack_id="p", version=2, key_path=signing_key,
                   segmenter=fake_segment)
    assert out.read_bytes() == before and sorted(os.listdir(tmp_path)) == ["home", "p.mcpack", "src"]


def test_errors_are_counted_and_the_first_five_listed(tmp_path, signing_key):
    src = tmp_path / "procedures.jsonl"
    src.write_text("".join(f'{{"code": "1.00000{i}"}}\n' for i in range(7)), encoding="utf-8")
    with pytest.raises(PackInvalid) as e:
        build_pack(source=src, out=tmp_path / "p.mcpack", pack_id="p", version=1,
                   key_path=signing_key, segmenter=fake_segment)
    lines = e.value.message_vi.split("\n")
    assert lines[0] == "Nguồn gói có 7 lỗi; sửa rồi dựng lại:"
    assert lines[1] == 'procedures.jsonl dòng 1 (mã 1.000000): thiếu tên thủ tục (trường "name").'
    assert len(lines) == 7 and lines[-1] == "… và 2 lỗi khác."
    assert "missing name" in e.value.detail_en


@pytest.mark.parametrize("pack_id, version, words", [
    ("../tinh", 1, 'Mã gói "../tinh" không hợp lệ'),
    ("tỉnh", 1, 'Mã gói "tỉnh" không hợp lệ'),
    ("", 1, 'Mã gói "" không hợp lệ'),
    ("tinh", 0, "Phiên bản gói phải là số nguyên dương."),
    ("tinh", True, "Phiên bản gói phải là số nguyên dương."),
])
def test_bad_pack_id_or_version(tmp_path, signing_key, pack_id, version, words):
    with pytest.raises(PackInvalid) as e:
        build_pack(source=FIXTURE, out=tmp_path / "p.mcpack", pack_id=pack_id, version=version,
                   key_path=signing_key, segmenter=fake_segment)
    assert e.value.message_vi.startswith(words)


@pytest.mark.parametrize("name, content, words", [
    ("synonyms.json", '{"sổ đỏ": "giấy chứng nhận"}', "synonyms.json dòng 1: phải là danh sách"),
    ("synonyms.json", '[{"phrase": "sổ đỏ"}]',
     'synonyms.json: mục thứ 1 phải có "phrase" và "expansion" là chuỗi chữ.'),
    ("calendar.json", '{"holidays": [{"date": "02/09/2026"}]}',
     'calendar.json: "holidays" mục thứ 1 có ngày không hợp lệ (dạng đúng: 2026-09-02).'),
    ("calendar.json", "{holidays", "Không đọc được calendar.json: tệp không phải JSON hợp lệ."),
])
def test_bad_synonyms_or_calendar(tmp_path, signing_key, name, content, words):
    src = tmp_path / "src"
    shutil.copytree(FIXTURE, src)
    (src / name).write_text(content, encoding="utf-8")
    with pytest.raises(PackInvalid) as e:
        build_pack(source=src, out=tmp_path / "p.mcpack", pack_id="p", version=1,
                   key_path=signing_key, segmenter=fake_segment)
    assert e.value.message_vi.startswith(words)


def test_a_missing_key_or_explicit_file_is_a_clear_error(tmp_path, signing_key):
    from knowledge.packs.keys import KeyFileError

    with pytest.raises(KeyFileError, match="Không đọc được khoá ký"):
        build_pack(source=FIXTURE, out=tmp_path / "p.mcpack", pack_id="p", version=1,
                   key_path=tmp_path / "none.key", segmenter=fake_segment)
    with pytest.raises(PackInvalid, match="Không tìm thấy tệp"):
        build_pack(source=FIXTURE, out=tmp_path / "p.mcpack", pack_id="p", version=1,
                   key_path=signing_key, calendar=tmp_path / "none.json", segmenter=fake_segment)
