"""Keeping personal data out of the logs of the channel libraries, whatever level the operator sets."""

from __future__ import annotations

import logging
import re

#: python-telegram-bot's loggers that write every API call's parameters and result (message texts) at DEBUG
PAYLOAD_LOGGERS = ("telegram.Bot", "telegram.ext.ExtBot")


class NoPayloads(logging.Filter):
    """Drops a library's DEBUG records: they quote the messages, which hold personal data."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno > logging.DEBUG


#: the HTTP clients' loggers, which write request URLs (httpx at INFO, urllib3 under wechatpy at DEBUG)
URL_LOGGERS = ("httpx", "urllib3.connectionpool")
#: credentials that travel in URLs: the Telegram bot token in the path, WeChat's access token in the query
_SECRETS_IN_URLS = re.compile(r"(/bot)[0-9]+:[A-Za-z0-9_-]+|((?:access_token|secret|appsecret)=)[^&\s\"']+")


class NoSecretsInUrls(logging.Filter):
    """Rewrites a record so that the credentials in the URLs it quotes read ``***``."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = _SECRETS_IN_URLS.sub(lambda m: (m.group(1) or m.group(2)) + "***", message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


def quiet_payload_logs() -> None:
    """Filter the libraries' payload records out, even when every logger is set to DEBUG, and blank the
    credentials in logged URLs (idempotent)."""
    for name in PAYLOAD_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, NoPayloads) for f in logger.filters):
            logger.addFilter(NoPayloads())
    for name in URL_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, NoSecretsInUrls) for f in logger.filters):
            logger.addFilter(NoSecretsInUrls())
