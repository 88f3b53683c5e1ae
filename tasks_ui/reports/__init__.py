"""Reports (rekapitulasi): the recap JSON API and file downloads (``api.py``, ``exports.py``) and the
recap pages, printable page and dashboard (``pages.py``). Roles: kasi, kabid, kepala_dinas, auditor."""

from __future__ import annotations

import importlib

#: Roles that may read recaps and dashboards.
REPORT_ROLES = ("kasi", "kabid", "kepala_dinas", "auditor")


def register(app) -> None:
    """Attach every report blueprint that exists (``api.bp``, ``pages.bp``) to ``app``."""
    for name in ("api", "pages"):
        try:
            module = importlib.import_module(f"{__name__}.{name}")
        except ModuleNotFoundError as error:
            if error.name != f"{__name__}.{name}":
                raise
            continue
        app.register_blueprint(module.bp)
