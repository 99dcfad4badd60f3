"""Encryption at rest and keyed blind indexes for personal data.

Values are sealed with AES-256-GCM under a key derived from the service secret; look-ups
by ID number use an HMAC-SHA256 blind index under a second derived key, so the database
never holds an ID number in clear and equality search still works.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
from typing import Any

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

_VERSION = b"\x01"


class CryptoError(ValueError):
    """A sealed value cannot be opened (wrong key or tampered data)."""


class Vault:
    """Seals and opens personal data, and computes blind indexes."""

    def __init__(self, secret: str) -> None:
        if len(secret) < 16:
            raise ValueError("the secret key must be at least 16 characters")
        root = hashlib.sha256(secret.encode("utf-8")).digest()
        self._aead = AESGCM(hmac.new(root, b"intake/encrypt/v1", hashlib.sha256).digest())
        self._index_key = hmac.new(root, b"intake/blind-index/v1", hashlib.sha256).digest()

    def seal(self, plain: str | bytes) -> bytes:
        """Encrypt text or bytes; the result holds version, nonce and ciphertext."""
        data = plain.encode("utf-8") if isinstance(plain, str) else plain
        nonce = os.urandom(12)
        return _VERSION + nonce + self._aead.encrypt(nonce, data, None)

    def open_bytes(self, sealed: bytes) -> bytes:
        """Decrypt a value sealed by :meth:`seal`."""
        if len(sealed) < 29 or sealed[:1] != _VERSION:
            raise CryptoError("not a sealed value")
        try:
            return self._aead.decrypt(sealed[1:13], sealed[13:], None)
        except Exception as exc:  # cryptography raises InvalidTag without a message
            raise CryptoError("cannot decrypt: wrong key or tampered data") from exc

    def open(self, sealed: bytes) -> str:
        """Decrypt a sealed text."""
        return self.open_bytes(sealed).decode("utf-8")

    def seal_json(self, value: Any) -> bytes:
        """Encrypt a JSON-serialisable value."""
        return self.seal(json.dumps(value, ensure_ascii=False))

    def open_json(self, sealed: bytes) -> Any:
        """Decrypt a value sealed by :meth:`seal_json`."""
        return json.loads(self.open(sealed))

    def blind_index(self, value: str, purpose: str = "id") -> str:
        """A keyed, deterministic digest for equality look-ups of a sensitive value."""
        mac = hmac.new(self._index_key, f"{purpose}:{value}".encode(), hashlib.sha256).digest()
        return base64.b32encode(mac[:20]).decode("ascii").rstrip("=").lower()


def mask_id_number(number: str) -> str:
    """Show the first 6 and last 4 characters of an ID number: 620102********0018."""
    if len(number) <= 10:
        return "*" * len(number)
    return number[:6] + "*" * (len(number) - 10) + number[-4:]


def mask_phone(number: str) -> str:
    """Show the first 3 and last 4 digits of a phone number."""
    digits = number.replace("-", "")
    if len(digits) < 8:
        return "*" * len(digits)
    return digits[:3] + "*" * (len(digits) - 7) + digits[-4:]


def mask_name(name: str) -> str:
    """Keep the first character only: 张三 -> 张*."""
    if len(name) <= 1:
        return name
    return name[0] + "*" * (len(name) - 1)
