"""The per-complaint facts the runtime keeps for the recap (engine.recap_facts): what the runtime wrote
while the seeded month was driven through the engine equals what the 0004 backfill derives from the rows,
and the recap reads the same numbers from either."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import select

from engine.recap import compute_recap
from engine.recap_facts import complaint_state, rebuild_complaint_facts, state_history
from engine.recap_models import ComplaintState, ComplaintSummary, StepTime
from tests import test_recap_engine
from tests.conftest import actor
from tests.recap_fixtures import WIB

#: The month seeded through the engine on SQLite and PostgreSQL (tests/recap_fixtures.py).
month = test_recap_engine.month


def _facts(connection) -> tuple[dict, set, set]:
    summaries = {row.instance_id: row._asdict() for row in connection.execute(select(ComplaintSummary.__table__))}
    merged = {key for key, row in summaries.items() if row["merged"]}
    states = {(r.instance_id, r.state, r.since, r.until, r.finished_at)
              for r in connection.execute(select(ComplaintState.__table__)) if r.instance_id not in merged}
    steps = {tuple(r) for r in connection.execute(select(StepTime.__table__))}
    for key in merged:  # a merged complaint's state is not counted (its cancelled steps are read differently)
        for column in ("state", "state_since", "finished_at"):
            summaries[key].pop(column)
    return summaries, states, steps


def test_the_backfill_derives_what_the_runtime_recorded(month):
    session, ctx, seeded = month
    engine = session.get_bind()
    report = compute_recap(session, ctx, period_start=date(2026, 4, 1), period_end=date(2026, 4, 30),
                           viewer=actor("kabid"))
    session.rollback()
    with engine.connect() as connection:
        recorded = _facts(connection)
        assert len(recorded[0]) == len(seeded.complaints)
        assert recorded[1], "some complaints changed state (the history is not empty)"
        rebuild_complaint_facts(connection, ctx.calendar)
        rebuilt = _facts(connection)
        assert rebuilt[0] == recorded[0]
        assert rebuilt[1] == recorded[1]
        assert rebuilt[2] == recorded[2]
        connection.rollback()
    again = compute_recap(session, ctx, period_start=date(2026, 4, 1), period_end=date(2026, 4, 30),
                          viewer=actor("kabid"))
    for key in ("totals", "by_channel", "by_category", "steps", "officials", "backlog", "complaints", "previous"):
        assert again[key] == report[key], key


def test_the_state_at_a_moment_follows_the_rows():
    class Row:
        def __init__(self, bpmn_id, role, ready, completed=None, state=None, escalation=False):
            self.bpmn_id, self.role, self.ready_at, self.completed_at = bpmn_id, role, ready, completed
            self.state = state or ("completed" if completed else "ready")
            self.is_escalation = escalation

    t = datetime(2026, 4, 1, 9, tzinfo=WIB)
    h = timedelta(hours=1)
    rows = [Row("isi_formulir", "pelapor", t, t), Row("verifikasi_formulir", "petugas", t, t + h),
            Row("lengkapi_pengaduan", "pelapor", t + h, t + 3 * h),
            Row("verifikasi_formulir", "petugas", t + 3 * h, t + 4 * h),
            Row("eskalasi_verifikasi_formulir", "kasi", t + 2 * h, None, escalation=True)]
    assert complaint_state(rows, None, t + h / 2) == ("open", None)
    assert complaint_state(rows, None, t + 2 * h) == ("reporter", None)
    # every main step done, only the escalation open: answered (at the last main step)
    assert complaint_state(rows, None) == ("finished", t + 4 * h)
    assert complaint_state(rows, t + 5 * h) == ("finished", t + 5 * h)
    assert state_history(rows, None) == [("open", t, None), ("reporter", t + h, None), ("open", t + 3 * h, None),
                                         ("finished", t + 4 * h, t + 4 * h)]



def test_the_dashboard_counts_this_month_as_the_recap_does(month):
    """Merged duplicates are received complaints on both (the recap lists them with the status merged)."""
    from engine.dashboard import dashboard

    session, ctx, seeded = month
    saved = ctx.clock.now()
    ctx.clock.set(datetime(2026, 4, 30, 16, tzinfo=WIB))
    try:
        board = dashboard(session, ctx)
        recap = compute_recap(session, ctx, period_start=date(2026, 4, 1), period_end=date(2026, 4, 30),
                              viewer=actor("kabid"), with_previous=False)
    finally:
        ctx.clock.set(saved)
    april = [c for c in seeded.complaints if datetime(2026, 4, 1, tzinfo=WIB) <= c.received_at
             < datetime(2026, 5, 1, tzinfo=WIB)]
    assert any(c.merged for c in april)
    assert board.received_month == recap["totals"]["received"] == len(april)
    assert board.complaints_month == {key: recap["totals"][key]
                                      for key in ("received", "on_time", "late", "pending", "sla_rate")}


def test_postgres_connections_keep_the_urls_options_and_turn_jit_off(pg_url):
    """JIT compiling cost 0.4 s of a 0.7 s whole-year list query; the URL's own options (here the test
    schema's search_path) still apply."""
    from urllib.parse import unquote

    from sqlalchemy import text

    from engine.db import make_engine

    sa_engine = make_engine(pg_url)
    try:
        with sa_engine.connect() as connection:
            assert connection.execute(text("SHOW jit")).scalar() == "off"
            schema = unquote(pg_url).rsplit("search_path=", 1)[1]
            assert connection.execute(text("SHOW search_path")).scalar() == schema
    finally:
        sa_engine.dispose()
