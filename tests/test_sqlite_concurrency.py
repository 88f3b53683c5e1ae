"""SQLite under concurrent writers (threads of ``alur serve``, several gunicorn workers on one file):
officials completing *different* complaints at the same moment all succeed — a write waits for the
lock instead of failing with "database is locked" (which would reach them as a 409 about a change that
never happened)."""

from __future__ import annotations

import threading

from engine import runtime
from engine.db import make_engine, make_session_factory
from engine.errors import ConcurrentUpdate
from tests.conftest import actor
from tests.engine_helpers import ready_task
from tests.scale_fixtures import varied_intake

CLIENTS = 8
ROUNDS = 3


def test_concurrent_completions_of_different_complaints_all_succeed(deployed, ctx, db_url):
    task_ids = []
    for n in range(CLIENTS * ROUNDS):
        sub = runtime.submit_complaint(deployed, ctx, "muba_pengaduan", varied_intake(n))
        task_ids.append(ready_task(deployed, sub.instance.id, "verifikasi_formulir").id)
    sa_engine = make_engine(db_url)
    factory = make_session_factory(sa_engine)
    outcomes: list[str] = []
    barrier = threading.Barrier(CLIENTS)

    def official(i: int) -> None:
        for r in range(ROUNDS):
            barrier.wait()
            with factory() as session:
                # an inbox read first, as a request does before it completes the step
                runtime.get_task_row(session, task_ids[r * CLIENTS + i])
                try:
                    runtime.complete_task(session, ctx, task_ids[r * CLIENTS + i],
                                          {"lengkap": True, "nomor_buku_pengaduan": f"BP-{i}-{r}"},
                                          actor=actor("petugas", f"petugas{i}"))
                    outcomes.append("ok")
                except ConcurrentUpdate:
                    outcomes.append("refused")

    threads = [threading.Thread(target=official, args=(i,)) for i in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    sa_engine.dispose()
    assert outcomes.count("ok") == CLIENTS * ROUNDS, outcomes
