"""LOG_FORMAT=json: one JSON object per log line, for a log collector to index.

Fields: time (UTC, ISO 8601 with milliseconds), level, logger, message; while an update
is being handled, channel and update_id, and order_code once the update named an order
(core/services/log_context.py); exc_info with the traceback when one was logged.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime

from core.services import log_context


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        # Read as the line is written, in the task that wrote it: its update's fields.
        context = log_context.current()
        if context is not None:
            entry["channel"] = context.channel
            entry["update_id"] = context.update_id
            if context.order_code:
                entry["order_code"] = context.order_code
        if record.exc_info:
            entry["exc_info"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack_info"] = self.formatStack(record.stack_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def use_json_lines() -> None:
    """Every handler logging is configured with writes JSON lines from now on."""
    for handler in logging.getLogger().handlers:
        handler.setFormatter(JsonFormatter())
