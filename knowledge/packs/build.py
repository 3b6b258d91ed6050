"""Build a signed pack from a source: validate, pre-tokenize with underthesea, zip, sign.

Segmenting is the slow part (underthesea: ~90k characters a second on one core; the national
corpus has ~13M characters of searchable text, ~7.8M of them distinct), so each distinct
sentence is segmented once, on a process pool over all cores. A workstation never re-segments:
it installs the tokens the pack carries.
"""

from __future__ import annotations

import base64
import bisect
import hashlib
import json
import logging
import os
import tempfile
import threading
import time
import zipfile
from concurrent.futures import ProcessPoolExecutor, wait
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from knowledge import text
from knowledge.errors import PackInvalid
from knowledge.model import Procedure
from knowledge.packs import format as fmt
from knowledge.packs.keys import key_id, load_private, raw_public
from knowledge.packs.source import Problem, message, read_source
from knowledge.progress import ProgressFn, check_cancel, report

log = logging.getLogger(__name__)

PIECE_CHUNK_CHARS = 50_000
"""Characters of distinct text per pool task: about half a second of underthesea, so progress
and cancellation stay responsive."""
IN_PROCESS_CHARS = 150_000
"""Below this much distinct text a process pool costs more than it saves (starting workers)."""
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
    """One procedure's index tokens: ``(code, name tokens, body tokens)``."""
    return p.code, text.index_tokens(p.name, segment), text.index_tokens(searchable_body(p), segment)


def _segment_pieces(pieces: list[str]) -> list[list[str]]:
    """Worker: index tokens of each piece (underthesea is loaded once per process)."""
    global _SEGMENTER
    if _SEGMENTER is None:
        _SEGMENTER = text.underthesea_segmenter()
    return [text.index_tokens(piece, _SEGMENTER) for piece in pieces]


