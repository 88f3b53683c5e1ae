"""Run every ``bench/*_bench.py`` in its own subprocess (bounded time) and print ONE table.

Each benchmark prints ``BENCH {json}`` rows (see ``bench/common.py``); a benchmark that prints none
contributes its last output lines as information, one that fails or times out a MISS row.
``ALUR_BENCH_TIMEOUT`` (seconds per file, default 600), ``ALUR_BENCH_ONLY`` (comma-separated stems).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

from common import print_table

HERE = Path(__file__).resolve().parent


def collect(path: Path, timeout: float) -> tuple[list[dict], float]:
    """Run one benchmark file; return its rows and the seconds it took."""
    stem = path.stem.removesuffix("_bench")
    started = time.perf_counter()
    try:
        done = subprocess.run([sys.executable, str(path)], cwd=HERE.parent, capture_output=True, text=True,
                              timeout=timeout, env={**os.environ, "PYTHONPATH": str(HERE.parent)})
    except subprocess.TimeoutExpired:
        return [{"bench": stem, "metric": "(run)", "value": "timeout", "unit": "", "ok": False,
                 "note": f"killed after {timeout:.0f} s"}], time.perf_counter() - started
    elapsed = time.perf_counter() - started
    rows = []
    for line in done.stdout.splitlines():
        if line.startswith("BENCH "):
            try:
                entry = json.loads(line[6:])
            except json.JSONDecodeError:
                continue
            entry.setdefault("bench", stem)
            rows.append(entry)
    if done.returncode != 0:
        tail = (done.stderr.strip().splitlines() or ["?"])[-1]
        rows.append({"bench": stem, "metric": "(run)", "value": f"exit {done.returncode}", "unit": "", "ok": False,
                     "note": tail[:120]})
    elif not rows:
        lines = [ln for ln in done.stdout.splitlines() if ln.strip()][-8:]
        rows = [{"bench": stem, "metric": ln.strip()[:100], "value": "", "unit": "", "ok": None, "note": ""}
                for ln in lines]
    return rows, elapsed


def main() -> int:
    """Run them all and print the table; exit 1 when a benchmark failed to run."""
    timeout = float(os.environ.get("ALUR_BENCH_TIMEOUT", "600"))
    only = {s.strip() for s in os.environ.get("ALUR_BENCH_ONLY", "").split(",") if s.strip()}
    files = sorted(p for p in HERE.glob("*_bench.py") if not only or p.stem.removesuffix("_bench") in only)
    rows: list[dict] = []
    for path in files:
        print(f"… {path.name}", file=sys.stderr, flush=True)
        found, elapsed = collect(path, timeout)
        print(f"  {len(found)} rows in {elapsed:.1f} s", file=sys.stderr, flush=True)
        rows.extend(found)
    print()
    print(f"Alur benchmarks — {os.cpu_count()} CPUs, Python {sys.version.split()[0]}, "
          f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}")
    print()
    print_table(rows)
    failed = any(r.get("metric") == "(run)" for r in rows)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
