"""Encryption of single columns in Python (MultiFernet), for the most sensitive case data.

The embedded PostgreSQL has no pgcrypto, and a database dump, a replica or a database
administrator should not read where a victim lives, so protected persons' contact and safety
details are encrypted before they reach the database and decrypted after they leave it.

Keys come from ``settings.FIELD_ENCRYPTION_KEYS`` (newest first): the first key encrypts, every key
decrypts. To rotate, put a new key first, run ``manage.py reencrypt_protected_data`` (every row is
rewritten with the new key), then drop the old key.

``EncryptedTextField`` is a ``TextField`` whose value in Python is the plain text and whose column
holds a Fernet token (AES-128-CBC with an HMAC, a timestamp and a random IV: the same text never
gives the same token). It cannot be searched, ordered or compared in SQL; an empty value is stored
empty (it says nothing but "not recorded").
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.validators import MaxLengthValidator
from django.db import models

__all__ = ["EncryptedTextField", "UndecryptableValue", "decrypt", "encrypt", "reencrypt"]

#: Every token starts with the Fernet version byte, base64-encoded: a quick test of "is ciphertext".
TOKEN_PREFIX = "gAAAAA"


class UndecryptableValue(ImproperlyConfigured):
    """A stored token no configured key opens: the key that wrote it was removed too early."""


@lru_cache(maxsize=4)
def _cipher(keys: tuple[str, ...]) -> MultiFernet:
    if not keys:
        raise ImproperlyConfigured("FIELD_ENCRYPTION_KEYS names no key.")
    return MultiFernet([Fernet(key.encode("ascii")) for key in keys])


def cipher(keys: Sequence[str] | None = None) -> MultiFernet:
    """The MultiFernet of ``keys`` (default: the settings' keys, read on each call so tests and a
    rotation in a long-lived process see the current list)."""
    return _cipher(tuple(keys if keys is not None else settings.FIELD_ENCRYPTION_KEYS))


def encrypt(text: str, *, keys: Sequence[str] | None = None) -> str:
    """A token for ``text``, made with the first key."""
    return cipher(keys).encrypt(text.encode("utf-8")).decode("ascii")


def decrypt(token: str, *, keys: Sequence[str] | None = None) -> str:
    """The text of ``token``, opened with whichever key made it."""
    try:
        return cipher(keys).decrypt(token.encode("ascii")).decode("utf-8")
    except (InvalidToken, UnicodeEncodeError) as exc:
        raise UndecryptableValue(
            "An encrypted value cannot be opened with any key in FIELD_ENCRYPTION_KEYS: "
            "was the key that wrote it removed before `reencrypt_protected_data` ran?"
        ) from exc


def reencrypt(token: str, *, keys: Sequence[str] | None = None) -> str:
    """``token`` made again with the first key (the text unchanged): key rotation."""
    try:
        return cipher(keys).rotate(token.encode("ascii")).decode("ascii")
    except (InvalidToken, UnicodeEncodeError) as exc:
        raise UndecryptableValue("An encrypted value cannot be opened with any configured key.") from exc


class EncryptedTextField(models.TextField):  # type: ignore[type-arg]
    """Plain text in Python, a Fernet token in the column (see the module docstring).

    ``max_length`` bounds the plain text (forms, the API and ``full_clean``); the column itself is
    unbounded, as a token is about a third longer than its text plus ~100 characters.
    """

    description = "Text encrypted with the field encryption keys"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.max_length is not None:
            self.validators.append(MaxLengthValidator(self.max_length))

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> str | None:
        if not value:
            return value
        return decrypt(value)

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return encrypt(str(value))

    def get_lookup(self, lookup_name: str) -> Any:
        # A token differs every time: an equality or a LIKE on this column could only mislead.
        if lookup_name not in ("isnull",):
            return None
        return super().get_lookup(lookup_name)
