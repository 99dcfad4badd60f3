"""Keeping personal data out of the logs of the channel libraries, whatever level the operator sets."""

from __future__ import annotations

import logging

#: python-telegram-bot's loggers that write every API call's parameters and result (message texts) at DEBUG
PAYLOAD_LOGGERS = ("telegram.Bot", "telegram.ext.ExtBot")


class NoPayloads(logging.Filter):
    """Drops a library's DEBUG records: they quote the messages, which hold personal data."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno > logging.DEBUG


def quiet_payload_logs() -> None:
    """Filter the libraries' payload records out, even when every logger is set to DEBUG (idempotent)."""
    for name in PAYLOAD_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, NoPayloads) for f in logger.filters):
            logger.addFilter(NoPayloads())
