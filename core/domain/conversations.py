"""A conversation's saved place, so a restart resumes it where it was."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class ConversationRecord:
    channel: str
    user_id: str
    state: str
    data: dict = field(default_factory=dict)
