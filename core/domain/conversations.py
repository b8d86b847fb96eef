"""A conversation's saved place, so a restart resumes it where it was."""

from __future__ import annotations

import json
from dataclasses import dataclass, field


@dataclass
class ConversationRecord:
    channel: str
    user_id: str
    state: str
    data: dict = field(default_factory=dict)

    def snapshot(self) -> tuple[str, str]:
        """What is stored of it; equal snapshots mean saving would change nothing. Keys
        are not sorted (a turn may add int keys beside str ones): the same data built in
        another order only costs a save that was not needed."""
        return self.state, json.dumps(self.data)
