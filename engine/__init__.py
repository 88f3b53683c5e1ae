"""Alur's domain core: BPMN loading and lint, execution, persistence, timers, calendar, history.

This package never imports Flask: entry points (the web app, the CLI, the timer worker) pass in a
SQLAlchemy session and an :class:`~engine.context.EngineContext` (clock + calendar).
"""
