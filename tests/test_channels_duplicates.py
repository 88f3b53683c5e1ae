"""Duplicate detection: same reporter or very similar text within the window; merge or dismiss, audited."""

from __future__ import annotations

import difflib
import random

import pytest
from sqlalchemy import select

from engine import channels, duplicates
from engine.channels_models import ComplaintIntake, DuplicateFlag
from engine.errors import InvalidInput
from engine.models import AuditEvent, HumanTask, Timer
from tests.channels_fixtures import INTAKE, PETUGAS

OTHER = {**INTAKE, "reporter": {"name": "Orang Lain", "address": "Jl. Lain 1", "email": "lain@example.id"},
         "subject": "Toilet perpustakaan rusak", "description": "Keran toilet lantai dua patah dan air terus mengalir."}


def _record(session, ctx, data, process="sanggau_pengaduan"):
    return channels.record_complaint(session, ctx, process, data, actor=PETUGAS).instance


def _flags(session):
    return [(f.instance_id, f.candidate_id, f.reason) for f in session.scalars(select(DuplicateFlag))]


def test_normalisation():
    assert duplicates.normalize_phone("+62 812-7777-8888") == duplicates.normalize_phone("0812 7777 8888")
    assert duplicates.normalize_phone("12") is None
    assert duplicates.normalize_email(" Rina@Example.ID ") == "rina@example.id"


def test_same_phone_in_another_format_is_flagged(deployed, ctx):
    first = _record(deployed, ctx, INTAKE)
    second = _record(deployed, ctx, {**OTHER, "reporter": {"name": "R", "phone": "+62 812 7777 8888"}})
    assert _flags(deployed) == [(second.id, first.id, "same_phone")]


def test_same_email_is_flagged(deployed, ctx):
    first = _record(deployed, ctx, OTHER)
    second = _record(deployed, ctx, {**INTAKE, "reporter": {"name": "X", "email": "LAIN@example.id"}})
    assert _flags(deployed) == [(second.id, first.id, "same_email")]


def test_very_similar_text_is_flagged_and_different_text_is_not(deployed, ctx):
    first = _record(deployed, ctx, INTAKE)
    _record(deployed, ctx, OTHER)
    similar = {**INTAKE, "reporter": {"name": "B", "email": "b@example.id"},
               "subject": "Wifi di ruang baca tidak bisa dipakai",
               "description": "Sejak hari Senin wifi di ruang baca umum tidak dapat tersambung sama sekali!"}
    third = _record(deployed, ctx, similar)
    flags = deployed.scalars(select(DuplicateFlag)).all()
    assert [(f.instance_id, f.candidate_id, f.reason) for f in flags] == [(third.id, first.id, "similar_text")]
    assert 0.85 <= flags[0].score < 1


def _difflib_score(a, b):
    """What a text candidate scored before the cheaper bounds: difflib's own prefilters, then its ratio."""
    if not a or not b:
        return 0.0
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    if matcher.real_quick_ratio() < 0.85 or matcher.quick_ratio() < 0.85:
        return 0.0
    return matcher.ratio()


def test_the_text_score_flags_exactly_what_difflibs_ratio_flags_with_the_same_score():
    """The length, shared-character and common-subsequence bounds only skip ratios below the threshold."""
    rng = random.Random(7)
    words = "buku rak wifi ruang baca toilet rusak hilang sejak senin lantai dua air".split()
    flagged = 0
    for _ in range(3000):
        a = " ".join(rng.choice(words) for _ in range(rng.randint(0, 12)))
        b = a.split()
        for _ in range(rng.randint(0, 3)):
            change = rng.randrange(3)
            if change == 0 and b:
                b.pop(rng.randrange(len(b)))
            elif change == 1:
                b.insert(rng.randint(0, len(b)), rng.choice(words))
            elif b:
                b[rng.randrange(len(b))] = rng.choice(words)
        b = " ".join(b)
        expected, score = _difflib_score(a, b), duplicates.text_scorer(a)(b)
        assert (score >= 0.85) == (expected >= 0.85), (a, b)
        if expected >= 0.85:
            assert score == expected
            flagged += 1
    assert 300 < flagged < 2700, "the pairs should land on both sides of the threshold"


