"""Runs the engine's timer sweep with the app's configuration: ``alur timers`` and the in-process
scheduler thread that ``alur serve`` starts for the single-machine setup (``make run``)."""

from __future__ import annotations

import logging
import os
import threading

from flask import Flask

from engine.db import make_session_factory
from engine.timers import SweepResult, sweep_due_timers

from .extensions import db
from .wiring import engine_context

log = logging.getLogger(__name__)

#: Seconds between two sweeps unless configured (``ALUR_TIMER_INTERVAL``, ``--interval``).
DEFAULT_INTERVAL = 30.0


def sweep_once(app: Flask) -> SweepResult:
    """One sweep with the app's database, clock and office calendar (overrides read afresh)."""
    with app.app_context():
        try:
            factory = app.extensions.get("alur_timer_sessions")
            if factory is None:
                factory = app.extensions["alur_timer_sessions"] = make_session_factory(db.engine)
            return sweep_due_timers(factory, engine_context())
        finally:
            db.session.remove()


def serving_process(use_reloader: bool) -> bool:
    """False in the werkzeug reloader's watcher process, which must not fire timers as well."""
    return not use_reloader or os.environ.get("WERKZEUG_RUN_MAIN") == "true"


class TimerScheduler:
    """A daemon thread that sweeps every ``interval`` seconds until :meth:`stop`."""

    def __init__(self, app: Flask, interval: float = DEFAULT_INTERVAL):
        self.app, self.interval = app, interval
        self.stopping = threading.Event()
        self.swept = threading.Event()  # set after each sweep (tests wait on it instead of sleeping)
        self.sweeps = 0
        self.last: SweepResult | None = None
        self.thread = threading.Thread(target=self._loop, name="alur-timers", daemon=True)

    def start(self) -> TimerScheduler:
        """Start the thread (the first sweep runs at once)."""
        self.thread.start()
        return self

    def stop(self, timeout: float = 30.0) -> None:
        """Ask the thread to finish its current instance and wait for it."""
        self.stopping.set()
        if self.thread.is_alive():
            self.thread.join(timeout)

    def _loop(self) -> None:
        while not self.stopping.is_set():
            try:
                self.last = sweep_once(self.app)
                if self.last.fired or self.last.failed:
                    log.info("timers: %s", self.last.as_dict())
            except Exception:  # noqa: BLE001 - a database hiccup must not kill the scheduler
                log.exception("timer sweep failed")
            self.sweeps += 1
            self.swept.set()
            self.stopping.wait(self.interval)


def start_scheduler(app: Flask, interval: float | None = None, *, use_reloader: bool = False) -> TimerScheduler | None:
    """Start the in-process scheduler unless this is the reloader's watcher process."""
    if not serving_process(use_reloader):
        return None
    every = interval if interval is not None else float(app.config.get("ALUR_TIMER_INTERVAL", DEFAULT_INTERVAL))
    return TimerScheduler(app, every).start()
