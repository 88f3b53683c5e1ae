"""Who performs an operation: an official, a reporter holding a complaint's key, or the system."""

from __future__ import annotations

from dataclasses import dataclass, field

#: The role that may act for a reporter (walk-in, telephone): recorded as "on behalf of".
ON_BEHALF_OF_REPORTER = "petugas"


@dataclass(frozen=True)
class Actor:
    """An identity with its roles; ``name`` is what the audit log records."""

    name: str
    roles: frozenset[str] = field(default_factory=frozenset)
    kind: str = "user"  # user | reporter | system

    def holds(self, role: str) -> bool:
        """True when the actor holds ``role``."""
        return role in self.roles


SYSTEM_TIMER = Actor("system:timer", frozenset(), "system")
SYSTEM_INIT = Actor("system:init", frozenset(), "system")


def reporter(tracking_code: str | None = None) -> Actor:
    """The reporter (pelapor) of a complaint."""
    return Actor(f"pelapor:{tracking_code}" if tracking_code else "pelapor", frozenset({"pelapor"}), "reporter")
