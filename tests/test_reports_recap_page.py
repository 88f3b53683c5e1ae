"""The recap pages through the test client: figures over seeded complaints, period choices and errors,
printable page, downloads, refusals."""

from __future__ import annotations

import re

import pytest

from tests.reports_fixtures import *  # noqa: F403 - fixture seeded_reports
from tests.reports_fixtures import tile
from tests.ui_fixtures import *  # noqa: F403 - fixtures submit, task_rows


def _row(html: str, attribute: str, value: str) -> str:
    match = re.search(rf'<tr {attribute}="{re.escape(value)}"[^>]*>(.*?)</tr>', html, re.S)
    assert match, f"no row {attribute}={value}"
    return match.group(1)


def test_month_recap_shows_the_hand_counted_figures(client, login, seeded_reports):
    login("kabid")
    response = client.get("/rekap?kind=month&month=2026-03")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Maret 2026" in html
    # A and D answered; B (overdue verification) and C (Sanggau, inside its 7 working days) in progress
    assert [
        tile(html, n) for n in ("received", "answered", "in_progress", "late", "sla_rate", "backlog")
    ] == ["4", "2", "2", "2", "33,3 %", "2"]
    assert "Tenggat: 1 tepat waktu, 2 terlambat, 1 belum jatuh tempo; 0 dieskalasi." in html
    comparison = _row(html, "data-metric", "received")
    assert re.findall(r'<td class="num"[^>]*>([^<]*)</td>', comparison) == ["4", "0", "+4"]
    # per step: verification took 5 minutes twice; the check 15 (A, late) and 5 (D) → median 10 minutes
    verify = re.findall(
        r'<td class="num"[^>]*>([^<]*)</td>', _row(html, "data-step", "muba_pengaduan:verifikasi_formulir")
    )
    assert verify[:4] == ["2", "5 menit", "5 menit", "10 menit"]
    check = re.findall(
        r'<td class="num"[^>]*>([^<]*)</td>', _row(html, "data-step", "muba_pengaduan:periksa_laporan")
    )
    assert check[:2] == ["2", "10 menit"] and check[3] == "10 menit" and check[4] == "1"
    assert len(re.findall(r'<tr data-code="PGD-', html)) == 4
    assert "WhatsApp" in html and "Telepon" in html and "Tatap muka" in html
    assert html.count('<svg class="chart') == 5


def test_page_equals_the_engine_recap(app, client, login, seeded_reports):
    from datetime import date

    from engine.actors import Actor
    from engine.recap import compute_recap
    from tasks_ui.extensions import db
    from tasks_ui.wiring import engine_context

    with app.app_context():
        report = compute_recap(
            db.session,
            engine_context(),
            process_keys="muba_pengaduan",
            period_start=date(2026, 3, 2),
            period_end=date(2026, 3, 13),
            viewer=Actor("kepala_dinas", frozenset({"kepala_dinas"})),
        )
        db.session.remove()
    login("kepala_dinas")
    html = client.get("/rekap?kind=range&from=2026-03-02&to=2026-03-13&process=muba_pengaduan").get_data(
        as_text=True
    )
    totals = report["totals"]
    assert tile(html, "received") == str(totals["received"]) == "3"
    assert tile(html, "answered") == str(totals["answered"])
    assert tile(html, "late") == str(totals["late"])
    assert tile(html, "backlog") == str(report["backlog"]["total"])
    shown = re.findall(r'<tr data-code="([^"]+)"', html)
    assert shown == [c["tracking_code"] for c in report["complaints"]]
    for row in report["by_channel"]:
        assert f"{row['count']}</text>" in html  # the bar's value is written beside it


