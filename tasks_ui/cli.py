"""The ``alur`` command line: init, serve, user add, timers, replay, audit verify.

Each command builds the Flask app only for its configuration and database session, then calls engine
operations; nothing here holds business logic.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import sys
from datetime import date
from pathlib import Path

from engine import deploy, users
from engine.actors import SYSTEM_INIT
from engine.errors import AlurError, InvalidProcess

DEMO_USERS = [
    ("petugas", ["petugas"], "Petugas Piket (demo)"),
    ("kasi", ["kasi"], "Kasi Layanan (demo)"),
    ("kabid", ["kabid"], "Kabid Layanan (demo)"),
    ("kepala_dinas", ["kepala_dinas"], "Kepala Dinas (demo)"),
    ("asesor", ["asesor"], "Asesor Kompetensi Pustakawan (demo)"),
    ("process_owner", ["process_owner"], "Pemilik Proses (demo)"),
    ("auditor", ["auditor"], "Auditor (demo)"),
    ("admin", ["admin"], "Administrator (demo)"),
]


def _app():
    from . import create_app

    return create_app()


def _session_and_context(app):
    from .extensions import db
    from .wiring import engine_context

    return db.session, engine_context()


def deploy_directory(session, ctx, directory: Path, out=print) -> int:
    """Deploy every ``*.bpmn`` in ``directory`` with the forms of ``directory/forms``; return failures."""
    forms = {p.name: p.read_text(encoding="utf-8") for p in sorted((directory / "forms").glob("*.json"))}
    catalog_path = directory / "catalog.json"
    catalog = json.loads(catalog_path.read_text(encoding="utf-8")) if catalog_path.exists() else {}
    failures = 0
    for path in sorted(directory.glob("*.bpmn")):
        entry = catalog.get(path.name, {})
        effective = entry.get("effective_date")
        try:
            version, created = deploy.deploy_process(
                session, ctx, path.read_bytes(), forms, actor=SYSTEM_INIT, filename=path.name,
                sop_number=entry.get("sop_number"), effective_date=date.fromisoformat(effective) if effective else None)
        except InvalidProcess as error:
            failures += 1
            out(f"  GAGAL {path.name}:")
            for element, text in error.fields("id").items():
                out(f"    {element}: {text}")
            continue
        state = "dipasang" if created else "sudah ada"
        out(f"  {version.process_key} v{version.version} ({state}) sha256={version.sha256[:12]}")
    return failures


def cmd_init(args) -> int:
    """Create or upgrade the database (refusing an unknown schema state), load roles, deploy processes,
    optionally add demo users."""
    from .schema_cli import migrate

    app = _app()
    with app.app_context():
        from .extensions import db

        if not migrate(db.engine, adopt=args.adopt):
            return 2
        session, ctx = _session_and_context(app)
        directory = Path(app.config["ALUR_PROCESSES_DIR"])
        users.load_roles(session, ctx, directory / "roles.json")
        print(f"Basis data siap: {app.config['SQLALCHEMY_DATABASE_URI'].split('@')[-1]}")
        print("Memasang proses:")
        failures = deploy_directory(session, ctx, directory)
        if args.demo:
            _demo_users(session, ctx, Path(app.instance_path) / "demo_users.txt")
    return 1 if failures else 0


def _demo_users(session, ctx, record: Path) -> None:
    """Create the demo users once; their passwords are kept (0600) in the instance folder and shown each time."""
    known = {}
    if record.exists():
        known = dict(line.split(maxsplit=1) for line in record.read_text().splitlines() if line.strip())
    for username, roles, name in DEMO_USERS:
        if username in known:
            continue
        password = secrets.token_urlsafe(9)
        try:
            users.create_user(session, ctx, username, password, roles, actor=SYSTEM_INIT, display_name=name)
        except AlurError:
            known[username] = "(sudah ada sebelumnya; kata sandi tidak diketahui)"
            continue
        known[username] = password
    record.write_text("".join(f"{u} {p}\n" for u, p in known.items()))
    os.chmod(record, 0o600)
    print(f"Pengguna demo (kata sandi juga tersimpan di {record}):")
    for username, roles, _name in DEMO_USERS:
        print(f"  {username:14} {known.get(username, '?'):16} peran: {', '.join(roles)}")


def cmd_serve(args) -> int:
    """Run the web application: gunicorn with ``--workers N`` (N > 1), else the built-in threaded server.

    The built-in server (the single-machine setup, ``make run``) also fires due timers in a scheduler
    thread unless ``--no-timers`` or ``ALUR_TIMERS_IN_PROCESS=0``. Under gunicorn run ``alur timers``
    as its own service: a thread in gunicorn's arbiter would share database connections across forks.
    """
    if args.workers > 1:
        from .serving import serve_with_gunicorn

        print("Pewaktu tidak berjalan di dalam gunicorn: jalankan `alur timers` sebagai layanan terpisah.")
        serve_with_gunicorn(args.host, args.port, args.workers, args.threads)
        return 0
    from .timer_worker import start_scheduler

    app = _app()
    timers_on = args.timers and os.environ.get("ALUR_TIMERS_IN_PROCESS", "1") != "0"
    scheduler = start_scheduler(app, args.timer_interval, use_reloader=False) if timers_on else None
    if scheduler is not None:
        print(f"Pewaktu berjalan di dalam proses (setiap {scheduler.interval:g} detik; matikan dengan --no-timers).")
    try:
        app.run(host=args.host, port=args.port, threaded=True, use_reloader=False)
    finally:
        if scheduler is not None:
            scheduler.stop()
    return 0


def cmd_timers(args) -> int:
    """Fire due timers: one sweep (``--once``) or a sweep every ``--interval`` seconds until stopped."""
    import signal
    import threading

    from .timer_worker import sweep_once

    app = _app()
    stopping = threading.Event()
    if not args.once:
        signal.signal(signal.SIGTERM, lambda *_: stopping.set())
    while True:
        result = sweep_once(app)
        if args.once or result.fired or result.failed:
            print(f"Pewaktu: {result.fired} dijalankan pada {result.instances} instans, "
                  f"{result.skipped} dilewati, {result.failed} gagal.", flush=True)
        if args.once:
            return 1 if result.failed else 0
        try:
            if stopping.wait(args.interval):
                return 0
        except KeyboardInterrupt:
            return 0


def cmd_user_add(args) -> int:
    """Create a user; the password is read from standard input."""
    if not args.password_stdin:
        print("Gunakan --password-stdin (kata sandi dibaca dari masukan standar).", file=sys.stderr)
        return 2
    password = sys.stdin.readline().rstrip("\r\n")
    app = _app()
    with app.app_context():
        session, ctx = _session_and_context(app)
        try:
            user = users.create_user(session, ctx, args.name, password, args.role, actor=SYSTEM_INIT,
                                     display_name=args.display_name or "")
        except AlurError as error:
            print(f"Gagal: {error.message('id')}", file=sys.stderr)
            return 2
        print(f"Pengguna {user.username} dibuat dengan peran {', '.join(sorted(user.roles))}.")
    return 0


def cmd_user_roles(args) -> int:
    """Replace a user's roles (audited)."""
    return _user_change(lambda session, ctx: users.set_user_roles(session, ctx, args.name, args.role,
                                                                   actor=SYSTEM_INIT))


