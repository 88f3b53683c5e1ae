"""Runs a requested chain check in a daemon thread of the web process that was asked for it.

The check's row carries its progress and heartbeat, so every web worker's page shows how far it is; if this
process dies, the heartbeat goes stale and the next request abandons the check and queues a new one
(``engine.chain_checks``).
"""

from __future__ import annotations

import logging
import threading

from flask import Flask

from engine.chain_checks import run_check
from engine.db import make_session_factory

from ..extensions import db
from ..wiring import engine_context

log = logging.getLogger(__name__)


def start_check(app: Flask, check_id: int) -> threading.Thread:
    """Run the queued chain check ``check_id`` in a daemon thread with the app's database, clock and calendar."""

    def work() -> None:
        with app.app_context():
            try:
                factory = app.extensions.get("alur_chain_sessions")
                if factory is None:
                    factory = app.extensions["alur_chain_sessions"] = make_session_factory(db.engine)
                run_check(factory, engine_context(), check_id)
            except Exception:  # recorded on the row as failed; the thread only logs it
                log.exception("chain check %s failed", check_id)
            finally:
                db.session.remove()

    thread = threading.Thread(target=work, name=f"alur-chain-check-{check_id}", daemon=True)
    app.extensions["alur_chain_check_thread"] = thread  # tests wait on it
    thread.start()
    return thread
