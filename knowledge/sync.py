"""Packs from a network share: publish (supervisor) and sync (every workstation).

Share layout (see ``docs/share-layout.md``)::

    SHARE/index.json                      what is current: pack id → file, version, size, sha256
    SHARE/<pack_id>/<pack_id>-v<N>.mcpack the packs, the last ``keep`` versions of each
    SHARE/<pack_id>/.<name>.<random>.tmp  a pack being published (never read)

Publishing copies under a temporary name, flushes, renames into place, then rewrites
``index.json`` the same way: a reader sees the old index or the new one, never half a file.

Sync, for each pack in the index that is newer than the installed version: copy it to a local
staging file (size and SHA-256 checked while copying) → verify (manifest, member hashes,
signature, format, version) → install in one store transaction (the search index is switched in
the same transaction). A pack that fails is logged with its reason, recorded as refused (so it
is not fetched again until the share offers a different file) and left on the share untouched.
One sync at a time per data folder (a file lock).
"""

from __future__ import annotations

import errno
import hashlib
import json
import logging
import os
import secrets
import shutil
import threading
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Sequence, TypeVar

from filelock import FileLock, Timeout

from knowledge import paths
from knowledge.errors import (PackInvalid, PackVersionRefused, ShareUnreachable,
                              SyncBusy)
from knowledge.progress import ProgressFn, check_cancel, report
from knowledge.store import InstallResult, Store, install_loaded

log = logging.getLogger(__name__)

INDEX_NAME = "index.json"
INDEX_FORMAT = 1
CHUNK = 1 << 20
MAX_PACK_BYTES = 1 << 30
T = TypeVar("T")


# -------------------------------------------------------------------------------- publishing
@dataclass
class PublishResult:
    pack_id: str
    version: int
    path: Path
    removed: list[str]


def publish(*, pack_path: Path, share: Path, trusted: Sequence[Any], keep: int = 3,
            allow_unsigned: bool = False) -> PublishResult:
    """Verify a pack and put it on the share as the current version of its pack id.

    Raises:
        PackInvalid, PackSignatureBad: the pack is refused before anything is written.
        PackVersionRefused: the share already has an equal or newer version.
        ShareUnreachable: the share cannot be written.
    """
    from knowledge.packs.verify import verify_pack

    manifest = verify_pack(pack_path, trusted=trusted, allow_unsigned=allow_unsigned)
    share = Path(share)
    index = read_index(share) if (share / INDEX_NAME).exists() else {"format": INDEX_FORMAT,
                                                                     "packs": {}}
    entry = index["packs"].get(manifest.pack_id)
    if entry and entry["version"] >= manifest.version:
        raise PackVersionRefused(
            f"Trên thư mục chia sẻ đã có gói {manifest.pack_id} phiên bản {entry['version']};"
            f" phiên bản {manifest.version} không mới hơn.",
            f"share has {manifest.pack_id} v{entry['version']} >= v{manifest.version}")
    name = f"{manifest.pack_id}-v{manifest.version}.mcpack"
    folder = share / manifest.pack_id
    try:
        folder.mkdir(parents=True, exist_ok=True)
        digest = _copy_atomic(pack_path, folder / name)
        versions = [name] + [v for v in (entry or {}).get("versions", []) if v != name]
        removed = versions[keep:]
        index["packs"][manifest.pack_id] = {
            "file": f"{manifest.pack_id}/{name}", "version": manifest.version,
            "size": (folder / name).stat().st_size, "sha256": digest, "title": manifest.title,
            "published": _now(), "versions": versions[:keep],
        }
        _write_json_atomic(share / INDEX_NAME, index)
        for old in removed:
            (folder / old).unlink(missing_ok=True)
    except OSError as e:
        raise ShareUnreachable(f"Không ghi được vào thư mục chia sẻ {share}: {e.strerror or e}.",
                               f"publish to {share} failed: {e!r}") from e
    log.info("published %s v%s to %s", manifest.pack_id, manifest.version, share)
    return PublishResult(manifest.pack_id, manifest.version, folder / name, removed)


def _copy_atomic(src: Path, dst: Path) -> str:
    tmp = dst.with_name(f".{dst.name}.{secrets.token_hex(4)}.tmp")
    h = hashlib.sha256()
    try:
        with open(src, "rb") as fin, open(tmp, "wb") as fout:
            while chunk := fin.read(CHUNK):
                h.update(chunk)
                fout.write(chunk)
            fout.flush()
            os.fsync(fout.fileno())
        os.replace(tmp, dst)
    finally:
        tmp.unlink(missing_ok=True)
    return h.hexdigest()


