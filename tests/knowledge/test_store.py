"""The store: packs installed side by side in one transaction each, versions, uninstall, index."""

from __future__ import annotations

import io
import json
import shutil
import zipfile

import numpy as np
import pytest

from knowledge.errors import NotFound, PackInvalid, PackVersionRefused
from knowledge.search import INDEX_FORMAT
from knowledge.store import aliases_digest, builtin_aliases, install_pack, open_store, uninstall_pack
from tests.conftest import record

PROVINCE = [
    record("1.004222", "Đăng ký thường trú", weight=8_781_419, field="Đăng ký, quản lý cư trú"),
    record("1.004194", "Đăng ký tạm trú", weight=15_539_622, field="Đăng ký, quản lý cư trú"),
    record("1.001193", "Đăng ký khai sinh", weight=3_000_000, processing_time="1"),
    record("2.000815", "Chứng thực bản sao từ bản chính giấy tờ, văn bản", weight=2_000_000,
           field="Chứng thực", level="Cấp xã, Cấp Tỉnh", audience=["công dân", "doanh nghiệp"]),
]
EXTRA = [
    record("1.001612", "Đăng ký thành lập hộ kinh doanh", field="Hộ kinh doanh"),
    record("1.004222", "Đăng ký thường trú (bản của gói bổ sung)", field="Đăng ký, quản lý cư trú"),
]


def test_install_then_read_back(store, make_pack, trusted):
    pack = make_pack(PROVINCE, synonyms=[{"phrase": "hộ khẩu", "expansion": "thường trú"}],
                     calendar={"holidays": [{"date": "2026-09-02", "name": "Quốc khánh"}],
                               "workdays": []})
    result = install_pack(store=store, pack_path=pack, trusted=trusted)
    assert (result.pack_id, result.version, result.previous_version) == ("tinh", 1, None)
    assert sorted(result.added) == sorted(r["code"] for r in PROVINCE)
    assert result.summary_vi() == "Đã cài gói tinh phiên bản 1: 4 thủ tục mới."
    assert [p.pack_id for p in store.packs()] == ["tinh"]
    assert store.count() == 4
    p = store.procedure("1.001193")
    assert p.name == "Đăng ký khai sinh" and p.processing_time == "1"
    assert [s.code for s in store.browse()] == ["1.004194", "1.004222", "1.001193", "2.000815"]
    assert [s.code for s in store.browse(level="Cấp tỉnh")] == ["2.000815"]
    assert [s.code for s in store.browse(audience="doanh nghiệp")] == ["2.000815"]
    facets = store.facets()
    assert facets["level"] == ["Cấp tỉnh", "Cấp xã"] and facets["pack"] == ["tinh"]
    assert store.calendar()["holidays"] == [{"date": "2026-09-02", "name": "Quốc khánh"}]
    assert store.integrity_check() == "ok"


def test_index_survives_reopen_and_uses_pack_synonyms(store, make_pack, trusted, motcua_home):
    pack = make_pack(PROVINCE, synonyms=[{"phrase": "nhập khẩu", "expansion": "thường trú"}])
    install_pack(store=store, pack_path=pack, trusted=trusted)
    store.close()
    reopened = open_store(motcua_home, readonly=True)
    index = reopened.load_index()
    assert index.search("dang ky thuong tru")[0].code == "1.004222"
    assert index.search("nhập khẩu")[0].code == "1.004222"
    assert index.search("001193")[0].code == "1.001193"
    reopened.close()


def test_newer_version_replaces_older_and_equal_refused(store, make_pack, trusted):
    install_pack(store=store, pack_path=make_pack(PROVINCE, version=1), trusted=trusted)
    changed = [dict(r) for r in PROVINCE[1:]]
    changed[0]["processing_time"] = "03 ngày làm việc"
    changed.append(record("1.000894", "Đăng ký kết hôn"))
    v2 = make_pack(changed, version=2)
    result = install_pack(store=store, pack_path=v2, trusted=trusted)
    assert (result.added, result.removed, result.changed) == (["1.000894"], ["1.004222"],
                                                               ["1.004194"])
    assert result.previous_version == 1
    assert result.changed_fields == {"1.004194": ["processing_time"]}
    with pytest.raises(PackVersionRefused) as e:
        install_pack(store=store, pack_path=v2, trusted=trusted)
    assert e.value.message_vi == ("Gói tinh phiên bản 2 không mới hơn phiên bản đã cài (2);"
                                  " không cài.")
    with pytest.raises(PackVersionRefused):
        install_pack(store=store, pack_path=make_pack(PROVINCE, version=1), trusted=trusted)
    assert store.pack("tinh").version == 2
    assert store.load_index().search("1.004222") == []


