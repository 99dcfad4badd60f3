"""Encryption at rest and blind indexes."""

from __future__ import annotations

import pytest

from storage.crypto import CryptoError, Vault, mask_id_number, mask_name, mask_phone


def test_seal_and_open_round_trip() -> None:
    v = Vault("a-long-enough-secret-key")
    sealed = v.seal("620102196503120018")
    assert b"620102" not in sealed
    assert v.open(sealed) == "620102196503120018"
    assert v.seal("x") != v.seal("x")  # random nonce
    assert v.open_json(v.seal_json({"a": [1, "二"]})) == {"a": [1, "二"]}


def test_tampered_or_foreign_ciphertext_is_refused() -> None:
    v = Vault("a-long-enough-secret-key")
    sealed = bytearray(v.seal("秘密"))
    sealed[-1] ^= 1
    with pytest.raises(CryptoError):
        v.open(bytes(sealed))
    with pytest.raises(CryptoError):
        Vault("another-secret-key-123").open(v.seal("秘密"))
    with pytest.raises(CryptoError):
        v.open(b"plain")


def test_blind_index_is_keyed_and_deterministic() -> None:
    a, b = Vault("a-long-enough-secret-key"), Vault("another-secret-key-123")
    assert a.blind_index("X") == a.blind_index("X")
    assert a.blind_index("X") != b.blind_index("X")
    assert a.blind_index("X", "id") != a.blind_index("X", "phone")


def test_short_secret_is_refused() -> None:
    with pytest.raises(ValueError):
        Vault("short")


def test_masks() -> None:
    assert mask_id_number("620102196503120018") == "620102********0018"
    assert mask_phone("13912345678") == "139****5678"
    assert mask_name("张三") == "张*"
