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

from . import texts


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


def _indonesian(names: dict[str, tuple[str, str]]) -> dict[str, str]:
    return {key: pair[0] for key, pair in names.items()}


# the files speak Indonesian with the words of the recap page (tasks_ui/reports/texts.py)
STATUS_LABELS = _indonesian(texts.STATUSES)
SLA_LABELS = _indonesian(texts.SLA_STATES)
CHANNEL_LABELS = _indonesian(texts.CHANNELS)
CATEGORY_LABELS = _indonesian(texts.CATEGORIES)
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


def _short_names(report: dict) -> dict[str, str]:
    """Process key → its name without the trailing source note (the list's column stays narrow)."""
    from .pages import short_name  # here: pages imports recap_page, which imports this module

    return {key: short_name(name) for key, name in report["scope"].get("process_names", {}).items()}


def _complaint_rows(report: dict) -> list[dict]:
    names = _short_names(report)
    return [{**row, "status_label": STATUS_LABELS.get(row["status"], row["status"]),
             "sla_label": SLA_LABELS.get(row["sla"], row["sla"]),
             "channel_label": CHANNEL_LABELS.get(row["channel"], row["channel"]),
             "category_label": CATEGORY_LABELS.get(row["category"], row["category"]),
             "process_name": names.get(row["process"], row["process"])} for row in report["complaints"]]


