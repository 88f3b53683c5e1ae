"""Shared helpers of the editor tests: shipped files, small edits of them, and deploy calls through the API."""

from __future__ import annotations

import io
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROCESSES = ROOT / "processes"
DATA = Path(__file__).resolve().parent / "data"


def shipped(name: str) -> bytes:
    """A shipped BPMN file's bytes."""
    return (PROCESSES / name).read_bytes()


def form_file(name: str) -> tuple[io.BytesIO, str]:
    """A shipped form as a multipart file tuple."""
    return io.BytesIO((PROCESSES / "forms" / name).read_bytes()), name


def post_bpmn(client, headers, bpmn: bytes, forms: dict[str, dict | bytes] | None = None, **fields):
    """POST /api/v1/processes as multipart with ``forms`` (name → schema or bytes)."""
    data = {"bpmn": (io.BytesIO(bpmn), "upload.bpmn"), **fields}
    files = []
    for name, content in (forms or {}).items():
        raw = content if isinstance(content, bytes) else json.dumps(content).encode()
        files.append((io.BytesIO(raw), name))
    if files:
        data["forms"] = files
    return client.post("/api/v1/processes", data=data, headers=headers, content_type="multipart/form-data")