def build_pack(*, source: Path, out: Path, pack_id: str, version: int, key_path: Path,
               title: str | None = None, publisher: str | None = None,
               progress: ProgressFn | None = None, cancel: threading.Event | None = None,
               synonyms: Path | None = None, calendar: Path | None = None,
               segmenter: text.Segmenter | None = None) -> BuildResult:
    """Build and sign a pack.

    Args:
        source: a ``.jsonl`` file, or a folder with ``procedures.jsonl`` and optional
            ``synonyms.json`` and ``calendar.json``.
        out: the pack file to write (replaced atomically: a temp file in the same folder).
        pack_id, version: the pack's identity; a workstation installs only newer versions.
        key_path: the supervisor's Ed25519 private key (PEM, from ``generate_key``).
        synonyms, calendar: JSON files that take the place of the folder's ones.
        progress, cancel: see ``knowledge.progress``; progress counts procedures tokenized.
        segmenter: segment in this process with it (tests); default: underthesea, on a
            process pool over all cores when the text is large.

    Returns:
        The pack's path, counts, the source's warnings and the seconds taken.

    Raises:
        PackInvalid: the source has errors (the message lists the first ones).
        Cancelled: ``cancel`` was set; nothing is written.
    """
    t0 = time.perf_counter()
    source = Path(source)
    if not isinstance(pack_id, str) or not fmt.PACK_ID_RE.match(pack_id):
        raise PackInvalid(f"Mã gói \"{pack_id}\" không hợp lệ: chỉ dùng chữ cái không dấu, chữ số,"
                          " '-', '_', '.' (tối đa 64 ký tự), ví dụ \"tinh-ha-noi\".",
                          f"bad pack id {pack_id!r}")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise PackInvalid("Phiên bản gói phải là số nguyên dương.", f"bad version {version!r}")
    folder = source if source.is_dir() else None
    jsonl = folder / fmt.PROCEDURES if folder else source
    if synonyms is None and folder and (folder / fmt.SYNONYMS).exists():
        synonyms = folder / fmt.SYNONYMS
    if calendar is None and folder and (folder / fmt.CALENDAR).exists():
        calendar = folder / fmt.CALENDAR
    read = read_source(jsonl)
    synonym_list = _read_synonyms(Path(synonyms)) if synonyms else []
    calendar_data = _read_calendar(Path(calendar)) if calendar else None
    if read.errors:
        first = "\n".join(p.message_vi for p in read.errors[:5])
        more = f"\n… và {len(read.errors) - 5} lỗi khác." if len(read.errors) > 5 else ""
        raise PackInvalid(f"Nguồn gói có {len(read.errors)} lỗi; sửa rồi dựng lại:\n{first}{more}",
                          "; ".join(p.detail_en for p in read.errors[:20]))
    key = load_private(key_path)
    procedures = sorted(read.procedures, key=lambda p: p.code)
    tokens = tokenize_all(procedures, segmenter=segmenter, progress=progress, cancel=cancel)
    check_cancel(cancel)

    members: dict[str, bytes] = {
        fmt.PROCEDURES: "".join(json.dumps(p.to_dict(), ensure_ascii=False, sort_keys=True) + "\n"
                                for p in procedures).encode("utf-8"),
        fmt.TOKENS: "".join(json.dumps({"code": c, "name": n, "body": b}, ensure_ascii=False)
                            + "\n" for c, n, b in tokens).encode("utf-8"),
    }
    if synonym_list:
        members[fmt.SYNONYMS] = json.dumps(synonym_list, ensure_ascii=False, indent=1).encode()
    if calendar_data is not None:
        members[fmt.CALENDAR] = json.dumps(calendar_data, ensure_ascii=False, indent=1).encode()
    counts = {
        "procedures": len(procedures),
        "with_detail": sum(p.has_detail for p in procedures),
        "synonyms": len(synonym_list),
        "holidays": len((calendar_data or {}).get("holidays", [])),
    }
    manifest = fmt.PackManifest(
        format_version=fmt.FORMAT_VERSION, pack_id=pack_id, title=title or pack_id,
        version=version, created=datetime.now(UTC).isoformat(timespec="seconds"),
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
    seconds = time.perf_counter() - t0
    log.info("built %s (%s v%d): %s in %.1f s", out, pack_id, version, counts, seconds)
    return BuildResult(out, counts, read.problems, seconds)


def tokenize_all(procedures: list[Procedure], *, segmenter: text.Segmenter | None = None,
                 progress: ProgressFn | None = None, cancel: threading.Event | None = None,
                 workers: int | None = None) -> list[tuple[str, list[str], list[str]]]:
    """Index tokens of every procedure, equal to ``tokenize_procedure`` on each.

    Each distinct piece of text (``text.index_pieces``) is segmented once: the national corpus
    repeats much of its text (steps, legal bases, dossier names), 13.1M characters of which
    7.8M are distinct. The distinct pieces go to a process pool in chunks, unless a
    ``segmenter`` is given or the text is small.
    """
    total = len(procedures)
    what = "Đang tách từ"
    report(progress, 0, total, what)
    index: dict[str, int] = {}
    layout: list[tuple[list[int], list[int]]] = []
    ready_after: list[int] = []  # procedure i is complete once pieces [0, ready_after[i]) are done
    high = 0
    for p in procedures:
        name_ids = [index.setdefault(x, len(index)) for x in text.index_pieces(p.name)]
        body_ids = [index.setdefault(x, len(index)) for x in text.index_pieces(searchable_body(p))]
        layout.append((name_ids, body_ids))
        high = max([high, *(i + 1 for i in name_ids), *(i + 1 for i in body_ids)])
        ready_after.append(high)
    pieces = list(index)
    chunks: list[list[str]] = [[]]
    size = 0
    for piece in pieces:
        if size >= PIECE_CHUNK_CHARS:
            chunks.append([])
            size = 0
        chunks[-1].append(piece)
        size += len(piece)
    chars = sum(len(x) for x in pieces)
    segmented: list[list[str]] = []

    def advance(result: list[list[str]]) -> None:
        segmented.extend(result)
        report(progress, bisect.bisect_right(ready_after, len(segmented)), total, what)

    workers = workers or os.cpu_count() or 1
    if segmenter is not None or chars < IN_PROCESS_CHARS or workers < 2 or len(chunks) < 2:
        segment = segmenter or text.underthesea_segmenter()
        for chunk in chunks:
            check_cancel(cancel)
            advance([text.index_tokens(piece, segment) for piece in chunk])
    else:
        _segment_on_pool(chunks, min(workers, len(chunks)), advance, cancel)
    log.info("segmented %d distinct pieces (%d characters) for %d procedures",
             len(pieces), chars, total)

    def join(ids: list[int]) -> list[str]:
        return [t for i in ids for t in segmented[i]]

    return [(p.code, join(n), join(b)) for p, (n, b) in zip(procedures, layout)]


def _segment_on_pool(chunks: list[list[str]], workers: int, advance, cancel) -> None:
    pool = ProcessPoolExecutor(max_workers=workers)
    finished = False
    try:
        futures = [pool.submit(_segment_pieces, c) for c in chunks]
        for fut in futures:
            while True:
                check_cancel(cancel)
                done, _ = wait([fut], timeout=0.2)
                if done:
                    break
            advance(fut.result())
        finished = True
    finally:
        # On cancel or error, do not wait for the queued chunks: drop them, let the workers end.
        pool.shutdown(wait=finished, cancel_futures=not finished)


def _read_synonyms(path: Path) -> list[dict[str, str]]:
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
    if not path.is_file():
        raise PackInvalid(f"Không tìm thấy tệp {path}.", f"{path}: not found")
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise PackInvalid(f"Không đọc được {path.name}: tệp không phải JSON hợp lệ.",
                          f"{path}: {e}") from e