def test_packs_side_by_side_latest_wins_a_shared_code_and_uninstall(store, make_pack, trusted):
    install_pack(store=store, pack_path=make_pack(PROVINCE, pack_id="tinh"), trusted=trusted)
    install_pack(store=store, pack_path=make_pack(EXTRA, pack_id="bo-sung"), trusted=trusted)
    assert [p.pack_id for p in store.packs()] == ["tinh", "bo-sung"]
    assert store.count() == 5
    assert store.procedure("1.004222").name.endswith("(bản của gói bổ sung)")
    assert store.procedure("1.004222", pack_id="tinh").name == "Đăng ký thường trú"
    index = store.load_index()
    assert len(index) == 5
    assert index.search("1.004222")[0].pack_id == "bo-sung"
    uninstall_pack(store=store, pack_id="bo-sung")
    assert store.procedure("1.004222").name == "Đăng ký thường trú"
    assert len(store.load_index()) == 4
    with pytest.raises(NotFound):
        uninstall_pack(store=store, pack_id="bo-sung")


def test_refused_pack_changes_nothing(store, make_pack, trusted, tmp_path):
    install_pack(store=store, pack_path=make_pack(PROVINCE, version=1), trusted=trusted)
    good = make_pack(EXTRA, version=2)
    bad = tmp_path / "bad.mcpack"
    with zipfile.ZipFile(good) as zin, zipfile.ZipFile(bad, "w") as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == "procedures.jsonl":
                data = data.replace("Đăng ký".encode(), "Dang ky".encode(), 1)
            zout.writestr(item, data)
    with pytest.raises(PackInvalid):
        install_pack(store=store, pack_path=bad, trusted=trusted)
    truncated = tmp_path / "truncated.mcpack"
    shutil.copy(good, truncated)
    with open(truncated, "r+b") as f:
        f.truncate(good.stat().st_size // 2)
    with pytest.raises(PackInvalid):
        install_pack(store=store, pack_path=truncated, trusted=trusted)
    assert store.pack("tinh").version == 1 and store.count() == 4


def test_untrusted_signer_refused(store, make_pack, tmp_path):
    from knowledge.errors import PackSignatureBad
    from knowledge.packs.keys import TrustedKey, generate_key, load_public

    other = tmp_path / "other.key"
    generate_key(other)
    pack = make_pack(PROVINCE)
    with pytest.raises(PackSignatureBad):
        install_pack(store=store, pack_path=pack,
                     trusted=[TrustedKey(load_public(tmp_path / "other.key.pub"))])
    assert store.packs() == []


def test_an_index_from_an_older_format_is_rebuilt_when_the_store_opens(
        store, make_pack, trusted, motcua_home):
    install_pack(store=store, pack_path=make_pack(PROVINCE), trusted=trusted)
    built = next(store.db.query("select built_at from search_index where id = 1"))["built_at"]
    store.close()
    with open_store(motcua_home) as current:  # a current index is left as it is
        row = next(current.db.query("select built_at, format from search_index where id = 1"))
        assert (row["built_at"], row["format"]) == (built, INDEX_FORMAT)
        blob = next(current.db.query("select blob from search_index where id = 1"))["blob"]
    with np.load(io.BytesIO(blob)) as z:
        arrays = {k: z[k] for k in z.files}
    meta = json.loads(arrays["meta"].tobytes())
    meta["format"] = INDEX_FORMAT - 1
    arrays["meta"] = np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8)
    old = io.BytesIO()
    np.savez(old, **arrays)
    with open_store(motcua_home) as older:  # as an older motcua left it: no format column value
        older.db["search_index"].update(1, {"blob": old.getvalue(), "format": None})
    with pytest.raises(ValueError):
        open_store(motcua_home, readonly=True).load_index()  # what an old blob does to a reader
    with open_store(motcua_home) as reopened:  # the app opens its store writable first
        row = next(reopened.db.query("select format from search_index where id = 1"))
        assert row["format"] == INDEX_FORMAT
        assert reopened.load_index().search("dang ky khai sinh")[0].code == "1.001193"


def test_an_index_built_with_other_aliases_is_rebuilt_when_the_store_opens(
        store, make_pack, trusted, motcua_home):
    """A new motcua ships a new alias table: the index is rebuilt with it, once."""
    install_pack(store=store, pack_path=make_pack(PROVINCE), trusted=trusted)
    digest = aliases_digest()
    assert builtin_aliases("aliases.tsv")["1.001193"]
    index = store.load_index()
    assert index.fields["alias"].doc_len[index.doc_of_code["1.001193"]] > 0
    store.db["search_index"].update(1, {"aliases": "an older table", "built_at": "2000-01-01"})
    store.close()
    with open_store(motcua_home) as reopened:
        row = next(reopened.db.query("select built_at, aliases from search_index where id = 1"))
        assert row["aliases"] == digest and row["built_at"] != "2000-01-01"
    with open_store(motcua_home) as again:  # and only once
        assert next(again.db.query("select built_at from search_index"))["built_at"] == row["built_at"]
