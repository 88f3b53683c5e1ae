"""Production serving: the app under gunicorn with several worker processes.

Each worker builds its own app (no preload), so no database connection crosses a fork. The app is
stateless: sessions are signed cookies (the secret key comes from ``ALUR_SECRET_KEY`` or the shared
instance folder), every request reads the database. The equivalent command line is::

    gunicorn --workers 4 --worker-class gthread --threads 4 --bind 127.0.0.1:5000 'tasks_ui:create_app()'
"""

from __future__ import annotations

from gunicorn.app.base import BaseApplication

#: Threads per worker: a request mostly waits on the database, a few threads keep a core busy.
DEFAULT_THREADS = 4


class AlurGunicorn(BaseApplication):
    """gunicorn configured from arguments instead of its own command line."""

    def __init__(self, options: dict):
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        """Apply our options to gunicorn's settings."""
        for key, value in self.options.items():
            if value is not None and key in self.cfg.settings:
                self.cfg.set(key, value)

    def load(self):
        """Build the app inside the worker (after the fork)."""
        from . import create_app

        return create_app()


def gunicorn_options(host: str, port: int, workers: int, threads: int = DEFAULT_THREADS,
                     timeout: int = 60) -> dict:
    """gunicorn settings for ``alur serve --workers N``."""
    return {
        "bind": f"{host}:{port}",
        "workers": workers,
        "worker_class": "gthread" if threads > 1 else "sync",
        "threads": threads,
        "timeout": timeout,
        "graceful_timeout": 30,
        "accesslog": None,
        "preload_app": False,
        # gunicorn's control socket is one fixed path per user (~/.gunicorn/gunicorn.ctl) shared by every
        # instance on the host, served by a thread in the arbiter; Alur does not use it
        "control_socket_disable": True,
    }


def serve_with_gunicorn(host: str, port: int, workers: int, threads: int = DEFAULT_THREADS) -> None:
    """Run the app under gunicorn until stopped (SIGTERM: graceful, finishes running requests)."""
    AlurGunicorn(gunicorn_options(host, port, workers, threads)).run()


def apply_proxy_fix(app) -> None:
    """Behind ``ALUR_PROXY_COUNT`` reverse proxies, take the client's address, scheme and host from the
    ``X-Forwarded-*`` headers they set (rate limits then count citizens, not the proxy). Off by default:
    without a proxy those headers come from the client and must not be believed."""
    import os

    count = int(os.environ.get("ALUR_PROXY_COUNT", "0") or 0)
    if count > 0:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=count)
