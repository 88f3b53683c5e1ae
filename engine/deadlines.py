"""Named working-day deadlines (SP4N-LAPOR!'s 3/5/10 days, Sanggau's 7) kept as configuration, not Python.

``processes/deadlines.json`` (or the file named by ``ALUR_DEADLINES_FILE``) maps a name to its number of
working days, its display names and its source. BPMN timer expressions use them through the script
function ``deadline_after(received_at, "lapor_verifikasi")``; lint refuses an unknown name, naming the
element. When a regulation changes, the file changes and new deadlines follow (armed timers keep theirs).
"""

from __future__ import annotations

import functools
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

DEFAULT_FILE = Path(__file__).resolve().parent.parent / "processes" / "deadlines.json"


@dataclass(frozen=True)
class Deadline:
    """One named rule: ``working_days`` after an instant (office closing time of the last day)."""

    key: str
    working_days: int
    name_id: str
    name_en: str
    source: str = ""


def parse_deadlines(text: str, where: str = "deadlines.json") -> Mapping[str, Deadline]:
    """Read and check the JSON object {key: {working_days, name_id, name_en, source}}; ValueError names the key."""
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as error:
        raise ValueError(f"{where}: not valid JSON ({error})") from None
    if not isinstance(raw, dict):
        raise ValueError(f"{where}: expected an object of named deadlines")
    found = {}
    for key, entry in raw.items():
        if not key.isidentifier():
            raise ValueError(f"{where}: deadline name {key!r} must be letters, digits and underscores")
        days = entry.get("working_days") if isinstance(entry, dict) else None
        if isinstance(days, bool) or not isinstance(days, int) or days < 1:
            raise ValueError(f"{where}: {key}.working_days must be a whole number of days >= 1")
        found[key] = Deadline(key, days, str(entry.get("name_id") or key), str(entry.get("name_en") or key),
                              str(entry.get("source") or ""))
    return MappingProxyType(found)


def deadlines_file() -> Path:
    """The configured file: ``ALUR_DEADLINES_FILE`` or ``processes/deadlines.json``."""
    configured = os.environ.get("ALUR_DEADLINES_FILE")
    return Path(configured) if configured else DEFAULT_FILE


@functools.lru_cache(maxsize=4)
def _load(path: str, mtime_ns: int) -> Mapping[str, Deadline]:
    return parse_deadlines(Path(path).read_text(encoding="utf-8"), Path(path).name)


def configured_deadlines() -> Mapping[str, Deadline]:
    """The named deadlines of the configured file (re-read when the file changes; empty if it is missing)."""
    path = deadlines_file()
    try:
        mtime = path.stat().st_mtime_ns
    except FileNotFoundError:
        return MappingProxyType({})
    return _load(str(path), mtime)
