"""SP4N-LAPOR!'s 10-working-day rule: a LAPOR! report whose reporter does not reply to a request for more
material is closed by the timer worker 10 working days (``lapor_tutup_tanpa_tanggapan`` in
processes/deadlines.json, counted with the office calendar) after the request.

Engine, real SpiffWorkflow, SQLite and the timer sweep; the clock is moved by hand. The request is made on
Friday 13 March 2026 09:00 WIB; Nyepi and Idul Fitri (18–24 March) and Good Friday (3 April) lie in between,
so the 10th working day is Monday 6 April and the report closes after its office closing time (16:00).
"""

from __future__ import annotations

import email
from datetime import date, datetime, timedelta
from email import policy
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from engine import channels, lapor, notifications, runtime
from engine.actors import Actor
from engine.audit import verify_chain
from engine.channels_models import OutboxMessage
from engine.models import AuditEvent, HumanTask, ProcessInstance, Timer
from engine.notifications import SmtpConfig
from engine.recap import compute_recap
from engine.replay import replay_instance
from engine.timers import sweep_due_timers
from engine.visibility import PUBLIC, complaint_view
from tests.channels_fixtures import INTAKE, PETUGAS, smtp_server  # noqa: F401
from tests.conftest import START
from tests.engine_helpers import ready_task, step

WIB = ZoneInfo("Asia/Jakarta")
#: The request is made at START (Friday 13 March 09:00 WIB); its 10th working day closes here.
DEADLINE = datetime(2026, 4, 6, 16, 0, tzinfo=WIB)
LAPOR = {**INTAKE, "channel": "sp4n_lapor", "received_at": "2026-03-12T14:30:00+07:00",
         "reporter": {**INTAKE["reporter"], "email": "rina@example.id"}}
MISSING = "Sebutkan tanggal dan jam wifi terputus."
#: Per complaint process: the official steps up to the request for more material, and the step it returns to.
ASKS_REPORTER = {
    "muba_pengaduan": ([("verifikasi_formulir", "petugas", {"lengkap": False, "kekurangan": MISSING,
                                                            "nomor_buku_pengaduan": "21/III/2026"})],
                       "verifikasi_formulir"),
    "sanggau_pengaduan": ([("catat_buku_pengaduan", "petugas", {"nomor_buku_pengaduan": "BP-077/2026"}),
                           ("distribusikan_aduan", "kasi", {"penjawab_utama": "kabid_perpustakaan",
                                                            "libatkan_kepala_dinas": False}),
                           ("tanggapi_kelengkapan", "kabid", {"lengkap": False, "kekurangan": MISSING,
                                                              "tanggapan": "Materi aduan belum lengkap."})],
                          "tanggapi_kelengkapan"),
    "perpusnas_pengaduan": ([("terima_pengaduan", "petugas", {"nomor_registrasi": "PPP/2026/077",
                                                              "bentuk_pengaduan": "tertulis",
                                                              "prosedur_dijelaskan": True, "lengkap": False,
                                                              "kekurangan": MISSING})],
                            "terima_pengaduan"),
}
CLOSED_STAGE = "Ditutup — pelapor tidak menanggapi"
CLOSED_OPENING = ("Laporan SP4N-LAPOR! Anda dengan kode pelacakan {code} telah ditutup karena pelapor tidak "
                  "menanggapi permintaan kelengkapan dalam batas waktu SP4N-LAPOR!")


def _asked_for_material(session, ctx, roles, process_key, intake):
    """A recorded complaint whose officials asked the reporter for more material at START."""
    sub = channels.record_complaint(session, ctx, process_key, intake, actor=PETUGAS)
    for bpmn_id, role, data in ASKS_REPORTER[process_key][0]:
        step(session, ctx, sub.instance.id, bpmn_id, roles[role], data)
    return sub


def _sweep_at(session, session_factory, ctx, clock, at: datetime) -> ProcessInstance:
    clock.set(at)
    sweep_due_timers(session_factory, ctx)
    session.expire_all()


def _closing_timer(session, instance_id):
    return session.scalars(select(Timer).where(Timer.instance_id == instance_id,
                                               Timer.bpmn_id == "tutup_tanpa_tanggapan")).one()


