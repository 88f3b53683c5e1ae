"""Complaint attachments (photo of the paper form, screenshots, letters): checked by their first bytes
(JPEG, PNG, PDF only) and size, stored outside the web root under ``<instance folder>/attachments``.

Files are content-addressed (``<sha256>.<ext>``), so storing the same file twice keeps one copy; a file
written for a transaction that then rolls back is left as an orphan, never as a dangling row.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from .actors import Actor
from .channels_models import Attachment
from .context import EngineContext
from .errors import InvalidInput, NotFound

#: Largest accepted attachment (``ALUR_MAX_ATTACHMENT_BYTES``).
MAX_BYTES = 5 * 1024 * 1024
MAX_FILES = 10
#: Magic bytes → (content type, extension). Only these types are accepted.
SIGNATURES = (
    (b"\xff\xd8\xff", "image/jpeg", "jpg"),
    (b"\x89PNG\r\n\x1a\n", "image/png", "png"),
    (b"%PDF-", "application/pdf", "pdf"),
)


@dataclass(frozen=True)
class CheckedFile:
    """An accepted upload: its display name, sniffed type and bytes."""

    filename: str
    content_type: str
    extension: str
    content: bytes

    @property
    def sha256(self) -> str:
        """Hex digest of the content."""
        return hashlib.sha256(self.content).hexdigest()


def sniff(content: bytes) -> tuple[str, str] | None:
    """(content type, extension) from the first bytes, or None for a type we do not accept."""
    for magic, content_type, extension in SIGNATURES:
        if content.startswith(magic):
            return content_type, extension
    return None


def _display_name(filename: str) -> str:
    name = os.path.basename((filename or "").replace("\\", "/")).strip()
    return "".join(ch for ch in name if ch.isprintable())[:200] or "lampiran"


def check_file(filename: str, content: bytes, max_bytes: int | None = None) -> CheckedFile:
    """Accept a JPEG, PNG or PDF no larger than the limit; otherwise InvalidInput naming the file."""
    limit = max_bytes or MAX_BYTES
    name = _display_name(filename)
    if not content:
        raise InvalidInput(detail=f"Lampiran '{name}' kosong")
    if len(content) > limit:
        raise InvalidInput(detail=f"Lampiran '{name}' terlalu besar ({len(content) // 1024} KB; "
                                  f"batas {limit // 1024} KB)")
    kind = sniff(content)
    if kind is None:
        raise InvalidInput(detail=f"Lampiran '{name}' bukan JPG, PNG, atau PDF")
    return CheckedFile(name, kind[0], kind[1], content)


def check_files(files: list[tuple[str, bytes]], max_bytes: int | None = None) -> list[CheckedFile]:
    """``check_file`` for each (empty uploads from blank file inputs are skipped)."""
    checked = [check_file(name, content, max_bytes) for name, content in files if name or content]
    if len(checked) > MAX_FILES:
        raise InvalidInput(detail=f"Paling banyak {MAX_FILES} lampiran")
    return checked


def _write(root: Path, checked: CheckedFile) -> str:
    stored = f"{checked.sha256[:2]}/{checked.sha256}.{checked.extension}"
    target = root / stored
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=target.parent, delete=False) as handle:
            handle.write(checked.content)
            temporary = handle.name
        os.chmod(temporary, 0o640)
        os.replace(temporary, target)
    return stored


def store_attachments(session: Session, ctx: EngineContext, instance_id: int, files: list[CheckedFile],
                      root: str | Path, *, actor: Actor) -> list[Attachment]:
    """Write checked files under ``root`` and add their rows (inside the caller's transaction)."""
    root = Path(root)
    rows = []
    for checked in files:
        row = Attachment(instance_id=instance_id, filename=checked.filename, content_type=checked.content_type,
                         size=len(checked.content), sha256=checked.sha256, stored_name=_write(root, checked),
                         uploaded_by=actor.name, uploaded_at=ctx.clock.now())
        session.add(row)
        rows.append(row)
    session.flush()
    return rows


def attachments_of(session: Session, instance_id: int) -> list[Attachment]:
    """A complaint's attachments in upload order."""
    return list(session.scalars(select(Attachment).where(Attachment.instance_id == instance_id)
                                .order_by(Attachment.id)))


def attachment_path(session: Session, attachment_id: int, root: str | Path) -> tuple[Attachment, Path]:
    """The row and the file of an attachment (NotFound if either is missing)."""
    row = session.get(Attachment, attachment_id)
    if row is None:
        raise NotFound(what=f"Lampiran {attachment_id}")
    root = Path(root).resolve()
    path = (root / row.stored_name).resolve()
    if root not in path.parents or not path.is_file():
        raise NotFound(what=f"Lampiran {attachment_id}")
    return row, path