def cmd_user_active(args) -> int:
    """Deactivate or reactivate a user (audited)."""
    return _user_change(lambda session, ctx: users.set_user_active(session, ctx, args.name, args.active,
                                                                    actor=SYSTEM_INIT))


def _user_change(change) -> int:
    app = _app()
    with app.app_context():
        session, ctx = _session_and_context(app)
        try:
            user = change(session, ctx)
        except AlurError as error:
            print(f"Gagal: {error.message('id')}", file=sys.stderr)
            return 2
        state = "aktif" if user.active else "nonaktif"
        print(f"Pengguna {user.username} ({state}) dengan peran {', '.join(sorted(user.roles))}.")
    return 0


def cmd_audit_verify(args) -> int:
    """Check the whole audit chain and record the outcome in it (``CHAIN_VERIFIED`` by ``cli:<user>``), so the
    auditor's page shows when it was last checked and by whom; ``--no-record`` only checks."""
    import getpass

    from engine.actors import Actor
    from engine.audit import verify_chain
    from engine.chain_checks import check_now
    from engine.db import make_session_factory
    from engine.messages import render

    from .extensions import db

    app = _app()
    with app.app_context():
        session, ctx = _session_and_context(app)
        if args.no_record:
            check, recorded = verify_chain(session), "tidak dicatat"
            session.rollback()
        else:
            check = check_now(make_session_factory(db.engine), ctx,
                              actor=Actor(f"cli:{getpass.getuser()}", kind="system"))
            recorded = f"dicatat sebagai peristiwa #{check.event_seq}"
    if check.ok:
        print(f"Rantai audit utuh: {check.checked} peristiwa diperiksa ({recorded}).")
        return 0
    print(f"Rantai audit RUSAK pada peristiwa #{check.broken_seq}: {render(check.code, 'id', seq=check.broken_seq)} "
          f"({check.checked} peristiwa sebelumnya utuh; {recorded}).", file=sys.stderr)
    return 1


