"""Sending verification codes by SMS: the gateway interface and the development driver.

The engine never sends anything: it queues the SMS (``storage.identity.SmsOutbox``) in the turn's
unit of work, and the chat service hands it to a :class:`SmsGateway` once the turn is committed.
Real providers sign a template with parameters (the code and how long it is valid), so a gateway
sends a *code*, not free text. ``INTAKE_SMS_PROVIDER`` chooses the gateway (see the README).
"""

from __future__ import annotations

import logging
from typing import Protocol

from storage.errors import Unavailable

log = logging.getLogger("intake.sms")


class SmsError(Unavailable):
    """The gateway did not accept the message (network, credentials, the provider's refusal)."""


class SmsGateway(Protocol):
    """Something that delivers a verification code to a mobile phone number."""

    def send_code(self, phone: str, code: str, ttl_minutes: int) -> None:
        """Send ``code`` (valid ``ttl_minutes``) to ``phone``; raises :class:`SmsError` when refused."""
        ...


def mask_phone_for_log(phone: str) -> str:
    """A phone number as the log may show it: the first three and last two digits."""
    digits = "".join(c for c in phone if c.isdigit())
    return digits[:3] + "*" * max(0, len(digits) - 5) + digits[-2:] if len(digits) > 5 else "*" * len(digits)


class LogSmsGateway:
    """Development driver: writes the code to the log instead of sending it (never in production)."""

    def send_code(self, phone: str, code: str, ttl_minutes: int) -> None:
        """Log the code with the phone number masked."""
        log.warning("development SMS driver: verification code %s for %s (valid %d minutes)",
                    code, mask_phone_for_log(phone), ttl_minutes)
