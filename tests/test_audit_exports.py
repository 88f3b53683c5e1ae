"""History exports (CSV and JSON, an instance or a period): masking by right, errors, auditors only."""

from __future__ import annotations

import csv
import io
import json

from tests.audit_ui_fixtures import IDENTITY_AUDITOR, worked  # noqa: F401 - fixture


def _csv(response) -> list[dict]:
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))


def test_instance_history_as_csv_and_json_is_masked(client, api_token, worked):
    headers = api_token("auditor")
    instance_id = worked["instance_id"]
    response = client.get(f"/api/v1/instances/{instance_id}/history.csv", headers=headers)
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert f"alur-instans-{instance_id}-riwayat.csv" in response.headers["Content-Disposition"]
    rows = _csv(response)
    assert [r["type"] for r in rows][:3] == ["INSTANCE_STARTED", "TASK_ACTIVATED", "TASK_COMPLETED"]
    assert all(r["tracking_code"] == worked["tracking_code"] for r in rows)
    started = json.loads(rows[2]["data_after"])  # the reporter's form
    assert started["reporter"] == {"name": "•••", "address": "•••", "phone": "•••"}
    assert started["subject"] == "Buku referensi hilang dari rak"  # anonim: only the identity is hidden
    assert "Budi Santoso" not in response.get_data(as_text=True)

    body = client.get(f"/api/v1/instances/{instance_id}/history.json", headers=headers).get_json()
    assert body["instance_id"] == instance_id and body["exported_by"] == "auditor"
    assert [e["seq"] for e in body["events"]] == [int(r["seq"]) for r in rows]
    assert body["events"][2]["data_after"]["reporter"]["name"] == "•••"
    assert body["events"][2]["payload"]["input"]["reporter"]["name"] == "•••"
    assert len(body["events"][0]["hash"]) == 64


def test_identity_right_unmasks_the_export(client, worked):
    response = client.post("/api/v1/tokens", json={"username": IDENTITY_AUDITOR[0], "password": IDENTITY_AUDITOR[1]})
    headers = {"Authorization": f"Bearer {response.get_json()['token']}"}
    text = client.get(f"/api/v1/instances/{worked['instance_id']}/history.csv", headers=headers).get_data(as_text=True)
    assert "Budi Santoso" in text


def test_rahasia_content_is_masked_in_exports(app, client, api_token, clock):
    from tasks_ui.extensions import db
    from tasks_ui.wiring import engine_context
    from tests.audit_ui_fixtures import work_complaint

    with app.app_context():
        secret = work_complaint(db.session, engine_context(), clock, anonymity="rahasia")
        db.session.remove()
    body = client.get(f"/api/v1/instances/{secret['instance_id']}/history.json",
                      headers=api_token("auditor")).get_json()
    started = body["events"][2]["data_after"]
    assert started["subject"] == "•••" and started["reporter"]["name"] == "•••"


def test_period_export_covers_every_event_of_the_days(client, api_token, worked):
    headers = api_token("auditor")
    response = client.get("/api/v1/audit/export?from=2026-03-13&to=2026-03-13&format=csv", headers=headers)
    assert response.status_code == 200
    rows = _csv(response)
    types = {r["type"] for r in rows}
    assert {"PROCESS_DEPLOYED", "USER_CREATED", "INSTANCE_STARTED", "TASK_COMPLETED"} <= types
    assert [int(r["seq"]) for r in rows] == sorted(int(r["seq"]) for r in rows)
    assert "Budi Santoso" not in response.get_data(as_text=True)
    body = client.get("/api/v1/audit/export?from=2026-03-13&to=2026-03-13&format=json", headers=headers).get_json()
    assert body["period"] == {"from": "2026-03-13", "to": "2026-03-13"} and len(body["events"]) == len(rows)
    empty = _csv(client.get("/api/v1/audit/export?from=2026-03-14&to=2026-03-20", headers=headers))
    assert empty == []


def test_export_errors(client, api_token, login, worked):
    headers = api_token("auditor")
    missing = client.get("/api/v1/instances/9999/history.csv", headers=headers)
    assert missing.status_code == 404 and missing.get_json()["error"]["code"] == "not_found"
    for query, field in (("from=2026-03-13", "from/to"), ("from=13/03/2026&to=2026-03-13", "from"),
                         ("from=2026-03-14&to=2026-03-13", "to"), ("from=2026-01-01&to=2027-06-01", "366"),
                         ("from=2026-03-13&to=2026-03-13&format=xlsx", "format")):
        bad = client.get(f"/api/v1/audit/export?{query}", headers=headers)
        assert bad.status_code == 422, query
        assert field in bad.get_json()["error"]["message"], (query, bad.get_json())
    assert client.get("/api/v1/audit/export?from=2026-03-13&to=2026-03-13",
                      headers=api_token("kasi")).status_code == 403
    assert client.get(f"/api/v1/instances/{worked['instance_id']}/history.json",
                      headers=api_token("petugas")).status_code == 403
    assert client.get(f"/api/v1/instances/{worked['instance_id']}/history.json").status_code == 401
    login("auditor")  # the pages' download links work with the session login too
    page = client.get(f"/audit/instans/{worked['instance_id']}").get_data(as_text=True)
    assert f"/api/v1/instances/{worked['instance_id']}/history.csv" in page
    assert client.get(f"/api/v1/instances/{worked['instance_id']}/history.csv").status_code == 200
