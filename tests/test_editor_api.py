"""``/api/v1/processes``: list, deploy (201/422 with element ids), permissions, hostile uploads."""

from __future__ import annotations

from sqlalchemy import func, select

from engine.models import AuditEvent, ProcessVersion
from tests.bpmn_factory import TINY_FORM, process, user_task
from tests.editor_fixtures import post_bpmn, shipped


def _count(app, model) -> int:
    from tasks_ui.extensions import db

    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def test_list_processes_with_versions_and_counts(client, api_token):
    for role in ("process_owner", "auditor"):
        body = client.get("/api/v1/processes", headers=api_token(role)).get_json()
        keys = {p["key"] for p in body["processes"]}
        assert {"muba_pengaduan", "sanggau_pengaduan"} <= keys
    muba = next(p for p in body["processes"] if p["key"] == "muba_pengaduan")
    version = muba["versions"][0]
    assert version["version"] == 1 and version["author"] == "system:init"
    assert version["instances"] == {"running": 0, "completed": 0} and len(version["sha256"]) == 64


def test_deploy_new_version_201_and_download_is_identical(client, api_token):
    headers = api_token("process_owner")
    edited = shipped("muba_pengaduan.bpmn").replace(b'value="PT45M"', b'value="PT30M"')
    response = post_bpmn(client, headers, edited, sop_number="041/18/DPK-SOP/2026", effective_date="2026-04-01")
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["process"] == "muba_pengaduan" and body["version"] == 2 and body["created"] is True
    download = client.get("/api/v1/processes/muba_pengaduan/versions/2/bpmn", headers=headers)
    assert download.data == edited and "muba_pengaduan-v2.bpmn" in download.headers["Content-Disposition"]
    listed = client.get("/api/v1/processes", headers=headers).get_json()["processes"]
    v2 = next(p for p in listed if p["key"] == "muba_pengaduan")["versions"][0]
    assert v2["sop_number"] == "041/18/DPK-SOP/2026" and v2["effective_date"] == "2026-04-01"
    assert v2["author"] == "process_owner"


def test_deploy_raw_xml_with_known_forms(client, api_token):
    headers = {**api_token("process_owner"), "Content-Type": "application/xml"}
    edited = shipped("sanggau_pengaduan.bpmn").replace(b'name="Catat di Buku Pengaduan"', b'name="Catat Aduan"')
    response = client.post("/api/v1/processes?sop_number=SK%2031%2F2020", data=edited, headers=headers)
    assert response.status_code == 201 and response.get_json()["version"] == 2


def test_deploy_with_uploaded_form(client, api_token, app):
    bpmn = process(user_task(form="catatan-baru.schema.json"), key="proses_baru")
    response = post_bpmn(client, api_token("process_owner"), bpmn, {"catatan-baru.schema.json": TINY_FORM})
    assert response.status_code == 201
    from tasks_ui.extensions import db

    with app.app_context():
        version = db.session.scalars(select(ProcessVersion).where(ProcessVersion.process_key == "proses_baru")).one()
        assert version.forms == {"catatan-baru.schema.json": TINY_FORM}


def test_deploy_422_names_the_elements(client, api_token, app):
    before = _count(app, ProcessVersion), _count(app, AuditEvent)
    bpmn = process(user_task(form="tidak-ada.schema.json", duration="45 menit"), lane="satpam")
    response = post_bpmn(client, api_token("process_owner"), bpmn)
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert set(error["fields"]) == {"tugas", "lane1"}
    assert "tidak-ada.schema.json" in error["fields"]["tugas"] and "satpam" in error["fields"]["tugas"]
    assert {p["code"] for p in error["problems"]} == {"unknown_role", "form_not_found", "duration_invalid",
                                                      "lane_unknown_role"}
    assert (_count(app, ProcessVersion), _count(app, AuditEvent)) == before


