"""``alur db status`` (where the database's schema stands) and ``alur db revision -m TEXT`` (a developer's
tool: write a migration for what the models have beyond the newest revision). ``alur init`` upgrades."""

from __future__ import annotations

import sys

from engine.errors import SchemaStateUnknown
from engine.schema import adopt_database, head_revision, inspect_state, prepare_database, refusal, write_revision

_STATES = {
    "empty": "kosong (alur init akan membuat skema)",
    "current": "mutakhir",
    "behind": "perlu diperbarui (jalankan alur init)",
    "unversioned": "berisi tabel Alur tanpa versi skema — alur init menolak",
    "unknown_revision": "versi skema tidak dikenal kode ini — alur init menolak",
}


def migrate(sa_engine, adopt: bool = False, out=print) -> bool:
    """The schema step of ``alur init``: create, upgrade or adopt; False (with the reason) when refused."""
    try:
        result = adopt_database(sa_engine) if adopt else prepare_database(sa_engine)
    except SchemaStateUnknown as error:
        print(f"Gagal: {error.message('id')}", file=sys.stderr)
        print(f"(en) {error.message('en')}", file=sys.stderr)
        return False
    shown = {"created": "skema dibuat", "upgraded": f"skema diperbarui dari {', '.join(result.before)}",
             "current": "skema sudah mutakhir", "adopted": "skema lama diadopsi"}[result.action]
    out(f"Skema basis data: {shown} (revisi {result.after}).")
    return True


def cmd_db_status(_args) -> int:
    """Print the schema state; exit 0 when ``alur init`` may proceed, 1 when it would refuse."""
    from . import create_app
    from .extensions import db

    app = create_app()
    with app.app_context():
        with db.engine.connect() as connection:
            state = inspect_state(connection)
    print(f"Basis data: {app.config['SQLALCHEMY_DATABASE_URI'].split('@')[-1]}")
    print(f"Keadaan skema: {_STATES[state.kind]}; revisi tercatat: {', '.join(state.revisions) or '-'}; "
          f"revisi terbaru kode ini: {head_revision()}")
    if state.refused:
        print(refusal(state).message("id"))
        return 1
    return 0


def cmd_db_revision(args) -> int:
    """Write ``engine/migrations/versions/NNNN_<slug>.py`` from the models' difference to ``head``."""
    path = write_revision(args.message)
    print(f"Revisi ditulis: {path}\nPeriksa isinya (autogenerate tidak mengenali penggantian nama atau data), "
          "lalu commit bersama perubahan model.")
    return 0


def add_commands(sub) -> None:
    """Add ``db status`` and ``db revision`` to the ``alur`` parser."""
    dbp = sub.add_parser("db", help="versi skema basis data (migrasi)").add_subparsers(dest="db_command",
                                                                                       required=True)
    p = dbp.add_parser("status", help="keadaan skema basis data dibanding kode ini")
    p.set_defaults(func=cmd_db_status)
    p = dbp.add_parser("revision", help="(pengembang) tulis migrasi baru dari perubahan model")
    p.add_argument("-m", "--message", required=True, help="apa yang berubah, mis. 'add report table'")
    p.set_defaults(func=cmd_db_revision)
