"""Idempotent imports: each parsed item (an e-mail, a SP4N-LAPOR! row) becomes one complaint, once.

Every item carries a source key (Message-ID, LAPOR! tracking ID) that is unique per source kind, so
importing the same file twice creates nothing new. Each item is its own transaction: a malformed item is
reported with its reason while the valid ones import. ``progress(done, total, result)`` is called after
every item (the CLI prints it, the upload page lists it).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.orm import Session

from .actors import Actor
from .attachments import check_file
from .channels import record_complaint, source_of
from .context import EngineContext
from .errors import AlurError, InvalidData


@dataclass
class ParsedItem:
    """One item read from an import file, ready to become a complaint (or ``error`` when malformed)."""

    label: str  # where it is in the file: "baris 3", "pesan 2 (file.eml)"
    source_kind: str
    source_key: str | None = None
    data: dict = field(default_factory=dict)
    files: list[tuple[str, bytes]] = field(default_factory=list)
    lapor_id: str | None = None
    lapor_category: str | None = None
    error: str | None = None


@dataclass
class RowResult:
    """Outcome of one item: ``created``, ``skipped`` (already imported) or ``error`` with the reason."""

    label: str
    status: str
    reason: str = ""
    source_key: str | None = None
    tracking_code: str | None = None

    def as_dict(self) -> dict:
        """JSON form (API, upload page)."""
        return {"row": self.label, "status": self.status, "reason": self.reason, "source_key": self.source_key,
                "tracking_code": self.tracking_code}


@dataclass
class ImportReport:
    """Every item's outcome, in file order."""

    rows: list[RowResult] = field(default_factory=list)

    def count(self, status: str) -> int:
        """How many items ended with ``status``."""
        return sum(1 for row in self.rows if row.status == status)

    @property
    def counts(self) -> dict[str, int]:
        """created / skipped / error counts."""
        return {status: self.count(status) for status in ("created", "skipped", "error")}


def describe_error(error: AlurError, lang: str = "id") -> str:
    """A one-line reason for a refused item, naming the fields."""
    if isinstance(error, InvalidData):
        return "; ".join(f"{path}: {text}" for path, text in error.fields(lang).items())
    return error.message(lang)


def _import_one(session: Session, ctx: EngineContext, item: ParsedItem, process_key: str, actor: Actor,
                attachment_root: str | Path | None, max_attachment_bytes: int | None) -> RowResult:
    if item.error:
        return RowResult(item.label, "error", item.error, item.source_key)
    existing = source_of(session, item.source_kind, item.source_key) if item.source_key else None
    if existing is not None:
        code = existing_code(session, existing.instance_id)
        return RowResult(item.label, "skipped", f"sudah diimpor sebagai {code}", item.source_key, code)
    checked, refused = [], []
    for name, content in item.files:
        try:
            checked.append(check_file(name, content, max_attachment_bytes))
        except AlurError as error:
            refused.append(error.message("id"))
    try:
        submission = record_complaint(
            session, ctx, process_key, item.data, actor=actor, files=checked if attachment_root else [],
            attachment_root=attachment_root,
            intake={"source_kind": item.source_kind, "source_key": item.source_key, "lapor_id": item.lapor_id,
                    "lapor_category": item.lapor_category})
    except AlurError as error:
        return RowResult(item.label, "error", describe_error(error), item.source_key)
    note = "; ".join(f"lampiran ditolak: {text}" for text in refused)
    return RowResult(item.label, "created", note, item.source_key, submission.tracking_code)


def existing_code(session: Session, instance_id: int) -> str | None:
    """Tracking code of an instance."""
    from .models import ProcessInstance

    instance = session.get(ProcessInstance, instance_id)
    return instance.tracking_code if instance else None


def import_items(session: Session, ctx: EngineContext, items: Iterable[ParsedItem], *, process_key: str,
                 actor: Actor, attachment_root: str | Path | None = None, max_attachment_bytes: int | None = None,
                 progress: Callable[[int, int, RowResult], None] | None = None) -> ImportReport:
    """Create a complaint per new item (one transaction each); report every item's outcome."""
    items = list(items)
    report = ImportReport()
    for done, item in enumerate(items, start=1):
        result = _import_one(session, ctx, item, process_key, actor, attachment_root, max_attachment_bytes)
        report.rows.append(result)
        if progress is not None:
            progress(done, len(items), result)
    return report
