"""SIGKILL an install at many moments: the store always holds the old pack or the new one, whole."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from knowledge.packs.build import build_pack
from knowledge.store import install_pack, open_store
from knowledge.sync import publish, sync
from tests.conftest import REPO, record

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL")

KILLS = 24

CHILD = """
import sys
from pathlib import Path
from knowledge.packs.keys import TrustedKey, load_public
from knowledge.store import install_pack, open_store
home, pack, pub = sys.argv[1:4]
store = open_store(home)
print("start", flush=True)
install_pack(store=store, pack_path=Path(pack), trusted=[TrustedKey(load_public(Path(pub)))])
print("done", flush=True)
"""


def big_records(n: int, tag: str) -> list[dict]:
    body = " ".join(f"Giấy tờ số {i} về đăng ký cư trú, hộ tịch và chứng thực" for i in range(40))
    return [record(f"1.{i:06d}", f"Thủ tục {tag} số {i} đăng ký", requirements=body)
            for i in range(n)]


def state(home: Path) -> tuple[int | None, int, int, str]:
    store = open_store(home)
    try:
        packs = store.packs()
        version = packs[0].version if packs else None
        return version, store.count(), len(store.load_index()), store.integrity_check()
    finally:
        store.close()


def test_install_killed_at_any_moment(tmp_path, signing_key, trusted):
    split = str.split  # a fast stand-in segmenter: this test is about the install, not the words
    old = build_pack(source=_write(tmp_path / "v1.jsonl", big_records(1500, "cũ")),
                     out=tmp_path / "v1.mcpack", pack_id="tinh", version=1,
                     key_path=signing_key, segmenter=split).path
    new = build_pack(source=_write(tmp_path / "v2.jsonl", big_records(2500, "mới")),
                     out=tmp_path / "v2.mcpack", pack_id="tinh", version=2,
                     key_path=signing_key, segmenter=split).path
    template = tmp_path / "template"
    template.mkdir()
    store = open_store(template)
    install_pack(store=store, pack_path=old, trusted=trusted)
    store.close()
    with sqlite3.connect(template / "intakes.db") as db:
        db.execute("create table intakes (id integer primary key, applicant text)")
        db.execute("insert into intakes (applicant) values ('Nguyễn Văn A')")
    intakes_hash = hashlib.sha256((template / "intakes.db").read_bytes()).hexdigest()
    env = {**os.environ, "PYTHONPATH": str(REPO)}

    def child(home: Path) -> subprocess.Popen:
        return subprocess.Popen([sys.executable, "-c", CHILD, str(home), str(new),
                                 f"{signing_key}.pub"], env=env, stdout=subprocess.PIPE, text=True)

    # How long a whole install takes here, to spread the kills over it.
    probe = tmp_path / "probe"
    shutil.copytree(template, probe)
    t = time.monotonic()
    p = child(probe)
    assert p.stdout.readline().strip() == "start"
    assert p.communicate()[0].strip() == "done"
    duration = time.monotonic() - t

    outcomes = []
    for i in range(KILLS):
        home = tmp_path / f"kill{i}"
        shutil.copytree(template, home)
        p = child(home)
        assert p.stdout.readline().strip() == "start"
        time.sleep(duration * i / (KILLS - 4))  # the last few land after the commit
        p.send_signal(signal.SIGKILL)
        p.wait()
        version, count, indexed, integrity = state(home)
        assert integrity == "ok", i
        assert (version, count, indexed) in {(1, 1500, 1500), (2, 2500, 2500)}, i
        assert hashlib.sha256((home / "intakes.db").read_bytes()).hexdigest() == intakes_hash
        outcomes.append(version)
    assert 1 in outcomes and 2 in outcomes, outcomes

    # The next sync completes the update.
    share = tmp_path / "share"
    share.mkdir()
    publish(pack_path=new, share=share, trusted=trusted)
    home = tmp_path / f"kill{outcomes.index(1)}"
    store = open_store(home)
    result = sync(store=store, home=home, share=share, trusted=trusted, timeout=5)
    store.close()
    assert result.ok
    assert state(home) == (2, 2500, 2500, "ok")


def _write(path: Path, records: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records),
                    encoding="utf-8")
    return path
