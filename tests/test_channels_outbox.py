"""Notifications to the reporter: outbox rows in the operation's transaction, SMTP delivery, manual handling."""

from __future__ import annotations

import email
from email import policy

import pytest
from sqlalchemy import select

from engine import channels, notifications
from engine.actors import Actor
from engine.channels_models import OutboxMessage
from engine.errors import InvalidData, InvalidInput
from engine.notifications import SmtpConfig
from tests.channels_fixtures import INTAKE, PETUGAS, smtp_server  # noqa: F401
from tests.engine_helpers import step

SENDER = Actor("system:outbox", frozenset(), "system")
WITH_EMAIL = {**INTAKE, "reporter": {**INTAKE["reporter"], "email": "rina@example.id"}}


def _outbox(session):
    return session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()


def _finish_muba(session, ctx, roles, instance_id):
    step(session, ctx, instance_id, "verifikasi_formulir", roles["petugas"],
         {"lengkap": True, "nomor_buku_pengaduan": "12/III/2026"})
    step(session, ctx, instance_id, "periksa_laporan", roles["kasi"],
         {"hasil_pemeriksaan": "benar", "catatan_solusi": "Router ruang baca diganti."})
    step(session, ctx, instance_id, "beri_solusi", roles["kabid"],
         {"bentuk_jawaban": "tertulis", "jawaban": "Wifi ruang baca sudah diperbaiki pada 14 Maret."})


def test_receipt_and_answer_are_queued_with_the_operations(deployed, ctx, roles):
    sub = channels.record_complaint(deployed, ctx, "muba_pengaduan", WITH_EMAIL, actor=PETUGAS)
    [receipt] = _outbox(deployed)
    assert (receipt.kind, receipt.recipient, receipt.state) == ("receipt", "rina@example.id", "pending")
    assert sub.tracking_code in receipt.body and sub.reporter_key in receipt.body
    assert "12-03-2026 14:30 WIB" in receipt.body
    _finish_muba(deployed, ctx, roles, sub.instance.id)
    answer = _outbox(deployed)[1]
    assert (answer.kind, answer.recipient) == ("answer", "rina@example.id")
    assert "Wifi ruang baca sudah diperbaiki" in answer.body
    # a complaint handled to the end keeps the plain answer (not the forwarded or closed wording)
    assert f"kode pelacakan {sub.tracking_code} telah selesai ditangani." in answer.body
    assert answer.subject == f"Jawaban pengaduan {sub.tracking_code}"


def test_nothing_is_queued_when_the_submission_fails(deployed, ctx):
    with pytest.raises(InvalidData):
        channels.record_complaint(deployed, ctx, "muba_pengaduan", {**WITH_EMAIL, "description": "x"}, actor=PETUGAS)
    assert _outbox(deployed) == []


def test_without_smtp_messages_stay_visible_and_can_be_handled_by_hand(deployed, ctx):
    channels.record_complaint(deployed, ctx, "muba_pengaduan", INTAKE, actor=PETUGAS)  # phone only
    channels.record_complaint(deployed, ctx, "muba_pengaduan", {**WITH_EMAIL, "subject": "Hal lain sama sekali"},
                              actor=PETUGAS)
    assert notifications.send_pending(deployed, ctx, None, actor=SENDER) == {"sent": 0, "failed": 0, "skipped": 1}
    no_address, pending = _outbox(deployed)
    assert (no_address.state, pending.state) == ("no_address", "pending")
    assert [m.id for m in notifications.outbox(deployed, states=("pending", "no_address"))] == [pending.id,
                                                                                                  no_address.id]
    notifications.mark_delivered_by_hand(deployed, ctx, no_address.id, "dibacakan lewat telepon", actor=PETUGAS)
    assert no_address.state == "delivered_by_hand" and no_address.handled_by == "petugas1"
    assert notifications.KEY_REDACTED in no_address.body
    with pytest.raises(InvalidInput):
        notifications.mark_delivered_by_hand(deployed, ctx, no_address.id, "", actor=PETUGAS)


def test_real_smtp_delivery_to_a_local_server(deployed, ctx, smtp_server):
    port, received, set_failing = smtp_server
    sub = channels.record_complaint(deployed, ctx, "muba_pengaduan", WITH_EMAIL, actor=PETUGAS)
    config = SmtpConfig(host="127.0.0.1", port=port, security="none", sender="pengaduan@dinas.example.id")
    set_failing(True)
    assert notifications.send_pending(deployed, ctx, config, actor=SENDER) == {"sent": 0, "failed": 1, "skipped": 0}
    [message] = _outbox(deployed)
    assert message.state == "failed" and "550" in message.last_error and sub.reporter_key in message.body
    set_failing(False)
    assert notifications.send_pending(deployed, ctx, config, actor=SENDER) == {"sent": 1, "failed": 0, "skipped": 0}
    [envelope] = received
    assert envelope["rcpt"] == ["<rina@example.id>"]
    mail = email.message_from_bytes(envelope["data"], policy=policy.default)
    assert mail["To"] == "rina@example.id" and sub.tracking_code in mail["Subject"]
    assert sub.reporter_key in mail.get_content()
    assert message.state == "sent" and message.attempts == 2
    assert sub.reporter_key not in message.body  # the secret is not kept once delivered
    assert notifications.send_pending(deployed, ctx, config, actor=SENDER) == {"sent": 0, "failed": 0, "skipped": 0}


def test_smtp_config_from_environment():
    assert SmtpConfig.from_env({}) is None
    config = SmtpConfig.from_env({"ALUR_SMTP_HOST": "mail.example.id", "ALUR_SMTP_SECURITY": "ssl",
                                  "ALUR_SMTP_USER": "u", "ALUR_SMTP_PASSWORD": "p", "ALUR_SMTP_FROM": "a@b.id"})
    assert (config.host, config.port, config.username, config.sender) == ("mail.example.id", 465, "u", "a@b.id")
