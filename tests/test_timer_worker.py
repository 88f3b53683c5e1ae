"""The in-process scheduler of ``alur serve`` and the ``alur timers`` command."""

from __future__ import annotations

from sqlalchemy import select

from engine import runtime
from engine.models import HumanTask
from tasks_ui.timer_worker import TimerScheduler, serving_process, start_scheduler
from tests.engine_helpers import MUBA_INTAKE
from tests.test_cli import run  # noqa: F401 - the CLI fixture


def test_scheduler_thread_fires_due_timers_and_stops_cleanly(app, clock):
    from tasks_ui.extensions import db
    from tasks_ui.wiring import engine_context

    with app.app_context():
        sub = runtime.submit_complaint(db.session, engine_context(), "sanggau_pengaduan",
                                       {**MUBA_INTAKE, "received_at": clock.now().isoformat()})
        instance_id = sub.instance.id
        db.session.remove()
    clock.advance(days=30)  # far past the 7 working days of Sanggau's first response
    scheduler = TimerScheduler(app, interval=3600).start()
    assert scheduler.swept.wait(timeout=30), "the first sweep runs at once"
    scheduler.stop()
    assert not scheduler.thread.is_alive() and scheduler.sweeps == 1
    assert scheduler.last.fired >= 1 and scheduler.last.failed == 0
    with app.app_context():
        escalations = db.session.scalars(select(HumanTask).where(
            HumanTask.instance_id == instance_id, HumanTask.is_escalation.is_(True))).all()
        assert [e.role for e in escalations] == ["kepala_dinas"]


def test_scheduler_is_not_started_in_the_reloader_watcher(app, monkeypatch):
    monkeypatch.delenv("WERKZEUG_RUN_MAIN", raising=False)
    assert serving_process(use_reloader=True) is False
    assert start_scheduler(app, 5, use_reloader=True) is None
    monkeypatch.setenv("WERKZEUG_RUN_MAIN", "true")
    assert serving_process(use_reloader=True) is True
    assert serving_process(use_reloader=False) is True


def test_timers_once_command(run):  # noqa: F811
    assert run("init").returncode == 0
    once = run("timers", "--once")
    assert once.returncode == 0, once.stderr
    assert "0 dijalankan pada 0 instans" in once.stdout
    assert "--no-timers" in run("serve", "--help").stdout
    assert "--interval" in run("timers", "--help").stdout
