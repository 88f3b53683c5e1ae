"""The recap as files: CSV (sections), XLSX (a sheet per table, typed cells) and PDF (A4 landscape).

Each function takes the dict of :func:`engine.recap.compute_recap` — already masked for the purpose
``export`` by the engine (``engine.visibility`` decides) — and returns bytes. The tables and their
columns are declared once in :data:`TABLES`, so the three formats always agree.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class Column:
    """One column: the report key, its Indonesian header and its kind (``text``, ``int``, ``number``,
    ``minutes`` (office seconds shown as minutes), ``percent``, ``date``, ``datetime``)."""

    key: str
    header: str
    kind: str = "text"


@dataclass(frozen=True)
class Table:
    """A table of the recap: sheet name, title, columns and how to get its rows from the report."""

    sheet: str
    title: str
    columns: tuple[Column, ...]
    rows: Callable[[dict], Iterable[dict]]


STATUS_LABELS = {"answered": "Dijawab", "in_progress": "Dalam proses", "forwarded": "Diteruskan",
                 "closed_no_response": "Ditutup (pelapor tidak menanggapi)",
                 "incomplete": "Tidak lengkap (dikembalikan)", "merged": "Digabung (duplikat)"}
SLA_LABELS = {"on_time": "Tepat waktu", "late": "Terlambat", "pending": "Belum jatuh tempo",
              "not_applicable": "-"}
METRIC_LABELS = {"received": "Pengaduan diterima", "answered": "Dijawab", "on_time": "Tepat waktu",
                 "late": "Terlambat", "incomplete": "Tidak lengkap", "escalated": "Dieskalasi",
                 "backlog": "Tunggakan akhir periode", "sla_rate": "Kepatuhan tenggat"}


def _summary_rows(report: dict) -> list[dict]:
    totals, backlog = report["totals"], report["backlog"]
    rows = [{"metric": METRIC_LABELS["received"], "value": totals["received"]}]
    rows += [{"metric": STATUS_LABELS[s], "value": totals[s]} for s in STATUS_LABELS]
    rows += [{"metric": SLA_LABELS[s], "value": totals[s]} for s in ("on_time", "late", "pending")]
    rows += [{"metric": METRIC_LABELS["escalated"], "value": totals["escalated"]},
             {"metric": METRIC_LABELS["backlog"], "value": backlog["total"]},
             {"metric": METRIC_LABELS["sla_rate"] + " (%)",
              "value": None if totals["sla_rate"] is None else round(totals["sla_rate"] * 100, 1)}]
    return rows


def _labelled(rows: Iterable[dict], labels: dict) -> list[dict]:
    return [{**row, "label": labels.get(row["key"], row["key"])} for row in rows]


def _complaint_rows(report: dict) -> list[dict]:
    return [{**row, "status_label": STATUS_LABELS.get(row["status"], row["status"]),
             "sla_label": SLA_LABELS.get(row["sla"], row["sla"])} for row in report["complaints"]]


def _comparison_rows(report: dict) -> list[dict]:
    out = []
    for row in report["comparison"]:
        scale = 100 if row["metric"] == "sla_rate" else 1
        out.append({"metric": METRIC_LABELS.get(row["metric"], row["metric"]) + (" (%)" if scale == 100 else ""),
                    **{k: None if row[k] is None else round(row[k] * scale, 1) if scale == 100 else row[k]
                       for k in ("current", "previous", "change")}})
    return out


TABLES: tuple[Table, ...] = (
    Table("Ringkasan", "Ringkasan", (Column("metric", "Ukuran"), Column("value", "Jumlah", "number")),
          _summary_rows),
    Table("Status", "Status pengaduan", (Column("label", "Status"), Column("count", "Jumlah", "int")),
          lambda r: _labelled(r["by_status"], STATUS_LABELS)),
    Table("Kanal", "Menurut kanal", (Column("key", "Kanal"), Column("count", "Jumlah", "int")),
          lambda r: r["by_channel"]),
    Table("Kategori", "Menurut kategori", (Column("key", "Kategori"), Column("count", "Jumlah", "int")),
          lambda r: r["by_category"]),
    Table("Proses", "Menurut proses", (
        Column("key", "Proses"), Column("received", "Diterima", "int"), Column("answered", "Dijawab", "int"),
        Column("in_progress", "Dalam proses", "int"), Column("incomplete", "Tidak lengkap", "int"),
        Column("forwarded", "Diteruskan", "int"), Column("merged", "Digabung", "int"),
        Column("on_time", "Tepat waktu", "int"), Column("late", "Terlambat", "int"),
        Column("sla_rate", "Kepatuhan tenggat", "percent")), lambda r: r["by_process"]),
    Table("Langkah", "Waktu per langkah (jam kerja) dibanding waktu standar SOP", (
        Column("process", "Proses"), Column("name", "Langkah"), Column("role", "Peran"),
        Column("count", "Jumlah", "int"), Column("median_seconds", "Median (menit)", "minutes"),
        Column("p90_seconds", "Persentil 90 (menit)", "minutes"),
        Column("standard_seconds", "Standar SOP (menit)", "minutes"),
        Column("within_standard", "Dalam standar", "int"), Column("over_standard", "Melebihi standar", "int")),
        lambda r: r["steps"]),
    Table("Petugas", "Waktu per petugas (jam kerja)", (
        Column("official", "Petugas"), Column("count", "Langkah", "int"),
        Column("median_seconds", "Median (menit)", "minutes"), Column("p90_seconds", "Persentil 90 (menit)", "minutes"),
        Column("within_standard", "Dalam standar", "int"), Column("over_standard", "Melebihi standar", "int")),
        lambda r: r["officials"]),
    Table("Tunggakan", "Tunggakan pada akhir periode", (
        Column("key", "Proses"), Column("count", "Belum selesai", "int")), lambda r: r["backlog"]["by_process"]),
    Table("Perbandingan", "Perbandingan dengan periode sebelumnya", (
        Column("metric", "Ukuran"), Column("current", "Periode ini", "number"),
        Column("previous", "Periode sebelumnya", "number"), Column("change", "Perubahan", "number")),
        _comparison_rows),
    Table("Harian", "Pengaduan per hari", (
        Column("date", "Tanggal", "date"), Column("received", "Diterima", "int"),
        Column("answered", "Dijawab", "int")), lambda r: r["daily"]),
    Table("Pengaduan", "Daftar pengaduan", (
        Column("tracking_code", "Kode pelacakan"), Column("process", "Proses"), Column("channel", "Kanal"),
        Column("category", "Kategori"), Column("received_at", "Diterima", "datetime"),
        Column("completed_at", "Selesai", "datetime"), Column("status_label", "Status"),
        Column("sla_label", "Tenggat"), Column("stage", "Tahap"), Column("subject", "Perihal"),
        Column("answer", "Ringkasan jawaban")), _complaint_rows),
)


def _value(report: dict, column: Column, row: dict):
    """The typed value of a cell (dates as dates in office time, durations as minutes)."""
    value = row.get(column.key)
    if value is None or value == "":
        return None
    if column.kind == "minutes":
        return round(float(value) / 60, 1)
    if column.kind == "percent":
        return round(float(value) * 100, 1)
    if column.kind == "date":
        return date.fromisoformat(value)
    if column.kind == "datetime":
        tz = ZoneInfo(report["scope"]["timezone"])
        return datetime.fromisoformat(value).astimezone(tz).replace(tzinfo=None)
    return value


def _heading(report: dict) -> list[str]:
    scope = report["scope"]
    return [f"Rekapitulasi Layanan Pengaduan — {scope['period']['label']}",
            f"Periode {scope['period']['start']} s.d. {scope['period']['end']}; proses: "
            + ", ".join(scope["processes"]) + f"; dihitung sampai {scope['cutoff']}"]


# -- CSV -------------------------------------------------------------------------------------------

def recap_csv(report: dict) -> bytes:
    """One CSV (UTF-8 with BOM, for spreadsheet programs): a titled section per table."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    for line in _heading(report):
        writer.writerow([line])
    for table in TABLES:
        writer.writerow([])
        writer.writerow([table.title])
        writer.writerow([c.header for c in table.columns])
        for row in table.rows(report):
            writer.writerow(["" if (v := _value(report, c, row)) is None else
                             v.strftime("%Y-%m-%d %H:%M") if isinstance(v, datetime) else v
                             for c in table.columns])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