def test_the_holidays_lie_in_between(ctx):
    """The dates this file relies on (so a change of the holiday data shows here first)."""
    calendar = ctx.calendar
    assert not calendar.is_working_day(date(2026, 3, 20)) and not calendar.is_working_day(date(2026, 4, 3))
    assert calendar.add_working_days(START, 10) == DEADLINE
    assert calendar.add_working_days(START, 9) == datetime(2026, 4, 2, 16, 0, tzinfo=WIB)


@pytest.mark.parametrize("process_key", sorted(ASKS_REPORTER))
def test_lapor_report_is_closed_after_ten_working_days_not_a_day_earlier(deployed, session_factory, ctx, clock,
                                                                         roles, process_key):
    sub = _asked_for_material(deployed, ctx, roles, process_key, LAPOR)
    iid = sub.instance.id
    row = ready_task(deployed, iid, "lengkapi_pengaduan_lapor")
    assert row.role == "pelapor" and row.sla_due_at == DEADLINE
    timer = _closing_timer(deployed, iid)
    assert (timer.state, timer.due_at) == ("waiting", DEADLINE)

    # ten weekdays without the holidays, the 9th working day, the deadline itself: still open
    for at in (datetime(2026, 3, 27, 16, 0, 1, tzinfo=WIB), datetime(2026, 4, 2, 16, 0, 1, tzinfo=WIB),
               datetime(2026, 4, 3, 12, 0, tzinfo=WIB), DEADLINE):
        _sweep_at(deployed, session_factory, ctx, clock, at)
        instance = deployed.get(ProcessInstance, iid)
        assert instance.status == "running", at
        assert ready_task(deployed, iid, "lengkapi_pengaduan_lapor").id == row.id
        assert lapor.lapor_status(deployed, instance)["status"] != "ditutup"

    closed_at = DEADLINE + timedelta(seconds=1)
    _sweep_at(deployed, session_factory, ctx, clock, closed_at)
    instance = deployed.get(ProcessInstance, iid)
    assert (instance.status, instance.stage, instance.completed_at) == ("completed", CLOSED_STAGE, closed_at)
    assert instance.answer == (
        "Laporan SP4N-LAPOR! Anda ditutup karena kekurangan yang kami minta tidak dilengkapi dalam batas waktu "
        "SP4N-LAPOR!: Sebutkan tanggal dan jam wifi terputus. Anda dapat menyampaikan laporan baru bila masih "
        "diperlukan.")
    assert lapor.lapor_status(deployed, instance) == {"status": "ditutup",
                                                      "label": "Ditutup (pelapor tidak menanggapi)"}
    assert deployed.get(HumanTask, row.id).state == "cancelled"
    assert not deployed.scalars(select(HumanTask).where(HumanTask.instance_id == iid,
                                                        HumanTask.state == "ready")).all()
    assert (_closing_timer(deployed, iid).state, _closing_timer(deployed, iid).fired_at) == ("fired", closed_at)

    # the record: the worker fired the timer, the reporter's step was cancelled, the instance ended
    events = deployed.execute(select(AuditEvent.type, AuditEvent.actor, AuditEvent.bpmn_id).where(
        AuditEvent.instance_id == iid, AuditEvent.at == closed_at).order_by(AuditEvent.seq)).all()
    assert [tuple(e) for e in events] == [
        ("TIMER_FIRED", "system:timer", "tutup_tanpa_tanggapan"),
        ("TASK_CANCELLED", "system:timer", "lengkapi_pengaduan_lapor"),
        ("INSTANCE_COMPLETED", "system:timer", None),
        ("NOTIFICATION_QUEUED", "system:timer", None)]
    assert verify_chain(deployed).ok
    result = replay_instance(deployed, ctx, iid)
    assert result.reproduced, result.divergence

    # the reporter is told, through the outbox
    message = deployed.scalars(select(OutboxMessage).where(OutboxMessage.instance_id == iid,
                                                           OutboxMessage.kind == "answer")).one()
    assert message.recipient == "rina@example.id" and MISSING.rstrip(".") in message.body
    assert CLOSED_OPENING.format(code=sub.tracking_code) in message.body
    assert "selesai ditangani" not in message.body and message.subject == f"Laporan {sub.tracking_code} ditutup"
    # the public tracking view shows the closed stage
    assert complaint_view(instance, None, PUBLIC, "public")["stage"] == CLOSED_STAGE


