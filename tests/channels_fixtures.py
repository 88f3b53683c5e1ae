"""Shared test material for the channels feature: e-mails, image bytes, a petugas actor, a recorded complaint."""

from __future__ import annotations

from email.message import EmailMessage
from pathlib import Path

import pytest

from engine.actors import Actor

CHANNEL_DATA = Path(__file__).resolve().parent / "data" / "channels"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64
PDF = b"%PDF-1.4\n" + b"%" * 64
PETUGAS = Actor("petugas1", frozenset({"petugas"}))
PETUGAS_2 = Actor("petugas2", frozenset({"petugas"}))

INTAKE = {
    "channel": "whatsapp",
    "received_at": "2026-03-12T14:30:00+07:00",
    "reporter": {"name": "Rina Wulandari", "address": "Jl. Merdeka 9, Sekayu", "phone": "0812-7777-8888"},
    "anonymity": "none",
    "subject": "Wifi ruang baca tidak bisa dipakai",
    "description": "Sejak Senin wifi di ruang baca umum tidak dapat tersambung sama sekali.",
    "category": "fasilitas",
}


def make_email(message_id: str | None = "<aduan-1@example.id>", *, sender: str | None = "Ahmad <ahmad@example.id>",
               date: str | None = "Thu, 12 Mar 2026 08:00:00 +0700", subject: str = "Pengaduan layanan sirkulasi",
               body: str = "Peminjaman buku ditolak karena sistem sirkulasi tidak berjalan sejak pagi.",
               attachments: list[tuple[str, bytes, str]] = ()) -> bytes:
    """An RFC 5322 message as bytes."""
    message = EmailMessage()
    if sender:
        message["From"] = sender
    message["To"] = "pengaduan@perpustakaan.example.id"
    if date:
        message["Date"] = date
    if message_id:
        message["Message-ID"] = message_id
    message["Subject"] = subject
    message.set_content(body)
    for name, content, subtype in attachments:
        maintype = "application" if subtype in ("pdf", "octet-stream", "zip") else "image"
        message.add_attachment(content, maintype=maintype, subtype=subtype, filename=name)
    return bytes(message)


def write_mbox(path: Path, messages: list[bytes]) -> Path:
    """An mbox file with ``messages``."""
    import mailbox

    box = mailbox.mbox(str(path))
    for raw in messages:
        box.add(raw)
    box.flush()
    box.close()
    return path


@pytest.fixture
def attachment_root(tmp_path):
    """Where attachments go in a test."""
    return tmp_path / "attachments"


class _SmtpHandler:
    """Just enough of RFC 5321 for smtplib: EHLO/HELO, MAIL, RCPT, DATA, RSET, NOOP, QUIT."""

    def __init__(self, received: list[dict], fail: bool):
        self.received, self.fail = received, fail

    def __call__(self, connection) -> None:
        reader = connection.makefile("rb")

        def send(line: str) -> None:
            connection.sendall(line.encode() + b"\r\n")

        send("220 test-smtp ready")
        envelope: dict = {"rcpt": []}
        while True:
            line = reader.readline().decode("utf-8", "replace").rstrip("\r\n")
            if not line:
                return
            verb = line.split(" ", 1)[0].upper()
            if verb in ("EHLO", "HELO"):
                send("250 test-smtp")
            elif verb == "MAIL":
                envelope = {"from": line[10:], "rcpt": []}
                send("250 OK")
            elif verb == "RCPT":
                if self.fail:
                    send("550 mailbox unavailable")
                    continue
                envelope["rcpt"].append(line[8:])
                send("250 OK")
            elif verb == "DATA":
                send("354 end with .")
                lines = []
                while (data := reader.readline()) not in (b".\r\n", b""):
                    lines.append(data[1:] if data.startswith(b"..") else data)
                envelope["data"] = b"".join(lines)
                self.received.append(envelope)
                send("250 queued")
            elif verb == "QUIT":
                send("221 bye")
                return
            else:
                send("250 OK")


@pytest.fixture
def smtp_server():
    """A local SMTP server on 127.0.0.1, port 0: yields (port, received messages, set_failing)."""
    import socket
    import threading

    received: list[dict] = []
    state = {"fail": False}
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(5)
    listener.settimeout(0.2)
    stop = threading.Event()

    def serve():
        while not stop.is_set():
            try:
                connection, _ = listener.accept()
            except OSError:
                continue
            with connection:
                connection.settimeout(5)
                _SmtpHandler(received, state["fail"])(connection)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield listener.getsockname()[1], received, lambda failing: state.update(fail=failing)
    stop.set()
    thread.join(2)
    listener.close()
