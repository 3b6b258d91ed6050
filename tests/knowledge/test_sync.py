"""Publishing to a share and syncing from it, with every fault the issue names, on real files."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import threading
import time
from pathlib import Path

import pytest

from knowledge.errors import PackVersionRefused, SyncBusy
from knowledge.packs.keys import TrustedKey, generate_key, load_public
from knowledge.store import install_pack
from knowledge.sync import INDEX_NAME, publish, read_index, status, sync
from tests.conftest import record

V1 = [record("1.004222", "Đăng ký thường trú"), record("1.001193", "Đăng ký khai sinh"),
      record("1.001456", "Cấp hộ chiếu phổ thông")]
V2 = V1[1:] + [record("1.000894", "Đăng ký kết hôn"), record("1.004194", "Đăng ký tạm trú")]


@pytest.fixture
def share(tmp_path) -> Path:
    """A folder standing in for \\\\server\\motcua\\packs."""
    d = tmp_path / "share"
    d.mkdir()
    return d


def do_sync(store, home, share, trusted, **kw):
    return sync(store=store, home=home, share=share, trusted=trusted, timeout=5, **kw)


def versions(store):
    return {p.pack_id: p.version for p in store.packs()}


def test_publish_layout_and_keep(share, make_pack, trusted):
    for v in (1, 2, 3, 4):
        r = publish(pack_path=make_pack(V1, version=v), share=share, trusted=trusted, keep=2)
    index = read_index(share)
    entry = index["packs"]["tinh"]
    assert entry["version"] == 4 and entry["file"] == "tinh/tinh-v4.mcpack"
    assert sorted(p.name for p in (share / "tinh").iterdir()) == ["tinh-v3.mcpack", "tinh-v4.mcpack"]
    assert r.removed == ["tinh-v2.mcpack"]
    assert not [p for p in share.rglob("*.tmp")]
    with pytest.raises(PackVersionRefused):
        publish(pack_path=make_pack(V1, version=4), share=share, trusted=trusted)


def test_sync_installs_newer_and_reports_changes(store, motcua_home, share, make_pack, trusted):
    publish(pack_path=make_pack(V1, version=1), share=share, trusted=trusted)
    r = do_sync(store, motcua_home, share, trusted)
    assert r.ok and versions(store) == {"tinh": 1}
    assert r.message_vi == "Đã cài gói tinh phiên bản 1: 3 thủ tục mới."
    publish(pack_path=make_pack(V2, version=2), share=share, trusted=trusted)
    r = do_sync(store, motcua_home, share, trusted)
    assert r.message_vi == "Đã cài gói tinh phiên bản 2: 2 thủ tục mới, 1 thủ tục bị bỏ."
    r = do_sync(store, motcua_home, share, trusted)
    assert r.message_vi == "Các gói đã là bản mới nhất."
    st = status(store)
    assert st["last_sync"]["ok"] and st["packs"][0]["version"] == 2
    assert not list((motcua_home / "staging").iterdir())


@pytest.mark.parametrize("how", ["missing", "not_a_folder", "bad_index"])
def test_share_missing_or_broken(store, motcua_home, tmp_path, how):
    share = tmp_path / "nowhere"
    if how == "not_a_folder":
        share.write_text("x")
    if how == "bad_index":
        share.mkdir()
        (share / INDEX_NAME).write_text("{half")
    r = do_sync(store, motcua_home, share, [])
    assert not r.ok and r.error_vi.startswith("Không đọc được danh mục gói trên thư mục chia sẻ")
    assert status(store)["last_sync"]["ok"] is False


def test_slow_share_times_out_without_blocking(store, motcua_home, share, make_pack, trusted,
                                               monkeypatch):
    publish(pack_path=make_pack(V1), share=share, trusted=trusted)
    release = threading.Event()
    real_read_text = Path.read_text

    def hanging(self, *a, **kw):
        if self.name == INDEX_NAME:
            release.wait(10)  # a dead SMB server
        return real_read_text(self, *a, **kw)

    monkeypatch.setattr(Path, "read_text", hanging)
    t = time.monotonic()
    r = sync(store=store, home=motcua_home, share=share, trusted=trusted, timeout=0.3)
    release.set()
    assert time.monotonic() - t < 3
    assert not r.ok and "Không đọc được danh mục gói" in r.error_vi
    assert versions(store) == {}


def test_pack_still_being_written_is_retried_later(store, motcua_home, share, make_pack, trusted):
    publish(pack_path=make_pack(V1), share=share, trusted=trusted)
    target = share / "tinh" / "tinh-v1.mcpack"
    full = target.read_bytes()
    target.write_bytes(full[: len(full) // 3])  # a supervisor's copy still running
    r = do_sync(store, motcua_home, share, trusted)
    assert r.pending == ["tinh"] and versions(store) == {} and not r.refused
    assert "đang được chép" in r.message_vi
    target.write_bytes(full)
    r = do_sync(store, motcua_home, share, trusted)
    assert versions(store) == {"tinh": 1}


def _tamper(share: Path, make_bad) -> None:
    """Replace the current pack with a bad one, updating the index's size and hash to match,
    so it is the pack itself (not the copy) that is bad."""
    import hashlib

    index = json.loads((share / INDEX_NAME).read_text(encoding="utf-8"))
    entry = index["packs"]["tinh"]
    path = share / entry["file"]
    path.write_bytes(make_bad(path.read_bytes()))
    data = path.read_bytes()
    entry["size"], entry["sha256"] = len(data), hashlib.sha256(data).hexdigest()
    (share / INDEX_NAME).write_text(json.dumps(index), encoding="utf-8")


BAD_PACKS = {
    "truncated": lambda d: d[: len(d) // 2],
    "corrupt": lambda d: d[:100] + bytes(200) + d[300:],
    "garbage": lambda d: b"PK\x03\x04" + os.urandom(500),
}


@pytest.mark.parametrize("name", list(BAD_PACKS))
def test_bad_pack_never_replaces_a_good_one(store, motcua_home, share, make_pack, trusted, name):
    publish(pack_path=make_pack(V1, version=1), share=share, trusted=trusted)
    do_sync(store, motcua_home, share, trusted)
    publish(pack_path=make_pack(V2, version=2), share=share, trusted=trusted)
    _tamper(share, BAD_PACKS[name])
    before = (share / "tinh" / "tinh-v2.mcpack").read_bytes()
    r = do_sync(store, motcua_home, share, trusted)
    assert [x.pack_id for x in r.refused] == ["tinh"]
    assert versions(store) == {"tinh": 1} and store.count() == 3
    assert (share / "tinh" / "tinh-v2.mcpack").read_bytes() == before  # left untouched
    assert status(store)["last_refused"]["pack_id"] == "tinh"
    assert store.load_index().search("dang ky thuong tru")[0].code == "1.004222"
    r = do_sync(store, motcua_home, share, trusted)  # not fetched again
    assert r.refused == [] and versions(store) == {"tinh": 1}


def test_hash_mismatch_inside_pack_and_untrusted_signer(store, motcua_home, share, make_pack,
                                                       trusted, tmp_path):
    import zipfile

    publish(pack_path=make_pack(V1, version=1), share=share, trusted=trusted)
    do_sync(store, motcua_home, share, trusted)
    publish(pack_path=make_pack(V2, version=2), share=share, trusted=trusted)

    def edit_member(data: bytes) -> bytes:
        src, dst = tmp_path / "in.zip", tmp_path / "out.zip"
        src.write_bytes(data)
        with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w") as zout:
            for item in zin.infolist():
                body = zin.read(item.filename)
                if item.filename == "procedures.jsonl":
                    body = body.replace("kết hôn".encode(), "ly hôn".encode())
                zout.writestr(item.filename, body)
        return dst.read_bytes()

    _tamper(share, edit_member)
    r = do_sync(store, motcua_home, share, trusted)
    assert "đã bị thay đổi" in r.refused[0].reason_vi and versions(store) == {"tinh": 1}
    other = tmp_path / "mallory.key"
    generate_key(other)
    publish(pack_path=make_pack(V2, version=3, key=other), share=share,
            trusted=[TrustedKey(load_public(Path(f"{other}.pub")))])
    r = do_sync(store, motcua_home, share, trusted)
    assert "không có trong danh sách tin cậy" in r.refused[0].reason_vi
    assert versions(store) == {"tinh": 1}


def test_replay_of_an_older_version_is_ignored(store, motcua_home, share, make_pack, trusted):
    publish(pack_path=make_pack(V2, version=2), share=share, trusted=trusted)
    do_sync(store, motcua_home, share, trusted)
    index = read_index(share)
    shutil.copy(make_pack(V1, version=1), share / "tinh" / "tinh-v1.mcpack")
    import hashlib
    data = (share / "tinh" / "tinh-v1.mcpack").read_bytes()
    index["packs"]["tinh"].update(file="tinh/tinh-v1.mcpack", version=1, size=len(data),
                                  sha256=hashlib.sha256(data).hexdigest())
    (share / INDEX_NAME).write_text(json.dumps(index), encoding="utf-8")
    r = do_sync(store, motcua_home, share, trusted)
    assert versions(store) == {"tinh": 2} and r.refused == [] and r.installed == []
    # An index that lies about the version (says 5, pack says 1) is refused.
    index["packs"]["tinh"]["version"] = 5
    (share / INDEX_NAME).write_text(json.dumps(index), encoding="utf-8")
    r = do_sync(store, motcua_home, share, trusted)
    assert "không khớp" in r.refused[0].reason_vi and versions(store) == {"tinh": 2}


def test_unknown_format_version_is_refused(store, motcua_home, share, make_pack, trusted,
                                           signing_key, tmp_path):
    import base64
    import zipfile

    from knowledge.packs.keys import load_private

    publish(pack_path=make_pack(V1, version=1), share=share, trusted=trusted)
    key = load_private(signing_key)

    def future(data: bytes) -> bytes:
        src, dst = tmp_path / "f.zip", tmp_path / "g.zip"
        src.write_bytes(data)
        with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w") as zout:
            manifest = json.loads(zin.read("manifest.json"))
            manifest["format_version"] = 2
            mbytes = json.dumps(manifest).encode()
            for item in zin.infolist():
                body = zin.read(item.filename)
                if item.filename == "manifest.json":
                    body = mbytes
                if item.filename == "signature.json":
                    body = json.dumps({**json.loads(body), "signature": base64.b64encode(
                        key.sign(mbytes)).decode()}).encode()
                zout.writestr(item.filename, body)
        return dst.read_bytes()

    _tamper(share, future)
    r = do_sync(store, motcua_home, share, trusted)
    assert "định dạng phiên bản 2" in r.refused[0].reason_vi and versions(store) == {}


@pytest.fixture
def tiny_staging(motcua_home):
    """The workstation's staging folder on a real 16 KiB filesystem (tmpfs; needs root)."""
    staging = motcua_home / "staging"
    staging.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=16k", "tmpfs", str(staging)],
                          capture_output=True)
    if done.returncode != 0:
        pytest.skip("cannot mount a small tmpfs here (needs root)")
    yield staging
    subprocess.run(["umount", str(staging)], check=False)