@pytest.mark.parametrize("process_key", sorted(ASKS_REPORTER))
def test_a_whatsapp_complaint_in_the_same_state_is_not_closed(deployed, session_factory, ctx, clock, roles,
                                                              process_key):
    sub = _asked_for_material(deployed, ctx, roles, process_key, INTAKE)
    iid = sub.instance.id
    row = ready_task(deployed, iid, "lengkapi_pengaduan")
    assert row.role == "pelapor" and row.sla_due_at is None
    assert not deployed.scalars(select(Timer).where(Timer.instance_id == iid, Timer.state == "waiting")).all()
    for at in (DEADLINE + timedelta(seconds=1), DEADLINE + timedelta(days=90)):
        _sweep_at(deployed, session_factory, ctx, clock, at)
        instance = deployed.get(ProcessInstance, iid)
        assert instance.status == "running" and instance.stage == "Lengkapi Pengaduan"
        assert ready_task(deployed, iid, "lengkapi_pengaduan").id == row.id
    assert not deployed.scalars(select(AuditEvent).where(AuditEvent.instance_id == iid,
                                                         AuditEvent.type == "TIMER_FIRED")).all()


@pytest.mark.parametrize("process_key", sorted(ASKS_REPORTER))
def test_the_reporter_replying_before_the_deadline_cancels_the_timer(deployed, session_factory, ctx, clock, roles,
                                                                     process_key):
    sub = _asked_for_material(deployed, ctx, roles, process_key, LAPOR)
    iid = sub.instance.id
    clock.set(datetime(2026, 4, 6, 15, 30, tzinfo=WIB))  # half an hour before the deadline
    runtime.complete_reporter_task(deployed, ctx, sub.tracking_code, sub.reporter_key,
                                   {"tambahan": "Senin 9 Maret, pukul 10.00 sampai 12.00."})
    deployed.expire_all()
    assert _closing_timer(deployed, iid).state == "cancelled"
    back = ASKS_REPORTER[process_key][1]
    ready_task(deployed, iid, back)
    _sweep_at(deployed, session_factory, ctx, clock, DEADLINE + timedelta(days=1))
    instance = deployed.get(ProcessInstance, iid)
    assert instance.status == "running" and instance.stage != CLOSED_STAGE
    assert not deployed.scalars(select(AuditEvent).where(AuditEvent.instance_id == iid,
                                                         AuditEvent.bpmn_id == "tutup_tanpa_tanggapan")).all()
    if process_key != "sanggau_pengaduan":  # Sanggau's 5-day answer window may escalate meanwhile
        ready_task(deployed, iid, back)


def test_a_second_request_arms_a_new_ten_days(deployed, session_factory, ctx, clock, roles):
    """Each request for material gives the reporter 10 working days from that request."""
    sub = _asked_for_material(deployed, ctx, roles, "perpusnas_pengaduan", LAPOR)
    iid = sub.instance.id
    clock.set(datetime(2026, 3, 25, 10, 0, tzinfo=WIB))
    runtime.complete_reporter_task(deployed, ctx, sub.tracking_code, sub.reporter_key, {"tambahan": "Tanggal 9."})
    clock.set(datetime(2026, 3, 26, 10, 0, tzinfo=WIB))  # Thursday: asked again
    step(deployed, ctx, iid, "terima_pengaduan", roles["petugas"], ASKS_REPORTER["perpusnas_pengaduan"][0][0][2])
    deployed.expire_all()
    timers = deployed.scalars(select(Timer).where(Timer.instance_id == iid, Timer.bpmn_id == "tutup_tanpa_tanggapan")
                              .order_by(Timer.id)).all()
    new_deadline = ctx.calendar.add_working_days(clock.now(), 10)
    assert new_deadline == datetime(2026, 4, 10, 16, 0, tzinfo=WIB)  # Good Friday skipped
    assert [(t.state, t.due_at) for t in timers] == [("cancelled", DEADLINE), ("waiting", new_deadline)]
    _sweep_at(deployed, session_factory, ctx, clock, DEADLINE + timedelta(seconds=1))
    assert deployed.get(ProcessInstance, iid).status == "running"
    _sweep_at(deployed, session_factory, ctx, clock, new_deadline + timedelta(seconds=1))
    assert deployed.get(ProcessInstance, iid).stage == CLOSED_STAGE


