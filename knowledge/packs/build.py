"""Build a signed pack from a source: validate, pre-tokenize with underthesea, zip, sign.

Segmenting is the slow part (underthesea: ~90k characters a second on one core; the national
corpus has ~13M characters of searchable text), so it runs on a process pool over all cores.
A workstation never re-segments: it installs the tokens the pack carries.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import tempfile
import threading
import time
import zipfile
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any

from knowledge import text
from knowledge.errors import PackInvalid
from knowledge.model import Procedure
from knowledge.packs import format as fmt
from knowledge.packs.keys import key_id, load_private, raw_public
from knowledge.packs.source import Problem, message, read_source
from knowledge.progress import ProgressFn, check_cancel, report

CHUNK = 64
_SEGMENTER: text.Segmenter | None = None


@dataclass
class BuildResult:
    path: Path
    counts: dict[str, int]
    problems: list[Problem]
    seconds: float


def searchable_body(p: Procedure) -> str:
    """The text indexed besides the name: what a clerk or citizen might type to find it."""
    return text.join_texts(
        [p.field, p.target, p.result]
        + [d.name for d in p.dossier]
        + p.steps
        + [p.requirements]
        + [r.title for r in p.legal_basis]
        + [c.note for c in p.channels]
    )


def tokenize_procedure(p: Procedure, segment: text.Segmenter) -> tuple[str, list[str], list[str]]:
    return p.code, text.index_tokens(p.name, segment), text.index_tokens(searchable_body(p), segment)


def _tokenize_chunk(records: list[dict]) -> list[tuple[str, list[str], list[str]]]:
    """Worker: segment a chunk of procedures (the segmenter is loaded once per process)."""
    global _SEGMENTER
    if _SEGMENTER is None:
        _SEGMENTER = text.underthesea_segmenter()
    return [tokenize_procedure(Procedure.from_dict(r), _SEGMENTER) for r in records]


def build_pack(*, source: Path, out: Path, pack_id: str, version: int, key_path: Path,
               title: str | None = None, publisher: str | None = None,
               progress: ProgressFn | None = None, cancel: threading.Event | None = None,
               segmenter: text.Segmenter | None = None) -> BuildResult:
    """Build and sign a pack.

    Args:
        source: a ``.jsonl`` file, or a folder with ``procedures.jsonl`` and optional
            ``synonyms.json`` and ``calendar.json``.
        segmenter: segment in this process with it (tests); default: underthesea on a pool.

    Raises:
        PackInvalid: the source has errors (the message lists the first ones).
    """
    t0 = time.perf_counter()
    source = Path(source)
    if not pack_id or not pack_id.replace("-", "").replace("_", "").replace(".", "").isalnum():
        raise PackInvalid(f"Mã gói \"{pack_id}\" không hợp lệ: chỉ dùng chữ, số, '-', '_', '.'.",
                          f"bad pack id {pack_id!r}")
    if not isinstance(version, int) or version < 1:
        raise PackInvalid("Phiên bản gói phải là số nguyên dương.", f"bad version {version!r}")
    folder = source if source.is_dir() else None
    jsonl = folder / fmt.PROCEDURES if folder else source
    read = read_source(jsonl)
    synonyms = _read_synonyms(folder / fmt.SYNONYMS) if folder else []
    calendar = _read_calendar(folder / fmt.CALENDAR) if folder else None
    if read.errors:
        first = "\n".join(p.message_vi for p in read.errors[:5])
        raise PackInvalid(f"Nguồn gói có {len(read.errors)} lỗi; sửa rồi dựng lại:\n{first}",
                          "; ".join(p.detail_en for p in read.errors[:20]))
    key = load_private(key_path)
    procedures = sorted(read.procedures, key=lambda p: p.code)
    tokens = _tokenize_all(procedures, segmenter, progress, cancel)

    members: dict[str, bytes] = {
        fmt.PROCEDURES: "".join(json.dumps(p.to_dict(), ensure_ascii=False, sort_keys=True) + "\n"
                                for p in procedures).encode("utf-8"),
        fmt.TOKENS: "".join(json.dumps({"code": c, "name": n, "body": b}, ensure_ascii=False)
                            + "\n" for c, n, b in tokens).encode("utf-8"),
    }
    if synonyms:
        members[fmt.SYNONYMS] = json.dumps(synonyms, ensure_ascii=False, indent=1).encode("utf-8")
    if calendar is not None:
        members[fmt.CALENDAR] = json.dumps(calendar, ensure_ascii=False, indent=1).encode("utf-8")
    counts = {
        "procedures": len(procedures),
        "with_detail": sum(p.has_detail for p in procedures),
        "synonyms": len(synonyms),
        "holidays": len((calendar or {}).get("holidays", [])),
    }
    manifest = fmt.PackManifest(
        format_version=fmt.FORMAT_VERSION, pack_id=pack_id, title=title or pack_id,
        version=version, created=datetime.now(timezone.utc).isoformat(timespec="seconds"),
        publisher=publisher, counts=counts,
        tokenizer={"name": text.TOKENIZER_NAME, "version": text.TOKENIZER_VERSION,
                   "segmenter": f"underthesea {text.underthesea_version()}"},
        members={name: hashlib.sha256(data).hexdigest() for name, data in members.items()},
    )
    manifest_bytes = json.dumps(asdict(manifest), ensure_ascii=False, indent=1).encode("utf-8")
    signature = {
        "algorithm": "ed25519", "key_id": key_id(key.public_key()),
        "public_key": base64.b64encode(raw_public(key.public_key())).decode(),
        "signature": base64.b64encode(key.sign(manifest_bytes)).decode(),
    }
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".tmp", dir=out.parent)
    try:
        with os.fdopen(fd, "wb") as f, zipfile.ZipFile(f, "w", zipfile.ZIP_DEFLATED) as z:
            z.writestr(fmt.MANIFEST, manifest_bytes)
            for name, data in members.items():
                z.writestr(name, data)
            z.writestr(fmt.SIGNATURE, json.dumps(signature, indent=1))
        os.chmod(tmp, 0o644)  # mkstemp makes it owner-only; workstations must read it on a share
        os.replace(tmp, out)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    report(progress, len(procedures), len(procedures), "Xong")
    return BuildResult(out, counts, read.problems, time.perf_counter() - t0)


def _tokenize_all(procedures: list[Procedure], segmenter: text.Segmenter | None,
                  progress: ProgressFn | None, cancel: threading.Event | None
                  ) -> list[tuple[str, list[str], list[str]]]:
    total = len(procedures)
    out: list[tuple[str, list[str], list[str]]] = []
    report(progress, 0, total, "Đang tách từ")
    if segmenter is not None:
        for i, p in enumerate(procedures):
            check_cancel(cancel)
            out.append(tokenize_procedure(p, segmenter))
            if i % CHUNK == 0:
                report(progress, i, total, "Đang tách từ")
        return out
    chunks = [[p.to_dict() for p in procedures[i:i + CHUNK]] for i in range(0, total, CHUNK)]
    workers = max(1, min(os.cpu_count() or 1, len(chunks)))
    with ProcessPoolExecutor(max_workers=workers) as pool:
        futures = [pool.submit(_tokenize_chunk, c) for c in chunks]
        try:
            for fut in futures:
                check_cancel(cancel)
                out.extend(fut.result())
                report(progress, len(out), total, "Đang tách từ")
        except BaseException:
            for fut in futures:
                fut.cancel()
            raise
    return out


def _read_synonyms(path: Path) -> list[dict[str, str]]:
    if not path.exists():
        return []
    data = _load_json(path)
    if not isinstance(data, list):
        raise PackInvalid(message(path.name, 1, None, None, "phải là danh sách {phrase, expansion}"),
                          f"{path}: not a list")
    out = []
    for i, item in enumerate(data):
        if not (isinstance(item, dict) and isinstance(item.get("phrase"), str)
                and isinstance(item.get("expansion"), str)
                and item["phrase"].strip() and item["expansion"].strip()):
            raise PackInvalid(
                f"{path.name}: mục thứ {i + 1} phải có \"phrase\" và \"expansion\" là chuỗi chữ.",
                f"{path}: bad synonym #{i}")
        out.append({"phrase": item["phrase"].strip(), "expansion": item["expansion"].strip()})
    return out


def _read_calendar(path: Path) -> dict | None:
    if not path.exists():
        return None
    data = _load_json(path)
    if not isinstance(data, dict):
        raise PackInvalid(f"{path.name}: lịch phải là một đối tượng JSON.", f"{path}: not an object")
    out: dict[str, Any] = {"holidays": [], "workdays": []}
    if "year" in data:
        out["year"] = data["year"]
    for kind in ("holidays", "workdays"):
        for i, item in enumerate(data.get(kind) or []):
            try:
                d = date.fromisoformat(item["date"])
            except (TypeError, KeyError, ValueError) as e:
                raise PackInvalid(
                    f"{path.name}: \"{kind}\" mục thứ {i + 1} có ngày không hợp lệ"
                    " (dạng đúng: 2026-09-02).", f"{path}: {kind}[{i}]: {e!r}") from e
            out[kind].append({"date": d.isoformat(), "name": str(item.get("name") or "")})
    return out


def _load_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise PackInvalid(f"Không đọc được {path.name}: tệp không phải JSON hợp lệ.",
                          f"{path}: {e}") from e