def test_the_list_is_paged_on_screen_and_whole_in_print(client, login, seeded_reports, monkeypatch):
    from tasks_ui.reports import recap_page

    login("kabid")
    everything = re.findall(r'<tr data-code="([^"]+)"', client.get("/rekap?kind=month&month=2026-03").get_data(
        as_text=True))
    assert len(everything) == 4  # one page of 100 holds them: no range line, no pager
    monkeypatch.setattr(recap_page, "LIST_PAGE_SIZE", 3)
    first = client.get("/rekap?kind=month&month=2026-03").get_data(as_text=True)
    assert re.findall(r'<tr data-code="([^"]+)"', first) == everything[:3]
    assert "Menampilkan 1–3 dari 4. Daftar lengkap ada di unduhan CSV dan XLSX." in first
    assert "Halaman 1 dari 2" in first and 'rel="prev"' not in first
    following = re.search(r'<a class="button small secondary" rel="next" href="([^"]+)"', first).group(1)
    assert "month=2026-03" in following and "hal=2" in following
    second = client.get(following.replace("&amp;", "&")).get_data(as_text=True)
    assert re.findall(r'<tr data-code="([^"]+)"', second) == everything[3:]
    assert "Menampilkan 4–4 dari 4." in second and 'rel="next"' not in second
    assert tile(second, "received") == "4"  # the figures count every complaint, whatever the page
    for odd in ("99", "0", "dua"):  # past the end: the last page; not a number: the first
        page = client.get(f"/rekap?kind=month&month=2026-03&hal={odd}")
        assert page.status_code == 200
        shown = re.findall(r'<tr data-code="([^"]+)"', page.get_data(as_text=True))
        assert shown == (everything[3:] if odd == "99" else everything[:3])
    printed = client.get("/rekap/cetak?kind=month&month=2026-03&hal=2").get_data(as_text=True)
    assert re.findall(r'<tr data-code="([^"]+)"', printed) == everything and 'class="pager"' not in printed


def test_empty_period_is_an_empty_report_not_an_error(client, login, seeded_reports):
    login("kasi")
    response = client.get("/rekap?kind=semester&year=2025&half=1")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Semester 1 2025" in html and "Tidak ada pengaduan yang diterima dalam periode ini." in html
    assert tile(html, "received") == "0" and tile(html, "sla_rate") == "—"
    assert "Tidak ada langkah yang selesai dalam periode ini." in html


@pytest.mark.parametrize(
    ("query", "field", "text"),
    [
        ("kind=month&month=2026-13", "month", "bulan &#39;2026-13&#39; tidak dikenal"),
        ("kind=month&month=maret", "month", "pakai TTTT-BB"),
        ("kind=semester&year=20x6&half=1", "year", "harus angka"),
        ("kind=semester&year=2026&half=3", "half", "pilih semester 1 atau 2"),
        ("kind=range&from=2026-03-10&to=2026-03-01", "to", "tanggal akhir sebelum tanggal awal"),
        ("kind=range&from=10-03-2026&to=2026-03-31", "from", "bukan tanggal"),
        ("kind=month&month=2026-03&process=tidak_ada", "process", "tidak dikenal"),
        ("period=2026-X", "period", "periode"),
    ],
)
def test_invalid_period_is_shown_at_its_field(client, login, query, field, text):
    login("kabid")
    response = client.get(f"/rekap?{query}")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    error = re.search(rf'<p class="field-error" id="err-{field}">([^<]*)</p>', html)
    assert error and text in error.group(1), html[html.find("period-form") :][:1500]
    assert "Periode belum dapat dibaca" in html
    if field != "period":
        assert f'aria-describedby="err-{field}"' in html
    assert "data-figure" not in html  # no half report


def test_print_version_and_downloads(client, login, seeded_reports):
    login("auditor")
    html = client.get("/rekap?kind=month&month=2026-03").get_data(as_text=True)
    links = {
        kind: url
        for url, kind in re.findall(r'href="((?:/api/v1)?/reports/recap\.(csv|xlsx|pdf)\?[^"]+)"', html)
    }
    assert set(links) == {"csv", "xlsx", "pdf"}
    assert "from=2026-03-01" in links["csv"] and "to=2026-03-31" in links["csv"]
    download = client.get(links["csv"].replace("&amp;", "&"))
    assert download.status_code == 200 and download.mimetype == "text/csv"
    printable = client.get("/rekap/cetak?kind=month&month=2026-03")
    page = printable.get_data(as_text=True)
    assert printable.status_code == 200 and 'class="card period-form' not in page
    assert "window.print()" in page and tile(page, "received") == "4"


def test_every_definition_is_named_in_words(client, login, seeded_reports):
    from engine.recap import DEFINITIONS

    login("kabid")
    html = client.get("/rekap?kind=month&month=2026-03").get_data(as_text=True)
    terms = re.findall(r"<dt>([^<]*)</dt><dd>", html[html.find('class="card definitions"'):])
    assert len(terms) == len(DEFINITIONS) and not set(terms) & set(DEFINITIONS), terms  # no raw key shown
    assert "Ditutup tanpa tanggapan pelapor" in terms