def test_the_closure_mail_says_why_it_was_closed(deployed, session_factory, ctx, clock, roles, smtp_server):
    """What reaches the reporter's mailbox: closed for want of a reply in time, with the code and the answer."""
    port, received, _ = smtp_server
    sub = _asked_for_material(deployed, ctx, roles, "muba_pengaduan", LAPOR)
    _sweep_at(deployed, session_factory, ctx, clock, DEADLINE + timedelta(seconds=1))
    config = SmtpConfig(host="127.0.0.1", port=port, security="none", sender="pengaduan@dinas.example.id")
    assert notifications.send_pending(deployed, ctx, config, actor=Actor("system:outbox", frozenset(), "system")) == {
        "sent": 2, "failed": 0, "skipped": 0}  # the receipt, then the answer
    mail = email.message_from_bytes(received[-1]["data"], policy=policy.default)
    body = mail.get_content()
    assert mail["Subject"] == f"Laporan {sub.tracking_code} ditutup"
    assert CLOSED_OPENING.format(code=sub.tracking_code) in body
    assert deployed.get(ProcessInstance, sub.instance.id).answer in body.replace("\r\n", "\n")
    assert "selesai ditangani" not in body


def test_the_recap_counts_a_closed_report_as_closed_without_reply(deployed, session_factory, ctx, clock, roles):
    sub = _asked_for_material(deployed, ctx, roles, "sanggau_pengaduan", LAPOR)
    _sweep_at(deployed, session_factory, ctx, clock, DEADLINE + timedelta(minutes=5))

    def recap(start, end):
        return compute_recap(deployed, ctx, process_keys="sanggau_pengaduan", period_start=start,
                             period_end=end, viewer=roles["kabid"])

    # as at 31 March the report was waiting on the reporter (its step is cancelled only on 6 April)
    march = recap(date(2026, 3, 1), date(2026, 3, 31))
    assert march["totals"]["incomplete"] == 1 and march["totals"]["closed_no_response"] == 0
    assert march["totals"]["answered"] == 0 and march["backlog"]["total"] == 1
    assert march["complaints"][0]["completed_at"] is None
    both = recap(date(2026, 3, 1), date(2026, 4, 30))
    assert both["totals"]["closed_no_response"] == 1
    assert both["totals"]["answered"] == 0 and both["totals"]["incomplete"] == 0
    assert {"key": "closed_no_response", "count": 1} in both["by_status"]
    [row] = both["complaints"]
    assert (row["tracking_code"], row["status"], row["stage"]) == (sub.tracking_code, "closed_no_response",
                                                                   CLOSED_STAGE)
    assert both["backlog"]["total"] == 0


def test_the_tracking_page_and_the_complaint_card_show_the_closure(app, client, login, clock):
    from engine.timers import fire_instance_timers
    from tasks_ui.extensions import db
    from tasks_ui.wiring import engine_context

    with app.app_context():
        ctx = engine_context()
        roles = {r: Actor(f"{r}1", frozenset({r})) for r in ("kasi", "kabid")}
        roles["petugas"] = Actor("petugas", frozenset({"petugas"}))  # the demo user: its card shows the complaint
        sub = _asked_for_material(db.session, ctx, roles, "sanggau_pengaduan", LAPOR)
        code = sub.tracking_code
        open_page = client.get(f"/lacak/{code}").get_data(as_text=True)
        assert "Sedang diproses" in open_page and "Lengkapi Laporan SP4N-LAPOR!" in open_page
        clock.set(DEADLINE + timedelta(seconds=1))
        assert fire_instance_timers(db.session, ctx, sub.instance.id) == 1
        db.session.remove()
    page = client.get(f"/lacak/{code}").get_data(as_text=True)
    assert f'<span class="badge">{CLOSED_STAGE}</span>' in page
    assert '<span class="badge">Selesai</span>' not in page
    assert f'<dd id="stage">{CLOSED_STAGE}</dd>' in page and "Anda dapat menyampaikan laporan baru" in page
    english = client.get(f"/lacak/{code}?lang=en").get_data(as_text=True)
    assert "Closed — the reporter did not reply" in english
    login("petugas")
    card = client.get(f"/petugas/pengaduan/{code}").get_data(as_text=True)
    assert "Ditutup (pelapor tidak menanggapi)" in card
