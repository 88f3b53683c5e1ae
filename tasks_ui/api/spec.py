"""OpenAPI 3.1 path items of the API package (tokens, complaints, tasks, instances, process starts).

Each feature module that serves ``/api/v1`` routes keeps its own ``OPENAPI_PATHS``; ``openapi.py`` collects
them from the modules of the app's view functions.
"""

from __future__ import annotations

ERROR = {"$ref": "#/components/schemas/Error"}
TASK = {"$ref": "#/components/schemas/Task"}
BEARER = [{"bearer": []}]
ANYONE = [{}, {"bearer": []}]


def _json(schema: dict, description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _error(description: str) -> dict:
    return _json(ERROR, description)


def _path(name: str, kind: str = "string") -> dict:
    return {"name": name, "in": "path", "required": True, "schema": {"type": kind}}


_DATA_BODY = {"required": False, "content": {"application/json": {"schema": {
    "type": "object", "properties": {"data": {"type": "object", "description": "The step's form data"}}}}}}
_REPORTER_KEY = {"name": "X-Reporter-Key", "in": "header", "required": False, "schema": {"type": "string"},
                 "description": "The complaint's reporter key (from the receipt)"}
_COMMON = {"401": _error("Not logged in (no or wrong bearer token)"),
           "403": _error("Not the caller's role (no data is shown)"),
           "404": _error("No such step")}
_STEP = {"type": "object", "properties": {
    "name": {"type": "string"}, "state": {"type": "string"}, "ready_at": {"type": "string", "format": "date-time"},
    "completed_at": {"type": ["string", "null"], "format": "date-time"}}}
_WAITING = {"type": ["object", "null"], "description": "The step waiting for the reporter (with the key only)",
            "properties": {"name": {"type": "string"}, "bpmn_id": {"type": "string"},
                           "documentation": {"type": "string"}, "form": {"type": ["string", "null"]},
                           "form_schema": {"type": ["object", "null"]}, "notes": {"type": "object"}}}

SCHEMAS = {
    "Error": {"type": "object", "required": ["error"], "properties": {"error": {
        "type": "object", "required": ["code", "message"], "properties": {
            "code": {"type": "string"},
            "message": {"type": "string", "description": "Indonesian by default; English with Accept-Language: en"},
            "fields": {"type": "object", "additionalProperties": {"type": "string"},
                       "description": "Field path or BPMN element id → problem"}}}}},
    "Task": {"type": "object", "required": [
        "id", "instance_id", "process", "bpmn_id", "name", "role", "ready_at", "standard_seconds",
        "elapsed_seconds", "due_at", "sla_due_at", "timer_state", "claimed_by", "form"], "properties": {
        "id": {"type": "integer"}, "instance_id": {"type": "integer"}, "process": {"type": "string"},
        "bpmn_id": {"type": "string"}, "name": {"type": "string"}, "role": {"type": "string"},
        "ready_at": {"type": "string", "format": "date-time"},
        "standard_seconds": {"type": ["number", "null"], "description": "The SOP's standard time (office seconds)"},
        "elapsed_seconds": {"type": "number", "description": "Office working seconds since the step became ready"},
        "due_at": {"type": ["string", "null"], "format": "date-time"},
        "sla_due_at": {"type": ["string", "null"], "format": "date-time"},
        "timer_state": {"type": "string", "enum": ["on_time", "warning", "overdue"]},
        "claimed_by": {"type": ["string", "null"]}, "form": {"type": ["string", "null"]},
        "tracking_code": {"type": ["string", "null"]}, "subject": {"type": ["string", "null"]},
        "channel": {"type": ["string", "null"]}, "is_escalation": {"type": "boolean"},
        "state": {"type": "string", "enum": ["ready", "completed", "cancelled"]}}},
    "PublicComplaint": {"type": "object", "properties": {
        "tracking_code": {"type": "string"}, "office": {"type": "string"}, "channel": {"type": ["string", "null"]},
        "status": {"type": "string"}, "stage": {"type": "string"},
        "received_at": {"type": ["string", "null"], "format": "date-time"},
        "started_at": {"type": ["string", "null"], "format": "date-time"},
        "updated_at": {"type": ["string", "null"], "format": "date-time"},
        "completed_at": {"type": ["string", "null"], "format": "date-time"},
        "subject": {"type": ["string", "null"], "description": "••• for a rahasia complaint"},
        "answer": {"type": ["string", "null"]}, "steps": {"type": "array", "items": _STEP},
        "waiting": _WAITING}},
}

_COMPLAINT_BODY = {"type": "object", "required": ["process", "reporter", "subject", "description"], "properties": {
    "process": {"type": "string", "examples": ["muba_pengaduan", "sanggau_pengaduan"]},
    "channel": {"type": "string", "default": "website"},
    "reporter": {"type": "object", "properties": {k: {"type": "string"} for k in ("name", "address", "phone",
                                                                                  "email")}},
    "anonymity": {"type": "string", "enum": ["none", "anonim", "rahasia"], "default": "none"},
    "subject": {"type": "string"}, "description": {"type": "string"}, "category": {"type": "string"},
    "received_at": {"type": "string", "format": "date-time",
                    "description": "Only from a petugas recording the complaint (ignored otherwise)"}},
    "additionalProperties": True, "description": "The fields of the process's intake form"}

OPENAPI_PATHS = {
    "/api/v1/tokens": {"post": {
        "tags": ["auth"], "summary": "Issue a bearer token", "security": [{}],
        "requestBody": {"required": True, "content": {"application/json": {"schema": {
            "type": "object", "required": ["username", "password"],
            "properties": {"username": {"type": "string"}, "password": {"type": "string"}}}}}},
        "responses": {"201": _json({"type": "object", "required": ["token"], "properties": {
            "token": {"type": "string"}, "token_type": {"type": "string"}}}, "The token"),
            "401": _error("Wrong username or password"), "429": _error("Too many attempts")}}},
    "/api/v1/complaints": {"post": {
        "tags": ["complaints"], "summary": "Submit a complaint (anyone; a petugas records it for a reporter)",
        "security": ANYONE,
        "requestBody": {"required": True, "content": {"application/json": {"schema": _COMPLAINT_BODY}}},
        "responses": {
            "201": _json({"type": "object", "required": ["tracking_code", "instance_id", "reporter_key"],
                          "properties": {"tracking_code": {"type": "string"}, "instance_id": {"type": "integer"},
                                         "reporter_key": {"type": "string", "description": "Shown once"}}},
                         "The receipt"),
            "413": _error("Body over the limit"), "422": _error("Missing or invalid fields (error.fields)"),
            "429": _error("Too many submissions from this address")}}},
    "/api/v1/complaints/{tracking_code}": {"get": {
        "tags": ["complaints"], "summary": "Public status of a complaint (never the reporter's identity)",
        "security": [{}], "parameters": [_path("tracking_code"), _REPORTER_KEY],
        "responses": {"200": _json({"$ref": "#/components/schemas/PublicComplaint"}, "Status"),
                      "403": _error("Wrong reporter key"), "404": _error("Unknown tracking code")}}},
    "/api/v1/complaints/{tracking_code}/respond": {"post": {
        "tags": ["complaints"], "summary": "The reporter completes the step waiting in the pelapor lane",
        "security": [{}], "parameters": [_path("tracking_code"), {**_REPORTER_KEY, "required": True}],
        "requestBody": _DATA_BODY,
        "responses": {"200": _json({"type": "object", "properties": {
            "tracking_code": {"type": "string"}, "status": {"type": "string"}, "stage": {"type": "string"},
            "waiting": _WAITING}}, "Completed"),
            "403": _error("Missing or wrong reporter key"), "404": _error("Unknown tracking code"),
            "409": _error("Nothing is waiting for the reporter"), "422": _error("Invalid form data")}}},
    "/api/v1/tasks": {"get": {
        "tags": ["tasks"], "summary": "Ready steps of the caller's roles, oldest due first", "security": BEARER,
        "parameters": [
            {"name": "process", "in": "query", "schema": {"type": "string"}},
            {"name": "role", "in": "query", "schema": {"type": "string"}},
            {"name": "timer_state", "in": "query", "schema": {"type": "string",
                                                             "enum": ["on_time", "warning", "overdue"]}},
            {"name": "held", "in": "query", "schema": {"type": "string", "enum": ["me"]}},
            {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 500,
                                                         "default": 50}},
            {"name": "offset", "in": "query", "schema": {"type": "integer", "minimum": 0, "default": 0}}],
        "responses": {"200": _json({"type": "array", "items": TASK}, "Steps"),
                      "401": _COMMON["401"], "403": _COMMON["403"], "422": _error("Bad query parameter")}}},
    "/api/v1/tasks/{task_id}": {"get": {
        "tags": ["tasks"], "summary": "A step with its SOP instruction, form schema and the data it may see",
        "security": BEARER, "parameters": [_path("task_id", "integer")],
        "responses": {"200": _json({"allOf": [TASK, {"type": "object", "properties": {
            "documentation": {"type": "string"}, "sop_step": {"type": "string"}, "inputs": {"type": "string"},
            "output": {"type": "string"}, "form_schema": {"type": ["object", "null"]}, "data": {"type": "object"},
            "instance": {"type": "object"}}}]}, "The step"), **_COMMON}}},
    "/api/v1/tasks/{task_id}/claim": {"post": {
        "tags": ["tasks"], "summary": "Hold a step", "security": BEARER, "parameters": [_path("task_id", "integer")],
        "responses": {"200": _json(TASK, "Held by the caller"), **_COMMON,
                      "409": _error("Held by someone else, or no longer ready")}}},
    "/api/v1/tasks/{task_id}/release": {"post": {
        "tags": ["tasks"], "summary": "Give a held step back", "security": BEARER,
        "parameters": [_path("task_id", "integer")],
        "responses": {"200": _json(TASK, "Released"), **_COMMON,
                      "409": _error("Held by someone else, or no longer ready")}}},
    "/api/v1/tasks/{task_id}/complete": {"post": {
        "tags": ["tasks"], "summary": "Complete a step with its form data", "security": BEARER,
        "parameters": [_path("task_id", "integer")], "requestBody": _DATA_BODY,
        "responses": {"200": _json({"type": "object", "required": ["instance_id", "next_tasks"], "properties": {
            "instance_id": {"type": "integer"}, "instance_status": {"type": "string"},
            "next_tasks": {"type": "array", "items": TASK}}}, "Completed"), **_COMMON,
            "409": _error("No longer ready (completed by someone else, cancelled by a timer) or held by another"),
            "413": _error("Body over the limit"), "422": _error("Invalid form data (error.fields)")}}},
    "/api/v1/instances/{instance_id}": {"get": {
        "tags": ["instances"], "summary": "State, version and current steps (auditor, officials)",
        "security": BEARER, "parameters": [_path("instance_id", "integer")],
        "responses": {"200": _json({"type": "object", "properties": {
            "id": {"type": "integer"}, "process": {"type": "string"}, "status": {"type": "string"},
            "stage": {"type": "string"}, "version": {"type": "integer"}, "version_sha256": {"type": "string"},
            "current_tasks": {"type": "array", "items": TASK},
            "complaint": {"type": ["object", "null"]}}}, "The instance"),
            "401": _COMMON["401"], "403": _COMMON["403"], "404": _error("No such instance")}}},
    "/api/v1/processes/{key}/instances": {"post": {
        "tags": ["processes"], "summary": "Start a deployed (non-complaint) process: officials of the start "
                                          "lane's role; anyone when that lane is pelapor",
        "security": ANYONE, "parameters": [_path("key")], "requestBody": _DATA_BODY,
        "responses": {"201": _json({"type": "object", "required": ["instance_id"], "properties": {
            "instance_id": {"type": "integer"}, "process": {"type": "string"}, "version": {"type": "integer"},
            "status": {"type": "string"}, "stage": {"type": "string"}}}, "Started"),
            "401": _COMMON["401"], "403": _error("Not the start lane's role"), "404": _error("No such process"),
            "422": _error("A complaint process (use /api/v1/complaints) or invalid data")}}},
    "/api/v1/openapi.json": {"get": {
        "tags": ["meta"], "summary": "This document", "security": [{}],
        "responses": {"200": _json({"type": "object"}, "OpenAPI 3.1")}}},
}
