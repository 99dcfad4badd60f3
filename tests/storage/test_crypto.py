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


# -- the keyring: HKDF sub-keys, key ids, old keys, the first format ------------------------------

OLD = "an-old-secret-key-0123456789"
NEW = "a-new-secret-key-9876543210"


def _first_format(secret: str, plain: str) -> bytes:
    """A value sealed as the first format did: version 1, key HMAC(sha256(secret), "intake/encrypt/v1")."""
    import hashlib
    import hmac
    import os

    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    root = hashlib.sha256(secret.encode()).digest()
    key = hmac.new(root, b"intake/encrypt/v1", hashlib.sha256).digest()
    nonce = os.urandom(12)
    return b"\x01" + nonce + AESGCM(key).encrypt(nonce, plain.encode(), None)


def test_sub_keys_are_hkdf_derived_and_values_carry_the_key_id() -> None:
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    v = Vault(NEW)
    sealed = v.seal("秘密")
    key_id = HKDF(hashes.SHA256(), 4, b"intake/keyring/v2", b"intake/key-id").derive(NEW.encode()).hex()
    assert v.current_key_id == key_id and sealed[0] == 2 and sealed[1:5].hex() == key_id
    assert v.key_id_of(sealed) == key_id and v.is_current(sealed)
    # anyone holding the secret opens it with cryptography's HKDF and AESGCM, the header as associated data
    key = HKDF(hashes.SHA256(), 32, b"intake/keyring/v2", b"intake/encrypt").derive(NEW.encode())
    assert AESGCM(key).decrypt(sealed[5:17], sealed[17:], sealed[:5]) == "秘密".encode()
    swapped = sealed[:1] + bytes.fromhex(Vault(OLD).current_key_id) + sealed[5:]
    with pytest.raises(CryptoError):  # a key id swapped in the header
        Vault(NEW, [OLD]).open(swapped)


def test_old_keys_open_and_new_values_use_the_current_key() -> None:
    old = Vault(OLD)
    before = old.seal("张三")
    ring = Vault(NEW, [OLD])
    assert ring.key_ids == (Vault(NEW).current_key_id, old.current_key_id)
    assert ring.open(before) == "张三" and not ring.is_current(before)
    after = ring.seal("张三")
    assert ring.is_current(after) and ring.key_id_of(after) == Vault(NEW).current_key_id
    with pytest.raises(CryptoError, match="not in the keyring"):
        Vault(NEW).open(before)  # the old key removed: its values no longer open
    with pytest.raises(ValueError):
        Vault(NEW, ["short"])


def test_the_first_format_still_opens_under_any_key_of_the_keyring() -> None:
    legacy = _first_format(OLD, "620102196503120018")
    assert Vault(OLD).open(legacy) == "620102196503120018"
    assert Vault(NEW, [OLD]).open(legacy) == "620102196503120018"
    assert Vault(NEW, [OLD]).key_id_of(legacy) == "legacy"
    with pytest.raises(CryptoError):
        Vault(NEW).open(legacy)


def test_blind_indexes_name_their_key_and_every_key_of_the_keyring_is_searched() -> None:
    import base64
    import hashlib
    import hmac

    ring = Vault(NEW, [OLD])
    index = ring.blind_index("620102196503120018")
    assert Vault.index_key_id(index) == ring.current_key_id
    candidates = ring.blind_indexes("620102196503120018")
    assert candidates[0] == index and Vault(OLD).blind_index("620102196503120018") in candidates
    root = hashlib.sha256(OLD.encode()).digest()  # the first format's index of the old key, without a key id
    mac = hmac.new(hmac.new(root, b"intake/blind-index/v1", hashlib.sha256).digest(),
                   b"id:620102196503120018", hashlib.sha256).digest()
    legacy = base64.b32encode(mac[:20]).decode().rstrip("=").lower()
    assert legacy in candidates and Vault.index_key_id(legacy) == "legacy"


def test_sealed_text_form_for_text_columns() -> None:
    from storage.crypto import is_sealed_text

    v = Vault(NEW)
    text = v.seal_text('{"readback": {"text": "13912345678"}}')
    assert is_sealed_text(text) and "1391234" not in text and text.isascii()
    assert v.open_text(text) == '{"readback": {"text": "13912345678"}}'
    assert v.key_id_of(text) == v.current_key_id
    with pytest.raises(CryptoError):
        v.open_text("{}")


def test_numbers_said_in_passing_are_scrubbed() -> None:
    from storage.crypto import scrub_numbers

    assert scrub_numbers("我的电话13912345678，身份证620102196503120018") == "我的电话" + "*" * 11 + "，身份证" + "*" * 18
    assert scrub_numbers("有两个孩子，80平米") == "有两个孩子，80平米"