def cmd_replay(args) -> int:
    """Re-run one instance (or every instance started in a period) and report reproduced or the divergence."""
    from engine.replay import replay_instance, replay_period

    app = _app()
    with app.app_context():
        session, ctx = _session_and_context(app)
        try:
            if args.instance_id is not None:
                results = [replay_instance(session, ctx, args.instance_id)]
            elif args.date_from and args.date_to:
                results = replay_period(session, ctx, date.fromisoformat(args.date_from),
                                        date.fromisoformat(args.date_to))
            else:
                print("Sebutkan INSTANCE_ID atau --from TANGGAL --to TANGGAL.", file=sys.stderr)
                return 2
        except ValueError as error:
            print(f"Gagal: tanggal tidak valid ({error}); gunakan YYYY-MM-DD.", file=sys.stderr)
            return 2
        except AlurError as error:
            print(f"Gagal: {error.message('id')}", file=sys.stderr)
            return 2
        finally:
            session.rollback()
    failed = [r for r in results if not r.reproduced]
    for result in results:
        if result.reproduced:
            print(f"Instans {result.instance_id}: terulang sama ({result.events_checked} peristiwa diperiksa).")
        else:
            divergence = result.divergence or {}
            print(f"Instans {result.instance_id}: BERBEDA pada peristiwa #{divergence.get('seq')}: "
                  f"{divergence.get('reason')} — {json.dumps(divergence, ensure_ascii=False, default=str)}")
    if args.instance_id is None:
        print(f"{len(results) - len(failed)} dari {len(results)} instans terulang sama.")
    return 1 if failed else 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``alur``."""
    parser = argparse.ArgumentParser(prog="alur", description="Alur — pengelolaan pengaduan masyarakat (BPMN)")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("init", help="buat/perbarui basis data, pasang proses, muat peran")
    p.add_argument("--demo", action="store_true", help="tambahkan satu pengguna demo per peran")
    p.add_argument("--adopt", action="store_true",
                   help="catat versi skema pada basis data Alur lama tanpa versi (hanya bila skemanya sama persis)")
    p.set_defaults(func=cmd_init)

    p = sub.add_parser("serve", help="jalankan aplikasi web")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=5000)
    p.add_argument("--workers", type=int, default=1,
                   help="proses pekerja gunicorn (lebih dari 1: gunicorn; lihat docs/operations.md)")
    p.add_argument("--threads", type=int, default=4, help="utas per pekerja gunicorn")
    p.add_argument("--no-timers", dest="timers", action="store_false",
                   help="jangan jalankan pewaktu di dalam proses web (gunakan `alur timers` terpisah)")
    p.add_argument("--timer-interval", type=float, default=None, help="detik antar-sapuan pewaktu (bawaan 30)")
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("timers", help="jalankan pewaktu yang jatuh tempo (terus-menerus, atau sekali)")
    p.add_argument("--once", action="store_true", help="satu sapuan lalu selesai")
    p.add_argument("--interval", type=float, default=30.0, help="detik antar-sapuan (bawaan 30)")
    p.set_defaults(func=cmd_timers)

    user = sub.add_parser("user", help="kelola pengguna").add_subparsers(dest="user_command", required=True)
    p = user.add_parser("add", help="tambah pengguna")
    p.add_argument("name")
    p.add_argument("--role", action="append", required=True,
                   help="petugas, kasi, kabid, kepala_dinas, process_owner, auditor, admin (boleh berulang)")
    p.add_argument("--password-stdin", action="store_true")
    p.add_argument("--display-name")
    p.set_defaults(func=cmd_user_add)

    p = sub.add_parser("replay", help="putar ulang riwayat instans dan periksa hasilnya sama")
    p.add_argument("instance_id", nargs="?", type=int)
    p.add_argument("--from", dest="date_from", help="tanggal awal (YYYY-MM-DD), mode batch")
    p.add_argument("--to", dest="date_to", help="tanggal akhir (YYYY-MM-DD, termasuk)")
    p.set_defaults(func=cmd_replay)

    p = user.add_parser("roles", help="ganti peran pengguna")
    p.add_argument("name")
    p.add_argument("--role", action="append", required=True)
    p.set_defaults(func=cmd_user_roles)
    p = user.add_parser("deactivate", help="nonaktifkan pengguna")
    p.add_argument("name")
    p.set_defaults(func=cmd_user_active, active=False)
    p = user.add_parser("activate", help="aktifkan kembali pengguna")
    p.add_argument("name")
    p.set_defaults(func=cmd_user_active, active=True)

    audit = sub.add_parser("audit", help="jejak audit").add_subparsers(dest="audit_command", required=True)
    p = audit.add_parser("verify", help="periksa seluruh rantai hash audit (hasilnya dicatat dalam rantai)")
    p.add_argument("--no-record", action="store_true",
                   help="hanya periksa, jangan catat hasilnya (mis. pada salinan cadangan yang tidak boleh berubah)")
    p.set_defaults(func=cmd_audit_verify)
    from .channels_cli import add_commands as add_channel_commands

    add_channel_commands(sub)
    from .schema_cli import add_commands as add_schema_commands

    add_schema_commands(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the console script."""
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