def _write_json_atomic(path: Path, data: dict) -> None:
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    try:
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(data, f, ensure_ascii=False, indent=1)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def read_index(share: Path, timeout: float | None = None) -> dict:
    """The share's ``index.json``.

    Raises:
        ShareUnreachable: missing, unreadable, not answering within ``timeout`` or malformed.
    """
    path = Path(share) / INDEX_NAME

    def read() -> dict:
        return json.loads(path.read_text(encoding="utf-8"))

    try:
        data = _with_timeout(read, timeout)
    except (OSError, ValueError) as e:
        raise ShareUnreachable(
            f"Không đọc được danh mục gói trên thư mục chia sẻ {share}. Kiểm tra kết nối mạng"
            " hoặc đường dẫn trong cấu hình.", f"cannot read {path}: {e!r}") from e
    if not isinstance(data, dict) or data.get("format") != INDEX_FORMAT \
            or not isinstance(data.get("packs"), dict):
        raise ShareUnreachable(f"Danh mục gói trên thư mục chia sẻ {share} không hợp lệ.",
                               f"bad index format in {path}")
    return data


def _with_timeout(fn: Callable[[], T], timeout: float | None) -> T:
    """Run blocking share I/O with a deadline (a dead SMB server can block a read for minutes).

    The call runs in a daemon thread; past the deadline the caller gets ``TimeoutError`` and
    the thread is abandoned (Python cannot interrupt a blocked read).
    """
    if timeout is None:
        return fn()
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["value"] = fn()
        except BaseException as e:  # noqa: BLE001 - handed to the caller
            box["error"] = e

    t = threading.Thread(target=target, daemon=True, name="share-io")
    t.start()
    t.join(timeout)
    if t.is_alive():
        raise TimeoutError(f"no answer within {timeout:.0f} s")
    if "error" in box:
        raise box["error"]
    return box["value"]


# ------------------------------------------------------------------------------------- sync
@dataclass
class Refusal:
    pack_id: str
    file: str
    sha256: str
    reason_vi: str
    detail_en: str
    at: str


@dataclass
class SyncResult:
    """What one sync did. ``message_vi`` is the line the clerk sees."""

    started: str
    finished: str = ""
    ok: bool = True
    installed: list[dict] = field(default_factory=list)
    refused: list[Refusal] = field(default_factory=list)
    pending: list[str] = field(default_factory=list)
    error_vi: str | None = None

    @property
    def message_vi(self) -> str:
        if self.error_vi:
            return self.error_vi
        parts = [i["summary_vi"] for i in self.installed]
        parts += [f"Từ chối gói {r.pack_id}: {r.reason_vi}" for r in self.refused]
        parts += [f"Gói {p} đang được chép lên thư mục chia sẻ; sẽ thử lại." for p in self.pending]
        return " ".join(parts) or "Các gói đã là bản mới nhất."


def sync(*, store: Store, home: Path, share: Path, trusted: Sequence[Any],
         timeout: float = 20.0, progress: ProgressFn | None = None,
         cancel: threading.Event | None = None) -> SyncResult:
    """Bring the store up to date with the share. Never raises for a bad pack: see the result.

    Raises:
        SyncBusy: another sync holds this data folder's lock.
        Cancelled: ``cancel`` was set (nothing half-installed is left behind).
    """
    lock = FileLock(str(Path(home) / "sync.lock"))
    try:
        lock.acquire(timeout=0)
    except Timeout as e:
        raise SyncBusy("Đang có một lần đồng bộ khác chạy; bỏ qua lần này.",
                       "sync lock held by another process") from e
    result = SyncResult(started=_now())
    try:
        _sync_locked(store, Path(home), Path(share), trusted, timeout, progress, cancel, result)
    except ShareUnreachable as e:
        result.ok = False
        result.error_vi = e.message_vi
        log.warning("sync: %s", e.detail_en)
    finally:
        lock.release()
        result.finished = _now()
        _record(store, result)
    return result


