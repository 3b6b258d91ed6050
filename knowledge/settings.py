"""Workstation settings: one INI file a supervisor or IT can edit (``<home>/motcua.ini``).

Example::

    [share]
    # A UNC path, a mapped drive or any folder; empty: no sync.
    path = \\\\server\\motcua\\packs
    interval_minutes = 15
    timeout_seconds = 20

    [trust]
    # Public keys (PEM) of the supervisors who sign packs, one per line.
    keys = C:\\motcua\\keys\\so-noi-vu.pub
    # The built-in demo key signs only packs whose id starts with "demo".
    demo_key = yes

    [counter]
    agency_code = 000.00.53.H48
    unit_name = Bộ phận Một cửa UBND xã ...
"""

from __future__ import annotations

import configparser
import logging
from dataclasses import dataclass, field
from pathlib import Path

from knowledge import paths
from knowledge.errors import MotcuaError

log = logging.getLogger(__name__)

DEMO_KEY_PACK_IDS = ("demo*",)


@dataclass
class Settings:
    share_path: str = ""
    interval_minutes: int = 15
    timeout_seconds: float = 20.0
    keep_versions: int = 3
    trusted_key_files: list[Path] = field(default_factory=list)
    demo_key: bool = True
    agency_code: str = "000.00.00.H00"
    unit_name: str = "Bộ phận Tiếp nhận và Trả kết quả"
    result_place: str = "Bộ phận Tiếp nhận và Trả kết quả"
    contact: str = ""


def load_settings(home: Path) -> Settings:
    """Read ``motcua.ini`` in ``home``; missing file or keys keep the defaults."""
    path = paths.config_path(home)
    s = Settings()
    if not path.exists():
        return s
    cp = configparser.ConfigParser(interpolation=None)
    try:
        cp.read(path, encoding="utf-8")
        s.share_path = cp.get("share", "path", fallback=s.share_path).strip()
        s.interval_minutes = cp.getint("share", "interval_minutes", fallback=s.interval_minutes)
        s.timeout_seconds = cp.getfloat("share", "timeout_seconds", fallback=s.timeout_seconds)
        s.keep_versions = cp.getint("share", "keep_versions", fallback=s.keep_versions)
        keys = cp.get("trust", "keys", fallback="")
        s.trusted_key_files = [Path(k.strip()) for k in keys.splitlines() if k.strip()]
        s.demo_key = cp.getboolean("trust", "demo_key", fallback=s.demo_key)
        for name in ("agency_code", "unit_name", "result_place", "contact"):
            setattr(s, name, cp.get("counter", name, fallback=getattr(s, name)).strip())
    except (configparser.Error, ValueError) as e:
        raise MotcuaError(f"Tệp cấu hình {path} có lỗi; hãy báo cho quản trị.",
                          f"bad settings file {path}: {e}") from e
    return s


def save_settings(home: Path, s: Settings) -> None:
    """Write the settings atomically (temp file + rename)."""
    cp = configparser.ConfigParser(interpolation=None)
    cp["share"] = {"path": s.share_path, "interval_minutes": str(s.interval_minutes),
                   "timeout_seconds": str(s.timeout_seconds), "keep_versions": str(s.keep_versions)}
    cp["trust"] = {"keys": "\n".join(str(k) for k in s.trusted_key_files),
                   "demo_key": "yes" if s.demo_key else "no"}
    cp["counter"] = {"agency_code": s.agency_code, "unit_name": s.unit_name,
                     "result_place": s.result_place, "contact": s.contact}
    path = paths.config_path(home)
    tmp = path.with_suffix(".tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        cp.write(f)
    tmp.replace(path)


def demo_public_key_path() -> Path:
    return paths.resource("keys", "demo.pub")


def trusted_keys(s: Settings, extra: list[Path] | None = None) -> list:
    """The keys packs may be signed with: the configured ones, ``extra``, and the demo key."""
    from knowledge.packs.keys import TrustedKey, load_public

    out = [TrustedKey(load_public(p)) for p in [*s.trusted_key_files, *(extra or [])]]
    if s.demo_key and demo_public_key_path().exists():
        out.append(TrustedKey(load_public(demo_public_key_path()), DEMO_KEY_PACK_IDS))
    return out
