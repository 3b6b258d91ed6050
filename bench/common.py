"""Shared bench helpers: the shared corpus pack (built once and cached), installed stores, FTS5."""

from __future__ import annotations

import hashlib
import json
import sqlite3
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from knowledge import text  # noqa: E402
from knowledge.packs import build as pack_build  # noqa: E402
from knowledge.packs import keys as pack_keys  # noqa: E402
from knowledge.store import Store, install_pack, open_store  # noqa: E402

CORPUS = REPO.parent / "shared" / "corpus"
OUT = REPO / "bench" / "out"


def bench_key() -> tuple[Path, list]:
    """A signing key for bench packs (made once) and the trust list that accepts it."""
    OUT.mkdir(parents=True, exist_ok=True)
    key = OUT / "bench.key"
    if not key.exists():
        pack_keys.generate_key(key)
    return key, [pack_keys.TrustedKey(pack_keys.load_public(Path(f"{key}.pub")))]


def corpus_pack(rebuild: bool = False) -> tuple[Path, float | None]:
    """The shared corpus as a pack, cached by the source's hash and the tokenizer version.

    Returns the pack path and the build time in seconds (None when it came from the cache).
    """
    source = CORPUS / "procedures.jsonl"
    digest = hashlib.sha256(source.read_bytes()).hexdigest()[:12]
    pack = OUT / f"corpus-{digest}-t{text.TOKENIZER_VERSION}.mcpack"
    if pack.exists() and not rebuild:
        return pack, None
    key, _ = bench_key()
    t = time.perf_counter()
    pack_build.build_pack(source=source, out=pack, pack_id="corpus", version=1, key_path=key,
                          title="Shared corpus")
    return pack, time.perf_counter() - t


def corpus_store(home: Path) -> tuple[Store, float]:
    """A store in ``home`` with the corpus pack installed; returns it and the install time."""
    pack, _ = corpus_pack()
    _, trusted = bench_key()
    home.mkdir(parents=True, exist_ok=True)
    store = open_store(home)
    t = time.perf_counter()
    if store.pack("corpus") is None:
        install_pack(store=store, pack_path=pack, trusted=trusted)
    return store, time.perf_counter() - t


def load_queries(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


class Fts5:
    """SQLite FTS5 baseline over the store's procedures (folded text: FTS5 keeps đ)."""

    def __init__(self, store: Store, *, names_only: bool = False, name_weight: float = 3.0) -> None:
        self.conn = sqlite3.connect(":memory:")
        self.conn.execute("create virtual table f using fts5(code unindexed, name, body,"
                          " tokenize = 'unicode61 remove_diacritics 2')")
        self.names_only = names_only
        self.name_weight = name_weight
        rows = store.db.execute("select code, name, body from tokens")
        self.conn.executemany("insert into f values (?, ?, ?)", (
            (code, _syllables(name), "" if names_only else _syllables(body))
            for code, name, body in rows))

    def search(self, query: str, k: int = 10) -> list[str]:
        syl = [s for s in text.query_syllables(query) if s.isalnum()]
        if not syl:
            return []
        match = " OR ".join(f'"{s}"' for s in syl)
        rows = self.conn.execute(
            "select code from f where f match ? order by bm25(f, 0, ?, 1.0) limit ?",
            [match, self.name_weight, k]).fetchall()
        return [r[0] for r in rows]


def _syllables(tokens: str) -> str:
    return " ".join(t for t in tokens.split() if "_" not in t)
