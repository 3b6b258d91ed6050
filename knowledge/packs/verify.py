"""Read a pack file defensively: structure, limits, member hashes, format, tokenizer, signature.

Nothing in a pack is trusted before it is checked: member names (no paths), member count and
sizes (counted while reading, not taken from the zip header: zip bombs), every member's SHA-256
against the manifest, the format and tokenizer versions, and the Ed25519 signature over the
manifest by a trusted key that is allowed to sign this pack id.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import logging
import zipfile
from collections.abc import Sequence
from dataclasses import fields
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from knowledge import text
from knowledge.errors import PackInvalid, PackSignatureBad
from knowledge.model import CODE_RE, Procedure
from knowledge.packs import format as fmt
from knowledge.packs.keys import TrustedKey, key_id

log = logging.getLogger(__name__)

BROKEN = "Gói tri thức bị hỏng hoặc chưa chép xong"


def _invalid(what_vi: str, detail_en: str, path: Path) -> PackInvalid:
    return PackInvalid(f"{BROKEN} ({path.name}): {what_vi}", f"{path}: {detail_en}")


def verify_pack(path: Path, *, trusted: Sequence[TrustedKey],
                allow_unsigned: bool = False) -> fmt.PackManifest:
    """Check a pack completely without building procedure objects; return its manifest."""
    manifest, _members, _signer = _read_verified(Path(path), trusted, allow_unsigned)
    return manifest


def read_pack(path: Path, *, trusted: Sequence[TrustedKey],
              allow_unsigned: bool = False) -> fmt.LoadedPack:
    """Check a pack completely and read it.

    Raises:
        PackInvalid: broken, truncated, tampered, too large, or of an unknown format.
        PackSignatureBad: unsigned (unless ``allow_unsigned``), badly signed, or signed by a key
            that is not trusted for this pack id.
    """
    path = Path(path)
    manifest, members, signer = _read_verified(path, trusted, allow_unsigned)
    try:
        procedures = [Procedure.from_dict(json.loads(line))
                      for line in members[fmt.PROCEDURES].decode("utf-8").splitlines() if line]
        tokens = []
        for line in members[fmt.TOKENS].decode("utf-8").splitlines():
            if line:
                t = json.loads(line)
                tokens.append((t["code"], list(t["name"]), list(t["body"])))
        synonyms = json.loads(members[fmt.SYNONYMS]) if fmt.SYNONYMS in members else []
        calendar = json.loads(members[fmt.CALENDAR]) if fmt.CALENDAR in members else None
    except (ValueError, KeyError, TypeError) as e:
        raise _invalid("nội dung không đọc được", f"bad member content: {e!r}", path) from e
    if [p.code for p in procedures] != [t[0] for t in tokens]:
        raise _invalid("danh sách từ khoá không khớp danh sách thủ tục",
                       "tokens.jsonl does not match procedures.jsonl", path)
    bad = [p.code for p in procedures if not (isinstance(p.code, str) and CODE_RE.match(p.code))]
    if bad:
        raise _invalid(f"mã thủ tục không hợp lệ: {bad[0]}", f"bad code {bad[0]!r}", path)
    if len({p.code for p in procedures}) != len(procedures):
        raise _invalid("có mã thủ tục trùng nhau", "duplicate procedure codes", path)
    return fmt.LoadedPack(manifest, procedures, tokens, synonyms, calendar, signer)


def _read_verified(path: Path, trusted: Sequence[TrustedKey], allow_unsigned: bool
                   ) -> tuple[fmt.PackManifest, dict[str, bytes], str | None]:
    try:
        zf = zipfile.ZipFile(path)
    except FileNotFoundError as e:
        raise PackInvalid(f"Không tìm thấy tệp gói {path}.", f"{path}: not found") from e
    except (zipfile.BadZipFile, OSError, ValueError) as e:
        raise _invalid("không phải tệp gói hợp lệ", f"not a zip: {e!r}", path) from e
    with zf:
        infos = zf.infolist()
        if len(infos) > fmt.MAX_MEMBERS:
            raise _invalid("có quá nhiều thành phần", f"{len(infos)} members", path)
        names = [i.filename for i in infos]
        for name in names:
            if name not in fmt.ALLOWED:
                raise _invalid(f"có thành phần lạ \"{name}\"", f"unexpected member {name!r}", path)
        if len(set(names)) != len(names):
            raise _invalid("có thành phần trùng tên", "duplicate member names", path)
        for name in fmt.REQUIRED:
            if name not in names:
                raise _invalid(f"thiếu thành phần \"{name}\"", f"missing member {name}", path)
        declared = sum(i.file_size for i in infos)
        if declared > fmt.MAX_TOTAL_BYTES:
            raise _invalid("quá lớn sau khi giải nén", f"declared {declared} bytes", path)
        members: dict[str, bytes] = {}
        total = 0
        for info in infos:
            limit = fmt.MAX_MANIFEST_BYTES if info.filename in (fmt.MANIFEST, fmt.SIGNATURE) \
                else fmt.MAX_MEMBER_BYTES
            data = _read_member(zf, info, min(limit, fmt.MAX_TOTAL_BYTES - total), path)
            total += len(data)
            members[info.filename] = data
    raw = _manifest_json(members[fmt.MANIFEST], path)
    # The signature comes before anything else in the manifest is believed.
    signer = _check_signature(members, str(raw.get("pack_id")), trusted, allow_unsigned, path)
    manifest = _parse_manifest(raw, path)
    listed = set(manifest.members)
    present = set(members) - {fmt.MANIFEST, fmt.SIGNATURE}
    if listed != present:
        raise _invalid("danh sách thành phần không khớp bản kê khai",
                       f"manifest lists {sorted(listed)}, zip has {sorted(present)}", path)
    for name in sorted(present):
        digest = hashlib.sha256(members[name]).hexdigest()
        if digest != manifest.members[name]:
            raise _invalid(f"thành phần \"{name}\" đã bị thay đổi (sai mã băm)",
                           f"sha256 mismatch for {name}", path)
    lines = {name: members[name].count(b"\n") for name in (fmt.PROCEDURES, fmt.TOKENS)}
    declared = manifest.counts.get("procedures") if isinstance(manifest.counts, dict) else None
    if set(lines.values()) != {declared}:
        raise _invalid("số thủ tục không khớp bản kê khai",
                       f"manifest counts {declared} procedures, members have {lines}", path)
    return manifest, members, signer


def _read_member(zf: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int, path: Path) -> bytes:
    """Read one member, counting real bytes: a lying header cannot make us inflate more."""
    if info.file_size > limit:
        raise _invalid(f"thành phần \"{info.filename}\" quá lớn",
                       f"{info.filename} declares {info.file_size} bytes", path)
    chunks, size = [], 0
    try:
        with zf.open(info) as f:
            while chunk := f.read(1 << 20):
                size += len(chunk)
                if size > limit:
                    raise _invalid(f"thành phần \"{info.filename}\" quá lớn",
                                   f"{info.filename} inflates past {limit} bytes", path)
                chunks.append(chunk)
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError) as e:
        raise _invalid(f"thành phần \"{info.filename}\" không đọc được",
                       f"cannot read {info.filename}: {e!r}", path) from e
    except RuntimeError as e:  # encrypted members
        raise _invalid(f"thành phần \"{info.filename}\" không đọc được",
                       f"cannot read {info.filename}: {e!r}", path) from e
    return b"".join(chunks)


def _manifest_json(data: bytes, path: Path) -> dict:
    """The manifest as JSON, refused early if its format is not one this version reads."""
    try:
        raw = json.loads(data)
    except ValueError as e:
        raise _invalid("bản kê khai không đọc được", f"bad manifest JSON: {e}", path) from e
    if not isinstance(raw, dict):
        raise _invalid("bản kê khai không hợp lệ", "manifest is not an object", path)
    if raw.get("format_version") != fmt.FORMAT_VERSION:
        raise PackInvalid(
            f"Gói {path.name} dùng định dạng phiên bản {raw.get('format_version')!r} mà phần mềm"
            f" này không đọc được (chỉ đọc phiên bản {fmt.FORMAT_VERSION}). Hãy cập nhật phần mềm"
            " hoặc dựng lại gói.", f"{path}: unknown format_version {raw.get('format_version')!r}")
    return raw


def _parse_manifest(raw: dict, path: Path) -> fmt.PackManifest:
    known = {f.name for f in fields(fmt.PackManifest)}
    try:
        manifest = fmt.PackManifest(**{k: v for k, v in raw.items() if k in known})
    except TypeError as e:
        raise _invalid("bản kê khai thiếu thông tin", f"manifest: {e}", path) from e
    ok = (isinstance(manifest.pack_id, str) and fmt.PACK_ID_RE.match(manifest.pack_id)
          and isinstance(manifest.version, int) and not isinstance(manifest.version, bool)
          and isinstance(manifest.members, dict)
          and all(isinstance(v, str) for v in manifest.members.values()))
    if not ok:
        raise _invalid("bản kê khai không hợp lệ", f"bad manifest fields: {raw!r}"[:500], path)
    tok: dict[str, Any] = manifest.tokenizer if isinstance(manifest.tokenizer, dict) else {}
    if tok.get("name") != text.TOKENIZER_NAME or tok.get("version") != text.TOKENIZER_VERSION:
        raise PackInvalid(
            f"Gói {path.name} được dựng bằng bộ tách từ khác phiên bản với phần mềm này; hãy dựng"
            " lại gói bằng công cụ cùng phiên bản.",
            f"{path}: tokenizer {tok!r}, expected {text.TOKENIZER_NAME} v{text.TOKENIZER_VERSION}")
    return manifest


def _check_signature(members: dict[str, bytes], pack_id: str,
                     trusted: Sequence[TrustedKey], allow_unsigned: bool, path: Path) -> str | None:
    if fmt.SIGNATURE not in members:
        if allow_unsigned:
            log.warning("accepting UNSIGNED pack %s as explicitly allowed", path)
            return None
        raise PackSignatureBad(
            f"Gói {path.name} chưa được ký; chỉ cài gói có chữ ký của người phụ trách.",
            f"{path}: unsigned")
    try:
        sig = json.loads(members[fmt.SIGNATURE])
        if sig["algorithm"] != "ed25519":
            raise ValueError(f"algorithm {sig['algorithm']!r}")
        public = Ed25519PublicKey.from_public_bytes(base64.b64decode(sig["public_key"],
                                                                     validate=True))
        signature = base64.b64decode(sig["signature"], validate=True)
    except (ValueError, KeyError, TypeError, binascii.Error) as e:
        raise PackSignatureBad(f"Chữ ký của gói {path.name} không đọc được.",
                               f"{path}: bad signature.json: {e!r}") from e
    kid = key_id(public)
    match = [t for t in trusted if t.key_id == kid]
    if not match:
        raise PackSignatureBad(
            f"Gói {path.name} được ký bằng khoá không có trong danh sách tin cậy (mã khoá {kid}).",
            f"{path}: signer {kid} not trusted")
    try:
        match[0].public_key.verify(signature, members[fmt.MANIFEST])
    except InvalidSignature as e:
        raise PackSignatureBad(f"Chữ ký của gói {path.name} không đúng: gói có thể đã bị sửa.",
                               f"{path}: signature does not verify (key {kid})") from e
    if not any(t.allows(pack_id) for t in match):
        raise PackSignatureBad(
            f"Khoá {kid} không được phép ký gói \"{pack_id}\".",
            f"{path}: key {kid} not allowed for pack id {pack_id}")
    return kid