def test_english(client, login, seeded_reports):
    login("kabid")
    html = client.get("/rekap?kind=month&month=2026-03&lang=en").get_data(as_text=True)
    assert "Complaint recap" in html and "March 2026" in html and "33.3 %" in html and "In person" in html


@pytest.mark.parametrize("path", ["/rekap", "/rekap/cetak"])
def test_other_roles_are_refused(client, login, path):
    login("petugas")
    assert client.get(path).status_code == 403


def test_kasi_starts_a_recap_run_then_the_frozen_recap_is_listed_and_does_not_change(
    app, client, login, seeded_reports, submit, clock
):
    from sqlalchemy import select

    from engine.models import HumanTask
    from tasks_ui.extensions import db
    from tasks_ui.wiring import engine_context
    from tests.conftest import actor
    from tests.engine_helpers import step
    from tests.ui_fixtures import page_token

    login("kasi")
    html = client.get("/rekap?kind=month&month=2026-03").get_data(as_text=True)
    assert 'name="process" value="muba_rekap_bulanan"' in html
    assert 'value="sanggau_laporan_semester"' not in html  # a semester report is not started for a month
    token = page_token(client, "/rekap?kind=month&month=2026-03")
    response = client.post(
        "/rekap/mulai", data={"csrf_token": token, "process": "muba_rekap_bulanan", "period": "2026-03"}
    )
    assert response.status_code == 303 and response.headers["Location"].startswith("/tasks/")
    task_id = int(response.headers["Location"].rsplit("/", 1)[1])
    with app.app_context():
        row = db.session.get(HumanTask, task_id)
        assert row.bpmn_id == "susun_rekap"
        step(
            db.session,
            engine_context(),
            row.instance_id,
            "susun_rekap",
            actor("kasi"),
            {"periode_rekap": "2026-03", "ringkasan_rekap": "Tiga pengaduan, satu terlambat."},
        )
        db.session.remove()
    listing = client.get("/rekap").get_data(as_text=True)
    snapshot_id = int(re.search(r'<tr data-snapshot="(\d+)">', listing).group(1))
    assert "Beku" in _row(listing, "data-snapshot", str(snapshot_id))

    submit(channel="website")  # a fourth Muba complaint in March, after the recap was frozen
    login("kabid")
    frozen = client.get(f"/rekap/arsip/{snapshot_id}").get_data(as_text=True)
    assert (
        "Rekap beku: angka ini tidak berubah lagi." in frozen and "Tiga pengaduan, satu terlambat." in frozen
    )
    assert tile(frozen, "received") == "3" and "Maret 2026" in frozen
    assert f'href="/reports/snapshots/{snapshot_id}.xlsx"' in frozen or (
        f'href="/api/v1/reports/snapshots/{snapshot_id}.xlsx"' in frozen
    )
    live = client.get("/rekap?kind=month&month=2026-03&process=muba_pengaduan").get_data(as_text=True)
    assert tile(live, "received") == "4"
    assert "Mulai proses rekap" not in live  # only the kasi starts runs
    printable = client.get(f"/rekap/arsip/{snapshot_id}?cetak=1").get_data(as_text=True)
    assert "window.print()" in printable and tile(printable, "received") == "3"
    with app.app_context():
        kabid_step = db.session.scalars(
            select(HumanTask.id).where(HumanTask.bpmn_id == "terima_rekap_kabid")
        ).one()
        db.session.remove()
    card = client.get(f"/tasks/{kabid_step}").get_data(as_text=True)  # the kabid's step carries the recap
    assert f'href="/rekap/arsip/{snapshot_id}"' in card


def test_only_the_kasi_starts_runs_and_unknown_snapshots_are_404(client, login):
    login("kabid")
    from tests.ui_fixtures import page_token

    token = page_token(client, "/rekap")
    assert (
        client.post(
            "/rekap/mulai", data={"csrf_token": token, "process": "muba_rekap_bulanan", "period": "2026-03"}
        ).status_code
        == 403
    )
    assert client.get("/rekap/arsip/999").status_code == 404
