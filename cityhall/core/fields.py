from typing import Any

from django.db import models

from cityhall.core import crypto


class EncryptedTextField(models.TextField):
    """Text sealed at rest (see core.crypto); search it through a separate blind-index field.

    The column's label (`app.Model.field`) is the associated data of every ciphertext.
    """

    @property
    def crypto_context(self) -> str:
        return f"{self.model._meta.label}.{self.name}"

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> str | None:
        if value is None or value == "":
            return value
        return crypto.decrypt(value, context=self.crypto_context)

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return crypto.encrypt(str(value), context=self.crypto_context)
