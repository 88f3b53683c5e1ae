"""Duplicate detection: the same reporter (normalised phone or e-mail) or very similar text within a
configurable window is flagged to the petugas, who merges (both records kept and linked, the later one
stops) or dismisses the flag. Every decision is audited."""

from __future__ import annotations

import difflib
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import bindparam, insert, or_, select
from sqlalchemy.orm import Session

from .actors import Actor
from .audit import PendingEvents, append_events
from .channels_models import ComplaintIntake, DuplicateFlag
from .context import EngineContext
from .errors import InvalidInput, NotFound
from .models import ProcessInstance
from .repository import get_instance
from .runtime import _save, load_workflow, operation


@dataclass
class DuplicateRules:
    """How close is a duplicate: the window around the receipt time and the text similarity threshold."""

    window: timedelta = timedelta(days=30)
    text_ratio: float = 0.85  # difflib ratio of the normalised subject + description
    max_candidates: int = 500  # most recent complaints in the window compared by text


RULES = DuplicateRules()


def configure(*, window_days: float | None = None, text_ratio: float | None = None) -> None:
    """Change the rules (the app reads ``ALUR_DUPLICATE_WINDOW_DAYS`` and ``ALUR_DUPLICATE_TEXT_RATIO``)."""
    if window_days is not None:
        RULES.window = timedelta(days=float(window_days))
    if text_ratio is not None:
        RULES.text_ratio = float(text_ratio)


def normalize_phone(value: str | None) -> str | None:
    """Digits only, Indonesian country code folded to the trunk 0: ``+62 812-345`` → ``0812345``."""
    digits = re.sub(r"\D", "", value or "")
    if digits.startswith("62"):
        digits = "0" + digits[2:]
    return digits if len(digits) >= 6 else None


def normalize_email(value: str | None) -> str | None:
    """Lower-cased, trimmed address, or None."""
    value = (value or "").strip().lower()
    return value if "@" in value else None


def text_digest(subject: str | None, description: str | None) -> str:
    """Lower-case words of subject and description, punctuation and extra spaces removed."""
    words = re.findall(r"\w+", f"{subject or ''} {description or ''}".lower())
    return " ".join(words)


def similarity(a: str, b: str) -> float:
    """difflib ratio of two digests (0..1); 0.0 below the threshold (see :func:`text_scorer`)."""
    return text_scorer(a)(b)


def text_scorer(digest: str) -> Callable[[str], float]:
    """``similarity(digest, other)`` for many ``other``: difflib's ratio, 0.0 when it is below the threshold.

    difflib's ratio is 2·M / (len a + len b), M the characters of the matching blocks it finds. Three exact
    upper bounds of M skip the costly matcher on the way (most candidates): the shorter length (its
    real_quick_ratio), the characters both have (its quick_ratio, counted with str.count), then the longest
    common subsequence (the blocks are a common subsequence). A bound below the threshold means the ratio is
    too; above it, the ratio decides.
    """
    threshold = RULES.text_ratio
    counts = tuple(Counter(digest).items())
    positions: dict[str, int] = {}  # the positions of each character of digest, as a bit mask
    for index, char in enumerate(digest):
        positions[char] = positions.get(char, 0) | (1 << index)
    length = len(digest)

    def score(other: str) -> float:
        if not digest or not other:
            return 0.0
        total = length + len(other)
        if 2.0 * min(length, len(other)) / total < threshold:
            return 0.0
        shared = 0  # the characters both have, with their counts (quick_ratio's count; str.count runs in C)
        for char, count in counts:
            found = other.count(char)
            shared += count if count < found else found
        if 2.0 * shared / total < threshold:
            return 0.0
        if 2.0 * _common_subsequence(positions, length, other) / total < threshold:
            return 0.0
        return difflib.SequenceMatcher(None, digest, other, autojunk=False).ratio()

    return score


def _common_subsequence(positions: dict[str, int], length: int, other: str) -> int:
    """Length of the longest common subsequence of a string (``positions``: its characters' bit masks, ``length``
    characters) and ``other``: the bit-parallel algorithm (Allison–Dix, Hyyrö), one step per character of other."""
    full = (1 << length) - 1
    row = full
    for char in other:
        matched = row & positions.get(char, 0)
        row = ((row + matched) | (row - matched)) & full
    return length - row.bit_count()


_INTAKE = ComplaintIntake
#: Built once: the other unmerged complaints received within the window around the new one's receipt.
_IN_WINDOW = ((_INTAKE.instance_id != bindparam("instance_id")) & (_INTAKE.received_at >= bindparam("low"))
              & (_INTAKE.received_at <= bindparam("high")) & _INTAKE.merged_into.is_(None))
#: The same reporter by phone or e-mail, in one query (a NULL phone or e-mail matches nothing).
_SAME_REPORTER = select(_INTAKE.instance_id, _INTAKE.reporter_phone).where(
    _IN_WINDOW, or_(_INTAKE.reporter_phone == bindparam("phone"), _INTAKE.reporter_email == bindparam("email")))
_RECENT_TEXTS = (select(_INTAKE.instance_id, _INTAKE.text_digest).where(_IN_WINDOW)
                 .order_by(_INTAKE.received_at.desc()).limit(bindparam("max_candidates")))
_INSERT_FLAGS = insert(DuplicateFlag.__table__)


