"""Search benchmark: pack build, install, index load, query latency and memory, against FTS5.

Usage::

    python bench/search_bench.py                       # the shared corpus (builds a pack: minutes)
    python bench/search_bench.py --synthetic 10000     # + 10,000 synthetic full procedures
    python bench/search_bench.py --pack built.mcpack   # reuse a built pack

Prints one JSON object per corpus. Query timings are in-process (tokenize + score + top 10),
measured after the index is loaded, in a fresh subprocess so that peak RSS is the workstation's
(load + queries), not the builder's. FTS5 (bm25, name weighted 3:1 like ours) runs on the same
documents (folded text, OR'd query syllables) in the same subprocess.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.common import CORPUS, Fts5, bench_key, corpus_pack  # noqa: E402
from knowledge.packs.verify import read_pack  # noqa: E402
from knowledge.store import Store, install_loaded, open_store  # noqa: E402


def queries() -> dict[str, list[str]]:
    """Short counter queries (as typed at the counter) and long citizen questions, apart."""
    def load(*names: str) -> list[str]:
        out = []
        for name in names:
            path = CORPUS / name
            if path.exists():
                out += [json.loads(line)["query"] for line in path.read_text(encoding="utf-8")
                        .splitlines() if line.strip()]
        return out
    return {"counter": load("dev_queries.jsonl"), "questions": load("queries.jsonl",
                                                                     "queries_unlabelled.jsonl")}


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def peak_rss_mb() -> float:
    """This process's peak RSS. VmHWM, not ru_maxrss: the latter keeps the parent's peak across
    fork + exec, so a child started by a big parent would report the parent's memory."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def phase_query(home: str, rounds: int) -> dict:
    """In a fresh process: load the index, run the queries, the same on FTS5; report."""
    t0 = time.perf_counter()
    store = Store(Path(home) / "store.db", readonly=True)
    index = store.load_index()
    out: dict = {"docs": len(index), "index_load_s": round(time.perf_counter() - t0, 3)}
    sets = queries()
    for q in sets["counter"][:20]:
        index.search(q, k=10)  # warm caches
    lat: dict[str, list[float]] = {}
    for name, qs in sets.items():
        lat[name] = []
        for _ in range(rounds):
            for q in qs:
                t = time.perf_counter()
                index.search(q, k=10)
                lat[name].append((time.perf_counter() - t) * 1000)
    out["peak_rss_mb"] = peak_rss_mb()
    for name, qs in sets.items():
        fts = fts5_latency(store, qs, rounds)
        out[name] = {
            "queries": len(qs),
            "motcua_ms_p50": round(statistics.median(lat[name]), 3),
            "motcua_ms_p95": round(pct(lat[name], 95), 3),
            "fts5_ms_p50": round(statistics.median(fts), 3),
            "fts5_ms_p95": round(pct(fts, 95), 3),
            "p95_ratio_motcua_over_fts5": round(pct(lat[name], 95) / pct(fts, 95), 3),
        }
    return out


def fts5_latency(store: Store, qs: list[str], rounds: int) -> list[float]:
    fts = Fts5(store)
    lat = []
    for _ in range(rounds):
        for q in qs:
            t = time.perf_counter()
            fts.search(q, k=10)
            lat.append((time.perf_counter() - t) * 1000)
    return lat


def run_query_phase(home: Path, rounds: int) -> dict:
    out = subprocess.run([sys.executable, __file__, "--phase-query", str(home),
                          "--rounds", str(rounds)], capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def synthetic(loaded, n: int, seed: int = 7):
    """``n`` full procedures made by replicating and perturbing the corpus's full records.

    Each copy gets a new code, drops ~15% of its body tokens, swaps one name syllable for a
    random corpus syllable and gains a distinguishing token, so postings and lengths stay
    realistic without re-segmenting.
    """
    rng = random.Random(seed)
    full = [(p, t) for p, t in zip(loaded.procedures, loaded.tokens) if p.has_detail]
    vocab = sorted({tok for _, t in full for tok in t[1] if "_" not in tok})
    procs, toks = [], []
    for i in range(n):
        p, (code, name_t, body_t) = full[i % len(full)]
        new_code = f"{p.code}.S{i}"
        name_t = list(name_t)
        if name_t:
            name_t[rng.randrange(len(name_t))] = rng.choice(vocab)
        name_t.append(f"s{i % 97}")
        body_t = [t for t in body_t if rng.random() > 0.15]
        q = type(p).from_dict({**p.to_dict(), "code": new_code})
        procs.append(q)
        toks.append((new_code, name_t, body_t))
    return procs, toks


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--synthetic", type=int, default=0, help="also bench N synthetic procedures")
    ap.add_argument("--pack", type=Path, help="a pack already built from the shared corpus")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--rebuild", action="store_true", help="rebuild the cached corpus pack")
    ap.add_argument("--phase-query", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.phase_query:
        print(json.dumps(phase_query(args.phase_query, args.rounds)))
        return 0
    if not (CORPUS / "procedures.jsonl").exists():
        print(json.dumps({"skipped": "../shared/corpus is absent"}))
        return 0
    work = Path(tempfile.mkdtemp(prefix="motcua-bench-"))
    _, trusted = bench_key()
    results = {}
    if args.pack:
        pack_path, build_s = args.pack, None
    else:
        pack_path, build_s = corpus_pack(rebuild=args.rebuild)
    home = work / "corpus-home"
    home.mkdir()
    store = open_store(home)
    t = time.perf_counter()
    loaded = read_pack(pack_path, trusted=trusted)
    install_loaded(store=store, pack=loaded)
    install_s = time.perf_counter() - t
    store.close()
    results["shared_corpus"] = {
        "procedures": len(loaded.procedures),
        "pack_mb": round(pack_path.stat().st_size / 2**20, 2),
        "build_s": round(build_s, 1) if build_s is not None else "cached (use --rebuild)",
        "install_s": round(install_s, 2),
        **run_query_phase(home, args.rounds),
    }
    if args.synthetic:
        procs, toks = synthetic(loaded, args.synthetic)
        loaded.procedures, loaded.tokens = procs, toks
        loaded.manifest.pack_id = "synthetic"
        home = work / "synthetic-home"
        home.mkdir()
        store = open_store(home)
        t = time.perf_counter()
        install_loaded(store=store, pack=loaded)
        install_s = time.perf_counter() - t
        store.close()
        results[f"synthetic_{args.synthetic}"] = {
            "procedures": args.synthetic, "install_s": round(install_s, 2),
            **run_query_phase(home, args.rounds),
        }
    results["machine"] = {"cpus": os.cpu_count(), "python": sys.version.split()[0]}
    print(json.dumps(results, ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
