"""``/api/v1/openapi.json`` documents every ``/api/v1`` route the app serves, and is a valid OpenAPI 3.1 document."""

from __future__ import annotations

import re

import pytest

IGNORED_METHODS = {"HEAD", "OPTIONS"}


def openapi_path(rule: str) -> str:
    """``/api/v1/tasks/<int:task_id>`` → ``/api/v1/tasks/{task_id}``."""
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule)


def served_api_routes(app) -> set[tuple[str, str]]:
    """(OpenAPI path, method) of every /api/v1 route in the app."""
    return {(openapi_path(rule.rule), method.lower())
            for rule in app.url_map.iter_rules() if rule.rule.startswith("/api/v1")
            for method in rule.methods - IGNORED_METHODS}


def test_every_api_route_is_documented(app, client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    document = response.get_json()
    assert document["openapi"] == "3.1.0"
    documented = {(path, method) for path, item in document["paths"].items() for method in item}
    served = served_api_routes(app)
    assert len(served) >= 20
    missing = served - documented
    assert not missing, f"routes missing from the OpenAPI document: {sorted(missing)}"
    assert not documented - served, "the document describes routes the app does not serve"


def test_the_walk_notices_an_undocumented_route(app):
    from tasks_ui.api.openapi import build_document

    app.add_url_rule("/api/v1/undocumented/<int:thing_id>", "undocumented", lambda thing_id: "")
    documented = {(p, m) for p, item in build_document(app)["paths"].items() for m in item}
    assert ("/api/v1/undocumented/{thing_id}", "get") in served_api_routes(app) - documented


def test_document_is_valid_openapi_3_1(client):
    validator = pytest.importorskip("openapi_spec_validator")
    document = client.get("/api/v1/openapi.json").get_json()
    validator.validate(document)  # raises on an invalid document
    for path, item in document["paths"].items():
        for method, operation in item.items():
            assert operation.get("responses"), (path, method)
            assert operation.get("summary"), (path, method)
