"""Settings file and data folders: defaults, a supervisor's edits, the demo key's scope."""

from __future__ import annotations

from pathlib import Path

import pytest

from knowledge import paths
from knowledge.errors import MotcuaError
from knowledge.settings import Settings, load_settings, save_settings, trusted_keys


def test_home_override_order(tmp_path, monkeypatch):
    assert paths.home(tmp_path / "cli") == tmp_path / "cli"
    monkeypatch.setenv("MOTCUA_HOME", str(tmp_path / "env"))
    assert paths.home() == tmp_path / "env" and (tmp_path / "env").is_dir()
    monkeypatch.delenv("MOTCUA_HOME")
    with pytest.raises(RuntimeError):  # a test never writes into the real user's data
        paths.home()


def test_defaults_round_trip_and_bad_file(motcua_home, signing_key):
    assert load_settings(motcua_home) == Settings()
    s = Settings(share_path=r"\\server\motcua\packs", interval_minutes=5,
                 trusted_key_files=[Path(f"{signing_key}.pub")], demo_key=False,
                 agency_code="000.00.53.H48", unit_name="Bộ phận Một cửa xã Hòa Bình")
    save_settings(motcua_home, s)
    assert load_settings(motcua_home) == s
    keys = trusted_keys(s)
    assert len(keys) == 1 and keys[0].pack_ids is None
    paths.config_path(motcua_home).write_text("[share]\ninterval_minutes = mười\n", "utf-8")
    with pytest.raises(MotcuaError, match="Tệp cấu hình .* có lỗi"):
        load_settings(motcua_home)


def test_demo_key_trusted_only_for_demo_packs():
    keys = trusted_keys(Settings())
    assert keys[-1].allows("demo-motcua") and not keys[-1].allows("tinh-h19")
    assert trusted_keys(Settings(demo_key=False)) == []