def test_only_process_owner_deploys_and_only_owner_auditor_list(client, api_token):
    bpmn = shipped("muba_pengaduan.bpmn").replace(b"PT45M", b"PT40M")
    for role in ("kasi", "petugas", "auditor", "admin", "kepala_dinas"):
        assert post_bpmn(client, api_token(role), bpmn).status_code == 403
    for role in ("kasi", "petugas", "admin"):
        assert client.get("/api/v1/processes", headers=api_token(role)).status_code == 403
    assert client.get("/api/v1/processes").status_code == 401
    assert client.post("/api/v1/processes", data=bpmn, content_type="application/xml").status_code == 401


XXE = b"""<?xml version="1.0"?>
<!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d" targetNamespace="t">
<bpmn:process id="p" isExecutable="true"><bpmn:documentation>&x;</bpmn:documentation></bpmn:process>
</bpmn:definitions>"""
LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d" targetNamespace="t">
<bpmn:process id="p" isExecutable="true"><bpmn:documentation>&lol3;</bpmn:documentation></bpmn:process>
</bpmn:definitions>"""


def test_hostile_uploads_are_refused_with_reason_and_store_nothing(client, api_token, app):
    headers = api_token("process_owner")
    before = _count(app, ProcessVersion), _count(app, AuditEvent)
    escape = process(user_task() + '<bpmn:scriptTask id="skrip"><bpmn:script>'
                     "x = ().__class__.__base__.__subclasses__()</bpmn:script></bpmn:scriptTask>",
                     nodes=("start", "skrip", "tugas", "end"))
    importer = process(user_task() + '<bpmn:scriptTask id="skrip"><bpmn:script>import os\nos.system("id")'
                       "</bpmn:script></bpmn:scriptTask>", nodes=("start", "skrip", "tugas", "end"))
    cases = {
        "xxe": (XXE, "_file", "DOCTYPE"),
        "laughs": (LAUGHS, "_file", "DOCTYPE"),
        "html": (b"<html><body>not bpmn</body></html>", "_file", "bukan diagram BPMN"),
        "binary": (b"\x89PNG\r\n\x1a\n\x00\x00", "_file", "bukan XML"),
        "escape": (escape, "skrip", "terlarang"),
        "import": (importer, "skrip", "import"),
    }
    for name, (payload, element, reason) in cases.items():
        response = post_bpmn(client, headers, payload, {"tiny.schema.json": TINY_FORM})
        assert response.status_code == 422, name
        assert reason in response.get_json()["error"]["fields"][element], (name, response.get_json())
    big = (b'<?xml version="1.0"?><bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL">'
           + b"<!--" + b"x" * (2 * 1024 * 1024 + 10) + b"-->")
    too_big = client.post("/api/v1/processes", data=big, headers={**headers, "Content-Type": "application/xml"})
    assert too_big.status_code == 422 and "larger than" in too_big.get_json()["error"]["fields"]["_file"]
    huge = client.post("/api/v1/processes", data=b"<x/>" * (2 * 1024 * 1024), headers={
        **headers, "Content-Type": "application/xml"})
    assert huge.status_code == 413
    assert (_count(app, ProcessVersion), _count(app, AuditEvent)) == before


def test_malformed_requests_are_422(client, api_token):
    headers = api_token("process_owner")
    assert client.post("/api/v1/processes", json={"bpmn": "x"}, headers=headers).status_code == 422
    no_file = client.post("/api/v1/processes", data={"sop_number": "1"}, headers=headers,
                          content_type="multipart/form-data")
    assert no_file.status_code == 422 and "bpmn" in no_file.get_json()["error"]["fields"]
    bad_date = post_bpmn(client, headers, shipped("muba_pengaduan.bpmn"), effective_date="14/01/2021")
    assert bad_date.status_code == 422 and "effective_date" in bad_date.get_json()["error"]["fields"]
    bad_form = post_bpmn(client, headers, process(user_task()), {"../../etc/x.json": b"{}"})
    assert bad_form.status_code == 422
    not_json = post_bpmn(client, headers, process(user_task()), {"tiny.schema.json": b"{not json"})
    assert not_json.status_code == 422 and "tiny.schema.json" in not_json.get_json()["error"]["fields"]
