"""Start-up and search-as-you-type benchmark for the counter app (offscreen). Prints JSON.

- start → first result: from just before the process is spawned to the moment the first search
  result is in the table and painted; median of 5 runs, with the peak RSS of the app process;
  for the demo pack and for a 2,000-procedure pack (the first 2,000 lines of the shared corpus).
- keystroke → results: on the 2,000 pack, each keystroke of real queries typed one character at
  a time: the search, the table refill and a repaint (the 120 ms debounce is left out: it is a
  deliberate wait, not work).
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

CHILD = r"""
import sys, time, json
from pathlib import Path
from PySide6.QtWidgets import QApplication
from desktop.app import build_window, install_excepthooks, route_qt_messages
from desktop.resources import install_font_and_style
from knowledge import paths
home, query, keystrokes = Path(sys.argv[1]), sys.argv[2], sys.argv[3] == "1"
paths.start_log(home, "motcua.log")  # the same start path as desktop.app.run
route_qt_messages()
app = QApplication([])
install_font_and_style(app)
install_excepthooks()
w = build_window(home, install_demo=False)
w.resize(1366, 768)
w.show()
w.search.box.setText(query)
w.search.refresh()
app.processEvents()
assert w.search.row_count() > 0
w.search.table.viewport().repaint()
t_first = time.time()
lat = []
if keystrokes:
    queries = [json.loads(l)["query"] for l in open(sys.argv[4], encoding="utf-8")]
    for q in queries:
        for i in range(1, len(q) + 1):
            t = time.perf_counter()
            w.search.box.setText(q[:i])
            w.search.refresh()
            w.search.table.viewport().repaint()
            lat.append((time.perf_counter() - t) * 1000)
hwm = 0
for line in open("/proc/self/status"):
    if line.startswith("VmHWM:"):
        hwm = int(line.split()[1]) / 1024
assert "underthesea" not in sys.modules  # packs carry tokens: never on the start path
print(json.dumps({"first_result_at": t_first, "rss_mb": round(hwm, 1), "keystrokes_ms": lat}))
"""


def prepare(home: Path, pack: Path, trusted) -> None:
    from knowledge.store import install_pack, open_store

    home.mkdir(parents=True, exist_ok=True)
    with open_store(home) as store:
        if not store.packs():
            install_pack(store=store, pack_path=pack, trusted=trusted)


def run(home: Path, query: str, keystrokes: bool = False, queries: Path | None = None) -> dict:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(REPO)}
    t0 = time.time()
    out = subprocess.run([sys.executable, "-c", CHILD, str(home), query, "1" if keystrokes else "0",
                          str(queries or "")], env=env, capture_output=True, text=True, check=True)
    data = json.loads(out.stdout.strip().splitlines()[-1])
    data["start_s"] = data.pop("first_result_at") - t0
    return data


def case(home: Path, query: str, runs: int = 5) -> dict:
    results = [run(home, query) for _ in range(runs)]
    return {"start_to_first_result_s_median": round(statistics.median(r["start_s"] for r in results), 3),
            "start_s_all": [round(r["start_s"], 3) for r in results],
            "peak_rss_mb": max(r["rss_mb"] for r in results)}


def main() -> int:
    from knowledge.paths import resource
    from knowledge.settings import Settings, trusted_keys

    work = Path(tempfile.mkdtemp(prefix="motcua-startup-"))
    demo_home = work / "demo"
    prepare(demo_home, resource("demo-pack", "demo.mcpack"), trusted_keys(Settings()))
    report = {"demo_pack": case(demo_home, "dang ky thuong tru")}
    corpus = REPO.parent / "shared" / "corpus"
    if (corpus / "procedures.jsonl").exists():
        from bench.common import OUT, bench_key
        from knowledge.errors import MotcuaError
        from knowledge.packs.build import build_pack

        key, trusted = bench_key()
        pack = OUT / "corpus-2000.mcpack"

        def build() -> None:
            src = OUT / "corpus-2000.jsonl"
            lines = (corpus / "procedures.jsonl").read_text(encoding="utf-8").splitlines()[:2000]
            src.write_text("\n".join(lines) + "\n", encoding="utf-8")
            build_pack(source=src, out=pack, pack_id="corpus-2000", version=1, key_path=key)

        if not pack.exists():
            build()
        home = work / "p2000"
        try:
            prepare(home, pack, trusted)
        except MotcuaError:  # a cached pack from an older pack format: build it again
            shutil.rmtree(home)
            build()
            prepare(home, pack, trusted)
        report["pack_2000"] = case(home, "dang ky thuong tru")
        ks = run(home, "dang ky thuong tru", keystrokes=True, queries=corpus / "dev_queries.jsonl")
        lat = sorted(ks["keystrokes_ms"])
        report["pack_2000"]["keystroke_ms_p50"] = round(statistics.median(lat), 2)
        report["pack_2000"]["keystroke_ms_p95"] = round(lat[int(0.95 * (len(lat) - 1))], 2)
        report["pack_2000"]["keystrokes"] = len(lat)
    else:
        report["pack_2000"] = {"skipped": "../shared/corpus is absent"}
    shutil.rmtree(work, ignore_errors=True)
    print(json.dumps(report, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
