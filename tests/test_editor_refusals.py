"""What bad input gets on the editor's own endpoints (the API's refusals are in test_editor_api): hostile,
over-size and non-BPMN files are refused with the reason and store no draft; a sandbox-escaping script never
deploys; a stale revision never overwrites or deploys; every editor page and API is closed to other roles."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from engine.editor_models import ProcessDraft
from engine.models import AuditEvent, ProcessVersion
from tests.bpmn_factory import process, user_task
from tests.conftest import csrf_token
from tests.editor_fixtures import muba_variant, shipped
from tests.test_editor_api import LAUGHS, XXE

ESCAPE = process(
    user_task() + '<bpmn:scriptTask id="skrip"><bpmn:script>'
    "x = ().__class__.__base__.__subclasses__()</bpmn:script></bpmn:scriptTask>",
    nodes=("start", "skrip", "tugas", "end"),
)
OVERSIZE = (
    b'<?xml version="1.0"?><bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL">'
    + b"<!--"
    + b"x" * (2 * 1024 * 1024 + 10)
    + b"-->"
)
HOSTILE = {
    "xxe": (XXE, "DOCTYPE"),
    "laughs": (LAUGHS, "DOCTYPE"),
    "html": (b"<html><body>not bpmn</body></html>", "bukan diagram BPMN"),
    "binary": (b"\x89PNG\r\n\x1a\n\x00\x00", "bukan XML"),
    "oversize": (OVERSIZE, "larger than"),
}


def _counts(app) -> tuple[int, int, int]:
    from tasks_ui.extensions import db

    with app.app_context():
        counted = tuple(
            db.session.scalar(select(func.count()).select_from(model))
            for model in (ProcessDraft, ProcessVersion, AuditEvent)
        )
        db.session.remove()
    return counted


def _open_draft(client) -> tuple[int, dict]:
    response = client.get("/editor/proses/muba_pengaduan/ubah")
    draft_id = int(re.search(r"/draf/(\d+)", response.headers["Location"]).group(1))
    return draft_id, {"X-CSRFToken": csrf_token(client, f"/editor/draf/{draft_id}")}


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_hostile_upload_to_a_new_draft_is_refused_and_stores_nothing(client, login, app, case):
    payload, reason = HOSTILE[case]
    login("process_owner")
    token = csrf_token(client, "/editor/")
    before = _counts(app)
    # the multipart body is built here: werkzeug's test client spools a large one to a temp file it never closes
    boundary = "alur-batas"
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n{token}\r\n'
            f'--{boundary}\r\nContent-Disposition: form-data; name="bpmn"; filename="unggahan.bpmn"\r\n'
            "Content-Type: application/octet-stream\r\n\r\n"
        ).encode()
        + payload
        + f"\r\n--{boundary}--\r\n".encode()
    )
    response = client.post(
        "/editor/draf/baru", data=body, content_type=f"multipart/form-data; boundary={boundary}"
    )
    assert response.status_code == 422
    assert reason in response.get_data(as_text=True)
    assert _counts(app) == before


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_hostile_xml_saved_or_fixed_in_a_draft_is_refused_and_changes_nothing(client, login, app, case):
    payload, reason = HOSTILE[case]
    login("process_owner")
    draft_id, headers = _open_draft(client)
    before = client.get(f"/editor/draf/{draft_id}/data").get_json()
    xml = payload.decode("latin-1")
    saved = client.post(
        f"/editor/draf/{draft_id}/simpan", json={"xml": xml, "revision": before["revision"]}, headers=headers
    )
    assert saved.status_code in (413, 422)
    if saved.status_code == 422:
        assert reason in saved.get_json()["error"]["message"]
    fixed = client.post(
        f"/editor/draf/{draft_id}/perbaiki",
        json={"xml": xml, "fix": "quote_timer", "element_id": "x"},
        headers=headers,
    )
    assert fixed.status_code in (413, 422)
    after = client.get(f"/editor/draf/{draft_id}/data").get_json()
    assert (after["revision"], after["xml"]) == (before["revision"], before["xml"])


def test_sandbox_escaping_script_is_marked_and_never_deploys(client, login, app):
    login("process_owner")
    draft_id, headers = _open_draft(client)
    xml = ESCAPE.decode().replace('id="tiny"', 'id="muba_pengaduan"')
    saved = client.post(f"/editor/draf/{draft_id}/simpan", json={"xml": xml, "revision": 1}, headers=headers)
    assert saved.status_code == 200  # a draft is work in progress: kept, with the problem on the element
    problem = next(p for p in saved.get_json()["problems"] if p["element_id"] == "skrip")
    assert "terlarang" in problem["message"]
    before = _counts(app)
    refused = client.post(
        f"/editor/draf/{draft_id}/pasang",
        json={"revision": 2, "sop_number": "X/2026", "effective_date": "2026-04-01"},
        headers=headers,
    )
    assert refused.status_code == 422 and "skrip" in refused.get_json()["error"]["fields"]
    assert _counts(app) == before


def test_request_over_the_upload_limit_is_413_and_stores_nothing(client, login, app):
    login("process_owner")
    draft_id, headers = _open_draft(client)
    before = _counts(app)
    huge = client.post(
        f"/editor/draf/{draft_id}/simpan",
        data=b'{"xml": "' + b"x" * (9 * 1024 * 1024) + b'"}',
        headers={**headers, "Content-Type": "application/json"},
    )
    assert huge.status_code == 413
    assert _counts(app) == before


def test_stale_revision_neither_overwrites_nor_deploys(client, login, app):
    login("process_owner")
    draft_id, headers = _open_draft(client)
    # two owners opened revision 1; the first saves, the second's save and deploy both meet a conflict
    first = client.post(
        f"/editor/draf/{draft_id}/simpan",
        json={"xml": muba_variant(duration="PT15M").decode(), "revision": 1},
        headers=headers,
    )
    assert first.status_code == 200 and first.get_json()["revision"] == 2
    before = _counts(app)
    second = client.post(
        f"/editor/draf/{draft_id}/simpan",
        json={"xml": muba_variant(duration="PT20M").decode(), "revision": 1},
        headers=headers,
    )
    assert second.status_code == 409 and second.get_json()["error"]["code"] == "draft_conflict"
    stale_deploy = client.post(
        f"/editor/draf/{draft_id}/pasang",
        json={"revision": 1, "sop_number": "041/18/DPK-SOP/2026", "effective_date": "2026-04-01"},
        headers=headers,
    )
    assert stale_deploy.status_code == 409
    assert _counts(app) == before
    data = client.get(f"/editor/draf/{draft_id}/data").get_json()
    assert data["revision"] == 2 and "PT15M" in data["xml"] and "PT20M" not in data["xml"]
    # a deployed draft is closed: a later save of it is a conflict too, not a silent edit of a deployed version
    deployed = client.post(
        f"/editor/draf/{draft_id}/pasang",
        json={"revision": 2, "sop_number": "041/18/DPK-SOP/2026", "effective_date": "2026-04-01"},
        headers=headers,
    )
    assert deployed.status_code == 201
    late = client.post(
        f"/editor/draf/{draft_id}/simpan",
        json={"xml": muba_variant(duration="PT20M").decode(), "revision": 2},
        headers=headers,
    )
    assert late.status_code == 409


def test_every_editor_page_and_api_is_closed_to_other_roles(client, login, api_token):
    pages = (
        "/editor/",
        "/editor/proses/muba_pengaduan",
        "/editor/proses/muba_pengaduan/v1.bpmn",
        "/editor/proses/muba_pengaduan/ubah",
        "/editor/draf/1",
        "/editor/draf/1/data",
        "/editor/proses/muba_pengaduan/banding",
        "/editor/proses/muba_pengaduan/pindah",
    )
    for role in ("petugas", "kasi", "kabid", "kepala_dinas", "auditor", "admin"):
        headers = api_token(role)
        assert (
            client.post(
                "/api/v1/processes",
                data=shipped("muba_pengaduan.bpmn"),
                headers={**headers, "Content-Type": "application/xml"},
            ).status_code
            == 403
        ), role
        for path in (
            "/api/v1/processes",
            "/api/v1/processes/muba_pengaduan/versions/1",
            "/api/v1/processes/muba_pengaduan/versions/1/bpmn",
        ):
            expected = 200 if role == "auditor" else 403  # API.md: the auditor reads processes and versions
            assert client.get(path, headers=headers).status_code == expected, (role, path)
        login(role)
        for path in pages:
            assert client.get(path).status_code == 403, (role, path)
        token = csrf_token(client, "/")
        for path in (
            "/editor/draf/baru",
            "/editor/draf/1/simpan",
            "/editor/draf/1/perbaiki",
            "/editor/draf/1/pasang",
            "/editor/proses/muba_pengaduan/pindah",
            "/editor/migrasi/1/batal",
        ):
            assert client.post(path, json={}, headers={"X-CSRFToken": token}).status_code == 403, (role, path)
        client.post("/logout", data={"csrf_token": token})
    for path in pages:  # not logged in: to the login page, never the content
        response = client.get(path)
        assert response.status_code == 302 and "/login" in response.headers["Location"], path
