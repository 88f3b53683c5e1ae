"""What every benchmark shares: medians, timing, and the row format ``bench/run_all.py`` collects.

A benchmark prints a human table; each row is also printed as one ``BENCH {json}`` line, which
``run_all.py`` collects into the single ``make bench`` table. Row fields: ``bench`` (file stem),
``metric``, ``value``, ``unit``, optionally ``goal`` (text), ``ok`` (true/false/None = information)
and ``note`` (raw figures beside a ratio, sample size …).
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

ROWS: list[dict] = []


def median_ms(samples: list[float]) -> float:
    """Median of seconds, in milliseconds."""
    return statistics.median(samples) * 1000.0


def percentile(samples: list[float], q: float) -> float:
    """The ``q`` quantile (0–1) of ``samples`` (nearest rank)."""
    ordered = sorted(samples)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]


def timed(fn: Callable[[], object]) -> float:
    """Seconds one call of ``fn`` takes."""
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def row(bench: str, metric: str, value: float, unit: str, *, goal: str = "", ok: bool | None = None,
        note: str = "") -> dict:
    """Record and print one result row (``ok``: goal met, missed, or None for information)."""
    entry = {"bench": bench, "metric": metric, "value": round(value, 4), "unit": unit, "goal": goal,
             "ok": ok, "note": note}
    ROWS.append(entry)
    print("BENCH " + json.dumps(entry, ensure_ascii=False), flush=True)
    return entry


def print_table(rows: list[dict] | None = None, out=print) -> None:
    """Rows as an aligned text table."""
    rows = ROWS if rows is None else rows
    header = ("bench", "metric", "value", "goal", "status", "note")
    lines = [header]
    for r in rows:
        status = {True: "ok", False: "MISS", None: "info"}[r.get("ok")]
        value = r.get("value")
        shown = f"{value:,.3f} {r.get('unit', '')}".strip() if isinstance(value, int | float) else str(value)
        lines.append((r.get("bench", ""), r.get("metric", ""), shown, r.get("goal", ""), status, r.get("note", "")))
    widths = [max(len(str(line[i])) for line in lines) for i in range(len(header))]
    for n, line in enumerate(lines):
        out("  ".join(str(cell).ljust(widths[i]) for i, cell in enumerate(line)).rstrip())
        if n == 0:
            out("  ".join("-" * w for w in widths))


def scale(default: int) -> int:
    """``default`` times ``ALUR_BENCH_SCALE`` (a float, default 1) — smaller for a quick run."""
    return max(1, int(default * float(os.environ.get("ALUR_BENCH_SCALE", "1"))))
