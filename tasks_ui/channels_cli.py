"""``alur import email PATH``, ``alur import lapor PATH`` (progress per item, idempotent) and
``alur outbox send`` (drain the reporter outbox through SMTP)."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

from engine import email_import, lapor
from engine.actors import Actor
from engine.errors import AlurError
from engine.imports import RowResult, import_items
from engine.notifications import SmtpConfig, send_pending

SYSTEM_IMPORT = Actor("system:import", frozenset(), "system")
SYSTEM_OUTBOX = Actor("system:outbox", frozenset(), "system")
_MARK = {"created": "+", "skipped": "=", "error": "!"}


def _app_session_context():
    from . import create_app
    from .extensions import db
    from .wiring import engine_context

    app = create_app()
    return app, db, engine_context


def _actor(session, username: str | None) -> Actor:
    """The petugas named by ``--user`` (the audit shows them), else ``system:import``."""
    if not username:
        return SYSTEM_IMPORT
    from sqlalchemy import select

    from engine.models import User
    from engine.users import actor_for

    user = session.scalars(select(User).where(User.username == username)).first()
    if user is None or "petugas" not in user.roles:
        raise SystemExit(f"Pengguna '{username}' tidak ada atau bukan petugas.")
    return actor_for(user)


def _process(session, wanted: str | None) -> str:
    from engine.channels import complaint_processes

    known = [v.process_key for v in complaint_processes(session)]
    chosen = wanted or os.environ.get("ALUR_COMPLAINT_PROCESS") or (known[0] if len(known) == 1 else None)
    if chosen not in known:
        raise SystemExit(f"Pilih proses dengan --process: {', '.join(known) or '(belum ada; jalankan alur init)'}")
    return chosen


def cmd_import(args) -> int:
    """Import every item of PATH; one line per item, then the totals. Exit 1 if any item was refused."""
    app, db, engine_context = _app_session_context()
    with app.app_context():
        from . import intake

        ctx = engine_context()
        try:
            if args.kind == "email":
                items = email_import.parse_path(args.path)
            else:
                items = lapor.parse_export(args.path.name, args.path.read_bytes(), ctx.calendar.tz)
        except (OSError, AlurError) as error:
            print(f"Gagal membaca {args.path}: {error}", file=sys.stderr)
            return 2
        process, actor = _process(db.session, args.process), _actor(db.session, args.user)
        started = time.perf_counter()
        width = len(str(len(items)))

        def progress(done: int, total: int, row: RowResult) -> None:
            detail = row.tracking_code or ""
            if row.reason:
                detail = f"{detail} {row.reason}".strip()
            print(f"[{done:>{width}}/{total}] {_MARK[row.status]} {row.label}: {row.status} {detail}", flush=True)

        report = import_items(db.session, ctx, items, process_key=process, actor=actor,
                              attachment_root=intake.attachment_root(), progress=progress)
        counts = report.counts
        print(f"Selesai dalam {time.perf_counter() - started:.1f} s: {counts['created']} dibuat, "
              f"{counts['skipped']} sudah ada, {counts['error']} ditolak.")
    return 1 if counts["error"] else 0


def cmd_outbox_send(args) -> int:
    """Send pending messages through SMTP (``ALUR_SMTP_*``); report what stays waiting."""
    config = SmtpConfig.from_env(os.environ)
    app, db, engine_context = _app_session_context()
    with app.app_context():
        while True:
            counts = send_pending(db.session, engine_context(), config, actor=SYSTEM_OUTBOX)
            if config is None:
                print(f"SMTP belum diatur (ALUR_SMTP_HOST); {counts['skipped']} pesan menunggu di kotak keluar.")
                return 1
            print(f"Terkirim {counts['sent']}, gagal {counts['failed']}.", flush=True)
            if not args.loop:
                return 1 if counts["failed"] else 0
            time.sleep(args.interval)


def add_commands(sub) -> None:
    """Add ``import`` and ``outbox`` to the ``alur`` parser."""
    imports = sub.add_parser("import", help="impor pengaduan dari e-mail atau ekspor SP4N-LAPOR!")
    kinds = imports.add_subparsers(dest="kind", required=True)
    for kind, text in (("email", "berkas .eml, folder berisi .eml, atau mbox"),
                       ("lapor", "ekspor SP4N-LAPOR! CSV atau JSON (kolom: docs/channels.md)")):
        p = kinds.add_parser(kind, help=text)
        p.add_argument("path", type=Path)
        p.add_argument("--process", help="proses pengaduan tujuan (bawaan: ALUR_COMPLAINT_PROCESS)")
        p.add_argument("--user", help="petugas yang tercatat mengimpor (bawaan: system:import)")
        p.set_defaults(func=cmd_import)
    outbox = sub.add_parser("outbox", help="kotak keluar pelapor").add_subparsers(dest="outbox_command",
                                                                                  required=True)
    p = outbox.add_parser("send", help="kirim pesan yang menunggu lewat SMTP (ALUR_SMTP_HOST …)")
    p.add_argument("--loop", action="store_true", help="terus-menerus")
    p.add_argument("--interval", type=float, default=60.0, help="detik antar-pengiriman (bawaan 60)")
    p.set_defaults(func=cmd_outbox_send)

