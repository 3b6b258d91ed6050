"""Shared fixtures: a private MOTCUA_HOME per test, offscreen Qt, the shared corpus if present."""

from __future__ import annotations

import json
import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # before any Qt import

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"
CORPUS = SHARED / "corpus"
DATA = Path(__file__).resolve().parent / "data"


@pytest.fixture(autouse=True)
def motcua_home(tmp_path, monkeypatch) -> Path:
    """Every test gets its own data folder; nothing touches the real user's data."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("MOTCUA_HOME", str(home))
    return home


@pytest.fixture(scope="session")
def corpus() -> Path:
    """../shared/corpus, or skip the test cleanly when it is absent."""
    if not (CORPUS / "procedures.jsonl").exists():
        pytest.skip("../shared/corpus is not present")
    return CORPUS


# --------------------------------------------------------------------------- packs on disk
def record(code: str, name: str, **extra) -> dict:
    """A small full procedure record in the pack source shape."""
    rec = {
        "code": code, "name": name, "field": "Hộ tịch", "level": "Cấp xã",
        "audience": ["công dân"], "processing_time": "05 ngày làm việc",
        "channels": [{"channel": "Trực tiếp", "time": "05 ngày làm việc", "fees": "Miễn phí"}],
        "steps": ["Bước 1: Nộp hồ sơ.", "Bước 2: Nhận kết quả."],
        "dossier": [{"name": "Tờ khai", "original": 1, "copy": 0}],
    }
    rec.update(extra)
    return rec


@pytest.fixture(scope="session")
def signing_key(tmp_path_factory) -> Path:
    """A supervisor's key pair (KEY and KEY.pub) on disk."""
    from knowledge.packs.keys import generate_key

    key = tmp_path_factory.mktemp("keys") / "supervisor.key"
    generate_key(key)
    return key


@pytest.fixture(scope="session")
def trusted(signing_key) -> list:
    from knowledge.packs.keys import TrustedKey, load_public

    return [TrustedKey(load_public(Path(f"{signing_key}.pub")))]


@pytest.fixture(scope="session")
def segmenter():
    from knowledge.text import underthesea_segmenter

    return underthesea_segmenter()


@pytest.fixture
def make_pack(tmp_path, signing_key, segmenter):
    """Build a real signed pack file from records: ``make_pack(records, pack_id=…, version=…)``."""
    from knowledge.packs.build import build_pack

    def make(records: list[dict], *, pack_id: str = "tinh", version: int = 1,
             synonyms: list[dict] | None = None, calendar: dict | None = None,
             key: Path | None = None) -> Path:
        src = tmp_path / f"src-{pack_id}-{version}"
        src.mkdir(exist_ok=True)
        (src / "procedures.jsonl").write_text(
            "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
        if synonyms is not None:
            (src / "synonyms.json").write_text(json.dumps(synonyms, ensure_ascii=False), "utf-8")
        if calendar is not None:
            (src / "calendar.json").write_text(json.dumps(calendar, ensure_ascii=False), "utf-8")
        out = tmp_path / f"{pack_id}-v{version}.mcpack"
        build_pack(source=src, out=out, pack_id=pack_id, version=version,
                   key_path=key or signing_key, title=f"Gói {pack_id}", segmenter=segmenter)
        return out

    return make


@pytest.fixture
def store(motcua_home):
    """A real store file in this test's MOTCUA_HOME."""
    from knowledge.store import open_store

    s = open_store(motcua_home)
    yield s
    s.close()


@pytest.fixture(scope="session")
def corpus_pack(corpus, tmp_path_factory, signing_key):
    """The whole shared corpus built into a pack once per test session (about a minute)."""
    from knowledge.packs.build import build_pack

    progress = []
    result = build_pack(source=corpus / "procedures.jsonl",
                        out=tmp_path_factory.mktemp("corpus") / "corpus.mcpack",
                        pack_id="corpus", version=1, key_path=signing_key,
                        progress=progress.append)
    return result, progress


@pytest.fixture(scope="session")
def corpus_index(corpus_pack, trusted, tmp_path_factory):
    """A store with the corpus pack installed, and its search index."""
    from knowledge.store import install_pack, open_store

    store = open_store(tmp_path_factory.mktemp("corpus-home"))
    install_pack(store=store, pack_path=corpus_pack[0].path, trusted=trusted)
    yield store.load_index()
    store.close()
