"""Process pages: versions with counts, downloads, 403 for everyone but the process owner."""

from __future__ import annotations

from tests.engine_helpers import MUBA_INTAKE


def test_process_pages_list_versions_and_counts(client, login, app):
    from engine.runtime import submit_complaint
    from tasks_ui.extensions import db
    from tasks_ui.wiring import engine_context

    with app.app_context():
        submit_complaint(db.session, engine_context(), "muba_pengaduan", dict(MUBA_INTAKE))
    login("process_owner")
    page = client.get("/editor/").get_data(as_text=True)
    assert "Proses dan versinya" in page and "muba_pengaduan" in page
    detail = client.get("/editor/proses/muba_pengaduan").get_data(as_text=True)
    assert '<td class="running">1</td>' in detail and "PT45M" in detail
    download = client.get("/editor/proses/muba_pengaduan/v1.bpmn")
    assert download.status_code == 200 and download.data.startswith(b"<?xml")
    assert client.get("/editor/proses/tidak_ada").status_code == 404


def test_editor_pages_are_403_for_other_roles(client, login):
    assert client.get("/editor/").status_code == 302  # not logged in: to the login page
    login("kasi")
    for path in ("/editor/", "/editor/proses/muba_pengaduan", "/editor/proses/muba_pengaduan/v1.bpmn"):
        assert client.get(path).status_code == 403, path
