"""Action parameters, checked as CKAN's validators check them, with CKAN's messages."""

import json
import re
from typing import Any

from cityhall.exchange.ckan.errors import ValidationError

TRUE_WORDS = frozenset({"true", "yes", "on", "y", "t", "1"})
FALSE_WORDS = frozenset({"false", "no", "off", "n", "f", "0", ""})


def integer(data: dict[str, Any], name: str, errors: dict[str, list[str]]) -> int | None:
    value = data.get(name)
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        errors[name] = ["Invalid integer"]
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and re.fullmatch(r"\s*[+-]?\d+\s*", value):
        return int(value)
    errors[name] = ["Invalid integer"]
    return None


def natural(data: dict[str, Any], name: str, errors: dict[str, list[str]]) -> int | None:
    value = integer(data, name, errors)
    if value is not None and value < 0:
        errors[name] = ["Must be a natural number"]
        return None
    return value


def boolean(data: dict[str, Any], name: str, errors: dict[str, list[str]]) -> bool:
    value = data.get(name)
    if value is None or isinstance(value, bool):
        return bool(value)
    if isinstance(value, int):
        return value != 0
    text = str(value).strip().lower()
    if text in TRUE_WORDS:
        return True
    if text not in FALSE_WORDS:
        errors[name] = [f"String is not true/false: {value!r}"]
    return False


def string_list(data: dict[str, Any], name: str, errors: dict[str, list[str]]) -> list[str]:
    """A list of strings given as a JSON list, a JSON text of one, or a repeated parameter."""
    value = data.get(name)
    if value is None or value == "":
        return []
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            errors[name] = ["Could not parse as valid JSON"]
            return []
    if not isinstance(value, list):
        errors[name] = ["Not a list"]
        return []
    if not all(isinstance(item, str) for item in value):
        errors[name] = ["Not a string"]
        return []
    return value


def required(data: dict[str, Any], name: str) -> str:
    if name not in data:
        raise ValidationError({name: ["Missing value"]})
    return str(data[name])


def raise_if(errors: dict[str, list[str]]) -> None:
    if errors:
        raise ValidationError(errors)
