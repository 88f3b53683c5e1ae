"""Write ``<revision>.json``: a small Alur database's rows at the current head revision.

The migration tests load such a file into a database upgraded only to that revision and then run
``alur init``: the rows stand for a real office's data made by an older Alur. Made once per revision
that changes tables (``.venv/bin/python tests/data/schema/make_fixture.py``); never regenerate an old one.
"""

from __future__ import annotations

import base64
import json
import sys
import tempfile
from datetime import date, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT))

from sqlalchemy import MetaData, select  # noqa: E402

from engine import deploy, runtime, users  # noqa: E402
from engine.actors import SYSTEM_INIT  # noqa: E402
from engine.calendar import OfficeCalendar  # noqa: E402
from engine.clock import FixedClock  # noqa: E402
from engine.context import EngineContext  # noqa: E402
from engine.db import create_schema, make_engine, make_session_factory  # noqa: E402
from engine.schema import head_revision  # noqa: E402
from engine.timers import sweep_due_timers  # noqa: E402
from tests.conftest import START, actor, shipped_forms  # noqa: E402
from tests.engine_helpers import MUBA_INTAKE, step  # noqa: E402
from tests.timer_fixtures import TIMER_PROCESS, TINY_FORMS, start_timer_instances  # noqa: E402

HERE = Path(__file__).resolve().parent


def encode(value):
    """A column value as JSON (dates and datetimes tagged so the loader can restore them exactly)."""
    if isinstance(value, datetime):
        return {"$datetime": value.isoformat()}
    if isinstance(value, date):
        return {"$date": value.isoformat()}
    if isinstance(value, bytes):
        return {"$bytes": base64.b64encode(value).decode()}
    return value


def build(url: str) -> None:
    """Roles, the muba process and a tiny timer process, two officials, five complaints at different steps,
    three timer instances: two timers fired, one still waiting."""
    clock = FixedClock(START)
    ctx = EngineContext(clock=clock, calendar=OfficeCalendar())
    sa_engine = make_engine(url)
    create_schema(sa_engine)
    factory = make_session_factory(sa_engine)
    with factory() as session:
        users.load_roles(session, ctx, ROOT / "processes" / "roles.json")
        deploy.deploy_process(session, ctx, (ROOT / "processes" / "muba_pengaduan.bpmn").read_bytes(),
                              shipped_forms(), actor=SYSTEM_INIT, filename="muba_pengaduan.bpmn")
        users.create_user(session, ctx, "rina", "sandi-rina-123", ["petugas"], actor=SYSTEM_INIT)
        users.create_user(session, ctx, "budi", "sandi-budi-123", ["kasi"], actor=SYSTEM_INIT)
        ids = []
        for n in range(5):
            clock.advance(minutes=7)
            sub = runtime.submit_complaint(session, ctx, "muba_pengaduan", {**MUBA_INTAKE, "subject": f"Aduan {n}"})
            ids.append(sub.instance.id)
        for instance_id in ids[:3]:
            clock.advance(minutes=3)
            step(session, ctx, instance_id, "verifikasi_formulir", actor("petugas", "rina"),
                 {"lengkap": True, "nomor_buku_pengaduan": f"BP-{instance_id:03d}/2026"})
        clock.advance(minutes=5)
        step(session, ctx, ids[0], "periksa_laporan", actor("kasi", "budi"),
             {"hasil_pemeriksaan": "benar", "catatan_solusi": "Buku dipindah ke rak khusus."})
        deploy.deploy_process(session, ctx, TIMER_PROCESS, TINY_FORMS, actor=SYSTEM_INIT)
        start_timer_instances(session, ctx, 2)
    clock.advance(hours=2)
    sweep_due_timers(factory, ctx)  # two TIMER_FIRED
    with factory() as session:
        start_timer_instances(session, ctx, 1)  # due an hour after the fixture's clock: still waiting
    sa_engine.dispose()


def dump(url: str) -> dict:
    """Every table's rows, in primary-key order."""
    sa_engine = make_engine(url)
    metadata = MetaData()
    metadata.reflect(sa_engine)
    tables = {}
    with sa_engine.connect() as connection:
        for table in metadata.sorted_tables:
            if table.name == "alembic_version":
                continue
            rows = connection.execute(select(table).order_by(*table.primary_key.columns)).mappings()
            tables[table.name] = [{k: encode(v) for k, v in r.items()} for r in rows]
    sa_engine.dispose()
    return tables


def main() -> None:
    revision = head_revision()
    with tempfile.TemporaryDirectory() as scratch:
        url = f"sqlite:///{scratch}/fixture.sqlite"
        build(url)
        data = {"revision": revision, "tables": dump(url)}
    out = HERE / f"{revision}.json"
    out.write_text(json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    print(f"{out}: " + ", ".join(f"{t} {len(r)}" for t, r in data["tables"].items() if r))


if __name__ == "__main__":
    main()
