"""Who is acting, and from where: passed by the web layer into services."""

from __future__ import annotations

from dataclasses import dataclass

from portal.models.audit import ActorType

MAX_USER_AGENT = 400


@dataclass(frozen=True, slots=True)
class Actor:
    type: ActorType
    id: str | None = None
    ip: str | None = None
    user_agent: str | None = None

    def __post_init__(self) -> None:
        if self.user_agent and len(self.user_agent) > MAX_USER_AGENT:
            object.__setattr__(self, "user_agent", self.user_agent[:MAX_USER_AGENT])


SYSTEM = Actor(ActorType.SYSTEM, "system")
