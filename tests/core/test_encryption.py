"""core.encryption: MultiFernet tokens, key rotation, and FIELD_ENCRYPTION_KEYS checked at start."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured

from core.encryption import TOKEN_PREFIX, UndecryptableValue, decrypt, encrypt, reencrypt

OLD = Fernet.generate_key().decode()
NEW = Fernet.generate_key().decode()


def test_a_token_hides_the_text_and_differs_every_time():
    first, second = encrypt("7 Larkspur Close", keys=[OLD]), encrypt("7 Larkspur Close", keys=[OLD])
    assert first != second
    assert first.startswith(TOKEN_PREFIX) and "Larkspur" not in first
    assert decrypt(first, keys=[OLD]) == decrypt(second, keys=[OLD]) == "7 Larkspur Close"


def test_unicode_survives():
    assert decrypt(encrypt("Zoë Ó Súilleabháin 🙂", keys=[OLD]), keys=[OLD]) == "Zoë Ó Súilleabháin 🙂"


def test_rotation_the_first_key_encrypts_and_every_key_decrypts():
    written_with_old = encrypt("secret", keys=[OLD])
    rotated_keys = [NEW, OLD]  # a new key goes first; the old one stays until every row is rewritten
    assert decrypt(written_with_old, keys=rotated_keys) == "secret"
    written_after = encrypt("secret", keys=rotated_keys)
    assert decrypt(written_after, keys=[NEW]) == "secret"
    with pytest.raises(UndecryptableValue):
        decrypt(written_after, keys=[OLD])
    # Rewriting (what reencrypt_protected_data does to every row) frees the old key.
    rewritten = reencrypt(written_with_old, keys=rotated_keys)
    assert decrypt(rewritten, keys=[NEW]) == "secret"


def test_a_token_no_key_opens_is_a_clear_error_not_garbage():
    with pytest.raises(UndecryptableValue, match="FIELD_ENCRYPTION_KEYS"):
        decrypt(encrypt("secret", keys=[OLD]), keys=[NEW])
    with pytest.raises(UndecryptableValue):
        decrypt("not a token", keys=[NEW])


def test_settings_refuse_a_malformed_key_and_keep_the_order(monkeypatch):
    from spmp_platform.settings import _fernet_keys

    monkeypatch.setenv("FIELD_ENCRYPTION_KEYS", f" {NEW} ,{OLD}")
    assert _fernet_keys("FIELD_ENCRYPTION_KEYS", "unused") == [NEW, OLD]
    monkeypatch.setenv("FIELD_ENCRYPTION_KEYS", f"{NEW},not-a-key")
    with pytest.raises(ImproperlyConfigured, match="key 2 is not a Fernet key"):
        _fernet_keys("FIELD_ENCRYPTION_KEYS", "unused")
