"""Log output: plain text or one JSON object per line, each record with its request id.

``LOG_FORMAT=json`` turns every record (twofa's, uvicorn's, the access log) into a JSON
object on one line. The request id of the request being served travels in a context
variable set by the HTTP guard, so any record written while serving it carries it.

The same configuration is handed to uvicorn (``logging_config``), because uvicorn applies
its own in every worker process it starts: configured only in the parent, worker processes
would log nothing below WARNING.
"""

from __future__ import annotations

import json
import logging
import os
import re
from contextvars import ContextVar, Token
from datetime import UTC, datetime
from typing import Any

LOG_FORMATS = ("text", "json")
"""Accepted values of ``LOG_FORMAT``."""
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"
"""Layout of a line in the text format."""
ACCESS_FIELDS = ("method", "path", "status", "duration_ms", "client")
"""Fields the access log attaches to its records (``extra=``), written as JSON keys."""
REQUEST_ID_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,127}")
"""An incoming ``X-Request-ID`` is kept when it matches this; else a new one is made."""

_request_id: ContextVar[str | None] = ContextVar("twofa_request_id", default=None)


def request_id_from(header: bytes | None) -> str:
    """Return the request id to use: the client's if it is short and plain, else a new one.

    A new id is 32 random hexadecimal digits (128 bits). Ids from a counter would let anyone
    who sees a few of them tell how many requests a process serves.
    """
    if header is not None:
        text = header.decode("latin-1")
        if REQUEST_ID_PATTERN.fullmatch(text):
            return text
    return os.urandom(16).hex()


def bind_request_id(request_id: str) -> Token[str | None]:
    """Record the id of the request being served; return what ``unbind_request_id`` takes."""
    return _request_id.set(request_id)


def unbind_request_id(bound: Token[str | None]) -> None:
    """Forget the request id once its request has been answered and logged."""
    _request_id.reset(bound)


def current_request_id() -> str | None:
    """Return the id of the request being served, None outside a request."""
    return _request_id.get()


class RequestIdFilter(logging.Filter):
    """Sets ``record.request_id`` (``-`` outside a request) for the formatters."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Attach the request id; never drops a record."""
        if not hasattr(record, "request_id"):
            record.request_id = current_request_id() or "-"
        return True


def _request_id_of(record: logging.LogRecord) -> str | None:
    """Return the request id the filter attached, else the current one; None outside."""
    attached = getattr(record, "request_id", None)
    if attached is not None and attached != "-":
        return str(attached)
    return current_request_id()


class JsonFormatter(logging.Formatter):
    """Formats a record as one JSON object: time, level, logger, message, request id, extras."""

    def format(self, record: logging.LogRecord) -> str:
        """Return the record as a single line of JSON."""
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": _request_id_of(record),
        }
        for name in ACCESS_FIELDS:
            if hasattr(record, name):
                entry[name] = getattr(record, name)
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def logging_config(log_format: str, level: str = "INFO") -> dict[str, Any]:
    """Return a ``logging.config.dictConfig`` configuration for ``log_format``.

    Every logger, uvicorn's included, writes through one handler on standard error.
    """
    formatter: dict[str, Any] = (
        {"()": "twofa.logs.JsonFormatter"} if log_format == "json" else {"format": TEXT_FORMAT}
    )
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": "twofa.logs.RequestIdFilter"}},
        "formatters": {"twofa": formatter},
        "handlers": {
            "stderr": {
                "class": "logging.StreamHandler",
                "formatter": "twofa",
                "filters": ["request_id"],
                "stream": "ext://sys.stderr",
            }
        },
        "root": {"level": level, "handlers": ["stderr"]},
        "loggers": {
            name: {"level": level, "handlers": [], "propagate": True}
            for name in ("uvicorn", "uvicorn.error", "uvicorn.access")
        },
    }
