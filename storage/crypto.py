"""Encryption at rest, keyed blind indexes, and the masks that show personal data without revealing it.

Keys. Every secret of the keyring (``INTAKE_SECRET_KEY``, then the old ones of
``INTAKE_OLD_SECRET_KEYS``) gives, by HKDF-SHA256 with distinct ``info`` labels, three
independent values: an AES-256-GCM key for sealing, an HMAC-SHA256 key for blind indexes, and
a public 4-byte key id. Values are sealed under the current key; values sealed under any key of
the keyring open, so a key is rotated by adding a new one, re-sealing (``intake keys rotate``)
and only then removing the old one.

Sealed values (format 2)::

    0x02 | key id (4 bytes) | nonce (12 bytes) | AES-GCM ciphertext and tag

The first five bytes are the associated data, so a key id cannot be swapped. Values of the first
format (``0x01 | nonce | ciphertext``, key ``HMAC(sha256(secret), "intake/encrypt/v1")``, no key
id) still open under any secret of the keyring and are re-sealed in format 2 by a rotation.

Blind indexes (look-ups by ID number) are ``<key id>.<base32 of the HMAC>`` under the current
key; :meth:`Vault.blind_indexes` lists the index of a value under every key of the keyring (and
the first format's, which has no key id), so look-ups keep working while a rotation runs.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from storage.errors import IntakeError

_V1 = 0x01
_V2 = 0x02
_KEY_ID_BYTES = 4
_HEADER = 1 + _KEY_ID_BYTES
_NONCE = 12
_TAG = 16
_SALT = b"intake/keyring/v2"
#: the key id reported for values of the first format, which carry none
LEGACY = "legacy"
#: the prefix of a sealed value kept in a text column (the conversation state)
TEXT_PREFIX = "sealed:"


class CryptoError(IntakeError, ValueError):
    """A sealed value cannot be opened (wrong key, a key no longer in the keyring, or tampered data)."""


def _hkdf(secret: bytes, info: bytes, length: int = 32) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=length, salt=_SALT, info=info).derive(secret)


@dataclass(frozen=True)
class _Key:
    """The sub-keys of one secret: format 2 (HKDF) and the first format's (HMAC of its sha256)."""

    key_id: str
    aead: AESGCM
    index_key: bytes
    legacy_aead: AESGCM
    legacy_index_key: bytes

    @classmethod
    def derive(cls, secret: str) -> _Key:
        if len(secret) < 16:
            raise ValueError("every secret key must be at least 16 characters")
        raw = secret.encode("utf-8")
        root = hashlib.sha256(raw).digest()
        return cls(
            key_id=_hkdf(raw, b"intake/key-id", _KEY_ID_BYTES).hex(),
            aead=AESGCM(_hkdf(raw, b"intake/encrypt")),
            index_key=_hkdf(raw, b"intake/blind-index"),
            legacy_aead=AESGCM(hmac.new(root, b"intake/encrypt/v1", hashlib.sha256).digest()),
            legacy_index_key=hmac.new(root, b"intake/blind-index/v1", hashlib.sha256).digest(),
        )


def _index(key: bytes, value: str, purpose: str) -> str:
    mac = hmac.new(key, f"{purpose}:{value}".encode(), hashlib.sha256).digest()
    return base64.b32encode(mac[:20]).decode("ascii").rstrip("=").lower()