def test_a_different_text_with_the_same_letters_never_runs_difflibs_matcher(monkeypatch):
    """Reversed, a digest has every character in common (quick_ratio 1.0) but a short common subsequence:
    the bound rejects it before the costly SequenceMatcher is built."""
    digest = duplicates.text_digest(INTAKE["subject"], INTAKE["description"])

    def refused(*args, **kwargs):
        raise AssertionError("SequenceMatcher built for a text the bounds rule out")

    monkeypatch.setattr(duplicates.difflib, "SequenceMatcher", refused)
    assert duplicates.similarity(digest, digest[::-1]) == 0.0
    assert duplicates.similarity(digest, "rak buku " * 10) == 0.0


def test_flags_are_written_without_the_unit_of_work_and_the_reporter_matched_in_one_query(deployed, ctx):
    """A complaint sent again and again may have hundreds of flags: one Core insert, no DuplicateFlag object
    attached to the session; the same phone or e-mail is one query (a match on both reads as same_phone)."""
    from sqlalchemy import event

    first = _record(deployed, ctx, {**INTAKE, "reporter": {"name": "R", "phone": "0812 7777 8888",
                                                            "email": "r@example.id"}})
    second = _record(deployed, ctx, {**OTHER, "reporter": {"name": "R", "email": "R@example.id"}})
    attached, statements = [], []

    def record(*args):
        statements.append(args[2])

    event.listen(deployed, "after_attach", lambda _session, obj: attached.append(type(obj).__name__))
    event.listen(deployed.get_bind(), "before_cursor_execute", record)
    try:
        third = _record(deployed, ctx, {**OTHER, "reporter": {"name": "R", "phone": "+62 812 7777 8888",
                                                               "email": "r@example.id"}})
    finally:
        event.remove(deployed.get_bind(), "before_cursor_execute", record)
    assert "DuplicateFlag" not in attached
    assert sorted(_flags(deployed)) == [(second.id, first.id, "same_email"), (third.id, first.id, "same_phone"),
                                        (third.id, second.id, "same_email")]
    reporter_reads = [s for s in statements if "reporter_phone =" in s or "reporter_email =" in s]
    assert len(reporter_reads) == 1, reporter_reads


def test_outside_the_window_is_not_flagged(deployed, ctx, clock):
    _record(deployed, ctx, INTAKE)
    clock.advance(days=40)
    _record(deployed, ctx, {**INTAKE, "received_at": clock.now().isoformat()})
    assert _flags(deployed) == []
    try:
        duplicates.configure(window_days=60)
        _record(deployed, ctx, {**INTAKE, "received_at": clock.now().isoformat()})
        assert len(_flags(deployed)) == 2
    finally:
        duplicates.configure(window_days=30)


def test_merge_keeps_both_links_them_stops_the_duplicate_and_audits(deployed, ctx):
    first = _record(deployed, ctx, INTAKE)
    second = _record(deployed, ctx, {**INTAKE, "received_at": "2026-03-13T08:00:00+07:00"})
    [flag] = duplicates.open_flags(deployed)
    duplicates.merge_duplicate(deployed, ctx, flag.id, actor=PETUGAS)
    assert deployed.get(ComplaintIntake, second.id).merged_into == first.id
    assert (second.status, second.stage) == ("merged", f"Digabung dengan {first.tracking_code}")
    assert first.status == "running"
    states = dict(deployed.execute(select(HumanTask.instance_id, HumanTask.state)
                                   .where(HumanTask.bpmn_id == "catat_buku_pengaduan")).all())
    assert states == {first.id: "ready", second.id: "cancelled"}
    assert deployed.scalars(select(Timer.state).where(Timer.instance_id == second.id)).all() == ["cancelled"]
    merged = deployed.scalars(select(AuditEvent).where(AuditEvent.type == "COMPLAINT_MERGED")).all()
    assert {(e.instance_id, e.actor) for e in merged} == {(first.id, "petugas1"), (second.id, "petugas1")}
    assert duplicates.open_flags(deployed) == []
    with pytest.raises(InvalidInput):
        duplicates.merge_duplicate(deployed, ctx, flag.id, actor=PETUGAS)


def test_dismiss_keeps_both_running_and_audits(deployed, ctx):
    _record(deployed, ctx, INTAKE)
    second = _record(deployed, ctx, INTAKE)
    [flag] = duplicates.open_flags(deployed)
    duplicates.dismiss_duplicate(deployed, ctx, flag.id, "dua orang berbeda", actor=PETUGAS)
    assert second.status == "running" and duplicates.open_flags(deployed) == []
    event = deployed.scalars(select(AuditEvent).where(AuditEvent.type == "DUPLICATE_DISMISSED")).one()
    assert event.payload["note"] == "dua orang berbeda" and event.instance_id == second.id