def find_candidates(session: Session, intake: ComplaintIntake) -> list[tuple[int, str, float]]:
    """Earlier complaints in the window that look like ``intake``: ``(instance_id, reason, score)``."""
    window = {"instance_id": intake.instance_id, "low": intake.received_at - RULES.window,
              "high": intake.received_at + RULES.window}
    found: dict[int, tuple[str, float]] = {}
    phone, email = intake.reporter_phone, intake.reporter_email
    if phone or email:
        for other, other_phone in session.execute(_SAME_REPORTER, {**window, "phone": phone or None,
                                                                   "email": email or None}):
            found[other] = ("same_phone" if phone and other_phone == phone else "same_email", 1.0)
    rows = session.execute(_RECENT_TEXTS, {**window, "max_candidates": RULES.max_candidates})
    score_text = text_scorer(intake.text_digest)
    for other, digest in rows:
        if other in found:
            continue
        score = score_text(digest or "")
        if score >= RULES.text_ratio:
            found[other] = ("similar_text", round(score, 3))
    return [(other, reason, score) for other, (reason, score) in sorted(found.items())]


def flag_duplicates(session: Session, ctx: EngineContext, intake: ComplaintIntake, events: PendingEvents,
                    actor: Actor) -> list[tuple[int, str, float]]:
    """Flag the candidates of a new complaint (inside the caller's transaction); the candidates flagged.

    The flags are written with one Core insert (a complaint submitted again and again by one reporter may have
    hundreds): they never pass through the session's unit of work."""
    now = ctx.clock.now()
    candidates = find_candidates(session, intake)
    if candidates:
        with session.no_autoflush:
            session.execute(_INSERT_FLAGS, [
                {"instance_id": intake.instance_id, "candidate_id": other, "reason": reason, "score": score,
                 "state": "open", "flagged_at": now, "decided_by": None, "decided_at": None}
                for other, reason, score in candidates])
    for other, reason, score in candidates:
        events.add("DUPLICATE_FLAGGED", actor=actor.name, at=now, instance_id=intake.instance_id,
                   candidate_instance_id=other, reason=reason, score=score)
    return candidates


def open_flags(session: Session, limit: int = 200) -> list[DuplicateFlag]:
    """Flags waiting for the petugas, oldest first."""
    return list(session.scalars(select(DuplicateFlag).where(DuplicateFlag.state == "open")
                                .order_by(DuplicateFlag.id).limit(limit)))


def flags_of(session: Session, instance_id: int) -> list[DuplicateFlag]:
    """Every flag that involves a complaint."""
    return list(session.scalars(select(DuplicateFlag).where(
        (DuplicateFlag.instance_id == instance_id) | (DuplicateFlag.candidate_id == instance_id))
        .order_by(DuplicateFlag.id)))


def _open_flag(session: Session, flag_id: int) -> DuplicateFlag:
    flag = session.get(DuplicateFlag, flag_id)
    if flag is None:
        raise NotFound(what=f"Tanda duplikat {flag_id}")
    if flag.state != "open":
        raise InvalidInput(detail="Tanda duplikat ini sudah diputuskan")
    return flag


@operation
def merge_duplicate(session: Session, ctx: EngineContext, flag_id: int, *, actor: Actor) -> DuplicateFlag:
    """Merge the flagged complaint into the earlier one: both kept and linked; the flagged one stops."""
    flag = _open_flag(session, flag_id)
    now = ctx.clock.now()
    duplicate = get_instance(session, flag.instance_id, for_update=True)
    primary = session.get(ProcessInstance, flag.candidate_id)
    flag.state, flag.decided_by, flag.decided_at = "merged", actor.name, now
    session.get(ComplaintIntake, duplicate.id).merged_into = primary.id
    events = PendingEvents()
    events.add("COMPLAINT_MERGED", actor=actor.name, at=now, instance_id=duplicate.id, merged_into=primary.id,
               merged_into_tracking_code=primary.tracking_code, flag_id=flag.id, reason=flag.reason)
    events.add("COMPLAINT_MERGED", actor=actor.name, at=now, instance_id=primary.id, merged_from=duplicate.id,
               merged_from_tracking_code=duplicate.tracking_code, flag_id=flag.id, reason=flag.reason)
    for other in session.scalars(select(DuplicateFlag).where(
            DuplicateFlag.instance_id == duplicate.id, DuplicateFlag.state == "open", DuplicateFlag.id != flag.id)):
        other.state, other.decided_by, other.decided_at = "dismissed", actor.name, now
    if duplicate.status == "running":
        workflow = load_workflow(duplicate, ctx)
        workflow.cancel()
        duplicate.status, duplicate.completed_at = "merged", now
        duplicate.stage = f"Digabung dengan {primary.tracking_code}"
        _save(session, ctx, duplicate, workflow, events, actor)
    else:
        append_events(session, events)
    return flag


@operation
def dismiss_duplicate(session: Session, ctx: EngineContext, flag_id: int, reason: str = "", *,
                      actor: Actor) -> DuplicateFlag:
    """The petugas says the flagged complaints are different; audited."""
    flag = _open_flag(session, flag_id)
    now = ctx.clock.now()
    flag.state, flag.decided_by, flag.decided_at = "dismissed", actor.name, now
    events = PendingEvents()
    events.add("DUPLICATE_DISMISSED", actor=actor.name, at=now, instance_id=flag.instance_id,
               candidate_instance_id=flag.candidate_id, flag_id=flag.id, note=reason[:500])
    append_events(session, events)
    return flag