class Vault:
    """Seals and opens personal data under a keyring, and computes blind indexes."""

    def __init__(self, secret: str, old_secrets: Sequence[str] = ()) -> None:
        self._current = _Key.derive(secret)
        keys = {self._current.key_id: self._current}
        for old in old_secrets:
            key = _Key.derive(old)
            keys.setdefault(key.key_id, key)
        self._keys = keys

    @property
    def current_key_id(self) -> str:
        """The key id new values are sealed under."""
        return self._current.key_id

    @property
    def key_ids(self) -> tuple[str, ...]:
        """The key ids of the keyring, the current one first."""
        return tuple(self._keys)

    # -- sealing ----------------------------------------------------------------------

    def seal(self, plain: str | bytes) -> bytes:
        """Encrypt text or bytes under the current key; the result holds version, key id, nonce and ciphertext."""
        data = plain.encode("utf-8") if isinstance(plain, str) else plain
        header = bytes([_V2]) + bytes.fromhex(self._current.key_id)
        nonce = os.urandom(_NONCE)
        return header + nonce + self._current.aead.encrypt(nonce, data, header)

    def open_bytes(self, sealed: bytes) -> bytes:
        """Decrypt a value sealed by :meth:`seal` under any key of the keyring (or in the first format)."""
        sealed = bytes(sealed)
        if len(sealed) >= _HEADER + _NONCE + _TAG and sealed[0] == _V2:
            key = self._keys.get(sealed[1:_HEADER].hex())
            if key is None:
                raise CryptoError(f"sealed under key id {sealed[1:_HEADER].hex()}, which is not in the keyring")
            try:
                return key.aead.decrypt(sealed[_HEADER:_HEADER + _NONCE], sealed[_HEADER + _NONCE:],
                                        sealed[:_HEADER])
            except InvalidTag:
                raise CryptoError("cannot decrypt: tampered data") from None
        if len(sealed) >= 1 + _NONCE + _TAG and sealed[0] == _V1:
            for key in self._keys.values():
                try:
                    return key.legacy_aead.decrypt(sealed[1:1 + _NONCE], sealed[1 + _NONCE:], None)
                except InvalidTag:
                    continue
            raise CryptoError("cannot decrypt: no key of the keyring opens this value")
        raise CryptoError("not a sealed value")

    def open(self, sealed: bytes) -> str:
        """Decrypt a sealed text."""
        return self.open_bytes(sealed).decode("utf-8")

    def seal_json(self, value: Any) -> bytes:
        """Encrypt a JSON-serialisable value."""
        return self.seal(json.dumps(value, ensure_ascii=False))

    def open_json(self, sealed: bytes) -> Any:
        """Decrypt a value sealed by :meth:`seal_json`."""
        return json.loads(self.open(sealed))

    def seal_text(self, plain: str) -> str:
        """Seal a text for a text column: ``sealed:`` and the base64 of the sealed bytes."""
        return TEXT_PREFIX + base64.b64encode(self.seal(plain)).decode("ascii")

    def open_text(self, stored: str) -> str:
        """Open a text sealed by :meth:`seal_text`."""
        if not is_sealed_text(stored):
            raise CryptoError("not a sealed text")
        return self.open(base64.b64decode(stored[len(TEXT_PREFIX):], validate=True))

    # -- key ids and rotation ---------------------------------------------------------

    def key_id_of(self, sealed: bytes | str) -> str:
        """The key id a value was sealed under (:data:`LEGACY` for the first format); text forms too."""
        if isinstance(sealed, str):
            if not is_sealed_text(sealed):
                raise CryptoError("not a sealed text")
            sealed = base64.b64decode(sealed[len(TEXT_PREFIX):len(TEXT_PREFIX) + 12])[:_HEADER]
        if sealed[:1] == bytes([_V2]) and len(sealed) >= _HEADER:
            return bytes(sealed[1:_HEADER]).hex()
        if sealed[:1] == bytes([_V1]):
            return LEGACY
        raise CryptoError("not a sealed value")

    def is_current(self, sealed: bytes | str) -> bool:
        """Whether a value is sealed under the current key (nothing for a rotation to do)."""
        return self.key_id_of(sealed) == self._current.key_id

    # -- blind indexes ------------------------------------------------------------------

    def blind_index(self, value: str, purpose: str = "id") -> str:
        """A keyed, deterministic digest for equality look-ups of a sensitive value, under the current key."""
        return f"{self._current.key_id}.{_index(self._current.index_key, value, purpose)}"

    def blind_indexes(self, value: str, purpose: str = "id") -> tuple[str, ...]:
        """The index of a value under every key of the keyring and in the first format, current first."""
        found = [f"{k.key_id}.{_index(k.index_key, value, purpose)}" for k in self._keys.values()]
        found += [_index(k.legacy_index_key, value, purpose) for k in self._keys.values()]
        return tuple(found)

    @staticmethod
    def index_key_id(index: str) -> str:
        """The key id a blind index was computed under (:data:`LEGACY` for the first format)."""
        return index.split(".", 1)[0] if "." in index else LEGACY


def is_sealed_text(stored: str) -> bool:
    """Whether a text column holds a value sealed by :meth:`Vault.seal_text`."""
    return stored.startswith(TEXT_PREFIX)


# -- masks: personal data shown without revealing it ---------------------------------------


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


_LONG_NUMBER = re.compile(r"[0-9０-９][0-9０-９Xx×\- ]{5,}[0-9０-９Xx]")


def scrub_numbers(text: str) -> str:
    """Mask every run of 7 or more digits in a text (an ID or phone number said in passing)."""

    def hide(match: re.Match[str]) -> str:
        run = match.group(0)
        digits = sum(ch.isdigit() for ch in run)
        return "*" * len(run) if digits >= 7 else run

    return _LONG_NUMBER.sub(hide, text)
