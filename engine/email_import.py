"""Read complaint e-mails (``.eml`` files, a folder of them, or an mbox) into import items.

The Message-ID is the source key (a message without one is keyed by the sha256 of its bytes), the
``Date`` header is the time received, ``From`` is the reporter as given, ``Subject`` and the text body
are the complaint, JPEG/PNG/PDF attachments are kept. A message without sender, date or text is reported
as malformed with the reason.
"""

from __future__ import annotations

import email
import hashlib
import html
import mailbox
import re
from collections.abc import Iterator
from datetime import datetime
from email import policy
from email.message import EmailMessage
from email.utils import parsedate_to_datetime
from pathlib import Path

from .imports import ParsedItem

SUBJECT_FALLBACK = "Pengaduan melalui e-mail"


def read_messages(path: str | Path) -> Iterator[tuple[str, bytes]]:
    """(label, raw bytes) for each message in an ``.eml`` file, a folder of ``.eml`` files, or an mbox."""
    path = Path(path)
    if path.is_dir():
        for child in sorted(path.glob("*.eml")):
            yield child.name, child.read_bytes()
        return
    raw = path.read_bytes()
    if raw.startswith(b"From ") and path.suffix.lower() != ".eml":
        box = mailbox.mbox(str(path), create=False)
        try:
            for number, key in enumerate(box.iterkeys(), start=1):
                yield f"pesan {number} ({path.name})", box.get_bytes(key)
        finally:
            box.close()
        return
    yield path.name, raw


def _text_of(message: EmailMessage) -> str:
    body = message.get_body(preferencelist=("plain", "html"))
    if body is None:
        return ""
    try:
        text = body.get_content()
    except (LookupError, UnicodeError, AssertionError):
        payload = body.get_payload(decode=True) or b""
        text = payload.decode("utf-8", errors="replace")
    if body.get_content_subtype() == "html":
        text = html.unescape(re.sub(r"<[^>]+>", " ", re.sub(r"(?is)<(script|style).*?</\1>", " ", text)))
    return re.sub(r"[ \t]+", " ", re.sub(r"\n\s*\n\s*\n+", "\n\n", text)).strip()


def _date_of(message: EmailMessage) -> datetime | None:
    value = message.get("Date")
    if not value:
        return None
    try:
        parsed = parsedate_to_datetime(str(value))
    except (TypeError, ValueError, IndexError):
        return None
    return parsed if parsed is not None and parsed.tzinfo is not None else None


def parse_message(label: str, raw: bytes) -> ParsedItem:
    """One e-mail → an import item (or an item with ``error`` set)."""
    key = None
    try:
        message = email.message_from_bytes(raw, policy=policy.default)
        key = str(message.get("Message-ID") or "").strip() or f"sha256:{hashlib.sha256(raw).hexdigest()}"
        senders = message["From"].addresses if message["From"] is not None else ()
    except (ValueError, TypeError, IndexError, AttributeError, LookupError) as error:
        return ParsedItem(label, "email", key, error=f"e-mail tidak dapat dibaca: {error}")
    item = ParsedItem(label, "email", key[:300])
    if not senders or not senders[0].addr_spec or "@" not in senders[0].addr_spec:
        item.error = "pengirim (From) tidak ada atau tidak valid"
        return item
    received = _date_of(message)
    if received is None:
        item.error = "tanggal (Date) tidak ada atau tidak valid"
        return item
    text = _text_of(message)
    if len(text) < 10:
        item.error = "isi e-mail kosong atau terlalu pendek"
        return item
    subject = " ".join(str(message.get("Subject") or "").split())
    if len(subject) < 5:
        subject = f"{SUBJECT_FALLBACK}: {subject}".rstrip(": ")
    sender = senders[0]
    item.data = {
        "channel": "email", "received_at": received.isoformat(), "anonymity": "none",
        "reporter": {"name": sender.display_name or sender.username, "email": sender.addr_spec},
        "subject": subject[:200], "description": text,
    }
    for part in message.iter_attachments():
        try:
            content = part.get_payload(decode=True) or b""
        except (ValueError, TypeError):
            continue
        item.files.append((part.get_filename() or "lampiran", content))
    return item


def parse_path(path: str | Path) -> list[ParsedItem]:
    """Every message under ``path`` as import items."""
    return [parse_message(label, raw) for label, raw in read_messages(path)]
