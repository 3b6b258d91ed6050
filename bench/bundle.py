"""The frozen bundle's size by component and its start-up time. Prints JSON.

- size: ``du``-style bytes on disk of dist/motcua, split into Qt (PySide6, shiboken6 and the Qt
  libraries), underthesea (with underthesea_core), numpy (with numpy.libs), cryptography, Python
  (libpython, its extension modules and the stdlib archive), system libraries (the other shared
  libraries at the top of _internal/, Linux only) and the rest.
- start-up: wall-clock time of ``motcua --smoke-test`` (spawn → a fresh home → the bundled demo
  pack installed → a search typed without diacritics → the main window rendered → exit), 5 runs.
  That is a workstation's very first start, so an upper bound of start-up to first result.

Usage: .venv/bin/python bench/bundle.py [dist/motcua] [--runs 5] [--budget-mb 180]
With --budget-mb it exits 1 when the bundle is larger (scripts/build uses the issue's 180 MB);
start-up is only reported.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

COMPONENTS = {  # first match wins, on the path under _internal/
    "Qt": ("PySide6", "shiboken6", "libQt6", "Qt6", "libicu", "libpyside6", "libshiboken6"),
    "underthesea": ("underthesea",),
    "numpy": ("numpy",),
    "cryptography": ("cryptography", "_cffi_backend"),
    "Python": ("libpython", "python3", "base_library.zip", "lib-dynload"),
}


def disk_bytes(path: Path) -> int:
    return path.lstat().st_blocks * 512


def sizes(bundle: Path) -> dict[str, float]:
    totals = dict.fromkeys([*COMPONENTS, "system libraries", "rest"], 0)
    internal = bundle / "_internal"
    for f in bundle.rglob("*"):
        if f.is_dir() and not f.is_symlink():
            continue
        rel = f.relative_to(internal).as_posix() if f.is_relative_to(internal) else ""
        part = next((name for name, prefixes in COMPONENTS.items()
                     if rel.startswith(prefixes)), None)
        if part is None:
            part = "system libraries" if "/" not in rel and ".so" in rel else "rest"
        totals[part] += disk_bytes(f)
    mb = {k: round(v / 2**20, 1) for k, v in totals.items()}
    mb["total"] = round(sum(totals.values()) / 2**20, 1)
    return mb


def startup(bundle: Path, runs: int) -> dict:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    walls, lines = [], []
    for _ in range(runs):
        t = time.perf_counter()
        out = subprocess.run([str(bundle / "motcua"), "--smoke-test"], env=env,
                             capture_output=True, text=True, check=True)
        walls.append(time.perf_counter() - t)
        lines.append(out.stdout.strip())
    walls.sort()
    return {"smoke_test_wall_s_median": round(statistics.median(walls), 3),
            "smoke_test_wall_s_max": round(walls[-1], 3),
            "all_s": [round(w, 3) for w in walls], "last_line": lines[-1]}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("bundle", nargs="?", type=Path, default=REPO / "dist" / "motcua")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--budget-mb", type=float)
    args = ap.parse_args()
    if not (args.bundle / "motcua").exists():
        print(f"no bundle at {args.bundle}: run scripts/build first", file=sys.stderr)
        return 2
    size = sizes(args.bundle)
    print(json.dumps({"size_mb": size, "startup": startup(args.bundle, args.runs)}, indent=1,
                     ensure_ascii=False))
    if args.budget_mb and size["total"] > args.budget_mb:
        print(f"bundle is {size['total']} MB, over the {args.budget_mb:g} MB budget", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