def _sync_locked(store: Store, home: Path, share: Path, trusted: Sequence[Any], timeout: float,
                 progress: ProgressFn | None, cancel: threading.Event | None,
                 result: SyncResult) -> None:
    from knowledge.packs.verify import read_pack

    report(progress, 0, 1, "Đang đọc danh mục gói")
    index = read_index(share, timeout)
    installed = {p.pack_id: p.version for p in store.packs()}
    refused = {r["sha256"] for r in (store.get_state("refused") or [])}
    todo = [(pid, e) for pid, e in sorted(index["packs"].items())
            if isinstance(e, dict) and e.get("version", 0) > installed.get(pid, 0)
            and e.get("sha256") not in refused]
    staging = paths.staging_dir(home)
    _clean_staging(staging)
    for n, (pack_id, entry) in enumerate(todo):
        check_cancel(cancel)
        report(progress, n, len(todo), f"Đang tải gói {pack_id}")
        src = share / str(entry.get("file", ""))
        # The copy keeps the share's file name (inside a private .part folder), so a refusal
        # names the file the supervisor published, not a temporary one.
        part_dir = staging / f"{pack_id}.{secrets.token_hex(4)}.part"
        part = part_dir / (Path(str(entry.get("file", ""))).name or "pack.mcpack")
        try:
            part_dir.mkdir()
            _stage(src, part, entry, timeout, cancel)
            loaded = read_pack(part, trusted=trusted)
            if loaded.manifest.pack_id != pack_id or loaded.manifest.version != entry["version"]:
                raise PackInvalid(
                    "Nội dung gói không khớp với danh mục trên thư mục chia sẻ.",
                    f"index says {pack_id} v{entry['version']}, manifest says "
                    f"{loaded.manifest.pack_id} v{loaded.manifest.version}")
            res: InstallResult = install_loaded(store=store, pack=loaded, progress=progress,
                                                cancel=cancel)
            result.installed.append({"pack_id": res.pack_id, "version": res.version,
                                     "added": len(res.added), "changed": len(res.changed),
                                     "removed": len(res.removed), "summary_vi": res.summary_vi()})
        except _StillCopying as e:
            result.pending.append(pack_id)
            log.info("sync: %s not complete on the share yet: %s", pack_id, e)
        except (PackInvalid, PackVersionRefused) as e:
            r = Refusal(pack_id, str(entry.get("file")), str(entry.get("sha256")), e.message_vi,
                        e.detail_en, _now())
            result.refused.append(r)
            log.warning("sync: refused %s (%s): %s", pack_id, entry.get("file"), e.detail_en)
        except OSError as e:
            if e.errno == errno.ENOSPC:
                result.ok = False
                result.error_vi = ("Ổ đĩa của máy trạm đã đầy, không tải được gói mới. "
                                   "Hãy báo cho quản trị.")
                log.error("sync: disk full while staging %s", pack_id)
                return
            raise ShareUnreachable(f"Không đọc được gói {pack_id} trên thư mục chia sẻ.",
                                   f"reading {src}: {e!r}") from e
        finally:
            shutil.rmtree(part_dir, ignore_errors=True)
    report(progress, 1, 1, "Xong")


class _StillCopying(Exception):
    """The file on the share is not (yet) the one the index describes."""


def _stage(src: Path, part: Path, entry: dict, timeout: float,
           cancel: threading.Event | None) -> None:
    """Copy ``src`` to ``part``, checking size and SHA-256 against the index while copying."""
    expected = int(entry.get("size", -1))
    if not 0 < expected <= MAX_PACK_BYTES:
        raise PackInvalid("Danh mục gói ghi kích thước không hợp lệ.", f"bad size {expected}")
    h = hashlib.sha256()
    copied = 0
    try:
        fin = _with_timeout(lambda: open(src, "rb"), timeout)
    except FileNotFoundError as e:
        raise _StillCopying(f"{src} missing") from e
    except TimeoutError as e:
        raise ShareUnreachable("Thư mục chia sẻ không phản hồi.", f"open {src}: {e}") from e
    with fin, open(part, "wb") as fout:
        while True:
            check_cancel(cancel)
            try:
                chunk = _with_timeout(lambda: fin.read(CHUNK), timeout)
            except TimeoutError as e:
                raise ShareUnreachable("Thư mục chia sẻ không phản hồi.", f"read {src}: {e}") from e
            if not chunk:
                break
            copied += len(chunk)
            if copied > expected:
                raise _StillCopying(f"{src} is larger than the index says")
            h.update(chunk)
            fout.write(chunk)
        fout.flush()
        os.fsync(fout.fileno())
    if copied != expected or h.hexdigest() != entry.get("sha256"):
        raise _StillCopying(f"{src}: {copied}/{expected} bytes, sha256 {h.hexdigest()[:12]}")


def _clean_staging(staging: Path) -> None:
    """Remove staging files an earlier, killed sync left behind."""
    for p in staging.glob("*.part"):
        if p.is_dir():
            shutil.rmtree(p, ignore_errors=True)
        else:
            p.unlink(missing_ok=True)


def _record(store: Store, result: SyncResult) -> None:
    data = asdict(result)
    data["message_vi"] = result.message_vi
    store.set_state("last_sync", data)
    if result.refused:
        refused = (store.get_state("refused") or []) + [asdict(r) for r in result.refused]
        store.set_state("refused", refused[-50:])
        store.set_state("last_refused", asdict(result.refused[-1]))


def status(store: Store) -> dict:
    """Installed packs, the last sync and the last refused pack (``motcua-pack status``)."""
    return {
        "packs": [asdict(p) for p in store.packs()],
        "procedures": store.count(),
        "last_sync": store.get_state("last_sync"),
        "last_refused": store.get_state("last_refused"),
    }


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")
