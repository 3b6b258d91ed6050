"""Soak: 200 sync cycles against a share where new versions appear, some broken, while another
thread keeps searching. No failed search, no leaked file handles or temp files, and the store
ends on the newest valid pack."""

from __future__ import annotations

import hashlib
import json
import os
import threading
import time
from pathlib import Path

from knowledge.packs.build import build_pack
from knowledge.store import open_store
from knowledge.sync import INDEX_NAME, publish, sync
from tests.conftest import record

CYCLES = 200


def open_fds() -> int:
    return len(os.listdir("/proc/self/fd")) if Path("/proc/self/fd").exists() else 0


def test_soak_200_cycles(tmp_path, signing_key, trusted, motcua_home, capsys):
    share = tmp_path / "share"
    share.mkdir()
    packs = {}
    for v in range(1, 21):
        src = tmp_path / f"v{v}.jsonl"
        src.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in [
            record(f"1.{i:06d}", f"Thủ tục {i} phiên bản {v} đăng ký cư trú") for i in range(40 + v)
        ]), encoding="utf-8")
        packs[v] = build_pack(source=src, out=tmp_path / f"tinh-v{v}.mcpack", pack_id="tinh",
                              version=v, key_path=signing_key, segmenter=str.split).path

    stop = threading.Event()
    searches, failures = [0], []

    def searcher() -> None:
        while not stop.is_set():
            try:
                with open_store(motcua_home, readonly=True) as store:
                    index = store.load_index()
                    for q in ("dang ky cu tru", "thu tuc 7", "1.000003"):
                        index.search(q)
                        searches[0] += 1
            except Exception as e:  # noqa: BLE001 - counted and reported
                failures.append(repr(e))
            time.sleep(0.005)

    store = open_store(motcua_home)
    fds_before = open_fds()
    thread = threading.Thread(target=searcher)
    thread.start()
    newest_valid, installs, refusals, pending = 0, 0, 0, 0
    t0 = time.monotonic()
    version = 0
    for cycle in range(CYCLES):
        if cycle % 10 == 0 and version < 20:
            version += 1
            publish(pack_path=packs[version], share=share, trusted=trusted)
            entry_path = share / "tinh" / f"tinh-v{version}.mcpack"
            if version % 4 == 0:  # a broken upload: index and file agree, content is bad
                data = bytearray(entry_path.read_bytes())
                data[len(data) // 2] ^= 0xFF
                entry_path.write_bytes(bytes(data))
                index = json.loads((share / INDEX_NAME).read_text(encoding="utf-8"))
                index["packs"]["tinh"].update(size=len(data),
                                              sha256=hashlib.sha256(data).hexdigest())
                (share / INDEX_NAME).write_text(json.dumps(index), encoding="utf-8")
            elif version % 5 == 0:  # still being copied during this cycle
                full = entry_path.read_bytes()
                entry_path.write_bytes(full[: len(full) // 2])
                r = sync(store=store, home=motcua_home, share=share, trusted=trusted, timeout=5)
                pending += len(r.pending)
                entry_path.write_bytes(full)
                newest_valid = version
            else:
                newest_valid = version
        r = sync(store=store, home=motcua_home, share=share, trusted=trusted, timeout=5)
        installs += len(r.installed)
        refusals += len(r.refused)
        assert r.ok, r.error_vi
    stop.set()
    thread.join()
    seconds = time.monotonic() - t0
    version_now = store.packs()[0].version
    store.close()
    assert failures == []
    assert version_now == newest_valid == max(v for v in range(1, 21) if v % 4 != 0)
    assert not list((motcua_home / "staging").glob("*"))
    assert not [p for p in share.rglob("*") if p.name.endswith(".tmp")]
    assert open_fds() <= fds_before + 2
    with open_store(motcua_home, readonly=True) as s:
        assert s.integrity_check() == "ok" and s.count() == 40 + version_now
    with capsys.disabled():
        print(f"\nsoak: {CYCLES} cycles in {seconds:.1f}s, {installs} installs, {refusals} refused,"
              f" {pending} pending, {searches[0]} searches, 0 failed; final v{version_now}")
