"""Uploaded files of form fields (``x-widget: file``): checked for size and type, stored outside the web
root under the instance folder, referred to in the form data by ``lampiran:<id>.<ext>``."""

from __future__ import annotations

import hashlib
import json
import secrets
from pathlib import Path

from flask import abort, current_app, send_file

from .forms_render import UPLOAD_REFERENCE, UploadRefused
from .i18n import t

#: extension → accepted leading bytes (None: any, e.g. plain text)
ALLOWED = {
    "pdf": (b"%PDF",),
    "png": (b"\x89PNG\r\n\x1a\n",),
    "jpg": (b"\xff\xd8\xff",),
    "jpeg": (b"\xff\xd8\xff",),
    "gif": (b"GIF87a", b"GIF89a"),
    "webp": (b"RIFF",),
    "docx": (b"PK\x03\x04",),
    "odt": (b"PK\x03\x04",),
    "doc": (b"\xd0\xcf\x11\xe0",),
    "txt": None,
}
DEFAULT_MAX_BYTES = 2 * 1024 * 1024


def upload_folder() -> Path:
    """Where uploads live: ``<instance>/uploads`` (never served as static files)."""
    folder = Path(current_app.config.get("ALUR_UPLOAD_FOLDER") or Path(current_app.instance_path) / "uploads")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _size_text(limit: int) -> str:
    return f"{limit / 1024 / 1024:.0f} MB" if limit >= 1024 * 1024 else f"{limit // 1024} KB"


def store_upload(upload) -> str:
    """Check and store a ``FileStorage``; return its reference, or raise ``UploadRefused``."""
    limit = int(current_app.config.get("ALUR_MAX_FILE_BYTES", DEFAULT_MAX_BYTES))
    name = Path(upload.filename or "").name
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    content = upload.stream.read(limit + 1)
    if len(content) > limit:
        raise UploadRefused(t("upload_too_large", limit=_size_text(limit)))
    signatures = ALLOWED.get(ext, ())
    if (
        ext not in ALLOWED
        or (signatures is not None and not content.startswith(signatures))
        or (signatures is None and b"\x00" in content)
    ):
        raise UploadRefused(t("upload_bad_type", allowed=", ".join(sorted(ALLOWED))))
    file_id = secrets.token_hex(16)
    folder = upload_folder()
    (folder / f"{file_id}.{ext}").write_bytes(content)
    meta = {"original_name": name[:200], "size": len(content), "sha256": hashlib.sha256(content).hexdigest()}
    (folder / f"{file_id}.json").write_text(json.dumps(meta))
    return f"lampiran:{file_id}.{ext}"


def send_upload(reference: str):
    """The stored file of ``reference`` as a download (404 for anything else)."""
    if not UPLOAD_REFERENCE.match(reference):
        abort(404)
    stored = reference.split(":", 1)[1]
    path = upload_folder() / stored
    if not path.is_file():
        abort(404)
    meta_path = path.with_suffix(".json")
    meta = json.loads(meta_path.read_text()) if meta_path.is_file() else {}
    return send_file(path, as_attachment=True, download_name=meta.get("original_name") or stored)
