"""Key rotation of the encrypted columns (``core.encryption``): rewrite, in batches, every value not
already under the first key of ``FIELD_ENCRYPTION_KEYS``.

Resumable: a value already under the first key is left alone, so a run that stopped (or a second
run) only does what is left. Values are read raw (never decrypted into Python objects beyond
``MultiFernet.rotate``) and written back with one UPDATE per batch row; the text never changes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from django.apps import apps
from django.conf import settings
from django.db import connection, transaction

from .encryption import EncryptedTextField, reencrypt


@dataclass
class Column:
    model: Any
    table: str
    pk: str
    fields: list[str]  # column names


def encrypted_columns() -> list[Column]:
    """Every concrete model with an ``EncryptedTextField``, with those columns."""
    found = []
    for model in apps.get_models():
        if model._meta.proxy or not model._meta.managed:
            continue
        fields = [str(f.column) for f in model._meta.concrete_fields if isinstance(f, EncryptedTextField)]
        if fields:
            found.append(Column(model, model._meta.db_table, str(model._meta.pk.column), fields))
    return found


def under_first_key(token: str, first: Fernet) -> bool:
    try:
        first.decrypt(token.encode("ascii"))
    except (InvalidToken, UnicodeEncodeError):
        return False
    return True


def _table_exists(table: str) -> bool:
    return table in connection.introspection.table_names()


def _batches(column: Column, batch_size: int) -> Iterator[list[tuple[Any, ...]]]:
    qn = connection.ops.quote_name
    cols = ", ".join(qn(f) for f in column.fields)
    last: Any = None
    while True:
        where = f"WHERE {qn(column.pk)} > %s " if last is not None else ""
        sql = (
            f"SELECT {qn(column.pk)}, {cols} FROM {qn(column.table)} {where}ORDER BY {qn(column.pk)} LIMIT %s"  # noqa: S608 (names from the models, values as parameters)
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [last, batch_size] if last is not None else [batch_size])
            rows = cursor.fetchall()
        if not rows:
            return
        yield rows
        last = rows[-1][0]


def count_rows() -> int:
    total = 0
    qn = connection.ops.quote_name
    for column in encrypted_columns():
        if _table_exists(column.table):
            with connection.cursor() as cursor:
                cursor.execute(f"SELECT count(*) FROM {qn(column.table)}")  # noqa: S608 (a model's table)
                total += int(cursor.fetchone()[0])
    return total


def rotate_schema(*, batch_size: int = 500, progress: Callable[[int], Any] | None = None) -> dict[str, int]:
    """Rewrite the current schema's values not under the first key; returns values rewritten per
    model. ``progress(n)`` is called after each batch with the rows it looked at."""
    first = Fernet(settings.FIELD_ENCRYPTION_KEYS[0].encode("ascii"))
    qn = connection.ops.quote_name
    rewritten: dict[str, int] = {}
    for column in encrypted_columns():
        if not _table_exists(column.table):
            continue
        done = 0
        for rows in _batches(column, batch_size):
            with transaction.atomic():
                for pk, *values in rows:
                    changes = {
                        name: reencrypt(value)
                        for name, value in zip(column.fields, values, strict=True)
                        if value and not under_first_key(value, first)
                    }
                    if changes:
                        sets = ", ".join(f"{qn(name)} = %s" for name in changes)
                        with connection.cursor() as cursor:
                            cursor.execute(
                                f"UPDATE {qn(column.table)} SET {sets} WHERE {qn(column.pk)} = %s",  # noqa: S608
                                [*changes.values(), pk],
                            )
                        done += len(changes)
            if progress is not None:
                progress(len(rows))
        rewritten[column.model._meta.label] = done
    return rewritten
