"""Audit API: history and replay for auditors only; 404 for unknown instances; masking of hidden identities."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from engine import runtime
from tests.engine_helpers import MUBA_INTAKE


@pytest.fixture
def complaint(app, clock):
    from tasks_ui.extensions import db
    from tasks_ui.wiring import engine_context

    with app.app_context():
        sub = runtime.submit_complaint(db.session, engine_context(), "muba_pengaduan",
                                       {**MUBA_INTAKE, "anonymity": "anonim"})
        instance_id = sub.instance.id
        db.session.remove()
    return instance_id


def test_history_is_ordered_and_masked(client, api_token, complaint):
    response = client.get(f"/api/v1/instances/{complaint}/history", headers=api_token("auditor"))
    assert response.status_code == 200
    rows = response.get_json()
    assert [r["type"] for r in rows][:3] == ["INSTANCE_STARTED", "TASK_ACTIVATED", "TASK_COMPLETED"]
    assert [r["seq"] for r in rows] == sorted(r["seq"] for r in rows)
    assert set(rows[0]) >= {"seq", "at", "actor", "type", "bpmn_id", "data_before", "data_after", "hash"}
    completed = rows[2]
    assert completed["data_after"]["reporter"]["name"] == "•••"  # anonim: identity hidden from auditors
    assert completed["data_after"]["subject"] == MUBA_INTAKE["subject"]


def test_replay_reproduces_and_refuses_others(client, api_token, complaint):
    url = f"/api/v1/instances/{complaint}/replay"
    response = client.post(url, headers=api_token("auditor"))
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["reproduced"] is True and response.get_json()["divergence"] is None
    assert client.post(url, headers=api_token("kasi")).status_code == 403
    assert client.get(f"/api/v1/instances/{complaint}/history",
                      headers=api_token("petugas")).status_code == 403
    assert client.post(url).status_code == 401


def test_unknown_instance_is_404_and_missing_version_is_clear(app, client, api_token, complaint):
    headers = api_token("auditor")
    missing = client.post("/api/v1/instances/9999/replay", headers=headers)
    assert missing.status_code == 404 and missing.get_json()["error"]["code"] == "not_found"
    from tasks_ui.extensions import db

    with app.app_context():
        db.session.execute(text("UPDATE process_version SET spec_json = '' WHERE process_key = 'muba_pengaduan'"))
        db.session.commit()
    broken = client.post(f"/api/v1/instances/{complaint}/replay", headers=headers)
    assert broken.status_code == 422
    assert broken.get_json()["error"]["code"] == "version_missing"
    assert "tidak dapat diputar ulang" in broken.get_json()["error"]["message"]


def test_chain_status_for_auditors(client, api_token, complaint):
    response = client.post("/api/v1/audit/verify", headers=api_token("auditor"))
    body = response.get_json()
    assert response.status_code == 200 and body["ok"] is True and body["checked"] > 5


def test_divergence_reason_is_indonesian_by_default_and_english_on_request(app, client, api_token, clock):
    from tasks_ui.extensions import db
    from tasks_ui.wiring import engine_context
    from tests.audit_ui_fixtures import work_complaint

    with app.app_context():
        instance_id = work_complaint(db.session, engine_context(), clock)["instance_id"]
        db.session.execute(text("DROP TRIGGER audit_event_no_update"))
        db.session.execute(text("UPDATE audit_event SET payload = json_set(payload, '$.input.hasil_pemeriksaan', "
                                "'sebagian') WHERE instance_id = :id AND bpmn_id = 'periksa_laporan' "
                                "AND type = 'TASK_COMPLETED'"), {"id": instance_id})
        db.session.commit()
        db.session.remove()
    url = f"/api/v1/instances/{instance_id}/replay"
    headers = api_token("auditor")
    indonesian = client.post(url, headers=headers).get_json()["divergence"]
    english = client.post(url, headers={**headers, "Accept-Language": "en"}).get_json()["divergence"]
    assert indonesian["code"] == english["code"] == "replay_data_differs"
    assert indonesian["reason"] == "data sesudah langkah berbeda pada hasil_pemeriksaan"
    assert english["reason"] == "data after the step differs in hasil_pemeriksaan"
    states = client.get(f"/api/v1/instances/{instance_id}/diagram-states",
                        headers={**headers, "Accept-Language": "en"}).get_json()
    assert states["divergence"]["reason"] == english["reason"]


def test_chain_check_runs_in_the_background_one_at_a_time(app, client, api_token, complaint):
    from engine.actors import Actor
    from engine.chain_checks import request_check
    from tasks_ui.extensions import db
    from tasks_ui.wiring import engine_context

    headers = api_token("auditor")
    with app.app_context():  # a check some other worker queued and is about to run
        queued, _ = request_check(db.session, engine_context(), actor=Actor("ombudsman", frozenset({"auditor"})))
        queued_id = queued.id
        db.session.remove()
    busy = client.post("/api/v1/audit/chain-checks", headers=headers)
    assert busy.status_code == 202 and busy.get_json()["started"] is False
    assert busy.get_json()["check"]["id"] == queued_id and busy.get_json()["check"]["requested_by"] == "ombudsman"
    latest = client.get("/api/v1/audit/chain-checks/latest", headers=headers).get_json()
    assert latest["check"]["state"] == "queued" and latest["last_result"] is None
    from engine.chain_checks import run_check
    from engine.db import make_session_factory

    with app.app_context():
        run_check(make_session_factory(db.engine), engine_context(), queued_id)
    started = client.post("/api/v1/audit/chain-checks", headers=headers)
    assert started.status_code == 202 and started.get_json()["started"] is True
    app.extensions["alur_chain_check_thread"].join(timeout=120)
    latest = client.get("/api/v1/audit/chain-checks/latest", headers={**headers, "Accept-Language": "en"}).get_json()
    assert latest["check"]["id"] == started.get_json()["check"]["id"] and latest["check"]["state"] == "done"
    assert latest["last_result"]["ok"] is True and latest["last_result"]["checked_by"] == "auditor"
    assert latest["check"]["checked"] == latest["check"]["total"] > 5
    assert client.post("/api/v1/audit/chain-checks", headers=api_token("kasi")).status_code == 403
