"""The dashboard page through the test client: figures over seeded complaints, refusals, language."""

from __future__ import annotations

import re

import pytest

from tests.reports_fixtures import *  # noqa: F403 - fixture seeded_reports
from tests.reports_fixtures import EXPECTED, tile


def test_dashboard_figures_match_the_seeded_complaints(client, login, seeded_reports):
    login("kabid")
    response = client.get("/dasbor")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert tile(html, "received_today") == str(EXPECTED["received_today"])
    assert tile(html, "answered_today") == str(EXPECTED["answered_today"])
    assert tile(html, "open") == str(EXPECTED["open"])
    assert tile(html, "overdue") == str(EXPECTED["overdue"])
    assert "dari 2 langkah menunggu" in html
    assert "Bulan ini: 4 diterima, 2 selesai dijawab." in html
    # per complaint (recap definitions): D on time; A (check late) and B (verification overdue) late; C not yet due
    assert "1 tepat waktu, 2 melewati tenggat, 1 belum jatuh tempo" in html and "33,3 %" in html
    assert "5 dari 6 langkah kantor" in html  # per step: A's check was the late one
    assert re.search(
        r'data-process="muba_pengaduan">.*?<td class="num">5</td><td class="num">1</td>'
        r'<td class="num">83,3 %</td>',
        html,
        re.S,
    )
    for week, (received, answered) in EXPECTED["weeks"].items():
        assert re.search(
            rf'data-week="{week}">.*?<td class="num">{received}</td><td class="num">{answered}</td>',
            html,
            re.S,
        ), week
    # the overdue step: B's verification, 50 minutes past its 09:10 deadline, not claimed
    rows = re.findall(r'<tr data-task="\d+">(.*?)</tr>', html, re.S)
    assert len(rows) == 1
    assert "Verifikasi Formulir Pengaduan" in rows[0] and "50 menit" in rows[0] and "belum diambil" in rows[0]
    assert "13-03-2026 09:10 WIB" in rows[0]
    # charts are accessible SVG with a title
    assert html.count('<svg class="chart') == 3 and "<title" in html and 'role="img"' in html


def test_dashboard_numbers_equal_the_engine_values(app, client, login, seeded_reports):
    from engine.dashboard import dashboard
    from tasks_ui.extensions import db
    from tasks_ui.wiring import engine_context

    with app.app_context():
        figures = dashboard(db.session, engine_context(), process="muba_pengaduan")
        db.session.remove()
    login("kepala_dinas")
    html = client.get("/dasbor?process=muba_pengaduan").get_data(as_text=True)
    assert tile(html, "received_today") == str(figures.received_today) == "2"  # C is Sanggau's
    assert tile(html, "open") == str(figures.open_complaints) == "1"
    assert tile(html, "overdue") == str(figures.overdue_total) == "1"
    assert [(p.received, p.answered) for p in figures.trend[-2:]] == [(1, 1), (2, 1)]


def test_dashboard_english_and_phone_markup(client, login, seeded_reports):
    login("auditor")
    html = client.get("/dasbor?lang=en").get_data(as_text=True)
    assert "Complaints dashboard" in html and "Received today" in html and "Friday, 13 March 2026" in html
    assert "83.3 %" in html and "33.3 %</text>" in html and 'name="viewport"' in html and "reports.css" in html
    assert 'data-label="Overdue by (office time)"' in html  # the table becomes cards on a phone


def test_dashboard_without_complaints_shows_zeros(client, login):
    login("kasi")
    html = client.get("/dasbor").get_data(as_text=True)
    for name in ("received_today", "answered_today", "open", "overdue"):
        assert tile(html, name) == "0"
    assert "Tidak ada langkah yang terlambat" in html and "Belum ada langkah bertenggat" in html


@pytest.mark.parametrize("role", ["petugas", "process_owner", "admin"])
def test_dashboard_refuses_other_roles(client, login, role):
    login(role)
    response = client.get("/dasbor")
    assert response.status_code == 403
    assert "Anda tidak berhak" in response.get_data(as_text=True)


def test_dashboard_needs_login_and_a_known_process(client, login):
    assert client.get("/dasbor").status_code == 302
    login("kabid")
    assert client.get("/dasbor?process=tidak_ada").status_code == 404


def test_nav_link_only_for_report_roles(client, login):
    login("kabid")
    assert 'href="/dasbor"' in client.get("/inbox").get_data(as_text=True)


def test_nav_link_hidden_from_petugas(client, login):
    login("petugas")
    assert 'href="/dasbor"' not in client.get("/inbox").get_data(as_text=True)
