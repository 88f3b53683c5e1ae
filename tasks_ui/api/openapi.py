"""``GET /api/v1/openapi.json``: an OpenAPI 3.1 document of every ``/api/v1`` route the app serves.

Path items come from the ``OPENAPI_PATHS`` of each module whose view functions serve ``/api/v1`` routes
(so a feature documents its routes next to them), merged with this package's own (``spec.py``).
"""

from __future__ import annotations

import sys

from flask import Flask, current_app

from . import spec
from .blueprint import bp

API_PREFIX = "/api/v1"


def _merge(paths: dict, more: dict) -> None:
    for path, item in more.items():
        merged = paths.setdefault(path, {})
        for method, operation in item.items():
            merged.setdefault(method, operation)


def collect_paths(app: Flask) -> dict:
    """Path items of every module that serves ``/api/v1`` routes, plus this package's."""
    paths: dict = {}
    _merge(paths, spec.OPENAPI_PATHS)
    seen: set[str] = set()
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith(API_PREFIX):
            continue
        module_name = getattr(app.view_functions.get(rule.endpoint), "__module__", "")
        if module_name in seen:
            continue
        seen.add(module_name)
        _merge(paths, getattr(sys.modules.get(module_name), "OPENAPI_PATHS", {}))
    return dict(sorted(paths.items()))


def build_document(app: Flask) -> dict:
    """The OpenAPI 3.1 document."""
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Alur API", "version": "1",
            "description": "Public complaints, officials' tasks, instances, processes, audit and channels of "
                           "Alur. Errors are {\"error\": {\"code\", \"message\", \"fields\"}}; messages are "
                           "Indonesian by default, English with Accept-Language: en.",
        },
        "servers": [{"url": "/"}],
        "security": spec.BEARER,
        "paths": collect_paths(app),
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer",
                                           "description": "A token from POST /api/v1/tokens"}},
            "schemas": spec.SCHEMAS,
        },
    }


@bp.get("/openapi.json")
def openapi_document():
    """The OpenAPI document (built once per app)."""
    document = current_app.extensions.get("alur_openapi")
    if document is None:
        document = current_app.extensions["alur_openapi"] = build_document(current_app)
    return document