# -- XLSX ------------------------------------------------------------------------------------------

_FORMATS = {"int": "0", "number": "0.0##", "minutes": "0.0", "percent": "0.0", "date": "yyyy-mm-dd",
            "datetime": "yyyy-mm-dd hh:mm"}


def recap_xlsx(report: dict) -> bytes:
    """An XLSX workbook: a sheet per table, numbers as numbers, dates as dates (office time)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    book.remove(book.active)
    for table in TABLES:
        sheet = book.create_sheet(table.sheet)
        sheet.append([table.title])
        sheet["A1"].font = Font(bold=True)
        sheet.append([c.header for c in table.columns])
        for cell in sheet[2]:
            cell.font = Font(bold=True)
        for row in table.rows(report):
            sheet.append([_value(report, c, row) for c in table.columns])
        for index, column in enumerate(table.columns, start=1):
            letter = sheet.cell(row=2, column=index).column_letter
            sheet.column_dimensions[letter].width = max(12, min(48, len(column.header) + 4))
            if column.kind in _FORMATS:
                for (cell,) in sheet.iter_rows(min_row=3, min_col=index, max_col=index):
                    cell.number_format = _FORMATS[column.kind]
        sheet.freeze_panes = "A3"
    info = book.create_sheet("Info", 0)
    for line in _heading(report):
        info.append([line])
    info.append(["Dibuat", report["scope"]["generated_at"]])
    for key, text in report.get("definitions", {}).items():
        info.append([key, text])
    info.column_dimensions["A"].width = 24
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


# -- PDF -------------------------------------------------------------------------------------------

def recap_pdf(report: dict) -> bytes:
    """A printable PDF (A4 landscape): heading, every table, the complaint list."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, TableStyle
    from reportlab.platypus import Table as PdfTable

    styles = getSampleStyleSheet()
    cell_style = styles["BodyText"].clone("cell", fontSize=7.5, leading=9)
    buffer = io.BytesIO()
    title = _heading(report)[0]
    document = SimpleDocTemplate(buffer, pagesize=landscape(A4), leftMargin=12 * mm, rightMargin=12 * mm,
                                 topMargin=12 * mm, bottomMargin=12 * mm, title=title,
                                 author="Alur", subject="Rekapitulasi layanan pengaduan")
    story = [Paragraph(_escape(title), styles["Title"]), Paragraph(_escape(_heading(report)[1]), styles["Normal"]),
             Spacer(1, 4 * mm)]
    for table in TABLES:
        rows = list(table.rows(report))
        if table.sheet == "Harian":
            continue  # a month of daily rows belongs to the chart on the page, not to the printout
        story.append(Paragraph(_escape(table.title), styles["Heading3"]))
        if not rows:
            story.append(Paragraph("Tidak ada data.", styles["Normal"]))
            continue
        data = [[Paragraph(f"<b>{_escape(c.header)}</b>", cell_style) for c in table.columns]]
        for row in rows:
            data.append([Paragraph(_escape(_pdf_text(_value(report, c, row))), cell_style) for c in table.columns])
        weights = [1 if c.kind in _FORMATS else 2 for c in table.columns]
        width = document.width * (1 if len(table.columns) > 4 else 0.6)
        pdf_table = PdfTable(data, repeatRows=1, hAlign="LEFT",
                             colWidths=[width * w / sum(weights) for w in weights])
        pdf_table.setStyle(TableStyle([
            ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
            ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8eef5")),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ]))
        story += [pdf_table, Spacer(1, 3 * mm)]
    document.build(story)
    return buffer.getvalue()


def _pdf_text(value) -> str:
    if value is None:
        return "-"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, float):
        return f"{value:.1f}"
    return str(value)


def _escape(text: str) -> str:
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
