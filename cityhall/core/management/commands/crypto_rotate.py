"""Re-seal every encrypted column under the current key (after adding a new first key)."""

from typing import Any

from django.apps import apps
from django.core.management.base import BaseCommand, CommandParser
from django.db import connection, transaction

from cityhall.core import crypto
from cityhall.core.fields import EncryptedTextField


def encrypted_columns() -> list[tuple[Any, EncryptedTextField]]:
    return [
        (model, field)
        for model in apps.get_models()
        for field in model._meta.concrete_fields
        if isinstance(field, EncryptedTextField)
    ]


def reseal(*, batch_size: int = 1000) -> dict[str, int]:
    """Re-encrypt values sealed with an older key; returns counts per column."""
    current = crypto.current_key_id()
    counts: dict[str, int] = {}
    quote = connection.ops.quote_name
    for model, field in encrypted_columns():
        table, column, pk = (
            quote(model._meta.db_table),
            quote(field.column or field.name),
            quote(model._meta.pk.column),
        )
        done = 0
        while True:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(
                    f"SELECT {pk}, {column} FROM {table} "  # noqa: S608 - quoted identifiers
                    f"WHERE {column} <> '' AND {column} NOT LIKE %s ORDER BY {pk} LIMIT %s",
                    [f"{current}$%", batch_size],
                )
                rows = cursor.fetchall()
                for row_pk, token in rows:
                    plain = crypto.decrypt(token, context=field.crypto_context)
                    cursor.execute(
                        f"UPDATE {table} SET {column} = %s WHERE {pk} = %s",  # noqa: S608
                        [crypto.encrypt(plain, context=field.crypto_context), row_pk],
                    )
            done += len(rows)
            if len(rows) < batch_size:
                break
        counts[field.crypto_context] = done
    return counts


class Command(BaseCommand):
    help = "Re-seal encrypted personal data under the current key (CITYHALL_FIELD_KEYS, first id)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch-size", type=int, default=1000)

    def handle(self, *args: Any, **options: Any) -> None:
        for column, count in reseal(batch_size=options["batch_size"]).items():
            self.stdout.write(f"{column}: {count} re-sealed under key {crypto.current_key_id()}")