def _step_rows(report: dict) -> list[dict]:
    names = _short_names(report)
    return [{**row, "process_name": names.get(row["process"], row["process"])} for row in report["steps"]]


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
    Table("Kanal", "Menurut kanal", (Column("label", "Kanal"), Column("count", "Jumlah", "int")),
          lambda r: _labelled(r["by_channel"], CHANNEL_LABELS)),
    Table("Kategori", "Menurut kategori", (Column("label", "Kategori"), Column("count", "Jumlah", "int")),
          lambda r: _labelled(r["by_category"], CATEGORY_LABELS)),
    Table("Proses", "Menurut proses", (
        Column("name", "Proses"), Column("received", "Diterima", "int"), Column("answered", "Dijawab", "int"),
        Column("in_progress", "Dalam proses", "int"), Column("incomplete", "Tidak lengkap", "int"),
        Column("forwarded", "Diteruskan", "int"), Column("merged", "Digabung", "int"),
        Column("on_time", "Tepat waktu", "int"), Column("late", "Terlambat", "int"),
        Column("sla_rate", "Kepatuhan tenggat", "percent")), lambda r: r["by_process"]),
    Table("Langkah", "Waktu per langkah (jam kerja) dibanding waktu standar SOP", (
        Column("process_name", "Proses"), Column("name", "Langkah"), Column("role", "Peran"),
        Column("count", "Jumlah", "int"), Column("median_seconds", "Median (menit)", "minutes"),
        Column("p90_seconds", "Persentil 90 (menit)", "minutes"),
        Column("standard_seconds", "Standar SOP (menit)", "minutes"),
        Column("within_standard", "Dalam standar", "int"), Column("over_standard", "Melebihi standar", "int")),
        _step_rows),
    Table("Petugas", "Waktu per petugas (jam kerja)", (
        Column("official", "Petugas"), Column("count", "Langkah", "int"),
        Column("median_seconds", "Median (menit)", "minutes"), Column("p90_seconds", "Persentil 90 (menit)", "minutes"),
        Column("within_standard", "Dalam standar", "int"), Column("over_standard", "Melebihi standar", "int")),
        lambda r: r["officials"]),
    Table("Tunggakan", "Tunggakan pada akhir periode", (
        Column("label", "Proses"), Column("count", "Belum selesai", "int")),
        lambda r: _labelled(r["backlog"]["by_process"], r["scope"].get("process_names", {}))),
    Table("Perbandingan", "Perbandingan dengan periode sebelumnya", (
        Column("metric", "Ukuran"), Column("current", "Periode ini", "number"),
        Column("previous", "Periode sebelumnya", "number"), Column("change", "Perubahan", "number")),
        _comparison_rows),
    Table("Harian", "Pengaduan per hari", (
        Column("date", "Tanggal", "date"), Column("received", "Diterima", "int"),
        Column("answered", "Dijawab", "int")), lambda r: r["daily"]),
    Table("Pengaduan", "Daftar pengaduan", (
        Column("tracking_code", "Kode pelacakan"), Column("process_name", "Proses"),
        Column("channel_label", "Kanal"), Column("category_label", "Kategori"),
        Column("received_at", "Diterima", "datetime"),
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
    """An XLSX workbook: a sheet per table, numbers as numbers, dates as dates (office time). Written in
    openpyxl's write-only mode (rows streamed, not kept as cell objects): a year of a province's complaints
    is 100,000 rows."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    book = Workbook(write_only=True)
    bold = Font(bold=True)

    def styled(sheet, value, font=None, number_format=None):
        cell = WriteOnlyCell(sheet, value=value)
        if font is not None:
            cell.font = font
        if number_format is not None and value is not None:
            cell.number_format = number_format
        return cell

    info = book.create_sheet("Info")
    info.column_dimensions["A"].width = 24
    for line in _heading(report):
        info.append([line])
    info.append(["Dibuat", report["scope"]["generated_at"]])
    for key, text in report.get("definitions", {}).items():
        info.append([key, text])
    for table in TABLES:
        sheet = book.create_sheet(table.sheet)
        sheet.freeze_panes = "A3"
        for index, column in enumerate(table.columns, start=1):
            sheet.column_dimensions[get_column_letter(index)].width = max(12, min(48, len(column.header) + 4))
        sheet.append([styled(sheet, table.title, bold)])
        sheet.append([styled(sheet, c.header, bold) for c in table.columns])
        formats = [_FORMATS.get(c.kind) for c in table.columns]
        for row in table.rows(report):
            sheet.append([styled(sheet, value, number_format=number_format) if number_format else value
                          for value, number_format in zip((_value(report, c, row) for c in table.columns), formats,
                                                          strict=True)])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


# -- PDF -------------------------------------------------------------------------------------------

#: The PDF (like the printed page) lists at most this many complaints; the CSV and XLSX list every one.
PRINT_LIST_LIMIT = 2000


def recap_pdf(report: dict) -> bytes:
    """A printable PDF (A4 landscape): heading, every table, the complaint list (the first
    :data:`PRINT_LIST_LIMIT`, with a note pointing to the CSV/XLSX beyond that)."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.lib.units import mm
    from reportlab.pdfbase.pdfmetrics import stringWidth
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, TableStyle
    from reportlab.platypus import Table as PdfTable

    styles = getSampleStyleSheet()
    cell_style = styles["BodyText"].clone("cell", fontSize=7.5, leading=9)
    padding = 6 + 1  # the table's cell padding left and right, and a point to spare
    buffer = io.BytesIO()
    title = _heading(report)[0]
    document = SimpleDocTemplate(buffer, pagesize=landscape(A4), leftMargin=12 * mm, rightMargin=12 * mm,
                                 topMargin=12 * mm, bottomMargin=12 * mm, title=title,
                                 author="Alur", subject="Rekapitulasi layanan pengaduan")
    story = [Paragraph(_escape(title), styles["Title"]), Paragraph(_escape(_heading(report)[1]), styles["Normal"]),
             Spacer(1, 4 * mm)]

    def cell(text: str, width: float):
        # a text that fits its column on one line is drawn as it is; wrapping (a Paragraph) costs ten times more
        if "\n" not in text and stringWidth(text, cell_style.fontName, cell_style.fontSize) <= width - padding:
            return text
        return Paragraph(_escape(text), cell_style)

    for table in TABLES:
        rows = list(table.rows(report))
        if table.sheet == "Harian":
            continue  # a month of daily rows belongs to the chart on the page, not to the printout
        story.append(Paragraph(_escape(table.title), styles["Heading3"]))
        if not rows:
            story.append(Paragraph("Tidak ada data.", styles["Normal"]))
            continue
        if len(rows) > PRINT_LIST_LIMIT:
            story.append(Paragraph(_escape(
                f"{PRINT_LIST_LIMIT:,} pertama dari {len(rows):,} pengaduan (urut waktu diterima); daftar lengkap "
                "ada di unduhan CSV dan XLSX.".replace(",", ".")), styles["Normal"]))
            rows = rows[:PRINT_LIST_LIMIT]
        texts = [[_pdf_text(_value(report, c, row)) for c in table.columns] for row in rows]
        width = document.width * (1 if len(table.columns) > 4 else 0.6)
        widths = _column_widths([c.header for c in table.columns], texts, width, padding,
                                lambda text, bold=False: stringWidth(
                                    text, "Helvetica-Bold" if bold else cell_style.fontName, cell_style.fontSize))
        data = [[Paragraph(f"<b>{_escape(c.header)}</b>", cell_style) for c in table.columns]]
        data += [[cell(text, w) for text, w in zip(line, widths, strict=True)] for line in texts]
        pdf_table = PdfTable(data, repeatRows=1, hAlign="LEFT", colWidths=widths)
        pdf_table.setStyle(TableStyle([
            ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
            ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8eef5")),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("FONTNAME", (0, 1), (-1, -1), cell_style.fontName),
            ("FONTSIZE", (0, 1), (-1, -1), cell_style.fontSize),
            ("LEADING", (0, 1), (-1, -1), cell_style.leading),
        ]))
        story += [pdf_table, Spacer(1, 3 * mm)]
    document.build(story)
    return buffer.getvalue()


def _column_widths(headers: list[str], rows: list[list[str]], total: float, padding: float,
                   measure, sample: int = 300) -> list[float]:
    """Column widths filling ``total``: a column whose longest text (of the first ``sample`` rows) and
    longest header word fit gets that width; the columns that do not share what is left (they wrap)."""
    natural = []
    for index, header in enumerate(headers):
        widest = max([measure(word, True) for word in header.split()]
                     + [measure(line[index]) for line in rows[:sample]])
        natural.append(widest + padding)
    if sum(natural) <= total:  # everything fits on one line: stretch alike
        return [w * total / sum(natural) for w in natural]
    widths: list[float | None] = [None] * len(headers)
    left, open_columns = total, list(range(len(headers)))
    while open_columns:
        share = left / len(open_columns)
        fitting = [i for i in open_columns if natural[i] <= share]
        if not fitting:
            for i in open_columns:
                widths[i] = share
            break
        for i in fitting:
            widths[i] = natural[i]
            left -= natural[i]
        open_columns = [i for i in open_columns if i not in fitting]
    return [w or 0.0 for w in widths]


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