def test_disk_full_while_staging(store, motcua_home, share, make_pack, trusted, tiny_staging):
    # Random words: the pack must not compress below the 16 KiB staging filesystem.
    big = V1 + [record(f"1.{i:06d}", f"Thủ tục {os.urandom(24).hex()}") for i in range(600)]
    publish(pack_path=make_pack(big), share=share, trusted=trusted)
    r = do_sync(store, motcua_home, share, trusted)
    assert not r.ok and r.error_vi.startswith("Ổ đĩa của máy trạm đã đầy")
    assert versions(store) == {} and not list(tiny_staging.iterdir())
    assert store.integrity_check() == "ok"
    subprocess.run(["mount", "-o", "remount,size=64m", str(tiny_staging)], check=True)
    assert do_sync(store, motcua_home, share, trusted).ok and versions(store) == {"tinh": 1}


def test_two_syncs_at_once_take_turns(store, motcua_home, share, make_pack, trusted):
    from filelock import FileLock

    publish(pack_path=make_pack(V1), share=share, trusted=trusted)
    with FileLock(str(motcua_home / "sync.lock")):
        with pytest.raises(SyncBusy):
            do_sync(store, motcua_home, share, trusted)
    assert do_sync(store, motcua_home, share, trusted).ok


def test_manual_install_then_sync_of_same_version_is_a_no_op(store, motcua_home, share,
                                                              make_pack, trusted):
    pack = make_pack(V1)
    install_pack(store=store, pack_path=pack, trusted=trusted)
    publish(pack_path=pack, share=share, trusted=trusted)
    r = do_sync(store, motcua_home, share, trusted)
    assert r.ok and r.installed == [] and r.refused == []


def test_refusal_names_the_published_file(store, motcua_home, share, make_pack, tmp_path):
    from knowledge.packs.keys import TrustedKey, generate_key, load_public

    other = tmp_path / "other.key"
    generate_key(other)
    publish(pack_path=make_pack(V1, key=other), share=share,
            trusted=[TrustedKey(load_public(Path(f"{other}.pub")))])
    r = do_sync(store, motcua_home, share, [])
    assert "tinh-v1.mcpack" in r.refused[0].reason_vi and ".part" not in r.refused[0].reason_vi
    assert not list((motcua_home / "staging").iterdir())
