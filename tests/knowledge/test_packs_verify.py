"""Hardened pack reading: every tampering and hostile-zip case is refused with a clear message."""

from __future__ import annotations

import base64
import json
import os
import stat
import struct
import zipfile
from pathlib import Path

import pytest

from knowledge.errors import PackInvalid, PackSignatureBad
from knowledge.packs import format as fmt
from knowledge.packs.build import build_pack
from knowledge.packs.keys import (
    KeyFileError,
    TrustedKey,
    generate_key,
    key_id,
    load_private,
    load_public,
    raw_public,
)
from knowledge.packs.verify import BROKEN, read_pack, verify_pack
from tests.conftest import DATA

FIXTURE = DATA / "packs" / "source"


def fake_segment(piece: str) -> list[str]:
    return piece.split()


@pytest.fixture(scope="module")
def good(tmp_path_factory, signing_key) -> Path:
    out = tmp_path_factory.mktemp("good") / "tinh.mcpack"
    build_pack(source=FIXTURE, out=out, pack_id="tinh", version=1, key_path=signing_key,
               segmenter=fake_segment)
    return out


def members(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        return {n: z.read(n) for n in z.namelist()}


def write_zip(path: Path, items: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in items.items():
            z.writestr(name, data)
    return path


def resign(items: dict[str, bytes], key_path: Path, change) -> dict[str, bytes]:
    """Edit the manifest with ``change`` and sign it again with ``key_path``."""
    manifest = json.loads(items[fmt.MANIFEST])
    change(manifest)
    mbytes = json.dumps(manifest).encode()
    key = load_private(key_path)
    sig = {"algorithm": "ed25519", "key_id": key_id(key.public_key()),
           "public_key": base64.b64encode(raw_public(key.public_key())).decode(),
           "signature": base64.b64encode(key.sign(mbytes)).decode()}
    return {**items, fmt.MANIFEST: mbytes, fmt.SIGNATURE: json.dumps(sig).encode()}


def refused(path: Path, trusted, exc=PackInvalid, **kw) -> str:
    """Both readers refuse the pack the same way; return the message."""
    with pytest.raises(exc) as e:
        read_pack(path, trusted=trusted, **kw)
    with pytest.raises(exc) as e2:
        verify_pack(path, trusted=trusted, **kw)
    assert e.value.message_vi == e2.value.message_vi
    assert e.value.detail_en and "\n" not in e.value.message_vi
    return e.value.message_vi


def test_the_good_pack_reads(good, trusted):
    assert verify_pack(good, trusted=trusted).counts["procedures"] == 5
    assert read_pack(good, trusted=trusted).signer == trusted[0].key_id


@pytest.mark.parametrize("name", ["../../evil.txt", "/etc/passwd", "a\\..\\b.json",
                                  "C:/Windows/x.json", "sub/manifest.json", "tokens.jsonl/",
                                  "notes.txt"])
def test_member_names_outside_the_expected_set(good, trusted, tmp_path, name):
    path = write_zip(tmp_path / "x.mcpack", {**members(good), name: b"x"})
    assert refused(path, trusted) == f'{BROKEN} (x.mcpack): có thành phần lạ "{name}".'.rstrip(".")


def test_an_unlisted_allowed_member_is_refused(good, trusted, tmp_path, signing_key):
    items = members(good)
    items.pop(fmt.SYNONYMS)  # still listed in the manifest
    path = write_zip(tmp_path / "x.mcpack", items)
    assert refused(path, trusted) == f"{BROKEN} (x.mcpack): danh sách thành phần không khớp bản kê khai"
    listed = resign(members(good), signing_key, lambda m: m["members"].pop(fmt.CALENDAR))
    path = write_zip(tmp_path / "y.mcpack", listed)
    assert "không khớp bản kê khai" in refused(path, trusted)


def test_a_flipped_byte_in_any_member_is_refused(good, trusted, tmp_path):
    for name in (fmt.PROCEDURES, fmt.TOKENS, fmt.SYNONYMS, fmt.CALENDAR):
        items = members(good)
        data = bytearray(items[name])
        data[len(data) // 2] ^= 0x01
        path = write_zip(tmp_path / "x.mcpack", {**items, name: bytes(data)})
        assert refused(path, trusted) == (
            f'{BROKEN} (x.mcpack): thành phần "{name}" đã bị thay đổi (sai mã băm)')


def test_a_flipped_byte_in_the_file_is_refused(good, trusted, tmp_path):
    data = bytearray(good.read_bytes())
    for offset in (len(data) // 3, len(data) // 2, len(data) - 30):
        copy = bytearray(data)
        copy[offset] ^= 0xFF
        path = tmp_path / "x.mcpack"
        path.write_bytes(bytes(copy))
        with pytest.raises(PackInvalid):
            read_pack(path, trusted=trusted)


@pytest.mark.parametrize("keep", [0, 10, 0.5, -22])
def test_truncated_and_empty_files(good, trusted, tmp_path, keep):
    data = good.read_bytes()
    cut = data[: int(len(data) * keep)] if isinstance(keep, float) else data[:keep]
    path = tmp_path / "x.mcpack"
    path.write_bytes(cut)
    assert refused(path, trusted).startswith(f"{BROKEN} (x.mcpack): ")


def test_a_missing_file_and_a_folder(trusted, tmp_path):
    with pytest.raises(PackInvalid, match="Không tìm thấy tệp gói"):
        read_pack(tmp_path / "none.mcpack", trusted=trusted)
    assert "không phải tệp gói hợp lệ" in refused(tmp_path, trusted)


def _patch_central_size(path: Path, member: str, size: int) -> None:
    """Rewrite the uncompressed size the central directory declares for ``member``."""
    data = bytearray(path.read_bytes())
    pos = data.find(b"PK\x01\x02")
    while pos >= 0:
        name_len, = struct.unpack_from("<H", data, pos + 28)
        if data[pos + 46:pos + 46 + name_len] == member.encode():
            struct.pack_into("<I", data, pos + 24, size)
        pos = data.find(b"PK\x01\x02", pos + 4)
    path.write_bytes(bytes(data))


def test_a_huge_declared_size_is_refused_before_inflating(good, trusted, tmp_path):
    path = write_zip(tmp_path / "bomb.mcpack", members(good))
    _patch_central_size(path, fmt.TOKENS, 0x7FFF_FFFF)
    assert path.stat().st_size < 100_000
    assert refused(path, trusted) == f"{BROKEN} (bomb.mcpack): quá lớn sau khi giải nén"


def test_a_header_that_understates_the_size_is_not_believed(good, trusted, tmp_path):
    items = members(good)
    path = write_zip(tmp_path / "lie.mcpack", {**items, fmt.TOKENS: b"\0" * 5_000_000})
    _patch_central_size(path, fmt.TOKENS, 100)
    assert path.stat().st_size < 100_000
    assert refused(path, trusted) in (  # CPython stops at the declared size, then checks the CRC
        f'{BROKEN} (lie.mcpack): thành phần "tokens.jsonl" không đọc được',
        f'{BROKEN} (lie.mcpack): thành phần "tokens.jsonl" quá lớn')


def test_a_member_over_the_limit_is_refused_while_inflating(good, trusted, tmp_path, monkeypatch):
    monkeypatch.setattr(fmt, "MAX_MEMBER_BYTES", 1000)
    assert refused(good, trusted) == f'{BROKEN} ({good.name}): thành phần "procedures.jsonl" quá lớn'


@pytest.mark.filterwarnings("ignore:Duplicate name")
def test_too_many_members(good, trusted, tmp_path):
    path = write_zip(tmp_path / "x.mcpack", members(good))
    with zipfile.ZipFile(path, "a") as z:
        for _ in range(fmt.MAX_MEMBERS):
            z.writestr(fmt.SYNONYMS, b"[]")
    assert refused(path, trusted) == f"{BROKEN} (x.mcpack): có quá nhiều thành phần"


@pytest.mark.filterwarnings("ignore:Duplicate name")
def test_duplicate_member_names(good, trusted, tmp_path):
    path = write_zip(tmp_path / "x.mcpack", members(good))
    with zipfile.ZipFile(path, "a") as z:
        z.writestr(fmt.CALENDAR, b"{}")
    assert refused(path, trusted) == f"{BROKEN} (x.mcpack): có thành phần trùng tên"


def test_unsigned(good, trusted, tmp_path):
    items = members(good)
    items.pop(fmt.SIGNATURE)
    path = write_zip(tmp_path / "x.mcpack", items)
    assert refused(path, trusted, PackSignatureBad) == (
        "Gói x.mcpack chưa được ký; chỉ cài gói có chữ ký của người phụ trách.")
    assert read_pack(path, trusted=[], allow_unsigned=True).signer is None


def test_signed_by_an_untrusted_key(good, tmp_path, signing_key):
    other = tmp_path / "other.key"
    generate_key(other)
    them = [TrustedKey(load_public(Path(f"{other}.pub")))]
    kid = key_id(load_public(Path(f"{signing_key}.pub")))
    assert refused(good, them, PackSignatureBad) == (
        f"Gói tinh.mcpack được ký bằng khoá không có trong danh sách tin cậy (mã khoá {kid}).")
    assert refused(good, them, PackSignatureBad, allow_unsigned=True)  # signed: must verify


def test_trusted_key_scoped_to_other_pack_ids(good, trusted, tmp_path, signing_key):
    scoped = [TrustedKey(trusted[0].public_key, ("demo*",))]
    assert refused(good, scoped, PackSignatureBad) == (
        f'Khoá {trusted[0].key_id} không được phép ký gói "tinh".')
    demo = tmp_path / "demo.mcpack"
    build_pack(source=FIXTURE, out=demo, pack_id="demo-tinh", version=1, key_path=signing_key,
               segmenter=fake_segment)
    assert verify_pack(demo, trusted=scoped).pack_id == "demo-tinh"
    exact = [TrustedKey(trusted[0].public_key, ("tinh", "xa-*"))]
    assert verify_pack(good, trusted=exact).pack_id == "tinh"
    assert TrustedKey(trusted[0].public_key, ("demo*",)).allows("demo") is True
    assert TrustedKey(trusted[0].public_key, ("demo*",)).allows("Demo-x") is False
    assert TrustedKey(trusted[0].public_key, ()).allows("tinh") is False


def test_a_forged_or_malformed_signature(good, trusted, tmp_path):
    items = members(good)
    sig = json.loads(items[fmt.SIGNATURE])
    cases = {
        "forged": {**sig, "signature": base64.b64encode(b"\0" * 64).decode()},
        "algorithm": {**sig, "algorithm": "rsa"},
        "garbage": {**sig, "public_key": "không phải base64"},
    }
    expected = {"forged": "Chữ ký của gói x.mcpack không đúng: gói có thể đã bị sửa.",
                "algorithm": "Chữ ký của gói x.mcpack không đọc được.",
                "garbage": "Chữ ký của gói x.mcpack không đọc được."}
    for case, data in cases.items():
        path = write_zip(tmp_path / "x.mcpack", {**items, fmt.SIGNATURE: json.dumps(data).encode()})
        assert refused(path, trusted, PackSignatureBad) == expected[case], case


def test_an_edited_manifest_breaks_the_signature(good, trusted, tmp_path):
    items = members(good)
    edited = items[fmt.MANIFEST].replace(b'"version": 1', b'"version": 9')
    path = write_zip(tmp_path / "x.mcpack", {**items, fmt.MANIFEST: edited})
    assert "không đúng" in refused(path, trusted, PackSignatureBad)


def test_unknown_format_version(good, trusted, tmp_path, signing_key):
    path = write_zip(tmp_path / "x.mcpack",
                     resign(members(good), signing_key, lambda m: m.update(format_version=2)))
    assert refused(path, trusted) == (
        "Gói x.mcpack dùng định dạng phiên bản 2 mà phần mềm này không đọc được (chỉ đọc phiên"
        " bản 1). Hãy cập nhật phần mềm hoặc dựng lại gói.")


def test_an_incompatible_tokenizer(good, trusted, tmp_path, signing_key):
    path = write_zip(tmp_path / "x.mcpack", resign(
        members(good), signing_key, lambda m: m["tokenizer"].update(version=99)))
    assert refused(path, trusted) == (
        "Gói x.mcpack được dựng bằng bộ tách từ khác phiên bản với phần mềm này; hãy dựng lại gói"
        " bằng công cụ cùng phiên bản.")


@pytest.mark.parametrize("change, words", [
    (lambda m: m.update(pack_id="../../share"), "bản kê khai không hợp lệ"),
    (lambda m: m.update(version="1"), "bản kê khai không hợp lệ"),
    (lambda m: m.pop("title"), "bản kê khai thiếu thông tin"),
    (lambda m: m["counts"].update(procedures=4), "số thủ tục không khớp bản kê khai"),
])
def test_a_signed_but_malformed_manifest(good, trusted, tmp_path, signing_key, change, words):
    path = write_zip(tmp_path / "x.mcpack", resign(members(good), signing_key, change))
    assert refused(path, trusted) == f"{BROKEN} (x.mcpack): {words}"


def test_signed_content_that_does_not_line_up(good, trusted, tmp_path, signing_key):
    import hashlib

    items = members(good)
    lines = items[fmt.TOKENS].decode().splitlines(keepends=True)
    swapped = "".join([lines[1], lines[0], *lines[2:]]).encode()

    def change(m):
        m["members"][fmt.TOKENS] = hashlib.sha256(swapped).hexdigest()

    path = write_zip(tmp_path / "x.mcpack", resign({**items, fmt.TOKENS: swapped}, signing_key,
                                                   change))
    verify_pack(path, trusted=trusted)  # the cheap check trusts signed content's order
    with pytest.raises(PackInvalid, match="danh sách từ khoá không khớp danh sách thủ tục"):
        read_pack(path, trusted=trusted)


def test_keys_on_disk(tmp_path):
    key = tmp_path / "so.key"
    pub = generate_key(key)
    assert pub == Path(f"{key}.pub") and stat.S_IMODE(os.stat(key).st_mode) == 0o600
    assert b"BEGIN PRIVATE KEY" in key.read_bytes() and b"BEGIN PUBLIC KEY" in pub.read_bytes()
    kid = key_id(load_public(pub))
    assert kid == key_id(load_private(key).public_key()) and len(kid) == 16
    before = key.read_bytes()
    with pytest.raises(KeyFileError, match="đã có; không ghi đè khoá ký"):
        generate_key(key)
    assert key.read_bytes() == before
    with pytest.raises(KeyFileError, match="Không đọc được khoá công khai"):
        load_public(key)  # a private key given where a public one is expected
    with pytest.raises(KeyFileError, match="Không đọc được khoá ký"):
        load_private(pub)
